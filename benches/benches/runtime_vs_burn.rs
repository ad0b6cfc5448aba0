//! Batch-1 latency of the no_std runtime (f32 and int8 blobs) against
//! burn-ndarray running the same model on the CPU, and each blob's size
//! against the raw f32 weight bytes.
//!
//! `cargo bench -p remul-benches --bench runtime_vs_burn`

use burn::backend::NdArray;
use burn::prelude::*;
use burn::tensor::TensorData;
use criterion::{Criterion, criterion_group, criterion_main};
use remul_export::export;
use remul_group::{Channel, Group, IoLayout, Layout};
use remul_runtime::{ExportMetrics, Model, Quant};
use remul_trainer::export::model_spec;
use remul_trainer::model::{MlpConfig, Net, NetConfig, NetShape, TransformerConfig};
use remul_trainer::normalize::{Frame, Normalization};

type B = NdArray<f32>;

fn mocap_io() -> IoLayout {
    IoLayout {
        input: Layout::new(31, &[Channel::Position, Channel::Vector]).expect("layout"),
        output: Layout::new(31, &[Channel::Position]).expect("layout"),
    }
}

fn bench_model(c: &mut Criterion, name: &str, config: NetConfig) {
    let io = mocap_io();
    let device = Default::default();
    let net: Net<B> = config.init(NetShape::of(&io), &device);
    let norm = Normalization {
        center: true,
        position_scale: 5.0,
        vector_scale: 0.3,
        scalar_scale: 1.0,
        canonical: None,
        orientation_input: 0.0,
    };
    let spec = model_spec(&net, "bench", &io, Group::So3, &norm)
        .expect("an MLP or a Transformer has a spec");
    let x: Vec<f32> = (0..io.input.len())
        .map(|i| ((i * 37 % 101) as f32 - 50.0) / 10.0)
        .collect();
    let mut group = c.benchmark_group(format!("batch1/{name}"));
    for (quant, label) in [(Quant::F32, "runtime-f32"), (Quant::Int8, "runtime-int8")] {
        let blob = export(&spec, quant, &[], ExportMetrics::default()).expect("export");
        let model = Model::from_bytes(&blob).expect("blob");
        let raw = 4 * model.parameter_count();
        println!(
            "{name} {label}: blob {} bytes, raw f32 weights {raw} bytes, ratio {:.3}, scratch {} B",
            blob.len(),
            blob.len() as f64 / raw as f64,
            4 * model.scratch_len()
        );
        let mut scratch = vec![0.0f32; model.scratch_len()];
        let mut y = vec![0.0f32; model.output_len()];
        group.bench_function(label, |b| {
            b.iter(|| {
                model
                    .predict(std::hint::black_box(&x), &mut y, &mut scratch)
                    .expect("predict")
            })
        });
    }
    // burn: the same normalisation on the host, then the network on a 1-row tensor.
    let mut xn = vec![0.0f32; x.len()];
    group.bench_function("burn-ndarray", |b| {
        b.iter(|| {
            let x = std::hint::black_box(&x);
            let frame = Frame::of_input(&io.input, &norm, x).expect("frame");
            frame.normalize(&io.input, x, &mut xn).expect("normalize");
            let t = Tensor::<B, 2>::from_data(TensorData::new(xn.clone(), [1, xn.len()]), &device);
            let mut y = net.forward(t).into_data().to_vec::<f32>().expect("f32");
            frame.denormalize(&io.output, &mut y).expect("denormalize");
            y
        })
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    bench_model(c, "mlp-680", NetConfig::Mlp(MlpConfig::default()));
    bench_model(
        c,
        "mlp-128",
        NetConfig::Mlp(MlpConfig {
            hidden: 128,
            ..MlpConfig::default()
        }),
    );
    bench_model(
        c,
        "transformer-cpu",
        NetConfig::Transformer(TransformerConfig::cpu(true)),
    );
}

criterion_group! {
    name = latency;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(5));
    targets = benches
}
criterion_main!(latency);
