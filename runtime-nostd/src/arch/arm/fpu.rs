//! The Cortex-M4F's single-precision FPU for the two operations that would
//! otherwise be library calls: square root (`VSQRT.F32`, where
//! `libm::sqrtf` is a software routine) and fused multiply-add
//! (`VFMA.F32`, where `libm::fmaf` is software double precision). Both are
//! correctly rounded (IEEE 754), so they give `libm`'s bits.

/// `√x`, correctly rounded.
#[inline]
pub(crate) fn sqrt(x: f32) -> f32 {
    let bits: u32;
    // SAFETY: FPU instructions on registers and a push and pop of s0 (the
    // floating-point registers cannot be named as operands or clobbers:
    // rustc does not see this target's FPU, as in `super::dsp`); the
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

/// For every row of `x.len()` weights (little-endian f32 bytes) in
/// `rows`, `Σ w_i · x_i` as one chain of fused multiply-adds from zero, in
/// order (`acc = fma(w_i, x_i, acc)`), into `y`: as many rows as both
/// hold. `VFMA.F32` in assembly, the row loop included (one call per
/// layer): per four weights four `LDR` (rows may be unaligned), one `VLDM`
/// of four inputs, two `VMOV` of register pairs, four `VFMA` and the loop;
/// then one at a time.
#[inline(never)]
pub(crate) fn fma_rows(rows: &[[u8; 4]], x: &[f32], y: &mut [f32]) {
    let n = x.len();
    let count = match rows.len().checked_div(n) {
        Some(whole) => whole.min(y.len()),
        None => y.len(), // empty rows: every sum is zero
    };
    if count == 0 {
        return;
    }
    // SAFETY: reads `count · n` weights from `rows` and `n` values from
    // `x` per row (`count` bounds both; `x` is f32-aligned for `VLDM`,
    // `LDR` allows any address) and writes `count` values to `y`; besides
    // registers it touches only the stack slots of its own `VPUSH` of
    // s0–s9 (the floating-point registers cannot be named as operands or
    // clobbers, see `sqrt`).
    unsafe {
        core::arch::asm!(
            "vpush {{s0-s9}}",
            "2:",
            "movs {t0}, #0",
            "vmov s0, {t0}",
            "mov {xp}, {x}",
            "lsrs {left}, {n}, #2",
            "beq 4f",
            "3:",
            "ldr {t0}, [{w}], #4",
            "ldr {t1}, [{w}], #4",
            "ldr {t2}, [{w}], #4",
            "ldr {t3}, [{w}], #4",
            "vldmia {xp}!, {{s2-s5}}",
            "vmov s6, s7, {t0}, {t1}",
            "vmov s8, s9, {t2}, {t3}",
            "vfma.f32 s0, s6, s2",
            "vfma.f32 s0, s7, s3",
            "vfma.f32 s0, s8, s4",
            "vfma.f32 s0, s9, s5",
            "subs {left}, {left}, #1",
            "bne 3b",
            "4:",
            "ands {left}, {n}, #3",
            "beq 6f",
            "5:",
            "ldr {t0}, [{w}], #4",
            "vldmia {xp}!, {{s2}}",
            "vmov s6, {t0}",
            "vfma.f32 s0, s6, s2",
            "subs {left}, {left}, #1",
            "bne 5b",
            "6:",
            "vmov {t0}, s0",
            "str {t0}, [{y}], #4",
            "subs {count}, {count}, #1",
            "bne 2b",
            "vpop {{s0-s9}}",
            w = inout(reg) rows.as_ptr() => _,
            x = in(reg) x.as_ptr(),
            n = in(reg) n,
            y = inout(reg) y.as_mut_ptr() => _,
            count = inout(reg) count => _,
            xp = out(reg) _,
            left = out(reg) _,
            t0 = out(reg) _,
            t1 = out(reg) _,
            t2 = out(reg) _,
            t3 = out(reg) _,
        );
    }
}
