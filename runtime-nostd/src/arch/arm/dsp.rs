//! The Cortex-M4 DSP kernel behind `crate::kernels::dot_rows_i8_i16` and
//! `crate::kernels::dot_i8_i16`: per four int8 weights, one load, two `SXTB16`
//! (bytes 0 and 2, then 1 and 3, widened to i16 pairs) and two `SMLAD`
//! (two 16×16 MACs each) against the activations, which
//! `crate::kernels::quantize_activations` stored as pairs `(a0, a2)`, `(a1, a3)`
//! for exactly this.
//!
//! One call runs every row of a layer, so the row loop is in assembly too.
//! Rows go in pairs: one `LDM` of eight activations serves both rows' eight
//! weights (`LDRD` each), 19 instructions per 16 MACs (1.19 per MAC), and the
//! per-row costs (rewind the activations, store the sum, loop) are paid
//! once per pair, about 21 instructions. Within a pair, rounds of 32
//! weights per row, then rounds of 8 and a last group of 4. An odd last row
//! goes alone: 42 instructions per 32 MACs and 18 for the row.
//!
//! The sums are exact (see `crate::kernels`), so they equal the portable loop's
//! bit for bit. `LDRD` and `LDM` need word-aligned addresses: rows or
//! activations that are not 4-byte aligned (a blob placed at an odd
//! address) take the portable interleaved loop instead.
//!
//! The rest of an int8 layer is here too: the quantizer's two passes
//! ([`max_abs_bits`], [`write_levels`]) and the rescale ([`rescale_rows`]),
//! each the portable code's operations in the same order (so the same
//! bits) on whole groups of four, the portable code doing any rest. The
//! firmware example checks all three against the portable code on the
//! device.

use core::arch::asm;

/// `crate::kernels::dot_rows_i8_i16` on a core with the DSP extension, when
/// the rows and the activations are 4-byte aligned and the stride is a
/// multiple of 4; returns false (having done nothing) otherwise, and the
/// caller takes the portable loop.
pub(crate) fn dot_rows_i8_i16(
    rows: &[u8],
    stride: usize,
    activations: &[i16],
    out: &mut [i32],
) -> bool {
    let count = out.len().min(rows.len() / stride.max(1));
    match (
        rows.get(..count * stride),
        activations.get(..stride),
        out.get_mut(..count),
    ) {
        (Some(rows), Some(activations), Some(out)) => smlad_rows(rows, activations, out),
        _ => false,
    }
}

/// Eight MACs: two weight words (r4, r5), four activation words (r8–r11).
macro_rules! eight_macs {
    () => {
        concat!(
            "ldrd r4, r5, [lr], #8\n",
            "ldm r1!, {{r8, r9, r10, r11}}\n",
            "sxtb16 r12, r4\n",
            "smlad r0, r12, r8, r0\n",
            "sxtb16 r4, r4, ror #8\n",
            "smlad r0, r4, r9, r0\n",
            "sxtb16 r12, r5\n",
            "smlad r0, r12, r10, r0\n",
            "sxtb16 r5, r5, ror #8\n",
            "smlad r0, r5, r11, r0\n",
        )
    };
}

/// Eight MACs for each of two rows: four activation words (r8–r11), loaded
/// once; row A's two weight words from `lr`, summed into r0, row B's from
/// r7, summed into r6.
macro_rules! eight_macs_two_rows {
    () => {
        concat!(
            "ldm r1!, {{r8, r9, r10, r11}}\n",
            "ldrd r4, r5, [lr], #8\n",
            "sxtb16 r12, r4\n",
            "smlad r0, r12, r8, r0\n",
            "sxtb16 r4, r4, ror #8\n",
            "smlad r0, r4, r9, r0\n",
            "sxtb16 r12, r5\n",
            "smlad r0, r12, r10, r0\n",
            "sxtb16 r5, r5, ror #8\n",
            "smlad r0, r5, r11, r0\n",
            "ldrd r4, r5, [r7], #8\n",
            "sxtb16 r12, r4\n",
            "smlad r6, r12, r8, r6\n",
            "sxtb16 r4, r4, ror #8\n",
            "smlad r6, r4, r9, r6\n",
            "sxtb16 r12, r5\n",
            "smlad r6, r12, r10, r6\n",
            "sxtb16 r5, r5, ror #8\n",
            "smlad r6, r5, r11, r6\n",
        )
    };
}

