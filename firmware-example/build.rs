//! Build script: the memory map and linker scripts, and the model to embed.
//!
//! `REMUL_MODEL` (a path, relative to this folder or absolute) picks the
//! blob; the default is `../models/mocap-mlp.bin`. The blob is validated
//! here with the host build of the runtime, so a broken or unsupported file
//! fails the build with the runtime's own error, and the static scratch
//! buffer is sized for exactly this model. A model too large for the part
//! fails later, at link time, against `memory.x`.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use remul_runtime::Model;

/// The model embedded when `REMUL_MODEL` is not set.
const DEFAULT_MODEL: &str = "../models/mocap-mlp.bin";

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo"));

    // The memory map, as the `memory.x` that cortex-m-rt's link.x includes:
    // QEMU's addresses by default, the STM32F411's for the board build.
    // (No file in this folder may be called memory.x: the linker would
    // find it first, in its working directory.)
    let board = env::var_os("CARGO_FEATURE_RTT").is_some();
    let memory = if board {
        "memory-stm32f411.x"
    } else {
        "memory-qemu.x"
    };
    fs::copy(manifest_dir.join(memory), out.join("memory.x")).expect("copy the memory map");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=memory-qemu.x");
    println!("cargo:rerun-if-changed=memory-stm32f411.x");
    // defmt's linker script exists only when defmt is a dependency.
    if board {
        println!("cargo:rustc-link-arg=-Tdefmt.x");
    }

    println!("cargo:rerun-if-env-changed=REMUL_MODEL");
    let chosen = env::var("REMUL_MODEL").unwrap_or_else(|_| DEFAULT_MODEL.to_owned());
    let path = manifest_dir.join(&chosen);
    println!("cargo:rerun-if-changed={}", path.display());
    let blob = fs::read(&path)
        .unwrap_or_else(|e| panic!("REMUL_MODEL={chosen}: cannot read {}: {e}", path.display()));
    let model = Model::from_bytes(&blob)
        .unwrap_or_else(|e| panic!("REMUL_MODEL={chosen}: not a valid model blob: {e}"));
    fs::write(out.join("model.rs"), generated(&model, &path, &chosen)).expect("write model.rs");
}

/// `src/model.rs`'s generated half: the blob, its golden inputs as f32
/// arrays (the inputs the demo predicts on and rotates, read in place from
/// flash), and the scratch size.
fn generated(model: &Model<'_>, path: &Path, chosen: &str) -> String {
    let (inputs, outputs) = (model.input_len(), model.output_len());
    // Golden check: input + output + prediction scratch. Equivariance: the
    // metric's buffers + prediction scratch, which is at least as much.
    let scratch = model
        .equivariance_scratch_len()
        .max(model.golden_scratch_len())
        .max(outputs + model.scratch_len());
    let golden: Vec<String> = model
        .golden()
        .map(|(x, _)| {
            let values: Vec<String> = x
                .iter()
                .map(|v| format!("f32::from_bits({:#010x})", v.to_bits()))
                .collect();
            format!("[{}]", values.join(", "))
        })
        .collect();

    let mut s = String::new();
    let _ = writeln!(
        s,
        "/// The file embedded (`REMUL_MODEL`, relative to firmware-example/)."
    );
    let _ = writeln!(s, "pub const PATH: &str = {chosen:?};");
    let _ = writeln!(
        s,
        "/// The blob, 4-byte aligned: int8 rows are then word aligned for the DSP kernel."
    );
    let _ = writeln!(
        s,
        "pub static BLOB: &Aligned<[u8]> = &Aligned(*include_bytes!({:?}));",
        path.display().to_string()
    );
    let _ = writeln!(s, "/// Values in one input vector.");
    let _ = writeln!(s, "pub const INPUT_LEN: usize = {inputs};");
    let _ = writeln!(s, "/// Values in one output vector.");
    let _ = writeln!(s, "pub const OUTPUT_LEN: usize = {outputs};");
    let _ = writeln!(
        s,
        "/// f32 values of scratch for the golden check, a prediction and the equivariance check."
    );
    let _ = writeln!(s, "pub const SCRATCH_LEN: usize = {scratch};");
    let _ = writeln!(s, "/// The blob's golden inputs, bit for bit.");
    let _ = writeln!(
        s,
        "pub static GOLDEN_INPUTS: [[f32; INPUT_LEN]; {}] = [{}];",
        golden.len(),
        golden.join(",\n")
    );
    s
}
