//! The C-ABI exports, one line of work each: [`Demo`] does the work and the
//! runtime does the math. Pointers and lengths are byte addresses and counts
//! in the wasm memory (`i32` in JavaScript); f32 vectors are native
//! little-endian f32.
// `#[unsafe(no_mangle)]` counts as unsafe code; nothing else here is unsafe.
#![allow(unsafe_code)]

use crate::cell::{BlobBuffer, Exclusive};
use crate::demo::{Demo, Failure, Side, TextKind, Vectors, group_parts};
use crate::{BLOB_CAPACITY, IO_CAPACITY};

static BLOB: BlobBuffer<BLOB_CAPACITY> = BlobBuffer::new();
static DEMO: Exclusive<Demo> = Exclusive::new(Demo::new());
static VECTORS: Exclusive<Vectors> = Exclusive::new(Vectors::new());

/// Runs a fallible step and returns its code (0 ok, negative: a [`Failure`]).
fn run(step: impl FnOnce(&mut Demo, &mut Vectors) -> Result<(), Failure>) -> i32 {
    DEMO.with(|demo| {
        let result = VECTORS
            .with(|vectors| step(demo, vectors))
            .unwrap_or(Err(Failure::Busy));
        demo.finish(result)
    })
    .unwrap_or(Failure::Busy.code())
}

