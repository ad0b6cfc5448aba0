//! Everything `Model::from_bytes` checks, so that `predict` only has to
//! check its own arguments.

use crate::Error;
use crate::format::{
    Architecture, Golden, MAX_BLOCKS, MAX_MLP_LAYERS, MAX_WIDTH, Normalization, Payload,
};
use crate::rolled::keep_rolled;
use crate::scratch;
use crate::tensors::{Dense, F32Le, Norm, TensorReader, Weights};

/// What validation learned about a model.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Plan {
    /// Scratch values `predict` needs.
    pub scratch_len: usize,
    /// Weights, biases, norm parameters and entity embeddings.
    pub parameters: usize,
    /// Multiply-accumulates per `predict`.
    pub macs: usize,
}

const SHORT: Error = Error::invalid("tensor data is shorter than the architecture");

/// Checks a decoded payload and returns its plan.
pub(crate) fn validate(p: &Payload<'_>) -> Result<Plan, Error> {
    p.group.validate()?;
    check_normalization(&p.normalization)?;
    if p.padding.len() > 3 || p.padding.iter().any(|&b| b != 0) {
        return Err(Error::invalid("padding is not 0 to 3 zero bytes"));
    }
    let mut reader = TensorReader::new(p.tensors, p.quant);
    let plan = match &p.architecture {
        Architecture::Mlp { widths, .. } => check_mlp(p, widths, &mut reader)?,
        Architecture::Transformer { .. } => check_transformer(p, &mut reader)?,
    };
    if !reader.is_done() {
        return Err(Error::invalid(
            "tensor data is longer than the architecture",
        ));
    }
    // A slice of f32 may not span more than isize::MAX bytes.
    if plan.scratch_len > isize::MAX as usize / 4 {
        return Err(Error::invalid(
            "model needs more scratch than this target addresses",
        ));
    }
    check_golden(&p.golden, p.io.input.len(), p.io.output.len())?;
    Ok(plan)
}

fn check_normalization(n: &Normalization) -> Result<(), Error> {
    let ok = |s: f32| s.is_finite() && s > 0.0;
    if ok(n.position_scale) && ok(n.vector_scale) && ok(n.scalar_scale) {
        Ok(())
    } else {
        Err(Error::invalid(
            "normalization scales must be finite and positive",
        ))
    }
}

fn check_width(w: usize) -> Result<usize, Error> {
    if (1..=MAX_WIDTH).contains(&w) {
        Ok(w)
    } else {
        Err(Error::invalid("layer width is zero or above MAX_WIDTH"))
    }
}

fn check_mlp(
    p: &Payload<'_>,
    widths: &[u32],
    reader: &mut TensorReader<'_>,
) -> Result<Plan, Error> {
    let layers = widths.len().saturating_sub(1);
    if !(1..=MAX_MLP_LAYERS).contains(&layers) {
        return Err(Error::invalid("an MLP needs 1 to MAX_MLP_LAYERS layers"));
    }
    if widths.first().map(|&w| w as usize) != Some(p.io.input.len())
        || widths.last().map(|&w| w as usize) != Some(p.io.output.len())
    {
        return Err(Error::invalid(
            "MLP widths do not match the input/output layout",
        ));
    }
    let mut plan = Plan {
        scratch_len: scratch::mlp_scratch_len(widths, p.quant),
        ..Plan::default()
    };
    for pair in widths.windows(2) {
        let (inputs, outputs) = match *pair {
            [i, o] => (check_width(i as usize)?, check_width(o as usize)?),
            _ => return Err(SHORT),
        };
        let layer = reader.dense(inputs, outputs).ok_or(SHORT)?;
        plan.parameters = plan.parameters.saturating_add(check_dense(&layer)?);
        plan.macs = plan.macs.saturating_add(inputs.saturating_mul(outputs));
    }
    Ok(plan)
}

