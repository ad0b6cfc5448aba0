//! `Payload::decode` (the runtime's own reader) against postcard's serde
//! deserializer, which the format is defined by: on every blob we ship and
//! on random payloads, intact and corrupted, both accept the same bytes and
//! read the same values.

mod common;

use proptest::prelude::*;
use remul_group::{CanonicalAxes, Channel, Group, IoLayout, Layout};
use remul_runtime::format::{Golden, HEADER_LEN, Payload};
use remul_runtime::{Activation, Architecture, Error, ExportMetrics, Normalization, Quant};

/// What postcard reads from `bytes`: the payload, or `None`.
fn by_postcard(bytes: &[u8]) -> Option<Payload<'_>> {
    match postcard::take_from_bytes::<Payload<'_>>(bytes) {
        Ok((payload, [])) => Some(payload),
        _ => None,
    }
}

/// Equal field for field, bit for bit (an f32 NaN is not `==` itself).
fn same(a: &Payload<'_>, b: &Payload<'_>) -> bool {
    postcard::to_allocvec(a).ok() == postcard::to_allocvec(b).ok()
}

/// Both readers on `bytes`: the same verdict, and the same payload.
fn agree(bytes: &[u8]) -> Result<(), TestCaseError> {
    let ours = Payload::decode(bytes);
    match (&ours, by_postcard(bytes)) {
        (Ok(a), Some(b)) => prop_assert!(same(a, &b), "values differ:\n{a:?}\n{b:?}"),
        (Err(_), None) => {}
        (a, b) => prop_assert!(false, "verdicts differ: ours {a:?}, postcard {b:?}"),
    }
    Ok(())
}

#[test]
fn every_shipped_and_test_blob_reads_the_same() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let files = [
        "runtime-nostd/tests/data/mlp-f32.bin",
        "runtime-nostd/tests/data/mlp-int8.bin",
        "runtime-nostd/tests/data/transformer-f32.bin",
        "runtime-nostd/tests/data/transformer-int8.bin",
        "models/mocap-mlp.bin",
        "models/mocap-transformer.bin",
        "models/mocap-mlp-equivariant.bin",
    ];
    let mut blobs: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|f| (f.to_string(), std::fs::read(format!("{root}/{f}")).unwrap()))
        .collect();
    blobs.extend(
        common::sample_blobs()
            .into_iter()
            .map(|(name, b)| (name.to_string(), b)),
    );
    for (name, blob) in &blobs {
        let payload = &blob[HEADER_LEN..];
        let ours = Payload::decode(payload).unwrap_or_else(|e| panic!("{name}: {e}"));
        let theirs = by_postcard(payload).unwrap_or_else(|| panic!("{name}: postcard fails"));
        assert!(same(&ours, &theirs), "{name}: values differ");
        assert_eq!(ours.tensors.as_ptr(), theirs.tensors.as_ptr(), "{name}");
    }
}

#[test]
fn left_over_bytes_are_refused() {
    let blob = &common::sample_blobs()[0].1;
    let mut payload = blob[HEADER_LEN..].to_vec();
    payload.push(0);
    assert_eq!(
        Payload::decode(&payload).unwrap_err(),
        Error::InvalidModel {
            what: "bytes after the payload"
        }
    );
}

/// The payload's wire form with unbounded lists, to write channel and
/// width lists one past their capacity (the field order and types are
/// `Payload`'s; a `Vec` and a `heapless::Vec` encode alike).
#[derive(serde::Serialize)]
struct WidePayload<'a> {
    task: &'a str,
    group: Group,
    io: [WideLayout; 2],
    normalization: Normalization,
    quant: Quant,
    architecture: WideArchitecture,
    metrics: ExportMetrics,
    golden: Golden<'a>,
    padding: &'a [u8],
    tensors: &'a [u8],
}

#[derive(serde::Serialize)]
struct WideLayout {
    entities: u32,
    channels: Vec<Channel>,
}

