//! Branch-free f32 `exp` and standard-normal Φ and φ, written so that LLVM
//! vectorises loops over slices (libm's `expf` and `erff` are scalar
//! calls). No fused multiply-adds: results are the same on every x86-64.

use core::f32::consts::{FRAC_1_SQRT_2, LOG2_E};

/// 1.5 · 2²³: adding it rounds an f32 of magnitude below 2²² to an integer
/// held in the low mantissa bits.
const ROUND: f32 = 12_582_912.0;
/// ln 2 in two parts, the first with few enough mantissa bits that
/// `n · LN2_HI` is exact for the `n` met here (Cody and Waite).
const LN2_HI: f32 = 0.693_359_4;
const LN2_LO: f32 = -2.121_944_4e-4;
/// exp(r) ≈ 1 + r + r²·P(r) on |r| ≤ ln2/2 (Cephes' `expf`).
const EXP_P: [f32; 6] = [
    1.987_569_2e-4,
    1.398_2e-3,
    8.333_452e-3,
    4.166_579_6e-2,
    1.666_666_5e-1,
    0.5,
];

/// e^x, within 2 ulp of the exact value; saturates below e^-87 and above
/// e^88 instead of reaching 0 or infinity.
#[inline(always)]
pub(super) fn exp(x: f32) -> f32 {
    let x = x.clamp(-87.0, 88.0);
    let shifted = x * LOG2_E + ROUND;
    let n = shifted - ROUND;
    let r = (x - n * LN2_HI) - n * LN2_LO;
    let p = EXP_P.iter().fold(0.0, |p, &c| p * r + c);
    let y = p * r * r + r + 1.0;
    let k = shifted.to_bits() as i32 - ROUND.to_bits() as i32;
    y * f32::from_bits(((k + 127) << 23) as u32)
}

/// erfc(z) ≈ t·A(t)·e^(−z²), t = 1 / (1 + p·z), for z ≥ 0, with an
/// absolute error under 1.5e-7 (Abramowitz and Stegun 7.1.26).
const ERFC_P: f32 = 0.327_591_1;
const ERFC_A: [f32; 5] = [
    1.061_405_4,
    -1.453_152,
    1.421_413_8,
    -0.284_496_74,
    0.254_829_6,
];
/// 1 / √(2π).
const FRAC_1_SQRT_2PI: f32 = 0.398_942_3;

/// Φ(x) and φ(x), the standard normal's distribution and density. Φ is
/// within 3e-7 of the exact value (the approximation's 0.75e-7 and
/// f32 rounding); for x < 0 it is computed as the tail
/// itself, so it keeps its relative precision where it is tiny.
#[inline(always)]
pub(super) fn normal_cdf_pdf(x: f32) -> (f32, f32) {
    let e = exp(-0.5 * x * x);
    let t = 1.0 / (1.0 + ERFC_P * x.abs() * FRAC_1_SQRT_2);
    let tail = 0.5 * t * ERFC_A.iter().fold(0.0, |a, &c| a * t + c) * e;
    let cdf = if x < 0.0 { tail } else { 1.0 - tail };
    (cdf, FRAC_1_SQRT_2PI * e)
}

/// Partial sums kept per lane: a fixed order, so results repeat exactly,
/// and one LLVM vectorises (it may not reorder a sequential f32 sum).
const LANES: usize = 8;

/// Σ f(aᵢ, bᵢ) over two slices of one length, in [`LANES`] partial sums.
#[inline(always)]
pub(super) fn sum_zip(a: &[f32], b: &[f32], f: impl Fn(f32, f32) -> f32) -> f32 {
    let mut lanes = [0.0f32; LANES];
    let (ca, cb) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let rest: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(&x, &y)| f(x, y))
        .sum();
    for (x, y) in ca.zip(cb) {
        for i in 0..LANES {
            lanes[i] += f(x[i], y[i]);
        }
    }
    lanes.iter().sum::<f32>() + rest
}

/// Σ f(xᵢ), in [`LANES`] partial sums.
#[inline(always)]
pub(super) fn sum_by(xs: &[f32], f: impl Fn(f32) -> f32) -> f32 {
    sum_zip(xs, xs, |x, _| f(x))
}

/// The largest element (−∞ for none), in [`LANES`] partial maxima.
#[inline(always)]
pub(super) fn max(xs: &[f32]) -> f32 {
    let mut lanes = [f32::NEG_INFINITY; LANES];
    let chunks = xs.chunks_exact(LANES);
    let rest = chunks
        .remainder()
        .iter()
        .fold(f32::NEG_INFINITY, |m, &x| m.max(x));
    for x in chunks {
        for i in 0..LANES {
            lanes[i] = lanes[i].max(x[i]);
        }
    }
    lanes.iter().fold(rest, |m, &x| m.max(x))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid() -> impl Iterator<Item = f32> {
        (-40_000..=40_000).map(|i| i as f32 * 2.5e-4)
    }

    #[test]
    fn exp_is_within_two_ulp() {
        for x in grid().map(|x| x * 8.0).chain([-87.0, 88.0, 0.0, -0.0]) {
            let exact = (x as f64).exp();
            let err = ((exp(x) as f64 - exact) / exact).abs();
            assert!(err < 2.5e-7, "exp({x}) = {} against {exact}", exp(x));
        }
        assert_eq!(exp(-1000.0), exp(-87.0));
        assert!(exp(f32::NAN).is_nan());
    }

    #[test]
    fn normal_cdf_and_pdf_match_libm() {
        for x in grid() {
            let (cdf, pdf) = normal_cdf_pdf(x);
            let x = x as f64;
            let exact_cdf = 0.5 * libm::erfc(-x / std::f64::consts::SQRT_2);
            let exact_pdf = (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt();
            assert!(
                (cdf as f64 - exact_cdf).abs() < 3e-7,
                "Φ({x}) = {cdf} against {exact_cdf}"
            );
            assert!(
                (pdf as f64 - exact_pdf).abs() < 1e-7,
                "φ({x}) = {pdf} against {exact_pdf}"
            );
        }
        assert_eq!(normal_cdf_pdf(-30.0).0, normal_cdf_pdf(-30.0).0.abs());
        assert!(normal_cdf_pdf(-30.0).0 < 1e-30);
    }

    #[test]
    fn lane_sums_and_maximum_cover_every_element() {
        for len in [0, 1, 7, 8, 9, 31, 64, 100] {
            let xs: Vec<f32> = (0..len).map(|i| (i * 37 % 11) as f32 - 4.0).collect();
            let exact: f32 = xs.iter().sum();
            assert_eq!(sum_by(&xs, |x| x), exact, "len {len}");
            assert_eq!(
                sum_zip(&xs, &xs, |x, y| x * y),
                xs.iter().map(|x| x * x).sum::<f32>()
            );
            assert_eq!(
                max(&xs),
                xs.iter().fold(f32::NEG_INFINITY, |m, &x| m.max(x))
            );
        }
    }
}