/// What the assembly reads per row instead of holding it in registers
/// (all twelve free ones are in use), and the output cursor it advances.
#[repr(C)]
#[allow(dead_code)] // Read by the assembly, through a pointer.
struct Plan {
    /// Start of the activations, where every row begins.
    activations: *const i16,
    /// Bytes of a row done in rounds of 32.
    bytes_32: usize,
    /// Bytes after those done in rounds of 8.
    bytes_8: usize,
    /// 4 when a last group of four weights is left, else 0.
    bytes_4: usize,
    /// Where the next row's sum goes.
    out: *mut i32,
    /// One past the last sum.
    out_end: *mut i32,
    /// Bytes per row (the pair kernel's step from row A to row B).
    stride: usize,
}

// The offsets the assembly reads `Plan` at.
const _: () = assert!(core::mem::offset_of!(Plan, bytes_32) == 4);
const _: () = assert!(core::mem::offset_of!(Plan, out) == 16);
const _: () = assert!(core::mem::offset_of!(Plan, out_end) == 20);
const _: () = assert!(core::mem::offset_of!(Plan, stride) == 24);

/// `out[r] = Σ_i rows[r·stride + i] · activations[i]` (activations
/// interleaved, `stride = activations.len()`), when `rows` holds exactly
/// `out.len() ≥ 1` rows, `stride` is a non-zero multiple of 4, and `rows`
/// and `activations` are 4-byte aligned; otherwise does nothing and
/// returns false.
#[inline(never)]
fn smlad_rows(rows: &[u8], activations: &[i16], out: &mut [i32]) -> bool {
    let stride = activations.len();
    let fits = stride > 0
        && stride.is_multiple_of(4)
        && !out.is_empty()
        && out.len().checked_mul(stride) == Some(rows.len())
        && rows.as_ptr().cast::<u32>().is_aligned()
        && activations.as_ptr().cast::<u32>().is_aligned();
    if !fits {
        return false;
    }
    let pairs = out.len() / 2;
    let (Some((rows_paired, last_row)), Some((out_paired, last_out))) = (
        rows.split_at_checked(pairs * 2 * stride),
        out.split_at_mut_checked(pairs * 2),
    ) else {
        return false;
    };
    let plan_for = |out: &mut [i32]| {
        let out_range = out.as_mut_ptr_range();
        Plan {
            activations: activations.as_ptr(),
            bytes_32: stride & !31,
            bytes_8: stride & 31 & !7,
            bytes_4: stride & 4,
            out: out_range.start,
            out_end: out_range.end,
            stride,
        }
    };
    if pairs > 0 {
        row_pairs(rows_paired, &mut plan_for(out_paired));
    }
    if !last_out.is_empty() {
        one_row_at_a_time(last_row, &mut plan_for(last_out));
    }
    true
}

