//! The exports, run natively: the same functions the page calls, checked
//! against the runtime called directly.
// The host stands in for JavaScript, which writes wasm memory through the
// raw pointers the exports return.
#![allow(unsafe_code)]

use std::string::String;
use std::sync::Mutex;
use std::vec::Vec;
use std::{format, fs, vec};

use remul_export::{ArchitectureSpec, BlockSpec, DenseSpec, ModelSpec, NormSpec};
use remul_group::{Channel, Group, IoLayout, Layout, Rotation};
use remul_runtime::{Activation, ExportMetrics, Model, Normalization, Quant};

use crate::exports::*;
use crate::{BLOB_CAPACITY, IO_CAPACITY};

/// The exports share one static state: one test at a time.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn repo_file(path: &str) -> Vec<u8> {
    let full = format!("{}/../{path}", env!("CARGO_MANIFEST_DIR"));
    fs::read(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

/// What the page's loader does: copy into the blob buffer, then `load`.
fn load_bytes(bytes: &[u8]) -> i32 {
    let ptr = blob_ptr();
    assert!(!ptr.is_null());
    let n = bytes.len().min(blob_capacity());
    // SAFETY: `ptr` is the start of the BLOB_CAPACITY-byte buffer, `n` fits,
    // and `blob_ptr` dropped the model that borrowed it.
    unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), ptr, n) };
    load(bytes.len())
}

fn write_input(x: &[f32]) {
    assert!(x.len() <= IO_CAPACITY);
    // SAFETY: the input vector holds IO_CAPACITY f32; no reference to it is
    // alive between export calls.
    unsafe { core::ptr::copy_nonoverlapping(x.as_ptr(), input_ptr(), x.len()) };
}

fn read(ptr: *const f32, n: usize) -> Vec<f32> {
    assert!(n <= IO_CAPACITY);
    // SAFETY: as `write_input`, for reading.
    unsafe { core::slice::from_raw_parts(ptr, n) }.to_vec()
}

