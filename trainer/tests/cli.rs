//! The `trainer` binary: clear messages and exit codes for what a user gets wrong.

mod common;
use common::trainer;

#[test]
fn zero_epochs_is_a_clear_error() {
    let (code, _, err) = trainer(&[
        "--task",
        "nbody",
        "--nbody-train",
        "8",
        "--nbody-eval",
        "8",
        "--epochs",
        "0",
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains("error: invalid argument: --epochs must be at least 1"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn missing_mocap_data_offline_is_a_clear_error() {
    let dir = std::env::temp_dir().join(format!("remul-no-data-{}", std::process::id()));
    let (code, _, err) = trainer(&[
        "data",
        "--task",
        "mocap",
        "--offline",
        "--data-dir",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(err.starts_with("error: "), "{err}");
    assert!(err.contains("mocap"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn cuda_without_the_feature_or_a_gpu_is_a_clear_error() {
    let (code, _, err) = trainer(&[
        "--task",
        "nbody",
        "--nbody-train",
        "8",
        "--nbody-eval",
        "8",
        "--epochs",
        "1",
        "--device",
        "cuda",
        "--quiet",
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("CUDA"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn data_summary_of_nbody() {
    let (code, out, err) = trainer(&[
        "data",
        "--task",
        "nbody",
        "--nbody-train",
        "10",
        "--nbody-eval",
        "20",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("train") && out.contains("10"), "{out}");
    assert!(out.contains("ood"), "{out}");
}
