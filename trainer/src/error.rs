//! The trainer's error type: every failure a user can cause ends here, and
//! prints as one line.

use std::path::PathBuf;

/// What can go wrong in the trainer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrainerError {
    /// Reading or preparing the data failed.
    #[error(transparent)]
    Data(#[from] remul_datasets::Error),
    /// A group-math argument was invalid.
    #[error(transparent)]
    Group(#[from] remul_group::Error),
    /// The runtime refused something (a layout length, a blob).
    #[error(transparent)]
    Runtime(#[from] remul_runtime::Error),
    /// The exporter refused a model or failed to write its blob.
    #[error(transparent)]
    Export(#[from] remul_export::Error),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A JSON file could not be read or written.
    #[error("{path}: {source}")]
    Json {
        /// The file.
        path: PathBuf,
        /// Why.
        source: serde_json::Error,
    },
    /// A checkpoint could not be saved or loaded.
    #[error("checkpoint {path}: {reason}")]
    Checkpoint {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// `--resume` was asked for, but there is nothing to resume.
    #[error("nothing to resume in {0} (no checkpoint); run without --resume to start")]
    NothingToResume(PathBuf),
    /// The checkpoint belongs to a different configuration.
    #[error(
        "the checkpoint in {0} was made with a different configuration; use another --out or drop --resume"
    )]
    ConfigMismatch(PathBuf),
    /// The CUDA device was asked for, but the binary was built without it.
    #[error("this trainer was built without CUDA; rebuild with `--features cuda` (see README)")]
    CudaNotBuilt,
    /// The CUDA device was asked for, but no driver or NVRTC is present.
    #[error("CUDA unavailable: {0}")]
    CudaUnavailable(String),
    /// A flag combination or value that cannot work.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The model blob could not be built or read.
    #[error("model blob: {0}")]
    Blob(String),
    /// Drawing a plot failed.
    #[error("plot {path}: {reason}")]
    Plot {
        /// The image.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A sweep was interrupted (Ctrl-C) after its running runs saved their
    /// checkpoints.
    #[error(
        "sweep interrupted: {finished} of {total} runs finished, the others saved at their last epoch; continue with --resume"
    )]
    SweepInterrupted {
        /// Runs finished.
        finished: usize,
        /// Runs in the sweep.
        total: usize,
    },
    /// Runs of a sweep failed (the others finished).
    #[error("{} of the sweep's runs failed: {}", .0.len(), .0.join("; "))]
    RunsFailed(Vec<String>),
    /// Training was interrupted (Ctrl-C) after saving a checkpoint.
    #[error("interrupted after epoch {epoch}; checkpoint saved, continue with --resume")]
    Interrupted {
        /// The last completed epoch.
        epoch: usize,
    },
}

impl TrainerError {
    /// An I/O error about `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }

    /// A JSON error about `path`.
    pub fn json(path: impl Into<PathBuf>, source: serde_json::Error) -> Self {
        Self::Json {
            path: path.into(),
            source,
        }
    }
}

/// The trainer's result type.
pub type Result<T, E = TrainerError> = std::result::Result<T, E>;
