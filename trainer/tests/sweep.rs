//! `trainer sweep` on this machine: its runs as parallel child processes
//! give the bits of the same sweep trained one run after another, and a
//! sweep interrupted mid-run continues with `--resume` to the same results.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use clap::Parser;
use common::{scratch_dir, sweep_csv, sweep_flags, trainer};
use remul_trainer::checkpoint;
use remul_trainer::cli::{Cli, Command as Subcommand};
use remul_trainer::sweep_folder::SweepManifest;

fn run_cli(flags: &[String], extra: &[&str]) -> (i32, String, String) {
    let mut args: Vec<&str> = flags.iter().map(String::as_str).collect();
    args.extend_from_slice(extra);
    trainer(&args)
}

#[test]
fn parallel_runs_give_the_sequential_sweeps_bits() {
    let sequential = scratch_dir("sequential");
    let argv =
        std::iter::once("trainer".to_string()).chain(sweep_flags(&sequential, "0,1", "1,2", "4"));
    let Some(Subcommand::Sweep(args)) = Cli::try_parse_from(argv).unwrap().command else {
        unreachable!("a sweep")
    };
    let plan = args.plan().unwrap();
    let data = plan.base.task.load(Path::new("-")).unwrap();
    remul_trainer::beta_sweep::run(&plan, &data).unwrap();

    for jobs in ["1", "2"] {
        let dir = scratch_dir(&format!("jobs-{jobs}"));
        let (code, out, err) = run_cli(
            &sweep_flags(&dir, "0,1", "1,2", "4"),
            &["--jobs", jobs, "--quiet"],
        );
        assert_eq!(code, 0, "--jobs {jobs}: {err}");
        assert!(out.contains("test MSE"), "{out}");
        assert_eq!(sweep_csv(&dir), sweep_csv(&sequential), "--jobs {jobs}");
        // Each run's own output is kept in its folder.
        let log = std::fs::read_to_string(dir.join("b1-s2/train.log")).unwrap();
        assert!(log.contains("wrote"), "{log}");
        let _ = std::fs::remove_dir_all(&dir);
    }
    let _ = std::fs::remove_dir_all(&sequential);
}

#[test]
fn an_interrupted_sweep_resumes_to_the_uninterrupted_results() {
    let (whole, cut) = (scratch_dir("whole"), scratch_dir("cut"));
    let (code, _, err) = run_cli(&sweep_flags(&whole, "0,1", "1,2", "600"), &["--jobs", "2"]);
    assert_eq!(code, 0, "{err}");

    let flags = sweep_flags(&cut, "0,1", "1,2", "600");
    let child = Command::new(env!("CARGO_BIN_EXE_trainer"))
        .args(&flags)
        .args(["--jobs", "2"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Interrupt once the first runs have checkpoints, before any finishes.
    let started = Instant::now();
    while checkpoint::saved_epochs(&cut.join("b0-s1")).is_none_or(|e| e < 5) {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no checkpoint appeared"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let interrupt = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupt.success());
    let output = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{err}");
    assert!(err.contains("sweep interrupted"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    // Stopped mid-run, each at a checkpoint.
    let manifest = SweepManifest::read(&cut).unwrap();
    let unfinished: Vec<usize> = manifest
        .runs
        .iter()
        .filter(|r| !cut.join(&r.name).join("metrics.json").exists())
        .filter_map(|r| checkpoint::saved_epochs(&cut.join(&r.name)))
        .collect();
    assert!(
        !unfinished.is_empty() && unfinished.iter().all(|&e| e < 600),
        "{unfinished:?}"
    );

    let (code, _, err) = run_cli(&flags, &["--jobs", "2", "--resume"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("from its checkpoint at epoch"), "{err}");
    assert_eq!(sweep_csv(&cut), sweep_csv(&whole));
    let _ = std::fs::remove_dir_all(&whole);
    let _ = std::fs::remove_dir_all(&cut);
}

#[test]
fn collect_lists_what_is_missing_and_bad_sweeps_are_clear_errors() {
    let dir = scratch_dir("collect");
    let (code, _, err) = run_cli(&sweep_flags(&dir, "0,1", "1,2", "2"), &["--jobs", "2"]);
    assert_eq!(code, 0, "{err}");
    std::fs::remove_dir_all(dir.join("b1-s2")).unwrap();
    let (code, out, err) = trainer(&["sweep", "--collect", dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("test MSE"), "{out}");
    assert!(
        err.contains("1 of 4 runs not finished") && err.contains("b1-s2: not started"),
        "{err}"
    );
    assert_eq!(sweep_csv(&dir).lines().count(), 1 + 3);

    let (code, _, err) = trainer(&["sweep", "--collect", std::env::temp_dir().to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("not the folder of a sweep"), "{err}");
    let (code, _, err) = trainer(&["sweep", "--betas", "1", "--dry-run"]);
    assert_eq!(code, 2, "--dry-run needs --slurm: {err}");
    let _ = std::fs::remove_dir_all(&dir);
}
