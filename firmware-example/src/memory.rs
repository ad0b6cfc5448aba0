//! Flash and RAM use, read from cortex-m-rt's linker symbols, and the stack
//! peak, measured by painting: [`paint_stack`] fills the free RAM between
//! the statics and the stack pointer with a pattern at boot, and
//! [`stack_peak`] later finds the deepest word that no longer holds it.

/// The paint: unlikely to be a value the program leaves in a stack slot.
const PAINT: u32 = 0xC0DE_5AFE;

/// Bytes just below the stack pointer that [`paint_stack`] leaves alone
/// (it makes no calls; this is slack). Counted as used by [`stack_peak`].
const SAFETY_MARGIN: usize = 32;

unsafe extern "C" {
    // cortex-m-rt's link.x: only the addresses are used, never the values.
    static __vector_table: u32;
    static __sidata: u32;
    static __sdata: u32;
    static __edata: u32;
    static __sheap: u32;
    static _stack_start: u32;
}

/// Addresses of the linker symbols: `&raw const` reads nothing, so it is safe.
macro_rules! addr {
    ($symbol:ident) => {
        &raw const $symbol as usize
    };
}

/// Flash in use: the vector table, code, constants (the blob among them)
/// and the initial values of `.data`.
pub fn flash_bytes() -> usize {
    let data = addr!(__edata) - addr!(__sdata);
    addr!(__sidata) + data - addr!(__vector_table)
}

/// RAM taken by statics: `.data`, `.bss` and `.uninit`.
pub fn static_ram_bytes() -> usize {
    addr!(__sheap) - addr!(__sdata)
}

/// Fills the RAM from the end of the statics up to a margin below the
/// current stack pointer with [`PAINT`]. Call it first thing in `main`.
#[inline(never)]
pub fn paint_stack() {
    let top = cortex_m::register::msp::read() as usize - SAFETY_MARGIN;
    for address in (addr!(__sheap)..top).step_by(4) {
        // SAFETY: between the statics and the live stack nothing owns the
        // memory yet (the stack grows into it later, over the paint); the
        // address is word aligned, as `__sheap` is.
        unsafe { core::ptr::with_exposed_provenance_mut::<u32>(address).write_volatile(PAINT) };
    }
}

/// The deepest the stack has grown since [`paint_stack`], in bytes from
/// its top. A stack that grew into the margin counts as the whole margin
/// and more, never less.
pub fn stack_peak() -> usize {
    let (bottom, top) = (addr!(__sheap), addr!(_stack_start));
    let untouched = (bottom..top)
        .step_by(4)
        .take_while(|&address| {
            // SAFETY: a word of RAM between the statics and the stack top,
            // which all exists; volatile, as the compiler cannot know that
            // `paint_stack` wrote it.
            unsafe { core::ptr::with_exposed_provenance::<u32>(address).read_volatile() == PAINT }
        })
        .count();
    top - (bottom + 4 * untouched)
}
