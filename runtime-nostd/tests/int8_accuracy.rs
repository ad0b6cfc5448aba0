//! int8 against f32 on a model with mocap-like statistics.
//!
//! The model is the benchmark MLP 186 → 680 → 680 → 93 (SiLU) with random
//! first layers (Kaiming-normal, as trained weights stay near it) and a
//! least-squares (ridge) readout fitted to predict joint positions 30
//! frames ahead, so that it has a real test MSE to compare against. Data:
//! synthetic running motion, and the CMU running trials from the test data
//! folder (`remul_test_data`). Run with `--nocapture` to see the table; it also reports
//! which activation precision the int8 path needs (simulated in f64).

// Joint/coordinate index arithmetic reads more plainly as ranges here.
#![allow(clippy::needless_range_loop)]

mod common;

use std::f64::consts::TAU;

use common::*;
use remul_datasets::mocap;
use remul_export::{ArchitectureSpec, DenseSpec, ModelSpec};
use remul_group::random::{GroupRng, standard_normal, uniform, uniform_in};
use remul_runtime::{Activation, Model, Normalization, Quant};

const JOINTS: usize = 31;
const HORIZON: usize = 30;
const HIDDEN: usize = 680;

/// One sample: positions and velocities of every joint in, positions 30
/// frames later out.
struct Sample {
    x: Vec<f32>,
    y: Vec<f32>,
}

type Trial = Vec<[[f64; 3]; JOINTS]>;

fn samples_of(trials: &[Trial], rotations: &[f64]) -> Vec<Sample> {
    let mut out = Vec::new();
    for trial in trials {
        for t in 0..trial.len().saturating_sub(HORIZON + 1) {
            for &angle in rotations {
                // Rotation about the vertical (y) axis.
                let (s, c) = angle.sin_cos();
                let rot = |p: [f64; 3]| [c * p[0] + s * p[2], p[1], -s * p[0] + c * p[2]];
                let mut x = Vec::with_capacity(6 * JOINTS);
                let mut y = Vec::with_capacity(3 * JOINTS);
                for j in 0..JOINTS {
                    let p = rot(trial[t][j]);
                    let next = rot(trial[t + 1][j]);
                    x.extend(p.iter().map(|&v| v as f32));
                    x.extend((0..3).map(|k| (next[k] - p[k]) as f32));
                    y.extend(rot(trial[t + HORIZON][j]).iter().map(|&v| v as f32));
                }
                out.push(Sample { x, y });
            }
        }
    }
    out
}

/// Synthetic running: a skeleton of 31 joints at heights 0–60 whose joints
/// swing periodically (stride ~0.75 s at 120 Hz) while the body runs
/// along a heading, with trial-to-trial variation and marker noise.
fn synthetic_running(r: &mut GroupRng) -> Vec<Trial> {
    let offsets: Vec<[f64; 3]> = (0..JOINTS)
        .map(|_| {
            [
                f64::from(uniform_in(r, -10.0, 10.0)),
                f64::from(uniform_in(r, 0.0, 60.0)),
                f64::from(uniform_in(r, -6.0, 6.0)),
            ]
        })
        .collect();
    let swing: Vec<([f64; 3], f64)> = (0..JOINTS)
        .map(|_| {
            let a = f64::from(uniform_in(r, 0.0, 9.0));
            ([a, 0.3 * a, 0.6 * a], f64::from(uniform(r)) * TAU)
        })
        .collect();
    (0..24)
        .map(|_| {
            let heading = f64::from(uniform(r)) * TAU;
            let speed = f64::from(uniform_in(r, 0.3, 0.6));
            let omega = TAU / f64::from(uniform_in(r, 80.0, 100.0));
            let start = [
                f64::from(uniform_in(r, -30.0, 30.0)),
                0.0,
                f64::from(uniform_in(r, -30.0, 30.0)),
            ];
            let (s, c) = heading.sin_cos();
            (0..130)
                .map(|t| {
                    let t = t as f64;
                    let root = [
                        start[0] + speed * t * c,
                        2.0 * (2.0 * omega * t).sin(),
                        start[2] + speed * t * s,
                    ];
                    std::array::from_fn(|j| {
                        let (a, phase) = swing[j];
                        let local: [f64; 3] = std::array::from_fn(|k| {
                            offsets[j][k] + a[k] * (omega * t + phase + k as f64).sin()
                        });
                        let noise: [f64; 3] =
                            std::array::from_fn(|_| 0.15 * f64::from(standard_normal(r)));
                        [
                            root[0] + c * local[0] - s * local[2] + noise[0],
                            root[1] + local[1] + noise[1],
                            root[2] + s * local[0] + c * local[2] + noise[2],
                        ]
                    })
                })
                .collect()
        })
        .collect()
}