fn check_transformer(p: &Payload<'_>, reader: &mut TensorReader<'_>) -> Result<Plan, Error> {
    let Architecture::Transformer {
        d_model,
        heads,
        d_ff,
        blocks,
        entity_embedding,
        ..
    } = p.architecture
    else {
        return Err(Error::invalid("not a Transformer"));
    };
    let tokens = p.io.input.entities();
    if p.io.output.entities() != tokens {
        return Err(Error::invalid(
            "Transformer input and output entity counts differ",
        ));
    }
    let (w_in, w_out) = (p.io.input.entity_width(), p.io.output.entity_width());
    let d = check_width(d_model as usize)?;
    let d_ff = check_width(d_ff as usize)?;
    check_width(w_in)?;
    check_width(w_out)?;
    let heads = heads as usize;
    if heads == 0 || d % heads != 0 {
        return Err(Error::invalid(
            "d_model is not a multiple of the head count",
        ));
    }
    let blocks = blocks as usize;
    if blocks > MAX_BLOCKS {
        return Err(Error::invalid("more than MAX_BLOCKS blocks"));
    }

    let mut parameters = check_dense(&reader.dense(w_in, d).ok_or(SHORT)?)?;
    if entity_embedding {
        let table = reader
            .f32s(tokens.checked_mul(d).ok_or(SHORT)?)
            .ok_or(SHORT)?;
        parameters =
            parameters.saturating_add(check_finite(&table, "entity embedding is not finite")?);
    }
    // A block's tensors, in storage order: LN1, Q, K, V, O, LN2, FF1, FF2.
    let block = [
        Part::Norm,
        Part::Dense(d, d),
        Part::Dense(d, d),
        Part::Dense(d, d),
        Part::Dense(d, d),
        Part::Norm,
        Part::Dense(d, d_ff),
        Part::Dense(d_ff, d),
    ];
    for _ in 0..blocks {
        for part in &block {
            let count = match *part {
                Part::Norm => check_norm(&reader.norm(d).ok_or(SHORT)?)?,
                Part::Dense(inputs, outputs) => {
                    check_dense(&reader.dense(inputs, outputs).ok_or(SHORT)?)?
                }
            };
            parameters = parameters.saturating_add(count);
        }
    }
    parameters = parameters.saturating_add(check_norm(&reader.norm(d).ok_or(SHORT)?)?);
    parameters = parameters.saturating_add(check_dense(&reader.dense(d, w_out).ok_or(SHORT)?)?);

    // Per token: embedding, per block Q K V O and the two feed-forward
    // layers, and the head; per block, scores and context are T² · d.
    let per_block = d
        .saturating_mul(d)
        .saturating_mul(4)
        .saturating_add(d.saturating_mul(d_ff).saturating_mul(2));
    let per_token = w_in
        .saturating_mul(d)
        .saturating_add(per_block.saturating_mul(blocks))
        .saturating_add(d.saturating_mul(w_out));
    let attention = tokens
        .saturating_mul(tokens)
        .saturating_mul(d)
        .saturating_mul(2)
        .saturating_mul(blocks);
    Ok(Plan {
        scratch_len: scratch::transformer_scratch_len(tokens, w_in, d, d_ff, p.quant),
        parameters,
        macs: tokens.saturating_mul(per_token).saturating_add(attention),
    })
}

fn check_finite(values: &F32Le<'_>, what: &'static str) -> Result<usize, Error> {
    if values.all_finite() {
        Ok(values.len())
    } else {
        Err(Error::InvalidModel { what })
    }
}

/// Checks one dense layer's values and returns its parameter count. Out
/// of line: inlined into `check_block` six times and elsewhere, it cost
/// 4.4 KB of flash at opt-level 3.
#[inline(never)]
fn check_dense(layer: &Dense<'_>) -> Result<usize, Error> {
    check_finite(&layer.bias, "bias is not finite")?;
    match &layer.weights {
        Weights::F32(w) => {
            check_finite(w, "f32 weight is not finite")?;
        }
        Weights::Int8 {
            rows,
            stride,
            scales,
        } => {
            if !scales.iter().all(|s| {
                keep_rolled();
                s.is_finite() && s > 0.0
            }) {
                return Err(Error::invalid("int8 row scale is not finite and positive"));
            }
            // Canonical form: padding is zero, so no kernel depends on the
            // activations' padding being zero too.
            let padding_is_zero = rows.chunks_exact((*stride).max(1)).all(|row| {
                row.get(layer.inputs..)
                    .is_some_and(|pad| pad.iter().all(|&b| b == 0))
                    && {
                        keep_rolled();
                        true
                    }
            });
            if !padding_is_zero {
                return Err(Error::invalid("int8 row padding is not zero"));
            }
        }
    }
    Ok(layer
        .inputs
        .saturating_mul(layer.outputs)
        .saturating_add(layer.outputs))
}

fn check_norm(norm: &Norm<'_>) -> Result<usize, Error> {
    if !(norm.eps.is_finite() && norm.eps > 0.0) {
        return Err(Error::invalid("layer norm eps must be finite and positive"));
    }
    let gamma = check_finite(&norm.gamma, "layer norm gamma is not finite")?;
    let beta = check_finite(&norm.beta, "layer norm beta is not finite")?;
    Ok(gamma.saturating_add(beta))
}

/// A tensor group of a Transformer block: a layer norm over `d_model`, or
/// a dense layer (inputs, outputs).
enum Part {
    Norm,
    Dense(usize, usize),
}

fn check_golden(g: &Golden<'_>, input_len: usize, output_len: usize) -> Result<(), Error> {
    let bytes = |per_vector: usize| {
        (g.count as usize)
            .checked_mul(per_vector)
            .and_then(|n| n.checked_mul(4))
    };
    if bytes(input_len) != Some(g.inputs.len()) || bytes(output_len) != Some(g.outputs.len()) {
        return Err(Error::invalid("golden vectors do not match the layout"));
    }
    let finite = |b: &[u8]| F32Le::new(b).is_some_and(|v| v.all_finite());
    if !(finite(g.inputs) && finite(g.outputs)) {
        return Err(Error::invalid("golden vector is not finite"));
    }
    Ok(())
}
