//! Writes valid blobs into a folder.
//!
//! ```sh
//! # Small MLP and Transformer blobs, f32 and int8, with golden vectors
//! # (tests/data, the fuzz seeds):
//! cargo run --release -p remul-runtime --example write_blobs -- runtime-nostd/tests/data
//! # The same with the fuzz target's mode byte (0x01: re-seal the CRC) in front:
//! cargo run --release -p remul-runtime --example write_blobs -- \
//!     runtime-nostd/fuzz/corpus/from_bytes_predict --fuzz
//! # The benchmark models (random weights), for size and firmware experiments:
//! cargo run --release -p remul-runtime --example write_blobs -- /tmp/blobs --bench
//! ```

#[path = "../tests/common/mod.rs"]
mod common;

use remul_runtime::{Activation, Quant};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .ok_or("usage: write_blobs <folder> [--fuzz | --bench]")?;
    let mode = std::env::args().nth(2).unwrap_or_default();
    std::fs::create_dir_all(&dir)?;
    let blobs = if mode == "--bench" {
        let mut r = common::rng(71);
        let mlp = common::mlp(&mut r, common::mocap_io(), &[680, 680], Activation::Silu);
        let transformer = common::small_transformer(&mut r);
        let golden = common::inputs(&mut r, &mlp.io.input, 2);
        let mut blobs = Vec::new();
        for (name, spec) in [("bench-mlp", &mlp), ("bench-transformer", &transformer)] {
            for (quant, suffix) in [(Quant::F32, "f32"), (Quant::Int8, "int8")] {
                blobs.push((
                    format!("{name}-{suffix}"),
                    common::blob(spec, quant, &golden),
                ));
            }
        }
        blobs
    } else {
        common::sample_blobs()
            .into_iter()
            .map(|(name, blob)| (name.to_string(), blob))
            .collect()
    };
    for (name, blob) in blobs {
        let path = format!("{dir}/{name}.bin");
        let bytes = if mode == "--fuzz" {
            [&[1u8][..], &blob].concat()
        } else {
            blob.clone()
        };
        std::fs::write(&path, &bytes)?;
        println!("{path}: {} bytes", blob.len());
    }
    Ok(())
}
