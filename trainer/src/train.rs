//! The training loop: REMUL steps with α·L_obj + β·L_equi, validation every
//! k epochs, the best-validation model kept (the GMN protocol), checkpoints
//! at every epoch, and the final report.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use burn::module::{AutodiffModule, Module};
use burn::optim::decay::WeightDecayConfig;
use burn::optim::{AdamConfig, GradientsParams, Optimizer};
use burn::prelude::*;
use burn::tensor::TensorData;
use burn::tensor::backend::AutodiffBackend;
use indicatif::{ProgressBar, ProgressStyle};
use remul_datasets::TaskData;
use remul_group::random::{GroupRng, rng_from_seed};
use remul_group::{EquivarianceReport, Group};
use serde::{Deserialize, Serialize};

use crate::batch::{self, Halves, StepBatch};
use crate::checkpoint::{self, LoopState};
use crate::config::TrainConfig;
use crate::device::BackendJob;
use crate::error::{Result, TrainerError};
use crate::evaluate::Predictor;
use crate::json::{read_json, write_json};
use crate::model::{Net, NetShape};
use crate::normalize::Normalization;
use crate::objective::Penalty;

/// Set by the Ctrl-C handler: finish the epoch, save, stop.
pub static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Seed offset of the loop's generator, so that it differs from burn's
/// initialisation stream even for the same user seed.
const LOOP_SEED_SALT: u64 = 0x005E_ED0F_4E4D;

/// A trained model with what it needs to run, in the inner (non-autodiff) backend.
pub struct Trained<B: Backend> {
    /// The best-validation network.
    pub net: Net<B>,
    /// Its normalisation.
    pub norm: Normalization,
}

/// What a run reports (written as `metrics.json`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RunMetrics {
    /// Task label, e.g. `mocap-run`.
    pub task: String,
    /// `mlp` or `transformer`.
    pub model: String,
    /// How α and β were set.
    pub penalty: Penalty,
    /// The seed.
    pub seed: u64,
    /// Where it ran.
    pub device: String,
    /// Epochs trained.
    pub epochs: usize,
    /// The epoch whose model is reported (best validation MSE).
    pub best_epoch: usize,
    /// MSE on the training split (data units).
    pub train_mse: f64,
    /// MSE on the validation split.
    pub val_mse: f64,
    /// MSE on the test split.
    pub test_mse: f64,
    /// Test MSE × 10², as the paper prints it ("MSE ×10⁻²").
    pub test_mse_x100: f64,
    /// MSE on the out-of-distribution split, where the task has one.
    pub ood_mse: Option<f64>,
    /// E, E', max and relative error on the test split under the run's group.
    pub equivariance: EquivarianceReport,
    /// The same under all of SO(3), when the run's group is smaller.
    pub equivariance_so3: Option<EquivarianceReport>,
    /// α at the end.
    pub alpha: f64,
    /// β at the end.
    pub beta: f64,
    /// Trainable parameters.
    pub parameters: usize,
    /// Optimizer steps.
    pub steps: u64,
    /// Seconds of training (over all sessions, evaluation included).
    pub wall_time_s: f64,
    /// Wall milliseconds per optimizer step, validation and checkpoints
    /// included (the step alone: `cargo bench -p remul-benches --bench step_cost`).
    pub step_ms: f64,
    /// The normalisation the model uses.
    pub normalization: Normalization,
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

fn to_tensor<B: Backend>(
    values: &[f32],
    rows: usize,
    cols: usize,
    device: &B::Device,
) -> Tensor<B, 2> {
    Tensor::from_data(TensorData::new(values.to_vec(), [rows, cols]), device)
}

fn scalar<B: Backend>(t: &Tensor<B, 1>) -> f64 {
    t.clone().into_scalar().elem::<f64>()
}

