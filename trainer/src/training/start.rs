//! How a run begins: its folder and `config.json`, then the model, the optimizer and
//! the loop's state, fresh or from the folder's checkpoint.

use std::fs;
use std::path::Path;

use burn::module::{Module, ModuleVisitor, Param};
use burn::prelude::{Backend, Tensor};
use burn::tensor::backend::AutodiffBackend;
use remul_group::random::rng_from_seed;

use crate::checkpoint::{self, LoopState, RunState};
use crate::config::TrainConfig;
use crate::error::{Result, TrainerError};
use crate::json::{read_json, write_json};
use crate::model::{Net, NetShape};

use super::optimizer::{self, Optim};

/// A run's state with that optimizer.
pub(super) type Run<B> = RunState<B, Optim<B>>;

/// Seed offset of the loop's generator, so that it differs from burn's
/// initialisation stream even for the same user seed.
const LOOP_SEED_SALT: u64 = 0x005E_ED0F_4E4D;

/// Creates the run folder and writes `config.json`. A resumed run must have
/// the configuration its checkpoint was made with (but for the epochs).
pub(super) fn prepare_folder(out: &Path, config: &TrainConfig, resume: bool) -> Result<()> {
    fs::create_dir_all(out).map_err(|e| TrainerError::io(out, e))?;
    let path = out.join("config.json");
    if resume && path.exists() {
        let saved: TrainConfig = read_json(&path)?;
        if !config.resumable_from(&saved) {
            return Err(TrainerError::ConfigMismatch(out.to_path_buf()));
        }
    }
    write_json(&path, config)
}

static SEEDED_INIT: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Reads every float parameter once, which makes burn draw its initial
/// values.
struct DrawParameters;

impl<B: Backend> ModuleVisitor<B> for DrawParameters {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
        let _ = param.val();
    }
}

/// The model, optimizer and loop state a run starts from: fresh ones, or with
/// `resume` those of the checkpoint in `out`.
pub(super) fn start_or_resume<B: AutodiffBackend>(
    config: &TrainConfig,
    shape: &NetShape,
    out: &Path,
    resume: bool,
    device: &B::Device,
) -> Result<Run<B>> {
    // Built on resume too: they give the checkpoint's shapes.
    let model: Net<B> = {
        // The backend's random generator is one global that `seed` sets and
        // initialisers draw from: runs starting at once in one process
        // (tests, a library user's threads) must not draw each other's.
        let _only_us = SEEDED_INIT
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        B::seed(device, config.seed);
        let model = config.net.init(shape.clone(), device);
        // burn draws a parameter's values lazily, at its first use: draw
        // them all now, while the generator is ours.
        model.visit(&mut DrawParameters);
        model
    };
    let optim = optimizer::for_run::<B>(config);
    if resume {
        return checkpoint::load(out, model, optim, device)?
            .ok_or_else(|| TrainerError::NothingToResume(out.to_path_buf()));
    }
    let (alpha, beta) = config.penalty.initial_weights(config.alpha, config.beta);
    let state = LoopState {
        epochs_done: 0,
        alpha,
        beta,
        gradnorm: config.gradnorm.clone(),
        rng: rng_from_seed(config.seed ^ LOOP_SEED_SALT),
        best: None,
        steps: 0,
        elapsed_s: 0.0,
    };
    Ok(RunState {
        model,
        optim,
        best: None,
        average: None,
        state,
    })
}
