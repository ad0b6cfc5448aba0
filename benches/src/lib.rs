//! Benchmarks of the REMUL toolkit; see `benches/` and the README beside it.
//!
//! What the benches share: inputs of a task's shape, a training
//! configuration from the trainer's own flags, and one training step as the
//! trainer takes it (batch preparation with its rotations, forward,
//! backward, and the trainer's Adam).

use burn::optim::Optimizer;
use burn::tensor::backend::AutodiffBackend;
use remul_datasets::Split;
use remul_group::random::{GroupRng, rng_from_seed, uniform_in};
use remul_group::{Group, IoLayout};
use remul_trainer::batch::{self, Halves};
use remul_trainer::checkpoint::LoopState;
use remul_trainer::config::TrainConfig;
use remul_trainer::model::{Net, NetShape};
use remul_trainer::normalize::Normalization;
use remul_trainer::rotations::Rotations;
use remul_trainer::training::step;

/// A split of `samples` random numbers of the layout's shape (the values do
/// not change the cost).
pub fn random_split(io: &IoLayout, samples: usize) -> Split {
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

/// The configuration `trainer FLAGS...` would train with.
pub fn train_config(flags: &[&str]) -> TrainConfig {
    use clap::Parser;
    let argv = std::iter::once("trainer").chain(flags.iter().copied());
    remul_trainer::cli::Cli::try_parse_from(argv)
        .expect("flags")
        .train
        .config()
        .expect("config")
}

/// A model, its optimizer and one batch (the whole of `split`), ready to
/// take training steps on backend `B`.
pub struct TrainingStep<'a, B: AutodiffBackend, O> {
    config: &'a TrainConfig,
    io: &'a IoLayout,
    split: &'a Split,
    indices: Vec<usize>,
    halves: Halves,
    rotations: Rotations,
    net: Option<Net<B>>,
    optim: O,
    state: LoopState,
    rng: GroupRng,
    device: B::Device,
}

/// The step of `config`'s model of shape `shape` on all of `split`.
pub fn training_step<'a, B: AutodiffBackend>(
    config: &'a TrainConfig,
    io: &'a IoLayout,
    shape: NetShape,
    split: &'a Split,
) -> TrainingStep<'a, B, impl Optimizer<Net<B>, B>> {
    let device = B::Device::default();
    let (alpha, beta) = config.penalty.initial_weights(config.alpha, config.beta);
    let (plain, rotated) = config.penalty.halves(alpha, beta);
    TrainingStep {
        config,
        io,
        split,
        indices: (0..split.len()).collect(),
        halves: Halves { plain, rotated },
        rotations: Rotations::Fresh(Group::So3),
        net: Some(config.net.init(shape, &device)),
        optim: remul_trainer::training::optimizer::for_run::<B>(config),
        state: LoopState {
            epochs_done: 0,
            alpha,
            beta,
            gradnorm: config.gradnorm.clone(),
            rng: rng_from_seed(1),
            best: None,
            steps: 0,
            elapsed_s: 0.0,
        },
        rng: rng_from_seed(2),
        device,
    }
}

impl<B: AutodiffBackend, O: Optimizer<Net<B>, B>> TrainingStep<'_, B, O> {
    /// One step; returns the two losses (L_obj, L_equi).
    pub fn run(&mut self) -> (f64, f64) {
        let prepared = batch::prepare(
            self.io,
            &Normalization::IDENTITY,
            self.split,
            &self.indices,
            self.halves,
            &self.rotations,
            &mut self.rng,
        )
        .expect("batch");
        let current = self.net.take().expect("model");
        let (next, losses) = step(
            current,
            &mut self.optim,
            &prepared,
            self.config.lr,
            self.config,
            &mut self.state,
            &self.device,
        )
        .expect("step");
        self.net = Some(next);
        (losses.obj, losses.equi)
    }
}