/// The CMU running trials, as the benchmark's pickle holds them
/// (`mocap/motion_run.pkl` in the test data folder).
fn cmu_running() -> Vec<Trial> {
    let path = remul_test_data::mocap_file("motion_run.pkl");
    let recording = mocap::read_recording(&path).expect("motion_run.pkl reads");
    recording
        .trials
        .iter()
        .map(|trial| {
            (0..trial.frames())
                .map(|frame| std::array::from_fn(|j| trial.position(frame, j)))
                .collect()
        })
        .collect()
}

fn centroid(x: &[f32]) -> [f64; 3] {
    let mut c = [0.0; 3];
    for j in 0..JOINTS {
        for k in 0..3 {
            c[k] += f64::from(x[6 * j + k]) / JOINTS as f64;
        }
    }
    c
}

fn normalization_for(train: &[Sample]) -> Normalization {
    let (mut p2, mut v2, mut n) = (0.0f64, 0.0f64, 0.0f64);
    for s in train {
        let c = centroid(&s.x);
        for j in 0..JOINTS {
            for k in 0..3 {
                p2 += (f64::from(s.x[6 * j + k]) - c[k]).powi(2);
                v2 += f64::from(s.x[6 * j + 3 + k]).powi(2);
            }
        }
        n += 3.0 * JOINTS as f64;
    }
    Normalization {
        center: true,
        position_scale: (p2 / n).sqrt() as f32,
        vector_scale: (v2 / n).sqrt() as f32,
        scalar_scale: 1.0,
        canonical: None,
        orientation_input: 0.0,
    }
}

fn normalized(n: &Normalization, x: &[f32]) -> Vec<f64> {
    let c = centroid(x);
    (0..6 * JOINTS)
        .map(|i| {
            let (k, v) = (i % 6, f64::from(x[i]));
            if k < 3 {
                (v - c[k]) / f64::from(n.position_scale)
            } else {
                v / f64::from(n.vector_scale)
            }
        })
        .collect()
}

fn silu(v: f64) -> f64 {
    v / (1.0 + (-v).exp())
}

fn dense_f64(layer: &DenseSpec, x: &[f64]) -> Vec<f64> {
    layer
        .weight
        .chunks_exact(layer.inputs)
        .zip(&layer.bias)
        .map(|(row, &b)| {
            f64::from(b)
                + row
                    .iter()
                    .zip(x)
                    .map(|(&w, v)| f64::from(w) * v)
                    .sum::<f64>()
        })
        .collect()
}

/// Quantizes a vector to `bits`-bit symmetric levels and back (per vector).
fn fake_quant(x: &mut [f64], bits: u32) {
    let levels = f64::from((1u32 << (bits - 1)) - 1);
    let max = x.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    if max > 0.0 {
        x.iter_mut()
            .for_each(|v| *v = (*v * levels / max).round() * max / levels);
    }
}

/// The MLP in f64 on a normalized input, activations optionally rounded
/// to `bits` before every layer (as the int8 path does).
fn mlp_f64(layers: &[DenseSpec], x: &[f64], bits: Option<u32>) -> Vec<f64> {
    let mut h = x.to_vec();
    for (i, layer) in layers.iter().enumerate() {
        if let Some(b) = bits {
            fake_quant(&mut h, b);
        }
        h = dense_f64(layer, &h);
        if i + 1 < layers.len() {
            h.iter_mut().for_each(|v| *v = silu(*v));
        }
    }
    h
}