#[derive(serde::Serialize)]
enum WideArchitecture {
    Mlp {
        activation: Activation,
        widths: Vec<u32>,
    },
}

/// A list at its capacity is read; one more element is refused by both
/// readers (the runtime reads past the capacity, then refuses the count).
#[test]
fn lists_past_their_capacity_are_refused() {
    let wide = |channels: usize, widths: usize| {
        let layout = WideLayout {
            entities: 2,
            channels: vec![Channel::Scalar; channels],
        };
        let payload = WidePayload {
            task: "wide",
            group: Group::So3,
            io: [
                layout,
                WideLayout {
                    entities: 1,
                    channels: vec![Channel::Vector],
                },
            ],
            normalization: Normalization::IDENTITY,
            quant: Quant::F32,
            architecture: WideArchitecture::Mlp {
                activation: Activation::Relu,
                widths: vec![3; widths],
            },
            metrics: ExportMetrics::default(),
            golden: Golden::default(),
            padding: &[],
            tensors: &[],
        };
        postcard::to_allocvec(&payload).unwrap()
    };
    let (channels, widths) = (
        remul_group::MAX_CHANNELS,
        remul_runtime::format::MAX_MLP_LAYERS + 1,
    );
    for (c, w, readable) in [
        (channels, widths, true),
        (channels + 1, widths, false),
        (channels, widths + 1, false),
        (channels + 5, widths + 9, false),
    ] {
        let bytes = wide(c, w);
        agree(&bytes).unwrap_or_else(|e| panic!("{c} channels, {w} widths: {e}"));
        assert_eq!(
            Payload::decode(&bytes).is_ok(),
            readable,
            "{c} channels, {w} widths"
        );
    }
}

/// Every byte before the tensors (where the tags, varints and lengths
/// are) set to each value that sits on an edge of postcard's rules.
#[test]
fn every_field_byte_set_to_edge_values() {
    for (name, blob) in common::sample_blobs() {
        let payload = &blob[HEADER_LEN..];
        let tensors = Payload::decode(payload).unwrap().tensors.len();
        let fields = payload.len() - tensors;
        for at in 0..fields {
            for byte in [0, 1, 2, 3, 4, 0x0F, 0x10, 0x7F, 0x80, 0x81, 0xFF] {
                let mut damaged = payload.to_vec();
                damaged[at] = byte;
                agree(&damaged).unwrap_or_else(|e| panic!("{name}, byte {at} = {byte:#x}: {e}"));
            }
        }
    }
}

/// A field's bytes replaced by a hand-written varint: the limits postcard
/// puts on a `u32` (five bytes, at most four bits in the fifth) and on a
/// length (the pointer width), and non-canonical forms, which it accepts.
#[test]
fn varints_follow_postcards_limits() {
    let blob = &common::sample_blobs()[0].1;
    let payload = &blob[HEADER_LEN..];
    // The task name comes first: its length is the first varint.
    let task_len = usize::from(payload[0]);
    let after_task = &payload[1 + task_len..];
    let with_length = |varint: &[u8]| {
        let mut p = varint.to_vec();
        p.extend_from_slice(&payload[1..]);
        p
    };
    // The task's length with `continued` more bytes, the last one `last`.
    let length = |continued: usize, last: u8| {
        let mut v = vec![0x80 | task_len as u8];
        v.extend(std::iter::repeat_n(0x80, continued - 1));
        v.push(last);
        v
    };
    let lengths = [
        length(1, 0x00),                       // two bytes, same value
        length(3, 0x00),                       // four bytes
        length(9, 0x00),                       // ten bytes, the most a 64-bit usize takes
        length(9, 0x02),                       // 2⁶⁴ + task_len
        length(4, 0x10),                       // 2³² + task_len: too long for a 32-bit usize
        [vec![0xFF; 10], vec![0x01]].concat(), // eleven bytes
    ];
    for varint in &lengths {
        agree(&with_length(varint)).unwrap();
    }
    assert!(Payload::decode(&with_length(&lengths[0])).is_ok());
    #[cfg(target_pointer_width = "64")]
    assert!(Payload::decode(&with_length(&lengths[2])).is_ok());
    // The group's variant index (a u32) follows the task name.
    let with_group = |varint: &[u8]| {
        let mut p = payload[..1 + task_len].to_vec();
        p.extend_from_slice(varint);
        p.extend_from_slice(&after_task[1..]);
        p
    };
    let indices: &[&[u8]] = &[
        &[0x80, 0x80, 0x80, 0x80, 0x00],       // 0 in five bytes: accepted
        &[0x80, 0x80, 0x80, 0x80, 0x0F],       // 0xF000_0000: no such variant
        &[0x80, 0x80, 0x80, 0x80, 0x10],       // beyond u32
        &[0x80, 0x80, 0x80, 0x80, 0x80, 0x00], // six bytes
        &[0x81],                               // truncated
    ];
    for varint in indices {
        agree(&with_group(varint)).unwrap();
    }
    assert!(Payload::decode(&with_group(&[0x80, 0x80, 0x80, 0x80, 0x00])).is_ok());
}

