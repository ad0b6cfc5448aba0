//! What a finished run reports (its `metrics.json`), and how the best model
//! is measured for it.

use burn::module::Module;
use burn::prelude::Backend;
use remul_datasets::TaskData;
use remul_group::{EquivarianceReport, Group};
use serde::{Deserialize, Serialize};

use crate::checkpoint::LoopState;
use crate::config::TrainConfig;
use crate::error::Result;
use crate::evaluate::{Predict, Predictor};
use crate::normalize::Normalization;
use crate::objective::Penalty;

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
    /// MSE on the rotated validation split (as the rotated test), where a
    /// choice that weighs robustness to rotations is made. Absent from runs
    /// measured before it existed.
    #[serde(default)]
    pub rotated_val_mse: Option<f64>,
    /// MSE on the test split.
    pub test_mse: f64,
    /// Test MSE × 10², as the paper prints it ("MSE ×10⁻²").
    pub test_mse_x100: f64,
    /// MSE on the rotated test split: every test sample and its target under
    /// its own rotation from the run's group (`remul_group::rotated_test`).
    /// Absent from runs measured before it existed.
    #[serde(default)]
    pub rotated_test_mse: Option<f64>,
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
    /// A distilled student's number of teachers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub teachers: Option<usize>,
}

impl RunMetrics {
    /// The rotated test's MSE × 10² (NaN for runs measured without it).
    pub fn rotated_test_mse_x100(&self) -> f64 {
        self.rotated_test_mse.map_or(f64::NAN, |v| v * 100.0)
    }

    /// Measures the model `predictor` runs (the run's best) on every split
    /// of `data`, after the loop ended in `state`. `wall_time_s` is the
    /// training time up to the last epoch; the caller adds the time this
    /// measurement took.
    pub fn measure<B: Backend>(
        predictor: &Predictor<'_, B>,
        config: &TrainConfig,
        data: &TaskData,
        state: &LoopState,
    ) -> Result<Self> {
        let m = config.eval_group_samples;
        let equivariance = predictor.equivariance(&data.test, &config.group, m, config.seed)?;
        // A smaller group (a range of angles, SO(2)) says little about the
        // other rotations: measure those too.
        let equivariance_so3 = if config.group != Group::So3 {
            Some(predictor.equivariance(&data.test, &Group::So3, m, config.seed)?)
        } else {
            None
        };
        let test_mse = predictor.mse(&data.test)?;
        let rotated_val_mse = Some(predictor.rotated_mse(&data.val, &config.group)?);
        let rotated_test_mse = Some(predictor.rotated_mse(&data.test, &config.group)?);
        let ood_mse = match data.extra.iter().find(|(name, _)| name == "ood") {
            Some((_, split)) => Some(predictor.mse(split)?),
            None => None,
        };
        Ok(Self {
            task: config.task.label(),
            model: config.net.name().into(),
            penalty: config.penalty,
            seed: config.seed,
            device: config.device.describe(),
            epochs: state.epochs_done,
            best_epoch: state.best.map_or(state.epochs_done, |(_, e)| e),
            train_mse: predictor.mse(&data.train)?,
            val_mse: predictor.mse(&data.val)?,
            rotated_val_mse,
            test_mse,
            test_mse_x100: test_mse * 100.0,
            rotated_test_mse,
            ood_mse,
            equivariance,
            equivariance_so3,
            alpha: state.alpha,
            beta: state.beta,
            parameters: predictor.net.num_params(),
            steps: state.steps,
            wall_time_s: state.elapsed_s,
            step_ms: 1000.0 * state.elapsed_s / state.steps.max(1) as f64,
            normalization: *predictor.norm,
            teachers: config.distill.as_ref().map(|d| d.teachers.len()),
        })
    }
}
