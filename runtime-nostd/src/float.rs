//! Square root: the FPU's `VSQRT.F32` on Arm with a hardware-float ABI,
//! where `libm::sqrtf` would be a software routine (about 480 bytes of
//! flash with its table); `libm::sqrtf` elsewhere. Both are correctly
//! rounded (IEEE 754), so every target gets the same bits.

/// `√x`, correctly rounded.
#[cfg(all(target_arch = "arm", target_abi = "eabihf"))]
#[allow(unsafe_code)]
#[inline]
pub(crate) fn sqrt(x: f32) -> f32 {
    let bits: u32;
    // SAFETY: FPU instructions on registers and a push and pop of s0 (the
    // floating-point registers cannot be named as operands or clobbers:
    // rustc does not see this target's FPU, as in `kernels::dsp`); the
    // APSR condition flags are left alone.
    unsafe {
        core::arch::asm!(
            "vpush {{s0}}",
            "vmov s0, {bits}",
            "vsqrt.f32 s0, s0",
            "vmov {bits}, s0",
            "vpop {{s0}}",
            bits = inout(reg) x.to_bits() => bits,
            options(pure, nomem, preserves_flags),
        );
    }
    f32::from_bits(bits)
}

/// `√x`, correctly rounded.
#[cfg(not(all(target_arch = "arm", target_abi = "eabihf")))]
#[inline]
pub(crate) fn sqrt(x: f32) -> f32 {
    libm::sqrtf(x)
}
