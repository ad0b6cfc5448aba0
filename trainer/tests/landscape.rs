//! `trainer landscape`: the loss around trained weights along two
//! filter-normalised directions. At the grid's middle it is the model's own
//! loss, measured here by other code paths.

use std::path::Path;

use burn::prelude::*;
use remul_datasets::Split;
use remul_group::random::{rng_from_seed, standard_normal};
use remul_group::{Channel, Group, IoLayout, Layout};
use remul_trainer::evaluate::{Predict, Predictor};
use remul_trainer::landscape::{self, Directions, LandscapeSpec, Trained};
use remul_trainer::model::{Activation, MlpConfig, Net, NetConfig, NetShape};
use remul_trainer::normalize::Normalization;

mod common;

type B = burn::backend::Flex;

fn random(n: usize, seed: u64) -> Vec<f32> {
    let mut rng = rng_from_seed(seed);
    (0..n).map(|_| standard_normal(&mut rng)).collect()
}

fn small_mlp(io: &IoLayout) -> Net<B> {
    let config = NetConfig::Mlp(MlpConfig {
        layers: 2,
        hidden: 16,
        activation: Activation::Silu,
        qat: false,
    });
    <B as Backend>::seed(&Default::default(), 3);
    config.init(NetShape::of(io), &Default::default())
}

#[test]
fn the_middle_of_the_grid_is_the_models_loss_and_directions_are_filter_normalised() {
    use Channel::{Position, Vector};
    let io = IoLayout {
        input: Layout::new(4, &[Position, Vector]).unwrap(),
        output: Layout::new(4, &[Position]).unwrap(),
    };
    let net = small_mlp(&io);
    let train = Split::from_rows(&io, random(10 * 24, 1), random(10 * 12, 2)).unwrap();
    let norm = Normalization {
        center: true,
        position_scale: 1.5,
        vector_scale: 0.7,
        scalar_scale: 1.0,
        canonical: None,
        orientation_input: 0.0,
    };
    let device = Default::default();
    let group = Group::So3;
    let trained = Trained {
        net: &net,
        io: &io,
        norm: &norm,
        train: &train,
        group,
        device: &device,
    };
    let spec = LandscapeSpec {
        grid: 5,
        span: 0.5,
        samples: 100,
        seed: 9,
        alpha: 0.5,
        beta: 2.0,
    };
    let mut rows = 0;
    let l = landscape::measure(&trained, &spec, |done, _| rows = done).unwrap();
    assert_eq!((rows, l.samples, l.loss.len()), (5, 10, 25));

    let predictor = Predictor {
        net: &net,
        io: &io,
        norm: &norm,
        device: &device,
    };
    let expected =
        0.5 * predictor.mse(&train).unwrap() + 2.0 * predictor.rotated_mse(&train, &group).unwrap();
    let origin = l.at_origin();
    assert!(
        (origin - expected).abs() <= 1e-6 * expected,
        "{origin} vs {expected}"
    );
    // Away from the middle the weights really moved.
    assert!(
        l.loss
            .iter()
            .filter(|v| (**v - origin).abs() > 1e-3 * origin)
            .count()
            >= 20
    );

    // Every filter of every weight matrix: the directions have its norm.
    let directions = Directions::draw(&net, 9);
    let norms = directions.filter_norms();
    assert!(!norms.is_empty());
    for [theta, d1, d2] in norms {
        let zero = d1 == 0.0 && d2 == 0.0; // a bias: no direction
        assert!(
            zero || ((d1 - theta).abs() < 1e-4 * theta && (d2 - theta).abs() < 1e-4 * theta),
            "{theta} {d1} {d2}"
        );
    }
    // The same seed draws the same directions; another does not.
    let again = landscape::measure(&trained, &spec, |_, _| {}).unwrap();
    assert_eq!(again.loss, l.loss);
    let other =
        landscape::measure(&trained, &LandscapeSpec { seed: 10, ..spec }, |_, _| {}).unwrap();
    assert_ne!(other.loss, l.loss);
}

#[test]
fn the_command_writes_csv_png_and_json_and_starts_at_the_runs_train_mse() {
    let dir = common::scratch_dir("landscape");
    let run = dir.join("run");
    let run_s = run.display().to_string();
    let mut train = common::TINY_NBODY.to_vec();
    train.extend_from_slice(&[
        "--model",
        "mlp",
        "--hidden",
        "12",
        "--epochs",
        "3",
        "--eval-group-samples",
        "2",
        "--quiet",
        "--out",
        &run_s,
    ]);
    let (code, _, err) = common::trainer(&train);
    assert_eq!(code, 0, "{err}");
    let out = dir.join("landscape");
    let out_s = out.display().to_string();
    // α = 1, β = 0 on every training sample: the run's own train MSE.
    let (code, stdout, err) = common::trainer(&[
        "landscape",
        "--run",
        &run_s,
        "--output",
        &out_s,
        "--grid",
        "3",
        "--span",
        "0.5",
        "--alpha",
        "1",
        "--beta",
        "0",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(stdout.contains("landscape.{csv,png,json}"), "{stdout}");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("landscape.json")).unwrap())
            .unwrap();
    let at = summary["loss_at_trained_weights"].as_f64().unwrap();
    let train_mse = summary["run_train_mse"].as_f64().unwrap();
    assert!(
        (at - train_mse).abs() <= 1e-5 * train_mse,
        "{at} vs {train_mse}"
    );
    assert_eq!(summary["samples"].as_u64(), Some(16));

    let csv = std::fs::read_to_string(out.join("landscape.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "a,b,loss,obj_loss,equi_loss");
    assert_eq!(lines.len(), 1 + 9);
    let middle: Vec<f64> = lines[5].split(',').map(|c| c.parse().unwrap()).collect();
    assert_eq!((middle[0], middle[1]), (0.0, 0.0));
    assert!((middle[2] - at).abs() <= 1e-6 * at);
    let png = std::fs::read(out.join("landscape.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");

    // Bad flags are sentences, not panics; nothing is written.
    let (code, _, err) = common::trainer(&["landscape", "--run", &run_s, "--grid", "4"]);
    assert_eq!(code, 1);
    assert!(err.contains("--grid must be odd"), "{err}");
    assert!(!Path::new(&run).join("landscape.csv").exists());
    let (code, _, err) = common::trainer(&[
        "landscape",
        "--run",
        &dir.join("nothing").display().to_string(),
    ]);
    assert_eq!(code, 1);
    assert!(err.starts_with("error:"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