/// Fisher–Yates with the loop's generator (deterministic per seed).
fn shuffle(order: &mut [usize], rng: &mut GroupRng) {
    use remul_group::random::Rng;
    for i in (1..order.len()).rev() {
        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
        order.swap(i, j);
    }
}

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
    fs::create_dir_all(&out).map_err(|e| TrainerError::io(&out, e))?;
    check_or_write_config(&out, &config, resume)?;

    let io = data.io.clone();
    let norm = crate::normalize::fit(&io, &data.train, config.center, config.scale);
    B::seed(device, config.seed);
    let model: Net<B> = config.net.init(NetShape::of(&io), device);
    let mut optim_config = AdamConfig::new();
    if config.weight_decay > 0.0 {
        optim_config = optim_config
            .with_weight_decay(Some(WeightDecayConfig::new(config.weight_decay as f32)));
    }
    let optim = optim_config.init::<B, Net<B>>();
    let (alpha0, beta0) = config.penalty.initial_weights(config.alpha, config.beta);
    let fresh_state = LoopState {
        epochs_done: 0,
        alpha: alpha0,
        beta: beta0,
        gradnorm: config.gradnorm.clone(),
        rng: rng_from_seed(config.seed ^ LOOP_SEED_SALT),
        best: None,
        steps: 0,
        elapsed_s: 0.0,
    };
    let (mut model, mut optim, mut best, mut state) = if resume {
        match checkpoint::load(&out, model, optim, device)? {
            Some(r) => (r.model, r.optim, r.best, r.state),
            None => return Err(TrainerError::NothingToResume(out)),
        }
    } else {
        (model, optim, None, fresh_state)
    };
    let mut csv = EpochLog::open(&out, state.epochs_done)?;
    let bar = progress_bar(progress, config.epochs, state.epochs_done);
    let session = Instant::now();
    let elapsed_before = state.elapsed_s;
    let mut order: Vec<usize> = (0..data.train.len()).collect();

    while state.epochs_done < config.epochs {
        let epoch = state.epochs_done + 1;
        order.sort_unstable();
        shuffle(&mut order, &mut state.rng);
        let (mut sum_obj, mut sum_equi, mut batches) = (0.0f64, 0.0f64, 0usize);
        for indices in order.chunks(config.batch_size) {
            let (plain, rotated) = config.penalty.halves(state.alpha, state.beta);
            let b = batch::prepare(
                &io,
                &norm,
                &data.train,
                indices,
                Halves { plain, rotated },
                &config.group,
                &mut state.rng,
            )?;
            let (next, losses) = step(model, &mut optim, &b, &config, &mut state, device)?;
            model = next;
            let (v_obj, v_equi) = losses;
            sum_obj += v_obj;
            sum_equi += v_equi;
            batches += 1;
        }
        state.epochs_done = epoch;
        let validate = epoch.is_multiple_of(config.validate_every.max(1)) || epoch == config.epochs;
        let val = if validate {
            let inner = model.valid();
            let mse = Predictor {
                net: &inner,
                io: &io,
                norm: &norm,
                device,
            }
            .mse(&data.val)?;
            Some((mse, inner))
        } else {
            None
        };
        let val_mse = val.as_ref().map(|(m, _)| *m);
        if let Some((mse, inner)) = val
            && state.best.is_none_or(|(b, _)| mse < b)
        {
            state.best = Some((mse, epoch));
            best = Some(inner);
        }
        state.elapsed_s = elapsed_before + session.elapsed().as_secs_f64();
        let means = (
            sum_obj / batches.max(1) as f64,
            sum_equi / batches.max(1) as f64,
        );
        csv.row(
            epoch,
            means,
            (state.alpha, state.beta),
            val_mse,
            state.elapsed_s,
        )?;
        let interrupted = INTERRUPTED.load(Ordering::SeqCst);
        if epoch.is_multiple_of(config.checkpoint_every) || epoch == config.epochs || interrupted {
            checkpoint::save(&out, &model, &optim, best.as_ref(), &state)?;
        }
        report_epoch(
            &bar,
            epoch,
            config.epochs,
            means,
            (state.alpha, state.beta),
            state.best,
        );
        if interrupted && epoch < config.epochs {
            bar.abandon();
            return Err(TrainerError::Interrupted { epoch });
        }
    }
    bar.finish();

    let best = best.unwrap_or_else(|| model.valid());
    let parameters = best.num_params();
    let predictor = Predictor {
        net: &best,
        io: &io,
        norm: &norm,
        device,
    };
    let m = config.eval_group_samples;
    let equivariance = predictor.equivariance(&data.test, &config.group, m, config.seed)?;
    let equivariance_so3 = if config.group != Group::So3 {
        Some(predictor.equivariance(&data.test, &Group::So3, m, config.seed)?)
    } else {
        None
    };
    let test_mse = predictor.mse(&data.test)?;
    let ood_mse = match data.extra.iter().find(|(name, _)| name == "ood") {
        Some((_, split)) => Some(predictor.mse(split)?),
        None => None,
    };
    let metrics = RunMetrics {
        task: config.task.label(),
        model: config.net.name().into(),
        penalty: config.penalty,
        seed: config.seed,
        device: config.device.describe(),
        epochs: state.epochs_done,
        best_epoch: state.best.map_or(state.epochs_done, |(_, e)| e),
        train_mse: predictor.mse(&data.train)?,
        val_mse: predictor.mse(&data.val)?,
        test_mse,
        test_mse_x100: test_mse * 100.0,
        ood_mse,
        equivariance,
        equivariance_so3,
        alpha: state.alpha,
        beta: state.beta,
        parameters,
        steps: state.steps,
        wall_time_s: elapsed_before + session.elapsed().as_secs_f64(),
        step_ms: 1000.0 * state.elapsed_s / state.steps.max(1) as f64,
        normalization: norm,
    };
    let best_path = out.join("model");
    best.clone()
        .save_file(&best_path, &checkpoint::recorder())
        .map_err(|e| TrainerError::Checkpoint {
            path: best_path,
            reason: e.to_string(),
        })?;
    write_json(&out.join("metrics.json"), &metrics)?;
    if config.penalty == Penalty::Gradnorm {
        plot_weights(&out)?;
    }
    if let Some(after) = after {
        let cpu_net = to_cpu(&best, &config, &io)?;
        after(&Trained { net: cpu_net, norm }, &metrics)?;
    }
    Ok(metrics)
}

