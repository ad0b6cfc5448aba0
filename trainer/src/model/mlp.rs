//! The MLP over the flattened input (the paper's mocap MLP: three dense
//! layers, hidden width 680).

use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::prelude::*;
use serde::{Deserialize, Serialize};

use super::activation::Activation;
use super::shape::NetShape;

/// Sizes of an [`Mlp`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MlpConfig {
    /// Dense layers in all, the head included (3: in→h→h→out).
    pub layers: usize,
    /// Width of the hidden layers.
    pub hidden: usize,
    /// Activation after every layer but the last.
    pub activation: Activation,
    /// Train with int8-rounded weights in the forward pass ([`super::int8`]).
    #[serde(default)]
    pub qat: bool,
}

impl Default for MlpConfig {
    fn default() -> Self {
        Self {
            layers: 3,
            hidden: 680,
            activation: Activation::Silu,
            qat: false,
        }
    }
}

impl MlpConfig {
    /// A freshly initialised MLP.
    pub fn init<B: Backend>(&self, shape: NetShape, device: &B::Device) -> Mlp<B> {
        let layers = self.layers.max(1);
        let mut hidden = Vec::with_capacity(layers - 1);
        let mut width = shape.input_len;
        for _ in 1..layers {
            hidden.push(LinearConfig::new(width, self.hidden).init(device));
            width = self.hidden;
        }
        Mlp {
            hidden,
            head: LinearConfig::new(width, shape.output_len).init(device),
            activation: self.activation,
            qat: self.qat,
        }
    }
}

/// Dense layers with an activation between them.
#[derive(Module, Debug)]
pub struct Mlp<B: Backend> {
    /// The layers before the head.
    pub hidden: Vec<Linear<B>>,
    /// The last layer.
    pub head: Linear<B>,
    /// The activation after each hidden layer.
    #[module(skip)]
    pub activation: Activation,
    /// Whether the forward pass rounds the weights to int8 ([`super::int8`]).
    #[module(skip)]
    pub qat: bool,
}

impl<B: Backend> Mlp<B> {
    /// Hidden features, `[batch, 1, width]`.
    pub fn features(&self, x: Tensor<B, 2>) -> Tensor<B, 3> {
        let h = self.hidden.iter().fold(x, |h, layer| {
            self.activation
                .forward(super::int8::dense(layer, h, self.qat))
        });
        h.unsqueeze_dim(1)
    }
}
