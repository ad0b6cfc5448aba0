//! Golden vectors: an exported blob carries inputs with the outputs this
//! runtime computed when it wrote the blob, and they reproduce bit for bit
//! (int8 and f32; freshly exported and checked-in blobs).

mod common;

use common::*;
use remul_runtime::format::Payload;
use remul_runtime::{Activation, Error, Model, Quant};

fn check(blob: &[u8]) -> Result<(), Error> {
    let model = Model::from_bytes(blob)?;
    let mut scratch = vec![0.0; model.golden_scratch_len()];
    model.check_golden(&mut scratch)
}

#[test]
fn exported_golden_vectors_reproduce_bit_for_bit() {
    let mut r = rng(21);
    let specs = [
        mlp(&mut r, mocap_io(), &[680, 680], Activation::Silu),
        small_transformer(&mut r),
    ];
    for spec in &specs {
        let golden = inputs(&mut r, &spec.io.input, 5);
        for quant in [Quant::Int8, Quant::F32] {
            let blob = blob(spec, quant, &golden);
            let model = Model::from_bytes(&blob).unwrap();
            assert_eq!(model.golden_count(), 5);
            check(&blob).unwrap();
            // The same bits again through the public iterator and predict.
            let mut scratch = vec![0.0; model.scratch_len()];
            for ((input, expected), x) in model.golden().zip(&golden) {
                let stored: Vec<f32> = input.iter().collect();
                assert_eq!(&stored, x);
                let mut y = vec![0.0; model.output_len()];
                model.predict(x, &mut y, &mut scratch).unwrap();
                let want: Vec<u32> = expected.iter().map(f32::to_bits).collect();
                let got: Vec<u32> = y.iter().map(|v| v.to_bits()).collect();
                assert_eq!(got, want);
            }
        }
    }
}

#[test]
fn a_changed_golden_output_is_caught() {
    let mut r = rng(22);
    let spec = mlp(&mut r, mixed_io(3), &[16], Activation::Gelu);
    let golden = inputs(&mut r, &spec.io.input, 3);
    let blob = blob(&spec, Quant::Int8, &golden);
    let model = Model::from_bytes(&blob).unwrap();
    let mut outputs = model.payload().golden.outputs.to_vec();
    // Flip the lowest mantissa bit of vector 2, value 4.
    let at = (2 * model.output_len() + 4) * 4;
    outputs[at] ^= 1;
    let mut payload: Payload = model.payload().clone();
    payload.golden.outputs = &outputs;
    let tampered = remul_export::seal(&payload).unwrap();
    assert_eq!(
        check(&tampered),
        Err(Error::GoldenMismatch {
            vector: 2,
            index: 4
        })
    );
}

#[test]
fn checked_in_blobs_reproduce() {
    // Written by `cargo run --release -p remul-runtime
    // --example write_blobs -- tests/data`; a kernel change that moves any
    // output bit fails here.
    for name in ["mlp-int8", "transformer-int8", "mlp-f32", "transformer-f32"] {
        let path = format!("{}/tests/data/{name}.bin", env!("CARGO_MANIFEST_DIR"));
        let blob = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        check(&blob).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn check_golden_needs_enough_scratch() {
    let blob = &sample_blobs()[0].1;
    let model = Model::from_bytes(blob).unwrap();
    let mut scratch = vec![0.0; model.golden_scratch_len() - 1];
    assert!(matches!(
        model.check_golden(&mut scratch),
        Err(Error::ScratchTooSmall { .. })
    ));
}
