//! Random models and inputs shared by the integration tests.
// Each test binary uses a part of this module.
#![allow(dead_code, unused_imports)]

pub use remul_export::random::{TransformerShape, input, inputs, mlp, transformer};
use remul_export::{ArchitectureSpec, DenseSpec, ModelSpec};
use remul_group::random::{GroupRng, rng_from_seed};
use remul_group::{Channel, Group, IoLayout, Layout};
use remul_runtime::{Activation, ExportMetrics, Normalization, Quant};

pub fn rng(seed: u64) -> GroupRng {
    rng_from_seed(seed)
}

/// Mocap: 31 joints × (position, velocity) in, 31 × position out.
pub fn mocap_io() -> IoLayout {
    IoLayout {
        input: Layout::new(31, &[Channel::Position, Channel::Vector]).unwrap(),
        output: Layout::new(31, &[Channel::Position]).unwrap(),
    }
}

/// A layout mixing every channel kind.
pub fn mixed_io(entities: usize) -> IoLayout {
    IoLayout {
        input: Layout::new(
            entities,
            &[Channel::Scalar, Channel::Position, Channel::Vector],
        )
        .unwrap(),
        output: Layout::new(
            entities,
            &[Channel::Position, Channel::Vector, Channel::Scalar],
        )
        .unwrap(),
    }
}

/// The benchmark's small Transformer shape on mocap.
pub fn small_transformer(rng: &mut GroupRng) -> ModelSpec {
    transformer(rng, mocap_io(), &TransformerShape::BENCH)
}

pub fn blob(spec: &ModelSpec, quant: Quant, golden: &[Vec<f32>]) -> Vec<u8> {
    remul_export::export(spec, quant, golden, ExportMetrics::default()).expect("export")
}

/// Runs a blob on one input.
pub fn run(blob: &[u8], x: &[f32]) -> Vec<f32> {
    let model = remul_runtime::Model::from_bytes(blob).expect("valid blob");
    let mut y = vec![0.0; model.output_len()];
    let mut scratch = vec![0.0; model.scratch_len()];
    model.predict(x, &mut y, &mut scratch).expect("predict");
    y
}

/// Largest |a − b| relative to the largest |b|.
pub fn relative_max_error(a: &[f32], b: &[f32]) -> f32 {
    let scale = b
        .iter()
        .fold(0.0f32, |m, v| m.max(v.abs()))
        .max(f32::MIN_POSITIVE);
    a.iter()
        .zip(b)
        .fold(0.0f32, |m, (x, y)| m.max((x - y).abs()))
        / scale
}

/// Valid blobs of every kind: (name, bytes).
pub fn sample_blobs() -> Vec<(&'static str, Vec<u8>)> {
    let mut r = rng(11);
    let small_io = mixed_io(3);
    let mlp_spec = mlp(&mut r, small_io.clone(), &[9, 7], Activation::Silu);
    let tf_spec = transformer(
        &mut r,
        small_io.clone(),
        &TransformerShape {
            d_model: 8,
            heads: 2,
            d_ff: 12,
            blocks: 1,
            entity_embedding: true,
        },
    );
    let golden = inputs(&mut r, &small_io.input, 2);
    vec![
        ("mlp-f32", blob(&mlp_spec, Quant::F32, &golden)),
        ("mlp-int8", blob(&mlp_spec, Quant::Int8, &golden)),
        ("transformer-f32", blob(&tf_spec, Quant::F32, &golden)),
        ("transformer-int8", blob(&tf_spec, Quant::Int8, &golden)),
    ]
}

/// A one-layer MLP whose output entity `e` is `p_e + k · v_e` in the
/// caller's frame (a linear map in normalized coordinates).
pub fn position_plus_velocity(entities: usize, k: f32, normalization: Normalization) -> ModelSpec {
    let io = IoLayout {
        input: Layout::new(
            entities,
            &[Channel::Scalar, Channel::Position, Channel::Vector],
        )
        .unwrap(),
        output: Layout::new(entities, &[Channel::Position, Channel::Scalar]).unwrap(),
    };
    let (inputs, outputs) = (io.input.len(), io.output.len());
    let mut weight = vec![0.0f32; inputs * outputs];
    for e in 0..entities {
        for c in 0..3 {
            let row = (e * 4 + c) * inputs;
            weight[row + e * 7 + 1 + c] = 1.0; // p̂
            weight[row + e * 7 + 4 + c] =
                k * normalization.vector_scale / normalization.position_scale; // v̂
        }
        // The scalar passes through: ŝ_out = ŝ_in.
        weight[(e * 4 + 3) * inputs + e * 7] = 1.0;
    }
    ModelSpec {
        task: "identity".into(),
        group: Group::So3,
        io,
        normalization,
        architecture: ArchitectureSpec::Mlp {
            layers: vec![DenseSpec {
                inputs,
                outputs,
                weight,
                bias: vec![0.0; outputs],
            }],
            activation: Activation::Relu,
        },
    }
}

/// The spec with every dense weight replaced by its int8 value times the
/// row scale: the float model an int8 blob runs, up to activation rounding.
pub fn dequantized(spec: &ModelSpec) -> ModelSpec {
    spec.with_int8_weights(None)
}
