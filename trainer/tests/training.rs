//! Tiny end-to-end runs: the loss falls, the same seed gives the same
//! numbers, a resumed run equals an uninterrupted one, GradNorm moves α
//! and β, and bad arguments are errors.

use std::path::Path;

use remul_datasets::TaskData;
use remul_trainer::cli::{Cli, Command};
use remul_trainer::config::TrainConfig;
use remul_trainer::run_metrics::RunMetrics;
use remul_trainer::{TrainerError, task};

use clap::Parser;

mod common;

use common::{run_job as run, scratch_dir, sweep_flags};

/// A small n-body configuration: 32 training samples, 64 for each other split.
fn tiny_nbody(extra: &[&str]) -> (TrainConfig, TaskData) {
    parse(&tiny_nbody_argv(extra))
}

/// The command line of [`tiny_nbody`], program name first.
fn tiny_nbody_argv<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut argv = vec![
        "trainer",
        "--task",
        "nbody",
        "--nbody-train",
        "32",
        "--nbody-eval",
        "64",
        "--hidden",
        "32",
        "--batch-size",
        "8",
        "--eval-group-samples",
        "4",
        "--validate-every",
        "1",
        "--quiet",
    ];
    if !extra.contains(&"--model") {
        argv.extend_from_slice(&["--model", "mlp"]);
    }
    argv.extend_from_slice(extra);
    argv
}

/// A plain run's configuration and data from its command line.
fn parse(argv: &[&str]) -> (TrainConfig, TaskData) {
    let cli = Cli::try_parse_from(argv).unwrap();
    assert!(cli.command.is_none());
    let config = cli.train.config().unwrap();
    let data = config.task.load(Path::new("unused")).unwrap();
    (config, data)
}

