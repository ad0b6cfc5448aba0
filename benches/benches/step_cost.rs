//! What REMUL costs per training step: a plain step (the batch alone), a
//! REMUL step (the batch and its rotated copy in one forward pass), and a
//! GradNorm step (plus the two head-only gradient norms), for the paper's
//! mocap MLP and the CPU-default Transformer, batch 12, on each CPU backend
//! burn offers without a download: flex (the trainer's) and ndarray.
//!
//! `cargo bench -p remul-benches --bench step_cost`

use burn::backend::{Autodiff, Flex, NdArray};
use burn::optim::AdamConfig;
use burn::tensor::backend::AutodiffBackend;
use criterion::{Criterion, criterion_group, criterion_main};
use remul_datasets::Split;
use remul_group::random::{rng_from_seed, uniform_in};
use remul_group::{Channel, Group, IoLayout, Layout};
use remul_trainer::batch::{self, Halves};
use remul_trainer::checkpoint::LoopState;
use remul_trainer::config::TrainConfig;
use remul_trainer::model::{Net, NetShape};
use remul_trainer::normalize::Normalization;
use remul_trainer::objective::Penalty;
use remul_trainer::rotations::Rotations;
use remul_trainer::training::step;

// The trainer's allocator (see trainer/Cargo.toml).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A mocap-shaped split of random numbers (values do not change the cost).
fn mocap_like(samples: usize) -> (IoLayout, Split) {
    let io = IoLayout {
        input: Layout::new(31, &[Channel::Position, Channel::Vector]).expect("layout"),
        output: Layout::new(31, &[Channel::Position]).expect("layout"),
    };
    let mut rng = rng_from_seed(0);
    let mut draw = |n: usize| {
        (0..n)
            .map(|_| uniform_in(&mut rng, -1.0, 1.0))
            .collect::<Vec<f32>>()
    };
    let (x, y) = (
        draw(samples * io.input.len()),
        draw(samples * io.output.len()),
    );
    let split = Split::from_rows(&io, x, y).expect("split");
    (io, split)
}

fn config(model: &str, penalty: &str) -> TrainConfig {
    use clap::Parser;
    let cli = remul_trainer::cli::Cli::try_parse_from([
        "trainer",
        "--task",
        "mocap",
        "--model",
        model,
        "--penalty",
        penalty,
    ])
    .expect("flags");
    cli.train.config().expect("config")
}

fn bench_steps(c: &mut Criterion) {
    bench_backend::<Autodiff<Flex>>(c, "flex");
    bench_backend::<Autodiff<NdArray<f32>>>(c, "ndarray");
}

fn bench_backend<B: AutodiffBackend>(c: &mut Criterion, backend: &str) {
    let (io, split) = mocap_like(12);
    let device = B::Device::default();
    let indices: Vec<usize> = (0..12).collect();
    let rotations = Rotations::Fresh(Group::So3);
    for model in ["mlp", "transformer"] {
        let mut group = c.benchmark_group(format!("step/{backend}/{model}"));
        for penalty in ["none", "constant", "gradnorm"] {
            let config = config(model, penalty);
            let net: Net<B> = config.net.init(NetShape::of(&io), &device);
            let mut optim = AdamConfig::new().init::<B, Net<B>>();
            let (alpha, beta) = config.penalty.initial_weights(config.alpha, config.beta);
            let mut state = LoopState {
                epochs_done: 0,
                alpha,
                beta,
                gradnorm: config.gradnorm.clone(),
                rng: rng_from_seed(1),
                best: None,
                steps: 0,
                elapsed_s: 0.0,
            };
            let (plain, rotated) = config.penalty.halves(alpha, beta);
            let mut rng = rng_from_seed(2);
            let mut net = Some(net);
            let name = match config.penalty {
                Penalty::None => "plain",
                Penalty::Constant => "remul",
                _ => "remul+gradnorm",
            };
            group.bench_function(name, |b| {
                b.iter(|| {
                    let batch = batch::prepare(
                        &io,
                        &Normalization::IDENTITY,
                        &split,
                        &indices,
                        Halves { plain, rotated },
                        &rotations,
                        &mut rng,
                    )
                    .expect("batch");
                    let current = net.take().expect("model");
                    let (next, losses) =
                        step(current, &mut optim, &batch, &config, &mut state, &device)
                            .expect("step");
                    net = Some(next);
                    losses
                })
            });
        }
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(8));
    targets = bench_steps
}
criterion_main!(benches);
