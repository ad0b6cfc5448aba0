//! Running a kernel's loops compiled for the widest vector instructions the
//! CPU has, chosen at run time.
//!
//! The trainer is built for baseline x86-64, where LLVM vectorises four
//! lanes wide (SSE). `pulp` (already behind burn-flex's matrix products)
//! compiles a closure again with AVX2 or AVX-512 enabled and calls the
//! version this CPU runs. The kernels' arithmetic has no fused
//! multiply-adds and their sums keep fixed lanes ([`super::math`]), so every
//! version computes the same bits: only the speed changes.

/// `f()`, compiled for the widest vector instruction set detected here.
/// Only code inlined into the dispatched function gets those instructions:
/// pass an `#[inline(always)]` closure, and have it call `#[inline(always)]`
/// functions and plain loops (a closure LLVM chose not to inline ran in
/// SSE, as `perf` showed).
#[inline(always)]
pub(super) fn widest<R>(f: impl FnOnce() -> R) -> R {
    pulp::Arch::new().dispatch(f)
}

/// The bit patterns of `xs`, to compare results exactly (−0 and NaN too).
#[cfg(test)]
pub(crate) fn bits(xs: &[f32]) -> Vec<u32> {
    xs.iter().map(|x| x.to_bits()).collect()
}
