//! Nothing panics on any bytes or any input: random bytes, bit flips,
//! truncations and huge length fields give `Err` or a valid model whose
//! `predict` returns normally; bad inputs give error values.

mod common;

use common::*;
use proptest::prelude::*;
use remul_group::{Channel, IoLayout, Layout};
use remul_runtime::format::{self, HEADER_LEN, Payload};
use remul_runtime::{Activation, Architecture, Error, Model};

/// Rewrites the header's length and CRC for whatever payload follows it, so
/// that a mutation reaches the decoder and the validation behind the CRC.
fn reseal(blob: &[u8]) -> Vec<u8> {
    let mut out = blob.to_vec();
    if out.len() >= HEADER_LEN {
        let header = format::header(&out[HEADER_LEN..]).unwrap();
        out[..HEADER_LEN].copy_from_slice(&header);
    }
    out
}

/// Loads `bytes` and, if that works, runs everything a caller can run.
/// Returns whether the bytes were accepted.
fn exercise(bytes: &[u8]) -> bool {
    let Ok(model) = Model::from_bytes(bytes) else {
        return false;
    };
    if model.scratch_len() > 1 << 22 || model.macs() > 1 << 24 {
        return true; // valid but too big to run in a unit test
    }
    let mut scratch = vec![
        0.0;
        model
            .equivariance_scratch_len()
            .max(model.golden_scratch_len())
    ];
    let mut y = vec![0.0; model.output_len()];
    for fill in [0.0f32, 1.0, -3.5e3, 1e30] {
        let x: Vec<f32> = (0..model.input_len())
            .map(|i| fill * (i % 7) as f32)
            .collect();
        match model.predict(&x, &mut y, &mut scratch) {
            Ok(()) => assert!(y.iter().all(|v| v.is_finite())),
            Err(Error::NonFiniteOutput { .. }) => {}
            Err(e) => panic!("a valid model failed on a valid input: {e}"),
        }
    }
    let x = vec![0.5; model.input_len()];
    let _ = model.equivariance([x.as_slice()], 2, 1, &mut scratch);
    let _ = model.check_golden(&mut scratch);
    let _ = model.golden().count();
    true
}

fn blob_strategy() -> impl Strategy<Value = Vec<u8>> {
    let blobs = sample_blobs();
    (0..blobs.len()).prop_map(move |i| blobs[i].1.clone())
}

