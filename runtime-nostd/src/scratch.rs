//! How much scratch memory a model needs, as `const fn`s so that firmware
//! can size a `static` buffer at compile time:
//!
//! ```
//! use remul_runtime::{Quant, scratch};
//! // MLP 186 → 680 → 680 → 93, int8.
//! const MLP: usize = scratch::mlp_scratch_len(&[186, 680, 680, 93], Quant::Int8);
//! static mut MLP_SCRATCH: [f32; MLP] = [0.0; MLP];
//! assert_eq!(MLP, 2 * 680 + 680 / 2);
//! // Transformer over 31 joints × (position, velocity) → position, d = 64, d_ff = 128.
//! const TF: usize = scratch::transformer_scratch_len(31, 6, 64, 128, Quant::Int8);
//! assert_eq!(TF, 5 * 31 * 64 + 31 + 64 + 128 + 64 + 128 / 2);
//! ```
//!
//! [`crate::Model::scratch_len`] gives the same number for a loaded blob.

use crate::format::Quant;
use crate::format::int8_row_stride;

const fn max(a: usize, b: usize) -> usize {
    if a > b { a } else { b }
}

/// Scratch values that hold the quantized input of the widest layer
/// (two i16 levels per f32 slot; none for f32 weights).
pub const fn activation_slots(max_fan_in: usize, quant: Quant) -> usize {
    match quant {
        Quant::F32 => 0,
        Quant::Int8 => int8_row_stride(max_fan_in) / 2,
    }
}

/// Scratch values `predict` needs for an MLP with these widths (input,
/// hidden…, output): two buffers of the widest layer, plus the quantized
/// activations. Saturates instead of overflowing.
pub const fn mlp_scratch_len(widths: &[u32], quant: Quant) -> usize {
    let (mut widest, mut widest_input, mut i) = (0, 0, 0);
    while i < widths.len() {
        let w = widths[i] as usize;
        widest = max(widest, w);
        if i + 1 < widths.len() {
            widest_input = max(widest_input, w);
        }
        i += 1;
    }
    mlp_scratch_len_of(widest, widest_input, quant)
}

/// [`mlp_scratch_len`] from the widest layer and the widest input.
pub(crate) const fn mlp_scratch_len_of(widest: usize, widest_input: usize, quant: Quant) -> usize {
    widest
        .saturating_mul(2)
        .saturating_add(activation_slots(widest_input, quant))
}

/// Scratch values `predict` needs for a Transformer over `tokens` entities
/// of `input_width` numbers each: the residual stream, the normalized
/// tokens (reused for the attention context), Q, K and V (`5 · T · d`),
/// one row of attention scores (`T`), three per-token buffers, and the
/// quantized activations. Saturates instead of overflowing.
pub const fn transformer_scratch_len(
    tokens: usize,
    input_width: usize,
    d_model: usize,
    d_ff: usize,
    quant: Quant,
) -> usize {
    let widest_input = max(max(input_width, d_model), d_ff);
    tokens
        .saturating_mul(d_model)
        .saturating_mul(5)
        .saturating_add(tokens)
        .saturating_add(max(input_width, d_model))
        .saturating_add(max(d_ff, d_model))
        .saturating_add(d_model)
        .saturating_add(activation_slots(widest_input, quant))
}

/// Splits `n` values off the front of a scratch buffer.
pub(crate) fn carve(
    buffer: &mut [f32],
    n: usize,
) -> Result<(&mut [f32], &mut [f32]), crate::Error> {
    let got = buffer.len();
    buffer
        .split_at_mut_checked(n)
        .ok_or(crate::Error::ScratchTooSmall { needed: n, got })
}

/// The rest of a scratch buffer as room for i16 activations (two per f32:
/// the alignment of f32 covers i16, so the cast cannot fail).
pub(crate) fn activations(buffer: &mut [f32]) -> Option<&mut [i16]> {
    bytemuck::try_cast_slice_mut(buffer).ok()
}