/// The model moved to the CPU backend (for export), through its record.
fn to_cpu<B: Backend>(
    net: &Net<B>,
    config: &TrainConfig,
    io: &remul_group::IoLayout,
) -> Result<Net<burn::backend::NdArray<f32>>> {
    let device = Default::default();
    let record = net.clone().into_record();
    let bytes = burn::record::Recorder::<B>::record(
        &burn::record::BinBytesRecorder::<burn::record::FullPrecisionSettings>::default(),
        record,
        (),
    )
    .map_err(|e| TrainerError::Blob(e.to_string()))?;
    let empty: Net<burn::backend::NdArray<f32>> = config.net.init(NetShape::of(io), &device);
    let record = burn::record::Recorder::<burn::backend::NdArray<f32>>::load(
        &burn::record::BinBytesRecorder::<burn::record::FullPrecisionSettings>::default(),
        bytes,
        &device,
    )
    .map_err(|e| TrainerError::Blob(e.to_string()))?;
    Ok(empty.load_record(record))
}

/// One optimizer step on a prepared batch: one forward pass over both
/// halves, α·L_obj + β·L_equi, one backward pass, Adam, then GradNorm's
/// update of α and β when asked. Returns the model and (L_obj, L_equi).
pub fn step<B, O>(
    model: Net<B>,
    optim: &mut O,
    b: &StepBatch,
    config: &TrainConfig,
    state: &mut LoopState,
    device: &B::Device,
) -> Result<(Net<B>, (f64, f64))>
where
    B: AutodiffBackend,
    O: Optimizer<Net<B>, B>,
{
    let (n_in, n_out) = (
        b.inputs.len() / b.rows().max(1),
        b.targets.len() / b.rows().max(1),
    );
    let x = to_tensor::<B>(&b.inputs, b.rows(), n_in, device);
    let y = to_tensor::<B>(&b.targets, b.rows(), n_out, device);
    let features = model.features(x);
    let prediction = model.project(features.clone());
    let half = |t: Tensor<B, 2>, from: usize, len: usize| t.slice([from..from + len, 0..n_out]);
    let l_obj = (b.plain > 0).then(|| {
        config.loss.loss(
            half(prediction.clone(), 0, b.plain),
            half(y.clone(), 0, b.plain),
        )
    });
    let l_equi = (b.rotated > 0).then(|| {
        config.loss.loss(
            half(prediction.clone(), b.plain, b.rotated),
            half(y.clone(), b.plain, b.rotated),
        )
    });
    let losses = (
        l_obj.as_ref().map_or(0.0, scalar),
        l_equi.as_ref().map_or(0.0, scalar),
    );
    let head_norms = (config.penalty == Penalty::Gradnorm)
        .then(|| head_gradient_norms(&model, &features, &y, config, b.plain, b.rotated));
    let total = match (l_obj, l_equi) {
        (Some(o), Some(e)) => o.mul_scalar(state.alpha) + e.mul_scalar(state.beta),
        (Some(o), None) => o.mul_scalar(state.alpha),
        (None, Some(e)) => e.mul_scalar(state.beta),
        (None, None) => {
            return Err(TrainerError::InvalidArgument(
                "α and β are both zero: nothing to train".into(),
            ));
        }
    };
    let grads = GradientsParams::from_grads(total.backward(), &model);
    let model = optim.step(config.lr, model, grads);
    if let Some(norms) = head_norms {
        let s = state
            .gradnorm
            .step((state.alpha, state.beta), losses, norms);
        (state.alpha, state.beta) = (s.alpha, s.beta);
    }
    state.steps += 1;
    Ok((model, losses))
}

/// GradNorm's α and β over the epochs, from the run's CSV, as `alpha_beta.png`.
fn plot_weights(out: &Path) -> Result<()> {
    let path = out.join("epochs.csv");
    let text = fs::read_to_string(&path).map_err(|e| TrainerError::io(&path, e))?;
    let (mut alpha, mut beta) = (Vec::new(), Vec::new());
    for line in text.lines().skip(1) {
        let cols: Vec<f64> = line
            .split(',')
            .take(5)
            .filter_map(|c| c.parse().ok())
            .collect();
        if let [epoch, _, _, a, b] = cols[..] {
            alpha.push((epoch, a));
            beta.push((epoch, b));
        }
    }
    crate::plot::curves(
        &out.join("alpha_beta.png"),
        "GradNorm weights",
        "epoch",
        &[("α", alpha), ("β", beta)],
    )
}

