//! Group math for REMUL, shared by the trainer and the device.
//!
//! - [`Quaternion`], [`Rotation`] (SO(3)), [`Translation`] and [`Se3`];
//! - [`Group`]: the rotation distributions a model learns or a dataset
//!   applies (Haar SO(3), SO(2) about an axis, angle-limited rotations);
//! - [`Layout`]: a flat feature vector as per-entity [`Channel`]s, which is
//!   how a group element acts on model inputs (φ(g)) and outputs (ρ(g));
//! - [`random`]: the seedable generator both sides draw group elements from;
//! - [`metrics`]: the paper's equivariance errors E and E';
//! - [`rotated_test`]: a split with every sample under its own rotation;
//! - [`CanonicalAxes`]: a canonical orientation read off each input, which
//!   makes any model run in it exactly equivariant.
//!
//! `no_std`, no allocator, no `unsafe`.
//!
//! ```
//! use remul_group::{Group, random::rng_from_seed};
//! let mut rng = rng_from_seed(42);
//! let g = Group::So3.sample(&mut rng);
//! let v = g.apply([1.0, 0.0, 0.0]);
//! let back = g.inverse().apply(v);
//! assert!((back[0] - 1.0).abs() < 1e-6);
//! ```
#![no_std]
#![deny(unsafe_code)]
#![cfg_attr(not(test), warn(clippy::unwrap_used))]

#[cfg(feature = "std")]
extern crate std;

mod canonical;
mod error;
mod group;
mod layout;
pub mod metrics;
mod quaternion;
pub mod random;
pub mod rotated_test;
mod rotation;
mod transform;
pub mod vector;

pub use canonical::CanonicalAxes;
pub use error::Error;
pub use group::{Group, haar_quaternion};
pub use layout::{Channel, IoLayout, Layout, MAX_CHANNELS, MAX_ENTITIES};
pub use metrics::EquivarianceReport;
pub use quaternion::Quaternion;
pub use rotation::Rotation;
pub use transform::{Se3, Translation};
pub use vector::Vec3;

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
