//! The nonlinearities, exactly as the trainer defines them.

use crate::arch::keep_rolled;
use crate::format::Activation;

/// Applies `activation` to every value in place. Out of line: called from
/// both architectures, and a second copy of its three loops costs flash.
#[inline(never)]
pub(crate) fn apply(activation: Activation, values: &mut [f32]) {
    // One loop per function: through a function pointer, every value pays
    // an indirect call.
    let each = |values: &mut [f32], function: fn(f32) -> f32| {
        for v in values {
            keep_rolled();
            *v = function(*v);
        }
    };
    match activation {
        Activation::Silu => each(values, silu),
        Activation::Relu => each(values, relu),
        Activation::Gelu => each(values, gelu),
    }
}

/// `x / (1 + e^(−x))`.
pub(crate) fn silu(x: f32) -> f32 {
    x / (1.0 + crate::float::exp(-x))
}

/// `max(x, 0)`, keeping NaN (so that it is reported, not hidden).
pub(crate) fn relu(x: f32) -> f32 {
    if x < 0.0 { 0.0 } else { x }
}

/// Exact GELU: `0.5 · x · (1 + erf(x / √2))`.
pub(crate) fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + libm::erff(x / core::f32::consts::SQRT_2))
}
