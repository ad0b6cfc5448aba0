//! A deliberate panic: the panic handler must report it and end QEMU with
//! exit code 1, not hang.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use firmware_example::fault;

#[entry]
fn main() -> ! {
    if core::hint::black_box(true) {
        panic!("deliberate panic");
    }
    fault::exit(true)
}
