//! The inner loops: dot products over one weight row. This module is the
//! seam for target-specific versions (the Cortex-M4 DSP `SMLAD` kernel).
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
//! rescale after it ([`crate::dense`]) is shared code: the same bits on
//! every target.
//!
//! # The DSP seam
//!
//! Int8 rows are stored contiguously, `[outputs][stride]` with `stride`
//! the fan-in rounded up to 4 and zero padded, and the activation buffer
//! is zero padded to the same `stride`. A Cortex-M4 kernel loads four
//! weights with one `LDR`, widens them with `SXTB16` (bytes 0 and 2) and
//! `SXTB16 ROR #8` (bytes 1 and 3), and feeds each pair to one `SMLAD`
//! against a word holding two i16 activations: two MACs per instruction.
//! It then wants the activations in the order `a0 a2 a1 a3 | a4 a6 a5 a7 …`;
//! [`quantize_activations`] is where that order is written, and
//! [`dot_i8_i16`] is the function to replace. The unit tests below run an
//! exact model of that instruction sequence against the portable loop.

use crate::format::MAX_WIDTH;

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

/// Quantizes `x` to `levels` symmetric i16 levels into `out` (the kernel's
/// activation order; zero padded past `x.len()`), and returns the scale
/// `max|x| / levels` that turns a level back into a value. An all-zero `x`
/// gives scale 0; a non-finite `x` gives a NaN scale, so the layer's
/// output becomes NaN and `predict` reports it.
pub fn quantize_activations(x: &[f32], out: &mut [i16], levels: i32) -> f32 {
    let mut max_abs = 0.0f32;
    let mut finite = true;
    for &v in x {
        finite &= v.is_finite();
        max_abs = max_abs.max(libm::fabsf(v));
    }
    if !finite {
        out.fill(0);
        return f32::NAN;
    }
    if max_abs == 0.0 {
        out.fill(0);
        return 0.0;
    }
    let levels_f = levels as f32;
    let to_level = levels_f / max_abs;
    let mut values = x.iter();
    for o in out.iter_mut() {
        *o = match values.next() {
            // The clamp keeps the overflow bound exact even if rounding
            // lands one past `levels`.
            Some(&v) => (round_half_even(v * to_level) as i32).clamp(-levels, levels) as i16,
            None => 0,
        };
    }
    max_abs / levels_f
}

/// Rounds to the nearest integer, ties to even, for `|v| < 2²²` (levels are
/// at most 32767·(1 + ε)): adding 1.5·2²³ moves `v` into the binade where
/// the spacing of f32 is exactly 1, so IEEE addition does the rounding.
/// Two additions, the same bits on every IEEE target, where a Cortex-M4F
/// has no rounding instruction and `libm::roundf` costs a call.
#[inline]
fn round_half_even(v: f32) -> f32 {
    const SHIFT: f32 = 12_582_912.0; // 1.5 · 2^23
    (v + SHIFT) - SHIFT
}

