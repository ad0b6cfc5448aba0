//! `Model::from_bytes` and everything a caller can run on the result.
//!
//! The first byte picks the mode: odd re-seals the header (length and CRC)
//! over the rest, so that mutations get past the CRC into the decoder and
//! the validation behind it; even feeds the bytes as they are.
#![no_main]

use libfuzzer_sys::fuzz_target;
use remul_runtime::format::{HEADER_LEN, header};
use remul_runtime::{Error, Model};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let mut blob = rest.to_vec();
    if mode & 1 == 1 && blob.len() >= HEADER_LEN {
        if let Some(sealed) = header(&blob[HEADER_LEN..]) {
            blob[..HEADER_LEN].copy_from_slice(&sealed);
        }
    }
    let Ok(model) = Model::from_bytes(&blob) else {
        return;
    };
    // Valid but too large to run thousands of times a second.
    if model.scratch_len() > 1 << 20 || model.macs() > 1 << 22 {
        return;
    }
    let scratch_len = model.equivariance_scratch_len().max(model.golden_scratch_len());
    let mut scratch = vec![0.0f32; scratch_len];
    let mut y = vec![0.0f32; model.output_len()];
    let x: Vec<f32> = (0..model.input_len())
        .map(|i| ((i * 37 + usize::from(mode)) % 17) as f32 - 8.0)
        .collect();
    // A valid model on a finite input may only fail by overflowing f32.
    match model.predict(&x, &mut y, &mut scratch) {
        Ok(()) => assert!(y.iter().all(|v| v.is_finite())),
        Err(Error::NonFiniteOutput { .. }) => {}
        Err(e) => panic!("valid model failed on a valid input: {e}"),
    }
    let _ = model.check_golden(&mut scratch);
    let _ = model.equivariance([x.as_slice()], 2, u64::from(mode), &mut scratch);
    let _ = model.golden().count();
});
