//! Everything every binary here has and none of the runtime: the vector
//! table, the startup, the HardFault handler, the semihosting exit, and the
//! blob and golden inputs kept in. Its flash is subtracted from
//! size_inference's to give the runtime's code: README.md, "How flash and
//! RAM are measured". (The panic handler is not here, and not in
//! size_inference either: nothing in either can panic.) Exits 0.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use firmware_example::{fault, model};

#[entry]
fn main() -> ! {
    core::hint::black_box(&model::BLOB);
    core::hint::black_box(&model::GOLDEN_INPUTS);
    fault::exit(core::hint::black_box(true))
}
