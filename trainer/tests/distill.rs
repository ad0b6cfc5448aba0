//! Distillation: each teacher term on tiny data (a teacher that knows the
//! labels gives the label-only loss), weights as asked, exact resume, a
//! teacher of other data refused, and an ensemble of one run is that run.

use std::path::Path;

use burn::backend::{Autodiff, Flex};
use burn::optim::AdamConfig;
use clap::Parser;
use remul_datasets::TaskData;
use remul_group::random::rng_from_seed;
use remul_group::{Group, Rotation};
use remul_trainer::batch::{self, Halves};
use remul_trainer::checkpoint::LoopState;
use remul_trainer::cli::{Cli, Command};
use remul_trainer::config::TrainConfig;
use remul_trainer::distill::{DistillConfig, Distiller};
use remul_trainer::model::{Net, NetShape};
use remul_trainer::normalize;
use remul_trainer::rotations::Rotations;
use remul_trainer::run_metrics::RunMetrics;
use remul_trainer::training::step;
use remul_trainer::{Result, TrainerError};

mod common;

use common::{run_job, scratch_dir};

type B = Autodiff<Flex>;

/// `trainer ARGS` parsed: a plain run's or a student's configuration on a
/// small n-body task (16 training samples).
fn config_of(args: &[&str]) -> TrainConfig {
    let mut argv = vec!["trainer"];
    argv.extend_from_slice(args);
    argv.extend_from_slice(&common::TINY_NBODY);
    argv.extend_from_slice(&[
        "--model",
        "mlp",
        "--hidden",
        "12",
        "--batch-size",
        "4",
        "--eval-group-samples",
        "2",
        "--validate-every",
        "1",
        "--quiet",
    ]);
    let cli = Cli::try_parse_from(argv).unwrap();
    match cli.command {
        Some(Command::Distill(d)) => d.config().unwrap(),
        None => cli.train.config().unwrap(),
        other => panic!("{other:?}"),
    }
}

fn without_clock(mut m: RunMetrics) -> serde_json::Value {
    (m.wall_time_s, m.step_ms) = (0.0, 0.0);
    serde_json::to_value(m).unwrap()
}

/// A teacher that answers every training input with its label, and with
/// 1e6 for anything else (so a wrong lookup shows).
fn label_teacher(data: &TaskData) -> impl Fn(&[f32], &[Rotation]) -> Result<Vec<f32>> + '_ {
    let (n_in, n_out) = (data.io.input.len(), data.io.output.len());
    move |inputs: &[f32], _symmetry: &[Rotation]| {
        Ok(inputs
            .chunks_exact(n_in)
            .flat_map(|x| {
                (0..data.train.len())
                    .find(|&i| data.train.input(i) == x)
                    .map_or(vec![1e6; n_out], |i| data.train.target(i).to_vec())
            })
            .collect())
    }
}

/// With σ = 0 and a teacher that knows the labels, the teacher block is the
/// plain half, the noisy block too, and the rotated-teacher block is REMUL's
/// rotated half (one rotation in the pool, so both draw the same g); the
/// step's teacher loss is then the weighted sum of L_obj and L_equi.
#[test]
fn a_teacher_equal_to_the_labels_gives_the_label_only_loss() {
    let config = config_of(&[]);
    let data = config.task.load(Path::new("unused")).unwrap();
    let norm = normalize::fit(&data.io, &data.train, true, true, None, None);
    let g = Group::So3.sample(&mut rng_from_seed(5));
    let rotations = Rotations::Pool(vec![g]);
    let distill = DistillConfig {
        teachers: Vec::new(),
        teacher_weight: 0.5,
        noisy_weight: 2.0,
        noise: 0.0,
        rotated_weight: 3.0,
        symmetrize: 0,
    };
    let distiller = Distiller::new(distill, label_teacher(&data), &data.io, &norm);
    let indices = [3, 0, 7, 12];
    let mut rng = rng_from_seed(9);
    let halves = Halves {
        plain: true,
        rotated: true,
    };
    let mut b = batch::prepare(
        &data.io,
        &norm,
        &data.train,
        &indices,
        halves,
        &rotations,
        &mut rng,
    )
    .unwrap();
    let split = &data.train;
    let extend = distiller.extend(&mut b, &norm, split, &indices, &rotations, &mut rng);
    extend.unwrap();

    let (n_in, n_out) = (data.io.input.len(), data.io.output.len());
    let rows = |v: &[f32], width: usize, from: usize| v[from * width..(from + 4) * width].to_vec();
    assert_eq!(b.rows(), 5 * 4);
    assert_eq!(
        b.extra.iter().map(|x| x.weight).collect::<Vec<_>>(),
        [0.5, 2.0, 3.0]
    );
    for (block, half) in [(8, 0), (12, 0), (16, 4)] {
        assert_eq!(rows(&b.inputs, n_in, block), rows(&b.inputs, n_in, half));
        assert_eq!(
            rows(&b.targets, n_out, block),
            rows(&b.targets, n_out, half)
        );
    }

    let device = Default::default();
    let model: Net<B> = config.net.init(NetShape::of_task(&data), &device);
    let mut optim = AdamConfig::new().init::<B, Net<B>>();
    let mut state = LoopState {
        epochs_done: 0,
        alpha: 1.0,
        beta: 1.0,
        gradnorm: config.gradnorm.clone(),
        rng: rng_from_seed(1),
        best: None,
        steps: 0,
        elapsed_s: 0.0,
    };
    let (_, l) = step(
        model, &mut optim, &b, config.lr, &config, &mut state, &device,
    )
    .unwrap();
    let expected = (0.5 + 2.0) * l.obj + 3.0 * l.equi;
    assert!(l.obj > 0.0 && l.equi > 0.0, "{l:?}");
    assert!(
        (l.extra - expected).abs() <= 1e-5 * expected,
        "{l:?} vs {expected}"
    );
}

