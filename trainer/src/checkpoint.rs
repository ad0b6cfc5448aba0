//! Saving and restoring a run at an epoch boundary: the model, Adam's state,
//! the best model so far, and the loop's own state (α, β, GradNorm's
//! memory, the random generator). A resumed run continues exactly as the
//! uninterrupted one would have.

use std::fs;
use std::path::{Path, PathBuf};

use burn::module::{AutodiffModule, Module};
use burn::optim::Optimizer;
use burn::record::{FullPrecisionSettings, NamedMpkFileRecorder, Recorder};
use burn::tensor::backend::AutodiffBackend;
use remul_group::random::GroupRng;
use serde::{Deserialize, Serialize};

use crate::error::{Result, TrainerError};
use crate::model::Net;
use crate::objective::GradNorm;

/// The recorder of every weight file the trainer writes.
pub fn recorder() -> NamedMpkFileRecorder<FullPrecisionSettings> {
    NamedMpkFileRecorder::new()
}

/// The best weights of the finished run in `dir` (its `model.mpk`), into a
/// network built from `config` for a task of `shape`.
pub fn load_weights<B: burn::prelude::Backend>(
    dir: &Path,
    config: &crate::model::NetConfig,
    shape: crate::model::NetShape,
    device: &B::Device,
) -> Result<Net<B>> {
    let empty: Net<B> = config.init(shape, device);
    let weights = dir.join("model");
    empty
        .load_file(&weights, &recorder(), device)
        .map_err(|e| ckpt_err(&weights, e))
}

/// The training loop's state at the end of an epoch.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LoopState {
    /// Epochs completed.
    pub epochs_done: usize,
    /// Current α.
    pub alpha: f64,
    /// Current β.
    pub beta: f64,
    /// GradNorm's memory.
    pub gradnorm: GradNorm,
    /// The generator of batch orders and rotations.
    pub rng: GroupRng,
    /// Best validation MSE so far, and its epoch.
    pub best: Option<(f64, usize)>,
    /// Optimizer steps taken.
    pub steps: u64,
    /// Seconds spent training so far (over all sessions).
    pub elapsed_s: f64,
}

fn ckpt_err(path: &Path, e: impl std::fmt::Display) -> TrainerError {
    TrainerError::Checkpoint {
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}

/// The checkpoint folder of a run folder.
pub fn dir(out: &Path) -> PathBuf {
    out.join("checkpoint")
}

/// The epochs a run folder's checkpoint has trained, if it has one (under
/// either of the names [`load`] reads), without loading its weights.
pub fn saved_epochs(out: &Path) -> Option<usize> {
    [dir(out), out.join("checkpoint.old")]
        .iter()
        .find_map(|folder| {
            let text = fs::read(folder.join("state.json")).ok()?;
            let state: LoopState = serde_json::from_slice(&text).ok()?;
            Some(state.epochs_done)
        })
}

/// Writes a checkpoint: into a fresh folder, then swapped in by renames, so
/// that a kill at any moment leaves the previous checkpoint or the new one.
pub fn save<B, O>(out: &Path, run: &RunState<B, O>) -> Result<()>
where
    B: AutodiffBackend,
    O: Optimizer<Net<B>, B>,
{
    let final_dir = dir(out);
    let tmp = out.join("checkpoint.tmp");
    let old = out.join("checkpoint.old");
    let _ = fs::remove_dir_all(&tmp);
    fs::create_dir_all(&tmp).map_err(|e| TrainerError::io(&tmp, e))?;
    let rec = recorder();
    run.model
        .clone()
        .save_file(tmp.join("model"), &rec)
        .map_err(|e| ckpt_err(&tmp, e))?;
    Recorder::<B>::record(&rec, run.optim.to_record(), tmp.join("optimizer"))
        .map_err(|e| ckpt_err(&tmp, e))?;
    for (name, net) in [("best", &run.best), ("average", &run.average)] {
        if let Some(net) = net {
            net.clone()
                .save_file(tmp.join(name), &rec)
                .map_err(|e| ckpt_err(&tmp, e))?;
        }
    }
    let state_path = tmp.join("state.json");
    let json =
        serde_json::to_vec_pretty(&run.state).map_err(|e| TrainerError::json(&state_path, e))?;
    fs::write(&state_path, json).map_err(|e| TrainerError::io(&state_path, e))?;
    let _ = fs::remove_dir_all(&old);
    if final_dir.exists() {
        fs::rename(&final_dir, &old).map_err(|e| TrainerError::io(&final_dir, e))?;
    }
    fs::rename(&tmp, &final_dir).map_err(|e| TrainerError::io(&final_dir, e))?;
    let _ = fs::remove_dir_all(&old);
    Ok(())
}

/// Everything a run carries from one epoch to the next, and a checkpoint
/// holds.
pub struct RunState<B: AutodiffBackend, O> {
    /// The model at the end of the saved epoch.
    pub model: Net<B>,
    /// The optimizer with its moments.
    pub optim: O,
    /// The best model so far, if a validation has run.
    pub best: Option<Net<B::InnerBackend>>,
    /// The weights' moving average, when the run keeps one (`--ema`).
    pub average: Option<Net<B::InnerBackend>>,
    /// The loop's state.
    pub state: LoopState,
}

/// Loads the checkpoint of `out` into freshly built `model`/`optim` (which
/// give the shapes), or `None` when there is none. A half-swapped
/// checkpoint (killed between the two renames) is found under its old name.
pub fn load<B, O>(
    out: &Path,
    model: Net<B>,
    optim: O,
    device: &B::Device,
) -> Result<Option<RunState<B, O>>>
where
    B: AutodiffBackend,
    O: Optimizer<Net<B>, B>,
{
    let mut folder = dir(out);
    if !folder.join("state.json").exists() {
        folder = out.join("checkpoint.old");
        if !folder.join("state.json").exists() {
            return Ok(None);
        }
    }
    let state_path = folder.join("state.json");
    let text = fs::read(&state_path).map_err(|e| TrainerError::io(&state_path, e))?;
    let state: LoopState =
        serde_json::from_slice(&text).map_err(|e| TrainerError::json(&state_path, e))?;
    let rec = recorder();
    let best_template = model.valid();
    let model = model
        .load_file(folder.join("model"), &rec, device)
        .map_err(|e| ckpt_err(&folder, e))?;
    let optim_record = Recorder::<B>::load(&rec, folder.join("optimizer"), device)
        .map_err(|e| ckpt_err(&folder, e))?;
    let optim = optim.load_record(optim_record);
    let saved = |name: &str| -> Result<Option<Net<B::InnerBackend>>> {
        if !folder.join(format!("{name}.mpk")).exists() {
            return Ok(None);
        }
        let net = best_template
            .clone()
            .load_file(folder.join(name), &rec, device)
            .map_err(|e| ckpt_err(&folder, e))?;
        Ok(Some(net))
    };
    Ok(Some(RunState {
        model,
        optim,
        best: saved("best")?,
        average: saved("average")?,
        state,
    }))
}
