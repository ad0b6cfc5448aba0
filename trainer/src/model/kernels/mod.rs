//! Fused CPU kernels for the Transformer's element-wise work: the exact
//! GELU, the last-axis softmax and layer norm, each one pass forward and
//! one pass backward on burn-flex, and attention's head split and merge
//! without element-by-element strided copies; and Adam's update of a
//! parameter in one pass, for every model ([`adam_update`]).
//!
//! Why: under autodiff burn builds softmax and layer norm out of five to
//! eight primitive ops, each a pass over memory forward and another
//! backward, and burn-flex computes GELU's `erf` and softmax's `exp` with
//! scalar libm calls that do not vectorise. In a REMUL step of the
//! CPU-default Transformer these were over a quarter of the time
//! (`benches/cpu_speed.sh` prints the step times).
//!
//! How: each function takes a tensor of any backend and recognises
//! burn-flex (with autodiff, for training, or without, for evaluation) at
//! run time from the tensor's primitive type ([`primitive`]), so model code
//! stays generic over `Backend`. On flex it runs the kernels here (with a
//! backward registered in burn's autodiff graph); on any other backend, or
//! a dtype other than f32, it runs burn's own op. The results agree with
//! burn's ops to f32 rounding, not bit for bit (the GELU's Φ is a rational
//! approximation within 3e-7; [`math`]), except Adam's, which is burn's
//! bit for bit; every
//! kernel is sequential and deterministic, so seeded runs still repeat bit
//! for bit and resume exactly. Their loops run compiled for the CPU's
//! widest vectors, with the same bits at every width ([`widest`]).

mod adam;
mod gelu;
mod heads;
mod layer_norm;
mod math;
mod primitive;
#[cfg(test)]
mod same_op;
mod softmax;
mod unary_op;
mod widest;

pub use adam::{AdamScalars, adam_update};
pub use gelu::gelu;
pub use heads::{merge_heads, split_heads};
pub use layer_norm::layer_norm;
pub use softmax::softmax_last;
#[cfg(test)]
pub(crate) use widest::bits;
