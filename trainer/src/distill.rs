//! Distillation: a student learns from teachers — finished runs of the same
//! task, one or several averaged ([`Ensemble`]) — beside, or instead of, the
//! labels and REMUL's own L_equi.
//!
//! Each step adds up to three blocks of rows to the student's batch
//! ([`StepBatch::extra`]), each with its own weight:
//! - the teacher on the batch's training inputs, ℓ(f(x), T(x));
//! - the teacher on noisy copies x̃ = x + σ·s·ε, ℓ(f(x̃), T(x̃)), where s is
//!   each channel's scale, so that σ is in the units the model sees;
//! - the rotated teacher, ℓ(f(φ(g)x̃), ρ(g)T(x̃)) with a fresh g per sample:
//!   the student is asked to be equivariant around the teacher's answers,
//!   on headings the data never showed.
//!
//! With `symmetrize = K`, the teacher is the mean of ρ(g)⁻¹T(φ(g)x) over K
//! rotations drawn fresh for every step: nearly equivariant, and as
//! accurate as the ensemble where the ensemble is nearly equivariant.

use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::prelude::Backend;
use remul_datasets::{Split, TaskData};
use remul_group::random::{GroupRng, standard_normal};
use remul_group::{IoLayout, Rotation};
use serde::{Deserialize, Serialize};

use crate::batch::{Block, StepBatch};
use crate::checkpoint;
use crate::config::TrainConfig;
use crate::error::{Result, TrainerError};
use crate::evaluate::{Predict, Predictor};
use crate::json::read_json;
use crate::model::{Net, NetShape};
use crate::normalize::{self, Normalization};
use crate::rotations::Rotations;
use crate::run_metrics::RunMetrics;
use crate::task::TaskSpec;

/// How a student learns from its teachers (part of its `config.json`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DistillConfig {
    /// The teachers' run folders; the teacher is their mean.
    pub teachers: Vec<PathBuf>,
    /// Weight of ℓ(f(x), T(x)) on the training inputs.
    pub teacher_weight: f64,
    /// Weight of ℓ(f(x̃), T(x̃)) on noisy training inputs.
    pub noisy_weight: f64,
    /// σ of the noise, in units of each channel's scale.
    pub noise: f64,
    /// Weight of the rotated-teacher term ℓ(f(φ(g)x̃), ρ(g)T(x̃)).
    pub rotated_weight: f64,
    /// Rotations the teacher is symmetrised over at each step (0: none).
    pub symmetrize: usize,
}

impl DistillConfig {
    /// Checks the weights and the noise.
    pub fn validate(&self) -> Result<()> {
        let bad = |why: &str| Err(TrainerError::InvalidArgument(why.into()));
        if self.teachers.is_empty() {
            return bad("distillation needs at least one --teacher run");
        }
        let weights = [self.teacher_weight, self.noisy_weight, self.rotated_weight];
        if weights.iter().any(|w| !(w.is_finite() && *w >= 0.0)) {
            return bad("the teacher terms' weights must be finite non-negative numbers");
        }
        if !(self.noise.is_finite() && self.noise >= 0.0) {
            return bad("--noise must be a finite non-negative number");
        }
        if weights.iter().all(|w| *w == 0.0) {
            return bad("every teacher term has weight 0: nothing is distilled");
        }
        Ok(())
    }

    /// Whether the noisy inputs x̃ (and the teacher on them) are needed.
    fn needs_noisy(&self) -> bool {
        self.noisy_weight > 0.0 || self.rotated_weight > 0.0
    }
}

/// Several finished runs of one task, averaged: `T(x) = mean_k T_k(x)`,
/// each member with the normalisation it was trained with.
pub struct Ensemble<B: Backend> {
    members: Vec<(Net<B>, Normalization)>,
    io: IoLayout,
    device: B::Device,
    /// The rotations [`Predict`] symmetrises over (empty: none).
    symmetry: Vec<Rotation>,
}

