//! The REMUL benchmark data.
//!
//! - [`mocap`]: CMU motion capture exactly as the GMN / EGHN / EGNO benchmark
//!   defines it, read from the published pickle files;
//! - [`pickle`]: the restricted unpickler that reads them without running
//!   code (pickle files are a known attack vector; this reader only rebuilds
//!   plain data and numpy float64 / int64 arrays and refuses everything else);
//! - [`download`]: fetching missing mocap files from the original repository
//!   at a pinned commit, checksum-verified and written atomically;
//! - [`nbody`]: the GATr n-body generator with REMUL's rotations, seeded;
//! - [`custom`]: your own data, a `dataset.toml` beside a NumPy `.npz`,
//!   checked against each other (and a task written in that format);
//! - [`Summary`]: what a task's splits hold, for a person to check.
//!
//! Every task comes as a [`TaskData`]: flat f32 rows per sample plus the
//! [`remul_group::IoLayout`] that says which numbers are scalars, vectors and
//! positions, so inputs and targets are rotated from one description. Rows
//! are in the data's own units, neither centered nor normalized.
//!
//! ```
//! use remul_datasets::{nbody::{self, NbodyConfig}, summarize};
//! let data = nbody::generate(&NbodyConfig { train: 8, val: 8, test: 8, ood: 8, ..Default::default() })?;
//! let (x, y) = (data.train.input(0), data.train.target(0));
//! assert_eq!((x.len(), y.len()), (data.io.input.len(), data.io.output.len()));
//! println!("{}", summarize(&data));
//! # Ok::<(), remul_datasets::Error>(())
//! ```
#![deny(unsafe_code)]
#![cfg_attr(not(test), warn(clippy::unwrap_used))]

mod array;
pub mod custom;
pub mod download;
mod error;
pub mod mocap;
pub mod nbody;
pub mod npy;
pub mod npz;
pub mod pickle;
mod split;
mod summary;

use std::ffi::OsString;
use std::path::PathBuf;

pub use array::{ArrayData, NdArray};
pub use error::Error;
pub use split::{Split, TaskData};
pub use summary::{ChannelStats, SplitSummary, Summary, summarize};

/// The environment variable that names the data folder.
pub const DATA_DIR_ENV: &str = "REMUL_DATA_DIR";

/// The data folder: `cli` (the `--data-dir` flag) if given, else
/// `$REMUL_DATA_DIR`, else the per-user cache folder
/// (`$XDG_CACHE_HOME/remul`, or `~/.cache/remul`). Mocap files live in its
/// `mocap/` subfolder.
pub fn default_data_dir(cli: Option<PathBuf>) -> PathBuf {
    data_dir_from(cli, |key| std::env::var_os(key))
}

/// [`default_data_dir`] with the environment given as a lookup function.
///
/// ```
/// use std::path::PathBuf;
/// use remul_datasets::data_dir_from;
/// let env = |key: &str| (key == "HOME").then(|| "/home/ada".into());
/// assert_eq!(data_dir_from(None, env), PathBuf::from("/home/ada/.cache/remul"));
/// assert_eq!(data_dir_from(Some("d".into()), env), PathBuf::from("d"));
/// ```
pub fn data_dir_from(cli: Option<PathBuf>, env: impl Fn(&str) -> Option<OsString>) -> PathBuf {
    let set = |key: &str| env(key).filter(|v| !v.is_empty());
    if let Some(dir) = cli {
        return dir;
    }
    if let Some(dir) = set(DATA_DIR_ENV) {
        return PathBuf::from(dir);
    }
    // XDG says a relative XDG_CACHE_HOME is invalid and must be ignored.
    if let Some(cache) = set("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
    {
        return cache.join("remul");
    }
    match set("HOME").or_else(|| set("USERPROFILE")) {
        Some(home) => PathBuf::from(home).join(".cache").join("remul"),
        // No home at all (a bare container): a folder next to the process.
        None => PathBuf::from(".remul-data"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<OsString> {
        move |key| {
            pairs
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[test]
    fn the_data_dir_follows_flag_then_env_then_cache() {
        let all = env_of(&[
            (DATA_DIR_ENV, "/data"),
            ("XDG_CACHE_HOME", "/xdg"),
            ("HOME", "/home/u"),
        ]);
        assert_eq!(
            data_dir_from(Some("/flag".into()), &all),
            PathBuf::from("/flag")
        );
        assert_eq!(data_dir_from(None, &all), PathBuf::from("/data"));
        let cache = env_of(&[
            (DATA_DIR_ENV, ""),
            ("XDG_CACHE_HOME", "/xdg"),
            ("HOME", "/home/u"),
        ]);
        assert_eq!(data_dir_from(None, cache), PathBuf::from("/xdg/remul"));
        let relative_xdg = env_of(&[("XDG_CACHE_HOME", "rel"), ("HOME", "/home/u")]);
        assert_eq!(
            data_dir_from(None, relative_xdg),
            PathBuf::from("/home/u/.cache/remul")
        );
        assert_eq!(
            data_dir_from(None, env_of(&[])),
            PathBuf::from(".remul-data")
        );
    }
}
