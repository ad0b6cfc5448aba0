//! The inner loops: dot products over weight rows, and the quantization of
//! a layer's input that the int8 ones need. This module is the seam for
//! target-specific versions (the Cortex-M4 DSP `SMLAD` kernel).
//!
//! # The int8 dot product and why it cannot overflow
//!
//! Before an int8 dense layer its input `x` (one vector, `n` values) is
//! quantized on the fly, symmetric per vector, to i16 levels
//! `q_i = round(x_i · L / max|x|)` with `L = activation_levels(n)`. A row
//! then needs `Σ w_i q_i` with `w_i` int8, summed in i32. Every term is at
//! most `128 · L` in magnitude, so every partial sum is at most
//! `n · 128 · L`, and `activation_levels` picks the largest `L ≤ 32767` with
//! `n · 128 · L ≤ i32::MAX`: full i16 precision up to a fan-in of 512, and
//! at least 1023 levels up to [`crate::format::MAX_WIDTH`] (which
//! validation enforces). No partial sum overflows in any order, so every
//! kernel (portable, SIMD, `SMLAD`) gives the same i32, and the float
//! rescale after it (`dense.rs`) is shared code: the same bits on
//! every target.
//!
//! # The f32 order
//!
//! f32 layers sum as the trainer's reference evaluation (burn-ndarray →
//! matrixmultiply's `sgemm`, which the exporter checks blobs against) does
//! on a CPU with FMA: per block of [`F32_BLOCK`]
//! inputs one chain of fused multiply-adds from zero, the blocks in order
//! ([`dot_f32`], [`dot_rows_f32`], and [`dot_rows_f32_f32`] for attention);
//! reductions sum as ndarray's `sum` ([`sum_f32`]). Fused multiply-add is
//! exactly rounded, so the x86 FMA kernel (`arch/x86.rs`, hosts
//! with std), the Cortex-M4F's `VFMA.F32` loop and `libm::fmaf` give the
//! same bits, and an f32 blob reproduces the trainer's model (within the
//! elementwise functions' last bits).
//!
//! # The DSP seam
//!
//! Int8 rows are stored contiguously, `[outputs][stride]` with `stride`
//! the fan-in rounded up to 4 and zero padded, and the activation buffer
//! is zero padded to the same `stride`. A Cortex-M4 kernel loads four
//! weights with one `LDR`, widens them with `SXTB16` (bytes 0 and 2) and
//! `SXTB16 ROR #8` (bytes 1 and 3), and feeds each pair to one `SMLAD`
//! against a word holding two i16 activations: two MACs per instruction.
//! It then wants the activations in the order `a0 a2 a1 a3 | a4 a6 a5 a7 …`
//! ([`activation_slot`]), which [`quantize_activations`] writes, so the
//! reordering costs nothing per row.
//!
//! With the crate feature `dsp` on an Arm target, [`dot_rows_i8_i16`] (a
//! whole layer, the row loop included) and [`dot_i8_i16`] (one row) are
//! that kernel (`arch/arm/dsp.rs`, inline assembly, about three times
//! fewer instructions per MAC than the portable loop on a Cortex-M4:
//! `firmware-example/ci.sh` prints both) and the activations are
//! interleaved; everywhere else they are [`dot_i8_i16_portable`] with the
//! natural order. The feature is for cores with the DSP extension
//! (Cortex-M4/M7/M33/M55, `thumbv7em-*`, `thumbv8m.main-*`); stable Rust does
//! not expose `target_feature = "dsp"` to `cfg`, hence a feature. The unit
//! tests below run an exact model of the instruction sequence against the
//! portable loop; the firmware example runs both kernels on the device
//! against the same golden vectors.

#[cfg(all(feature = "dsp", target_arch = "arm"))]
use crate::arch::arm::dsp;
use crate::arch::keep_rolled;
#[cfg(all(feature = "std", any(target_arch = "x86", target_arch = "x86_64")))]
use crate::arch::x86;
use crate::format::MAX_WIDTH;

/// Whether [`dot_i8_i16`] is the Cortex-M DSP (`SMLAD`) kernel in this build.
pub const DSP_KERNEL: bool = cfg!(all(feature = "dsp", target_arch = "arm"));

/// The largest magnitude of a stored int8 weight (−128 is accepted too).
const MAX_ABS_WEIGHT: usize = 128;

/// The largest i16 activation level.
const MAX_LEVELS: usize = i16::MAX as usize;

