//! The tasks the trainer knows, where their data come from, and the
//! paper's hyperparameters for each.

use std::path::{Path, PathBuf};

use remul_datasets::{TaskData, custom, mocap, nbody};
use remul_group::{Group, Vec3};
use serde::{Deserialize, Serialize};

use crate::error::{Result, TrainerError};
use crate::model::{EgnnConfig, MlpConfig, ModelKind, NetConfig, TransformerConfig};

/// A benchmark task.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum TaskName {
    /// CMU motion capture, the GMN protocol (ΔT = 30 frames).
    Mocap,
    /// The GATr n-body system (a star and three planets).
    Nbody,
    /// Your own data: a folder with `dataset.toml` and its `.npz` arrays.
    Custom,
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
    /// The custom task's dataset folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset: Option<PathBuf>,
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
    /// A label such as `mocap-run`, `nbody` or `custom-<dataset's name>`.
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
            TaskName::Custom => format!("custom-{}", self.dataset_name()),
        }
    }

    /// Loads (mocap, custom) or generates (n-body) the data.
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
            TaskName::Custom => custom::load(self.dataset_dir()?)?.data,
        })
    }

    /// A custom dataset's name: its manifest's, else its folder's.
    fn dataset_name(&self) -> String {
        let Some(dir) = self.dataset.as_deref() else {
            return "data".into();
        };
        custom::Manifest::read(dir)
            .ok()
            .and_then(|(manifest, _)| manifest.name)
            .or_else(|| dir.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "data".into())
    }

    /// The custom task's dataset folder.
    fn dataset_dir(&self) -> Result<&Path> {
        self.dataset.as_deref().ok_or_else(|| {
            TrainerError::InvalidArgument(
                "the custom task needs its dataset's folder (--data DIR)".into(),
            )
        })
    }

    /// The group a custom dataset's manifest declares.
    fn declared_group(&self) -> Result<Group> {
        let (_, declared) = custom::Manifest::read(self.dataset_dir()?)?;
        Ok(declared.group)
    }

    /// The axis SO(2) turns about: mocap's y is up; the n-body orbits lie
    /// around z before their random rotation; a custom dataset's is the
    /// axis its manifest declares for so2.
    pub fn vertical_axis(&self) -> Result<Vec3> {
        match self.name {
            TaskName::Mocap => Ok([0.0, 1.0, 0.0]),
            TaskName::Nbody => Ok([0.0, 0.0, 1.0]),
            TaskName::Custom => match self.declared_group()? {
                Group::So2 { axis } => Ok(axis),
                _ => Err(TrainerError::InvalidArgument(
                    "--group so2 on a custom dataset needs the axis: declare group kind \"so2\" with an axis in its dataset.toml".into(),
                )),
            },
        }
    }

    /// The group a run trains with when it names none: SO(3) on mocap,
    /// rotations by `min_deg..=max_deg` on n-body, the declared one on a
    /// custom dataset.
    pub fn default_group(&self, min_deg: f32, max_deg: f32) -> Result<Group> {
        match self.name {
            TaskName::Mocap => GroupKind::So3.group(self, min_deg, max_deg),
            TaskName::Nbody => GroupKind::Range.group(self, min_deg, max_deg),
            TaskName::Custom => self.declared_group(),
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
            Self::So2 => Ok(Group::so2(task.vertical_axis()?)?),
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
/// (appendix B) on the benchmarks.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TaskDefaults {
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
    /// Transformer on n-body; the MLP on a custom dataset.
    pub fn default_model(&self) -> ModelKind {
        match self.name {
            TaskName::Mocap | TaskName::Custom => ModelKind::Mlp,
            TaskName::Nbody => ModelKind::Transformer,
        }
    }

    /// The paper's settings for `model` on the task.
    pub fn defaults(&self, model: ModelKind) -> TaskDefaults {
        // Appendix B: mocap 2000 epochs, batch 12 (MLP lr 5e-4 as the GMN
        // protocol, Transformer 3e-4); n-body batch 64, lr 3e-4, 50 000 steps
        // on 100 samples (= 25 000 epochs).
        // A custom dataset: mocap's learning rates, a larger batch and fewer
        // epochs, as a start that validation can then tune.
        let (epochs, batch_size, lr, validate_every) = match (self.name, model) {
            (TaskName::Mocap, ModelKind::Mlp | ModelKind::Egnn) => (2000, 12, 5e-4, 5),
            (TaskName::Mocap, ModelKind::Transformer) => (2000, 12, 3e-4, 5),
            (TaskName::Nbody, _) => (25_000, 64, 3e-4, 250),
            (TaskName::Custom, ModelKind::Mlp | ModelKind::Egnn) => (200, 32, 5e-4, 5),
            (TaskName::Custom, ModelKind::Transformer) => (200, 32, 3e-4, 5),
        };
        let weight_decay = if self.name == TaskName::Mocap {
            1e-10
        } else {
            0.0
        };
        TaskDefaults {
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
        // Mocap's joints have identities (a per-entity embedding), as the
        // entities of a custom dataset, listed in a fixed order, do; the
        // bodies of an n-body system do not.
        let entity_embedding = self.name != TaskName::Nbody;
        match model {
            ModelKind::Mlp => NetConfig::Mlp(MlpConfig::default()),
            ModelKind::Transformer if paper_size => {
                NetConfig::Transformer(TransformerConfig::paper(entity_embedding))
            }
            ModelKind::Transformer => {
                NetConfig::Transformer(TransformerConfig::cpu(entity_embedding))
            }
            ModelKind::Egnn => NetConfig::Egnn(EgnnConfig::standard(entity_embedding)),
        }
    }
}