/// Noise moves the noisy block's inputs by about σ in normalised units.
#[test]
fn the_noise_is_sigma_in_the_units_the_model_sees() {
    let config = config_of(&[]);
    let data = config.task.load(Path::new("unused")).unwrap();
    let norm = normalize::fit(&data.io, &data.train, false, true, None, None);
    let distill = DistillConfig {
        teachers: Vec::new(),
        teacher_weight: 1.0,
        noisy_weight: 1.0,
        noise: 0.25,
        rotated_weight: 0.0,
        symmetrize: 0,
    };
    let teacher = |x: &[f32], _: &[Rotation]| -> Result<Vec<f32>> {
        Ok(vec![
            0.0;
            x.len() / data.io.input.len() * data.io.output.len()
        ])
    };
    let distiller = Distiller::new(distill, teacher, &data.io, &norm);
    let indices: Vec<usize> = (0..16).collect();
    let mut b = batch::StepBatch::default();
    let rotations = Rotations::Fresh(Group::So3);
    let mut rng = rng_from_seed(2);
    let split = &data.train;
    let extend = distiller.extend(&mut b, &norm, split, &indices, &rotations, &mut rng);
    extend.unwrap();
    let n = indices.len() * data.io.input.len();
    let (clean, noisy) = (&b.inputs[..n], &b.inputs[n..]);
    let var = clean
        .iter()
        .zip(noisy)
        .map(|(a, b)| f64::from(b - a).powi(2))
        .sum::<f64>()
        / n as f64;
    assert!(
        (var.sqrt() - 0.25).abs() < 0.03,
        "σ measured {}",
        var.sqrt()
    );
}

#[test]
fn a_student_resumes_exactly_and_a_teacher_of_other_data_is_refused() {
    let dir = scratch_dir("distill");
    let teacher = dir.join("teacher");
    let teacher_s = teacher.display().to_string();
    let config = config_of(&["--epochs", "4"]);
    let data = config.task.load(Path::new("unused")).unwrap();
    run_job(&config, &data, &teacher, false).unwrap();

    let student = |epochs: &'static str| {
        let args = [
            "distill",
            "--teacher",
            &teacher_s,
            "--teacher-weight",
            "1",
            "--symmetrize",
            "2",
            "--epochs",
            epochs,
        ];
        config_of(&args)
    };
    let (a, b) = (dir.join("a"), dir.join("b"));
    let straight = run_job(&student("6"), &data, &a, false).unwrap();
    assert_eq!(straight.teachers, Some(1));
    run_job(&student("3"), &data, &b, false).unwrap();
    let resumed = run_job(&student("6"), &data, &b, true).unwrap();
    assert_eq!(without_clock(resumed), without_clock(straight.clone()));
    // The teacher terms are there and differ from the labels' loss.
    let text = std::fs::read_to_string(a.join("epochs.csv")).unwrap();
    assert!(text.starts_with("epoch,obj_loss,equi_loss,alpha,beta,val_mse,elapsed_s,teacher_loss"));

    // Other n-body data, an unfinished run, a folder that is no run.
    let other = config_of(&[
        "distill",
        "--teacher",
        &teacher_s,
        "--nbody-seed",
        "99",
        "--epochs",
        "1",
    ]);
    let other_data = other.task.load(Path::new("unused")).unwrap();
    let err = run_job(&other, &other_data, &dir.join("c"), false).unwrap_err();
    assert!(
        matches!(&err, TrainerError::InvalidArgument(m) if m.contains("learnt")),
        "{err}"
    );
    let unfinished = dir.join("a").join("checkpoint").display().to_string();
    let err = run_job(
        &config_of(&["distill", "--teacher", &unfinished, "--epochs", "1"]),
        &data,
        &dir.join("d"),
        false,
    )
    .unwrap_err();
    assert!(err.to_string().contains("not a finished run"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn every_teacher_term_at_zero_is_refused_and_labels_may_be_off() {
    let no_terms = config_of(&[
        "distill",
        "--teacher",
        "t",
        "--noisy-weight",
        "0",
        "--rotated-weight",
        "0",
    ]);
    let data = no_terms.task.load(Path::new("unused")).unwrap();
    let err = no_terms.validate(&data).unwrap_err();
    assert!(err.to_string().contains("nothing is distilled"), "{err}");
    let teacher_only = config_of(&["distill", "--teacher", "t", "--alpha", "0", "--beta", "0"]);
    teacher_only.validate(&data).unwrap();
    let (code, _, err) = common::trainer(&["distill", "--teacher", "t", "--noise=-1"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--noise"), "{err}");
}

#[test]
fn an_ensemble_of_one_run_scores_that_runs_figures() {
    let dir = scratch_dir("ensemble");
    let config = config_of(&["--epochs", "2"]);
    let data = config.task.load(Path::new("unused")).unwrap();
    let m = run_job(&config, &data, &dir, false).unwrap();
    let (code, out, err) = common::trainer(&["ensemble", &dir.display().to_string()]);
    assert_eq!(code, 0, "{err}");
    let line = out.lines().find(|l| l.starts_with("mean:")).unwrap();
    let test = format!("test {:.2} ", m.test_mse_x100);
    let rotated = format!("rotated test {:.2} ", m.rotated_test_mse_x100());
    let rotated_val = format!("rotated val {:.2} ", 100.0 * m.rotated_val_mse.unwrap());
    assert!(
        line.contains(&test) && line.contains(&rotated) && line.contains(&rotated_val),
        "{line}\n{m:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
