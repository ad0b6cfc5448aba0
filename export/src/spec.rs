//! The owned f32 description of a trained model, and its shape checks.

use remul_group::{Group, IoLayout};
use remul_runtime::format::{MAX_BLOCKS, MAX_MLP_LAYERS, MAX_WIDTH};
use remul_runtime::{Activation, Architecture, Normalization};

use crate::Error;

/// A dense layer `y = W x + b`.
#[derive(Clone, Debug, PartialEq)]
pub struct DenseSpec {
    /// Input width.
    pub inputs: usize,
    /// Output width.
    pub outputs: usize,
    /// `[outputs][inputs]`, row-major.
    pub weight: Vec<f32>,
    /// `[outputs]`.
    pub bias: Vec<f32>,
}

/// A layer norm.
#[derive(Clone, Debug, PartialEq)]
pub struct NormSpec {
    /// Scale, one per channel.
    pub gamma: Vec<f32>,
    /// Shift, one per channel.
    pub beta: Vec<f32>,
    /// Added to the variance (the trainer uses 1e-5).
    pub eps: f32,
}

/// One pre-norm Transformer block.
#[derive(Clone, Debug, PartialEq)]
pub struct BlockSpec {
    /// Norm before attention.
    pub norm1: NormSpec,
    /// Query projection, d → d.
    pub query: DenseSpec,
    /// Key projection, d → d.
    pub key: DenseSpec,
    /// Value projection, d → d.
    pub value: DenseSpec,
    /// Output projection, d → d.
    pub output: DenseSpec,
    /// Norm before the feed-forward part.
    pub norm2: NormSpec,
    /// Feed-forward in, d → d_ff (GELU after it).
    pub ff1: DenseSpec,
    /// Feed-forward out, d_ff → d.
    pub ff2: DenseSpec,
}

/// The network.
// Built once per export; boxing the Transformer's parts would only make the
// trainer's code noisier.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum ArchitectureSpec {
    /// Dense layers with `activation` between them (not after the last).
    Mlp {
        /// The layers in order; widths chain.
        layers: Vec<DenseSpec>,
        /// The nonlinearity between layers.
        activation: Activation,
    },
    /// A pre-norm Transformer over the entities as tokens, GELU in the
    /// feed-forward part.
    Transformer {
        /// Token width.
        d_model: usize,
        /// Attention heads.
        heads: usize,
        /// Feed-forward hidden width.
        d_ff: usize,
        /// Entity features → token, w_in → d.
        embed: DenseSpec,
        /// Optional learned `[entities][d_model]` embedding added to the tokens.
        entity_embedding: Option<Vec<f32>>,
        /// The blocks in order.
        blocks: Vec<BlockSpec>,
        /// Norm after the last block.
        final_norm: NormSpec,
        /// Token → entity output, d → w_out.
        head: DenseSpec,
    },
}

/// A trained model as the trainer hands it over: f32, owned.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelSpec {
    /// Task name (`mocap`, `nbody`, …).
    pub task: String,
    /// The group the model learned.
    pub group: Group,
    /// Input and output layouts.
    pub io: IoLayout,
    /// Centring and scaling around the network.
    pub normalization: Normalization,
    /// The network.
    pub architecture: ArchitectureSpec,
}

impl DenseSpec {
    pub(crate) fn check(&self, inputs: usize, outputs: usize) -> Result<(), Error> {
        if self.inputs != inputs || self.outputs != outputs {
            return Err(Error::invalid("dense layer widths do not chain"));
        }
        if !(1..=MAX_WIDTH).contains(&inputs) || !(1..=MAX_WIDTH).contains(&outputs) {
            return Err(Error::invalid("layer width is zero or above MAX_WIDTH"));
        }
        if self.weight.len() != inputs * outputs || self.bias.len() != outputs {
            return Err(Error::invalid(
                "dense weight or bias length does not match its widths",
            ));
        }
        if !self.weight.iter().chain(&self.bias).all(|v| v.is_finite()) {
            return Err(Error::invalid("dense weight or bias is not finite"));
        }
        Ok(())
    }
}

