//! The int8 dense kernel and one dense layer, timed on their own, so that
//! the cost per MAC is about the dense layers and not the rest of the
//! model (normalization, activations, attention).

use remul_runtime::{Architecture, Model, Quant, kernels};

use crate::cost::{Counter, UNIT};
use crate::model;
use crate::report::line;

/// The int8 dense kernel alone, on the shape of the model's largest dense
/// layer: this build's kernel over all rows (as a layer calls it) and the
/// portable loop row by row, on the same weights and activations (their
/// sums must agree), then the whole layer as the runtime runs it (quantize
/// the input, the kernel, one rescale per row).
pub fn run(counter: &Counter, model: &Model<'_>, scratch: &mut [f32]) -> bool {
    if model.quant() != Quant::Int8 {
        return true;
    }
    let (fan_in, rows) = largest_dense_layer(model);
    let stride = fan_in.div_ceil(4) * 4;
    let tensors = model.payload().tensors;
    // Weights: the first `rows · stride` bytes of the tensor data (the
    // MLP's first layer; for a Transformer other bytes, which time the same).
    let Some(weights) = tensors.get(..rows * stride) else {
        return true;
    };
    // Room in the scratch: the input, two sets of sums, two activation
    // buffers (i16, two per f32). Skipped if a model's scratch is smaller.
    let mut rest = scratch;
    let (Some(x), Some(dots), Some(portable_dots), Some(kernel_slots), Some(natural_slots)) = (
        take(&mut rest, fan_in),
        take(&mut rest, rows),
        take(&mut rest, rows),
        take(&mut rest, stride / 2),
        take(&mut rest, stride / 2),
    ) else {
        return true;
    };
    let input = &model::GOLDEN_INPUTS[0];
    for (i, v) in x.iter_mut().enumerate() {
        *v = input[i % input.len()];
    }
    let dots: &mut [i32] = bytemuck::cast_slice_mut(dots);
    let portable_dots: &mut [i32] = bytemuck::cast_slice_mut(portable_dots);
    let kernel_order: &mut [i16] = bytemuck::cast_slice_mut(kernel_slots);
    let natural: &mut [i16] = bytemuck::cast_slice_mut(natural_slots);
    let levels = kernels::activation_levels(fan_in);
    kernels::quantize_activations(x, kernel_order, levels);
    for (i, a) in natural.iter_mut().enumerate() {
        *a = kernel_order[kernels::activation_slot(i)];
    }

    let (_, kernel) =
        counter.cost(|| kernels::dot_rows_i8_i16(weights, stride, kernel_order, dots));
    let (_, portable) = counter.cost(|| {
        for (o, row) in portable_dots.iter_mut().zip(weights.chunks_exact(stride)) {
            *o = kernels::dot_i8_i16_portable(row, natural);
        }
    });
    // The one-row entry point, and the fallback for a row that is not
    // 4-byte aligned, must agree too.
    let first = weights.get(..stride).unwrap_or(&[]);
    let shifted = weights.get(1..=stride).unwrap_or(&[]);
    let same = dots == portable_dots
        && dots.first() == Some(&kernels::dot_i8_i16(first, kernel_order))
        && kernels::dot_i8_i16(shifted, kernel_order)
            == kernels::dot_i8_i16_portable(shifted, natural);
    let macs = (rows * fan_in) as u64;
    line()
        .text("dense kernel, ")
        .uint(rows as u64)
        .text(" rows x ")
        .uint(fan_in as u64)
        .text(" inputs (")
        .uint(macs)
        .text(" MACs): dot_rows_i8_i16 (")
        .text(if kernels::DSP_KERNEL {
            "SMLAD"
        } else {
            "portable"
        })
        .text(") ")
        .ratio(kernel, macs, 2)
        .text(", dot_i8_i16_portable ")
        .ratio(portable, macs, 2)
        .text(" ")
        .text(UNIT.0)
        .text("/MAC")
        .text(if same {
            " (same sums)"
        } else {
            " (SUMS DIFFER)"
        })
        .print();

    // The whole layer as `dense::apply` runs it, with the f32 values after
    // the rows as row scales and biases (the MLP's own).
    let params = tensors
        .get(rows * stride..)
        .unwrap_or(&[])
        .as_chunks::<4>()
        .0;
    let (scales, biases) = params.split_at(rows.min(params.len()));
    let (scale, quantize) = counter.cost(|| kernels::quantize_activations(x, kernel_order, levels));
    let (_, kernel) =
        counter.cost(|| kernels::dot_rows_i8_i16(weights, stride, kernel_order, dots));
    let (_, rescale) = counter.cost(|| kernels::rescale_rows(dots, scales, biases, scale));
    core::hint::black_box(&*dots);
    let layer = quantize + kernel + rescale;
    line()
        .text("dense layer: quantize ")
        .uint(quantize)
        .text(" + kernel ")
        .uint(kernel)
        .text(" + rescale ")
        .uint(rescale)
        .text(" = ")
        .uint(layer)
        .text(" ")
        .text(UNIT.0)
        .text(", ")
        .ratio(layer, macs, 2)
        .text(" ")
        .text(UNIT.0)
        .text("/MAC")
        .print();

    let unaligned_params = tensors
        .get(rows * stride + 1..)
        .unwrap_or(&[])
        .as_chunks::<4>()
        .0;
    let steps_agree = quantize_agrees(x, kernel_order, natural, levels)
        && rescale_agrees(dots, portable_dots, scales, biases, scale)
        && rescale_agrees(
            dots,
            portable_dots,
            unaligned_params,
            unaligned_params,
            scale,
        );
    line()
        .text("quantize and rescale: ")
        .text(if kernels::DSP_KERNEL {
            "assembly"
        } else {
            "portable"
        })
        .text(if steps_agree {
            " = portable code (same bits)"
        } else {
            " against portable code: BITS DIFFER"
        })
        .print();
    same && steps_agree
}