fn csv_column(out: &Path, column: &str) -> Vec<f64> {
    let text = std::fs::read_to_string(out.join("epochs.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let at = header.iter().position(|h| *h == column).unwrap();
    lines
        .map(|l| l.split(',').nth(at).unwrap().parse().unwrap())
        .collect()
}

#[test]
fn loss_falls_and_outputs_are_written() {
    let (config, data) = tiny_nbody(&["--epochs", "40", "--lr", "3e-3"]);
    let out = scratch_dir("falls");
    let m = run(&config, &data, &out, false).unwrap();
    let obj = csv_column(&out, "obj_loss");
    assert_eq!(obj.len(), 40);
    assert!(
        obj[39] < 0.5 * obj[0],
        "L_obj did not fall: {} -> {}",
        obj[0],
        obj[39]
    );
    for file in [
        "metrics.json",
        "config.json",
        "epochs.csv",
        "model.mpk",
        "checkpoint/state.json",
    ] {
        assert!(out.join(file).exists(), "{file} missing");
    }
    assert!(m.test_mse.is_finite() && m.ood_mse.is_some());
    // Rotated by up to ±10° (n-body's group), the samples stay close to
    // what the model saw: the rotated test is near, but not at, the test.
    let rotated = m.rotated_test_mse.unwrap();
    assert!(rotated.is_finite() && rotated != m.test_mse, "{m:?}");
    assert!((rotated / m.test_mse - 1.0).abs() < 0.5, "{m:?}");
    assert!(m.equivariance.e_prime > 0.0 && m.equivariance.e_prime >= m.equivariance.e);
    assert_eq!(m.equivariance.group_samples, 4);
    let _ = std::fs::remove_dir_all(&out);
}

/// The smallest Transformer: one block of width 16.
const TINY_TRANSFORMER: [&str; 10] = [
    "--model",
    "transformer",
    "--blocks",
    "1",
    "--d-model",
    "16",
    "--heads",
    "2",
    "--d-ff",
    "16",
];

/// A run's metrics without its clock readings, as JSON.
fn without_clock(mut m: RunMetrics) -> serde_json::Value {
    (m.wall_time_s, m.step_ms) = (0.0, 0.0);
    serde_json::to_value(m).unwrap()
}

/// The same seed gives the same metrics bit for bit, and three epochs
/// resumed to six equal six at once: on the CPU backend, for both models.
#[test]
fn same_seed_same_numbers_and_resume_continues_exactly() {
    for model in [&["--model", "mlp"][..], &TINY_TRANSFORMER[..]] {
        let flags = |epochs: &'static str, seed: &'static str| {
            let mut f = vec!["--epochs", epochs, "--seed", seed];
            f.extend_from_slice(model);
            tiny_nbody(&f)
        };
        let (config6, data) = flags("6", "3");
        let (a, b, c) = (scratch_dir("a"), scratch_dir("b"), scratch_dir("c"));
        let straight = run(&config6, &data, &a, false).unwrap();
        let again = run(&config6, &data, &b, false).unwrap();
        assert_eq!(without_clock(straight.clone()), without_clock(again));

        let (config3, _) = flags("3", "3");
        run(&config3, &data, &c, false).unwrap();
        let resumed = run(&config6, &data, &c, true).unwrap();
        assert_eq!(
            without_clock(resumed),
            without_clock(straight.clone()),
            "{model:?}"
        );
        assert_eq!(csv_column(&c, "obj_loss"), csv_column(&a, "obj_loss"));

        // A different seed gives different numbers.
        let (config_other, _) = flags("6", "4");
        let other = run(&config_other, &data, &b, false).unwrap();
        assert_ne!(other.test_mse.to_bits(), straight.test_mse.to_bits());
        for d in [a, b, c] {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}

/// Runs started at once in one process (threads of a library user, or
/// tests) each give what the same run gives alone: a run's parameters are
/// drawn from its own seed, not from a generator another run is using.
#[test]
fn runs_at_once_in_one_process_give_the_numbers_of_a_run_alone() {
    let (config, data) = tiny_nbody(&["--epochs", "2", "--seed", "5"]);
    let alone = run(&config, &data, &scratch_dir("alone"), false).unwrap();
    let together: Vec<RunMetrics> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|i| {
                let (config, data) = (&config, &data);
                s.spawn(move || run(config, data, &scratch_dir(&format!("together-{i}")), false))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap().unwrap())
            .collect()
    });
    for m in together {
        assert_eq!(without_clock(m), without_clock(alone.clone()));
    }
    let _ = std::fs::remove_dir_all(scratch_dir("alone"));
    for i in 0..4 {
        let _ = std::fs::remove_dir_all(scratch_dir(&format!("together-{i}")));
    }
}

/// Weight averaging, the cosine schedule and decoupled weight decay are part
/// of the run: a run killed (SIGKILL) mid-way and resumed from its
/// checkpoint equals an uninterrupted one, and each changes the numbers.
#[test]
fn the_recipe_flags_resume_exactly_after_a_kill() {
    let recipe = [
        "--ema",
        "0.9",
        "--lr-schedule",
        "cosine",
        "--decoupled-weight-decay",
        "0.5",
        "--seed",
        "3",
    ];
    let argv = |epochs: &'static str, recipe: &[&'static str]| {
        let mut f = vec!["--epochs", epochs];
        f.extend_from_slice(recipe);
        tiny_nbody_argv(&f)
    };
    let (a, b, c) = (
        scratch_dir("ema-a"),
        scratch_dir("ema-b"),
        scratch_dir("ema-c"),
    );
    let (config, data) = parse(&argv("600", &recipe));
    let straight = run(&config, &data, &a, false).unwrap();

    let b_s = b.display().to_string();
    let mut killed = argv("600", &recipe);
    killed.extend(["--out", &b_s]);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_trainer"))
        .args(&killed[1..])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while remul_trainer::checkpoint::saved_epochs(&b).is_none_or(|e| e < 20) {
        assert!(started.elapsed().as_secs() < 120, "no checkpoint appeared");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let saved = remul_trainer::checkpoint::saved_epochs(&b).unwrap();
    assert!(saved < 600, "the run finished before the kill");
    let resumed = run(&config, &data, &b, true).unwrap();
    assert_eq!(without_clock(resumed), without_clock(straight.clone()));

    let without_decay = ["--ema", "0.9", "--lr-schedule", "cosine", "--seed", "3"];
    let without_cosine = [
        "--ema",
        "0.9",
        "--decoupled-weight-decay",
        "0.5",
        "--seed",
        "3",
    ];
    for other in [&recipe[2..], &without_cosine[..], &without_decay[..]] {
        let (config, data) = parse(&argv("600", other));
        let m = run(&config, &data, &c, false).unwrap();
        assert_ne!(
            m.test_mse.to_bits(),
            straight.test_mse.to_bits(),
            "{other:?}"
        );
    }
    for bad in [&["--ema", "1"], &["--decoupled-weight-decay", "1e9"]] {
        let (bad, data) = parse(&argv("1", bad));
        assert!(bad.validate(&data).is_err());
    }
    for d in [a, b, c] {
        let _ = std::fs::remove_dir_all(d);
    }
}

#[test]
fn resume_refuses_a_different_configuration_or_an_empty_folder() {
    let (config, data) = tiny_nbody(&["--epochs", "2"]);
    let out = scratch_dir("mismatch");
    assert!(matches!(
        run(&config, &data, &out, true),
        Err(TrainerError::NothingToResume(_))
    ));
    run(&config, &data, &out, false).unwrap();
    let (other, _) = tiny_nbody(&["--epochs", "4", "--lr", "0.01"]);
    assert!(matches!(
        run(&other, &data, &out, true),
        Err(TrainerError::ConfigMismatch(_))
    ));
    let _ = std::fs::remove_dir_all(&out);
}

/// `--group-pool K` trains from K fixed rotations: a different pool is a
/// different run (no resume across it), and a pool gives other numbers
/// than fresh draws.
#[test]
fn a_group_pool_is_part_of_the_run() {
    let (pooled, data) = tiny_nbody(&["--epochs", "2", "--group-pool", "2"]);
    let out = scratch_dir("pool");
    let with_pool = run(&pooled, &data, &out, false).unwrap();
    let (other_pool, _) = tiny_nbody(&["--epochs", "3", "--group-pool", "3"]);
    assert!(matches!(
        run(&other_pool, &data, &out, true),
        Err(TrainerError::ConfigMismatch(_))
    ));
    let (fresh, _) = tiny_nbody(&["--epochs", "2"]);
    let fresh_out = scratch_dir("fresh");
    let without = run(&fresh, &data, &fresh_out, false).unwrap();
    assert_ne!(with_pool.test_mse.to_bits(), without.test_mse.to_bits());
    for d in [out, fresh_out] {
        let _ = std::fs::remove_dir_all(d);
    }
}

#[test]
fn gradnorm_moves_alpha_and_beta() {
    let (config, data) = tiny_nbody(&[
        "--epochs",
        "5",
        "--penalty",
        "gradnorm",
        "--gradnorm-eta",
        "0.05",
    ]);
    let out = scratch_dir("gradnorm");
    let m = run(&config, &data, &out, false).unwrap();
    let (alpha, beta) = (csv_column(&out, "alpha"), csv_column(&out, "beta"));
    assert!(alpha.iter().chain(&beta).all(|w| *w > 0.0));
    assert!(
        (m.alpha - 1.0).abs() > 1e-3 || (m.beta - 1.0).abs() > 1e-3,
        "α, β did not move: {m:?}"
    );
    assert!(alpha.windows(2).any(|w| w[0] != w[1]));
    assert_eq!(
        &std::fs::read(out.join("alpha_beta.png")).unwrap()[1..4],
        b"PNG"
    );
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn augmentation_and_plain_runs_train_only_their_half() {
    let out = scratch_dir("halves");
    let (plain, data) = tiny_nbody(&["--epochs", "2", "--penalty", "none"]);
    run(&plain, &data, &out, false).unwrap();
    assert!(csv_column(&out, "equi_loss").iter().all(|l| *l == 0.0));
    let (augment, _) = tiny_nbody(&["--epochs", "2", "--penalty", "augment"]);
    let m = run(&augment, &data, &out, false).unwrap();
    assert!(csv_column(&out, "obj_loss").iter().all(|l| *l == 0.0));
    assert_eq!((m.alpha, m.beta), (0.0, 1.0));
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn canonical_axes_make_the_model_exactly_equivariant() {
    let out = scratch_dir("canonical");
    let (config, data) = tiny_nbody(&["--epochs", "3", "--canonical-axes", "0,1"]);
    let m = run(&config, &data, &out, false).unwrap();
    assert!(m.normalization.canonical.is_some());
    // Only rounding is left: E' from f32 arithmetic through the rotations,
    // and the rotated test equal to the test to as many digits.
    assert!(m.equivariance.e_prime < 1e-3, "{m:?}");
    let rotated = m.rotated_test_mse.unwrap();
    assert!((rotated / m.test_mse - 1.0).abs() < 1e-4, "{m:?}");
    let (plain, _) = tiny_nbody(&["--epochs", "3"]);
    let m = run(&plain, &data, &out, false).unwrap();
    assert!(m.equivariance.e_prime > 1e-2, "{m:?}");
    for bad in ["0,0", "0,99"] {
        let (config, _) = tiny_nbody(&["--epochs", "1", "--canonical-axes", bad]);
        let why = invalid_argument(run(&config, &data, &out, false));
        assert!(why.contains("--canonical-axes"), "{why}");
    }
    let err = Cli::try_parse_from(["trainer", "--canonical-axes", "3"]).unwrap_err();
    assert!(err.to_string().contains("FROM,TO"), "{err}");
    let _ = std::fs::remove_dir_all(&out);
}

/// `--orientation-input` gives the MLP its canonical rotation too: the run
/// records it, the model is no longer exactly equivariant, and the flag
/// without canonical axes, with a Transformer or at zero is refused.
#[test]
fn orientation_input_lets_a_canonical_model_see_its_orientation() {
    let out = scratch_dir("orientation");
    let flags = [
        "--epochs",
        "3",
        "--canonical-axes",
        "0,1",
        "--orientation-input",
        "4",
    ];
    let (config, data) = tiny_nbody(&flags);
    let m = run(&config, &data, &out, false).unwrap();
    assert_eq!(m.normalization.orientation_input, 4.0);
    assert!(m.equivariance.e_prime > 1e-3, "{m:?}");
    for bad in [
        &["--orientation-input", "4"][..],
        &["--canonical-axes", "0,1", "--orientation-input", "0"],
        &[
            "--canonical-axes",
            "0,1",
            "--orientation-input",
            "4",
            "--model",
            "transformer",
        ],
    ] {
        let (config, _) = tiny_nbody(&[&["--epochs", "1"][..], bad].concat());
        let why = invalid_argument(run(&config, &data, &out, false));
        assert!(why.contains("--orientation-input"), "{why}");
    }
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn transformer_trains_on_mocap() {
    let data_dir = remul_test_data::data_dir();
    let mut argv = vec!["trainer", "--task", "mocap"];
    argv.extend_from_slice(&TINY_TRANSFORMER);
    argv.extend_from_slice(&["--epochs", "2", "--eval-group-samples", "2", "--quiet"]);
    let cli = Cli::try_parse_from(argv).unwrap();
    let config = cli.train.config().unwrap();
    let data = remul_datasets::mocap::load(&data_dir, task::MotionName::Run.into()).unwrap();
    assert_eq!(
        (data.train.len(), data.val.len(), data.test.len()),
        (200, 240, 240)
    );
    let out = scratch_dir("mocap");
    let m = run(&config, &data, &out, false).unwrap();
    assert_eq!(m.task, "mocap-run");
    assert!(m.test_mse.is_finite() && m.parameters > 0);
    let _ = std::fs::remove_dir_all(&out);
}

/// The message of an `InvalidArgument` error.
fn invalid_argument<T: std::fmt::Debug>(result: Result<T, TrainerError>) -> String {
    match result {
        Err(TrainerError::InvalidArgument(why)) => why,
        other => panic!("not an invalid argument: {other:?}"),
    }
}

#[test]
fn bad_arguments_are_errors_not_panics() {
    let (mut config, data) = tiny_nbody(&["--epochs", "1"]);
    let out = scratch_dir("bad");
    config.batch_size = 0;
    assert_eq!(
        invalid_argument(run(&config, &data, &out, false)),
        "the batch size must be at least 1"
    );
    // The command line refuses the same value as it reads it.
    let err = Cli::try_parse_from(["trainer", "--batch-size", "0"]).unwrap_err();
    assert_eq!(err.kind(), clap::error::ErrorKind::ValueValidation);
    assert!(err.to_string().contains("--batch-size"), "{err}");
    let (mut config, _) = tiny_nbody(&[
        "--epochs",
        "1",
        "--penalty",
        "constant",
        "--alpha",
        "0",
        "--beta",
        "0",
    ]);
    config.epochs = 1;
    assert!(matches!(
        run(&config, &data, &out, false),
        Err(TrainerError::InvalidArgument(_))
    ));
    let (config, _) = tiny_nbody(&["--model", "transformer", "--d-model", "10", "--heads", "3"]);
    assert!(matches!(
        run(&config, &data, &out, false),
        Err(TrainerError::InvalidArgument(_))
    ));
    let cli = Cli::try_parse_from([
        "trainer",
        "--task",
        "nbody",
        "--group",
        "range",
        "--angle-min",
        "50",
        "--angle-max",
        "10",
    ])
    .unwrap();
    assert!(matches!(
        cli.train.config(),
        Err(TrainerError::InvalidArgument(_))
    ));
    assert!(Cli::try_parse_from(["trainer", "--penalty", "sometimes"]).is_err());
    assert!(matches!(
        Cli::try_parse_from(["trainer", "data", "--task", "nbody"])
            .unwrap()
            .command,
        Some(Command::Data(_))
    ));
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn sweep_writes_csv_and_plots() {
    let out = scratch_dir("sweep");
    let flags = sweep_flags(&out, "0,1", "1,2", "2");
    let argv = ["trainer".to_string()]
        .into_iter()
        .chain(flags)
        .chain(["--quiet".to_string()]);
    let cli = Cli::try_parse_from(argv).unwrap();
    let Some(Command::Sweep(args)) = cli.command else {
        panic!("not a sweep")
    };
    let data = args
        .train
        .config()
        .unwrap()
        .task
        .load(Path::new("unused"))
        .unwrap();
    let plan = args.plan().unwrap();
    let dir = &plan.dir;
    let runs = remul_trainer::beta_sweep::run(&plan, &data).unwrap();
    assert_eq!(runs.len(), 4);
    let csv = std::fs::read_to_string(dir.join("sweep.csv")).unwrap();
    assert_eq!(csv.lines().count(), 5, "{csv}");
    for png in [
        "sweep_mse.png",
        "sweep_rotated_mse.png",
        "sweep_e.png",
        "sweep_e_prime.png",
    ] {
        let bytes = std::fs::read(dir.join(png)).unwrap();
        assert_eq!(&bytes[1..4], b"PNG");
    }
    let summary = remul_trainer::beta_sweep::summarize(&runs);
    assert_eq!(summary.len(), 2);

    // With --resume, finished runs are read back, not trained again: a
    // changed metrics.json shows through.
    let first = dir.join("b1-s2").join("metrics.json");
    let mut metrics: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&first).unwrap()).unwrap();
    metrics["test_mse_x100"] = serde_json::json!(123.0);
    std::fs::write(&first, metrics.to_string()).unwrap();
    let mut again = args.clone();
    again.train.resume = true;
    let reread = remul_trainer::beta_sweep::run(&again.plan().unwrap(), &data).unwrap();
    assert_eq!(reread.len(), 4);
    assert_eq!(reread[3].metrics.test_mse_x100, 123.0);
    let _ = std::fs::remove_dir_all(&out);
}
