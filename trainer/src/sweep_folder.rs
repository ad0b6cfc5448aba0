//! A sweep's folder, however its runs were trained (one after another, as
//! child processes, or as Slurm array tasks): `sweep.json` lists the runs,
//! each run has its folder `b<β>-s<seed>`, and [`collect`] gathers the
//! finished ones into `sweep.csv` and the plots and names the missing ones.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::beta_sweep::{self, PlannedRun, SweepRun};
use crate::checkpoint;
use crate::error::{Result, TrainerError};
use crate::json::{read_json, write_json};

/// The file in a sweep's folder that lists its runs.
pub const MANIFEST: &str = "sweep.json";

/// What a sweep was asked to train, written before any run starts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepManifest {
    /// The runs, in the CSV's order.
    pub runs: Vec<ManifestRun>,
}

/// One run of [`SweepManifest`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ManifestRun {
    /// Its β.
    pub beta: f64,
    /// Its seed.
    pub seed: u64,
    /// Its folder in the sweep's folder.
    pub name: String,
    /// Its length in epochs.
    pub epochs: usize,
    /// The `trainer` arguments that train it (`train` and its flags).
    pub args: Vec<String>,
}

impl SweepManifest {
    /// The manifest of `runs`, each trained by its `args`.
    pub fn new(runs: &[PlannedRun], args: Vec<Vec<String>>) -> Self {
        let runs = runs
            .iter()
            .zip(args)
            .map(|(run, args)| ManifestRun {
                beta: run.beta,
                seed: run.seed,
                name: run.name.clone(),
                epochs: run.config.epochs,
                args,
            })
            .collect();
        Self { runs }
    }

    /// Writes it into the sweep's folder `dir` (created if needed).
    pub fn write(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir).map_err(|e| TrainerError::io(dir, e))?;
        write_json(&dir.join(MANIFEST), self)
    }

    /// Reads the manifest of the sweep in `dir`.
    pub fn read(dir: &Path) -> Result<Self> {
        let path = dir.join(MANIFEST);
        if !path.is_file() {
            return Err(TrainerError::InvalidArgument(format!(
                "{} has no {MANIFEST}: not the folder of a sweep",
                dir.display()
            )));
        }
        read_json(&path)
    }
}

/// A run of a sweep that has not finished.
#[derive(Clone, Debug, PartialEq)]
pub struct MissingRun {
    /// Its folder's name.
    pub name: String,
    /// The epochs its checkpoint holds (`None`: not started, or killed
    /// before its first checkpoint).
    pub saved_epochs: Option<usize>,
    /// Its length in epochs.
    pub epochs: usize,
}

/// What [`collect`] found.
#[derive(Clone, Debug)]
pub struct Collected {
    /// The finished runs, in the manifest's order.
    pub finished: Vec<SweepRun>,
    /// The others.
    pub missing: Vec<MissingRun>,
}

/// Gathers the finished runs of the sweep in `dir` into `sweep.csv` and the
/// plots (when there is at least one) and lists the runs still missing.
pub fn collect(dir: &Path) -> Result<Collected> {
    let manifest = SweepManifest::read(dir)?;
    let (mut finished, mut missing) = (Vec::new(), Vec::new());
    for run in manifest.runs {
        let folder = dir.join(&run.name);
        match beta_sweep::finished(&folder)? {
            Some(metrics) => finished.push(SweepRun {
                beta: run.beta,
                metrics,
            }),
            None => missing.push(MissingRun {
                saved_epochs: checkpoint::saved_epochs(&folder),
                name: run.name,
                epochs: run.epochs,
            }),
        }
    }
    if !finished.is_empty() {
        beta_sweep::write_outputs(dir, &finished)?;
    }
    Ok(Collected { finished, missing })
}
