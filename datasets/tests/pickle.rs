//! The restricted unpickler against the lossless conversions of the
//! published files, its refusals, and its behaviour on hostile input.

mod common;

use common::{Py, mocap_bytes, mocap_dir, pickle, pickle_with};
use proptest::prelude::*;
use remul_datasets::pickle::{self, Value};
use remul_datasets::{ArrayData, Error, npy};

fn from_bytes(bytes: &[u8]) -> Result<Value, Error> {
    pickle::from_bytes(bytes, "test.pkl")
}

fn json(name: &str) -> serde_json::Value {
    serde_json::from_slice(&mocap_bytes(name)).expect("valid JSON")
}

#[test]
fn motion_run_matches_the_npy_conversion_bit_for_bit() {
    let value = pickle::load(&mocap_dir().join("motion_run.pkl")).expect("motion_run.pkl decodes");
    let [edges, trials] = value.as_sequence().expect("a tuple") else {
        panic!("not a pair")
    };
    let meta = json("run_converted/meta.json");
    let expected_edges: Vec<Vec<i64>> =
        serde_json::from_value(meta["edges_child_parent"].clone()).expect("edges");
    let edges: Vec<Vec<i64>> = edges
        .as_sequence()
        .expect("edge list")
        .iter()
        .map(|e| {
            e.as_sequence()
                .expect("pair")
                .iter()
                .map(|v| v.as_int().expect("int"))
                .collect()
        })
        .collect();
    assert_eq!(edges, expected_edges);
    assert_eq!(edges.len(), 30);

    let trials = trials.as_sequence().expect("trial list");
    let frames: Vec<usize> = trials
        .iter()
        .map(|t| t.as_array().expect("array").shape()[0])
        .collect();
    assert_eq!(
        frames,
        [141, 138, 165, 143, 137, 126, 148, 128, 130, 152, 128]
    );
    for (i, trial) in trials.iter().enumerate() {
        let from_pickle = trial.as_array().expect("array");
        let from_npy =
            npy::load(&mocap_dir().join(format!("run_converted/trial_{i:02}.npy"))).expect("npy");
        assert_eq!(from_pickle.shape(), from_npy.shape(), "trial {i}");
        let (a, b) = (
            from_pickle.as_f64().expect("f64"),
            from_npy.as_f64().expect("f64"),
        );
        assert!(
            a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits()),
            "trial {i} differs"
        );
        // and the meta file's first joint, printed with 6 significant digits
        let first = &meta["trials"][i]["first_frame_joint0"];
        for k in 0..3 {
            let printed = first[k].as_f64().expect("number");
            assert!(
                (a[k] - printed).abs() <= 1e-5 * printed.abs().max(1.0),
                "trial {i} joint 0"
            );
        }
    }
}

/// Compares a split pickle with its JSON conversion, key order included.
fn assert_split_matches_json(pkl: &str, json_name: &str) {
    let value = pickle::load(&mocap_dir().join(pkl)).expect("split decodes");
    let reference = json(json_name);
    let maps = value.as_sequence().expect("tuple of three");
    assert_eq!(maps.len(), 3);
    for (map, partition) in maps.iter().zip(["train", "val", "test"]) {
        let entries = map.as_dict().expect("dict");
        let order: Vec<i64> =
            serde_json::from_value(reference[format!("{partition}_case_order")].clone())
                .expect("order");
        let keys: Vec<i64> = entries
            .iter()
            .map(|(k, _)| k.as_int().expect("int key"))
            .collect();
        assert_eq!(keys, order, "{pkl} {partition} key order");
        for (key, starts) in entries {
            let expected: Vec<i64> = serde_json::from_value(
                reference[partition][key.as_int().expect("int").to_string()].clone(),
            )
            .expect("starts");
            let array = starts.as_array().expect("array");
            assert_eq!(array.shape(), &[expected.len()]);
            assert_eq!(
                array.data(),
                &ArrayData::I64(expected),
                "{pkl} {partition} case {key:?}"
            );
        }
    }
}

#[test]
fn split_run_matches_json() {
    assert_split_matches_json("split_run.pkl", "split_run.json");
}

#[test]
fn split_walk_matches_json() {
    assert_split_matches_json("split.pkl", "split_walk.json");
}

#[test]
fn arrays_rebuild_with_either_numpy_module_spelling() {
    let value = Py::Tuple(vec![
        Py::F64(
            vec![2, 3],
            vec![0.5, -1.0, 2.25, 1e300, -0.0, f64::MIN_POSITIVE],
        ),
        Py::I64(vec![3], vec![-7, 0, i64::MAX]),
        Py::Dict(vec![
            (Py::Int(-5), Py::Str("é".into())),
            (Py::Int(70000), Py::List(vec![])),
        ]),
    ]);
    for module in ["numpy.core.multiarray", "numpy._core.multiarray"] {
        let decoded = from_bytes(&pickle_with(&value, module)).expect("decodes");
        let items = decoded.as_sequence().expect("tuple");
        let a = items[0].as_array().expect("f64 array");
        assert_eq!(a.shape(), &[2, 3]);
        assert_eq!(a.as_f64().expect("f64")[3], 1e300);
        assert!(a.as_f64().expect("f64")[4].is_sign_negative());
        assert_eq!(
            items[1].as_array().and_then(|a| a.as_i64()),
            Some(&[-7, 0, i64::MAX][..])
        );
        assert_eq!(
            items[2],
            Value::Dict(vec![
                (Value::Int(-5), Value::Str("é".into())),
                (Value::Int(70000), Value::List(vec![]))
            ])
        );
    }
}