fn f32_bits() -> impl Strategy<Value = f32> {
    prop_oneof![
        any::<u32>().prop_map(f32::from_bits),
        (-4.0f32..4.0),
        Just(1.0f32),
    ]
}

fn activation() -> impl Strategy<Value = Activation> {
    prop_oneof![
        Just(Activation::Silu),
        Just(Activation::Relu),
        Just(Activation::Gelu)
    ]
}

fn layout() -> impl Strategy<Value = Layout> {
    let channel = prop_oneof![
        Just(Channel::Scalar),
        Just(Channel::Vector),
        Just(Channel::Position)
    ];
    (1usize..300, prop::collection::vec(channel, 1..=8))
        .prop_map(|(entities, channels)| Layout::new(entities, &channels).unwrap())
}

fn group() -> impl Strategy<Value = Group> {
    prop_oneof![
        Just(Group::So3),
        [f32_bits(), f32_bits(), f32_bits()].prop_map(|axis| Group::So2 { axis }),
        (f32_bits(), f32_bits()).prop_map(|(min, max)| Group::AngleRange { min, max }),
    ]
}

fn architecture() -> impl Strategy<Value = Architecture> {
    prop_oneof![
        (activation(), prop::collection::vec(any::<u32>(), 0..=17)).prop_map(|(activation, w)| {
            Architecture::Mlp {
                activation,
                widths: heapless::Vec::from_slice(&w).unwrap(),
            }
        }),
        (
            (any::<u32>(), 0..300u32, 0..70_000u32, 0..5u32),
            activation(),
            any::<bool>()
        )
            .prop_map(
                |((d_model, heads, d_ff, blocks), activation, entity_embedding)| {
                    Architecture::Transformer {
                        d_model,
                        heads,
                        d_ff,
                        blocks,
                        activation,
                        entity_embedding,
                    }
                }
            ),
    ]
}

/// The owned parts of a random payload (it borrows its strings and bytes).
#[derive(Debug, Clone)]
struct Parts {
    task: String,
    group: Group,
    io: IoLayout,
    normalization: Normalization,
    quant: Quant,
    architecture: Architecture,
    metrics: ExportMetrics,
    golden: (u32, Vec<u8>, Vec<u8>),
    padding: Vec<u8>,
    tensors: Vec<u8>,
}

impl Parts {
    fn payload(&self) -> Payload<'_> {
        Payload {
            task: &self.task,
            group: self.group,
            io: self.io.clone(),
            normalization: self.normalization,
            quant: self.quant,
            architecture: self.architecture.clone(),
            metrics: self.metrics,
            golden: Golden {
                count: self.golden.0,
                inputs: &self.golden.1,
                outputs: &self.golden.2,
            },
            padding: &self.padding,
            tensors: &self.tensors,
        }
    }
}

