//! Building one training step's batch on the CPU: the samples as they are
//! (for L_obj) and, for each sample, a copy under a fresh random rotation g
//! (for L_equi: f(φ(g)x) against ρ(g)y), all normalised, stacked so that one
//! forward pass evaluates both halves.

use remul_datasets::Split;
use remul_group::IoLayout;
use remul_group::random::GroupRng;

use crate::normalize::{Frame, Normalization};
use crate::rotations::Rotations;

/// Rows of one step: first the plain half, then the rotated half, then
/// the blocks a distilled student adds (`crate::distill`).
#[derive(Clone, Debug, Default)]
pub struct StepBatch {
    /// `rows × input_len` normalised inputs.
    pub inputs: Vec<f32>,
    /// `rows × output_len` normalised targets.
    pub targets: Vec<f32>,
    /// Rows of the plain half.
    pub plain: usize,
    /// Rows of the rotated half.
    pub rotated: usize,
    /// Further blocks of rows, each with its own weight in the loss.
    pub extra: Vec<Block>,
}

/// Rows after the two halves whose loss enters with its own weight.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Block {
    /// Rows in the block.
    pub rows: usize,
    /// Weight of the block's loss.
    pub weight: f64,
}

impl StepBatch {
    /// All rows.
    pub fn rows(&self) -> usize {
        self.plain + self.rotated + self.extra.iter().map(|b| b.rows).sum::<usize>()
    }

    /// Appends one sample in data units, normalised in its input's frame
    /// (targets too: positions relative to the input's centroid).
    pub fn push(
        &mut self,
        io: &IoLayout,
        norm: &Normalization,
        x: &[f32],
        y: &[f32],
    ) -> Result<(), remul_runtime::Error> {
        let (at_x, at_y) = (self.inputs.len(), self.targets.len());
        self.inputs
            .resize(at_x + io.input.len() + norm.orientation_len(), 0.0);
        self.targets.resize(at_y + io.output.len(), 0.0);
        let frame = Frame::of_input(&io.input, norm, x)?;
        frame.network_input(&io.input, x, &mut self.inputs[at_x..])?;
        frame.normalize(&io.output, y, &mut self.targets[at_y..])
    }
}

/// Which halves a step needs.
#[derive(Clone, Copy, Debug)]
pub struct Halves {
    /// The unrotated samples.
    pub plain: bool,
    /// A rotated copy of every sample.
    pub rotated: bool,
}

/// Builds the batch of `indices` from `split`.
pub fn prepare(
    io: &IoLayout,
    norm: &Normalization,
    split: &Split,
    indices: &[usize],
    halves: Halves,
    rotations: &Rotations,
    rng: &mut GroupRng,
) -> Result<StepBatch, remul_runtime::Error> {
    let (n_in, n_out) = (io.input.len(), io.output.len());
    let mut batch = StepBatch::default();
    if halves.plain {
        for &i in indices {
            batch.push(io, norm, split.input(i), split.target(i))?;
        }
        batch.plain = indices.len();
    }
    if halves.rotated {
        let (mut x, mut y) = (vec![0.0; n_in], vec![0.0; n_out]);
        for &i in indices {
            let g = rotations.draw(rng);
            x.copy_from_slice(split.input(i));
            y.copy_from_slice(split.target(i));
            io.input.rotate(&g, &mut x)?;
            io.output.rotate(&g, &mut y)?;
            batch.push(io, norm, &x, &y)?;
        }
        batch.rotated = indices.len();
    }
    Ok(batch)
}
