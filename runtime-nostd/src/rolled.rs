//! Loops kept rolled on Cortex-M: [`keep_rolled`].
//!
//! At opt-level 3, LLVM unrolls every loop with an unknown trip count four
//! times on M-profile Arm, with a remainder loop: 5.2 KB of this crate's
//! 28 KB of Cortex-M4F flash, for 0.1 % (MLP) to 1.8 % (Transformer) fewer
//! instructions, since the loops that carry the time (the dense layers,
//! the quantizer, the rescale, the f32 chains) are assembly. Rust has no
//! `#pragma nounroll`; LLVM's Arm cost model does not unroll a loop that
//! contains a call, and an assembly statement counts as one.

/// Called in a loop's body, keeps LLVM from unrolling that loop on Arm
/// (see the module docs); elsewhere nothing. An empty assembly statement
/// that touches no memory, no stack and no flags: no instruction, and
/// nothing the optimizer must reload around it.
#[inline(always)]
pub(crate) fn keep_rolled() {
    #[cfg(target_arch = "arm")]
    // SAFETY: an empty assembly string: no instruction is emitted.
    #[allow(unsafe_code)]
    unsafe {
        core::arch::asm!("", options(nomem, nostack, preserves_flags));
    }
}
