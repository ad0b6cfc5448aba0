//! Write REMUL model blobs for `remul-runtime`: the trainer (or any
//! program) describes a trained model as a [`ModelSpec`] and calls
//! [`export`], which quantizes it (int8 weights per output row) or keeps
//! it f32, encodes it in the runtime's format (`remul_runtime::format`,
//! the types defined once there), and adds golden vectors computed by the
//! runtime itself, so that every device must reproduce them bit for bit.
//!
//! - [`ModelSpec::forward_f32`] is the plain reference forward pass, in
//!   f64, written independently of the runtime's kernels.
//! - [`ModelSpec::with_int8_weights`] and [`DenseSpec::int8_rounded`] show
//!   what int8 weights alone cost (`trainer export --sensitivity`).
//! - [`random`] makes seeded random models and inputs of any layout.
//!
//! This crate is `std`; the device crate, `remul-runtime`, only reads.
#![deny(unsafe_code)]
#![cfg_attr(not(test), warn(clippy::unwrap_used))]

mod encode;
mod error;
pub mod random;
mod reference;
mod rounding;
mod spec;
mod write;

pub use encode::{export, seal};
pub use error::Error;
pub use spec::{ArchitectureSpec, BlockSpec, DenseSpec, ModelSpec, NormSpec};
pub use write::quantize_row;

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
