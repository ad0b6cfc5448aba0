//! A finished run read back from its folder: its configuration, metrics,
//! data and best weights, for the subcommands that work on a run
//! (`export`, `landscape`).

use std::path::Path;

use burn::prelude::Backend;
use remul_datasets::TaskData;

use crate::checkpoint;
use crate::cli::TaskArgs;
use crate::config::TrainConfig;
use crate::error::Result;
use crate::json::read_json;
use crate::model::{Net, NetShape};
use crate::run_metrics::RunMetrics;

use super::data::load_task;

/// What a run folder holds.
pub(super) struct FinishedRun<B: Backend> {
    pub config: TrainConfig,
    pub metrics: RunMetrics,
    pub data: TaskData,
    pub net: Net<B>,
}

/// Reads the run in `dir`; the task comes from the run, where its data are
/// from `task` (`--data-dir`, `--data`).
pub(super) fn load<B: Backend>(
    dir: &Path,
    task: &TaskArgs,
    device: &B::Device,
) -> Result<FinishedRun<B>> {
    let config: TrainConfig = read_json(&dir.join("config.json"))?;
    let metrics: RunMetrics = read_json(&dir.join("metrics.json"))?;
    let data = load_task_of(&config, task)?;
    let net = checkpoint::load_weights(dir, &config.net, NetShape::of_run(&data, &config), device)?;
    Ok(FinishedRun {
        config,
        metrics,
        data,
        net,
    })
}

/// The data of the task `config` was trained on, from where `task` says
/// they are (`--data-dir`, `--data`).
pub(super) fn load_task_of(config: &TrainConfig, task: &TaskArgs) -> Result<TaskData> {
    let mut task = task.clone();
    task.task = config.task.name;
    task.motion = config.task.motion;
    task.nbody_train = config.task.nbody.train;
    task.nbody_eval = config.task.nbody.eval;
    task.nbody_seed = config.task.nbody.seed;
    if config.task.dataset.is_some() {
        task.dataset = config.task.dataset.clone();
    }
    load_task(&task)
}