#[test]
fn other_globals_are_refused_by_name() {
    for (module, name) in [
        ("os", "system"),
        ("builtins", "eval"),
        ("numpy", "load"),
        ("numpy.core.multiarray", "scalar"),
        ("subprocess", "Popen"),
    ] {
        let err = from_bytes(&pickle(&Py::Global(module, name))).expect_err("refused");
        match &err {
            Error::ForbiddenGlobal { global, file } => {
                assert_eq!(global, &format!("{module}.{name}"));
                assert_eq!(file, "test.pkl");
            }
            other => panic!("{module}.{name}: {other}"),
        }
        assert!(
            err.to_string().contains(&format!("{module}.{name}")),
            "{err}"
        );
    }
    // STACK_GLOBAL (protocol 4) is checked the same way.
    let stack_global = b"\x80\x04\x8c\x02os\x8c\x06system\x93.";
    assert!(
        matches!(from_bytes(stack_global), Err(Error::ForbiddenGlobal { global, .. }) if global == "os.system")
    );
    // The classic payload: refused at the global, before any REDUCE.
    let payload = b"\x80\x02cposix\nsystem\nX\x02\x00\x00\x00id\x85R.";
    assert!(
        matches!(from_bytes(payload), Err(Error::ForbiddenGlobal { global, .. }) if global == "posix.system")
    );
}

