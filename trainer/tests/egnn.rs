//! EGNN, the exactly equivariant baseline: equivariant for any weights
//! (rotations and translations), so REMUL's penalty has nothing to add; and
//! what it cannot do is refused before a run starts.

use std::path::Path;

use burn::prelude::*;
use burn::tensor::TensorData;
use clap::Parser;
use remul_group::random::{rng_from_seed, standard_normal};
use remul_group::{Channel, Group, IoLayout, Layout, Se3, Translation};
use remul_trainer::TrainerError;
use remul_trainer::cli::Cli;
use remul_trainer::config::TrainConfig;
use remul_trainer::device::{DeviceKind, dispatch};
use remul_trainer::evaluate::{Predict, Predictor};
use remul_trainer::model::{EgnnConfig, Graph, Net, NetConfig, NetShape};
use remul_trainer::normalize::Normalization;
use remul_trainer::training::TrainJob;

mod common;

type B = burn::backend::Flex;

/// A layout with every channel kind EGNN reads (two positions, so one is
/// relative), and one with positions only, as mocap's output.
fn layouts() -> Vec<IoLayout> {
    use Channel::{Position, Scalar, Vector};
    vec![
        IoLayout {
            input: Layout::new(5, &[Scalar, Position, Vector, Position]).unwrap(),
            output: Layout::new(5, &[Position, Vector, Scalar]).unwrap(),
        },
        IoLayout {
            input: Layout::new(4, &[Position, Vector]).unwrap(),
            output: Layout::new(4, &[Position]).unwrap(),
        },
    ]
}

fn random_rows(rows: usize, len: usize, seed: u64) -> Vec<f32> {
    let mut rng = rng_from_seed(seed);
    (0..rows * len).map(|_| standard_normal(&mut rng)).collect()
}

fn forward(net: &Net<B>, x: &[f32], len: usize) -> Vec<f32> {
    let rows = x.len() / len;
    let t = Tensor::<B, 2>::from_data(
        TensorData::new(x.to_vec(), [rows, len]),
        &Default::default(),
    );
    net.forward(t)
        .into_data()
        .convert::<f32>()
        .to_vec()
        .unwrap()
}

#[test]
fn egnn_commutes_with_rotations_and_translations_for_random_weights() {
    let device = Default::default();
    for (k, io) in layouts().into_iter().enumerate() {
        for graph in [Graph::All, Graph::Bones] {
            let config = EgnnConfig {
                layers: 3,
                hidden: 16,
                graph,
                entity_embedding: true,
            };
            let shape = NetShape {
                bones: vec![[1, 0], [2, 1], [3, 1]],
                ..NetShape::of(&io)
            };
            assert_eq!(config.unsupported(&shape), None);
            <B as Backend>::seed(&device, 7 + k as u64);
            let net: Net<B> = NetConfig::Egnn(config).init(shape, &device);
            let (n_in, n_out) = (io.input.len(), io.output.len());
            let x = random_rows(6, n_in, 11 + k as u64);
            let y = forward(&net, &x, n_in);
            let mut rng = rng_from_seed(3);
            for _ in 0..4 {
                let g = Se3 {
                    rotation: Group::So3.sample(&mut rng),
                    translation: Translation::sample_gaussian(&mut rng, 3.0),
                };
                let mut gx = x.clone();
                let mut gy = y.clone();
                for (xr, yr) in gx.chunks_exact_mut(n_in).zip(gy.chunks_exact_mut(n_out)) {
                    io.act_on_input(&g, xr).unwrap();
                    io.act_on_output(&g, yr).unwrap();
                }
                let f_gx = forward(&net, &gx, n_in);
                let scale = gy.iter().fold(1.0f32, |m, v| m.max(v.abs()));
                let worst = f_gx
                    .iter()
                    .zip(&gy)
                    .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
                assert!(
                    worst < 1e-4 * scale,
                    "layout {k}, {graph:?}: |f(gx) − g f(x)| = {worst} (scale {scale})"
                );
            }
            // The trainer's own E and E' (eq. 12 and 13), through its
            // normalisation, at float rounding.
            let data_norm = Normalization {
                center: true,
                position_scale: 2.0,
                vector_scale: 0.5,
                scalar_scale: 1.5,
                canonical: None,
                orientation_input: 0.0,
            };
            let split = remul_datasets::Split::from_rows(
                &io,
                random_rows(6, n_in, 5),
                random_rows(6, n_out, 6),
            )
            .unwrap();
            let report = Predictor {
                net: &net,
                io: &io,
                norm: &data_norm,
                device: &device,
            }
            .equivariance(&split, &Group::So3, 8, 1)
            .unwrap();
            assert!(
                report.e < 1e-4 && report.e_prime < 1e-4,
                "layout {k}, {graph:?}: E {} E' {}",
                report.e,
                report.e_prime
            );
        }
    }
}

