//! What one prediction costs: the parameter count and the
//! multiply-accumulates, from the architecture alone. Worked out when asked
//! rather than at validation, so that a device that only runs the model
//! carries none of this code.

use crate::format::{Architecture, Payload};

/// Parameters and multiply-accumulates of a validated payload.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Cost {
    /// Weights, biases, layer-norm parameters and entity embeddings.
    pub parameters: usize,
    /// Multiply-accumulates per prediction: dense layers and attention.
    pub macs: usize,
}

impl Cost {
    /// A dense layer run `times` times (once per token).
    fn dense(&mut self, inputs: usize, outputs: usize, times: usize) {
        let weights = inputs.saturating_mul(outputs);
        self.parameters = self
            .parameters
            .saturating_add(weights.saturating_add(outputs));
        self.macs = self.macs.saturating_add(weights.saturating_mul(times));
    }

    /// Parameters that are not a dense layer's (norms, embeddings).
    fn parameters(&mut self, count: usize) {
        self.parameters = self.parameters.saturating_add(count);
    }
}

/// The cost of `p`'s network. Saturates instead of overflowing.
pub(crate) fn cost(p: &Payload<'_>) -> Cost {
    let mut cost = Cost::default();
    match p.architecture {
        Architecture::Mlp { ref widths, .. } => {
            for pair in widths.windows(2) {
                if let [inputs, outputs] = *pair {
                    cost.dense(inputs as usize, outputs as usize, 1);
                }
            }
        }
        Architecture::Transformer {
            d_model,
            d_ff,
            blocks,
            entity_embedding,
            ..
        } => {
            let t = p.io.input.entities();
            let (d, d_ff) = (d_model as usize, d_ff as usize);
            let (w_in, w_out) = (p.io.input.entity_width(), p.io.output.entity_width());
            let norm = d.saturating_mul(2); // gamma and beta
            cost.dense(w_in, d, t);
            if entity_embedding {
                cost.parameters(t.saturating_mul(d));
            }
            for _ in 0..blocks {
                cost.parameters(norm.saturating_mul(2));
                for _ in 0..4 {
                    cost.dense(d, d, t); // Q, K, V, O
                }
                cost.dense(d, d_ff, t);
                cost.dense(d_ff, d, t);
                // Scores and context: T² · d each.
                let attention = t.saturating_mul(t).saturating_mul(d).saturating_mul(2);
                cost.macs = cost.macs.saturating_add(attention);
            }
            cost.parameters(norm);
            cost.dense(d, w_out, t);
        }
    }
    cost
}
