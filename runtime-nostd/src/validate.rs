//! Everything `Model::from_bytes` checks, so that `predict` only has to
//! check its own arguments.

use crate::Error;
use crate::arch::keep_rolled;
use crate::format::{
    Architecture, Golden, MAX_BLOCKS, MAX_MLP_LAYERS, MAX_WIDTH, Normalization, Payload,
};
use crate::scratch;
use crate::tensors::{Dense, F32Le, Norm, TensorReader, Weights};
use remul_group::IoLayout;

/// What validation learned about a model.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Plan {
    /// Scratch values `predict` needs.
    pub scratch_len: usize,
}

const SHORT: Error = Error::invalid("tensor data is shorter than the architecture");

/// Checks a decoded payload and returns its plan.
pub(crate) fn validate(p: &Payload<'_>) -> Result<Plan, Error> {
    p.group.validate()?;
    check_normalization(&p.normalization, &p.io)?;
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

fn check_normalization(n: &Normalization, io: &IoLayout) -> Result<(), Error> {
    let ok = |s: f32| s.is_finite() && s > 0.0;
    if !(ok(n.position_scale) && ok(n.vector_scale) && ok(n.scalar_scale)) {
        return Err(Error::invalid(
            "normalization scales must be finite and positive",
        ));
    }
    match n.canonical {
        #[cfg(feature = "canonical")]
        Some(axes) => {
            if !n.orientation_input.is_finite() {
                return Err(Error::invalid("orientation_input must be finite"));
            }
            Ok(axes.validate(&io.input)?)
        }
        #[cfg(not(feature = "canonical"))]
        Some(_) => {
            let _ = io;
            Err(crate::frame::NO_CANONICAL)
        }
        None => Ok(()),
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
    // The canonical rotation's entries follow the input (with the feature;
    // without it `check_normalization` refuses canonical axes).
    #[cfg(feature = "canonical")]
    let orientation = p.normalization.orientation_len();
    #[cfg(not(feature = "canonical"))]
    let orientation = 0;
    if widths.first().map(|&w| w as usize) != Some(p.io.input.len() + orientation)
        || widths.last().map(|&w| w as usize) != Some(p.io.output.len())
    {
        return Err(Error::invalid(
            "MLP widths do not match the input/output layout",
        ));
    }
    // `scratch::mlp_scratch_len`, from this loop: a loop of its own would be
    // unrolled, in flash, for nothing.
    let (mut widest, mut widest_input) = (0, 0);
    for pair in widths.windows(2) {
        let (inputs, outputs) = match *pair {
            [i, o] => (check_width(i as usize)?, check_width(o as usize)?),
            _ => return Err(SHORT),
        };
        check_dense(&reader.dense(inputs, outputs).ok_or(SHORT)?)?;
        widest_input = widest_input.max(inputs);
        widest = widest.max(inputs).max(outputs);
    }
    Ok(Plan {
        scratch_len: scratch::mlp_scratch_len_of(widest, widest_input, p.quant),
    })
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
    #[cfg(feature = "canonical")]
    if p.normalization.orientation_len() > 0 {
        return Err(Error::invalid("only an MLP reads orientation_input"));
    }
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
    if blocks as usize > MAX_BLOCKS {
        return Err(Error::invalid("more than MAX_BLOCKS blocks"));
    }

    check_dense(&reader.dense(w_in, d).ok_or(SHORT)?)?;
    if entity_embedding {
        let table = reader
            .f32s(tokens.checked_mul(d).ok_or(SHORT)?)
            .ok_or(SHORT)?;
        finite(&table, Invalid::Embedding)?;
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
            match *part {
                Part::Norm => check_norm(&reader.norm(d).ok_or(SHORT)?)?,
                Part::Dense(inputs, outputs) => {
                    check_dense(&reader.dense(inputs, outputs).ok_or(SHORT)?)?
                }
            }
        }
    }
    check_norm(&reader.norm(d).ok_or(SHORT)?)?;
    check_dense(&reader.dense(d, w_out).ok_or(SHORT)?)?;
    Ok(Plan {
        scratch_len: scratch::transformer_scratch_len(tokens, w_in, d, d_ff, p.quant),
    })
}

/// What an out-of-line check found wrong. The caller's `?` turns it into
/// the crate's [`Error`] with its message, so that firmware that drops the
/// error also drops the messages' strings from its flash.
#[derive(Clone, Copy)]
enum Invalid {
    Embedding,
    Bias,
    Weight,
    RowScale,
    RowPadding,
    NormEps,
    NormGamma,
    NormBeta,
    GoldenLayout,
    GoldenValue,
}

impl From<Invalid> for Error {
    fn from(invalid: Invalid) -> Self {
        Error::invalid(match invalid {
            Invalid::Embedding => "entity embedding is not finite",
            Invalid::Bias => "bias is not finite",
            Invalid::Weight => "f32 weight is not finite",
            Invalid::RowScale => "int8 row scale is not finite and positive",
            Invalid::RowPadding => "int8 row padding is not zero",
            Invalid::NormEps => "layer norm eps must be finite and positive",
            Invalid::NormGamma => "layer norm gamma is not finite",
            Invalid::NormBeta => "layer norm beta is not finite",
            Invalid::GoldenLayout => "golden vectors do not match the layout",
            Invalid::GoldenValue => "golden vector is not finite",
        })
    }
}

/// `Ok` when every value is finite, else `invalid`.
fn finite(values: &F32Le<'_>, invalid: Invalid) -> Result<(), Invalid> {
    if values.all_finite() {
        Ok(())
    } else {
        Err(invalid)
    }
}

/// Checks one dense layer's values. Out of line: at opt-level 3 it would be
/// inlined at every call site, the largest duplication in the runtime.
#[inline(never)]
fn check_dense(layer: &Dense<'_>) -> Result<(), Invalid> {
    finite(&layer.bias, Invalid::Bias)?;
    match &layer.weights {
        Weights::F32(w) => finite(w, Invalid::Weight),
        Weights::Int8 {
            rows,
            stride,
            scales,
        } => {
            if !scales.iter().all(|s| {
                keep_rolled();
                s.is_finite() && s > 0.0
            }) {
                return Err(Invalid::RowScale);
            }
            // Canonical form: padding is zero, so no kernel depends on the
            // activations' padding being zero too.
            let padding_is_zero = rows.chunks_exact((*stride).max(1)).all(|row| {
                keep_rolled();
                row.get(layer.inputs..)
                    .is_some_and(|pad| pad.iter().all(|&b| b == 0))
            });
            if padding_is_zero {
                Ok(())
            } else {
                Err(Invalid::RowPadding)
            }
        }
    }
}

fn check_norm(norm: &Norm<'_>) -> Result<(), Invalid> {
    if !(norm.eps.is_finite() && norm.eps > 0.0) {
        return Err(Invalid::NormEps);
    }
    finite(&norm.gamma, Invalid::NormGamma)?;
    finite(&norm.beta, Invalid::NormBeta)
}

/// A tensor group of a Transformer block: a layer norm over `d_model`, or
/// a dense layer (inputs, outputs).
enum Part {
    Norm,
    Dense(usize, usize),
}

fn check_golden(g: &Golden<'_>, input_len: usize, output_len: usize) -> Result<(), Invalid> {
    let bytes = |per_vector: usize| {
        (g.count as usize)
            .checked_mul(per_vector)
            .and_then(|n| n.checked_mul(4))
    };
    if bytes(input_len) != Some(g.inputs.len()) || bytes(output_len) != Some(g.outputs.len()) {
        return Err(Invalid::GoldenLayout);
    }
    let finite = |b: &[u8]| F32Le::new(b).is_some_and(|v| v.all_finite());
    if !(finite(g.inputs) && finite(g.outputs)) {
        return Err(Invalid::GoldenValue);
    }
    Ok(())
}