/// This build's quantizer against its portable code, bit for bit: on `x`,
/// on `x` cut to a length that is not a multiple of 4, into a buffer that
/// is not 4-byte aligned, and with a NaN (which must give a NaN scale).
fn quantize_agrees(x: &mut [f32], a: &mut [i16], b: &mut [i16], levels: i32) -> bool {
    let agree = |x: &[f32], a: &mut [i16], b: &mut [i16]| {
        let scale = kernels::quantize_activations(x, a, levels);
        let portable = kernels::quantize_activations_portable(x, b, levels);
        scale.to_bits() == portable.to_bits() && a == b
    };
    let n = x.len();
    let whole = agree(x, a, b);
    let cut = n < 2 || agree(&x[..n - 1], a, b);
    let shifted = n < 5 || agree(&x[..n - 4], &mut a[1..], &mut b[1..]);
    let nan = match x.get(n / 2).copied() {
        Some(kept) => {
            x[n / 2] = f32::NAN;
            let agree = agree(x, a, b);
            x[n / 2] = kept;
            agree
        }
        None => true,
    };
    whole && cut && shifted && nan
}

/// This build's rescale against its portable code, bit for bit, on the sums
/// in `dots` (all rows, then all but the last: by then `dots` holds the
/// first pass's results as integers, which serve as well).
fn rescale_agrees(
    dots: &mut [i32],
    spare: &mut [i32],
    scales: &[[u8; 4]],
    biases: &[[u8; 4]],
    scale: f32,
) -> bool {
    let n = dots.len();
    [n, n.saturating_sub(1)].into_iter().all(|rows| {
        let (Some(d), Some(p)) = (dots.get_mut(..rows), spare.get_mut(..rows)) else {
            return true;
        };
        p.copy_from_slice(d);
        kernels::rescale_rows(d, scales, biases, scale);
        kernels::rescale_rows_portable(p, scales, biases, scale);
        d == p
    })
}

/// Splits `n` values off the front of `rest` (`None` when it is shorter).
fn take<'a>(rest: &mut &'a mut [f32], n: usize) -> Option<&'a mut [f32]> {
    let (head, tail) = core::mem::take(rest).split_at_mut_checked(n)?;
    *rest = tail;
    Some(head)
}

/// `(fan_in, outputs)` of the dense layer with the most weights.
fn largest_dense_layer(model: &Model<'_>) -> (usize, usize) {
    let io = model.io();
    let mut layers = [(0usize, 0usize); 17];
    let count = match model.architecture() {
        Architecture::Mlp { widths, .. } => {
            for (slot, pair) in layers.iter_mut().zip(widths.windows(2)) {
                *slot = (pair[0] as usize, pair[1] as usize);
            }
            widths.len().saturating_sub(1)
        }
        Architecture::Transformer { d_model, d_ff, .. } => {
            let (d, ff) = (*d_model as usize, *d_ff as usize);
            let (w_in, w_out) = (io.input.entity_width(), io.output.entity_width());
            layers[..4].copy_from_slice(&[(w_in, d), (d, ff), (ff, d), (d, w_out)]);
            layers[4] = (d, d);
            5
        }
    };
    layers[..count]
        .iter()
        .copied()
        .max_by_key(|(i, o)| i * o)
        .unwrap_or((0, 0))
}
