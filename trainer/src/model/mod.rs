//! The two unconstrained dynamics models REMUL trains, an MLP over the flat
//! input and a Transformer over entities as tokens, and the exactly
//! equivariant baseline they are compared with, EGNN.
//!
//! All see normalized inputs and produce normalized outputs (see
//! [`crate::normalize`]); all end in one dense "head", whose weights are the
//! `W` of GradNorm (paper, Algorithm 1).

mod activation;
pub mod egnn;
pub mod int8;
pub mod kernels;
mod mlp;
mod shape;
pub mod transformer;

pub use activation::Activation;
pub use egnn::{Egnn, EgnnConfig, Graph};
pub use mlp::{Mlp, MlpConfig};
pub use shape::NetShape;
pub use transformer::{Transformer, TransformerConfig};

use burn::module::Module;
use burn::nn::Linear;
use burn::prelude::*;
use serde::{Deserialize, Serialize};

/// Which model to train.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ModelKind {
    /// MLP over the flattened input.
    Mlp,
    /// Transformer over entities as tokens.
    Transformer,
    /// E(n)-equivariant graph network over entities as nodes (a baseline:
    /// the runtime does not run it).
    Egnn,
}

/// Which model, with its sizes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum NetConfig {
    /// See [`MlpConfig`].
    Mlp(MlpConfig),
    /// See [`TransformerConfig`].
    Transformer(TransformerConfig),
    /// See [`EgnnConfig`].
    Egnn(EgnnConfig),
}

impl NetConfig {
    /// Builds a freshly initialised model for `entities` entities with
    /// `input_len`/`output_len` numbers in and out.
    pub fn init<B: Backend>(&self, shape: NetShape, device: &B::Device) -> Net<B> {
        match self {
            Self::Mlp(c) => Net::Mlp(c.init(shape, device)),
            Self::Transformer(c) => Net::Transformer(c.init(shape, device)),
            Self::Egnn(c) => Net::Egnn(c.init(shape, device)),
        }
    }

    /// Short name for logs, reports and default run folders (an EGNN on
    /// the bones says so, so that `trainer report` keeps the graphs apart).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Mlp(_) => "mlp",
            Self::Transformer(_) => "transformer",
            Self::Egnn(c) if c.graph == egnn::Graph::Bones => "egnn-bones",
            Self::Egnn(_) => "egnn",
        }
    }
}

/// A model of either kind.
// Boxing a variant would hide it from burn's Module derive; there are only
// ever a handful of these values.
#[allow(clippy::large_enum_variant)]
#[derive(Module, Debug)]
pub enum Net<B: Backend> {
    /// An MLP.
    Mlp(Mlp<B>),
    /// A Transformer.
    Transformer(Transformer<B>),
    /// An EGNN.
    Egnn(Egnn<B>),
}

impl<B: Backend> Net<B> {
    /// The features before the head: `[batch, tokens, width]` (the MLP has
    /// one token; EGNN's carry its nodes' vectors too).
    pub fn features(&self, x: Tensor<B, 2>) -> Tensor<B, 3> {
        match self {
            Self::Mlp(m) => m.features(x),
            Self::Transformer(t) => t.features(x),
            Self::Egnn(e) => e.features(x),
        }
    }

    /// The last dense layer, whose weights GradNorm balances.
    pub fn head(&self) -> &Linear<B> {
        match self {
            Self::Mlp(m) => &m.head,
            Self::Transformer(t) => &t.head,
            Self::Egnn(e) => &e.head,
        }
    }

    /// The head applied to features, flattened to `[batch, output_len]`.
    pub fn project(&self, features: Tensor<B, 3>) -> Tensor<B, 2> {
        let [batch, tokens, _] = features.dims();
        let qat = match self {
            Self::Mlp(m) => m.qat,
            Self::Transformer(t) => t.qat,
            Self::Egnn(e) => return e.project(features),
        };
        let y = int8::dense(self.head(), features, qat);
        let width = y.dims()[2];
        y.reshape([batch, tokens * width])
    }

    /// The same model with every parameter in f64, for a reference
    /// forward pass without f32 rounding (the input is cast to match, see
    /// [`crate::evaluate::Predictor`]).
    pub fn to_f64(self) -> Self {
        struct ToF64;
        impl<B: Backend> burn::module::ModuleMapper<B> for ToF64 {
            fn map_float<const D: usize>(
                &mut self,
                param: burn::module::Param<Tensor<B, D>>,
            ) -> burn::module::Param<Tensor<B, D>> {
                param.map(|t| t.cast(burn::tensor::DType::F64))
            }
        }
        self.map(&mut ToF64)
    }

    /// The whole model: `[batch, input_len]` to `[batch, output_len]`.
    pub fn forward(&self, x: Tensor<B, 2>) -> Tensor<B, 2> {
        self.project(self.features(x))
    }
}

#[cfg(test)]
mod tests {
    use burn::backend::NdArray;
    use burn::module::{ModuleVisitor, Param};
    use burn::tensor::{DType, TensorData};

    use super::*;

    type B = NdArray<f32>;

    /// Every float parameter's dtype.
    struct Dtypes(Vec<DType>);

    impl ModuleVisitor<B> for Dtypes {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
            self.0.push(param.val().dtype());
        }
    }

    #[test]
    fn to_f64_casts_every_parameter_and_the_forward_pass() {
        let device = Default::default();
        let io = remul_group::IoLayout {
            input: remul_group::Layout::new(
                2,
                &[remul_group::Channel::Position, remul_group::Channel::Vector],
            )
            .unwrap(),
            output: remul_group::Layout::new(2, &[remul_group::Channel::Position]).unwrap(),
        };
        let shape = NetShape::of(&io);
        let configs = [
            NetConfig::Mlp(MlpConfig {
                hidden: 8,
                qat: true,
                ..MlpConfig::default()
            }),
            NetConfig::Transformer(TransformerConfig {
                blocks: 1,
                d_model: 8,
                heads: 2,
                d_ff: 8,
                entity_embedding: true,
                qat: true,
            }),
            NetConfig::Egnn(EgnnConfig {
                layers: 2,
                hidden: 8,
                graph: Graph::All,
                entity_embedding: true,
            }),
        ];
        for config in configs {
            let net: Net<B> = config.init(shape.clone(), &device);
            let net = net.to_f64();
            let mut dtypes = Dtypes(Vec::new());
            net.visit(&mut dtypes);
            assert!(dtypes.0.len() > 4, "{config:?}");
            assert!(
                dtypes.0.iter().all(|&d| d == DType::F64),
                "{config:?}: {:?}",
                dtypes.0
            );
            let x = Tensor::<B, 2>::from_data(TensorData::new(vec![0.5f32; 24], [2, 12]), &device)
                .cast(DType::F64);
            let y = net.forward(x);
            assert_eq!(y.dtype(), DType::F64, "{config:?}");
            assert_eq!(y.dims(), [2, 6]);
        }
    }
}
