//! The paper's speed claim (§6.4, Fig. 5: unconstrained models train and
//! infer faster than equivariant ones), checked against EGNN on one
//! machine: a training step (mocap batch 12, n-body batch 64) and a batch-1
//! forward pass, for the MLP and the Transformer as REMUL trains them (the
//! batch and its rotated copy) and for EGNN as it trains (the batch alone:
//! the penalty adds nothing to an equivariant model), on burn-flex, the
//! trainer's CPU backend. Inputs are random numbers of the tasks' shapes;
//! mocap's skeleton is stood in for by a chain of its 30 bones (the cost
//! depends on the number of edges only).
//!
//! `cargo bench -p remul-benches --bench egnn_cost`

use burn::backend::{Autodiff, Flex};
use burn::prelude::*;
use burn::tensor::TensorData;
use criterion::{Criterion, criterion_group, criterion_main};
use remul_benches::{random_split, train_config, training_step};
use remul_group::IoLayout;
use remul_trainer::config::TrainConfig;
use remul_trainer::model::{Net, NetShape};

// The trainer's allocator and its setting (see trainer/src/allocator.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The models compared on `task`, by name, as the trainer trains them.
fn cases(task: &str) -> Vec<(&'static str, TrainConfig)> {
    let flags = |model: &str, extra: &[&str]| {
        let mut argv = vec!["--task", task, "--model", model];
        argv.extend_from_slice(extra);
        train_config(&argv)
    };
    let mut cases = vec![
        ("mlp-remul", flags("mlp", &["--penalty", "constant"])),
        (
            "transformer-remul",
            flags("transformer", &["--penalty", "constant"]),
        ),
        (
            "egnn-all",
            flags("egnn", &["--penalty", "none", "--graph", "all"]),
        ),
    ];
    if task == "mocap" {
        let bones = flags("egnn", &["--penalty", "none", "--graph", "bones"]);
        cases.push(("egnn-bones", bones));
    }
    cases
}

fn bench_task(c: &mut Criterion, task: &str, io: IoLayout, bones: Vec<[usize; 2]>, batch: usize) {
    let split = random_split(&io, batch);
    let shape = NetShape {
        bones,
        ..NetShape::of(&io)
    };
    let cases = cases(task);
    let mut train = c.benchmark_group(format!("train-step/{task}/batch-{batch}"));
    for (name, config) in &cases {
        let mut step = training_step::<Autodiff<Flex>>(config, &io, shape.clone(), &split);
        train.bench_function(*name, |b| b.iter(|| step.run()));
    }
    train.finish();

    let mut infer = c.benchmark_group(format!("inference/{task}/batch-1"));
    let device = Default::default();
    let x = split.input(0).to_vec();
    for (name, config) in &cases {
        let net: Net<Flex> = config.net.init(shape.clone(), &device);
        infer.bench_function(*name, |b| {
            b.iter(|| {
                let t =
                    Tensor::<Flex, 2>::from_data(TensorData::new(x.clone(), [1, x.len()]), &device);
                net.forward(t).into_data()
            })
        });
    }
    infer.finish();
}

fn bench_all(c: &mut Criterion) {
    remul_trainer::allocator::keep_freed_pages();
    let mocap = remul_datasets::mocap::io_layout().expect("mocap layout");
    let chain: Vec<[usize; 2]> = (1..mocap.input.entities()).map(|i| [i, i - 1]).collect();
    bench_task(c, "mocap", mocap, chain, 12);
    let bodies = remul_datasets::nbody::NbodyConfig::default().planets + 1;
    let nbody = remul_datasets::nbody::io_layout(bodies).expect("n-body layout");
    bench_task(c, "nbody", nbody, Vec::new(), 64);
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).measurement_time(std::time::Duration::from_secs(5));
    targets = bench_all
}
criterion_main!(benches);
