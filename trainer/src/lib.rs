//! The REMUL trainer: datasets in, approximately equivariant models out.
//!
//! Layers, top-down: [`cli`] turns flags into a [`config::TrainConfig`];
//! [`train`] runs the loop on a backend chosen by [`device`]; each step is a
//! [`batch`] of plain and rotated samples seen through [`normalize`], fed to
//! a [`model`], weighed by the [`objective`]; [`evaluate`] measures MSE and
//! the paper's E/E'; [`checkpoint`] makes runs resumable; [`sweep`] and
//! [`plot`] draw β against accuracy and equivariance; [`export`] writes the
//! blob the no_std runtime runs.
#![deny(unsafe_code)]
#![cfg_attr(not(test), warn(clippy::unwrap_used))]

pub mod batch;
pub mod checkpoint;
pub mod cli;
pub mod commands;
pub mod config;
pub mod device;
pub mod error;
pub mod evaluate;
pub mod export;
pub mod json;
pub mod model;
pub mod normalize;
pub mod objective;
pub mod plot;
pub mod stats;
pub mod sweep;
pub mod task;
pub mod train;

pub use error::{Result, TrainerError};
