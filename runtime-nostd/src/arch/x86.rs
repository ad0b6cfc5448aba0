//! The f32 rows of `crate::kernels::dot_rows_f32` with the x86 FMA
//! instruction, for hosts (the trainer, `trainer eval`, the benches): the
//! portable chain of `libm::fmaf` calls gives the same bits, many times
//! slower. Needs std for the run-time detection of the instruction.
//!
//! Eight rows at a time, so that eight independent chains hide the
//! instruction's latency; each row's own chain keeps its order.

/// Rows per group: independent chains in flight.
const GROUP: usize = 8;

/// Whether this CPU has FMA (std caches the answer).
pub(crate) fn has_fma() -> bool {
    std::is_x86_feature_detected!("fma")
}

/// `y_r = Σ_i w_ri · x_i` for every row of `x.len()` weights, as
/// `crate::kernels::dot_f32` sums it: per block of `BLOCK` inputs one chain
/// of fused multiply-adds from zero, the blocks' sums in order.
pub(crate) fn fma_rows<const BLOCK: usize>(weights: &[[u8; 4]], x: &[f32], y: &mut [f32]) {
    debug_assert!(has_fma());
    // SAFETY: called only when `has_fma()` found the instruction.
    unsafe { fma_rows_with_fma::<BLOCK>(weights, x, y) }
}

#[target_feature(enable = "fma")]
fn fma_rows_with_fma<const BLOCK: usize>(weights: &[[u8; 4]], x: &[f32], y: &mut [f32]) {
    let inputs = x.len().max(1);
    let mut rows = weights.chunks_exact(inputs);
    let mut outputs = y.chunks_exact_mut(GROUP);
    for out in outputs.by_ref() {
        let group: [&[[u8; 4]]; GROUP] = core::array::from_fn(|_| rows.next().unwrap_or(&[]));
        group_sums::<GROUP, BLOCK>(group, x, out);
    }
    for out in outputs.into_remainder().chunks_mut(1) {
        group_sums::<1, BLOCK>([rows.next().unwrap_or(&[])], x, out);
    }
}

/// The sums of `R` rows, chained side by side.
#[target_feature(enable = "fma")]
#[inline]
fn group_sums<const R: usize, const BLOCK: usize>(
    rows: [&[[u8; 4]]; R],
    x: &[f32],
    out: &mut [f32],
) {
    let mut sums = [0.0f32; R];
    for (start, x) in (0..).step_by(BLOCK).zip(x.chunks(BLOCK)) {
        let n = x.len();
        // Each row's block, cut to `n` once so the loop needs no checks.
        let blocks = rows.map(|row| row.get(start..start + n).unwrap_or(&[]));
        if blocks.iter().any(|b| b.len() != n) {
            return out.fill(f32::NAN);
        }
        let mut acc = [0.0f32; R];
        for (k, &xk) in x.iter().enumerate() {
            for (a, block) in acc.iter_mut().zip(&blocks) {
                *a = f32::from_le_bytes(block[k]).mul_add(xk, *a);
            }
        }
        for (s, a) in sums.iter_mut().zip(acc) {
            *s += a;
        }
    }
    for (o, s) in out.iter_mut().zip(sums) {
        *o = s;
    }
}