/// The row loop two rows at a time, for `plan`'s `out` holding an even
/// number (≥ 2) of sums and `rows` that many rows of `plan.stride` bytes,
/// all as [`smlad_rows`] checked them.
#[inline(always)]
fn row_pairs(rows: &[u8], plan: &mut Plan) {
    // SAFETY: as in `one_row_at_a_time`, with two rows per pass: row A from
    // `lr`, row B from r7 = `lr + stride`, each read for exactly `stride`
    // bytes, after which `lr` moves on to r7 (the next pair); two sums are
    // written per pass (STRD: `out` is an i32 slice, so word aligned) and
    // `out` holds an even number of them. r6 and r7 (LLVM's base and frame
    // pointers, which asm! may not name) are pushed first and popped last,
    // so the stack is used and restored.
    unsafe {
        asm!(
            "push {{r6, r7}}",
            // Per pair: rewind the activations, find row B, clear the sums.
            "1:",
            "ldr r1, [r3, #0]",
            "ldr r2, [r3, #24]",
            "add r7, lr, r2",
            "movs r0, #0",
            "movs r6, #0",
            "ldr r2, [r3, #4]",
            "cmp r2, #0",
            "beq 3f",
            "add r2, lr",
            "2:",
            eight_macs_two_rows!(),
            eight_macs_two_rows!(),
            eight_macs_two_rows!(),
            eight_macs_two_rows!(),
            "cmp lr, r2",
            "bne 2b",
            "3:",
            "ldr r2, [r3, #8]",
            "cbz r2, 5f",
            "add r2, lr",
            "4:",
            eight_macs_two_rows!(),
            "cmp lr, r2",
            "bne 4b",
            "5:",
            "ldr r2, [r3, #12]",
            "cbz r2, 6f",
            "ldrd r8, r9, [r1]",
            "ldr r4, [lr], #4",
            "ldr r5, [r7], #4",
            "sxtb16 r12, r4",
            "smlad r0, r12, r8, r0",
            "sxtb16 r4, r4, ror #8",
            "smlad r0, r4, r9, r0",
            "sxtb16 r12, r5",
            "smlad r6, r12, r8, r6",
            "sxtb16 r5, r5, ror #8",
            "smlad r6, r5, r9, r6",
            // Store both sums, next pair (row B's end is the next row A).
            "6:",
            "ldr r2, [r3, #16]",
            "strd r0, r6, [r2], #8",
            "str r2, [r3, #16]",
            "mov lr, r7",
            "ldr r4, [r3, #20]",
            "cmp r2, r4",
            "bne 1b",
            "pop {{r6, r7}}",
            inout("lr") rows.as_ptr() => _,
            in("r3") &raw mut *plan,
            out("r0") _, out("r1") _, out("r2") _,
            out("r4") _, out("r5") _, out("r8") _, out("r9") _,
            out("r10") _, out("r11") _, out("r12") _,
        );
    }
}

/// The row loop one row at a time, for `plan`'s `out` holding ≥ 1 sums and
/// `rows` that many rows, as [`smlad_rows`] checked them.
#[inline(always)]
fn one_row_at_a_time(rows: &[u8], plan: &mut Plan) {
    // SAFETY: `smlad_rows` checked that `rows` holds `out.len()` rows of `stride`
    // bytes, `stride` (the activations' length) is a non-zero multiple of
    // 4, and `rows` and `activations` are 4-byte aligned (LDRD and LDM fault
    // otherwise); `Plan`'s offsets are asserted above.
    // Per row the assembly reads exactly `stride` bytes of weights from
    // where the previous row ended and `stride` activations from their
    // start, then writes one i32 at `plan.out` and advances it, stopping at
    // `plan.out_end`: every access is inside the three slices. It reads and
    // writes `plan` (alive on this frame), clobbers only the registers
    // named, and does not touch the stack.
    unsafe {
        asm!(
            // Per row: rewind the activations, clear the sum.
            "1:",
            "ldr r1, [r3, #0]",
            "ldr r2, [r3, #4]",
            "movs r0, #0",
            "cmp r2, #0",
            "beq 3f",
            "add r2, lr",
            "2:",
            eight_macs!(),
            eight_macs!(),
            eight_macs!(),
            eight_macs!(),
            "cmp lr, r2",
            "bne 2b",
            "3:",
            "ldr r2, [r3, #8]",
            "cbz r2, 5f",
            "add r2, lr",
            "4:",
            eight_macs!(),
            "cmp lr, r2",
            "bne 4b",
            "5:",
            "ldr r2, [r3, #12]",
            "cbz r2, 6f",
            "ldr r4, [lr], #4",
            "ldrd r8, r9, [r1]",
            "sxtb16 r12, r4",
            "smlad r0, r12, r8, r0",
            "sxtb16 r4, r4, ror #8",
            "smlad r0, r4, r9, r0",
            // Store the sum, next row.
            "6:",
            "ldr r2, [r3, #16]",
            "str r0, [r2], #4",
            "str r2, [r3, #16]",
            "ldr r4, [r3, #20]",
            "cmp r2, r4",
            "bne 1b",
            inout("lr") rows.as_ptr() => _,
            in("r3") &raw mut *plan,
            out("r0") _, out("r1") _, out("r2") _,
            out("r4") _, out("r5") _, out("r8") _, out("r9") _,
            out("r10") _, out("r11") _, out("r12") _,
            options(nostack),
        );
    }
}

