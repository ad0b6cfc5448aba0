//! The crate's only `unsafe`: static memory shared with the JavaScript
//! host, which writes into it through raw pointers between calls.
//!
//! Without an allocator every buffer is a `static`. Two wrappers make that
//! safe to use from the rest of the crate:
//!
//! - [`Exclusive`] hands out `&mut T` to one caller at a time (a try-lock:
//!   a second, overlapping caller gets `None` instead of an aliased
//!   reference). In wasm only re-entrance could overlap, and nothing in the
//!   exports re-enters; the host tests run on threads, where it matters.
//! - [`BlobBuffer`] is the byte array the host copies a blob into, and the
//!   `&'static [u8]` the loaded [`remul_runtime::Model`] borrows.
#![allow(unsafe_code)]

use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, Ordering};

/// A value that one caller at a time may mutate.
pub struct Exclusive<T> {
    busy: AtomicBool,
    value: UnsafeCell<T>,
}

// SAFETY: `with` creates the only `&mut T` while it holds `busy`, so no two
// threads ever reach the value at once; `T: Send` lets it move between them.
unsafe impl<T: Send> Sync for Exclusive<T> {}

/// Clears the busy flag when `with` returns (or unwinds, in host tests).
struct Release<'a>(&'a AtomicBool);

impl Drop for Release<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

impl<T> Exclusive<T> {
    /// Wraps `value`.
    pub const fn new(value: T) -> Self {
        Self {
            busy: AtomicBool::new(false),
            value: UnsafeCell::new(value),
        }
    }

    /// Runs `f` on the value, or returns `None` if another call is inside.
    pub fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> Option<R> {
        if self.busy.swap(true, Ordering::Acquire) {
            return None;
        }
        let _release = Release(&self.busy);
        // SAFETY: `busy` was false and is now held by this call until
        // `_release` drops, so this is the only reference to the value.
        Some(f(unsafe { &mut *self.value.get() }))
    }
}

/// Bytes the host writes a blob into.
pub struct BlobBuffer<const N: usize>(UnsafeCell<[u8; N]>);

// SAFETY: Rust code never writes the bytes (only the host does, through
// `as_mut_ptr`, under the contract of `BlobBuffer::frozen`), so shared
// access from several threads only ever reads.
unsafe impl<const N: usize> Sync for BlobBuffer<N> {}

impl<const N: usize> BlobBuffer<N> {
    /// A zeroed buffer (it lands in `.bss`, not in the .wasm file).
    pub const fn new() -> Self {
        Self(UnsafeCell::new([0; N]))
    }

    /// Where the host writes; Rust code never writes through it.
    pub fn as_mut_ptr(&self) -> *mut u8 {
        self.0.get().cast()
    }

    /// The first `len` bytes (`None` past the capacity), borrowed for as
    /// long as the model that reads them.
    ///
    /// The host must not write the buffer while such a slice is alive. The
    /// export layer keeps that contract by dropping the loaded model (the
    /// only holder) in `blob_ptr()` and `load()`, and the host writes only
    /// through a pointer freshly returned by `blob_ptr()`.
    pub fn frozen(&'static self, len: usize) -> Option<&'static [u8]> {
        if len > N {
            return None;
        }
        // SAFETY: in bounds (checked above); u8 has no invalid values; Rust
        // never writes the bytes, and the host does not while the slice
        // lives (see above).
        Some(unsafe { core::slice::from_raw_parts(self.as_mut_ptr(), len) })
    }
}
