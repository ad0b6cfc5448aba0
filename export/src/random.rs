//! Seeded random models and inputs of any layout: what tests, benches and
//! fuzz seeds run when no trained model is at hand. The same generator
//! state gives the same spec, so every blob built from one is reproducible.

use remul_group::random::{GroupRng, standard_normal, uniform_in};
use remul_group::{Channel, Group, IoLayout, Layout};
use remul_runtime::{Activation, Normalization};

use crate::spec::{ArchitectureSpec, BlockSpec, DenseSpec, ModelSpec, NormSpec};

/// The normalization of every random model: centred, with scales of the
/// size mocap's training split gives, so that [`input`]'s values reach the
/// network at O(1).
pub const NORMALIZATION: Normalization = Normalization {
    center: true,
    position_scale: 12.0,
    vector_scale: 0.8,
    scalar_scale: 2.5,
    canonical: None,
    orientation_input: 0.0,
};

/// A dense layer initialized as PyTorch and burn do by default,
/// `U(−1/√inputs, 1/√inputs)` for weights and biases, times `gain`.
pub fn dense(rng: &mut GroupRng, inputs: usize, outputs: usize, gain: f32) -> DenseSpec {
    let bound = gain / (inputs as f32).sqrt();
    let mut draw = |n: usize| (0..n).map(|_| uniform_in(rng, -bound, bound)).collect();
    DenseSpec {
        inputs,
        outputs,
        weight: draw(inputs * outputs),
        bias: draw(outputs),
    }
}

/// A layer norm with scales near 1 and shifts near 0 (not exactly, so
/// that a wrong order of scale and shift shows).
pub fn norm(rng: &mut GroupRng, width: usize) -> NormSpec {
    NormSpec {
        gamma: (0..width)
            .map(|_| 1.0 + 0.2 * standard_normal(rng))
            .collect(),
        beta: (0..width).map(|_| 0.1 * standard_normal(rng)).collect(),
        eps: 1e-5,
    }
}

/// An MLP from `io.input` through the `hidden` widths to `io.output`,
/// with gain 1.5 so that activations stay away from zero.
///
/// ```
/// use remul_export::random;
/// use remul_group::{Channel, IoLayout, Layout, random::rng_from_seed};
/// let io = IoLayout {
///     input: Layout::new(2, &[Channel::Position, Channel::Vector])?,
///     output: Layout::new(2, &[Channel::Position])?,
/// };
/// let spec = random::mlp(&mut rng_from_seed(1), io, &[16], remul_runtime::Activation::Silu);
/// assert_eq!(spec.dense_groups().len(), 2);
/// # Ok::<(), remul_group::Error>(())
/// ```
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
        normalization: NORMALIZATION,
        architecture: ArchitectureSpec::Mlp { layers, activation },
    }
}

/// The shape of a random Transformer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TransformerShape {
    /// Token width.
    pub d_model: usize,
    /// Attention heads (dividing `d_model`).
    pub heads: usize,
    /// Feed-forward hidden width.
    pub d_ff: usize,
    /// Blocks.
    pub blocks: usize,
    /// With a learned per-entity embedding.
    pub entity_embedding: bool,
}

impl TransformerShape {
    /// The runtime's benchmark Transformer: d 64, 4 heads, d_ff 128, 2
    /// blocks, an entity embedding.
    pub const BENCH: Self = Self {
        d_model: 64,
        heads: 4,
        d_ff: 128,
        blocks: 2,
        entity_embedding: true,
    };
}

/// A pre-norm Transformer of `shape` over `io`'s entities as tokens.
pub fn transformer(rng: &mut GroupRng, io: IoLayout, shape: &TransformerShape) -> ModelSpec {
    let d = shape.d_model;
    let tokens = io.input.entities();
    let blocks = (0..shape.blocks)
        .map(|_| BlockSpec {
            norm1: norm(rng, d),
            query: dense(rng, d, d, 1.0),
            key: dense(rng, d, d, 1.0),
            value: dense(rng, d, d, 1.0),
            output: dense(rng, d, d, 1.0),
            norm2: norm(rng, d),
            ff1: dense(rng, d, shape.d_ff, 1.0),
            ff2: dense(rng, shape.d_ff, d, 1.0),
        })
        .collect();
    let architecture = ArchitectureSpec::Transformer {
        d_model: d,
        heads: shape.heads,
        d_ff: shape.d_ff,
        embed: dense(rng, io.input.entity_width(), d, 1.0),
        entity_embedding: shape.entity_embedding.then(|| {
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
        normalization: NORMALIZATION,
        architecture,
    }
}

/// An input of `layout` shaped like mocap: positions O(10–60) around a
/// body centre, velocities O(1), scalars in [0.5, 3].
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

/// `n` inputs from [`input`].
pub fn inputs(rng: &mut GroupRng, layout: &Layout, n: usize) -> Vec<Vec<f32>> {
    (0..n).map(|_| input(rng, layout)).collect()
}