/// `Σ w_i · a_i` of one int8 row (`row`, as stored) and the quantized
/// activations, both `stride` long (a multiple of 4). Portable Rust, in
/// sixteen lanes so that hosts vectorize it; the sum is exact (see the
/// module docs), so any kernel must return the same.
#[inline]
pub fn dot_i8_i16(row: &[u8], activations: &[i16]) -> i32 {
    let (w16, w_tail) = row.as_chunks::<16>();
    let (a16, a_tail) = activations.as_chunks::<16>();
    let term = |w: u8, a: i16| i32::from(w as i8) * i32::from(a);
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

/// `Σ w_i · x_i` of one f32 row (little-endian bytes) and an f32 vector,
/// in a fixed order: eight interleaved partial sums, added pairwise, then
/// the tail. Fixed so every target gives the same bits; eight lanes so
/// it vectorizes on hosts and hides FPU latency on a Cortex-M4F.
#[inline]
pub fn dot_f32(row: &[[u8; 4]], x: &[f32]) -> f32 {
    let (w8, w_tail) = row.as_chunks::<8>();
    let (x8, x_tail) = x.as_chunks::<8>();
    let mut acc = [0.0f32; 8];
    for (w, v) in w8.iter().zip(x8) {
        for ((a, wb), xv) in acc.iter_mut().zip(w).zip(v) {
            *a += f32::from_le_bytes(*wb) * xv;
        }
    }
    let mut tail = 0.0f32;
    for (wb, xv) in w_tail.iter().zip(x_tail) {
        tail += f32::from_le_bytes(*wb) * xv;
    }
    let [a0, a1, a2, a3, a4, a5, a6, a7] = acc;
    (((a0 + a4) + (a1 + a5)) + ((a2 + a6) + (a3 + a7))) + tail
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

    /// The instruction sequence of the planned M4 kernel, per four weights:
    /// LDR, SXTB16, SXTB16 ROR 8, two SMLADs.
    fn dsp_dot(row: &[u8], words: &[u32]) -> i32 {
        let mut acc = 0i32;
        for (w, pair) in row.chunks_exact(4).zip(words.chunks_exact(2)) {
            let word = u32::from_le_bytes([w[0], w[1], w[2], w[3]]);
            acc = smlad(sxtb16(word), pair[0], acc);
            acc = smlad(sxtb16(word.rotate_right(8)), pair[1], acc);
        }
        acc
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
            let stride = crate::tensors::int8_row_stride(row.len());
            let mut padded = row.clone();
            padded.resize(stride, 0);
            let levels = activation_levels(row.len());
            let mut state = seed;
            let mut acts: Vec<i16> = (0..stride).map(|_| {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                ((state >> 33) as i32 % (levels + 1)) as i16
            }).collect();
            acts[row.len()..].fill(0);
            let portable = dot_i8_i16(&padded, &acts);
            prop_assert_eq!(portable, dsp_dot(&padded, &dsp_words(&acts)));
            prop_assert_eq!(i64::from(portable), exact_dot(&padded, &acts));
        }
    }

    #[test]
    fn worst_case_fan_in_does_not_overflow() {
        for fan_in in [1, 4, 186, 512, 513, 680, 4096, MAX_WIDTH] {
            let levels = activation_levels(fan_in);
            let stride = crate::tensors::int8_row_stride(fan_in);
            let mut row = vec![0x80u8; stride]; // -128 everywhere
            row[fan_in..].fill(0);
            let mut acts = vec![-(levels as i16); stride];
            acts[fan_in..].fill(0);
            let exact = exact_dot(&row, &acts);
            assert!(exact <= i64::from(i32::MAX), "fan-in {fan_in}");
            assert_eq!(i64::from(dot_i8_i16(&row, &acts)), exact);
            assert_eq!(dsp_dot(&row, &dsp_words(&acts)), dot_i8_i16(&row, &acts));
        }
    }

    #[test]
    fn rounding_is_exact_ties_to_even() {
        for (v, want) in [
            (0.5, 0.0),
            (1.5, 2.0),
            (2.5, 2.0),
            (-0.5, 0.0),
            (-1.5, -2.0),
            (0.49999997, 0.0),
            (32767.4, 32767.0),
            (-32767.6, -32768.0),
            (3.7, 4.0),
            (-3.2, -3.0),
        ] {
            assert_eq!(round_half_even(v), want, "{v}");
        }
        let mut v = -40000.0f32;
        while v < 40000.0 {
            assert_eq!(round_half_even(v), v.round_ties_even(), "{v}");
            v += 0.123;
        }
    }

    #[test]
    fn quantization_is_symmetric_and_padded() {
        let x = [1.0, -0.5, 0.25, 0.0, -1.0];
        let mut out = [7i16; 8];
        let scale = quantize_activations(&x, &mut out, 100);
        assert_eq!(out, [100, -50, 25, 0, -100, 0, 0, 0]);
        assert_eq!(scale, 0.01);
        assert_eq!(quantize_activations(&[0.0; 3], &mut out, 100), 0.0);
        assert!(quantize_activations(&[f32::NAN], &mut out, 100).is_nan());
        assert!(quantize_activations(&[f32::INFINITY], &mut out, 100).is_nan());
    }
}
