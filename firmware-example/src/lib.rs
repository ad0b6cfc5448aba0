//! Board support for the firmware example (`main.rs` is the demo): the
//! embedded model, report lines over semihosting or defmt/RTT, the
//! instruction counter, memory measurement, the kernel benchmark, and the
//! exit and fault paths.
#![no_std]

pub mod cost;
pub mod fault;
pub mod kernel_bench;
pub mod memory;
pub mod model;
pub mod report;
