//! As size_inference, plus the on-device equivariance check (E and E'
//! with the blob's group: rotation sampling, the group action on the
//! layouts, the metric), so that the difference is that check's flash.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use firmware_example::{fault, model};
use remul_runtime::Model;

#[entry]
fn main() -> ! {
    static mut SCRATCH: [f32; model::SCRATCH_LEN] = [0.0; model::SCRATCH_LEN];
    let passed = Model::from_bytes(&model::BLOB.0).is_ok_and(|model| {
        let inputs = model::GOLDEN_INPUTS.iter().map(|x| &x[..]);
        model.check_golden(SCRATCH).is_ok() && model.equivariance(inputs, 2, 0, SCRATCH).is_ok()
    });
    fault::exit(passed)
}
