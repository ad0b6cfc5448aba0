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
use burn::optim::AdamConfig;
use burn::prelude::*;
use burn::tensor::TensorData;
use criterion::{Criterion, criterion_group, criterion_main};
use remul_datasets::Split;
use remul_group::random::{rng_from_seed, uniform_in};
use remul_group::{Group, IoLayout};
use remul_trainer::batch::{self, Halves};
use remul_trainer::checkpoint::LoopState;
use remul_trainer::config::TrainConfig;
use remul_trainer::model::{Net, NetShape};
use remul_trainer::normalize::Normalization;
use remul_trainer::rotations::Rotations;
use remul_trainer::training::step;

// The trainer's allocator (see trainer/Cargo.toml).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

type Train = Autodiff<Flex>;

/// A split of random numbers of the task's shape.
fn random_split(io: &IoLayout, samples: usize) -> Split {
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
    Split::from_rows(io, x, y).expect("split")
}

fn config(task: &str, model: &str, extra: &[&str]) -> TrainConfig {
    use clap::Parser;
    let mut argv = vec!["trainer", "--task", task, "--model", model];
    argv.extend_from_slice(extra);
    remul_trainer::cli::Cli::try_parse_from(argv)
        .expect("flags")
        .train
        .config()
        .expect("config")
}

/// One model of the comparison.
struct Case {
    name: &'static str,
    config: TrainConfig,
}

fn cases(task: &str) -> Vec<Case> {
    let mut cases = vec![
        Case {
            name: "mlp-remul",
            config: config(task, "mlp", &["--penalty", "constant"]),
        },
        Case {
            name: "transformer-remul",
            config: config(task, "transformer", &["--penalty", "constant"]),
        },
        Case {
            name: "egnn-all",
            config: config(task, "egnn", &["--penalty", "none", "--graph", "all"]),
        },
    ];
    if task == "mocap" {
        cases.push(Case {
            name: "egnn-bones",
            config: config(task, "egnn", &["--penalty", "none", "--graph", "bones"]),
        });
    }
    cases
}

fn bench_task(c: &mut Criterion, task: &str, io: IoLayout, bones: Vec<[usize; 2]>, batch: usize) {
    let split = random_split(&io, batch);
    let shape = NetShape {
        bones,
        ..NetShape::of(&io)
    };
    let device = Default::default();
    let indices: Vec<usize> = (0..batch).collect();
    let rotations = Rotations::Fresh(Group::So3);
    let mut train = c.benchmark_group(format!("train-step/{task}/batch-{batch}"));
    for case in cases(task) {
        let config = &case.config;
        let net: Net<Train> = config.net.init(shape.clone(), &device);
        let mut optim = AdamConfig::new().init::<Train, Net<Train>>();
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
        train.bench_function(case.name, |b| {
            b.iter(|| {
                let prepared = batch::prepare(
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
                    step(current, &mut optim, &prepared, config, &mut state, &device)
                        .expect("step");
                net = Some(next);
                losses
            })
        });
    }
    train.finish();

    let mut infer = c.benchmark_group(format!("inference/{task}/batch-1"));
    let x = split.input(0).to_vec();
    for case in cases(task) {
        let net: Net<Flex> = case.config.net.init(shape.clone(), &device);
        infer.bench_function(case.name, |b| {
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
    let mocap = remul_datasets::mocap::io_layout().expect("mocap layout");
    let chain: Vec<[usize; 2]> = (1..mocap.input.entities()).map(|i| [i, i - 1]).collect();
    bench_task(c, "mocap", mocap, chain, 12);
    let nbody =
        remul_datasets::nbody::io_layout(remul_datasets::nbody::NbodyConfig::default().planets + 1)
            .expect("n-body layout");
    bench_task(c, "nbody", nbody, Vec::new(), 64);
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).measurement_time(std::time::Duration::from_secs(5));
    targets = bench_all
}
criterion_main!(benches);