/// The quantization levels (per sign) for the activations of a layer with
/// `fan_in` inputs: the largest `L ≤ 32767` with `fan_in · 128 · L ≤ i32::MAX`.
///
/// ```
/// use remul_runtime::kernels::activation_levels;
/// assert_eq!(activation_levels(186), 32767);
/// assert_eq!(activation_levels(680), 24672);
/// assert_eq!(activation_levels(16384), 1023);
/// ```
pub const fn activation_levels(fan_in: usize) -> i32 {
    let per_level = MAX_ABS_WEIGHT.saturating_mul(if fan_in == 0 { 1 } else { fan_in });
    let levels = i32::MAX as usize / per_level;
    let levels = if levels > MAX_LEVELS {
        MAX_LEVELS
    } else {
        levels
    };
    let levels = if levels == 0 { 1 } else { levels };
    levels as i32
}

// The bound in the module docs, checked by the compiler at the widest layer.
const _: () = assert!(
    MAX_WIDTH * MAX_ABS_WEIGHT * (activation_levels(MAX_WIDTH) as usize) <= i32::MAX as usize
);
const _: () = assert!(activation_levels(MAX_WIDTH) >= 1023);

/// Quantizes `x` to `levels` symmetric i16 levels into `out` (in the
/// kernel's order, [`activation_slot`]; zero padded past `x.len()`), and
/// returns the scale `max|x| / levels` that turns a level back into a value
/// (`levels` is limited to `1..=32767`: at least one level, at most the i16
/// range). An all-zero `x` gives scale 0; a non-finite `x` gives a NaN
/// scale, so the layer's output becomes NaN and `predict` reports it.
pub fn quantize_activations(x: &[f32], out: &mut [i16], levels: i32) -> f32 {
    quantize_in_order(x, out, levels, DSP_KERNEL, DSP_KERNEL)
}

/// [`quantize_activations`] in portable Rust only (the same order and
/// bits), for checking the DSP build's assembly against it on the device.
pub fn quantize_activations_portable(x: &[f32], out: &mut [i16], levels: i32) -> f32 {
    quantize_in_order(x, out, levels, DSP_KERNEL, false)
}

/// [`quantize_activations`] with the order chosen by `interleaved`, and the
/// DSP assembly (whole groups of four) where `assembly` and the build allow.
#[inline]
fn quantize_in_order(
    x: &[f32],
    out: &mut [i16],
    levels: i32,
    interleaved: bool,
    assembly: bool,
) -> f32 {
    // max|x| on the bit patterns: without the sign bit they order like the
    // values, infinity and NaN above every finite value, so one integer
    // max finds both the maximum and whether anything is not finite (a
    // float max is a library call on a Cortex-M4F).
    #[cfg(all(feature = "dsp", target_arch = "arm"))]
    let (mut max_bits, done) = if assembly {
        dsp::max_abs_bits(x)
    } else {
        (0, 0)
    };
    #[cfg(not(all(feature = "dsp", target_arch = "arm")))]
    let (mut max_bits, done) = (0, 0);
    for v in x.iter().skip(done) {
        keep_tail_loop_rolled();
        max_bits = max_bits.max(v.to_bits() & 0x7FFF_FFFF);
    }
    let levels = levels.clamp(1, MAX_LEVELS as i32);
    let levels_f = levels as f32;
    let max_abs = f32::from_bits(max_bits);
    // A non-finite `x`: every level 0 (`level` of anything times 0) and a
    // NaN scale. An all-zero `x`: `to_level` is infinite, every level 0
    // (0 · ∞ is NaN), scale 0.
    let (to_level, scale) = if max_bits >= f32::INFINITY.to_bits() {
        (0.0, f32::NAN)
    } else {
        (levels_f / max_abs, max_abs / levels_f)
    };
    // The assembly rounds without a clamp, which is exact for a finite
    // `to_level` and a finite `x` (see `level`).
    #[cfg(all(feature = "dsp", target_arch = "arm"))]
    let done = if interleaved && assembly && scale.is_finite() && to_level.is_finite() {
        dsp::write_levels(x, out, to_level)
    } else {
        0
    };
    #[cfg(not(all(feature = "dsp", target_arch = "arm")))]
    let done = {
        let _ = assembly; // no assembly in this build
        0
    };
    // The rest one value at a time: value `i` goes to slot `i`, or
    // interleaved within whole groups of four (`done` is a multiple of 4,
    // so the groups stay in step); past `x`, the padding, level 0. With
    // the assembly that is under four values and the padding, and the one
    // clamped rule is the least code. Without it this loop does every
    // value, so where the plain rounding is exact (see `level`) it takes
    // that: the clamped rule makes the portable MLP slower.
    let plain = !(cfg!(all(feature = "dsp", target_arch = "arm")) && assembly)
        && scale.is_finite()
        && to_level.is_finite();
    let whole_groups = out.len() - out.len() % 4;
    for i in done..out.len() {
        keep_tail_loop_rolled();
        let slot = if interleaved && i < whole_groups {
            interleaved_slot(i)
        } else {
            i
        };
        let v = x.get(i).map_or(0.0, |&v| v);
        if let Some(o) = out.get_mut(slot) {
            *o = if plain {
                round_half_even(v * to_level) as i16
            } else {
                level(v, to_level, levels)
            };
        }
    }
    scale
}