impl NormSpec {
    pub(crate) fn check(&self, width: usize) -> Result<(), Error> {
        if self.gamma.len() != width || self.beta.len() != width {
            return Err(Error::invalid("layer norm length does not match d_model"));
        }
        if !self.gamma.iter().chain(&self.beta).all(|v| v.is_finite()) {
            return Err(Error::invalid("layer norm parameter is not finite"));
        }
        if !(self.eps.is_finite() && self.eps > 0.0) {
            return Err(Error::invalid("layer norm eps must be finite and positive"));
        }
        Ok(())
    }
}

impl ModelSpec {
    /// Checks every shape and value and returns the architecture as the
    /// blob describes it.
    pub(crate) fn checked_architecture(&self) -> Result<Architecture, Error> {
        let narrow = |v: usize| u32::try_from(v).map_err(|_| Error::invalid("dimension above u32"));
        match &self.architecture {
            ArchitectureSpec::Mlp { layers, activation } => {
                if layers.is_empty() || layers.len() > MAX_MLP_LAYERS {
                    return Err(Error::invalid("an MLP needs 1 to MAX_MLP_LAYERS layers"));
                }
                let mut widths = heapless::Vec::new();
                // The canonical rotation's entries follow the input.
                let mut inputs = self.io.input.len() + self.normalization.orientation_len();
                widths
                    .push(narrow(inputs)?)
                    .map_err(|_| Error::invalid("too many layers"))?;
                for (i, layer) in layers.iter().enumerate() {
                    let outputs = if i + 1 == layers.len() {
                        self.io.output.len()
                    } else {
                        layer.outputs
                    };
                    layer.check(inputs, outputs)?;
                    widths
                        .push(narrow(outputs)?)
                        .map_err(|_| Error::invalid("too many layers"))?;
                    inputs = outputs;
                }
                Ok(Architecture::Mlp {
                    activation: *activation,
                    widths,
                })
            }
            ArchitectureSpec::Transformer {
                d_model,
                heads,
                d_ff,
                embed,
                entity_embedding,
                blocks,
                final_norm,
                head,
            } => {
                let (d, d_ff) = (*d_model, *d_ff);
                let tokens = self.io.input.entities();
                if self.normalization.orientation_len() > 0 {
                    return Err(Error::invalid("only an MLP reads orientation_input"));
                }
                if self.io.output.entities() != tokens {
                    return Err(Error::invalid(
                        "Transformer input and output entity counts differ",
                    ));
                }
                if *heads == 0 || d % heads != 0 {
                    return Err(Error::invalid(
                        "d_model is not a multiple of the head count",
                    ));
                }
                if blocks.len() > MAX_BLOCKS {
                    return Err(Error::invalid("more than MAX_BLOCKS blocks"));
                }
                embed.check(self.io.input.entity_width(), d)?;
                if let Some(table) = entity_embedding
                    && (table.len() != tokens * d || !table.iter().all(|v| v.is_finite()))
                {
                    return Err(Error::invalid(
                        "entity embedding is not [entities][d_model] finite values",
                    ));
                }
                for b in blocks {
                    b.norm1.check(d)?;
                    for layer in [&b.query, &b.key, &b.value, &b.output] {
                        layer.check(d, d)?;
                    }
                    b.norm2.check(d)?;
                    b.ff1.check(d, d_ff)?;
                    b.ff2.check(d_ff, d)?;
                }
                final_norm.check(d)?;
                head.check(d, self.io.output.entity_width())?;
                Ok(Architecture::Transformer {
                    d_model: narrow(d)?,
                    heads: narrow(*heads)?,
                    d_ff: narrow(d_ff)?,
                    blocks: narrow(blocks.len())?,
                    activation: Activation::Gelu,
                    entity_embedding: entity_embedding.is_some(),
                })
            }
        }
    }
}