impl<B: Backend> Ensemble<B> {
    /// Reads the runs in `dirs`, which must be finished runs of `task`,
    /// whose data are `data`.
    pub fn load(
        dirs: &[PathBuf],
        task: &TaskSpec,
        data: &TaskData,
        device: &B::Device,
    ) -> Result<Self> {
        if dirs.is_empty() {
            return Err(TrainerError::InvalidArgument(
                "an ensemble needs at least one run".into(),
            ));
        }
        let members = dirs
            .iter()
            .map(|dir| load_member(dir, task, data, device))
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            members,
            io: data.io.clone(),
            device: device.clone(),
            symmetry: Vec::new(),
        })
    }

    /// The same ensemble, symmetrised over `rotations` when predicting.
    pub fn symmetrized(mut self, rotations: Vec<Rotation>) -> Self {
        self.symmetry = rotations;
        self
    }

    /// How many runs it averages.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Whether it has no runs (never, once loaded).
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// Parameters of all members together.
    pub fn parameters(&self) -> usize {
        self.members.iter().map(|(net, _)| net.num_params()).sum()
    }

    /// The members' mean on `inputs` (rows in data units).
    fn mean(&self, inputs: &[f32]) -> Result<Vec<f32>> {
        let mut sum: Vec<f32> = Vec::new();
        for (net, norm) in &self.members {
            let predictor = Predictor {
                net,
                io: &self.io,
                norm,
                device: &self.device,
            };
            let y = predictor.predict_rows(inputs)?;
            if sum.is_empty() {
                sum = y;
            } else {
                sum.iter_mut().zip(&y).for_each(|(s, v)| *s += v);
            }
        }
        let k = self.members.len() as f32;
        sum.iter_mut().for_each(|s| *s /= k);
        Ok(sum)
    }

    /// The mean of ρ(g)⁻¹T(φ(g)x) over `rotations` (T itself when empty).
    pub fn predict_symmetrized(&self, inputs: &[f32], rotations: &[Rotation]) -> Result<Vec<f32>> {
        if rotations.is_empty() {
            return self.mean(inputs);
        }
        let (n_in, n_out) = (self.io.input.len(), self.io.output.len());
        let mut out = vec![0.0f32; inputs.len() / n_in * n_out];
        let mut rotated = inputs.to_vec();
        for g in rotations {
            rotated.copy_from_slice(inputs);
            for row in rotated.chunks_exact_mut(n_in) {
                self.io.input.rotate(g, row)?;
            }
            let mut y = self.mean(&rotated)?;
            let back = g.inverse();
            for row in y.chunks_exact_mut(n_out) {
                self.io.output.rotate(&back, row)?;
            }
            out.iter_mut().zip(&y).for_each(|(o, v)| *o += v);
        }
        let k = rotations.len() as f32;
        out.iter_mut().for_each(|o| *o /= k);
        Ok(out)
    }
}

/// What a student learns from: predictions in data units for rows of
/// inputs, symmetrised over `symmetry` (none when empty). An [`Ensemble`];
/// any function of that shape too (tests give one that knows the labels).
pub trait Teacher {
    /// T on `inputs`, stacked rows in data units.
    fn teach(&self, inputs: &[f32], symmetry: &[Rotation]) -> Result<Vec<f32>>;
}

impl<B: Backend> Teacher for Ensemble<B> {
    fn teach(&self, inputs: &[f32], symmetry: &[Rotation]) -> Result<Vec<f32>> {
        self.predict_symmetrized(inputs, symmetry)
    }
}

impl<F: Fn(&[f32], &[Rotation]) -> Result<Vec<f32>>> Teacher for F {
    fn teach(&self, inputs: &[f32], symmetry: &[Rotation]) -> Result<Vec<f32>> {
        self(inputs, symmetry)
    }
}

impl<B: Backend> Predict for Ensemble<B> {
    fn io(&self) -> &IoLayout {
        &self.io
    }

    fn predict_rows(&self, inputs: &[f32]) -> Result<Vec<f32>> {
        self.predict_symmetrized(inputs, &self.symmetry)
    }
}

/// One teacher: its best weights and normalisation, after checking that it
/// is a finished run of the student's task.
fn load_member<B: Backend>(
    dir: &Path,
    task: &TaskSpec,
    data: &TaskData,
    device: &B::Device,
) -> Result<(Net<B>, Normalization)> {
    let refuse = |why: String| Err(TrainerError::InvalidArgument(why));
    if !dir.join("metrics.json").is_file() {
        return refuse(format!(
            "teacher {} is not a finished run (no metrics.json)",
            dir.display()
        ));
    }
    let config: TrainConfig = read_json(&dir.join("config.json"))?;
    let metrics: RunMetrics = read_json(&dir.join("metrics.json"))?;
    if !same_data(&config.task, task) {
        return refuse(format!(
            "teacher {} learnt {}, the student learns {}",
            dir.display(),
            config.task.label(),
            task.label()
        ));
    }
    let net = checkpoint::load_weights(dir, &config.net, NetShape::of_run(data, &config), device)
        .map_err(|e| match e {
        TrainerError::Checkpoint { path, reason } => TrainerError::Checkpoint {
            path,
            reason: format!("{reason} (a teacher of another layout?)"),
        },
        other => other,
    })?;
    Ok((net, metrics.normalization))
}

