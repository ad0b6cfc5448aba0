//! The run folder's JSON files (config, metrics, checkpoint state, export
//! reports), read and written whole.

use std::fs;
use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{Result, TrainerError};

/// Reads a JSON file written by [`write_json`].
pub fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T> {
    let text = fs::read(path).map_err(|e| TrainerError::io(path, e))?;
    serde_json::from_slice(&text).map_err(|e| TrainerError::json(path, e))
}

/// Writes `value` as pretty JSON, atomically: a reader (or a run killed
/// mid-write) sees the old file or the new one, never half of one.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let json = serde_json::to_vec_pretty(value).map_err(|e| TrainerError::json(path, e))?;
    let tmp = path.with_extension("json.tmp");
    fs::write(&tmp, json).map_err(|e| TrainerError::io(&tmp, e))?;
    fs::rename(&tmp, path).map_err(|e| TrainerError::io(path, e))
}
