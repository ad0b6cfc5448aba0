//! Batch-1 latency of `Model::predict` (f32 and int8) for the two reference
//! models, and each blob's size against the raw f32 weight bytes.
//!
//! ```sh
//! cargo bench -p remul-runtime --bench latency
//! ```
//! The burn-ndarray side of the comparison lives in the trainer.

#[path = "../tests/common/mod.rs"]
mod common;

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use remul_runtime::{Activation, Model, Quant};

fn models() -> Vec<(&'static str, remul_export::ModelSpec)> {
    let mut r = common::rng(71);
    vec![
        (
            "mlp 186-680-680-93",
            common::mlp(&mut r, common::mocap_io(), &[680, 680], Activation::Silu),
        ),
        (
            "transformer T31 d64 2x4h ff128",
            common::small_transformer(&mut r),
        ),
    ]
}

fn latency(c: &mut Criterion) {
    let mut r = common::rng(72);
    println!(
        "{:<32} {:>5} {:>10} {:>12} {:>10} {:>8} {:>9} {:>10}",
        "model", "quant", "params", "raw f32 B", "blob B", "ratio", "scratch", "RAM B"
    );
    let mut group = c.benchmark_group("predict");
    for (name, spec) in models() {
        let x = common::input(&mut r, &spec.io.input);
        for quant in [Quant::F32, Quant::Int8] {
            let blob = common::blob(&spec, quant, std::slice::from_ref(&x));
            let model = Model::from_bytes(&blob).unwrap();
            let raw = model.parameter_count() * 4;
            println!(
                "{name:<32} {:>5} {:>10} {raw:>12} {:>10} {:>8.3} {:>9} {:>10}",
                format!("{quant:?}"),
                model.parameter_count(),
                blob.len(),
                blob.len() as f64 / raw as f64,
                model.scratch_len(),
                model.ram_bytes()
            );
            let mut y = vec![0.0; model.output_len()];
            let mut scratch = vec![0.0; model.scratch_len()];
            group.bench_function(format!("{name}/{quant:?}"), |b| {
                b.iter(|| model.predict(black_box(&x), &mut y, &mut scratch).unwrap())
            });
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(40).measurement_time(std::time::Duration::from_secs(3));
    targets = latency
}
criterion_main!(benches);
