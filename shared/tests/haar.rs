//! The samplers draw from the distributions they claim.

use core::f32::consts::PI;
use remul_group::Group;
use remul_group::random::rng_from_seed;

/// The Haar measure on SO(3) gives the rotation angle θ the density
/// (1 − cos θ)/π on [0, π], so the CDF F(θ) = (θ − sin θ)/π.
fn haar_angle_cdf(theta: f64) -> f64 {
    (theta - theta.sin()) / std::f64::consts::PI
}

/// The Kolmogorov–Smirnov statistic of `samples` against `cdf`.
fn ks_statistic(samples: &mut [f64], cdf: impl Fn(f64) -> f64) -> f64 {
    samples.sort_by(f64::total_cmp);
    let n = samples.len() as f64;
    samples
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let f = cdf(x);
            (f - i as f64 / n).abs().max((i as f64 + 1.0) / n - f)
        })
        .fold(0.0, f64::max)
}

/// The critical value of the one-sample KS test at α = 0.001: 1.95 / √n.
fn ks_critical(n: usize) -> f64 {
    1.95 / (n as f64).sqrt()
}

#[test]
fn haar_rotation_angles_follow_one_minus_cos_over_pi() {
    let n = 20_000;
    let mut rng = rng_from_seed(2024);
    let mut angles: Vec<f64> = (0..n)
        .map(|_| f64::from(Group::So3.sample(&mut rng).angle()))
        .collect();
    let d = ks_statistic(&mut angles, haar_angle_cdf);
    assert!(d < ks_critical(n), "KS statistic {d} >= {}", ks_critical(n));
}

#[test]
fn ks_test_rejects_a_sampler_that_is_not_haar() {
    // Uniform angles about a random axis are not Haar: the same test must fail.
    let n = 20_000;
    let mut rng = rng_from_seed(2024);
    let g = Group::AngleRange { min: 0.0, max: PI };
    let mut angles: Vec<f64> = (0..n)
        .map(|_| f64::from(g.sample(&mut rng).angle()))
        .collect();
    let d = ks_statistic(&mut angles, haar_angle_cdf);
    assert!(
        d > ks_critical(n),
        "KS statistic {d} should exceed {}",
        ks_critical(n)
    );
}

#[test]
fn angle_limited_rotations_stay_in_range() {
    for (lo, hi) in [(0.0f32, 10.0f32), (90.0, 180.0), (30.0, 30.0)] {
        let g = Group::angle_range_degrees(lo, hi).unwrap();
        let mut rng = rng_from_seed(7);
        let (mut seen_lo, mut seen_hi) = (f32::MAX, 0.0f32);
        for _ in 0..5000 {
            let deg = g.sample(&mut rng).angle().to_degrees();
            assert!(
                deg >= lo - 0.05 && deg <= hi + 0.05,
                "{deg} outside [{lo}, {hi}]"
            );
            seen_lo = seen_lo.min(deg);
            seen_hi = seen_hi.max(deg);
        }
        // And it covers the range, not a corner of it.
        assert!(seen_lo < lo + 0.05 * (hi - lo) + 0.1 && seen_hi > hi - 0.05 * (hi - lo) - 0.1);
    }
}

#[test]
fn so2_rotations_keep_their_axis_fixed() {
    let g = Group::so2([0.0, 1.0, 0.0]).unwrap();
    let mut rng = rng_from_seed(3);
    for _ in 0..1000 {
        let r = g.sample(&mut rng);
        let y = r.apply([0.0, 1.0, 0.0]);
        assert!((y[0]).abs() < 1e-6 && (y[1] - 1.0).abs() < 1e-6 && y[2].abs() < 1e-6);
    }
}

#[test]
fn the_same_seed_draws_the_same_bits() {
    let draw = |seed| {
        let mut rng = rng_from_seed(seed);
        (0..50)
            .map(|_| Group::So3.sample(&mut rng))
            .collect::<Vec<_>>()
    };
    assert_eq!(draw(11), draw(11));
    assert_ne!(draw(11), draw(12));
}
