//! Accuracy and equivariance of a model on a split, in the data's own units.

use burn::prelude::*;
use burn::tensor::TensorData;
use remul_datasets::Split;
use remul_group::random::rng_from_seed;
use remul_group::{EquivarianceReport, Group, IoLayout, metrics, rotated_test};

use crate::error::Result;
use crate::model::Net;
use crate::normalize::{Frame, Normalization};

/// Rows per forward pass when evaluating.
const EVAL_CHUNK: usize = 512;

/// A model with the normalisation it was trained with: `f(x)` in data units.
pub struct Predictor<'a, B: Backend> {
    /// The network.
    pub net: &'a Net<B>,
    /// Its input/output layout.
    pub io: &'a IoLayout,
    /// Its normalisation.
    pub norm: &'a Normalization,
    /// Where it runs.
    pub device: &'a B::Device,
}

/// Anything that maps inputs to outputs in data units — one model
/// ([`Predictor`]) or several averaged (`crate::distill::Ensemble`) — and
/// what is measured through that map alone.
pub trait Predict {
    /// The input/output layout.
    fn io(&self) -> &IoLayout;

    /// `f` on `rows` inputs stacked in `inputs`; outputs stacked in data units.
    fn predict_rows(&self, inputs: &[f32]) -> Result<Vec<f32>>;

    /// `f` on every input of a split.
    fn predict_split(&self, split: &Split) -> Result<Vec<f32>> {
        self.predict_rows(&split.inputs)
    }

    /// Mean squared error on a split (over samples × outputs), data units.
    fn mse(&self, split: &Split) -> Result<f64> {
        Ok(mse(&self.predict_split(split)?, &split.targets))
    }

    /// Mean squared error on the rotated copy of a split (every sample
    /// under its own rotation from `group`, [`rotated_test`]), data units.
    fn rotated_mse(&self, split: &Split, group: &Group) -> Result<f64> {
        self.mse(&rotated_copy(split, self.io(), group)?)
    }

    /// E (eq. 12) and E' (eq. 13) over a split with `m` rotations from `group`.
    ///
    /// [`metrics::measure`] asks for f(x) and then f(φ(g_i)x) for the same
    /// seeded g_1..g_M for every sample; this computes those M + 1 outputs
    /// in one batched pass when a sample starts and serves them from a
    /// cache (checked bit for bit), so the metric stays the shared crate's.
    fn equivariance(
        &self,
        split: &Split,
        group: &Group,
        m: usize,
        seed: u64,
    ) -> Result<EquivarianceReport, remul_group::Error> {
        let io = self.io();
        let n_in = io.input.len();
        let n_out = io.output.len();
        let mut cache_in: Vec<f32> = Vec::new();
        let mut cache_out: Vec<f32> = Vec::new();
        let mut next = 0usize;
        let predictor = |x: &[f32], y: &mut [f32]| {
            let hit = cache_in.get(next * n_in..(next + 1) * n_in) == Some(x);
            if !hit {
                cache_in.clear();
                cache_in.extend_from_slice(x);
                let mut rng = rng_from_seed(seed);
                let mut rotated = x.to_vec();
                for _ in 0..m {
                    let g = group.sample(&mut rng);
                    rotated.copy_from_slice(x);
                    // The layout is the one measure() checks x against.
                    let _ = io.input.rotate(&g, &mut rotated);
                    cache_in.extend_from_slice(&rotated);
                }
                // Lengths are the layout's, so this does not fail; if it
                // did, NaN outputs would make the metric visibly NaN.
                cache_out = self
                    .predict_rows(&cache_in)
                    .unwrap_or_else(|_| vec![f32::NAN; cache_in.len() / n_in * n_out]);
                next = 0;
            }
            y.copy_from_slice(&cache_out[next * n_out..(next + 1) * n_out]);
            next += 1;
        };
        let mut scratch = vec![0.0; metrics::scratch_len(io)];
        metrics::measure(
            predictor,
            split.inputs_iter(),
            io,
            group,
            m,
            seed,
            &mut scratch,
        )
    }
}

impl<B: Backend> Predict for Predictor<'_, B> {
    fn io(&self) -> &IoLayout {
        self.io
    }

    fn predict_rows(&self, inputs: &[f32]) -> Result<Vec<f32>> {
        let (n_in, n_out) = (self.io.input.len(), self.io.output.len());
        let rows = inputs.len() / n_in;
        let mut out = vec![0.0f32; rows * n_out];
        // The network reads the normalized input and then the orientation.
        let width = n_in + self.norm.orientation_len();
        let mut normalized = vec![0.0f32; rows * width];
        let frames = inputs
            .chunks_exact(n_in)
            .zip(normalized.chunks_exact_mut(width))
            .map(|(x, row)| {
                let frame = Frame::of_input(&self.io.input, self.norm, x)?;
                frame.network_input(&self.io.input, x, row)?;
                Ok(frame)
            })
            .collect::<Result<Vec<_>>>()?;
        for (chunk, start) in normalized
            .chunks(EVAL_CHUNK * width)
            .zip((0..).step_by(EVAL_CHUNK))
        {
            let n = chunk.len() / width;
            // In the network's own float type (f64 after `Net::to_f64`).
            let x =
                Tensor::<B, 2>::from_data(TensorData::new(chunk.to_vec(), [n, width]), self.device)
                    .cast(self.net.head().weight.val().dtype());
            let y = self.net.forward(x).into_data().convert::<f32>();
            let y = y.as_slice::<f32>().unwrap_or_default();
            let rows_out = out[start * n_out..(start + n) * n_out].chunks_exact_mut(n_out);
            for ((y_row, out_row), frame) in
                y.chunks_exact(n_out).zip(rows_out).zip(&frames[start..])
            {
                out_row.copy_from_slice(y_row);
                frame.denormalize(&self.io.output, out_row)?;
            }
        }
        Ok(out)
    }
}

/// `split` with every sample and its target under its own rotation from
/// `group` ([`rotated_test`]): what the trainer and `trainer eval` measure
/// the rotated-test MSE on.
pub fn rotated_copy(split: &Split, io: &IoLayout, group: &Group) -> Result<Split> {
    let (mut inputs, mut targets) = (split.inputs.clone(), split.targets.clone());
    rotated_test::rotate_samples(io, group, rotated_test::SEED, &mut inputs, &mut targets)?;
    Ok(Split::from_rows(io, inputs, targets)?)
}

/// Mean squared error of two equally long slices.
pub fn mse(prediction: &[f32], target: &[f32]) -> f64 {
    let n = prediction.len().min(target.len()).max(1);
    prediction
        .iter()
        .zip(target)
        .map(|(&p, &t)| {
            let d = f64::from(p) - f64::from(t);
            d * d
        })
        .sum::<f64>()
        / n as f64
}