/// The level of `v`: `round(v · to_level)` (ties to even), clamped to
/// `±levels`, and 0 for NaN. With `to_level = levels / max|x|` the clamp
/// never changes a level: `|v| ≤ max|x|` gives `|fl(v · to_level)| ≤
/// levels · (1 + ε)² < levels + 0.004` for `levels ≤ 32767` (ε = 2⁻²⁴),
/// which rounds to at most `levels` (the test `levels_never_pass_the_bound`
/// checks the extremes), so the DSP assembly, which has no clamp, gives the
/// same levels. The clamp and the NaN case are for the other `to_level`s:
/// infinite when every value is below `levels / f32::MAX` (a non-zero value
/// is then a full level, and zero gives 0 · ∞ = NaN, level 0), and 0 for a
/// non-finite `x`.
#[inline]
fn level(v: f32, to_level: f32, levels: i32) -> i16 {
    let q = v * to_level;
    let full = levels as f32;
    if q >= full {
        levels as i16
    } else if q <= -full {
        -(levels as i16)
    } else if q.is_nan() {
        0
    } else {
        round_half_even(q) as i16
    }
}

/// [`keep_rolled`] for the quantizer's and the rescale's Rust loops, which
/// with the DSP assembly only do a tail of under four values: rolled there,
/// unrolled in the portable build, where they do every value and rolled
/// loops make the portable MLP slower.
#[inline(always)]
fn keep_tail_loop_rolled() {
    if DSP_KERNEL {
        keep_rolled();
    }
}

/// Where [`quantize_activations`] puts activation `i`: `i` itself, or with
/// the DSP kernel, per group of four, the order `a0 a2 a1 a3` (bits 0 and 1
/// of the index swapped), so that one 32-bit word holds the pair that meets
/// bytes 0 and 2 of a weight word, the next word the pair for bytes 1 and 3.
pub const fn activation_slot(i: usize) -> usize {
    if DSP_KERNEL { interleaved_slot(i) } else { i }
}

/// Swaps bits 0 and 1 of `i`: 0 1 2 3 → 0 2 1 3 in every group of four.
const fn interleaved_slot(i: usize) -> usize {
    (i & !3) | ((i & 1) << 1) | ((i >> 1) & 1)
}

/// Rounds to the nearest integer, ties to even, for `|v| < 2²²` (levels are
/// at most 32767·(1 + ε)): adding 1.5·2²³ moves `v` into the binade where
/// the spacing of f32 is exactly 1, so IEEE addition does the rounding, and
/// the integer is then the difference of the bit patterns. One addition and
/// one integer subtraction, the same result on every IEEE target, where a
/// Cortex-M4F has no rounding instruction and `libm::roundf` costs a call.
#[inline]
fn round_half_even(v: f32) -> i32 {
    const SHIFT: f32 = 12_582_912.0; // 1.5 · 2^23
    (v + SHIFT).to_bits() as i32 - SHIFT.to_bits() as i32
}

/// `Σ w_i · a_i` of one int8 row (`row`, as stored) and the activations as
/// [`quantize_activations`] wrote them, both `stride` long (a multiple of
/// 4): the DSP kernel with the `dsp` feature on Arm, else
/// [`dot_i8_i16_portable`]. The sum is exact (see the module docs), so both
/// return the same i32.
#[inline]
pub fn dot_i8_i16(row: &[u8], activations: &[i16]) -> i32 {
    #[cfg(all(feature = "dsp", target_arch = "arm"))]
    let dot = {
        let mut out = [0];
        dot_rows_i8_i16(row, row.len(), activations, &mut out);
        out[0]
    };
    #[cfg(not(all(feature = "dsp", target_arch = "arm")))]
    let dot = dot_i8_i16_portable(row, activations);
    dot
}