#[test]
fn sample_blobs_are_valid() {
    for (name, blob) in sample_blobs() {
        assert!(exercise(&blob), "{name}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        exercise(&bytes);
        exercise(&reseal(&bytes));
    }

    #[test]
    fn random_payload_behind_a_valid_header(payload in proptest::collection::vec(any::<u8>(), 0..600)) {
        let mut blob = vec![0u8; HEADER_LEN];
        blob.extend_from_slice(&payload);
        exercise(&reseal(&blob));
    }

    #[test]
    fn bit_flips(blob in blob_strategy(), flips in proptest::collection::vec((any::<prop::sample::Index>(), 0u8..8), 1..6)) {
        let mut flipped = blob.clone();
        for (at, bit) in &flips {
            flipped[at.index(blob.len())] ^= 1 << bit;
        }
        if flipped != blob {
            // Without a fixed CRC every change is caught by the header.
            prop_assert!(Model::from_bytes(&flipped).is_err());
        }
        exercise(&reseal(&flipped));
    }

    #[test]
    fn truncations(blob in blob_strategy(), cut in any::<prop::sample::Index>()) {
        let short = &blob[..cut.index(blob.len())];
        prop_assert!(Model::from_bytes(short).is_err());
        exercise(&reseal(short));
    }

    #[test]
    fn huge_varints(blob in blob_strategy(), at in any::<prop::sample::Index>(), value in prop_oneof![
        Just(u64::from(u32::MAX)), Just(u64::MAX), Just(1u64 << 31), Just(1u64 << 40), 1u64..1 << 20,
    ]) {
        // Overwrite payload bytes with a postcard varint: a length, count or
        // dimension that claims far more than the blob holds.
        let mut varint = Vec::new();
        let mut v = value;
        loop {
            let byte = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 { varint.push(byte); break; }
            varint.push(byte | 0x80);
        }
        let mut mutated = blob.clone();
        let start = HEADER_LEN + at.index(blob.len() - HEADER_LEN);
        for (i, b) in varint.iter().enumerate() {
            if let Some(slot) = mutated.get_mut(start + i) { *slot = *b; }
        }
        exercise(&reseal(&mutated));
    }

    #[test]
    fn any_input_values(blob in blob_strategy(), values in proptest::collection::vec(any::<f32>(), 1..64)) {
        let model = Model::from_bytes(&blob).unwrap();
        let x: Vec<f32> = values.iter().cycle().take(model.input_len()).copied().collect();
        let mut y = vec![0.0; model.output_len()];
        let mut scratch = vec![0.0; model.scratch_len()];
        match model.predict(&x, &mut y, &mut scratch) {
            Ok(()) => prop_assert!(x.iter().all(|v| v.is_finite())),
            Err(Error::NonFiniteInput { index }) => prop_assert!(!x[index].is_finite()),
            Err(Error::NonFiniteOutput { .. }) => {}
            Err(e) => prop_assert!(false, "{e}"),
        }
    }
}

fn sealed(payload: &Payload<'_>) -> Result<Model<'static>, Error> {
    let blob: &'static [u8] = Box::leak(remul_export::seal(payload).unwrap().into_boxed_slice());
    Model::from_bytes(blob)
}

#[test]
fn huge_dimensions_are_rejected() {
    let blobs = sample_blobs();
    let mlp = Model::from_bytes(&blobs[1].1).unwrap();
    let tf = Model::from_bytes(&blobs[3].1).unwrap();
    let (n_in, n_out) = (mlp.input_len() as u32, mlp.output_len() as u32);

    for widths in [
        vec![n_in, u32::MAX, n_out],
        vec![n_in, 1 << 20, n_out],
        vec![n_in, 0, n_out],
        vec![n_in],
        vec![n_in + 1, 9, n_out],
        vec![n_in; 17],
    ] {
        let mut p = mlp.payload().clone();
        p.architecture = Architecture::Mlp {
            activation: Activation::Silu,
            widths: heapless::Vec::from_slice(&widths).unwrap(),
        };
        assert!(sealed(&p).is_err(), "{widths:?}");
    }

    let Architecture::Transformer {
        d_model,
        heads,
        d_ff,
        blocks,
        activation,
        entity_embedding,
    } = tf.architecture().clone()
    else {
        unreachable!()
    };
    let variants = [
        (u32::MAX, heads, d_ff, blocks),
        (d_model, 0, d_ff, blocks),
        (d_model, 3, d_ff, blocks),
        (d_model, heads, u32::MAX, blocks),
        (d_model, heads, 0, blocks),
        (d_model, heads, d_ff, u32::MAX),
        (d_model, heads, d_ff, blocks + 1),
        (1 << 14, 1, 1 << 14, 64),
    ];
    for (d, h, f, b) in variants {
        let mut p = tf.payload().clone();
        p.architecture = Architecture::Transformer {
            d_model: d,
            heads: h,
            d_ff: f,
            blocks: b,
            activation,
            entity_embedding,
        };
        assert!(sealed(&p).is_err(), "{d} {h} {f} {b}");
    }

    // The most entities a layout allows, with no weights to match.
    let mut p = tf.payload().clone();
    p.io = IoLayout {
        input: Layout::new(1 << 16, tf.io().input.channels()).unwrap(),
        output: Layout::new(1 << 16, tf.io().output.channels()).unwrap(),
    };
    assert!(sealed(&p).is_err());
    // Entity counts that differ between input and output.
    let mut p = tf.payload().clone();
    p.io.output = Layout::new(2, &[Channel::Position, Channel::Vector, Channel::Scalar]).unwrap();
    assert!(sealed(&p).is_err());

    let mut p = mlp.payload().clone();
    p.golden.count = u32::MAX;
    assert!(sealed(&p).is_err());
    let mut p = mlp.payload().clone();
    p.padding = &[0, 0, 0, 0];
    assert!(sealed(&p).is_err());
    let mut p = mlp.payload().clone();
    p.normalization.position_scale = f32::NAN;
    assert!(sealed(&p).is_err());
    let mut p = mlp.payload().clone();
    p.normalization.vector_scale = 0.0;
    assert!(sealed(&p).is_err());
    let mut p = mlp.payload().clone();
    p.group = remul_group::Group::So2 {
        axis: [0.0, 0.0, 0.0],
    };
    assert!(sealed(&p).is_err());
}

#[test]
fn bad_values_in_tensors_are_rejected() {
    let blobs = sample_blobs();
    // An int8 scale, then an f32 weight, made NaN / zero / negative.
    for (index, offset_from_end) in [(1usize, 4usize), (0, 4)] {
        let model = Model::from_bytes(&blobs[index].1).unwrap();
        for bad in [f32::NAN, f32::INFINITY, 0.0, -1.0] {
            let mut tensors = model.payload().tensors.to_vec();
            // The last layer's bias ends the tensors; the value before it is
            // that layer's last row scale (int8) or last weight (f32).
            let n_out = model.output_len();
            let at = tensors.len() - n_out * 4 - offset_from_end;
            tensors[at..at + 4].copy_from_slice(&bad.to_le_bytes());
            let mut p = model.payload().clone();
            p.tensors = &tensors;
            let result = sealed(&p);
            if bad.is_finite() && index == 0 {
                assert!(result.is_ok(), "f32 weight {bad} is allowed");
            } else {
                assert!(result.is_err(), "blob {index} value {bad}");
            }
        }
    }
    // Non-zero int8 row padding.
    let model = Model::from_bytes(&blobs[1].1).unwrap();
    let mut tensors = model.payload().tensors.to_vec();
    let inputs = model.input_len(); // 3 entities × 7 = 21 → stride 24
    tensors[inputs] = 1;
    let mut p = model.payload().clone();
    p.tensors = &tensors;
    assert_eq!(
        sealed(&p).err(),
        Some(Error::InvalidModel {
            what: "int8 row padding is not zero"
        })
    );
    // One byte too many or too few.
    let mut longer = model.payload().tensors.to_vec();
    longer.push(0);
    let mut p = model.payload().clone();
    p.tensors = &longer;
    assert!(sealed(&p).is_err());
    p.tensors = &model.payload().tensors[1..];
    assert!(sealed(&p).is_err());
}

#[test]
fn header_errors_are_specific() {
    let blob = sample_blobs()[0].1.clone();
    let supported = remul_runtime::format::FORMAT_VERSION;
    for found in [supported - 1, supported + 1] {
        let mut other = blob.clone();
        other[4..6].copy_from_slice(&found.to_le_bytes());
        assert_eq!(
            Model::from_bytes(&other).err(),
            Some(Error::UnsupportedVersion { found, supported })
        );
    }
    let mut magic = blob.clone();
    magic[0] = b'X';
    assert_eq!(Model::from_bytes(&magic).err(), Some(Error::BadMagic));
    let mut crc = blob.clone();
    let last = crc.len() - 1;
    crc[last] ^= 0x40;
    assert!(matches!(
        Model::from_bytes(&crc),
        Err(Error::Checksum { .. })
    ));
    let mut longer = blob.clone();
    longer.push(0);
    assert!(matches!(
        Model::from_bytes(&longer),
        Err(Error::BlobLength { .. })
    ));
    assert!(matches!(
        Model::from_bytes(&blob[..10]),
        Err(Error::BlobLength { .. })
    ));
    let mut reserved = blob.clone();
    reserved[6] = 1;
    assert!(matches!(
        Model::from_bytes(&reserved),
        Err(Error::InvalidModel { .. })
    ));
    // Bytes after the postcard payload, inside the CRC.
    let mut trailing = blob.clone();
    trailing.push(0);
    assert!(Model::from_bytes(&reseal(&trailing)).is_err());
}

#[test]
fn bad_inputs_are_errors() {
    for (name, blob) in sample_blobs() {
        let model = Model::from_bytes(&blob).unwrap();
        let (n_in, n_out) = (model.input_len(), model.output_len());
        let mut y = vec![0.0; n_out];
        let mut scratch = vec![0.0; model.scratch_len()];
        for (index, bad) in [
            (0, f32::NAN),
            (n_in - 1, f32::INFINITY),
            (n_in / 2, f32::NEG_INFINITY),
        ] {
            let mut x = vec![1.0; n_in];
            x[index] = bad;
            assert_eq!(
                model.predict(&x, &mut y, &mut scratch),
                Err(Error::NonFiniteInput { index }),
                "{name}"
            );
        }
        let x = vec![1.0; n_in];
        for len in [0, n_in - 1, n_in + 1] {
            assert_eq!(
                model.predict(&vec![1.0; len], &mut y, &mut scratch),
                Err(Error::InputLength {
                    expected: n_in,
                    got: len
                })
            );
        }
        assert_eq!(
            model.predict(&x, &mut vec![0.0; n_out + 1], &mut scratch),
            Err(Error::OutputLength {
                expected: n_out,
                got: n_out + 1
            })
        );
        let mut small = vec![0.0; model.scratch_len() - 1];
        assert!(matches!(
            model.predict(&x, &mut y, &mut small),
            Err(Error::ScratchTooSmall { .. })
        ));
        model.predict(&x, &mut y, &mut scratch).unwrap();
        // Larger scratch is fine, and stale contents do not matter.
        let mut big = vec![f32::NAN; model.scratch_len() + 100];
        let mut y2 = vec![0.0; n_out];
        model.predict(&x, &mut y2, &mut big).unwrap();
        assert_eq!(y, y2);
    }
}

#[test]
fn every_error_prints_as_one_line() {
    let errors = [
        Error::BadMagic,
        Error::UnsupportedVersion {
            found: 9,
            supported: 2,
        },
        Error::BlobLength {
            expected: 1,
            got: 2,
        },
        Error::Checksum {
            expected: 1,
            computed: 2,
        },
        Error::Decode,
        Error::InvalidModel { what: "x" },
        Error::Group(remul_group::Error::NoEntities),
        Error::InputLength {
            expected: 1,
            got: 2,
        },
        Error::OutputLength {
            expected: 1,
            got: 2,
        },
        Error::ScratchTooSmall { needed: 1, got: 0 },
        Error::NonFiniteInput { index: 0 },
        Error::NonFiniteOutput { index: 0 },
        Error::GoldenMismatch {
            vector: 0,
            index: 0,
        },
    ];
    for e in errors {
        let text = e.to_string();
        assert!(!text.is_empty() && !text.contains('\n'), "{e:?}");
    }
}
