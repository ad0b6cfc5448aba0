//! Writing a run's files so that nothing is ever half-written: a reader, or
//! a run killed mid-write, sees the old file or the new one.

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Result, TrainerError};

/// Writes `bytes` to a temporary file beside `path` (`path` + `.tmp`), then
/// renames it over `path`; on failure the temporary file is removed.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut tmp = OsString::from(path.as_os_str());
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    fs::write(&tmp, bytes).map_err(|e| {
        let _ = fs::remove_file(&tmp);
        TrainerError::io(&tmp, e)
    })?;
    fs::rename(&tmp, path).map_err(|e| {
        let _ = fs::remove_file(&tmp);
        TrainerError::io(path, e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_whole_files_and_leaves_no_temporary_one() {
        let dir = std::env::temp_dir().join(format!("remul-files-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("metrics.json");
        write_atomically(&path, b"first").unwrap();
        write_atomically(&path, b"second").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"second");
        assert!(!dir.join("metrics.json.tmp").exists());
        // A folder that is not there: an error naming the file, nothing written.
        let missing = dir.join("no-such-folder").join("model.bin");
        let err = write_atomically(&missing, b"x").unwrap_err().to_string();
        assert!(err.contains("model.bin.tmp"), "{err}");
        assert!(!missing.exists());
        fs::remove_dir_all(&dir).unwrap();
    }
}
