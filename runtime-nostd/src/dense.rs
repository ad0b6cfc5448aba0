//! Dense layers `y = W x + b`, f32 or int8, on top of [`crate::kernels`].

use crate::arch::keep_rolled;
use crate::format::Quant;
use crate::format::int8_row_stride;
use crate::kernels;
use crate::tensors::{Dense, Weights};

/// A layer input made ready for the layer's weight format: as is for f32
/// weights, quantized once for int8 weights (so that Q, K and V share one
/// quantization of the same vector).
pub(crate) enum Prepared<'x> {
    F32(&'x [f32]),
    Int8 { levels: &'x [i16], scale: f32 },
}

/// Readies `x` for dense layers stored as `quant`, using `activations` as
/// room for the quantized vector. Out of line, like [`forward`]: called
/// from several places, each inlined copy costing flash.
#[inline(never)]
pub(crate) fn prepare<'x>(x: &'x [f32], activations: &'x mut [i16], quant: Quant) -> Prepared<'x> {
    match quant {
        Quant::F32 => Prepared::F32(x),
        Quant::Int8 => match activations.get_mut(..int8_row_stride(x.len())) {
            Some(buffer) => {
                let scale =
                    kernels::quantize_activations(x, buffer, kernels::activation_levels(x.len()));
                Prepared::Int8 {
                    levels: buffer,
                    scale,
                }
            }
            // Scratch is sized at validation; NaN surfaces as an error if not.
            None => Prepared::Int8 {
                levels: &[],
                scale: f32::NAN,
            },
        },
    }
}

/// `y = W x + b` for a prepared input. `y` holds one value per output.
pub(crate) fn apply(layer: &Dense<'_>, input: &Prepared<'_>, y: &mut [f32]) {
    let done = match (&layer.weights, input) {
        (Weights::F32(w), Prepared::F32(x)) => x.get(..layer.inputs).map(|x| {
            // Bias after the sums, as the trainer's matmul-then-add does.
            kernels::dot_rows_f32(w.raw(), x, y);
            for (out, b) in y.iter_mut().zip(layer.bias.iter()) {
                keep_rolled();
                *out += b;
            }
        }),
        (
            Weights::Int8 {
                rows,
                stride,
                scales,
            },
            Prepared::Int8 { levels, scale },
        ) => {
            // The exact sums first, into `y` itself (an i32 view: same size
            // and alignment), then rescaled in place.
            bytemuck::try_cast_slice_mut::<f32, i32>(y)
                .ok()
                .map(|dots| {
                    kernels::dot_rows_i8_i16(rows, *stride, levels, dots);
                    kernels::rescale_rows(dots, scales.raw(), layer.bias.raw(), *scale);
                })
        }
        // One format per blob (validated).
        _ => None,
    };
    // Never expected; NaN makes `predict` report it.
    if done.is_none() {
        for v in y {
            keep_rolled();
            *v = f32::NAN;
        }
    }
}

/// `y = W x + b`, preparing `x` on the way. Out of line: six call sites,
/// and a call costs a few instructions against a whole layer's.
#[inline(never)]
pub(crate) fn forward(layer: &Dense<'_>, x: &[f32], y: &mut [f32], activations: &mut [i16]) {
    let quant = match layer.weights {
        Weights::F32(_) => Quant::F32,
        Weights::Int8 { .. } => Quant::Int8,
    };
    let input = prepare(x, activations, quant);
    apply(layer, &input, y);
}
