//! The n-body generator: the simulator's symmetries, determinism, sizes and
//! the rotation ranges.

use remul_datasets::Error;
use remul_datasets::nbody::{self, Bodies, NbodyConfig, NbodySplit, rotation_matrix};
use remul_group::random::rng_from_seed;
use remul_group::{Group, Translation};

fn small() -> NbodyConfig {
    NbodyConfig {
        train: 50,
        val: 50,
        test: 50,
        ood: 50,
        ..NbodyConfig::default()
    }
}

fn max_abs_diff(a: &[[f64; 3]], b: &[[f64; 3]]) -> f64 {
    a.iter()
        .flatten()
        .zip(b.iter().flatten())
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

#[test]
fn the_simulator_is_equivariant() {
    let cfg = NbodyConfig::default();
    let mut rng = rng_from_seed(11);
    for _ in 0..20 {
        let initial = nbody::draw_system(&mut rng, &cfg, &Group::So3);
        let rotation = rotation_matrix(&Group::So3.sample(&mut rng));
        let Translation(t) = Translation::sample_gaussian(&mut rng, 20.0);
        let t = t.map(f64::from);

        let mut simulated_then_moved = initial.clone();
        nbody::simulate(&mut simulated_then_moved, cfg.steps, cfg.dt).expect("simulates");
        simulated_then_moved.transform(&rotation, t);

        let mut moved_then_simulated = initial.clone();
        moved_then_simulated.transform(&rotation, t);
        nbody::simulate(&mut moved_then_simulated, cfg.steps, cfg.dt).expect("simulates");

        let dx = max_abs_diff(
            &simulated_then_moved.positions,
            &moved_then_simulated.positions,
        );
        let dv = max_abs_diff(
            &simulated_then_moved.velocities,
            &moved_then_simulated.velocities,
        );
        assert!(
            dx < 1e-9 && dv < 1e-7,
            "position error {dx:e}, velocity error {dv:e}"
        );
    }
}

#[test]
fn the_integrator_conserves_momentum() {
    let cfg = NbodyConfig::default();
    let mut rng = rng_from_seed(5);
    for _ in 0..20 {
        let mut bodies = nbody::draw_system(&mut rng, &cfg, &Group::So3);
        let before = bodies.momentum();
        let scale: f64 = bodies
            .masses
            .iter()
            .zip(&bodies.velocities)
            .map(|(m, v)| m * v.iter().map(|c| c.abs()).sum::<f64>())
            .sum();
        nbody::simulate(&mut bodies, 1000, cfg.dt).expect("simulates");
        let after = bodies.momentum();
        for k in 0..3 {
            assert!(
                (after[k] - before[k]).abs() <= 1e-12 * scale.max(1.0),
                "{before:?} -> {after:?}"
            );
        }
    }
}

#[test]
fn a_two_body_step_is_semi_implicit_euler() {
    // unit masses at distance 1 on the x axis, at rest: a = ±1, then v = ±dt, x moves by dt².
    let mut bodies = Bodies {
        masses: vec![1.0, 1.0],
        positions: vec![[0.0; 3], [1.0, 0.0, 0.0]],
        velocities: vec![[0.0; 3]; 2],
    };
    let moved = nbody::simulate(&mut bodies, 1, 0.001).expect("simulates");
    assert_eq!(bodies.velocities[0], [0.001, 0.0, 0.0]);
    assert_eq!(bodies.velocities[1], [-0.001, 0.0, 0.0]);
    // x += dt·v with the new v (explicit Euler would leave x at 0)
    assert_eq!(bodies.positions[0], [0.001 * 0.001, 0.0, 0.0]);
    assert_eq!(bodies.positions[1], [1.0 - 0.001 * 0.001, 0.0, 0.0]);
    assert!((moved - 1e-6).abs() < 1e-15, "{moved}");
    // coincident bodies count as distance 1 and exert no force (d = 0)
    let mut same = Bodies {
        masses: vec![1.0, 1.0],
        positions: vec![[2.0; 3]; 2],
        velocities: vec![[0.0; 3]; 2],
    };
    nbody::simulate(&mut same, 3, 0.001).expect("simulates");
    assert_eq!(same.positions, vec![[2.0; 3]; 2]);
    // inconsistent lengths are an error, not a panic
    let mut bad = Bodies {
        masses: vec![1.0],
        positions: vec![],
        velocities: vec![],
    };
    assert!(matches!(
        nbody::simulate(&mut bad, 1, 0.001),
        Err(Error::InvalidConfig { .. })
    ));
}

#[test]
fn the_default_sizes_are_remuls() {
    let start = std::time::Instant::now();
    let data = nbody::generate(&NbodyConfig::default()).expect("generates");
    eprintln!("n-body default generation: {:?}", start.elapsed());
    assert_eq!(data.name, "nbody");
    assert_eq!(
        (data.train.len(), data.val.len(), data.test.len()),
        (100, 5000, 5000)
    );
    assert_eq!(data.extra.len(), 1);
    assert_eq!(data.extra[0].0, "ood");
    assert_eq!(data.extra[0].1.len(), 5000);
    assert_eq!(
        (
            data.io.input.entities(),
            data.io.input.len(),
            data.io.output.len()
        ),
        (4, 28, 12)
    );
    assert_eq!(data.train.inputs.len(), 100 * 28);
    assert_eq!(data.test.targets.len(), 5000 * 12);
    assert!(data.edges.is_empty());
    for (_, split) in data.splits() {
        assert!(
            split
                .inputs
                .iter()
                .chain(&split.targets)
                .all(|v| v.is_finite())
        );
    }
}

#[test]
fn the_same_seed_gives_the_same_data_and_splits_are_independent() {
    let a = nbody::generate(&small()).expect("generates");
    let b = nbody::generate(&small()).expect("generates");
    assert_eq!(a, b);
    let other_seed = nbody::generate(&NbodyConfig { seed: 1, ..small() }).expect("generates");
    assert_ne!(a.train, other_seed.train);
    // more training samples: the first 50 are unchanged, other splits too
    let more = nbody::generate(&NbodyConfig {
        train: 80,
        ..small()
    })
    .expect("generates");
    assert_eq!(
        &more.train.inputs[..a.train.inputs.len()],
        &a.train.inputs[..]
    );
    assert_eq!(more.val, a.val);
    assert_eq!(more.extra, a.extra);
    // train and val are different draws
    assert_ne!(a.train.input(0), a.val.input(0));
}

/// Per sample: (star index, masses, positions, velocities, final positions).
fn bodies_of(input: &[f32]) -> Vec<(f32, [f32; 3], [f32; 3])> {
    input
        .chunks_exact(7)
        .map(|b| (b[0], [b[1], b[2], b[3]], [b[4], b[5], b[6]]))
        .collect()
}

#[test]
fn samples_follow_the_generator() {
    let data = nbody::generate(&small()).expect("generates");
    let mut star_slots = [0usize; 4];
    for (input, target) in data.val.inputs_iter().zip(data.val.targets_iter()) {
        let bodies = bodies_of(input);
        let stars: Vec<usize> = (0..4).filter(|&i| bodies[i].0 >= 1.0).collect();
        assert_eq!(stars.len(), 1, "one star");
        let star = stars[0];
        star_slots[star] += 1;
        for (i, (m, x, v)) in bodies.iter().enumerate() {
            if i == star {
                assert!((1.0..=10.0).contains(m));
                assert_eq!(*v, [0.0; 3], "the star starts at rest");
            } else {
                assert!((0.01..=0.1).contains(m), "planet mass {m}");
                let r = (0..3)
                    .map(|k| (x[k] - bodies[star].1[k]).powi(2))
                    .sum::<f32>()
                    .sqrt();
                assert!((0.1 - 1e-4..=1.0 + 1e-4).contains(&r), "orbit radius {r}");
            }
            // the rejection rule
            let moved = (0..3)
                .map(|k| (target[3 * i + k] - x[k]).powi(2))
                .sum::<f32>()
                .sqrt();
            assert!(moved <= 2.0 + 1e-3, "moved {moved}");
        }
    }
    // the permutation puts the star everywhere
    assert!(star_slots.iter().all(|&n| n > 0), "{star_slots:?}");
}

/// The tilt of the planets' plane (relative to the star) from the x–y plane,
/// in degrees.
fn tilt_degrees(input: &[f32]) -> f64 {
    let bodies = bodies_of(input);
    let star = (0..4).find(|&i| bodies[i].0 >= 1.0).expect("a star");
    let rel: Vec<[f64; 3]> = (0..4)
        .filter(|&i| i != star)
        .map(|i| [0, 1, 2].map(|k| f64::from(bodies[i].1[k]) - f64::from(bodies[star].1[k])))
        .collect();
    let (a, b) = (rel[0], rel[1]);
    let n = [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ];
    let norm = (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt();
    (n[2].abs() / norm).clamp(0.0, 1.0).acos().to_degrees()
}

#[test]
fn rotations_are_within_the_configured_ranges() {
    let data = nbody::generate(&small()).expect("generates");
    // in distribution: a rotation by at most 10° tilts the orbit plane by at most 10°
    for (name, split) in [
        ("train", &data.train),
        ("val", &data.val),
        ("test", &data.test),
    ] {
        for input in split.inputs_iter() {
            let tilt = tilt_degrees(input);
            assert!(tilt <= 10.05, "{name}: tilt {tilt}");
        }
    }
    // out of distribution: rotations by 90°–180° mostly tilt it far more
    let ood = &data.extra[0].1;
    let tilted = ood
        .inputs_iter()
        .filter(|x| tilt_degrees(x) > 10.05)
        .count();
    assert!(tilted > ood.len() / 2, "{tilted} of {}", ood.len());
}

#[test]
fn bad_configurations_are_errors() {
    let strict = NbodyConfig {
        max_displacement: 1e-12,
        train: 1,
        ..small()
    };
    assert!(matches!(
        nbody::generate_split(&strict, NbodySplit::Train),
        Err(Error::TooManyRejections {
            split: "train",
            accepted: 0,
            ..
        })
    ));
    let no_time = NbodyConfig { dt: 0.0, ..small() };
    assert!(matches!(
        nbody::generate(&no_time),
        Err(Error::InvalidConfig { .. })
    ));
    let bad_range = NbodyConfig {
        out_of_distribution: Group::AngleRange { min: 3.0, max: 1.0 },
        ..small()
    };
    assert!(matches!(nbody::generate(&bad_range), Err(Error::Group(_))));
}
