//! What the pipeline's end-to-end tests (`tests/*.rs` beside this folder)
//! share: a small model trained and exported in both precisions
//! ([`training`]), and the programs the device tests run ([`tools`]).
//!
//! The tests, from the trainer to each place a blob runs:
//! - `trainer_to_runtime.rs`: the f32 blob computes what burn computes, the
//!   int8 one stays close, golden vectors reproduce, quantization-aware
//!   models lose nothing in int8;
//! - `firmware.rs`: the blobs embedded in the Cortex-M4F firmware
//!   (`REMUL_MODEL=`), run in QEMU, reproduce their golden vectors bit for
//!   bit;
//! - `web_demo.rs`: the blobs in the web demo's wasm, under Node, give the
//!   host runtime's bits.
#![deny(unsafe_code)]

pub mod tools;
pub mod training;
