//! Where the workspace's tests and benches find the data that is not ours
//! (the CMU mocap files): `$REMUL_DATA_DIR` (the variable the trainer
//! reads too, [`remul_datasets::DATA_DIR_ENV`]), else `../shared/data`
//! beside the checkout. The data are read in place, never copied into the
//! repository; `trainer data --task mocap --data-dir DIR` fetches them
//! into `DIR/mocap/`.
//!
//! ```
//! let dir = remul_test_data::mocap_dir();
//! assert!(dir.ends_with("mocap"));
//! ```
#![deny(unsafe_code)]

use std::path::{Path, PathBuf};

use remul_datasets::DATA_DIR_ENV;

/// `$REMUL_DATA_DIR`, else `<checkout>/../shared/data`.
pub fn data_dir() -> PathBuf {
    match std::env::var_os(DATA_DIR_ENV).filter(|v| !v.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"),
    }
}

/// `<data_dir>/mocap`, where the mocap files are.
pub fn mocap_dir() -> PathBuf {
    data_dir().join("mocap")
}

/// The path of a file in [`mocap_dir`], after checking that it is there:
/// a missing file stops the test with what to do about it.
pub fn mocap_file(name: &str) -> PathBuf {
    let path = mocap_dir().join(name);
    assert!(
        path.is_file(),
        "{} is missing: set {DATA_DIR_ENV} to the folder that holds mocap/ \
         (`trainer data --task mocap --data-dir DIR` downloads it)",
        path.display()
    );
    path
}
