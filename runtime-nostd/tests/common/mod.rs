//! Random models and inputs shared by the integration tests.
#![allow(dead_code)]

use remul_group::random::{GroupRng, rng_from_seed, standard_normal, uniform_in};
use remul_group::{Channel, Group, IoLayout, Layout};
use remul_runtime::export::{ArchitectureSpec, BlockSpec, DenseSpec, ModelSpec, NormSpec};
use remul_runtime::{Activation, ExportMetrics, Normalization, Quant, export};

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

pub fn mocap_normalization() -> Normalization {
    Normalization {
        center: true,
        position_scale: 12.0,
        vector_scale: 0.8,
        scalar_scale: 2.5,
    }
}

/// Weights like a PyTorch/burn default init, U(−1/√fan_in, 1/√fan_in),
/// times `gain`.
pub fn dense(rng: &mut GroupRng, inputs: usize, outputs: usize, gain: f32) -> DenseSpec {
    let bound = gain / (inputs as f32).sqrt();
    DenseSpec {
        inputs,
        outputs,
        weight: (0..inputs * outputs)
            .map(|_| uniform_in(rng, -bound, bound))
            .collect(),
        bias: (0..outputs)
            .map(|_| uniform_in(rng, -bound, bound))
            .collect(),
    }
}

pub fn norm(rng: &mut GroupRng, d: usize) -> NormSpec {
    NormSpec {
        gamma: (0..d).map(|_| 1.0 + 0.2 * standard_normal(rng)).collect(),
        beta: (0..d).map(|_| 0.1 * standard_normal(rng)).collect(),
        eps: 1e-5,
    }
}

pub fn mlp(
    rng: &mut GroupRng,
    io: IoLayout,
    hidden: &[usize],
    activation: Activation,
) -> ModelSpec {
    let mut widths = vec![io.input.len()];
    widths.extend_from_slice(hidden);
    widths.push(io.output.len());
    let layers = widths
        .windows(2)
        .map(|w| dense(rng, w[0], w[1], 1.5))
        .collect();
    ModelSpec {
        task: "test-mlp".into(),
        group: Group::So3,
        io,
        normalization: mocap_normalization(),
        architecture: ArchitectureSpec::Mlp { layers, activation },
    }
}

pub struct TransformerShape {
    pub d_model: usize,
    pub heads: usize,
    pub d_ff: usize,
    pub blocks: usize,
    pub entity_embedding: bool,
}

pub fn transformer(rng: &mut GroupRng, io: IoLayout, s: &TransformerShape) -> ModelSpec {
    let d = s.d_model;
    let tokens = io.input.entities();
    let blocks = (0..s.blocks)
        .map(|_| BlockSpec {
            norm1: norm(rng, d),
            query: dense(rng, d, d, 1.0),
            key: dense(rng, d, d, 1.0),
            value: dense(rng, d, d, 1.0),
            output: dense(rng, d, d, 1.0),
            norm2: norm(rng, d),
            ff1: dense(rng, d, s.d_ff, 1.0),
            ff2: dense(rng, s.d_ff, d, 1.0),
        })
        .collect();
    let architecture = ArchitectureSpec::Transformer {
        d_model: d,
        heads: s.heads,
        d_ff: s.d_ff,
        embed: dense(rng, io.input.entity_width(), d, 1.0),
        entity_embedding: s.entity_embedding.then(|| {
            (0..tokens * d)
                .map(|_| 0.5 * standard_normal(rng))
                .collect()
        }),
        blocks,
        final_norm: norm(rng, d),
        head: dense(rng, d, io.output.entity_width(), 1.0),
    };
    ModelSpec {
        task: "test-transformer".into(),
        group: Group::So3,
        io,
        normalization: mocap_normalization(),
        architecture,
    }
}

/// The benchmark's small Transformer shape on mocap.
pub fn small_transformer(rng: &mut GroupRng) -> ModelSpec {
    transformer(
        rng,
        mocap_io(),
        &TransformerShape {
            d_model: 64,
            heads: 4,
            d_ff: 128,
            blocks: 2,
            entity_embedding: true,
        },
    )
}

/// An input shaped like mocap: positions O(10–60) around a body centre,
/// velocities O(1), scalars O(1).
pub fn input(rng: &mut GroupRng, layout: &Layout) -> Vec<f32> {
    let body = [
        uniform_in(rng, -20.0, 20.0),
        uniform_in(rng, 10.0, 30.0),
        uniform_in(rng, -20.0, 20.0),
    ];
    let mut x = Vec::with_capacity(layout.len());
    for _ in 0..layout.entities() {
        for &c in layout.channels() {
            match c {
                Channel::Position => x.extend(body.iter().map(|b| b + 12.0 * standard_normal(rng))),
                Channel::Vector => x.extend((0..3).map(|_| 0.8 * standard_normal(rng))),
                Channel::Scalar => x.push(uniform_in(rng, 0.5, 3.0)),
            }
        }
    }
    x
}

pub fn inputs(rng: &mut GroupRng, layout: &Layout, n: usize) -> Vec<Vec<f32>> {
    (0..n).map(|_| input(rng, layout)).collect()
}

pub fn blob(spec: &ModelSpec, quant: Quant, golden: &[Vec<f32>]) -> Vec<u8> {
    export::export(spec, quant, golden, ExportMetrics::default()).expect("export")
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
