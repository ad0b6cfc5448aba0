//! What REMUL costs per training step: a plain step (the batch alone), a
//! REMUL step (the batch and its rotated copy in one forward pass), and a
//! GradNorm step (plus the two head-only gradient norms), for the paper's
//! mocap MLP and the CPU-default Transformer, batch 12, on each CPU backend
//! burn offers without a download: flex (the trainer's) and ndarray. A
//! plain step on 24 rows shows what a REMUL step costs beyond its rows.
//!
//! `cargo bench -p remul-benches --bench step_cost`

use burn::backend::{Autodiff, Flex, NdArray};
use burn::tensor::backend::AutodiffBackend;
use criterion::{Criterion, criterion_group, criterion_main};
use remul_benches::{random_split, train_config, training_step};
use remul_group::{Channel, IoLayout, Layout};
use remul_trainer::model::NetShape;
use remul_trainer::objective::Penalty;

// The trainer's allocator and its setting (see trainer/src/allocator.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn bench_steps(c: &mut Criterion) {
    remul_trainer::allocator::keep_freed_pages();
    bench_backend::<Autodiff<Flex>>(c, "flex");
    bench_backend::<Autodiff<NdArray<f32>>>(c, "ndarray");
}

fn bench_backend<B: AutodiffBackend>(c: &mut Criterion, backend: &str) {
    let io = IoLayout {
        input: Layout::new(31, &[Channel::Position, Channel::Vector]).expect("layout"),
        output: Layout::new(31, &[Channel::Position]).expect("layout"),
    };
    let split = random_split(&io, 12);
    let double = random_split(&io, 24);
    for model in ["mlp", "transformer"] {
        let mut group = c.benchmark_group(format!("step/{backend}/{model}"));
        for penalty in ["none", "constant", "gradnorm"] {
            let config = train_config(&["--task", "mocap", "--model", model, "--penalty", penalty]);
            let name = match config.penalty {
                Penalty::None => "plain",
                Penalty::Constant => "remul",
                _ => "remul+gradnorm",
            };
            let mut step = training_step::<B>(&config, &io, NetShape::of(&io), &split);
            group.bench_function(name, |b| b.iter(|| step.run()));
        }
        // As many rows as a REMUL step's one forward pass (the batch and its
        // rotated copy), without the rotations and the second loss.
        let config = train_config(&["--task", "mocap", "--model", model, "--penalty", "none"]);
        let mut step = training_step::<B>(&config, &io, NetShape::of(&io), &double);
        group.bench_function("plain-24rows", |b| b.iter(|| step.run()));
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(8));
    targets = bench_steps
}
criterion_main!(benches);
