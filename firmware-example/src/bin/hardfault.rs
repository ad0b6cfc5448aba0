//! A deliberate HardFault (a read from an address with no memory behind
//! it): the handler must report it and end QEMU with exit code 1, not hang.
//! Also the smallest binary with the board scaffolding (startup, report
//! line, exit, fault handlers), which README.md's flash figures subtract.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use firmware_example::fault;
use firmware_example::report::line;

/// Nothing answers at this address on mps2-an386 (nor on an STM32F411).
const NO_MEMORY: usize = 0xF000_0000;

#[entry]
fn main() -> ! {
    line()
        .text("reading from an address with no memory...")
        .print();
    let value = core::hint::black_box(NO_MEMORY) as *const u32;
    // SAFETY: none; this read is meant to fault. The HardFault handler ends
    // the program, so execution never continues past it.
    let read = unsafe { value.read_volatile() };
    line().text("no fault: read ").hex(read).print();
    fault::exit(true)
}
