//! The float operations the network needs beyond `+ − × ÷`: square root,
//! `e^x`, and rows of fused multiply-adds. On a Cortex-M4F the first and
//! the last are FPU instructions (`arch::arm::fpu`), elsewhere libm. All
//! are correctly rounded (IEEE 754), so every target gets the same bits.

#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
pub(crate) use crate::arch::arm::fpu::{fma_rows, sqrt};

/// `√x`, correctly rounded.
#[cfg(not(all(target_arch = "arm", target_abi = "eabihf")))]
#[inline]
pub(crate) fn sqrt(x: f32) -> f32 {
    libm::sqrtf(x)
}

/// `e^x` (libm). Out of line, so that the softmax calls the copy that
/// SiLU and GELU's `erff` call: a second, inlined copy costs more flash
/// than the call costs time.
#[inline(never)]
pub(crate) fn exp(x: f32) -> f32 {
    libm::expf(x)
}

/// For every row of `x.len()` weights (little-endian f32 bytes) in
/// `rows`, `Σ w_i · x_i` as one chain of fused multiply-adds from zero, in
/// order (`acc = fma(w_i, x_i, acc)`), into `y`: as many rows as both hold.
#[cfg(not(all(target_arch = "arm", target_abi = "eabihf")))]
pub(crate) fn fma_rows(rows: &[[u8; 4]], x: &[f32], y: &mut [f32]) {
    for (out, row) in y.iter_mut().zip(rows.chunks_exact(x.len().max(1))) {
        *out = row.iter().zip(x).fold(0.0, |acc, (w, x)| {
            libm::fmaf(f32::from_le_bytes(*w), *x, acc)
        });
    }
}
