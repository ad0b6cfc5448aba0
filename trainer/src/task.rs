//! The tasks the trainer knows, where their data come from, and the
//! paper's hyperparameters for each.

use std::path::Path;

use remul_datasets::{TaskData, mocap, nbody};
use remul_group::{Group, Vec3};
use serde::{Deserialize, Serialize};

use crate::error::{Result, TrainerError};
use crate::model::{MlpConfig, ModelKind, NetConfig, TransformerConfig};

/// A benchmark task.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum TaskName {
    /// CMU motion capture, the GMN protocol (ΔT = 30 frames).
    Mocap,
    /// The GATr n-body system (a star and three planets).
    Nbody,
}

/// Which mocap motion.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum MotionName {
    /// Subject 9, running.
    #[default]
    Run,
    /// Subject 35, walking.
    Walk,
}

impl From<MotionName> for mocap::Motion {
    fn from(m: MotionName) -> Self {
        match m {
            MotionName::Run => mocap::Motion::Run,
            MotionName::Walk => mocap::Motion::Walk,
        }
    }
}

/// A task with its options.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaskSpec {
    /// The task.
    pub name: TaskName,
    /// The mocap motion (ignored for n-body).
    pub motion: MotionName,
    /// N-body sample counts (ignored for mocap).
    pub nbody: NbodySizes,
}

/// N-body split sizes and seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NbodySizes {
    /// Training samples (REMUL: 100).
    pub train: usize,
    /// Validation, test and out-of-distribution samples each (REMUL: 5000).
    pub eval: usize,
    /// Generator seed.
    pub seed: u64,
}

impl Default for NbodySizes {
    fn default() -> Self {
        let d = nbody::NbodyConfig::default();
        Self {
            train: d.train,
            eval: d.test,
            seed: d.seed,
        }
    }
}

impl TaskSpec {
    /// A label such as `mocap-run` or `nbody`.
    pub fn label(&self) -> String {
        match self.name {
            TaskName::Mocap => format!(
                "mocap-{}",
                match self.motion {
                    MotionName::Run => "run",
                    MotionName::Walk => "walk",
                }
            ),
            TaskName::Nbody => "nbody".into(),
        }
    }

    /// Loads (mocap) or generates (n-body) the data.
    pub fn load(&self, data_dir: &Path) -> Result<TaskData> {
        Ok(match self.name {
            TaskName::Mocap => mocap::load(data_dir, self.motion.into())?,
            TaskName::Nbody => nbody::generate(&nbody::NbodyConfig {
                seed: self.nbody.seed,
                train: self.nbody.train,
                val: self.nbody.eval,
                test: self.nbody.eval,
                ood: self.nbody.eval,
                ..nbody::NbodyConfig::default()
            })?,
        })
    }

    /// The axis SO(2) turns about: mocap's y is up; the n-body orbits lie
    /// around z before their random rotation.
    pub fn vertical_axis(&self) -> Vec3 {
        match self.name {
            TaskName::Mocap => [0.0, 1.0, 0.0],
            TaskName::Nbody => [0.0, 0.0, 1.0],
        }
    }
}

/// Which group L_equi draws from (and E, E' are measured over).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum GroupKind {
    /// All of SO(3) (Haar).
    So3,
    /// SO(2) about the task's vertical axis (mocap: y).
    So2,
    /// Rotations by an angle in a range of degrees about a random axis.
    Range,
}

impl GroupKind {
    /// The group on `task`; a range's angles are `min_deg..=max_deg`
    /// (ignored by the other kinds).
    pub fn group(self, task: &TaskSpec, min_deg: f32, max_deg: f32) -> Result<Group> {
        match self {
            Self::So3 => Ok(Group::So3),
            Self::So2 => Ok(Group::so2(task.vertical_axis())?),
            Self::Range => Group::angle_range_degrees(min_deg, max_deg).map_err(|_| {
                TrainerError::InvalidArgument(format!(
                    "the rotation angles must satisfy 0 <= min <= max <= 180 degrees \
                     (min {min_deg}, max {max_deg})"
                ))
            }),
        }
    }
}

/// A task's settings where a run does not choose its own: the paper's
/// (appendix B).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TaskDefaults {
    /// The group of L_equi.
    pub group: GroupKind,
    /// Passes over the training split.
    pub epochs: usize,
    /// Samples per step.
    pub batch_size: usize,
    /// Adam's learning rate.
    pub lr: f64,
    /// Adam's weight decay.
    pub weight_decay: f64,
    /// Validate every this many epochs.
    pub validate_every: usize,
}

impl TaskSpec {
    /// The model the paper trains on the task: the MLP on mocap, the
    /// Transformer on n-body.
    pub fn default_model(&self) -> ModelKind {
        match self.name {
            TaskName::Mocap => ModelKind::Mlp,
            TaskName::Nbody => ModelKind::Transformer,
        }
    }

    /// The paper's settings for `model` on the task.
    pub fn defaults(&self, model: ModelKind) -> TaskDefaults {
        // Appendix B: mocap 2000 epochs, batch 12 (MLP lr 5e-4 as the GMN
        // protocol, Transformer 3e-4); n-body batch 64, lr 3e-4, 50 000 steps
        // on 100 samples (= 25 000 epochs).
        let (epochs, batch_size, lr, validate_every) = match (self.name, model) {
            (TaskName::Mocap, ModelKind::Mlp) => (2000, 12, 5e-4, 5),
            (TaskName::Mocap, ModelKind::Transformer) => (2000, 12, 3e-4, 5),
            (TaskName::Nbody, _) => (25_000, 64, 3e-4, 250),
        };
        let (group, weight_decay) = match self.name {
            TaskName::Mocap => (GroupKind::So3, 1e-10),
            TaskName::Nbody => (GroupKind::Range, 0.0),
        };
        TaskDefaults {
            group,
            epochs,
            batch_size,
            lr,
            weight_decay,
            validate_every,
        }
    }

    /// `model`'s default sizes on the task; `paper_size` picks the paper's
    /// Transformer over the smaller one a CPU trains in minutes.
    pub fn default_net(&self, model: ModelKind, paper_size: bool) -> NetConfig {
        // Mocap's joints have identities (a per-entity embedding); the
        // bodies of an n-body system do not.
        let entity_embedding = self.name == TaskName::Mocap;
        match model {
            ModelKind::Mlp => NetConfig::Mlp(MlpConfig::default()),
            ModelKind::Transformer if paper_size => {
                NetConfig::Transformer(TransformerConfig::paper(entity_embedding))
            }
            ModelKind::Transformer => {
                NetConfig::Transformer(TransformerConfig::cpu(entity_embedding))
            }
        }
    }
}
