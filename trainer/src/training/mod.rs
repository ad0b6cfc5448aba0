//! The training loop: REMUL steps with α·L_obj + β·L_equi, validation every
//! k epochs, the best-validation model kept (the GMN protocol), checkpoints
//! at every epoch, and the final report.
//!
//! [`TrainJob`]'s run reads top-down in this file, one named function per
//! phase; the pieces live beside it: `start` (folder, fresh or resumed
//! state), `optimizer` (Adam, optionally with decoupled weight decay),
//! [`step`] (one optimizer step), `epoch_log` (`epochs.csv`), `progress`
//! (the bar) and `outputs` (what a finished run hands on).

mod ema;
mod epoch_log;
pub mod optimizer;
mod outputs;
mod progress;
mod start;
mod step;

pub use step::{Losses, step};

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use burn::module::AutodiffModule;
use burn::prelude::Backend;
use burn::tensor::backend::AutodiffBackend;
use remul_datasets::TaskData;
use remul_group::random::GroupRng;

use self::epoch_log::EpochLog;
use self::progress::Progress;
use self::start::Run;
use crate::batch::{self, Halves};
use crate::checkpoint;
use crate::config::TrainConfig;
use crate::device::BackendJob;
use crate::distill::{Distiller, Ensemble};
use crate::error::{Result, TrainerError};
use crate::evaluate::{Predict, Predictor};
use crate::json::write_json;
use crate::model::{Net, NetShape};
use crate::normalize::Normalization;
use crate::objective::Penalty;
use crate::rotations::Rotations;
use crate::run_metrics::RunMetrics;

/// Set by the Ctrl-C handler: finish the epoch, save, stop.
pub static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Set once the last epoch is saved and the final measurement runs: an
/// interrupt then has no epoch to finish, and what it would stop is
/// already in the checkpoint (`--resume` measures it again).
pub static MEASURING: AtomicBool = AtomicBool::new(false);

/// A trained model with what it needs to run, in the inner (non-autodiff) backend.
pub struct Trained<B: Backend> {
    /// The best-validation network.
    pub net: Net<B>,
    /// Its normalisation.
    pub norm: Normalization,
}

/// Work done with the trained model on the CPU (the export).
pub type AfterTraining =
    Box<dyn FnOnce(&Trained<burn::backend::NdArray<f32>>, &RunMetrics) -> Result<()>>;

/// A training run, ready to go on any backend.
pub struct TrainJob {
    /// The configuration.
    pub config: TrainConfig,
    /// The data.
    pub data: TaskData,
    /// The run folder (metrics, CSV, checkpoints, final weights).
    pub out: PathBuf,
    /// Continue from the checkpoint in `out`.
    pub resume: bool,
    /// Draw a progress bar.
    pub progress: bool,
    /// Called with the trained model (the export).
    pub after: Option<AfterTraining>,
}

impl BackendJob for TrainJob {
    type Output = Result<RunMetrics>;
    fn run<B: AutodiffBackend>(self, device: B::Device) -> Self::Output {
        train::<B>(self, &device)
    }
}

/// What every phase of a run reads and none changes.
struct Setup<'a, B: AutodiffBackend> {
    config: &'a TrainConfig,
    rotations: &'a Rotations,
    data: &'a TaskData,
    norm: &'a Normalization,
    device: &'a B::Device,
    /// A distilled student's teacher terms (teachers need no gradients).
    distiller: Option<&'a Distiller<Ensemble<B::InnerBackend>>>,
}

impl<'a, B: AutodiffBackend> Setup<'a, B> {
    /// `net` in data units, as the setup's normalisation frames it.
    fn predictor<N: Backend<Device = B::Device>>(&self, net: &'a Net<N>) -> Predictor<'a, N> {
        Predictor {
            net,
            io: &self.data.io,
            norm: self.norm,
            device: self.device,
        }
    }
}

/// Training time over all of a run's sessions.
struct Clock {
    before: f64,
    session: Instant,
}

impl Clock {
    /// Starts this session's clock after `before` seconds of earlier ones.
    fn start(before: f64) -> Self {
        Self {
            before,
            session: Instant::now(),
        }
    }

