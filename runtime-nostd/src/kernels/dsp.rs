//! The Cortex-M4 DSP kernel behind [`super::dot_rows_i8_i16`] and
//! [`super::dot_i8_i16`]: per four int8 weights, one load, two `SXTB16`
//! (bytes 0 and 2, then 1 and 3, widened to i16 pairs) and two `SMLAD`
//! (two 16×16 MACs each) against the activations, which
//! [`super::quantize_activations`] stored as pairs `(a0, a2)`, `(a1, a3)`
//! for exactly this.
//!
//! One call runs every row of a layer, so the row loop is in assembly too:
//! the weights are read straight through (rows are contiguous), the
//! activation pointer rewinds per row, and each row's sum is stored as it
//! is done, 18 instructions per row besides the rounds. Within a row,
//! rounds of 32 weights (`LDRD` for eight weights, `LDM` for eight
//! activations: 42 instructions, 1.31 per MAC), then rounds of 8 and a last
//! group of 4.
//!
//! The sums are exact (see [`super`]), so they equal the portable loop's
//! bit for bit. `LDRD` and `LDM` need word-aligned addresses: rows or
//! activations that are not 4-byte aligned (a blob placed at an odd
//! address) take the portable interleaved loop instead.

use core::arch::asm;

/// [`super::dot_rows_i8_i16`] on a core with the DSP extension.
pub(super) fn dot_rows_i8_i16(rows: &[u8], stride: usize, activations: &[i16], out: &mut [i32]) {
    let count = out.len().min(rows.len() / stride.max(1));
    let done = match (
        rows.get(..count * stride),
        activations.get(..stride),
        out.get_mut(..count),
    ) {
        (Some(rows), Some(activations), Some(out)) => smlad_rows(rows, activations, out),
        _ => false,
    };
    if !done {
        unaligned(rows, stride, activations, out);
    }
}

/// Rows or activations that are not 4-byte aligned (or a stride that is
/// not a multiple of 4): correct, slower, and out of line so that it costs
/// no flash where the kernel is inlined.
#[cold]
#[inline(never)]
fn unaligned(rows: &[u8], stride: usize, activations: &[i16], out: &mut [i32]) {
    for (o, row) in out.iter_mut().zip(rows.chunks_exact(stride.max(1))) {
        *o = super::dot_i8_i16_interleaved(row, activations);
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
}

// The offsets the assembly reads `Plan` at.
const _: () = assert!(core::mem::offset_of!(Plan, bytes_32) == 4);
const _: () = assert!(core::mem::offset_of!(Plan, out) == 16);
const _: () = assert!(core::mem::offset_of!(Plan, out_end) == 20);

/// `out[r] = Σ_i rows[r·stride + i] · activations[i]` (activations
/// interleaved, `stride = activations.len()`), when `rows` holds exactly
/// `out.len() ≥ 1` rows, `stride` is a non-zero multiple of 4, and `rows`
/// and `activations` are 4-byte aligned; otherwise does nothing and
/// returns false.
#[allow(unsafe_code)]
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
    let out_range = out.as_mut_ptr_range();
    let mut plan = Plan {
        activations: activations.as_ptr(),
        bytes_32: stride & !31,
        bytes_8: stride & 31 & !7,
        bytes_4: stride & 4,
        out: out_range.start,
        out_end: out_range.end,
    };
    // SAFETY: `fits` checked that `rows` holds `out.len()` rows of `stride`
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
            in("r3") &raw mut plan,
            out("r0") _, out("r1") _, out("r2") _,
            out("r4") _, out("r5") _, out("r8") _, out("r9") _,
            out("r10") _, out("r11") _, out("r12") _,
            options(nostack),
        );
    }
    true
}