/// [`dot_i8_i16`] for every row of a layer: `out[r]` is the dot product of
/// row `r` (`rows[r·stride..][..stride]`) with `activations`, for as many
/// rows as both `rows` and `out` hold. One call per layer, so that the DSP
/// kernel runs the row loop itself.
pub fn dot_rows_i8_i16(rows: &[u8], stride: usize, activations: &[i16], out: &mut [i32]) {
    #[cfg(all(feature = "dsp", target_arch = "arm"))]
    if !dsp::dot_rows_i8_i16(rows, stride, activations, out) {
        unaligned_rows_i8_i16(rows, stride, activations, out);
    }
    #[cfg(not(all(feature = "dsp", target_arch = "arm")))]
    for (o, row) in out.iter_mut().zip(rows.chunks_exact(stride.max(1))) {
        *o = dot_i8_i16_portable(row, activations);
    }
}

/// What the DSP kernel leaves to the portable loop: rows or activations
/// that are not 4-byte aligned (a blob placed at an odd address), or a
/// stride that is not a multiple of 4. Correct, slower, and out of line
/// so that it costs no flash where the kernel is inlined.
#[cfg(all(feature = "dsp", target_arch = "arm"))]
#[cold]
#[inline(never)]
fn unaligned_rows_i8_i16(rows: &[u8], stride: usize, activations: &[i16], out: &mut [i32]) {
    for (o, row) in out.iter_mut().zip(rows.chunks_exact(stride.max(1))) {
        *o = dot_i8_i16_interleaved(row, activations);
    }
}

/// The int8 layer's sums back to values, in place: `dots[r]` becomes the
/// bits of `(dots[r] as f32) · (scales[r] · activation_scale) + biases[r]`
/// (the row's weight scale, the input's activation scale, the bias; f32
/// values as stored in the blob). Every int8 path, the DSP one included,
/// computes this same expression in the same order, which is what keeps
/// their outputs bit-identical.
pub fn rescale_rows(
    dots: &mut [i32],
    scales: &[[u8; 4]],
    biases: &[[u8; 4]],
    activation_scale: f32,
) {
    #[cfg(all(feature = "dsp", target_arch = "arm"))]
    let done = dsp::rescale_rows(dots, scales, biases, activation_scale);
    #[cfg(not(all(feature = "dsp", target_arch = "arm")))]
    let done = 0;
    rescale_rows_from(done, dots, scales, biases, activation_scale);
}

/// [`rescale_rows`] in portable Rust only, for checking the DSP build's
/// assembly against it on the device.
pub fn rescale_rows_portable(
    dots: &mut [i32],
    scales: &[[u8; 4]],
    biases: &[[u8; 4]],
    activation_scale: f32,
) {
    rescale_rows_from(0, dots, scales, biases, activation_scale);
}

/// The portable rescale of rows `done..`.
#[inline]
fn rescale_rows_from(
    done: usize,
    dots: &mut [i32],
    scales: &[[u8; 4]],
    biases: &[[u8; 4]],
    activation_scale: f32,
) {
    let rest = dots.iter_mut().zip(scales).zip(biases);
    for ((dot, scale), bias) in rest.skip(done) {
        keep_tail_loop_rolled();
        let value = *dot as f32 * (f32::from_le_bytes(*scale) * activation_scale)
            + f32::from_le_bytes(*bias);
        *dot = value.to_bits() as i32;
    }
}

/// [`dot_i8_i16`] in portable Rust with the activations in their natural
/// order: in sixteen lanes so that hosts vectorize it, and on 32-bit Arm
/// (no vectors, 13 usable registers) in one accumulator, which compiles to
/// load, load, `SMLABB` per MAC where sixteen lanes would spill.
#[inline]
pub fn dot_i8_i16_portable(row: &[u8], activations: &[i16]) -> i32 {
    let term = |w: u8, a: i16| i32::from(w as i8) * i32::from(a);
    if cfg!(target_arch = "arm") {
        return row
            .iter()
            .zip(activations)
            .fold(0i32, |sum, (&w, &a)| sum.wrapping_add(term(w, a)));
    }
    let (w16, w_tail) = row.as_chunks::<16>();
    let (a16, a_tail) = activations.as_chunks::<16>();
    // Never wraps for a validated model (every partial sum is within the
    // bound); wrapping matches SMLAD anyway.
    let mut lanes = [0i32; 16];
    for (w, a) in w16.iter().zip(a16) {
        for ((lane, &wv), &av) in lanes.iter_mut().zip(w).zip(a) {
            *lane = lane.wrapping_add(term(wv, av));
        }
    }
    let mut sum = lanes.iter().fold(0i32, |s, &v| s.wrapping_add(v));
    for (&wv, &av) in w_tail.iter().zip(a_tail) {
        sum = sum.wrapping_add(term(wv, av));
    }
    sum
}

