//! Centring and scaling round trip: a network that is the identity (or
//! `p + 2v`) in normalized coordinates gives exactly that in the caller's
//! coordinates, for any centroid and scales.

mod common;

use common::*;
use remul_runtime::{Activation, Normalization, Quant};

fn expected(x: &[f32], entities: usize, k: f32) -> Vec<f32> {
    (0..entities)
        .flat_map(|e| {
            let base = e * 7;
            [
                x[base + 1] + k * x[base + 4],
                x[base + 2] + k * x[base + 5],
                x[base + 3] + k * x[base + 6],
                x[base],
            ]
        })
        .collect()
}

#[test]
fn identity_network_round_trips_through_normalization() {
    let mut r = rng(31);
    for (center, k) in [(true, 0.0), (true, 2.0), (false, 0.0), (false, 2.0)] {
        let normalization = Normalization {
            center,
            position_scale: 17.0,
            vector_scale: 0.3,
            scalar_scale: 4.0,
            canonical: None,
            orientation_input: 0.0,
        };
        let spec = position_plus_velocity(6, k, normalization);
        for quant in [Quant::F32, Quant::Int8] {
            let blob = blob(&spec, quant, &[]);
            // int8 weights round 2·s_v/s_p; the float model of the rounded
            // weights is checked against the closed form first.
            let float = dequantized(&spec);
            for x in inputs(&mut r, &spec.io.input, 5) {
                let want = expected(&x, 6, k);
                if quant == Quant::F32 {
                    let reference = spec.forward_f32(&x).unwrap();
                    assert!(relative_max_error(&reference, &want) < 1e-6);
                }
                let want = if quant == Quant::F32 {
                    want
                } else {
                    float.forward_f32(&x).unwrap()
                };
                let err = relative_max_error(&run(&blob, &x), &want);
                // int8: i16 activations give ~1/32767 of the largest value.
                let tolerance = if quant == Quant::F32 { 1e-6 } else { 2e-4 };
                assert!(err < tolerance, "center {center} k {k} {quant:?}: {err:e}");
            }
        }
    }
}

#[test]
fn centring_removes_translations() {
    // With centring, translating every position moves the output positions
    // by the same amount; the network only ever sees centred values.
    let mut r = rng(32);
    let spec = mlp(&mut r, mocap_io(), &[64], Activation::Silu);
    let blob = blob(&spec, Quant::F32, &[]);
    let x = input(&mut r, &spec.io.input);
    let mut moved = x.clone();
    spec.io
        .input
        .translate([30.0, -12.0, 5.0], &mut moved)
        .unwrap();
    let mut y_moved = run(&blob, &x);
    spec.io
        .output
        .translate([30.0, -12.0, 5.0], &mut y_moved)
        .unwrap();
    let err = relative_max_error(&run(&blob, &moved), &y_moved);
    assert!(err < 1e-5, "{err:e}");
}
