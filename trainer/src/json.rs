//! The run folder's JSON files (config, metrics, checkpoint state, export
//! reports), read and written whole.

use std::fs;
use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{Result, TrainerError};
use crate::files::write_atomically;

/// Reads a JSON file written by [`write_json`].
pub fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T> {
    let text = fs::read(path).map_err(|e| TrainerError::io(path, e))?;
    serde_json::from_slice(&text).map_err(|e| TrainerError::json(path, e))
}

/// Writes `value` as pretty JSON, atomically ([`write_atomically`]).
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let json = serde_json::to_vec_pretty(value).map_err(|e| TrainerError::json(path, e))?;
    write_atomically(path, &json)
}
