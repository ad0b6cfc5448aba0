//! Trained blobs on the device: a small MLP (int8) and Transformer (f32),
//! trained on mocap and exported, are embedded in the Cortex-M4F firmware
//! (`REMUL_MODEL=`), which validates them at build time and in QEMU
//! reproduces their golden vectors bit for bit, with the DSP kernel.

use std::path::Path;

use remul_pipeline_tests::tools::{self, QEMU};
use remul_pipeline_tests::training::{device_test_blobs, scratch_dir};
use remul_runtime::Model;

/// Builds and runs the firmware with `blob` embedded; returns its report.
fn run_firmware(blob: &Path) -> String {
    let firmware = tools::repo_root().join("firmware-example");
    tools::run(
        tools::cargo_in(&firmware)
            .args(["run", "--locked", "--release"])
            .env("REMUL_MODEL", blob),
    )
}

#[test]
fn trained_blobs_reproduce_their_golden_vectors_on_the_cortex_m4f() {
    if !tools::available("firmware", &[QEMU], &["thumbv7em-none-eabihf"]) {
        return;
    }
    let dir = scratch_dir("firmware");
    let (_, blobs) = device_test_blobs(&dir);
    for blob in &blobs {
        let bytes = std::fs::read(blob).expect("the exported blob");
        let count = Model::from_bytes(&bytes).expect("valid").golden_count();
        let report = run_firmware(blob);
        let golden = format!("golden vectors: {count}/{count} match (bit-exact)");
        assert!(report.contains(&golden), "{}:\n{report}", blob.display());
        assert!(
            report.contains("result: PASS"),
            "{}:\n{report}",
            blob.display()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
