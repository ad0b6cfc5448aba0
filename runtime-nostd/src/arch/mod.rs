//! Target-specific code, and the only place of this crate that may use
//! `unsafe`: inline assembly for 32-bit Arm (`arm`: rolled loops, the
//! FPU, the DSP extension's int8 kernels) and the x86 FMA instruction for
//! hosts (`x86`). The portable code picks these where the target has
//! them: `float` (square root, fused multiply-add rows) and `kernels`
//! (int8 and f32 rows); `keep_rolled` is called in loops everywhere.
//!
//! Every function here keeps the same contract:
//! - it reads and writes only the slices it is given, within their
//!   lengths, and checks the alignment its loads need (or falls back to
//!   returning "not done", which the portable caller completes);
//! - registers it uses beyond its operands are saved and restored
//!   (the FPU's, which `asm!` cannot name on these targets, by
//!   `VPUSH`/`VPOP`), and it leaves the condition flags as `asm!` expects;
//! - its results are bit for bit the portable code's (the same operations
//!   in the same order, or exact integer sums), which the unit tests model
//!   and `firmware-example/ci.sh` checks on the device against the golden
//!   vectors.
//!
//! Each `unsafe` block says why it is sound in a `SAFETY:` comment
//! (`clippy::undocumented_unsafe_blocks` is on for this crate).
#![allow(unsafe_code)]

#[cfg(target_arch = "arm")]
pub(crate) mod arm;
#[cfg(all(feature = "std", any(target_arch = "x86", target_arch = "x86_64")))]
pub(crate) mod x86;

#[cfg(target_arch = "arm")]
pub(crate) use arm::keep_rolled;

/// Keeps a loop rolled on Arm (`arm::keep_rolled`); nothing elsewhere.
#[cfg(not(target_arch = "arm"))]
#[inline(always)]
pub(crate) fn keep_rolled() {}
