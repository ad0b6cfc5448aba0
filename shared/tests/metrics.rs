//! E and E' vanish for an equivariant predictor and do not for others.

use remul_group::random::{rng_from_seed, uniform_in};
use remul_group::{Channel, Error, Group, IoLayout, Layout, metrics};

const JOINTS: usize = 5;

fn io() -> IoLayout {
    IoLayout {
        input: Layout::new(JOINTS, &[Channel::Position, Channel::Vector]).unwrap(),
        output: Layout::new(JOINTS, &[Channel::Position]).unwrap(),
    }
}

/// A fixed linear mix of each entity's input vectors: exactly equivariant.
fn equivariant(x: &[f32], y: &mut [f32]) {
    for (e, out) in y.chunks_exact_mut(3).enumerate() {
        for k in 0..3 {
            out[k] = 0.7 * x[6 * e + k] - 1.3 * x[6 * e + 3 + k];
        }
    }
}

/// The same plus a constant vector: not equivariant.
fn biased(x: &[f32], y: &mut [f32]) {
    equivariant(x, y);
    for out in y.chunks_exact_mut(3) {
        out[1] += 0.5;
    }
}

fn samples(n: usize) -> Vec<Vec<f32>> {
    let mut rng = rng_from_seed(99);
    (0..n)
        .map(|_| {
            (0..io().input.len())
                .map(|_| uniform_in(&mut rng, -3.0, 3.0))
                .collect()
        })
        .collect()
}

fn run(f: fn(&[f32], &mut [f32]), group: Group) -> remul_group::EquivarianceReport {
    let data = samples(20);
    let io = io();
    let mut scratch = vec![0.0; metrics::scratch_len(&io)];
    metrics::measure(
        f,
        data.iter().map(Vec::as_slice),
        &io,
        &group,
        100,
        5,
        &mut scratch,
    )
    .unwrap()
}

#[test]
fn equivariant_predictor_scores_zero() {
    for group in [
        Group::So3,
        Group::so2([0.0, 1.0, 0.0]).unwrap(),
        Group::angle_range_degrees(90.0, 180.0).unwrap(),
    ] {
        let r = run(equivariant, group);
        assert!(
            r.e <= 1e-5 && r.e_prime <= 1e-5 && r.max_abs <= 1e-5,
            "{r:?}"
        );
        assert_eq!((r.samples, r.group_samples), (20, 100));
    }
}

#[test]
fn constant_offset_is_caught() {
    let r = run(biased, Group::So3);
    // An offset c per entity moves by ‖Rc − c‖ > 0 for almost every rotation R.
    assert!(
        r.e > 0.1 && r.e_prime > 0.5 && r.max_abs > 0.5 && r.relative > 0.0,
        "{r:?}"
    );
    // Triangle inequality: the norm of the mean is at most the mean of the norms.
    assert!(r.e_prime >= r.e, "{r:?}");
    // The offset (0, 0.5, 0) per entity is invariant under rotations about y.
    let about_y = run(biased, Group::so2([0.0, 1.0, 0.0]).unwrap());
    assert!(about_y.e_prime <= 1e-5, "{about_y:?}");
}

#[test]
fn e_prime_matches_its_definition_by_hand() {
    // One sample, one entity, output = constant (0, 1, 0): for a rotation g,
    // ‖f(φ(g)x) − ρ(g)f(x)‖ = ‖c − Rc‖.
    let io = IoLayout {
        input: Layout::new(1, &[Channel::Vector]).unwrap(),
        output: Layout::new(1, &[Channel::Vector]).unwrap(),
    };
    let constant = |_: &[f32], y: &mut [f32]| y.copy_from_slice(&[0.0, 1.0, 0.0]);
    let mut scratch = vec![0.0; metrics::scratch_len(&io)];
    let m = 10;
    let r = metrics::measure(
        constant,
        [&[1.0f32, 0.0, 0.0][..]],
        &io,
        &Group::So3,
        m,
        3,
        &mut scratch,
    )
    .unwrap();
    let mut rng = rng_from_seed(3);
    let (mut sum_norm, mut sum_vec) = (0.0f64, [0.0f64; 3]);
    for _ in 0..m {
        let g = Group::So3.sample(&mut rng);
        let rc = g.apply([0.0, 1.0, 0.0]);
        let d = [-rc[0], 1.0 - rc[1], -rc[2]];
        sum_norm += f64::from(remul_group::vector::norm(d));
        for k in 0..3 {
            sum_vec[k] += f64::from(d[k]) / m as f64;
        }
    }
    let e = (sum_vec.iter().map(|v| v * v).sum::<f64>()).sqrt();
    assert!(
        (f64::from(r.e_prime) - sum_norm / m as f64).abs() < 1e-5,
        "{r:?}"
    );
    assert!((f64::from(r.e) - e).abs() < 1e-5, "{r:?}");
}

#[test]
fn bad_arguments_are_errors() {
    let io = io();
    let data = samples(1);
    let mut small = vec![0.0; metrics::scratch_len(&io) - 1];
    assert!(matches!(
        metrics::measure(
            equivariant,
            data.iter().map(Vec::as_slice),
            &io,
            &Group::So3,
            4,
            0,
            &mut small
        ),
        Err(Error::ScratchTooSmall { .. })
    ));
    let mut scratch = vec![0.0; metrics::scratch_len(&io)];
    assert_eq!(
        metrics::measure(
            equivariant,
            data.iter().map(Vec::as_slice),
            &io,
            &Group::So3,
            0,
            0,
            &mut scratch
        ),
        Err(Error::NothingToMeasure)
    );
    assert_eq!(
        metrics::measure(
            equivariant,
            std::iter::empty(),
            &io,
            &Group::So3,
            4,
            0,
            &mut scratch
        ),
        Err(Error::NothingToMeasure)
    );
    let short = [0.0f32; 3];
    assert!(matches!(
        metrics::measure(
            equivariant,
            [&short[..]],
            &io,
            &Group::So3,
            4,
            0,
            &mut scratch
        ),
        Err(Error::LengthMismatch { .. })
    ));
}
