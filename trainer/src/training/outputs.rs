//! What a finished run hands on besides `metrics.json`: the best weights
//! (`model.mpk`), GradNorm's α/β plot, and a CPU copy of the model for the
//! export.

use std::path::Path;

use burn::backend::NdArray;
use burn::module::Module;
use burn::prelude::Backend;
use burn::record::{BinBytesRecorder, FullPrecisionSettings, Recorder};
use remul_datasets::TaskData;

use super::epoch_log::EpochLog;
use crate::checkpoint;
use crate::config::TrainConfig;
use crate::error::{Result, TrainerError};
use crate::model::{Net, NetShape};

/// Saves the model a run reports as `model.mpk` in its folder.
pub(super) fn save_model<B: Backend>(out: &Path, best: &Net<B>) -> Result<()> {
    let path = out.join("model");
    best.clone()
        .save_file(&path, &checkpoint::recorder())
        .map_err(|e| TrainerError::Checkpoint {
            path,
            reason: e.to_string(),
        })
}

/// GradNorm's α and β over the epochs, from the run's CSV, as `alpha_beta.png`.
pub(super) fn plot_weights(out: &Path) -> Result<()> {
    let (alpha, beta) = EpochLog::weights(out)?;
    crate::plot::gradnorm_weights(&out.join("alpha_beta.png"), alpha, beta)
}

/// The model moved to the CPU backend (for export), through its record:
/// the training backend may be a GPU's.
pub(super) fn to_cpu<B: Backend>(
    net: &Net<B>,
    config: &TrainConfig,
    data: &TaskData,
) -> Result<Net<NdArray<f32>>> {
    let device = Default::default();
    let record = net.clone().into_record();
    let bytes = Recorder::<B>::record(
        &BinBytesRecorder::<FullPrecisionSettings>::default(),
        record,
        (),
    )
    .map_err(|e| TrainerError::Blob(e.to_string()))?;
    let empty: Net<NdArray<f32>> = config.net.init(NetShape::of_run(data, config), &device);
    let record = Recorder::<NdArray<f32>>::load(
        &BinBytesRecorder::<FullPrecisionSettings>::default(),
        bytes,
        &device,
    )
    .map_err(|e| TrainerError::Blob(e.to_string()))?;
    Ok(empty.load_record(record))
}
