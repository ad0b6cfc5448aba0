//! The MLP forward pass: dense layers with an activation between them.

use crate::format::{Activation, Payload};
use crate::frame::Frame;
use crate::tensors::TensorReader;
use crate::{activation, dense, scratch};

/// Runs the MLP `widths` on `x` into `y`; lengths are already checked.
/// `None` only if the blob and the scratch disagree with validation
/// (never expected): an `Option`, because carrying the crate's larger
/// `Error` through every step costs flash in both passes.
pub(crate) fn forward(
    p: &Payload<'_>,
    activation: Activation,
    widths: &[u32],
    x: &[f32],
    y: &mut [f32],
    scratch: &mut [f32],
) -> Option<()> {
    let widest = widths.iter().fold(0, |widest, &w| {
        crate::arch::keep_rolled();
        widest.max(w as usize)
    });
    let (mut current, rest) = scratch.split_at_mut_checked(widest)?;
    let (mut next, rest) = rest.split_at_mut_checked(widest)?;
    let activations = scratch::activations(rest)?;

    let frame = Frame::of_input(&p.io.input, &p.normalization, x).ok()?;
    let (in_width, out_width) = (p.io.input.entity_width(), p.io.output.entity_width());
    let normalized = current.get_mut(..x.len())?;
    for (x_e, out_e) in x
        .chunks_exact(in_width.max(1))
        .zip(normalized.chunks_exact_mut(in_width.max(1)))
    {
        frame.normalize_entity(p.io.input.channels(), x_e, out_e);
    }
    #[cfg(feature = "canonical")]
    frame.orientation(current.get_mut(x.len()..*widths.first()? as usize)?);

    let mut reader = TensorReader::new(p.tensors, p.quant);
    let layers = widths.len().saturating_sub(1);
    for (i, pair) in widths.windows(2).enumerate() {
        let [inputs, outputs] = *pair else {
            return None;
        };
        let (inputs, outputs) = (inputs as usize, outputs as usize);
        let layer = reader.dense(inputs, outputs)?;
        let input = current.get(..inputs)?;
        if i + 1 == layers {
            dense::forward(&layer, input, y, activations);
        } else {
            let out = next.get_mut(..outputs)?;
            dense::forward(&layer, input, out, activations);
            activation::apply(activation, out);
            core::mem::swap(&mut current, &mut next);
        }
    }

    for y_e in y.chunks_exact_mut(out_width.max(1)) {
        frame.denormalize_entity(p.io.output.channels(), y_e);
    }
    Some(())
}
