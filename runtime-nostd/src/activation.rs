//! The nonlinearities, exactly as the trainer defines them.

use crate::format::Activation;

/// Applies `activation` to every value in place. Out of line: called from
/// both architectures, and the second copy of its three loops cost 0.4 KB
/// of flash at opt-level 3.
#[inline(never)]
pub(crate) fn apply(activation: Activation, values: &mut [f32]) {
    match activation {
        Activation::Silu => values.iter_mut().for_each(|v| *v = silu(*v)),
        Activation::Relu => values.iter_mut().for_each(|v| *v = relu(*v)),
        Activation::Gelu => values.iter_mut().for_each(|v| *v = gelu(*v)),
    }
}

/// `x / (1 + e^(−x))`.
pub(crate) fn silu(x: f32) -> f32 {
    x / (1.0 + libm::expf(-x))
}

/// `max(x, 0)`, keeping NaN (so that it is reported, not hidden).
pub(crate) fn relu(x: f32) -> f32 {
    if x < 0.0 { 0.0 } else { x }
}

/// Exact GELU: `0.5 · x · (1 + erf(x / √2))`.
pub(crate) fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + libm::erff(x / core::f32::consts::SQRT_2))
}
