//! The paper's equivariance errors E (eq. 12) and E' (eq. 13), for any
//! predictor, without allocation.
//!
//! For every sample `x` the same `M` rotations `g_1..g_M` are drawn from one
//! seed, so the trainer and the device measure against the same group elements.

use crate::random::rng_from_seed;
use crate::{Error, Group, IoLayout};

/// What [`measure`] found.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct EquivarianceReport {
    /// Eq. 12: mean over samples of ‖(1/M) Σ ρ(g)f(x) − (1/M) Σ f(φ(g)x)‖₂.
    pub e: f32,
    /// Eq. 13: mean over samples and group elements of ‖f(φ(g)x) − ρ(g)f(x)‖₂.
    pub e_prime: f32,
    /// Largest |f(φ(g)x) − ρ(g)f(x)| over every output number.
    pub max_abs: f32,
    /// Mean over samples and group elements of ‖a − b‖ / (‖a‖ + ‖b‖), with
    /// a = f(φ(g)x), b = ρ(g)f(x) (0 where both are zero).
    pub relative: f32,
    /// Samples measured.
    pub samples: u32,
    /// Group elements per sample (M).
    pub group_samples: u32,
}

/// Scratch values [`measure`] needs for this layout.
pub fn scratch_len(io: &IoLayout) -> usize {
    io.input.len() + 5 * io.output.len()
}

/// Measures how far `predictor` is from equivariant over `inputs`, with `m`
/// rotations drawn from `group` with `seed`. `scratch` needs
/// [`scratch_len`] values.
///
/// ```
/// use remul_group::{Channel, Group, IoLayout, Layout, metrics};
/// let io = IoLayout {
///     input: Layout::new(2, &[Channel::Position, Channel::Vector]).unwrap(),
///     output: Layout::new(2, &[Channel::Position]).unwrap(),
/// };
/// // x + 2v per entity: exactly rotation-equivariant.
/// let step = |x: &[f32], y: &mut [f32]| {
///     for (e, out) in y.chunks_exact_mut(3).enumerate() {
///         for k in 0..3 { out[k] = x[6 * e + k] + 2.0 * x[6 * e + 3 + k]; }
///     }
/// };
/// let sample = [1.0, 2.0, 3.0, 0.1, 0.0, 0.0, -1.0, 0.5, 2.0, 0.0, 0.2, 0.0];
/// let mut scratch = vec![0.0; metrics::scratch_len(&io)];
/// let report = metrics::measure(step, [&sample[..]], &io, &Group::So3, 100, 0, &mut scratch).unwrap();
/// assert!(report.e_prime < 1e-5);
/// ```
pub fn measure<'a, F, I>(
    mut predictor: F,
    inputs: I,
    io: &IoLayout,
    group: &Group,
    m: usize,
    seed: u64,
    scratch: &mut [f32],
) -> Result<EquivarianceReport, Error>
where
    F: FnMut(&[f32], &mut [f32]),
    I: IntoIterator<Item = &'a [f32]>,
{
    let (n_in, n_out) = (io.input.len(), io.output.len());
    let too_small = Error::ScratchTooSmall {
        needed: scratch_len(io),
        got: scratch.len(),
    };
    if scratch.len() < scratch_len(io) {
        return Err(too_small);
    }
    // Checked splits, not `split_at_mut`: no panic path in firmware.
    let (x_rot, rest) = scratch.split_at_mut_checked(n_in).ok_or(too_small)?;
    let (fx, rest) = rest.split_at_mut_checked(n_out).ok_or(too_small)?;
    let (f_rot, rest) = rest.split_at_mut_checked(n_out).ok_or(too_small)?;
    let (rho_fx, rest) = rest.split_at_mut_checked(n_out).ok_or(too_small)?;
    let diff_sum = rest.get_mut(..n_out).ok_or(too_small)?;
    if m == 0 {
        return Err(Error::NothingToMeasure);
    }

    let (mut e_sum, mut e_prime_sum, mut rel_sum) = (0.0f64, 0.0f64, 0.0f64);
    let mut max_abs = 0.0f32;
    let mut samples = 0u32;
    for x in inputs {
        if x.len() != n_in {
            return Err(Error::LengthMismatch {
                expected: n_in,
                got: x.len(),
            });
        }
        predictor(x, fx);
        diff_sum.fill(0.0);
        let mut rng = rng_from_seed(seed);
        for _ in 0..m {
            let g = group.sample(&mut rng);
            x_rot.copy_from_slice(x);
            io.input.rotate(&g, x_rot)?;
            predictor(x_rot, f_rot);
            rho_fx.copy_from_slice(fx);
            io.output.rotate(&g, rho_fx)?;
            let (mut d2, mut a2, mut b2) = (0.0f64, 0.0f64, 0.0f64);
            for k in 0..n_out {
                let d = f_rot[k] - rho_fx[k];
                diff_sum[k] += d;
                max_abs = max_abs.max(libm::fabsf(d));
                d2 += f64::from(d) * f64::from(d);
                a2 += f64::from(f_rot[k]) * f64::from(f_rot[k]);
                b2 += f64::from(rho_fx[k]) * f64::from(rho_fx[k]);
            }
            let d = libm::sqrt(d2);
            e_prime_sum += d;
            let denom = libm::sqrt(a2) + libm::sqrt(b2);
            if denom > 0.0 {
                rel_sum += d / denom;
            }
        }
        // Σ ρ(g)f(x) − Σ f(φ(g)x) = −Σ (f(φ(g)x) − ρ(g)f(x)): one buffer serves.
        let mean_diff2: f64 = diff_sum
            .iter()
            .map(|&s| {
                let s = f64::from(s) / m as f64;
                s * s
            })
            .sum();
        e_sum += libm::sqrt(mean_diff2);
        samples += 1;
    }
    if samples == 0 {
        return Err(Error::NothingToMeasure);
    }
    let pairs = f64::from(samples) * m as f64;
    Ok(EquivarianceReport {
        e: (e_sum / f64::from(samples)) as f32,
        e_prime: (e_prime_sum / pairs) as f32,
        max_abs,
        relative: (rel_sum / pairs) as f32,
        samples,
        group_samples: u32::try_from(m).unwrap_or(u32::MAX),
    })
}
