//! Everything that defines a training run. It is written next to the run's
//! outputs, and a resumed run must match it.

use remul_datasets::TaskData;
use remul_group::{CanonicalAxes, Group};
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
    /// Adam's learning rate (the peak, under a schedule).
    pub lr: f64,
    /// How the learning rate changes over the run.
    #[serde(default, skip_serializing_if = "LrSchedule::is_constant")]
    pub lr_schedule: LrSchedule,
    /// Keep an exponential moving average of the weights with this decay
    /// per step, and validate, keep and report it instead of the weights.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ema: Option<f64>,
    /// Adam's (L2) weight decay.
    pub weight_decay: f64,
    /// Decoupled weight decay λ (AdamW): every step also shrinks each
    /// weight by the factor 1 − lr·λ.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub decoupled_weight_decay: f64,
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
    /// Turn every input to the canonical orientation these axes read off
    /// it (and the output back): an exactly equivariant model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canonical_axes: Option<CanonicalAxes>,
    /// With canonical axes: the MLP also reads the canonical rotation's
    /// entries times this, so it can use the data's own headings (at the
    /// cost of exact equivariance).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orientation_input: Option<f32>,
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

    /// Values the MLP reads after the normalized input: the canonical
    /// rotation's entries with `--orientation-input`, none otherwise.
    pub fn orientation_len(&self) -> usize {
        remul_runtime::Normalization {
            canonical: self.canonical_axes,
            orientation_input: self.orientation_input.unwrap_or(0.0),
            ..remul_runtime::Normalization::IDENTITY
        }
        .orientation_len()
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
        if self.ema.is_some_and(|d| !(0.0..1.0).contains(&d)) {
            return invalid("--ema's decay must be at least 0 and below 1");
        }
        if !(self.decoupled_weight_decay >= 0.0 && self.decoupled_weight_decay * self.lr < 1.0) {
            return invalid(
                "--decoupled-weight-decay must be at least 0 and below 1 / the learning rate",
            );
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
        if let Some(axes) = self.canonical_axes
            && axes.validate(&data.io.input).is_err()
        {
            return invalid(format!(
                "--canonical-axes {},{}: the input has {} entities, and needs a position and a velocity channel; give two different ones",
                axes.from,
                axes.to,
                data.io.input.entities()
            ));
        }
        if let Some(w) = self.orientation_input {
            let mlp = matches!(self.net, NetConfig::Mlp(_));
            if !(w.is_finite() && w > 0.0 && self.canonical_axes.is_some() && mlp) {
                return invalid(format!(
                    "--orientation-input {w}: give a positive number, with --canonical-axes and --model mlp"
                ));
            }
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

/// The learning rate over a run's steps.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LrSchedule {
    /// The same rate throughout (the paper's protocol).
    #[default]
    Constant,
    /// Cosine decay from the rate to zero over the run's steps.
    Cosine,
}

impl LrSchedule {
    /// The rate at step `step` (from 0) of `total`, for a peak rate `lr`.
    pub fn lr(self, lr: f64, step: u64, total: u64) -> f64 {
        match self {
            Self::Constant => lr,
            Self::Cosine => {
                let t = step.min(total) as f64 / total.max(1) as f64;
                0.5 * lr * (1.0 + (std::f64::consts::PI * t).cos())
            }
        }
    }

    fn is_constant(&self) -> bool {
        *self == Self::Constant
    }
}

fn invalid(why: impl Into<String>) -> Result<()> {
    Err(TrainerError::InvalidArgument(why.into()))
}

fn one() -> usize {
    1
}

fn is_zero(value: &f64) -> bool {
    *value == 0.0
}

#[cfg(test)]
mod tests {
    use super::LrSchedule;

    #[test]
    fn cosine_falls_from_the_rate_to_zero_through_half_at_midpoint() {
        let lr = |step| LrSchedule::Cosine.lr(0.01, step, 100);
        assert_eq!(lr(0), 0.01);
        assert!((lr(50) - 0.005).abs() < 1e-15);
        assert!(lr(100).abs() < 1e-15 && lr(150).abs() < 1e-15);
        assert!((1..100).all(|s| lr(s) < lr(s - 1)));
        assert_eq!(LrSchedule::Constant.lr(0.01, 77, 100), 0.01);
    }
}