fn text(len: usize) -> String {
    // SAFETY: the text buffer holds at least `len` bytes just written.
    let bytes = unsafe { core::slice::from_raw_parts(text_ptr(), len) };
    String::from_utf8(bytes.to_vec()).expect("UTF-8")
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// Every committed blob: the golden vectors come back bit for bit through
/// `load_golden` + `predict`, and through `check_golden`.
#[test]
fn golden_vectors_bit_for_bit() {
    let _serial = serial();
    let blobs = [
        "models/mocap-mlp.bin",
        "models/mocap-transformer.bin",
        "runtime-nostd/tests/data/mlp-f32.bin",
        "runtime-nostd/tests/data/mlp-int8.bin",
        "runtime-nostd/tests/data/transformer-f32.bin",
        "runtime-nostd/tests/data/transformer-int8.bin",
    ];
    for path in blobs {
        assert_eq!(load_bytes(&repo_file(path)), 0, "{path}");
        assert_eq!(check_golden(), 0, "{path}: {}", text(error_text()));
        assert!(golden_count() > 0, "{path}");
        for i in 0..golden_count() {
            assert_eq!(load_golden(i), 0);
            assert_eq!(predict(), 0);
            let got = read(output_ptr(), output_len());
            let want = read(expected_ptr(), output_len());
            assert_eq!(bits(&got), bits(&want), "{path} golden {i}");
        }
    }
}

#[test]
fn metadata_of_the_default_model() {
    let _serial = serial();
    assert_eq!(load_bytes(&repo_file("models/mocap-mlp.bin")), 0);
    assert_eq!(text(task_text()), "mocap-run");
    assert_eq!(text(architecture_text()), "MLP 195 → 330 → 330 → 93, SiLU");
    assert_eq!(
        text(layout_text()),
        "31 × [position, vector] → 31 × [position]"
    );
    assert_eq!((input_len(), output_len()), (186, 93));
    assert_eq!(parameter_count(), 204_693);
    assert_eq!(quant(), 0);
    assert_eq!(group_kind(), 0);
    assert!(metric_e_prime() > 0.0 && metric_int8_mse() > 0.0);
    assert!(metric_samples() > 0);
}

/// Rotation, prediction and E' through the exports equal the runtime and
/// the group math called directly on the host.
#[test]
fn exports_match_the_runtime_called_directly() {
    let _serial = serial();
    let blob = repo_file("models/mocap-mlp.bin");
    let model = Model::from_bytes(&blob).expect("valid");
    let x: Vec<f32> = model.golden().next().expect("golden").0.iter().collect();
    let (axis, degrees) = ([0.3, 1.0, -0.2], 75.0f32);

    let mut rotated = x.clone();
    let r = Rotation::from_axis_angle(axis, degrees.to_radians()).expect("axis");
    model.io().input.rotate(&r, &mut rotated).expect("layout");
    let mut y = vec![0.0; model.output_len()];
    let mut scratch = vec![0.0; model.equivariance_scratch_len()];
    model
        .predict(&rotated, &mut y, &mut scratch)
        .expect("predict");
    let report = model
        .equivariance([&rotated[..]], 32, 7, &mut scratch)
        .expect("equivariance");

    assert_eq!(load_bytes(&blob), 0);
    write_input(&x);
    assert_eq!(rotate_input(axis[0], axis[1], axis[2], degrees), 0);
    assert_eq!(bits(&read(input_ptr(), x.len())), bits(&rotated));
    assert_eq!(predict(), 0);
    assert_eq!(bits(&read(output_ptr(), y.len())), bits(&y));
    assert_eq!(equivariance(32, 7), 0);
    assert_eq!(report_e_prime().to_bits(), report.e_prime.to_bits());
    assert_eq!(report_e().to_bits(), report.e.to_bits());
    assert_eq!(report_max_abs().to_bits(), report.max_abs.to_bits());
    assert_eq!(report_m(), 32);

    // ρ(g) on the output: the same rotation through the output layout.
    let mut y_rotated = y.clone();
    model
        .io()
        .output
        .rotate(&r, &mut y_rotated)
        .expect("layout");
    assert_eq!(rotate_output(axis[0], axis[1], axis[2], degrees), 0);
    assert_eq!(bits(&read(output_ptr(), y.len())), bits(&y_rotated));
}

/// Bad bytes and bad arguments give error codes and messages, never a
/// panic, and a good blob loads again afterwards.
#[test]
fn errors_are_codes_with_messages() {
    let _serial = serial();
    let good = repo_file("models/mocap-mlp.bin");

    let mut corrupted = good.clone();
    corrupted[good.len() / 2] ^= 0x40;
    assert_eq!(load_bytes(&corrupted), -3);
    assert!(
        text(error_text()).contains("checksum"),
        "{}",
        text(error_text())
    );
    assert_eq!(predict(), -1, "a failed load leaves no model");
    assert_eq!(text(error_text()), "no model is loaded");

    assert_eq!(load_bytes(&good[..good.len() - 1]), -3);
    assert_eq!(load_bytes(b""), -3);
    assert_eq!(load_bytes(b"{\"not\": \"a blob\"}"), -3);
    assert!(text(error_text()).contains("bad magic"));
    assert_eq!(load(BLOB_CAPACITY + 1), -2);
    assert!(text(error_text()).contains("at most 1048576 bytes"));

    assert_eq!(load_bytes(&good), 0);
    let mut x = vec![1.0; input_len()];
    x[5] = f32::NAN;
    write_input(&x);
    assert_eq!(predict(), -5);
    assert!(text(error_text()).contains("input value 5 is not finite"));
    x[5] = 1.0;
    write_input(&x);
    assert_eq!(rotate_input(0.0, 0.0, 0.0, 10.0), -6);
    assert_eq!(rotate_input(0.0, 1.0, 0.0, f32::INFINITY), -6);
    assert_eq!(rotate_output(f32::NAN, 1.0, 0.0, 10.0), -6);
    assert_eq!(equivariance(0, 0), -6);
    assert_eq!(equivariance(5000, 0), -6);
    assert_eq!(load_golden(golden_count()), -6);
    assert_eq!(predict(), 0, "still usable after failures");
    assert_eq!(equivariance(4, 0), 0);
}

fn dense(inputs: usize, outputs: usize) -> DenseSpec {
    DenseSpec {
        inputs,
        outputs,
        weight: (0..inputs * outputs)
            .map(|i| ((i % 13) as f32 - 6.0) / 40.0)
            .collect(),
        bias: vec![0.01; outputs],
    }
}

fn norm(d: usize) -> NormSpec {
    NormSpec {
        gamma: vec![1.0; d],
        beta: vec![0.0; d],
        eps: 1e-5,
    }
}

fn scalar_io(inputs: usize, outputs: usize) -> IoLayout {
    IoLayout {
        input: Layout::new(inputs, &[Channel::Scalar]).expect("layout"),
        output: Layout::new(outputs, &[Channel::Scalar]).expect("layout"),
    }
}

fn blob(io: IoLayout, architecture: ArchitectureSpec) -> Vec<u8> {
    let golden = vec![vec![0.5; io.input.len()]];
    let spec = ModelSpec {
        task: "too-large".into(),
        group: Group::So3,
        io,
        normalization: Normalization::IDENTITY,
        architecture,
    };
    remul_export::export(&spec, Quant::Int8, &golden, ExportMetrics::default()).expect("export")
}

/// Valid blobs that need more than the static buffers are refused with -4.
#[test]
fn models_too_large_for_the_buffers() {
    let _serial = serial();
    let wide_input = blob(
        scalar_io(IO_CAPACITY + 1, 1),
        ArchitectureSpec::Mlp {
            layers: vec![dense(IO_CAPACITY + 1, 2), dense(2, 1)],
            activation: Activation::Relu,
        },
    );
    assert_eq!(load_bytes(&wide_input), -4);
    assert!(text(error_text()).contains("input"));

    // 5 · T · d = 5 · 600 · 32 = 96 000 scratch values > 65 536.
    let (tokens, d) = (600, 32);
    let block = BlockSpec {
        norm1: norm(d),
        query: dense(d, d),
        key: dense(d, d),
        value: dense(d, d),
        output: dense(d, d),
        norm2: norm(d),
        ff1: dense(d, 8),
        ff2: dense(8, d),
    };
    let many_tokens = blob(
        scalar_io(tokens, tokens),
        ArchitectureSpec::Transformer {
            d_model: d,
            heads: 1,
            d_ff: 8,
            embed: dense(1, d),
            entity_embedding: None,
            blocks: vec![block],
            final_norm: norm(d),
            head: dense(d, 1),
        },
    );
    assert!(many_tokens.len() <= BLOB_CAPACITY);
    assert_eq!(load_bytes(&many_tokens), -4);
    assert!(
        text(error_text()).contains("scratch"),
        "{}",
        text(error_text())
    );
    assert_eq!(predict(), -1);
}

#[test]
fn long_texts_are_cut_at_a_character_boundary() {
    use core::fmt::Write;
    let mut t = crate::text::Text::new();
    for _ in 0..600 {
        t.write_str("→").expect("never fails");
    }
    assert!(t.len() <= crate::text::TEXT_CAPACITY);
    assert_eq!(t.len() % "→".len(), 0);
}