fn gaussian_layer(r: &mut GroupRng, inputs: usize, outputs: usize) -> DenseSpec {
    let std = (2.0 / inputs as f32).sqrt();
    DenseSpec {
        inputs,
        outputs,
        weight: (0..inputs * outputs)
            .map(|_| std * standard_normal(r))
            .collect(),
        bias: (0..outputs).map(|_| 0.1 * standard_normal(r)).collect(),
    }
}

/// The normal equations of the readout: `HᵀH` (lower triangle) and `HᵀY`,
/// with a bias column appended to H.
struct Gram {
    f: usize,
    o: usize,
    a: Vec<f64>,
    b: Vec<f64>,
}

fn gram(features: &[Vec<f64>], targets: &[Vec<f64>]) -> Gram {
    let f = features[0].len() + 1;
    let o = targets[0].len();
    let mut a = vec![0.0f64; f * f];
    let mut b = vec![0.0f64; f * o];
    for (h, y) in features.iter().zip(targets) {
        let h: Vec<f64> = h.iter().copied().chain([1.0]).collect();
        for i in 0..f {
            let hi = h[i];
            for (aij, hj) in a[i * f..i * f + i + 1].iter_mut().zip(&h) {
                *aij += hi * hj;
            }
            for (bik, yk) in b[i * o..(i + 1) * o].iter_mut().zip(y) {
                *bik += hi * yk;
            }
        }
    }
    Gram { f, o, a, b }
}

/// Solves the ridge readout `min ‖H W − Y‖² + λ‖W‖²`, with λ relative to
/// the mean diagonal of HᵀH.
fn ridge_readout(g: &Gram, lambda: f64) -> DenseSpec {
    let (f, o, b) = (g.f, g.o, &g.b);
    let mut a = g.a.clone();
    let trace: f64 = (0..f).map(|i| a[i * f + i]).sum();
    for i in 0..f {
        a[i * f + i] += lambda * trace / f as f64;
    }
    // Cholesky, lower triangle in place.
    for j in 0..f {
        let d = (a[j * f + j] - (0..j).map(|k| a[j * f + k].powi(2)).sum::<f64>()).sqrt();
        a[j * f + j] = d;
        for i in j + 1..f {
            let s: f64 = (0..j).map(|k| a[i * f + k] * a[j * f + k]).sum();
            a[i * f + j] = (a[i * f + j] - s) / d;
        }
    }
    let mut weight = vec![0.0f32; o * (f - 1)];
    let mut bias = vec![0.0f32; o];
    for k in 0..o {
        let mut z: Vec<f64> = (0..f).map(|i| b[i * o + k]).collect();
        for i in 0..f {
            z[i] = (z[i] - (0..i).map(|m| a[i * f + m] * z[m]).sum::<f64>()) / a[i * f + i];
        }
        for i in (0..f).rev() {
            z[i] = (z[i] - (i + 1..f).map(|m| a[m * f + i] * z[m]).sum::<f64>()) / a[i * f + i];
        }
        for i in 0..f - 1 {
            weight[k * (f - 1) + i] = z[i] as f32;
        }
        bias[k] = z[f - 1] as f32;
    }
    DenseSpec {
        inputs: f - 1,
        outputs: o,
        weight,
        bias,
    }
}

