//! The MLP forward pass: dense layers with an activation between them.

use crate::format::{Activation, Payload};
use crate::normalize::Frame;
use crate::tensors::TensorReader;
use crate::{Error, activation, dense, scratch};

/// Tensor data ran out although validation passed: never expected.
const INCONSISTENT: Error = Error::invalid("tensor data does not match the architecture");

/// Runs the MLP `widths` on `x` into `y`; lengths are already checked.
pub(crate) fn forward(
    p: &Payload<'_>,
    activation: Activation,
    widths: &[u32],
    x: &[f32],
    y: &mut [f32],
    scratch: &mut [f32],
) -> Result<(), Error> {
    let widest = widths.iter().map(|&w| w as usize).max().unwrap_or(0);
    let (mut current, rest) = scratch::carve(scratch, widest)?;
    let (mut next, rest) = scratch::carve(rest, widest)?;
    let activations = scratch::activations(rest)?;

    let frame = Frame::of_input(&p.io.input, &p.normalization, x)?;
    let (in_width, out_width) = (p.io.input.entity_width(), p.io.output.entity_width());
    let normalized = current.get_mut(..x.len()).ok_or(INCONSISTENT)?;
    for (x_e, out_e) in x
        .chunks_exact(in_width.max(1))
        .zip(normalized.chunks_exact_mut(in_width.max(1)))
    {
        frame.normalize_entity(p.io.input.channels(), x_e, out_e);
    }

    let mut reader = TensorReader::new(p.tensors, p.quant);
    let layers = widths.len().saturating_sub(1);
    for (i, pair) in widths.windows(2).enumerate() {
        let [inputs, outputs] = *pair else {
            return Err(INCONSISTENT);
        };
        let (inputs, outputs) = (inputs as usize, outputs as usize);
        let layer = reader.dense(inputs, outputs).ok_or(INCONSISTENT)?;
        let input = current.get(..inputs).ok_or(INCONSISTENT)?;
        if i + 1 == layers {
            dense::forward(&layer, input, y, activations);
        } else {
            let out = next.get_mut(..outputs).ok_or(INCONSISTENT)?;
            dense::forward(&layer, input, out, activations);
            activation::apply(activation, out);
            core::mem::swap(&mut current, &mut next);
        }
    }

    for y_e in y.chunks_exact_mut(out_width.max(1)) {
        frame.denormalize_entity(p.io.output.channels(), y_e);
    }
    Ok(())
}
