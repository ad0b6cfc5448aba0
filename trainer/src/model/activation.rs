//! The MLP's activations.

use burn::prelude::*;
use serde::{Deserialize, Serialize};

/// The activation between an MLP's layers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    /// x·sigmoid(x), as the reference MLP.
    Silu,
    /// max(0, x).
    Relu,
    /// The exact (erf) GELU.
    Gelu,
}

impl Activation {
    /// Applies the activation.
    pub fn forward<B: Backend, const D: usize>(self, x: Tensor<B, D>) -> Tensor<B, D> {
        use burn::tensor::activation;
        match self {
            Self::Silu => activation::silu(x),
            Self::Relu => activation::relu(x),
            Self::Gelu => super::kernels::gelu(x),
        }
    }
}
