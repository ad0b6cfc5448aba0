//! What the integration tests share: running the `trainer` binary, a
//! scratch folder per test, and a small sweep's flags.
// Each test binary uses a part of this module.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs `trainer ARGS...`: exit code (−1 if killed), stdout, stderr.
pub fn trainer(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_trainer"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A path for one test's files under the system's temporary folder, named
/// after the test and this process; whatever an earlier run left there is
/// removed (the folder itself is not created).
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("remul-trainer-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// The task flags of a small n-body task: 16 training samples, 16 for
/// each other split.
pub const TINY_NBODY: [&str; 6] = [
    "--task",
    "nbody",
    "--nbody-train",
    "16",
    "--nbody-eval",
    "16",
];

/// Runs `config` on `data` into `out` in this process, on the CPU.
pub fn run_job(
    config: &remul_trainer::config::TrainConfig,
    data: &remul_datasets::TaskData,
    out: &Path,
    resume: bool,
) -> remul_trainer::Result<remul_trainer::run_metrics::RunMetrics> {
    let job = remul_trainer::training::TrainJob {
        config: config.clone(),
        data: data.clone(),
        out: out.to_path_buf(),
        resume,
        progress: false,
        after: None,
    };
    remul_trainer::device::dispatch(remul_trainer::device::DeviceKind::Cpu, job)?
}

/// `trainer sweep` flags of a small n-body sweep of a small MLP into
/// `dir`: `betas` × `seeds` (comma separated), `epochs` long.
pub fn sweep_flags(dir: &Path, betas: &str, seeds: &str, epochs: &str) -> Vec<String> {
    ["sweep", "--betas", betas, "--seeds", seeds]
        .into_iter()
        .chain(TINY_NBODY)
        .chain([
            "--model",
            "mlp",
            "--hidden",
            "12",
            "--eval-group-samples",
            "2",
            "--epochs",
            epochs,
            "--out",
        ])
        .map(str::to_string)
        .chain([dir.display().to_string()])
        .collect()
}

/// The `sweep.csv` of the sweep in `dir`.
pub fn sweep_csv(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("sweep.csv"))
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
}