fn parts() -> impl Strategy<Value = Parts> {
    let bytes = |n| prop::collection::vec(any::<u8>(), 0..n);
    let option = || prop::option::of(f32_bits());
    (
        ("\\PC{0,12}", group(), layout(), layout()),
        (
            any::<bool>(),
            f32_bits(),
            f32_bits(),
            f32_bits(),
            prop::option::of((any::<u32>(), any::<u32>())),
            f32_bits(),
        ),
        (
            prop_oneof![Just(Quant::Int8), Just(Quant::F32)],
            architecture(),
        ),
        (option(), option(), option(), option(), any::<u32>()),
        (any::<u32>(), bytes(40), bytes(40), bytes(4), bytes(300)),
    )
        .prop_map(
            |(
                (task, group, input, output),
                (center, position_scale, vector_scale, scalar_scale, canonical, orientation_input),
                (quant, architecture),
                (f32_mse, int8_mse, e, e_prime, samples),
                (count, inputs, outputs, padding, tensors),
            )| Parts {
                task,
                group,
                io: IoLayout { input, output },
                normalization: Normalization {
                    center,
                    position_scale,
                    vector_scale,
                    scalar_scale,
                    canonical: canonical.map(|(from, to)| CanonicalAxes { from, to }),
                    orientation_input,
                },
                quant,
                architecture,
                metrics: ExportMetrics {
                    f32_mse,
                    int8_mse,
                    e,
                    e_prime,
                    samples,
                },
                golden: (count, inputs, outputs),
                padding,
                tensors,
            },
        )
}

/// How to corrupt an encoded payload.
#[derive(Debug, Clone)]
enum Damage {
    Set { at: usize, byte: u8 },
    Insert { at: usize, byte: u8 },
    Remove { at: usize },
    Truncate { keep: usize },
}

fn damage() -> impl Strategy<Value = Damage> {
    // Mostly the fields (the first bytes) and small values (tags, short
    // varints), where the rules are.
    let at = || prop_oneof![0usize..64, any::<usize>()];
    let byte = || prop_oneof![0u8..5, Just(0x80), any::<u8>()];
    prop_oneof![
        (at(), byte()).prop_map(|(at, byte)| Damage::Set { at, byte }),
        (at(), byte()).prop_map(|(at, byte)| Damage::Insert { at, byte }),
        at().prop_map(|at| Damage::Remove { at }),
        any::<usize>().prop_map(|keep| Damage::Truncate { keep }),
    ]
}

impl Damage {
    fn apply(&self, bytes: &mut Vec<u8>) {
        let n = bytes.len().max(1);
        match *self {
            Damage::Set { at, byte } => {
                if let Some(b) = bytes.get_mut(at % n) {
                    *b = byte;
                }
            }
            Damage::Insert { at, byte } => bytes.insert(at % (bytes.len() + 1), byte),
            Damage::Remove { at } => {
                if !bytes.is_empty() {
                    bytes.remove(at % n);
                }
            }
            Damage::Truncate { keep } => bytes.truncate(keep % n),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn random_payloads_read_back_exactly(parts in parts()) {
        let payload = parts.payload();
        let bytes = postcard::to_allocvec(&payload).unwrap();
        let read = Payload::decode(&bytes);
        prop_assert!(read.as_ref().is_ok_and(|r| same(r, &payload)), "{read:?}");
        agree(&bytes)?;
    }

    #[test]
    fn corrupted_payloads_get_the_same_verdict(
        parts in parts(),
        damages in prop::collection::vec(damage(), 1..4),
    ) {
        let mut bytes = postcard::to_allocvec(&parts.payload()).unwrap();
        for d in &damages {
            d.apply(&mut bytes);
        }
        agree(&bytes)?;
    }

    #[test]
    fn random_bytes_get_the_same_verdict(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        agree(&bytes)?;
    }
}
