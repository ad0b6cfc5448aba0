//! `Payload::decode`, the runtime's own reader, against postcard's serde
//! deserializer, which defines the format: on any bytes both accept or both
//! refuse, and what they read is the same, bit for bit.
#![no_main]

use libfuzzer_sys::fuzz_target;
use remul_runtime::format::Payload;

fuzz_target!(|data: &[u8]| {
    let ours = Payload::decode(data).ok();
    let theirs = match postcard::take_from_bytes::<Payload<'_>>(data) {
        Ok((payload, [])) => Some(payload),
        _ => None,
    };
    // Re-encoded, so that NaN fields compare by their bits.
    let encode = |p: &Option<Payload<'_>>| {
        p.as_ref()
            .map(|p| postcard::to_allocvec(p).expect("a decoded payload encodes"))
    };
    assert_eq!(encode(&ours), encode(&theirs), "the two readers disagree");
});
