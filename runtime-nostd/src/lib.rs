//! Run REMUL model blobs with no allocator: on a Cortex-M4F, in the
//! browser (wasm32), or on a host.
//!
//! - [`Model::from_bytes`] reads a blob zero-copy and validates all of it
//!   (magic, version, CRC32, every length and value against the
//!   architecture), so that [`Model::predict`] can only fail on its own
//!   arguments (wrong lengths, NaN/Inf input).
//! - [`Model::predict`] runs an MLP or a Transformer, f32 or int8 (int8
//!   weights per output row, activations quantized per vector to i16: see
//!   [`kernels`]), in caller-provided scratch of [`Model::scratch_len`]
//!   values ([`scratch`] has `const fn`s to size a static buffer).
//! - [`Model::equivariance`] measures E and E' on the device, with the
//!   blob's group and layout.
//! - [`Model::check_golden`] reproduces the exporter's golden vectors bit
//!   for bit.
//!
//! The byte format is in [`format`] and `FORMAT.md`; the `remul-export`
//! crate (std) writes it.
#![no_std]
#![deny(unsafe_code)] // allowed in `arch` alone
#![warn(clippy::undocumented_unsafe_blocks)]
#![cfg_attr(not(test), warn(clippy::unwrap_used))]

#[cfg(any(feature = "std", test))]
extern crate std;

mod activation;
mod arch;
#[cfg(feature = "canonical")]
mod canonical;
mod cost;
mod decode;
mod dense;
mod equivariance;
mod error;
mod float;
pub mod format;
mod frame;
pub mod kernels;
mod layer_norm;
mod matrix_rows;
mod mlp;
mod model;
pub mod scratch;
mod tensors;
mod transformer;
mod validate;

pub use error::Error;
pub use format::{Activation, Architecture, ExportMetrics, Normalization, Quant};
pub use frame::Frame;
pub use model::Model;
pub use remul_group::EquivarianceReport;
pub use tensors::F32Le;

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
