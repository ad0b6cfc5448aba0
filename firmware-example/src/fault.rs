//! How the firmware ends: [`exit`] with a status, and the handlers that
//! turn a panic or a HardFault into a failing exit. Under QEMU the exit
//! code comes back through semihosting; `probe-rs run` on a board reads the
//! same semihosting exit. Nothing may end in a loop that hangs the runner.

use cortex_m_rt::{ExceptionFrame, exception};
use cortex_m_semihosting::debug;

use crate::report::line;

/// Ends the program: exit code 0 on success, 1 on failure.
pub fn exit(success: bool) -> ! {
    debug::exit(if success {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    // Only reached if a debugger resumes after the exit call. (With no
    // debugger at all, the call's BKPT faults and the core locks up: the
    // program is over either way.)
    loop {
        cortex_m::asm::bkpt();
    }
}

/// A HardFault (a bad address, an undefined instruction, panic-probe's
/// `udf`, a fault escalated from the disabled Bus/Usage/MemManage faults):
/// report where, then fail.
#[exception]
unsafe fn HardFault(frame: &ExceptionFrame) -> ! {
    line()
        .text("HardFault at pc ")
        .hex(frame.pc())
        .text(", lr ")
        .hex(frame.lr())
        .print();
    exit(false)
}

/// Prints the panic's location (and its message when it is a plain string:
/// formatting arguments would pull in `core::fmt`), then fails.
#[cfg(not(feature = "rtt"))]
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    let mut report = line();
    report.text("panic");
    if let Some(location) = info.location() {
        report
            .text(" at ")
            .text(location.file())
            .text(":")
            .uint(u64::from(location.line()));
    }
    if let Some(message) = info.message().as_str() {
        report.text(": ").text(message);
    }
    report.print();
    exit(false)
}

/// The board build: panic-probe prints the panic with defmt, then its
/// `udf` lands in [`HardFault`], which exits with failure.
#[cfg(feature = "rtt")]
use panic_probe as _;