/// Fits the readout with the ridge strength that does best on `val`
/// (as training would pick its checkpoint), and returns the model.
fn fit(train: &[Sample], val: &[Sample], seed: u64) -> ModelSpec {
    let mut r = rng(seed);
    let normalization = normalization_for(train);
    let first = vec![
        gaussian_layer(&mut r, 6 * JOINTS, HIDDEN),
        gaussian_layer(&mut r, HIDDEN, HIDDEN),
    ];
    let (features, targets): (Vec<Vec<f64>>, Vec<Vec<f64>>) = train
        .iter()
        .map(|s| {
            let mut h = mlp_f64(&first, &normalized(&normalization, &s.x), None);
            h.iter_mut().for_each(|v| *v = silu(*v));
            let c = centroid(&s.x);
            let y = s
                .y
                .iter()
                .enumerate()
                .map(|(i, &v)| (f64::from(v) - c[i % 3]) / f64::from(normalization.position_scale))
                .collect();
            (h, y)
        })
        .unzip();
    let g = gram(&features, &targets);
    let candidates = [1e-5, 1e-4, 1e-3, 1e-2, 1e-1].map(|lambda| {
        let mut layers = first.clone();
        layers.push(ridge_readout(&g, lambda));
        let val_mse = float_mse(&layers, &normalization, val, None);
        (val_mse, lambda, layers)
    });
    let (val_mse, lambda, layers) = candidates
        .into_iter()
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .unwrap();
    println!("  readout ridge λ = {lambda:e} (validation MSE {val_mse:.5})");
    ModelSpec {
        task: "mocap-synthetic".into(),
        group: remul_group::Group::So3,
        io: mocap_io(),
        normalization,
        architecture: ArchitectureSpec::Mlp {
            layers,
            activation: Activation::Silu,
        },
    }
}

/// Test MSE of the MLP in f64 (activations rounded to `bits` if given).
fn float_mse(
    layers: &[DenseSpec],
    n: &Normalization,
    samples: &[Sample],
    bits: Option<u32>,
) -> f64 {
    mse(samples.iter().flat_map(|s| {
        let c = centroid(&s.x);
        let y = mlp_f64(layers, &normalized(n, &s.x), bits);
        y.into_iter()
            .enumerate()
            .map(move |(i, v)| v * f64::from(n.position_scale) + c[i % 3])
            .zip(s.y.iter().map(|&v| f64::from(v)))
            .collect::<Vec<_>>()
    }))
}

fn mse(pairs: impl Iterator<Item = (f64, f64)>) -> f64 {
    let (mut sum, mut n) = (0.0, 0.0);
    for (a, b) in pairs {
        sum += (a - b).powi(2);
        n += 1.0;
    }
    sum / n
}

struct Report {
    f32_mse: f64,
    int8_mse: f64,
    /// MSE between the int8 and the f32 outputs.
    int8_vs_f32: f64,
    /// Test MSE with int8 weights and activations rounded to n bits (f64 math).
    by_activation_bits: Vec<(Option<u32>, f64)>,
}

fn evaluate(spec: &ModelSpec, test: &[Sample]) -> Report {
    let outputs = |quant| -> Vec<Vec<f32>> {
        let blob = blob(spec, quant, &[]);
        let model = Model::from_bytes(&blob).unwrap();
        let mut scratch = vec![0.0; model.scratch_len()];
        test.iter()
            .map(|s| {
                let mut y = vec![0.0; model.output_len()];
                model.predict(&s.x, &mut y, &mut scratch).unwrap();
                y
            })
            .collect()
    };
    let (f32_out, int8_out) = (outputs(Quant::F32), outputs(Quant::Int8));
    let truth = |i: usize| test[i].y.iter().map(|&v| f64::from(v));
    let f32_mse =
        mse((0..test.len()).flat_map(|i| f32_out[i].iter().map(|&v| f64::from(v)).zip(truth(i))));
    let int8_mse =
        mse((0..test.len()).flat_map(|i| int8_out[i].iter().map(|&v| f64::from(v)).zip(truth(i))));
    let int8_vs_f32 = mse(f32_out
        .iter()
        .zip(&int8_out)
        .flat_map(|(a, b)| a.iter().zip(b).map(|(&x, &y)| (f64::from(x), f64::from(y)))));

    let ArchitectureSpec::Mlp { layers, .. } = &dequantized(spec).architecture else {
        unreachable!()
    };
    let by_activation_bits = [None, Some(16), Some(12), Some(10), Some(8)]
        .into_iter()
        .map(|bits| (bits, float_mse(layers, &spec.normalization, test, bits)))
        .collect();
    Report {
        f32_mse,
        int8_mse,
        int8_vs_f32,
        by_activation_bits,
    }
}

