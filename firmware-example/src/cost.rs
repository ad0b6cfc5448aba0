//! Counting cost with SysTick.
//!
//! QEMU started with `-icount shift=0` retires one instruction per
//! nanosecond of virtual time, and mps2-an386 clocks SysTick at 25 MHz, so
//! one SysTick tick is exactly 40 instructions, on every run (the DWT cycle
//! counter is not emulated). On a board (the `rtt` build) SysTick runs on
//! the core clock, so a tick is one cycle, and the report says cycles.
//! SysTick is 24 bits wide and counts down; the exception counts the wraps
//! (every 2²⁴ ticks, 671 M instructions in QEMU).

use core::sync::atomic::{AtomicU32, Ordering};

use cortex_m::peripheral::syst::SystClkSource;
use cortex_m::peripheral::{SCB, SYST};
use cortex_m_rt::exception;

/// SysTick's reload value: the full 24 bits.
const RELOAD: u32 = 0x00FF_FFFF;

/// What a [`Counter`] counts, and how many per SysTick tick: instructions
/// under QEMU mps2-an386 with `-icount shift=0`.
#[cfg(not(feature = "rtt"))]
pub const UNIT: (&str, u64) = ("instructions", 40);
/// What a [`Counter`] counts, and how many per SysTick tick: core clock
/// cycles on a board.
#[cfg(feature = "rtt")]
pub const UNIT: (&str, u64) = ("cycles", 1);

/// SysTick wraps since [`Counter::start`].
static WRAPS: AtomicU32 = AtomicU32::new(0);

#[exception]
fn SysTick() {
    WRAPS.fetch_add(1, Ordering::Relaxed);
}

/// A free-running tick counter on SysTick.
pub struct Counter {
    _syst: SYST,
}

impl Counter {
    /// Starts SysTick on the core clock, counting from zero.
    pub fn start(mut syst: SYST) -> Self {
        syst.disable_counter();
        syst.set_clock_source(SystClkSource::Core);
        syst.set_reload(RELOAD);
        syst.clear_current();
        WRAPS.store(0, Ordering::Relaxed);
        syst.enable_interrupt();
        syst.enable_counter();
        Self { _syst: syst }
    }

    /// Ticks since [`Counter::start`].
    pub fn ticks(&self) -> u64 {
        cortex_m::interrupt::free(|_| {
            let current = SYST::get_current();
            let mut wraps = u64::from(WRAPS.load(Ordering::Relaxed));
            // A wrap whose exception is still pending (interrupts are off
            // here) counts if `current` was read after it: just reloaded,
            // so in the upper half. Read before it, `current` was near 0.
            if SCB::is_pendst_pending() && current > RELOAD / 2 {
                wraps += 1;
            }
            wraps * (u64::from(RELOAD) + 1) + u64::from(RELOAD - current)
        })
    }

    /// Runs `f` and returns its result with its cost in [`UNIT`]s (in
    /// QEMU a multiple of 40 instructions; the counter's own reads fall
    /// inside the first and last tick).
    pub fn cost<T>(&self, f: impl FnOnce() -> T) -> (T, u64) {
        let start = self.ticks();
        let result = f();
        let ticks = self.ticks() - start;
        (result, ticks * UNIT.1)
    }
}