#[test]
fn object_building_opcodes_are_refused_by_name() {
    for (bytes, name) in [
        (&b"\x80\x02(iposix\nsystem\n."[..], "INST"),
        (b"\x80\x02(o.", "OBJ"),
        (b"\x80\x02N)\x81.", "NEWOBJ"),
        (b"\x80\x02\x82\x01.", "EXT1"),
        (b"\x80\x02P1\n.", "PERSID"),
        (b"\x80\x02I1\n.", "INT"),
        (b"\x80\x02\x8f.", "EMPTY_SET"),
        (b"\x80\x02\xff.", "unknown"),
    ] {
        match from_bytes(bytes) {
            Err(Error::UnsupportedOpcode { name: got, .. }) => assert_eq!(got, name),
            other => panic!("{name}: {other:?}"),
        }
    }
    let err = from_bytes(b"\x80\x02N\xff.").expect_err("refused");
    assert!(
        matches!(
            err,
            Error::UnsupportedOpcode {
                byte: 0xff,
                offset: 3,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "test.pkl: pickle opcode unknown (0xff) at byte 3 is not supported"
    );
}

#[test]
fn every_prefix_of_a_split_file_is_reported_as_truncated() {
    let bytes = mocap_bytes("split_run.pkl");
    for cut in 0..bytes.len() {
        match from_bytes(&bytes[..cut]) {
            Err(Error::Truncated { offset, .. }) => assert_eq!(offset, cut),
            other => panic!("prefix of {cut} bytes: {other:?}"),
        }
    }
    assert!(from_bytes(&bytes).is_ok());
}

#[test]
fn prefixes_of_the_motion_file_are_reported_as_truncated() {
    let bytes = mocap_bytes("motion_run.pkl");
    for cut in (0..bytes.len()).step_by(7919) {
        assert!(
            matches!(from_bytes(&bytes[..cut]), Err(Error::Truncated { .. })),
            "cut at {cut}"
        );
    }
}

#[test]
fn huge_lengths_in_the_file_allocate_nothing() {
    // Each claims far more bytes than follow; allocating the claim would abort.
    let cases: [&[u8]; 6] = [
        b"\x80\x04\x8e\x00\x00\x00\x00\x00\x00\x00\x40xyz.", // BINBYTES8 of 2^62
        b"\x80\x04\x8d\xff\xff\xff\xff\xff\xff\xff\xffxyz.", // BINUNICODE8 of 2^64 - 1
        b"\x80\x02B\xff\xff\xff\xffxyz.",                    // BINBYTES of 4 GiB
        b"\x80\x02X\xff\xff\xff\x7fxyz.",                    // BINUNICODE of 2 GiB
        b"\x80\x02\x8b\xff\xff\xff\x7f\x01.",                // LONG4 of 2 GiB
        b"\x80\x04\x95\xff\xff\xff\xff\xff\xff\xff\xff.",    // FRAME of 2^64 - 1 (a hint only)
    ];
    for (i, bytes) in cases.iter().enumerate() {
        let result = from_bytes(bytes);
        if i == 5 {
            // FRAME's length is not used for anything; STOP on an empty stack.
            assert!(matches!(result, Err(Error::Malformed { .. })), "{result:?}");
        } else {
            assert!(
                matches!(result, Err(Error::Truncated { .. })),
                "case {i}: {result:?}"
            );
        }
    }
    // A memo slot at 2^32 - 1 is a map entry, not a 4-billion-slot table.
    let far_memo = b"\x80\x02Nr\xff\xff\xff\xff0j\xff\xff\xff\xff.";
    assert_eq!(from_bytes(far_memo).expect("decodes"), Value::None);
}

#[test]
fn shared_references_cannot_expand_without_bound() {
    // 60 kB of bytes, memoized, then referenced 100 000 times in a list:
    // 6 GB if expanded naively.
    let mut bomb = b"\x80\x04B".to_vec();
    bomb.extend(60_000u32.to_le_bytes());
    bomb.extend(vec![7u8; 60_000]);
    bomb.extend(b"\x94](");
    for _ in 0..100_000 {
        bomb.extend(b"h\x00");
    }
    bomb.extend(b"e.");
    let err = from_bytes(&bomb).expect_err("refused");
    assert!(err.to_string().contains("expand"), "{err}");

    // Deep nesting is refused, not a stack overflow.
    let mut deep = b"\x80\x02".to_vec();
    deep.extend(std::iter::repeat_n(b']', 10_000));
    deep.extend(std::iter::repeat_n(b'a', 9_999));
    deep.push(b'.');
    let err = from_bytes(&deep).expect_err("refused");
    assert!(err.to_string().contains("deeper"), "{err}");
}

#[test]
fn dicts_keep_python_semantics() {
    // {1: 'a', 2: 'b', True: 'c'}: True == 1, so the first key keeps its
    // place and takes the last value.
    let bytes = b"\x80\x02}(K\x01X\x01\x00\x00\x00aK\x02X\x01\x00\x00\x00b\x88X\x01\x00\x00\x00cu.";
    assert_eq!(
        from_bytes(bytes).expect("decodes"),
        Value::Dict(vec![
            (Value::Int(1), Value::Str("c".into())),
            (Value::Int(2), Value::Str("b".into()))
        ])
    );
}

#[test]
fn malformed_arrays_are_errors() {
    // shape [2, 3] but only 5 values
    let mut bytes = pickle(&Py::F64(vec![2, 3], vec![0.0; 6]));
    let at = bytes.len() - 3 - 48; // the raw data's length field precedes it
    bytes[at - 4..at].copy_from_slice(&40u32.to_le_bytes());
    bytes.drain(at + 40..at + 48);
    let err = from_bytes(&bytes).expect_err("refused");
    assert!(err.to_string().contains("needs 48 bytes"), "{err}");
    // an unsupported dtype
    let text = pickle(&Py::F64(vec![1], vec![0.0]));
    let swapped: Vec<u8> = replace(&text, b"f8", b"U8");
    let err = from_bytes(&swapped).expect_err("refused");
    assert!(err.to_string().contains("dtype 'U8'"), "{err}");
}

#[test]
fn the_npy_reader_rejects_truncated_and_foreign_files() {
    let bytes = mocap_bytes("run_converted/trial_00.npy");
    assert_eq!(
        npy::from_bytes(&bytes, "t.npy").expect("reads").shape(),
        &[141, 31, 3]
    );
    for cut in [0, 7, 9, 100, 128, bytes.len() - 1] {
        assert!(
            matches!(
                npy::from_bytes(&bytes[..cut], "t.npy"),
                Err(Error::Truncated { .. })
            ),
            "cut at {cut}"
        );
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(matches!(
        npy::from_bytes(&longer, "t.npy"),
        Err(Error::Malformed { .. })
    ));
    assert!(matches!(
        npy::from_bytes(&mocap_bytes("split_run.pkl"), "s.pkl"),
        Err(Error::Malformed { offset: 0, .. })
    ));
}

fn replace(haystack: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let at = haystack
        .windows(from.len())
        .position(|w| w == from)
        .expect("present");
    let mut out = haystack.to_vec();
    out[at..at + from.len()].copy_from_slice(to);
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = from_bytes(&bytes);
    }

    #[test]
    fn random_bytes_after_a_header_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let mut input = b"\x80\x04".to_vec();
        input.extend(bytes);
        let _ = from_bytes(&input);
    }

    #[test]
    fn bit_flips_in_a_real_file_never_panic(flips in proptest::collection::vec((0usize..7556, 0u8..8), 1..6)) {
        let mut bytes = mocap_bytes("split_run.pkl");
        for (at, bit) in flips {
            let at = at % bytes.len();
            bytes[at] ^= 1 << bit;
        }
        let _ = from_bytes(&bytes);
    }

    #[test]
    fn truncated_and_spliced_real_files_never_panic(cut in 0usize..7556, insert in proptest::collection::vec(any::<u8>(), 0..16)) {
        let original = mocap_bytes("split_run.pkl");
        let cut = cut % original.len();
        let mut bytes = original[..cut].to_vec();
        bytes.extend(insert);
        bytes.extend(&original[cut..]);
        let _ = from_bytes(&bytes);
        prop_assert!(from_bytes(&original[..cut]).is_err());
    }
}