/// ‖∇_W L_obj‖ and ‖∇_W L_equi‖ over the head's weights, from the head alone
/// on detached features: the head's gradient only depends on the head, and
/// burn cannot back-propagate twice through one graph.
fn head_gradient_norms<B: AutodiffBackend>(
    model: &Net<B>,
    features: &Tensor<B, 3>,
    y: &Tensor<B, 2>,
    config: &TrainConfig,
    plain: usize,
    rotated: usize,
) -> (f64, f64) {
    let n_out = y.dims()[1];
    let norm_of = |from: usize, len: usize| {
        let [_, tokens, width] = features.dims();
        let h = features
            .clone()
            .detach()
            .slice([from..from + len, 0..tokens, 0..width]);
        let pred = model.project(h);
        let loss = config
            .loss
            .loss(pred, y.clone().slice([from..from + len, 0..n_out]));
        let grads = loss.backward();
        model.head().weight.grad(&grads).map_or(0.0, |g| {
            g.powi_scalar(2).sum().sqrt().into_scalar().elem::<f64>()
        })
    };
    (norm_of(0, plain), norm_of(plain, rotated))
}

fn check_or_write_config(out: &Path, config: &TrainConfig, resume: bool) -> Result<()> {
    let path = out.join("config.json");
    if resume && path.exists() {
        let saved: TrainConfig = read_json(&path)?;
        if !config.resumable_from(&saved) {
            return Err(TrainerError::ConfigMismatch(out.to_path_buf()));
        }
    }
    write_json(&path, config)
}

/// The per-epoch CSV. On resume, rows past the checkpoint are dropped.
struct EpochLog {
    path: PathBuf,
    file: fs::File,
}

impl EpochLog {
    const HEADER: &'static str = "epoch,obj_loss,equi_loss,alpha,beta,val_mse,elapsed_s";

    fn open(out: &Path, keep_through: usize) -> Result<Self> {
        let path = out.join("epochs.csv");
        let mut kept = vec![Self::HEADER.to_string()];
        if keep_through > 0
            && let Ok(text) = fs::read_to_string(&path)
        {
            kept.extend(
                text.lines()
                    .skip(1)
                    .filter(|l| {
                        l.split(',')
                            .next()
                            .and_then(|e| e.parse::<usize>().ok())
                            .is_some_and(|e| e <= keep_through)
                    })
                    .map(str::to_string),
            );
        }
        let mut file = fs::File::create(&path).map_err(|e| TrainerError::io(&path, e))?;
        writeln!(file, "{}", kept.join("\n")).map_err(|e| TrainerError::io(&path, e))?;
        Ok(Self { path, file })
    }

    fn row(
        &mut self,
        epoch: usize,
        (obj, equi): (f64, f64),
        (alpha, beta): (f64, f64),
        val: Option<f64>,
        elapsed: f64,
    ) -> Result<()> {
        let val = val.map_or(String::new(), |v| format!("{v:.6e}"));
        writeln!(
            self.file,
            "{epoch},{obj:.6e},{equi:.6e},{alpha:.6},{beta:.6},{val},{elapsed:.2}"
        )
        .and_then(|_| self.file.flush())
        .map_err(|e| TrainerError::io(&self.path, e))
    }
}

fn progress_bar(show: bool, epochs: usize, done: usize) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(epochs as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "{elapsed_precise} [{bar:30}] epoch {pos}/{len} {msg} (eta {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.set_position(done as u64);
    bar
}

fn report_epoch(
    bar: &ProgressBar,
    epoch: usize,
    epochs: usize,
    (obj, equi): (f64, f64),
    (alpha, beta): (f64, f64),
    best: Option<(f64, usize)>,
) {
    let best = best.map_or(String::from("-"), |(v, e)| format!("{v:.4} @{e}"));
    bar.set_position(epoch as u64);
    bar.set_message(format!(
        "L_obj {obj:.4} L_equi {equi:.4} α {alpha:.3} β {beta:.3} best val {best}"
    ));
    // Without a terminal the bar is invisible: log ten lines over the run.
    if bar.is_hidden() && (epoch.is_multiple_of((epochs / 10).max(1)) || epoch == epochs) {
        eprintln!(
            "epoch {epoch}/{epochs}: L_obj {obj:.4} L_equi {equi:.4} α {alpha:.3} β {beta:.3} best val {best}"
        );
    }
}