/// `crate::kernels::rescale_rows` four rows at a time (`VLDM` of four sums,
/// four scales, four biases; `VCVT`, two `VMUL`, `VADD` each; `VSTM`): 22
/// instructions per four rows and 3 per call, fewer than the compiled
/// loop's. The same operations in the same order as the portable
/// expression, so the same bits. Returns how many rows it did: all but the last
/// `len % 4`, or none when `scales` or `biases` are not 4-byte aligned
/// (`VLDM` needs word alignment); the caller does the rest.
#[inline(never)]
pub(crate) fn rescale_rows(
    dots: &mut [i32],
    scales: &[[u8; 4]],
    biases: &[[u8; 4]],
    activation_scale: f32,
) -> usize {
    let rows = dots.len().min(scales.len()).min(biases.len()) & !3;
    let aligned =
        scales.as_ptr().cast::<f32>().is_aligned() && biases.as_ptr().cast::<f32>().is_aligned();
    let Some(dots) = dots.get_mut(..rows) else {
        return 0;
    };
    if rows == 0 || !aligned {
        return 0;
    }
    let range = dots.as_mut_ptr_range();
    // SAFETY: `dots` (an i32 slice, word aligned), `scales` and `biases`
    // (checked word aligned) each hold at least `rows` values, a non-zero
    // multiple of 4; each pass reads four of each, writes four sums back
    // where they were read, and the loop stops at `rows`. asm! cannot name
    // the FPU registers on this target (they need a target feature that
    // `cfg` does not see), so s0–s15 are saved on the stack and restored.
    unsafe {
        asm!(
            "vpush {{d0-d7}}",
            "vmov s15, {scale}",
            "1:",
            "vldm {dots}, {{s0-s3}}",
            "vldm {scales}!, {{s4-s7}}",
            "vldm {biases}!, {{s8-s11}}",
            "vcvt.f32.s32 s0, s0",
            "vcvt.f32.s32 s1, s1",
            "vcvt.f32.s32 s2, s2",
            "vcvt.f32.s32 s3, s3",
            "vmul.f32 s4, s4, s15",
            "vmul.f32 s5, s5, s15",
            "vmul.f32 s6, s6, s15",
            "vmul.f32 s7, s7, s15",
            "vmul.f32 s0, s0, s4",
            "vmul.f32 s1, s1, s5",
            "vmul.f32 s2, s2, s6",
            "vmul.f32 s3, s3, s7",
            "vadd.f32 s0, s0, s8",
            "vadd.f32 s1, s1, s9",
            "vadd.f32 s2, s2, s10",
            "vadd.f32 s3, s3, s11",
            "vstm {dots}!, {{s0-s3}}",
            "cmp {dots}, {end}",
            "bne 1b",
            "vpop {{d0-d7}}",
            dots = inout(reg) range.start => _,
            scales = inout(reg) scales.as_ptr() => _,
            biases = inout(reg) biases.as_ptr() => _,
            end = in(reg) range.end,
            scale = in(reg) activation_scale.to_bits(),
        );
    }
    rows
}