    /// Seconds so far, earlier sessions included.
    fn elapsed_s(&self) -> f64 {
        self.before + self.session.elapsed().as_secs_f64()
    }
}

/// The run: checked, started or resumed, trained an epoch at a time, then
/// measured and saved.
fn train<B: AutodiffBackend>(job: TrainJob, device: &B::Device) -> Result<RunMetrics> {
    let TrainJob {
        config,
        data,
        out,
        resume,
        progress,
        after,
    } = job;
    config.validate(&data)?;
    let rotations = Rotations::new(&config.group, config.group_pool, config.seed)?;
    start::prepare_folder(&out, &config, resume)?;
    let norm = crate::normalize::fit(
        &data.io,
        &data.train,
        config.center,
        config.scale,
        config.canonical_axes,
        config.orientation_input,
    );
    let distiller = match &config.distill {
        Some(d) => {
            let teachers =
                Ensemble::<B::InnerBackend>::load(&d.teachers, &config.task, &data, device)?;
            Some(Distiller::new(d.clone(), teachers, &data.io, &norm))
        }
        None => None,
    };
    let setup = Setup {
        config: &config,
        rotations: &rotations,
        data: &data,
        norm: &norm,
        device,
        distiller: distiller.as_ref(),
    };
    let mut run = start::start_or_resume::<B>(
        &config,
        &NetShape::of_run(&data, &config),
        &out,
        resume,
        device,
    )?;
    if resume {
        let (done, epochs) = (run.state.epochs_done, config.epochs);
        eprintln!("resuming from the checkpoint at epoch {done} of {epochs}");
    }
    let mut log = EpochLog::open(&out, run.state.epochs_done)?;
    let bar = Progress::new(progress, config.epochs, run.state.epochs_done);
    let clock = Clock::start(run.state.elapsed_s);
    let mut order: Vec<usize> = (0..data.train.len()).collect();

    while run.state.epochs_done < config.epochs {
        let epoch = run.state.epochs_done + 1;
        let losses;
        (run, losses) = run_epoch(run, &mut order, &setup)?;
        run.state.epochs_done = epoch;
        let val_mse = validate_epoch(&mut run, epoch, &setup)?;
        run.state.elapsed_s = clock.elapsed_s();
        let weights = (run.state.alpha, run.state.beta);
        log.row(epoch, losses, weights, val_mse, run.state.elapsed_s)?;
        // A checkpoint on Ctrl-C too, so that resuming loses nothing.
        let interrupted = INTERRUPTED.load(Ordering::SeqCst);
        if epoch.is_multiple_of(config.checkpoint_every) || epoch == config.epochs || interrupted {
            checkpoint::save(&out, &run)?;
        }
        bar.epoch(epoch, (losses.obj, losses.equi), &run.state);
        if interrupted && epoch < config.epochs {
            bar.abandon();
            return Err(TrainerError::Interrupted { epoch });
        }
    }
    bar.finish();
    MEASURING.store(true, Ordering::SeqCst);
    let trained = finish(run, &setup, &out, &clock, after);
    MEASURING.store(false, Ordering::SeqCst);
    trained
}

/// One pass over the training split in a fresh order, one optimizer step
/// per batch. Returns the run and the epoch's mean (L_obj, L_equi).
fn run_epoch<B: AutodiffBackend>(
    mut run: Run<B>,
    order: &mut [usize],
    setup: &Setup<'_, B>,
) -> Result<(Run<B>, Losses)> {
    let Setup {
        config,
        rotations,
        data,
        norm,
        device,
        distiller,
    } = *setup;
    // From the sorted order, so that the shuffle depends only on the
    // generator: a resumed run draws the same batches.
    order.sort_unstable();
    shuffle(order, &mut run.state.rng);
    let total_steps = (config.epochs * order.len().div_ceil(config.batch_size)) as u64;
    let (mut sum, mut batches) = (Losses::default(), 0usize);
    for indices in order.chunks(config.batch_size) {
        let (plain, rotated) = config.penalty.halves(run.state.alpha, run.state.beta);
        let mut b = batch::prepare(
            &data.io,
            norm,
            &data.train,
            indices,
            Halves { plain, rotated },
            rotations,
            &mut run.state.rng,
        )?;
        if let Some(distiller) = distiller {
            let rng = &mut run.state.rng;
            distiller.extend(&mut b, norm, &data.train, indices, rotations, rng)?;
        }
        let lr = config
            .lr_schedule
            .lr(config.lr, run.state.steps, total_steps);
        let (model, losses) = step(
            run.model,
            &mut run.optim,
            &b,
            lr,
            config,
            &mut run.state,
            device,
        )?;
        run.model = model;
        if let Some(decay) = config.ema {
            let latest = run.model.valid();
            run.average = Some(match run.average.take() {
                Some(average) => ema::update(average, &latest, decay),
                None => latest,
            });
        }
        sum.obj += losses.obj;
        sum.equi += losses.equi;
        sum.extra += losses.extra;
        batches += 1;
    }
    let n = batches.max(1) as f64;
    let mean = Losses {
        obj: sum.obj / n,
        equi: sum.equi / n,
        extra: sum.extra / n,
    };
    Ok((run, mean))
}

/// Every `validate_every` epochs and after the last: the validation MSE,
/// with the model kept when it is the best so far; `None` on other epochs.
fn validate_epoch<B: AutodiffBackend>(
    run: &mut Run<B>,
    epoch: usize,
    setup: &Setup<'_, B>,
) -> Result<Option<f64>> {
    let config = setup.config;
    if !(epoch.is_multiple_of(config.validate_every.max(1)) || epoch == config.epochs) {
        return Ok(None);
    }
    // With weight averaging, the average is the model.
    let inner = run.average.clone().unwrap_or_else(|| run.model.valid());
    let mse = setup.predictor(&inner).mse(&setup.data.val)?;
    if run.state.best.is_none_or(|(b, _)| mse < b) {
        run.state.best = Some((mse, epoch));
        run.best = Some(inner);
    }
    Ok(Some(mse))
}

/// After the last epoch: the best model measured on every split, its
/// weights and `metrics.json` written, and a CPU copy handed to `after`.
fn finish<B: AutodiffBackend>(
    run: Run<B>,
    setup: &Setup<'_, B>,
    out: &Path,
    clock: &Clock,
    after: Option<AfterTraining>,
) -> Result<RunMetrics> {
    let config = setup.config;
    let best = run
        .best
        .or(run.average)
        .unwrap_or_else(|| run.model.valid());
    let mut metrics = RunMetrics::measure(&setup.predictor(&best), config, setup.data, &run.state)?;
    // Evaluation counts as training time.
    metrics.wall_time_s = clock.elapsed_s();
    outputs::save_model(out, &best)?;
    write_json(&out.join("metrics.json"), &metrics)?;
    if config.penalty == Penalty::Gradnorm {
        outputs::plot_weights(out)?;
    }
    if let Some(after) = after {
        let net = outputs::to_cpu(&best, config, setup.data)?;
        let norm = *setup.norm;
        after(&Trained { net, norm }, &metrics)?;
    }
    Ok(metrics)
}

/// Fisher–Yates with the loop's generator (deterministic per seed).
fn shuffle(order: &mut [usize], rng: &mut GroupRng) {
    use remul_group::random::Rng;
    for i in (1..order.len()).rev() {
        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
        order.swap(i, j);
    }
}
