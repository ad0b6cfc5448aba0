//! The `trainer` binary: clear messages and exit codes for what a user gets wrong.

mod common;
use common::trainer;

/// `trainer` on a tiny n-body task, with `flags` after the task's.
fn on_tiny_nbody(flags: &[&str]) -> (i32, String, String) {
    let mut args = vec!["--task", "nbody", "--nbody-train", "8", "--nbody-eval", "8"];
    args.extend_from_slice(flags);
    trainer(&args)
}

/// Asserts a clean failure: exit code `code`, `message` on stderr, no panic.
fn assert_fails((got, _, err): (i32, String, String), code: i32, message: &str) {
    assert_eq!(got, code, "{err}");
    assert!(err.contains(message), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// A flag value that cannot work is refused as the flags are read (a usage
/// error: exit code 2), naming the flag.
#[test]
fn zero_epochs_is_a_clear_error() {
    assert_fails(
        on_tiny_nbody(&["--epochs", "0"]),
        2,
        "error: invalid value '0' for '--epochs <EPOCHS>': must be at least 1",
    );
}

/// Settings that only fail together are refused by the library's check,
/// which names the settings (exit code 1).
#[test]
fn heads_that_do_not_divide_the_width_are_a_clear_error() {
    assert_fails(
        on_tiny_nbody(&["--model", "transformer", "--d-model", "10", "--heads", "3"]),
        1,
        "error: invalid argument: the Transformer's width d_model (10) must be a multiple of its heads (3)",
    );
}

#[test]
fn a_transformer_of_zero_width_is_refused_not_a_panic() {
    for flag in ["--d-model", "--d-ff"] {
        assert_fails(
            on_tiny_nbody(&["--model", "transformer", flag, "0"]),
            2,
            &format!("invalid value '0' for '{flag}"),
        );
    }
}

#[test]
fn missing_mocap_data_offline_is_a_clear_error() {
    let dir = std::env::temp_dir().join(format!("remul-no-data-{}", std::process::id()));
    let result = trainer(&[
        "data",
        "--task",
        "mocap",
        "--offline",
        "--data-dir",
        dir.to_str().unwrap(),
    ]);
    assert!(result.2.starts_with("error: "), "{}", result.2);
    assert_fails(result, 1, "mocap");
}

#[test]
fn cuda_without_the_feature_or_a_gpu_is_a_clear_error() {
    assert_fails(
        on_tiny_nbody(&["--epochs", "1", "--device", "cuda", "--quiet"]),
        1,
        "CUDA",
    );
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
