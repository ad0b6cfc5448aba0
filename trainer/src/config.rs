//! Everything that defines a training run. It is written next to the run's
//! outputs, and a resumed run must match it.

use remul_datasets::TaskData;
use remul_group::Group;
use serde::{Deserialize, Serialize};

use crate::device::DeviceKind;
use crate::distill::DistillConfig;
use crate::error::{Result, TrainerError};
use crate::model::NetConfig;
use crate::objective::{GradNorm, LossKind, Penalty};
use crate::task::TaskSpec;

/// One training run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// The task and its data.
    pub task: TaskSpec,
    /// The model.
    pub net: NetConfig,
    /// How α and β are set.
    pub penalty: Penalty,
    /// Starting weight of L_obj.
    pub alpha: f64,
    /// Starting weight of L_equi.
    pub beta: f64,
    /// The discrepancy ℓ.
    pub loss: LossKind,
    /// The group g is drawn from in L_equi, and E/E' are measured over.
    pub group: Group,
    /// Draw L_equi's g from a fixed pool of this many elements of the group
    /// (drawn once from the seed) instead of fresh for every sample and step.
    #[serde(default)]
    pub group_pool: Option<usize>,
    /// GradNorm's settings (used with `penalty = gradnorm`).
    pub gradnorm: GradNorm,
    /// Adam's learning rate.
    pub lr: f64,
    /// Adam's (L2) weight decay.
    pub weight_decay: f64,
    /// Samples per step (before the rotated copies).
    pub batch_size: usize,
    /// Passes over the training split.
    pub epochs: usize,
    /// Seed of the model's initialisation, the batch order and the rotations.
    pub seed: u64,
    /// Validate every this many epochs (and after the last).
    pub validate_every: usize,
    /// Centre positions on the input's centroid.
    pub center: bool,
    /// Divide by global scales measured on the training split.
    pub scale: bool,
    /// Group samples M for E and E' on the test split.
    pub eval_group_samples: usize,
    /// Save a checkpoint every this many epochs (and after the last); 1
    /// means a killed run loses at most one epoch.
    #[serde(default = "one")]
    pub checkpoint_every: usize,
    /// Where it runs (not part of what must match on resume).
    pub device: DeviceKind,
    /// A distilled student's teachers and teacher terms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distill: Option<DistillConfig>,
}

impl TrainConfig {
    /// Whether a checkpoint made with `other` can continue under `self`:
    /// everything but the device and the epoch count must agree.
    pub fn resumable_from(&self, other: &Self) -> bool {
        let strip = |c: &Self| Self {
            device: DeviceKind::Cpu,
            epochs: 0,
            checkpoint_every: 1,
            ..c.clone()
        };
        strip(self) == strip(other)
    }

    /// Checks the settings against each other and against `data`, before a
    /// run writes anything.
    pub fn validate(&self, data: &TaskData) -> Result<()> {
        if self.batch_size == 0 {
            return invalid("the batch size must be at least 1");
        }
        if self.epochs == 0 {
            return invalid("the number of epochs must be at least 1");
        }
        if !(self.lr > 0.0 && self.lr.is_finite()) {
            return invalid("the learning rate must be a positive number");
        }
        if !(self.alpha >= 0.0 && self.beta >= 0.0) {
            return invalid("α and β must be non-negative numbers");
        }
        if let Some(distill) = &self.distill {
            distill.validate()?;
        } else if self.penalty == Penalty::Constant && self.alpha == 0.0 && self.beta == 0.0 {
            return invalid("α and β are both zero: there is nothing to train");
        }
        if self.penalty == Penalty::Gradnorm && !(self.alpha > 0.0 && self.beta > 0.0) {
            return invalid("the GradNorm penalty needs α and β above zero");
        }
        if self.eval_group_samples == 0 {
            return invalid("the group samples M for E and E' must be at least 1");
        }
        if data.train.is_empty() || data.val.is_empty() || data.test.is_empty() {
            return invalid("the task has an empty split");
        }
        match &self.net {
            NetConfig::Transformer(t) => {
                if t.d_model == 0 || t.d_ff == 0 {
                    return invalid(
                        "the Transformer needs a width d_model and a feed-forward width of at least 1",
                    );
                }
                if t.heads == 0 || t.d_model % t.heads != 0 {
                    return invalid(format!(
                        "the Transformer's width d_model ({}) must be a multiple of its heads ({})",
                        t.d_model, t.heads
                    ));
                }
                if data.io.output.entities() != data.io.input.entities() {
                    return invalid(
                        "the Transformer needs as many output entities as input entities",
                    );
                }
            }
            NetConfig::Egnn(e) => {
                if e.hidden == 0 {
                    return invalid("EGNN needs a hidden width of at least 1");
                }
                if let Some(why) = e.unsupported(&crate::model::NetShape::of_task(data)) {
                    return invalid(why);
                }
            }
            NetConfig::Mlp(m) => {
                if m.layers == 0 || m.hidden == 0 {
                    return invalid(
                        "the MLP needs at least 1 layer and a hidden width of at least 1",
                    );
                }
            }
        }
        Ok(())
    }
}

fn invalid(why: impl Into<String>) -> Result<()> {
    Err(TrainerError::InvalidArgument(why.into()))
}

fn one() -> usize {
    1
}
