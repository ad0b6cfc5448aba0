//! The REMUL runtime in a web page: a small C-ABI export layer over
//! [`remul_runtime`] for `wasm32-unknown-unknown`, loaded by a hand-written
//! JavaScript loader (`web/loader.js`), no wasm-bindgen.
//!
//! No allocator: the blob, the input and output vectors and the scratch are
//! static buffers, sized for the largest model the page accepts
//! ([`BLOB_CAPACITY`], [`IO_CAPACITY`], [`SCRATCH_CAPACITY`]). A model that
//! does not fit gets an error code, never a trap.
//!
//! The protocol, as `web/loader.js` follows it:
//!
//! 1. `blob_ptr()` (drops any loaded model), copy at most `blob_capacity()`
//!    bytes there, `load(len)`.
//! 2. Write `input_len()` f32 at `input_ptr()`; `rotate_input(x, y, z,
//!    degrees)` if wanted; `predict()`; read `output_len()` f32 at
//!    `output_ptr()`.
//! 3. `equivariance(m, seed)` measures E and E' at the current input;
//!    `report_e()`, `report_e_prime()`, `report_max_abs()` read them.
//!
//! Every export that can fail returns an `i32`: `0` for success, a negative
//! code otherwise (see `Failure::code` in `src/demo.rs`); `error_text()` writes the
//! message to `text_ptr()` and returns its length in bytes.
#![no_std]
#![deny(unsafe_code)]

// On the host (tests, the example) std supplies the panic handler.
#[cfg(not(target_arch = "wasm32"))]
extern crate std;

mod cell;
mod demo;
pub mod exports;
mod text;

#[cfg(test)]
mod tests;

/// Largest blob the page accepts, in bytes (1 MiB: the int8 paper MLP
/// 186 → 680 → 680 → 93 fits; its f32 version does not).
pub const BLOB_CAPACITY: usize = 1 << 20;

/// Largest input or output vector, in f32 values (mocap: 186 in, 93 out).
pub const IO_CAPACITY: usize = 4096;

/// Scratch for one prediction plus the equivariance metric's buffers, in f32
/// values (256 KiB; the runtime README's largest reference model, a
/// Transformer over 31 tokens with d = 64, needs about 10 300 + 650).
pub const SCRATCH_CAPACITY: usize = 1 << 16;

/// Most rotations one `equivariance` call may draw (keeps a call short).
pub const MAX_GROUP_SAMPLES: u32 = 4096;

/// In wasm a panic (there should be none: the runtime returns errors) traps,
/// and the JavaScript call that caused it throws.
#[cfg(target_arch = "wasm32")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}
