//! Layer normalization over one token.

use crate::kernels::sum_f32;
use crate::tensors::Norm;

/// `(x − μ) / √(σ² + eps) · γ + β` with the mean and biased variance of `x`.
pub(crate) fn layer_norm(x: &[f32], norm: &Norm<'_>, out: &mut [f32]) {
    let n = x.len().max(1) as f32;
    // Summed in the trainer's order, so that its model is reproduced.
    let mean = sum_f32(x.iter().copied()) / n;
    let variance = sum_f32(x.iter().map(|v| (v - mean) * (v - mean))) / n;
    let std = crate::float::sqrt(variance + norm.eps);
    let params = norm.gamma.iter().zip(norm.beta.iter());
    for ((o, v), (gamma, beta)) in out.iter_mut().zip(x).zip(params) {
        *o = (v - mean) / std * gamma + beta;
    }
}