fn print(name: &str, r: &Report) {
    println!("{name}:");
    println!(
        "  test MSE f32 {:.5}, int8 {:.5}: int8 / f32 = {:.4} ({:+.2} %)",
        r.f32_mse,
        r.int8_mse,
        r.int8_mse / r.f32_mse,
        100.0 * (r.int8_mse / r.f32_mse - 1.0)
    );
    println!(
        "  MSE(int8 − f32 outputs) {:.2e} = {:.3} % of the f32 MSE",
        r.int8_vs_f32,
        100.0 * r.int8_vs_f32 / r.f32_mse
    );
    for (bits, e) in &r.by_activation_bits {
        let label = bits.map_or("f32 activations".to_string(), |b| {
            format!("{b}-bit activations")
        });
        println!(
            "  int8 weights, {label:<17}: MSE {e:.5} ({:+.2} %)",
            100.0 * (e / r.f32_mse - 1.0)
        );
    }
}

fn check(name: &str, r: &Report) {
    print(name, r);
    assert!(r.f32_mse.is_finite() && r.f32_mse > 0.0);
    assert!(
        r.int8_mse <= 1.01 * r.f32_mse,
        "{name}: int8 MSE {} is more than 1 % above f32 {}",
        r.int8_mse,
        r.f32_mse
    );
}

/// Train (augmented with 7 random rotations about the vertical), validation
/// and test samples from the trials with those ids.
fn split(trials: &[Trial], val_ids: &[usize], test_ids: &[usize], seed: u64) -> [Vec<Sample>; 3] {
    let mut r = rng(seed);
    let rotations: Vec<f64> = std::iter::once(0.0)
        .chain((0..7).map(|_| f64::from(uniform(&mut r)) * TAU))
        .collect();
    let pick = |keep: &dyn Fn(usize) -> bool| -> Vec<Trial> {
        trials
            .iter()
            .enumerate()
            .filter(|(i, _)| keep(*i))
            .map(|(_, t)| t.clone())
            .collect()
    };
    let train = pick(&|i| !val_ids.contains(&i) && !test_ids.contains(&i));
    [
        samples_of(&train, &rotations),
        samples_of(&pick(&|i| val_ids.contains(&i)), &[0.0]),
        samples_of(&pick(&|i| test_ids.contains(&i)), &[0.0]),
    ]
}

#[test]
fn int8_within_one_percent_on_synthetic_running() {
    let trials = synthetic_running(&mut rng(51));
    let [train, val, test] = split(&trials, &[0, 1, 2, 3, 4, 5], &[6, 7, 8, 9, 10, 11], 52);
    let spec = fit(&train, &val, 53);
    check(
        &format!(
            "synthetic running ({} train, {} test samples)",
            train.len(),
            test.len()
        ),
        &evaluate(&spec, &test),
    );
}

#[test]
fn int8_within_one_percent_on_cmu_running() {
    let trials = cmu_running();
    // The benchmark's running split: val trials 0, 4, 9, test trials 3, 7, 8.
    let [train, val, test] = split(&trials, &[0, 4, 9], &[3, 7, 8], 54);
    let spec = fit(&train, &val, 55);
    check(
        &format!(
            "CMU running ({} train, {} test samples)",
            train.len(),
            test.len()
        ),
        &evaluate(&spec, &test),
    );
}

#[test]
fn transformer_int8_tracks_f32() {
    // Random weights, no fit: how far int8 moves the output, relative to
    // the output's own spread around the centroid.
    let mut r = rng(56);
    let spec = small_transformer(&mut r);
    let (f32_blob, int8_blob) = (blob(&spec, Quant::F32, &[]), blob(&spec, Quant::Int8, &[]));
    let (mut diff, mut spread) = (0.0f64, 0.0f64);
    for x in inputs(&mut r, &spec.io.input, 20) {
        let (a, b) = (run(&f32_blob, &x), run(&int8_blob, &x));
        let c = centroid(&x);
        for (i, (p, q)) in a.iter().zip(&b).enumerate() {
            diff += f64::from(p - q).powi(2);
            spread += (f64::from(*p) - c[i % 3]).powi(2);
        }
    }
    let relative = (diff / spread).sqrt();
    println!(
        "Transformer d=64 (random weights): RMS(int8 − f32) / RMS(f32 − centroid) = {relative:.2e}"
    );
    assert!(relative < 1e-2);
}
