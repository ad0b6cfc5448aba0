//! The Transformer over entities as tokens: a per-token embedding of the
//! entity's channels (plus a learned per-entity embedding where entities have
//! identities, as mocap's joints), pre-norm encoder blocks, a final layer
//! norm, and a per-token head.

use burn::module::{Module, Param};
use burn::nn::attention::{MultiHeadAttention, MultiHeadAttentionConfig};
use burn::nn::{Initializer, LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::prelude::*;
use serde::{Deserialize, Serialize};

use super::shape::NetShape;
use super::{int8, kernels};

/// The layer-norm epsilon (burn's default, stored in exported blobs).
pub const LAYER_NORM_EPS: f64 = 1e-5;

/// Sizes of a [`Transformer`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TransformerConfig {
    /// Encoder blocks (the paper: 10).
    pub blocks: usize,
    /// Channels per token (the paper: 384).
    pub d_model: usize,
    /// Attention heads (the paper: 8).
    pub heads: usize,
    /// Width of the feed-forward layer.
    pub d_ff: usize,
    /// A learned embedding per entity index (joints have identities; the
    /// bodies of an n-body system do not).
    pub entity_embedding: bool,
    /// Train with int8-rounded dense weights in the forward pass
    /// ([`super::int8`]).
    #[serde(default)]
    pub qat: bool,
}

impl TransformerConfig {
    /// The paper's size (Tables 5 and 6): 10 blocks, 384 channels, 8 heads.
    pub fn paper(entity_embedding: bool) -> Self {
        Self {
            blocks: 10,
            d_model: 384,
            heads: 8,
            d_ff: 4 * 384,
            entity_embedding,
            qat: false,
        }
    }

    /// The CPU default: 4 blocks of 64 channels, 4 heads, feed-forward 128.
    /// About 1/70 of the paper's parameters, so that 2000 mocap epochs fit
    /// in well under an hour on two cores.
    pub fn cpu(entity_embedding: bool) -> Self {
        Self {
            blocks: 4,
            d_model: 64,
            heads: 4,
            d_ff: 128,
            entity_embedding,
            qat: false,
        }
    }

    /// A freshly initialised Transformer.
    pub fn init<B: Backend>(&self, shape: NetShape, device: &B::Device) -> Transformer<B> {
        let tokens = shape.entities.max(1);
        let (w_in, w_out) = (shape.input_len / tokens, shape.output_len / tokens);
        let d = self.d_model;
        let entity_embedding = self.entity_embedding.then(|| {
            Initializer::Normal {
                mean: 0.0,
                std: 0.02,
            }
            .init([tokens, d], device)
        });
        let blocks = (0..self.blocks)
            .map(|_| Block {
                norm1: LayerNormConfig::new(d)
                    .with_epsilon(LAYER_NORM_EPS)
                    .init(device),
                attention: MultiHeadAttentionConfig::new(d, self.heads)
                    .with_dropout(0.0)
                    .init(device),
                norm2: LayerNormConfig::new(d)
                    .with_epsilon(LAYER_NORM_EPS)
                    .init(device),
                ff1: LinearConfig::new(d, self.d_ff).init(device),
                ff2: LinearConfig::new(self.d_ff, d).init(device),
                qat: self.qat,
            })
            .collect();
        Transformer {
            embed: LinearConfig::new(w_in, d).init(device),
            entity_embedding,
            blocks,
            final_norm: LayerNormConfig::new(d)
                .with_epsilon(LAYER_NORM_EPS)
                .init(device),
            head: LinearConfig::new(d, w_out).init(device),
            tokens,
            heads: self.heads,
            qat: self.qat,
        }
    }
}

/// One pre-norm encoder block: `h + MHA(LN1(h))`, then `h + FF(LN2(h))`.
#[derive(Module, Debug)]
pub struct Block<B: Backend> {
    /// Norm before attention.
    pub norm1: LayerNorm<B>,
    /// Self-attention over the tokens.
    pub attention: MultiHeadAttention<B>,
    /// Norm before the feed-forward layers.
    pub norm2: LayerNorm<B>,
    /// Feed-forward, first layer (GELU after it).
    pub ff1: Linear<B>,
    /// Feed-forward, second layer.
    pub ff2: Linear<B>,
    /// Whether the dense layers see int8-rounded weights ([`super::int8`]).
    #[module(skip)]
    pub qat: bool,
}

impl<B: Backend> Block<B> {
    fn forward(&self, h: Tensor<B, 3>) -> Tensor<B, 3> {
        let a = kernels::layer_norm(&self.norm1, h.clone(), LAYER_NORM_EPS);
        let h = h + int8::self_attention(&self.attention, a, self.qat);
        let n = kernels::layer_norm(&self.norm2, h.clone(), LAYER_NORM_EPS);
        let hidden = int8::dense(&self.ff1, n, self.qat);
        let f = int8::dense(&self.ff2, kernels::gelu(hidden), self.qat);
        h + f
    }
}

/// Entities as tokens through pre-norm encoder blocks.
#[derive(Module, Debug)]
pub struct Transformer<B: Backend> {
    /// Per-token embedding of the entity's channels.
    pub embed: Linear<B>,
    /// Learned per-entity embedding, `[tokens, d_model]`.
    pub entity_embedding: Option<Param<Tensor<B, 2>>>,
    /// The encoder blocks.
    pub blocks: Vec<Block<B>>,
    /// Norm after the last block.
    pub final_norm: LayerNorm<B>,
    /// Per-token output layer.
    pub head: Linear<B>,
    /// Tokens per sample.
    #[module(skip)]
    pub tokens: usize,
    /// Attention heads.
    #[module(skip)]
    pub heads: usize,
    /// Whether the dense layers see int8-rounded weights ([`super::int8`]).
    #[module(skip)]
    pub qat: bool,
}

impl<B: Backend> Transformer<B> {
    /// Token features after the final norm, `[batch, tokens, d_model]`.
    pub fn features(&self, x: Tensor<B, 2>) -> Tensor<B, 3> {
        let [batch, len] = x.dims();
        let x = x.reshape([batch, self.tokens, len / self.tokens]);
        let mut h = int8::dense(&self.embed, x, self.qat);
        if let Some(e) = &self.entity_embedding {
            h = h + e.val().unsqueeze_dim(0);
        }
        let h = self.blocks.iter().fold(h, |h, block| block.forward(h));
        kernels::layer_norm(&self.final_norm, h, LAYER_NORM_EPS)
    }
}
