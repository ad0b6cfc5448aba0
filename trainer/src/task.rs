//! The tasks the trainer knows, and where their data come from.

use std::path::Path;

use remul_datasets::{TaskData, mocap, nbody};
use remul_group::Vec3;
use serde::{Deserialize, Serialize};

use crate::error::Result;

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
