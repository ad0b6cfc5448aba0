//! 32-bit Arm (the Cortex-M4F and its kin): loops kept rolled, the FPU's
//! square root and fused multiply-add (`eabihf` targets), and the DSP
//! extension's int8 kernels (feature `dsp`).

#[cfg(feature = "dsp")]
pub(crate) mod dsp;
#[cfg(target_abi = "eabihf")]
pub(crate) mod fpu;

/// Called in a loop's body, keeps LLVM from unrolling that loop: an empty
/// assembly statement that touches no memory, no stack and no flags, so no
/// instruction and nothing the optimizer must reload around it.
///
/// At opt-level 3 LLVM unrolls every loop with an unknown trip count four
/// times on M-profile Arm, with a remainder loop: flash spent for little
/// speed, since the loops that carry the time (the dense layers, the
/// quantizer, the rescale, the f32 chains) are assembly. Rust has no
/// `#pragma nounroll`; LLVM's Arm cost model does not unroll a loop that
/// contains a call, and an assembly statement counts as one.
/// `firmware-example/ci.sh` prints the runtime's flash.
#[inline(always)]
pub(crate) fn keep_rolled() {
    // SAFETY: an empty assembly string: no instruction is emitted.
    unsafe {
        core::arch::asm!("", options(nomem, nostack, preserves_flags));
    }
}
