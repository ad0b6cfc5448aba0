//! The REMUL trainer: datasets in, approximately equivariant models out.
//!
//! Three layers, top-down; no module imports from a layer above its own:
//!
//! - the command line: [`cli`] turns flags into library values (a
//!   [`config::TrainConfig`], a [`beta_sweep::SweepPlan`]) and back into
//!   flags for a sweep's runs; [`commands`] runs each subcommand on the
//!   library, a sweep's runs as child processes or Slurm array tasks.
//! - runs: [`training`] runs the loop; [`beta_sweep`] plans one run per β
//!   and seed (and trains them in this process), [`sweep_folder`] gathers
//!   a sweep's finished runs, drawn with [`plot`]; [`run_metrics`] is what
//!   a run reports, [`checkpoint`] what makes it resumable, [`json`] and
//!   [`files`] how its files are written, [`stats`] the mean ± spread over
//!   seeds; [`export`] writes the blob the no_std runtime runs;
//!   [`distill`] reads finished runs as a student's teachers.
//! - what a run is made of: [`config`] (every setting, checked against the
//!   data), [`task`] (the data, and the paper's defaults per task),
//!   [`device`] (the backend), [`model`], [`objective`] (the losses, and how
//!   α and β are set), [`batch`] (plain and rotated samples seen through
//!   [`normalize`]), [`evaluate`] (MSE and the paper's E/E'), [`error`];
//!   and [`allocator`], how the program's allocator keeps its pages.
#![deny(unsafe_code)]
#![cfg_attr(not(test), warn(clippy::unwrap_used))]

pub mod allocator;
pub mod batch;
pub mod beta_sweep;
pub mod checkpoint;
pub mod cli;
pub mod commands;
pub mod config;
pub mod device;
pub mod distill;
pub mod error;
pub mod evaluate;
pub mod export;
pub mod files;
pub mod json;
pub mod landscape;
pub mod model;
pub mod normalize;
pub mod objective;
pub mod plot;
pub mod rotations;
pub mod run_metrics;
pub mod stats;
pub mod sweep_folder;
pub mod task;
pub mod training;

pub use error::{Result, TrainerError};