/// [`dot_i8_i16`] in portable Rust with the activations in the DSP kernel's
/// order ([`activation_slot`] with the `dsp` feature: `a0 a2 a1 a3` per group
/// of four; a last group of fewer than four in natural order). The DSP
/// kernel falls back to it for rows that are not 4-byte aligned (out of
/// line: that fallback is cold, and an inlined copy costs flash).
#[inline(never)]
pub fn dot_i8_i16_interleaved(row: &[u8], activations: &[i16]) -> i32 {
    let (w4, w_tail) = row.as_chunks::<4>();
    let (a4, a_tail) = activations.as_chunks::<4>();
    let term = |w: u8, a: i16| i32::from(w as i8) * i32::from(a);
    let mut sum = 0i32;
    for (w, a) in w4.iter().zip(a4) {
        keep_rolled();
        let interleaved = [w[0], w[2], w[1], w[3]];
        for (&wv, &av) in interleaved.iter().zip(a) {
            sum = sum.wrapping_add(term(wv, av));
        }
    }
    for (&wv, &av) in w_tail.iter().zip(a_tail) {
        keep_rolled();
        sum = sum.wrapping_add(term(wv, av));
    }
    sum
}

/// Inputs per block of [`dot_f32`]: the depth of one pass of the trainer's
/// CPU matrix multiply (matrixmultiply's `sgemm` under burn-ndarray).
pub const F32_BLOCK: usize = 256;

/// `Σ w_i · x_i` of one f32 row (little-endian bytes) and an f32 vector,
/// summed as the trainer's matrix multiply sums them on a CPU with FMA:
/// per block of [`F32_BLOCK`] inputs one chain of fused multiply-adds
/// from zero, then the blocks' sums in order. A fused multiply-add is
/// rounded once, exactly as IEEE 754 defines it, so every target gives the
/// same bits, and an f32 blob reproduces the trainer's float model instead
/// of being a few ulps from it.
#[inline]
pub fn dot_f32(row: &[[u8; 4]], x: &[f32]) -> f32 {
    let mut sum = 0.0f32;
    for (w, x) in row.chunks(F32_BLOCK).zip(x.chunks(F32_BLOCK)) {
        let mut block = [0.0f32];
        crate::float::fma_rows(w, x, &mut block);
        sum += block[0];
    }
    sum
}

/// [`dot_f32`] for every row of `x.len()` weights in `weights`, into `y`
/// (as many rows as both hold). On x86 hosts with std, the FMA instruction
/// when the CPU has it (the same bits, many times faster). Out of
/// line: attention's two products and the f32 dense layers share it.
#[inline(never)]
pub fn dot_rows_f32(weights: &[[u8; 4]], x: &[f32], y: &mut [f32]) {
    #[cfg(all(feature = "std", any(target_arch = "x86", target_arch = "x86_64")))]
    if x86::has_fma() {
        return x86::fma_rows::<F32_BLOCK>(weights, x, y);
    }
    if x.len() <= F32_BLOCK {
        // One block: the chain is the whole sum (0 + chain = chain).
        return crate::float::fma_rows(weights, x, y);
    }
    for (out, row) in y.iter_mut().zip(weights.chunks_exact(x.len())) {
        *out = dot_f32(row, x);
    }
}

/// [`dot_rows_f32`] with f32 rows, for attention's two products (the
/// trainer's are matrix multiplies too).
pub fn dot_rows_f32_f32(rows: &[f32], x: &[f32], y: &mut [f32]) {
    // Little-endian: an f32's bytes are its `to_le_bytes`.
    #[cfg(target_endian = "little")]
    dot_rows_f32(bytemuck::cast_slice(rows), x, y);
    #[cfg(target_endian = "big")]
    for (out, row) in y.iter_mut().zip(rows.chunks_exact(x.len().max(1))) {
        let blocks = row.chunks(F32_BLOCK).zip(x.chunks(F32_BLOCK));
        *out = blocks.fold(0.0, |sum, (a, b)| {
            sum + a
                .iter()
                .zip(b)
                .fold(0.0, |acc, (a, b)| libm::fmaf(*a, *b, acc))
        });
    }
}

