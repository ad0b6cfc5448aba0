//! Layer normalization over one token.

use crate::arch::keep_rolled;
use crate::kernels::sum_f32;
use crate::tensors::Norm;

/// `(x − μ) / √(σ² + eps) · γ + β` with the mean and biased variance of `x`.
/// Out of line: it has three call sites, and inlined copies cost flash.
#[inline(never)]
pub(crate) fn layer_norm(x: &[f32], norm: &Norm<'_>, out: &mut [f32]) {
    let n = x.len().max(1) as f32;
    // Summed in the trainer's order, so that its model is reproduced; the
    // squared deviations go through `out` before the result does.
    let mean = sum_f32(x) / n;
    for (o, v) in out.iter_mut().zip(x) {
        keep_rolled();
        *o = (v - mean) * (v - mean);
    }
    let variance = sum_f32(out.get(..x.len()).unwrap_or(out)) / n;
    let std = crate::float::sqrt(variance + norm.eps);
    let params = norm.gamma.iter().zip(norm.beta.iter());
    for ((o, v), (gamma, beta)) in out.iter_mut().zip(x).zip(params) {
        keep_rolled();
        *o = (v - mean) / std * gamma + beta;
    }
}
