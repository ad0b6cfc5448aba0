//! The rotated test: every sample of a split under its own random rotation
//! `g_i` from the task's group, its target rotated alike (`φ(g_i)x_i`,
//! `ρ(g_i)y_i`). The error a model makes there is what a user sees on
//! headings the data did not show; an exactly equivariant model makes the
//! same error as on the split itself.
//!
//! Everyone who reports it (training, `trainer eval` on a blob) rotates with
//! [`SEED`], so every model meets the same rotated samples.

use crate::random::rng_from_seed;
use crate::{Error, Group, IoLayout};

/// The seed of the rotated test's group elements.
pub const SEED: u64 = 0x0007_2057_7E57;

/// Rotates sample `i` of `inputs` and `targets` (rows of the layout's
/// lengths, back to back) by the `i`-th element drawn from `group` with
/// `seed`, in place.
///
/// ```
/// use remul_group::{Channel, Group, IoLayout, Layout, rotated_test};
/// let io = IoLayout {
///     input: Layout::new(1, &[Channel::Vector]).unwrap(),
///     output: Layout::new(1, &[Channel::Vector]).unwrap(),
/// };
/// let (mut x, mut y) = ([1.0, 0.0, 0.0, 0.0, 2.0, 0.0], [1.0, 0.0, 0.0, 0.0, 2.0, 0.0]);
/// rotated_test::rotate_samples(&io, &Group::So3, rotated_test::SEED, &mut x, &mut y).unwrap();
/// assert_eq!(x, y); // each target turned with its own input
/// assert!(x != [1.0, 0.0, 0.0, 0.0, 2.0, 0.0]);
/// ```
pub fn rotate_samples(
    io: &IoLayout,
    group: &Group,
    seed: u64,
    inputs: &mut [f32],
    targets: &mut [f32],
) -> Result<(), Error> {
    let (n_in, n_out) = (io.input.len(), io.output.len());
    let samples = inputs.len() / n_in.max(1);
    for (data, n) in [(&*inputs, n_in), (&*targets, n_out)] {
        if data.len() != samples * n {
            return Err(Error::LengthMismatch {
                expected: samples * n,
                got: data.len(),
            });
        }
    }
    let mut rng = rng_from_seed(seed);
    for (x, y) in inputs
        .chunks_exact_mut(n_in)
        .zip(targets.chunks_exact_mut(n_out))
    {
        let g = group.sample(&mut rng);
        io.input.rotate(&g, x)?;
        io.output.rotate(&g, y)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Channel, Layout};

    fn io() -> IoLayout {
        IoLayout {
            input: Layout::new(2, &[Channel::Position, Channel::Vector]).unwrap(),
            output: Layout::new(2, &[Channel::Position]).unwrap(),
        }
    }

    /// Σ‖f(x) − y‖² over the samples, f(x) = x + 2v per entity (exactly
    /// equivariant, translations included).
    fn squared_error(inputs: &[f32], targets: &[f32]) -> f32 {
        let mut sum = 0.0;
        for (x, y) in inputs.chunks_exact(12).zip(targets.chunks_exact(6)) {
            for e in 0..2 {
                for k in 0..3 {
                    let f = x[6 * e + k] + 2.0 * x[6 * e + 3 + k];
                    sum += (f - y[3 * e + k]) * (f - y[3 * e + k]);
                }
            }
        }
        sum
    }

    #[test]
    fn an_equivariant_predictor_scores_its_plain_error() {
        let mut inputs = [0.0f32; 4 * 12];
        let mut targets = [0.0f32; 4 * 6];
        for (i, v) in inputs.iter_mut().enumerate() {
            *v = ((i * 7 % 13) as f32 - 6.0) / 4.0;
        }
        // Targets a little off the model's prediction, so the error is not 0.
        for (i, v) in targets.iter_mut().enumerate() {
            let (s, e, k) = (i / 6, i % 6 / 3, i % 3);
            let x = &inputs[12 * s..];
            *v = x[6 * e + k] + 2.5 * x[6 * e + 3 + k] + 0.1 * (i % 5) as f32;
        }
        let plain = squared_error(&inputs, &targets);
        let before = inputs;
        rotate_samples(&io(), &Group::So3, SEED, &mut inputs, &mut targets).unwrap();
        assert_ne!(inputs, before);
        let rotated = squared_error(&inputs, &targets);
        assert!(
            plain > 1.0 && (plain - rotated).abs() <= 1e-5 * plain,
            "{plain} {rotated}"
        );
    }

    #[test]
    fn rows_that_do_not_fit_the_layout_are_an_error() {
        let (mut x, mut y) = ([0.0f32; 24], [0.0f32; 11]);
        assert_eq!(
            rotate_samples(&io(), &Group::So3, SEED, &mut x, &mut y),
            Err(Error::LengthMismatch {
                expected: 12,
                got: 11
            })
        );
    }
}
