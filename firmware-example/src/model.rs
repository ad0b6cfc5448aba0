//! The embedded model, chosen at build time with `REMUL_MODEL` (build.rs
//! validates it and writes the constants below).

/// 4-byte alignment for the blob: `include_bytes!` alone gives 1.
#[repr(C, align(4))]
pub struct Aligned<T: ?Sized>(pub T);

include!(concat!(env!("OUT_DIR"), "/model.rs"));
