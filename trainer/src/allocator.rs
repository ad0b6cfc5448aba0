//! The trainer's allocator setting: mimalloc (the `trainer` binary's global
//! allocator, and the benches') keeps the pages it frees.
//!
//! A training step frees and allocates again the same megabyte-sized
//! tensors (activations, gradients, Adam's moments). With mimalloc's default
//! purge, freed pages went back to the OS and every step faulted them in
//! again, each zeroed by the kernel: a fifth of the paper MLP's REMUL step.
//! Kept, the process holds its peak working set, which for the trainer's
//! CPU models is tens of megabytes.

/// mimalloc's `mi_option_purge_delay`: its position in `mi_option_e`
/// (mimalloc.h); libmimalloc-sys does not name it.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Tells mimalloc never to return freed pages to the OS. Call it first
/// thing in `main`, before any other thread starts.
#[allow(unsafe_code)]
pub fn keep_freed_pages() {
    // SAFETY: mi_option_set only stores an option's value; it is not
    // thread safe, and the caller runs it before any other thread exists.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) }
}