/// Reads a value of the loaded model, or `none` without one.
fn read<R>(none: R, f: impl FnOnce(&remul_runtime::Model<'static>) -> R) -> R {
    DEMO.with(|demo| demo.model().ok().map(f))
        .flatten()
        .unwrap_or(none)
}

/// An optional export metric as f32, NaN when the blob has none.
fn metric(pick: impl FnOnce(&remul_runtime::ExportMetrics) -> Option<f32>) -> f32 {
    read(f32::NAN, |m| pick(m.metrics()).unwrap_or(f32::NAN))
}

/// Version of this export layer; `web/loader.js` refuses another.
#[unsafe(no_mangle)]
pub extern "C" fn abi_version() -> u32 {
    1
}

/// Where the host writes a blob. Drops the loaded model first (it borrows
/// these bytes). 0 only if another call is running.
#[unsafe(no_mangle)]
pub extern "C" fn blob_ptr() -> *mut u8 {
    match DEMO.with(Demo::unload) {
        Some(()) => BLOB.as_mut_ptr(),
        None => core::ptr::null_mut(),
    }
}

/// Bytes the blob buffer holds ([`BLOB_CAPACITY`]).
#[unsafe(no_mangle)]
pub extern "C" fn blob_capacity() -> usize {
    BLOB_CAPACITY
}

/// Validates the first `len` bytes of the blob buffer and keeps the model.
/// Errors: -2 longer than the buffer, -3 invalid blob, -4 model too large
/// for the static buffers.
#[unsafe(no_mangle)]
pub extern "C" fn load(len: usize) -> i32 {
    run(|demo, _| demo.load(BLOB.frozen(len), len))
}

/// Values in the model's input vector (0 without a model).
#[unsafe(no_mangle)]
pub extern "C" fn input_len() -> usize {
    read(0, |m| m.input_len())
}

/// Values in the model's output vector (0 without a model).
#[unsafe(no_mangle)]
pub extern "C" fn output_len() -> usize {
    read(0, |m| m.output_len())
}

/// The input vector ([`IO_CAPACITY`] f32); `predict`, `rotate_input` and
/// `equivariance` read its first `input_len()` values.
#[unsafe(no_mangle)]
pub extern "C" fn input_ptr() -> *mut f32 {
    VECTORS
        .with(Vectors::input_ptr)
        .unwrap_or(core::ptr::null_mut())
}

/// The output vector ([`IO_CAPACITY`] f32): `predict` writes its first
/// `output_len()` values; `rotate_output` rotates them.
#[unsafe(no_mangle)]
pub extern "C" fn output_ptr() -> *mut f32 {
    VECTORS
        .with(Vectors::output_ptr)
        .unwrap_or(core::ptr::null_mut())
}

/// The expected output `load_golden` writes ([`IO_CAPACITY`] f32).
#[unsafe(no_mangle)]
pub extern "C" fn expected_ptr() -> *mut f32 {
    VECTORS
        .with(Vectors::expected_ptr)
        .unwrap_or(core::ptr::null_mut())
}

/// Capacity of the input, output and expected vectors ([`IO_CAPACITY`]).
#[unsafe(no_mangle)]
pub extern "C" fn io_capacity() -> usize {
    IO_CAPACITY
}

/// Runs the model: input vector → output vector. -1 no model, -5 the
/// runtime refused the input (NaN or infinite values).
#[unsafe(no_mangle)]
pub extern "C" fn predict() -> i32 {
    run(|demo, vectors| demo.predict(vectors))
}

/// Rotates the input vector in place by `degrees` about `(x, y, z)` with
/// the model's input layout (φ(g): positions and velocities turn). -6 for a
/// zero or non-finite axis or angle.
#[unsafe(no_mangle)]
pub extern "C" fn rotate_input(x: f32, y: f32, z: f32, degrees: f32) -> i32 {
    run(|demo, vectors| demo.rotate(vectors, Side::Input, [x, y, z], degrees))
}

/// Rotates the output vector in place, as `rotate_input` (ρ(g)): the page
/// rotates the true future pose with it.
#[unsafe(no_mangle)]
pub extern "C" fn rotate_output(x: f32, y: f32, z: f32, degrees: f32) -> i32 {
    run(|demo, vectors| demo.rotate(vectors, Side::Output, [x, y, z], degrees))
}

/// Measures E and E' of the model at the input vector with `m` (1 to 4096)
/// rotations from the blob's group, drawn from `seed` (the runtime's
/// `Model::equivariance`). Read the result with `report_*`.
#[unsafe(no_mangle)]
pub extern "C" fn equivariance(m: u32, seed: u32) -> i32 {
    run(|demo, vectors| demo.equivariance(vectors, m, seed))
}

/// E (eq. 12) of the last `equivariance` call.
#[unsafe(no_mangle)]
pub extern "C" fn report_e() -> f32 {
    DEMO.with(|d| d.report().e).unwrap_or(f32::NAN)
}

/// E' (eq. 13) of the last `equivariance` call.
#[unsafe(no_mangle)]
pub extern "C" fn report_e_prime() -> f32 {
    DEMO.with(|d| d.report().e_prime).unwrap_or(f32::NAN)
}

/// Largest |f(φ(g)x) − ρ(g)f(x)| of the last `equivariance` call.
#[unsafe(no_mangle)]
pub extern "C" fn report_max_abs() -> f32 {
    DEMO.with(|d| d.report().max_abs).unwrap_or(f32::NAN)
}

/// M of the last `equivariance` call.
#[unsafe(no_mangle)]
pub extern "C" fn report_m() -> u32 {
    DEMO.with(|d| d.report().group_samples).unwrap_or(0)
}

/// Runs the blob's golden vectors and compares them bit for bit (-5 with
/// the first mismatch in the message).
#[unsafe(no_mangle)]
pub extern "C" fn check_golden() -> i32 {
    run(|demo, vectors| demo.check_golden(vectors))
}

/// Number of golden vectors in the blob.
#[unsafe(no_mangle)]
pub extern "C" fn golden_count() -> usize {
    read(0, |m| m.golden_count())
}

/// Copies golden vector `index` into the input vector and its expected
/// output into the expected vector.
#[unsafe(no_mangle)]
pub extern "C" fn load_golden(index: usize) -> i32 {
    run(|demo, vectors| demo.load_golden(vectors, index))
}

/// Weights, biases, norms and embeddings in the model.
#[unsafe(no_mangle)]
pub extern "C" fn parameter_count() -> usize {
    read(0, |m| m.parameter_count())
}

/// Multiply-accumulates per prediction.
#[unsafe(no_mangle)]
pub extern "C" fn macs() -> usize {
    read(0, |m| m.macs())
}

/// Scratch (f32 values) one prediction needs.
#[unsafe(no_mangle)]
pub extern "C" fn scratch_len() -> usize {
    read(0, |m| m.scratch_len())
}

/// Bytes of weight data in the blob.
#[unsafe(no_mangle)]
pub extern "C" fn tensor_bytes() -> usize {
    read(0, |m| m.tensor_bytes())
}

/// 0 int8 weights, 1 f32 weights, -1 no model.
#[unsafe(no_mangle)]
pub extern "C" fn quant() -> i32 {
    read(-1, |m| match m.quant() {
        remul_runtime::Quant::Int8 => 0,
        remul_runtime::Quant::F32 => 1,
    })
}

/// 0 SO(3), 1 SO(2) about an axis, 2 rotations in an angle range, -1 no
/// model.
#[unsafe(no_mangle)]
pub extern "C" fn group_kind() -> i32 {
    read(-1, |m| group_parts(m.group()).0)
}

/// Parameter `index` (0 to 2) of the group: SO(2) the axis, angle range
/// min and max in radians; NaN otherwise.
#[unsafe(no_mangle)]
pub extern "C" fn group_value(index: usize) -> f32 {
    read(f32::NAN, |m| {
        let (_, values) = group_parts(m.group());
        values.get(index).copied().unwrap_or(f32::NAN)
    })
}

/// Test MSE of the f32 model, measured at export (NaN if not recorded).
#[unsafe(no_mangle)]
pub extern "C" fn metric_f32_mse() -> f32 {
    metric(|m| m.f32_mse)
}

/// Test MSE of the int8 model, measured at export (NaN if not recorded).
#[unsafe(no_mangle)]
pub extern "C" fn metric_int8_mse() -> f32 {
    metric(|m| m.int8_mse)
}

/// E of the exported model on the test split (NaN if not recorded).
#[unsafe(no_mangle)]
pub extern "C" fn metric_e() -> f32 {
    metric(|m| m.e)
}

/// E' of the exported model on the test split (NaN if not recorded).
#[unsafe(no_mangle)]
pub extern "C" fn metric_e_prime() -> f32 {
    metric(|m| m.e_prime)
}

/// Test samples the export metrics were measured on.
#[unsafe(no_mangle)]
pub extern "C" fn metric_samples() -> u32 {
    read(0, |m| m.metrics().samples)
}

/// The text buffer the `*_text` exports write (UTF-8).
#[unsafe(no_mangle)]
pub extern "C" fn text_ptr() -> *const u8 {
    DEMO.with(|d| d.text_ptr()).unwrap_or(core::ptr::null())
}

/// Writes the last failure's message; returns its length in bytes.
#[unsafe(no_mangle)]
pub extern "C" fn error_text() -> usize {
    DEMO.with(|d| d.write_text(TextKind::Error)).unwrap_or(0)
}

/// Writes the blob's task name (`mocap-run`); returns its length.
#[unsafe(no_mangle)]
pub extern "C" fn task_text() -> usize {
    DEMO.with(|d| d.write_text(TextKind::Task)).unwrap_or(0)
}

/// Writes the architecture (`MLP 186 → 128 → 128 → 93, SiLU`); returns its
/// length.
#[unsafe(no_mangle)]
pub extern "C" fn architecture_text() -> usize {
    DEMO.with(|d| d.write_text(TextKind::Architecture))
        .unwrap_or(0)
}

/// Writes the layouts (`31 × [position, vector] → 31 × [position]`);
/// returns its length.
#[unsafe(no_mangle)]
pub extern "C" fn layout_text() -> usize {
    DEMO.with(|d| d.write_text(TextKind::Layout)).unwrap_or(0)
}