/// Whether two task specs give the same data (n-body's sizes and seed
/// matter only to n-body).
fn same_data(a: &TaskSpec, b: &TaskSpec) -> bool {
    let nbody = a.name == crate::task::TaskName::Nbody;
    a.label() == b.label() && a.dataset == b.dataset && (!nbody || a.nbody == b.nbody)
}

/// The teacher terms of a student's steps.
pub struct Distiller<T: Teacher> {
    config: DistillConfig,
    teachers: T,
    io: IoLayout,
    /// σ·s for every input number (s: its channel's scale).
    noise: Vec<f32>,
}

impl<T: Teacher> Distiller<T> {
    /// The terms of `config` with `teachers`, noise scaled by the student's
    /// normalisation `norm` of inputs laid out as `io`.
    pub fn new(config: DistillConfig, teachers: T, io: &IoLayout, norm: &Normalization) -> Self {
        // One entity's numbers; the layout repeats them for every entity.
        let sigma = config.noise as f32;
        let entity: Vec<f32> = normalize::channel_of_numbers(&io.input)
            .into_iter()
            .map(|c| sigma * normalize::scale_of(norm, c))
            .collect();
        let noise = entity
            .iter()
            .copied()
            .cycle()
            .take(io.input.len())
            .collect();
        Self {
            config,
            teachers,
            io: io.clone(),
            noise,
        }
    }

    /// Appends the teacher blocks for the samples `indices` of `split` to
    /// `batch`, normalised by the student's `norm`. Noise and rotations come
    /// from `rng`, so a resumed run draws the same.
    pub fn extend(
        &self,
        batch: &mut StepBatch,
        norm: &Normalization,
        split: &Split,
        indices: &[usize],
        rotations: &Rotations,
        rng: &mut GroupRng,
    ) -> Result<()> {
        let io = &self.io;
        let (n_in, n_out) = (io.input.len(), io.output.len());
        let inputs: Vec<f32> = indices
            .iter()
            .flat_map(|&i| split.input(i).iter().copied())
            .collect();
        let c = &self.config;
        if c.teacher_weight > 0.0 {
            let symmetry = self.draw_symmetry(rotations, rng);
            let t = self.teachers.teach(&inputs, &symmetry)?;
            self.push_block(batch, norm, &inputs, &t, c.teacher_weight)?;
        }
        if !c.needs_noisy() {
            return Ok(());
        }
        let mut noisy = inputs;
        for (v, s) in noisy.iter_mut().zip(self.noise.iter().cycle()) {
            *v += s * standard_normal(rng);
        }
        let symmetry = self.draw_symmetry(rotations, rng);
        let t = self.teachers.teach(&noisy, &symmetry)?;
        if c.noisy_weight > 0.0 {
            self.push_block(batch, norm, &noisy, &t, c.noisy_weight)?;
        }
        if c.rotated_weight > 0.0 {
            let (mut x, mut y) = (vec![0.0; n_in], vec![0.0; n_out]);
            for (xs, ys) in noisy.chunks_exact(n_in).zip(t.chunks_exact(n_out)) {
                let g = rotations.draw(rng);
                x.copy_from_slice(xs);
                y.copy_from_slice(ys);
                io.input.rotate(&g, &mut x)?;
                io.output.rotate(&g, &mut y)?;
                batch.push(io, norm, &x, &y)?;
            }
            batch.extra.push(Block {
                rows: indices.len(),
                weight: c.rotated_weight,
            });
        }
        Ok(())
    }

    /// Appends the rows `inputs` → `targets` (data units) as one block of
    /// weight `weight`.
    fn push_block(
        &self,
        batch: &mut StepBatch,
        norm: &Normalization,
        inputs: &[f32],
        targets: &[f32],
        weight: f64,
    ) -> Result<()> {
        let (n_in, n_out) = (self.io.input.len(), self.io.output.len());
        for (x, y) in inputs.chunks_exact(n_in).zip(targets.chunks_exact(n_out)) {
            batch.push(&self.io, norm, x, y)?;
        }
        let rows = inputs.len() / n_in;
        batch.extra.push(Block { rows, weight });
        Ok(())
    }

    /// This step's rotations for the symmetrised teacher (none when off).
    fn draw_symmetry(&self, rotations: &Rotations, rng: &mut GroupRng) -> Vec<Rotation> {
        (0..self.config.symmetrize)
            .map(|_| rotations.draw(rng))
            .collect()
    }
}
