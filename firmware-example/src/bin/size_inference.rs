//! Flash for the runtime alone, as a device that only runs the model needs
//! it: validate the blob, then `check_golden` (which runs `predict` on
//! every golden vector), with no report. `flash - blob - golden inputs -
//! flash of the panic binary` (the startup, exit and fault code every
//! binary here has) is the runtime's code: README.md, "How flash and RAM
//! are measured". Exits 0 when the golden vectors match.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use firmware_example::{fault, model};
use remul_runtime::Model;

#[entry]
fn main() -> ! {
    static mut SCRATCH: [f32; model::SCRATCH_LEN] = [0.0; model::SCRATCH_LEN];
    let passed =
        Model::from_bytes(&model::BLOB.0).is_ok_and(|model| model.check_golden(SCRATCH).is_ok());
    // Keeps the golden inputs in, as in size_equivariance, so that both
    // subtract the same data.
    core::hint::black_box(&model::GOLDEN_INPUTS);
    fault::exit(passed)
}