/// `Σ x_i` in the order of the trainer's reductions (ndarray's `sum` over
/// a contiguous axis, behind burn's `sum_dim` and `mean_dim`): eight
/// partial sums over the whole groups of eight, folded as `(p0 + p4)`,
/// `(p1 + p5)`, `(p2 + p6)`, `(p3 + p7)` into a sum from zero, then the
/// rest in order.
///
/// Out of line: one copy for the layer norm and the softmax.
#[inline(never)]
pub fn sum_f32(values: &[f32]) -> f32 {
    let (groups, rest) = values.as_chunks::<8>();
    let mut p = [0.0f32; 8];
    for group in groups {
        keep_rolled();
        for (p_j, v) in p.iter_mut().zip(group) {
            *p_j += v;
        }
    }
    let [p0, p1, p2, p3, p4, p5, p6, p7] = p;
    let mut sum = 0.0f32;
    sum += p0 + p4;
    sum += p1 + p5;
    sum += p2 + p6;
    sum += p3 + p7;
    for v in rest {
        keep_rolled();
        sum += v;
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::vec;
    use std::vec::Vec;

    /// `SXTB16`: sign-extend bytes 0 and 2 into the two halfwords.
    fn sxtb16(x: u32) -> u32 {
        let lo = (x as u8 as i8 as i16) as u16 as u32;
        let hi = ((x >> 16) as u8 as i8 as i16) as u16 as u32;
        lo | (hi << 16)
    }

    /// `SMLAD`: acc + lo(x)·lo(y) + hi(x)·hi(y), signed halfwords, wrapping.
    fn smlad(x: u32, y: u32, acc: i32) -> i32 {
        let p0 = i32::from(x as u16 as i16) * i32::from(y as u16 as i16);
        let p1 = i32::from((x >> 16) as u16 as i16) * i32::from((y >> 16) as u16 as i16);
        acc.wrapping_add(p0).wrapping_add(p1)
    }

    /// The activations as the DSP kernel wants them: per group of four,
    /// the words (a0, a2) and (a1, a3).
    fn dsp_words(acts: &[i16]) -> Vec<u32> {
        let pack = |lo: i16, hi: i16| (lo as u16 as u32) | ((hi as u16 as u32) << 16);
        acts.chunks_exact(4)
            .flat_map(|a| [pack(a[0], a[2]), pack(a[1], a[3])])
            .collect()
    }

    /// The instruction sequence of the M4 kernel (`arch/arm/dsp.rs`), per
    /// four weights: LDR, SXTB16, SXTB16 ROR 8, two SMLADs.
    fn dsp_dot(row: &[u8], words: &[u32]) -> i32 {
        let mut acc = 0i32;
        for (w, pair) in row.chunks_exact(4).zip(words.chunks_exact(2)) {
            let word = u32::from_le_bytes([w[0], w[1], w[2], w[3]]);
            acc = smlad(sxtb16(word), pair[0], acc);
            acc = smlad(sxtb16(word.rotate_right(8)), pair[1], acc);
        }
        acc
    }

    /// The activation buffer as the DSP kernel's loads see it: the
    /// interleaved i16 values read back as little-endian words.
    fn loaded_words(interleaved: &[i16]) -> Vec<u32> {
        interleaved
            .chunks_exact(2)
            .map(|p| (p[0] as u16 as u32) | ((p[1] as u16 as u32) << 16))
            .collect()
    }

    /// `acts` in the DSP order, through [`interleaved_slot`].
    fn interleave(acts: &[i16]) -> Vec<i16> {
        let mut out = vec![0; acts.len()];
        for (i, &a) in acts.iter().enumerate() {
            out[interleaved_slot(i)] = a;
        }
        out
    }

    fn exact_dot(row: &[u8], acts: &[i16]) -> i64 {
        row.iter()
            .zip(acts)
            .map(|(&w, &a)| i64::from(w as i8) * i64::from(a))
            .sum()
    }

    proptest! {
        #[test]
        fn dsp_sequence_matches_portable(
            row in proptest::collection::vec(any::<u8>(), 0..200),
            seed in any::<u64>(),
        ) {
            let stride = crate::format::int8_row_stride(row.len());
            let mut padded = row.clone();
            padded.resize(stride, 0);
            let levels = activation_levels(row.len());
            let mut state = seed;
            let mut acts: Vec<i16> = (0..stride).map(|_| {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                ((state >> 33) as i32 % (levels + 1)) as i16
            }).collect();
            acts[row.len()..].fill(0);
            let portable = dot_i8_i16_portable(&padded, &acts);
            prop_assert_eq!(portable, dsp_dot(&padded, &dsp_words(&acts)));
            prop_assert_eq!(i64::from(portable), exact_dot(&padded, &acts));
            // What the kernel loads from the interleaved buffer is exactly
            // the words the instruction model wants.
            let interleaved = interleave(&acts);
            prop_assert_eq!(loaded_words(&interleaved), dsp_words(&acts));
            prop_assert_eq!(portable, dsp_dot(&padded, &loaded_words(&interleaved)));
            prop_assert_eq!(portable, dot_i8_i16_interleaved(&padded, &interleaved));
            // This build's kernel, in this build's order.
            let ordered = if DSP_KERNEL { &interleaved } else { &acts };
            prop_assert_eq!(portable, dot_i8_i16(&padded, ordered));
        }

        #[test]
        fn interleaved_quantization_is_the_natural_one_reordered(
            x in proptest::collection::vec(-1e3f32..1e3, 1..40),
            pad in 0usize..9,
        ) {
            let len = crate::format::int8_row_stride(x.len()) + 4 * (pad / 4);
            let (mut natural, mut interleaved) = (vec![0i16; len], vec![0i16; len]);
            let s0 = quantize_in_order(&x, &mut natural, activation_levels(x.len()), false, false);
            let s1 = quantize_in_order(&x, &mut interleaved, activation_levels(x.len()), true, false);
            prop_assert_eq!(s0.to_bits(), s1.to_bits());
            prop_assert_eq!(interleave(&natural), interleaved);
        }
    }

    #[test]
    fn worst_case_fan_in_does_not_overflow() {
        for fan_in in [1, 4, 186, 512, 513, 680, 4096, MAX_WIDTH] {
            let levels = activation_levels(fan_in);
            let stride = crate::format::int8_row_stride(fan_in);
            let mut row = vec![0x80u8; stride]; // -128 everywhere
            row[fan_in..].fill(0);
            let mut acts = vec![-(levels as i16); stride];
            acts[fan_in..].fill(0);
            let exact = exact_dot(&row, &acts);
            assert!(exact <= i64::from(i32::MAX), "fan-in {fan_in}");
            assert_eq!(i64::from(dot_i8_i16_portable(&row, &acts)), exact);
            assert_eq!(
                dsp_dot(&row, &dsp_words(&acts)),
                dot_i8_i16_portable(&row, &acts)
            );
            assert_eq!(
                dot_i8_i16_interleaved(&row, &interleave(&acts)),
                dot_i8_i16_portable(&row, &acts)
            );
        }
    }

    #[test]
    fn rounding_is_exact_ties_to_even() {
        for (v, want) in [
            (0.5, 0),
            (1.5, 2),
            (2.5, 2),
            (-0.5, 0),
            (-1.5, -2),
            (0.49999997, 0),
            (32767.4, 32767),
            (-32767.6, -32768),
            (3.7, 4),
            (-3.2, -3),
        ] {
            assert_eq!(round_half_even(v), want, "{v}");
        }
        let mut v = -40000.0f32;
        while v < 40000.0 {
            assert_eq!(round_half_even(v), v.round_ties_even() as i32, "{v}");
            v += 0.123;
        }
        for bits in (0..=0x4A80_0000u32).step_by(997) {
            let v = f32::from_bits(bits); // every binade up to 2^22
            assert_eq!(round_half_even(v), v.round_ties_even() as i32, "{v}");
            assert_eq!(round_half_even(-v), (-v).round_ties_even() as i32, "{v}");
        }
    }

    proptest! {
        /// The quantization as first written (round with two float
        /// additions, convert, clamp to ±L): the same levels, bit for bit,
        /// for values of every magnitude.
        #[test]
        fn levels_match_the_clamped_reference(
            x in proptest::collection::vec(
                (any::<bool>(), 0u32..0x7F80_0000).prop_map(|(neg, bits)| {
                    let v = f32::from_bits(bits);
                    if neg { -v } else { v }
                }),
                1..40,
            ),
            levels in prop_oneof![Just(32767), Just(24672), Just(1023), 1i32..32768],
        ) {
            let max_abs = x.iter().fold(0.0f32, |m, v| m.max(v.abs()));
            let to_level = levels as f32 / max_abs;
            const SHIFT: f32 = 12_582_912.0;
            let reference: Vec<i16> = x
                .iter()
                .map(|&v| ((((v * to_level) + SHIFT) - SHIFT) as i32).clamp(-levels, levels) as i16)
                .collect();
            let mut out = vec![0i16; crate::format::int8_row_stride(x.len())];
            let scale = quantize_in_order(&x, &mut out, levels, false, false);
            prop_assert_eq!(&out[..x.len()], &reference[..]);
            prop_assert_eq!(scale.to_bits(), (max_abs / levels as f32).to_bits());
        }
    }

    #[test]
    fn levels_never_pass_the_bound() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 40) as u32
        };
        let mut out = [0i16; 8];
        for _ in 0..200_000 {
            // Any finite magnitude, with the maximum itself and values one
            // ulp below it, at the largest level counts.
            let max = f32::from_bits(next() % 0x7F00_0000 + 0x0080_0000);
            let levels = [32767, 32766, 24672, 1023, 1][next() as usize % 5];
            let below = f32::from_bits(max.to_bits() - 1);
            let x = [max, -max, below, -below, max * 0.5, 0.0, -max, max];
            quantize_in_order(&x, &mut out, levels, false, false);
            for &q in &out {
                assert!(i32::from(q).abs() <= levels, "{max} {levels} {out:?}");
            }
            assert_eq!([out[0], out[1]], [levels as i16, -(levels as i16)]);
        }
    }

    #[test]
    fn quantization_is_symmetric_and_padded() {
        let x = [1.0, -0.5, 0.25, 0.0, -1.0];
        let mut out = [7i16; 8];
        let scale = quantize_in_order(&x, &mut out, 100, false, false);
        assert_eq!(out, [100, -50, 25, 0, -100, 0, 0, 0]);
        assert_eq!(scale, 0.01);
        quantize_in_order(&x, &mut out, 100, true, false);
        assert_eq!(out, [100, 25, -50, 0, -100, 0, 0, 0]);
        // An `out` that ends mid-group keeps the natural order there.
        let mut short = [7i16; 6];
        quantize_in_order(&x, &mut short, 100, true, false);
        assert_eq!(short, [100, 25, -50, 0, -100, 0]);
        let mut cut = [7i16; 3];
        quantize_in_order(&x, &mut cut, 100, true, false);
        assert_eq!(cut, [100, -50, 25]);
        assert_eq!(
            (0..8).map(interleaved_slot).collect::<Vec<_>>(),
            [0, 2, 1, 3, 4, 6, 5, 7]
        );
        assert_eq!(quantize_activations(&[0.0; 3], &mut out, 100), 0.0);
        assert!(quantize_activations(&[f32::NAN], &mut out, 100).is_nan());
        assert!(quantize_activations(&[f32::INFINITY], &mut out, 100).is_nan());
    }

    proptest! {
        /// Every f32 row kernel (x86 FMA where this host has it, the
        /// portable `libm::fmaf` chain) gives the same bits, for widths on
        /// both sides of a block and groups of eight rows with a rest.
        #[test]
        fn f32_row_kernels_agree(
            inputs in 1usize..600,
            outputs in 1usize..20,
            seed in any::<u32>(),
        ) {
            let value = |i: usize| {
                let t = ((i as u32).wrapping_mul(2_654_435_761) ^ seed) as f32 / u32::MAX as f32;
                (t - 0.5) * [0.01f32, 1.0, 40.0][i % 3]
            };
            let rows: Vec<f32> = (0..inputs * outputs).map(value).collect();
            let x: Vec<f32> = (0..inputs).map(|i| value(i + 7_777)).collect();
            let bytes: Vec<[u8; 4]> = rows.iter().map(|v| v.to_le_bytes()).collect();
            let mut y = vec![0.0f32; outputs];
            let mut y_f32 = vec![0.0f32; outputs];
            dot_rows_f32(&bytes, &x, &mut y);
            dot_rows_f32_f32(&rows, &x, &mut y_f32);
            for (j, row) in bytes.chunks(inputs).enumerate() {
                // Written out: per block a chain from zero, blocks summed in order.
                let chain = |w: &[[u8; 4]], x: &[f32]| {
                    w.iter().zip(x).fold(0.0f32, |acc, (w, x)| {
                        libm::fmaf(f32::from_le_bytes(*w), *x, acc)
                    })
                };
                let blocks = row.chunks(F32_BLOCK).zip(x.chunks(F32_BLOCK));
                let expected = blocks.fold(0.0f32, |sum, (w, x)| sum + chain(w, x));
                prop_assert_eq!(y[j].to_bits(), expected.to_bits());
                prop_assert_eq!(y_f32[j].to_bits(), expected.to_bits());
                prop_assert_eq!(dot_f32(row, &x).to_bits(), expected.to_bits());
            }
        }
    }
}