/// The largest `bits & 0x7FFF_FFFF` over the whole groups of four in `x`
/// (the quantizer's max|x|, see `crate::kernels::quantize_activations`), and how
/// many values that covered. Kept shifted left by one, which drops the sign
/// bit for free: `CMP` with a shifted operand and a conditional `LSL`, 3
/// instructions per value, fewer than the compiled loop's.
#[inline(never)]
pub(crate) fn max_abs_bits(x: &[f32]) -> (u32, usize) {
    let values = x.len() & !3;
    let Some(groups) = x.get(..values) else {
        return (0, 0);
    };
    if values == 0 {
        return (0, 0);
    }
    let range = groups.as_ptr_range();
    let shifted: u32;
    // SAFETY: `groups` (an f32 slice, word aligned) holds a non-zero
    // multiple of four values; each pass reads the next four and the loop
    // stops at its end. Only the named registers change; no stack.
    unsafe {
        asm!(
            "movs r12, #0",
            "1:",
            "ldm r0!, {{r2, r3, r4, r5}}",
            "cmp r12, r2, lsl #1",
            "it lo",
            "lsllo r12, r2, #1",
            "cmp r12, r3, lsl #1",
            "it lo",
            "lsllo r12, r3, #1",
            "cmp r12, r4, lsl #1",
            "it lo",
            "lsllo r12, r4, #1",
            "cmp r12, r5, lsl #1",
            "it lo",
            "lsllo r12, r5, #1",
            "cmp r0, r1",
            "bne 1b",
            inout("r0") range.start => _,
            in("r1") range.end,
            out("r2") _, out("r3") _, out("r4") _, out("r5") _,
            out("r12") shifted,
            options(nostack, readonly),
        );
    }
    (shifted >> 1, values)
}

/// The quantizer's level pass over the whole groups of four in `x`, in the
/// interleaved order: per four values `VLDM`, four `VMUL` by `to_level`,
/// four `VADD` of 1.5·2²³ (the rounding of `round_half_even`; the low half
/// of the sum's bits is the level, as 1.5·2²³'s low half is zero), two
/// `VMOV` to core registers, two `PKHBT` into the pairs `(a0, a2)`,
/// `(a1, a3)`, one `STRD`: 4 instructions per value. Returns how many
/// values it wrote (none when `out` is not 4-byte aligned or too short).
#[inline(never)]
pub(crate) fn write_levels(x: &[f32], out: &mut [i16], to_level: f32) -> usize {
    const SHIFT: f32 = 12_582_912.0; // 1.5 · 2^23, as in `round_half_even`
    let values = x.len() & !3;
    let (Some(groups), Some(out)) = (x.get(..values), out.get_mut(..values)) else {
        return 0;
    };
    if values == 0 || !out.as_ptr().cast::<u32>().is_aligned() {
        return 0;
    }
    let range = groups.as_ptr_range();
    // SAFETY: `groups` and `out` both hold `values` (a non-zero multiple of
    // 4) elements and `out` is word aligned (STRD); each pass reads four
    // values and writes four levels (8 bytes), and the loop stops at the
    // end of `groups`. s0–s15 cannot be named on this target (see
    // `rescale_rows`), so they are saved on the stack and restored.
    unsafe {
        asm!(
            "vpush {{d0-d7}}",
            "vmov s14, {to_level}",
            "vmov s15, {shift}",
            "1:",
            "vldm r0!, {{s0-s3}}",
            "vmul.f32 s0, s0, s14",
            "vmul.f32 s1, s1, s14",
            "vmul.f32 s2, s2, s14",
            "vmul.f32 s3, s3, s14",
            "vadd.f32 s0, s0, s15",
            "vadd.f32 s1, s1, s15",
            "vadd.f32 s2, s2, s15",
            "vadd.f32 s3, s3, s15",
            "vmov r2, r3, s0, s1",
            "vmov r4, r5, s2, s3",
            "pkhbt r2, r2, r4, lsl #16",
            "pkhbt r3, r3, r5, lsl #16",
            "strd r2, r3, [r12], #8",
            "cmp r0, r1",
            "bne 1b",
            "vpop {{d0-d7}}",
            to_level = in(reg) to_level.to_bits(),
            shift = in(reg) SHIFT.to_bits(),
            inout("r0") range.start => _,
            in("r1") range.end,
            inout("r12") out.as_mut_ptr() => _,
            out("r2") _, out("r3") _, out("r4") _, out("r5") _,
        );
    }
    values
}