fn config_of(argv: &[&str]) -> Result<TrainConfig, TrainerError> {
    let mut full = vec!["trainer"];
    full.extend_from_slice(argv);
    Cli::try_parse_from(full).unwrap().train.config()
}

/// The message of an `InvalidArgument` error.
fn refused<T: std::fmt::Debug>(result: Result<T, TrainerError>) -> String {
    match result {
        Err(TrainerError::InvalidArgument(why)) => why,
        other => panic!("expected an invalid-argument error, got {other:?}"),
    }
}

#[test]
fn an_egnn_run_has_equi_loss_equal_to_its_objective_and_e_at_rounding() {
    let mut flags = common::TINY_NBODY.to_vec();
    flags.extend([
        "--model",
        "egnn",
        "--layers",
        "2",
        "--hidden",
        "16",
        "--batch-size",
        "8",
        "--epochs",
        "3",
        "--eval-group-samples",
        "4",
        "--group",
        "so3",
        "--quiet",
    ]);
    let config = config_of(&flags).unwrap();
    let data = config.task.load(Path::new("unused")).unwrap();
    let out = common::scratch_dir("egnn-run");
    let job = TrainJob {
        config,
        data,
        out: out.clone(),
        resume: false,
        progress: false,
        after: None,
    };
    let m = dispatch(DeviceKind::Cpu, job).unwrap().unwrap();
    assert_eq!(m.model, "egnn");
    assert!(m.equivariance.e < 1e-4 && m.equivariance.e_prime < 1e-4);
    let rotated = m.rotated_test_mse.unwrap();
    assert!(
        (rotated - m.test_mse).abs() <= 1e-4 * m.test_mse,
        "{rotated} vs {}",
        m.test_mse
    );
    // The rotated half of every batch is the plain half under rotations:
    // for an equivariant model both losses agree to rounding.
    let csv = std::fs::read_to_string(out.join("epochs.csv")).unwrap();
    for row in csv.lines().skip(1) {
        let cols: Vec<f64> = row.split(',').take(3).map(|c| c.parse().unwrap()).collect();
        let (obj, equi) = (cols[1], cols[2]);
        assert!(
            (obj - equi).abs() <= 1e-4 * obj,
            "epoch {}: {obj} vs {equi}",
            cols[0]
        );
    }
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn what_egnn_cannot_do_is_refused_before_a_run() {
    let why = refused(config_of(&["--model", "egnn", "--qat"]));
    assert!(why.contains("--qat"), "{why}");
    let why = refused(config_of(&["--model", "egnn", "--export", "m.bin"]));
    assert!(why.contains("no blob"), "{why}");
    let why = refused(config_of(&["--model", "mlp", "--graph", "bones"]));
    assert!(why.contains("--model egnn"), "{why}");
    let config = config_of(&[
        "--task",
        "nbody",
        "--nbody-train",
        "8",
        "--nbody-eval",
        "8",
        "--model",
        "egnn",
        "--graph",
        "bones",
    ])
    .unwrap();
    // Reports and run folders keep the graphs apart.
    assert_eq!(config.net.name(), "egnn-bones");
    let data = config.task.load(Path::new("unused")).unwrap();
    let why = refused(config.validate(&data));
    assert!(why.contains("bones"), "{why}");
}
