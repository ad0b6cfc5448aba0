//! What the integration tests share: running the `trainer` binary.

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
