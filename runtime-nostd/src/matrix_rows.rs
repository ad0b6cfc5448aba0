//! Rows of the row-major matrices in scratch, by index.
//!
//! The forward passes walk tokens and heads by index through these rather
//! than zipping `chunks_exact` iterators: the zipped iterators' length is a
//! division that the compiler cannot prove safe once the shared `Zip::new`
//! is out of line, and its division-by-zero panic brought the panic
//! handler and `core::fmt`'s integer printing into the firmware, which
//! `firmware-example/ci.sh` refuses.

/// Row `index` (`width` values) of `values`, or `None` past the end.
#[inline]
pub(crate) fn row(values: &[f32], index: usize, width: usize) -> Option<&[f32]> {
    values.get(index.checked_mul(width)?..)?.get(..width)
}

/// Row `index` (`width` values) of `values`, or `None` past the end.
#[inline]
pub(crate) fn row_mut(values: &mut [f32], index: usize, width: usize) -> Option<&mut [f32]> {
    values
        .get_mut(index.checked_mul(width)?..)?
        .get_mut(..width)
}
