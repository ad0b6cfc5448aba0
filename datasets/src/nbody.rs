//! The GATr n-body generator (Brehmer et al. 2023), with REMUL's settings
//! (appendix B.1): one star and three planets, G = 1.
//!
//! Per sample: star mass log-uniform in [1, 10] at the origin and at rest;
//! planet masses log-uniform in [0.01, 0.1], positions uniform in the x–y
//! annulus 0.1 ≤ r ≤ 1, circular-orbit velocities about the star with a
//! random sense plus Gaussian noise (std 0.01 per component); the bodies are
//! permuted, rotated (REMUL: by an angle within ±10° in distribution, within
//! [90°, 180°] of either sign out of distribution, about a uniform axis),
//! translated by a Gaussian vector (std 20 per component), and integrated
//! with 100 semi-implicit Euler steps of 0.001. Samples in which a body ends
//! more than 2.0 from where it started are rejected.
//!
//! Input per body: mass, position, velocity; target: final position.
//! Simulation runs in f64; rows are stored as f32. Every split draws from
//! its own seed derived from [`NbodyConfig::seed`], so changing one split's
//! size changes no other split (and keeps that split's first samples).
//!
//! ```
//! use remul_datasets::nbody::{self, NbodyConfig};
//! let cfg = NbodyConfig { train: 10, val: 20, test: 20, ood: 20, ..NbodyConfig::default() };
//! let data = nbody::generate(&cfg)?;
//! assert_eq!(data.train.len(), 10);
//! assert_eq!(data.train.input(0).len(), 4 * 7);
//! assert_eq!(data.split("ood").map(|s| s.len()), Some(20));
//! # Ok::<(), remul_datasets::Error>(())
//! ```

use remul_group::random::{GroupRng, Rng, rng_from_seed, standard_normal, uniform, uniform_in};
use remul_group::{Channel, Group, IoLayout, Layout, Rotation, Translation};

use crate::{Error, Split, TaskData};

/// A 3-vector in f64.
pub type Vec3d = [f64; 3];

/// The generator's parameters. [`Default`] is REMUL's setting.
#[derive(Clone, Debug, PartialEq)]
pub struct NbodyConfig {
    /// Base seed; each split derives its own from it.
    pub seed: u64,
    /// Training samples.
    pub train: usize,
    /// Validation samples.
    pub val: usize,
    /// Test samples.
    pub test: usize,
    /// Out-of-distribution samples (the `ood` extra split).
    pub ood: usize,
    /// Planets per system (plus one star).
    pub planets: usize,
    /// Integration steps.
    pub steps: usize,
    /// Step length.
    pub dt: f64,
    /// Samples in which any body ends farther than this from its start are rejected.
    pub max_displacement: f64,
    /// Rotations applied to train, val and test.
    pub in_distribution: Group,
    /// Rotations applied to the `ood` split.
    pub out_of_distribution: Group,
    /// Standard deviation of each translation component.
    pub translation_std: f32,
    /// Star mass range (log-uniform).
    pub star_mass: [f64; 2],
    /// Planet mass range (log-uniform).
    pub planet_mass: [f64; 2],
    /// Planet orbit radius range (uniform in the annulus).
    pub orbit_radius: [f64; 2],
    /// Standard deviation of the velocity noise per component.
    pub velocity_noise: f64,
}

impl Default for NbodyConfig {
    fn default() -> Self {
        Self {
            seed: 0,
            train: 100,
            val: 5000,
            test: 5000,
            ood: 5000,
            planets: 3,
            steps: 100,
            dt: 0.001,
            max_displacement: 2.0,
            in_distribution: Group::AngleRange {
                min: 0.0,
                max: 10f32.to_radians(),
            },
            out_of_distribution: Group::AngleRange {
                min: 90f32.to_radians(),
                max: 180f32.to_radians(),
            },
            translation_std: 20.0,
            star_mass: [1.0, 10.0],
            planet_mass: [0.01, 0.1],
            orbit_radius: [0.1, 1.0],
            velocity_noise: 0.01,
        }
    }
}

impl NbodyConfig {
    /// Checks the parameters.
    pub fn validate(&self) -> Result<(), Error> {
        let invalid = |reason: &str| {
            Err(Error::InvalidConfig {
                reason: reason.into(),
            })
        };
        let positive_range = |r: [f64; 2]| r[0] > 0.0 && r[0] <= r[1] && r[1].is_finite();
        if !(positive_range(self.star_mass) && positive_range(self.planet_mass)) {
            return invalid("mass ranges must satisfy 0 < min <= max < inf");
        }
        // The annulus is drawn by rejection from the square [-max, max]².
        if !(positive_range(self.orbit_radius)) {
            return invalid("orbit radius range must satisfy 0 < min <= max < inf");
        }
        if !(self.dt.is_finite() && self.dt > 0.0) {
            return invalid("dt must be positive");
        }
        if self.max_displacement.is_nan() || self.max_displacement <= 0.0 {
            return invalid("max_displacement must be positive");
        }
        if !(self.translation_std.is_finite() && self.translation_std >= 0.0) {
            return invalid("translation_std must be finite and >= 0");
        }
        if !(self.velocity_noise.is_finite() && self.velocity_noise >= 0.0) {
            return invalid("velocity_noise must be finite and >= 0");
        }
        self.in_distribution.validate()?;
        self.out_of_distribution.validate()?;
        Ok(())
    }
}

/// Which split is generated: decides the seed and the rotations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NbodySplit {
    /// Training.
    Train,
    /// Validation.
    Val,
    /// Test.
    Test,
    /// Out of distribution (larger rotations).
    Ood,
}

impl NbodySplit {
    /// `train`, `val`, `test` or `ood`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Train => "train",
            Self::Val => "val",
            Self::Test => "test",
            Self::Ood => "ood",
        }
    }

    fn tag(self) -> u64 {
        match self {
            Self::Train => 1,
            Self::Val => 2,
            Self::Test => 3,
            Self::Ood => 4,
        }
    }

    fn count(self, cfg: &NbodyConfig) -> usize {
        match self {
            Self::Train => cfg.train,
            Self::Val => cfg.val,
            Self::Test => cfg.test,
            Self::Ood => cfg.ood,
        }
    }

    fn rotations(self, cfg: &NbodyConfig) -> &Group {
        match self {
            Self::Ood => &cfg.out_of_distribution,
            _ => &cfg.in_distribution,
        }
    }
}

/// The seed of one split: SplitMix64's finaliser over the base seed and the
/// split's tag, so that neighbouring seeds give unrelated streams.
fn split_seed(seed: u64, split: NbodySplit) -> u64 {
    let mut z = seed ^ split.tag().wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The layout of `bodies` bodies: per body mass, position, velocity in, the
/// final position out.
pub fn io_layout(bodies: usize) -> Result<IoLayout, Error> {
    Ok(IoLayout {
        input: Layout::new(
            bodies,
            &[Channel::Scalar, Channel::Position, Channel::Vector],
        )?,
        output: Layout::new(bodies, &[Channel::Position])?,
    })
}

/// A system of point masses.
#[derive(Clone, Debug, PartialEq)]
pub struct Bodies {
    /// Masses.
    pub masses: Vec<f64>,
    /// Positions.
    pub positions: Vec<Vec3d>,
    /// Velocities.
    pub velocities: Vec<Vec3d>,
}

impl Bodies {
    /// Total momentum `Σ m v`.
    pub fn momentum(&self) -> Vec3d {
        let mut p = [0.0; 3];
        for (m, v) in self.masses.iter().zip(&self.velocities) {
            for k in 0..3 {
                p[k] += m * v[k];
            }
        }
        p
    }

    /// Applies `x ↦ R x + t`, `v ↦ R v` (R in f64, see [`rotation_matrix`]).
    pub fn transform(&mut self, rotation: &[[f64; 3]; 3], translation: Vec3d) {
        for x in &mut self.positions {
            *x = add(mat_vec(rotation, *x), translation);
        }
        for v in &mut self.velocities {
            *v = mat_vec(rotation, *v);
        }
    }
}

/// A rotation as an f64 matrix, orthonormal to f64 precision (rebuilt from
/// its unit quaternion, so the f32 matrix's rounding does not break the
/// simulation's symmetry).
pub fn rotation_matrix(rotation: &Rotation) -> [[f64; 3]; 3] {
    let q = rotation.to_quaternion();
    let (w, x, y, z) = (
        f64::from(q.w),
        f64::from(q.x),
        f64::from(q.y),
        f64::from(q.z),
    );
    let n = (w * w + x * x + y * y + z * z).sqrt();
    let (w, x, y, z) = (w / n, x / n, y / n, z / n);
    [
        [
            1.0 - 2.0 * (y * y + z * z),
            2.0 * (x * y - w * z),
            2.0 * (x * z + w * y),
        ],
        [
            2.0 * (x * y + w * z),
            1.0 - 2.0 * (x * x + z * z),
            2.0 * (y * z - w * x),
        ],
        [
            2.0 * (x * z - w * y),
            2.0 * (y * z + w * x),
            1.0 - 2.0 * (x * x + y * y),
        ],
    ]
}

fn mat_vec(m: &[[f64; 3]; 3], v: Vec3d) -> Vec3d {
    m.map(|row| row[0] * v[0] + row[1] * v[1] + row[2] * v[2])
}

fn add(a: Vec3d, b: Vec3d) -> Vec3d {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}

fn distance(a: Vec3d, b: Vec3d) -> f64 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
}

/// Integrates `steps` semi-implicit Euler steps of `dt` under Newtonian
/// gravity (G = 1, no softening; a pair closer than 1e-9 counts as distance
/// 1), all bodies moving: first `v += dt·a(x)`, then `x += dt·v`. Returns the
/// largest distance between a body's final and initial position (what GATr's
/// rejection rule tests; excursions in between are not looked at).
pub fn simulate(bodies: &mut Bodies, steps: usize, dt: f64) -> Result<f64, Error> {
    let n = bodies.masses.len();
    if bodies.positions.len() != n || bodies.velocities.len() != n {
        return Err(Error::InvalidConfig {
            reason: format!(
                "{n} masses but {} positions and {} velocities",
                bodies.positions.len(),
                bodies.velocities.len()
            ),
        });
    }
    let start = bodies.positions.clone();
    let mut acceleration = vec![[0.0f64; 3]; n];
    for _ in 0..steps {
        acceleration.fill([0.0; 3]);
        for i in 0..n {
            for j in i + 1..n {
                let (xi, xj) = (bodies.positions[i], bodies.positions[j]);
                let d = [xj[0] - xi[0], xj[1] - xi[1], xj[2] - xi[2]];
                let mut r = (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt();
                if r < 1e-9 {
                    r = 1.0;
                }
                let inv_r3 = 1.0 / (r * r * r);
                // Equal and opposite: total momentum is conserved.
                for k in 0..3 {
                    let f = d[k] * inv_r3;
                    acceleration[i][k] += bodies.masses[j] * f;
                    acceleration[j][k] -= bodies.masses[i] * f;
                }
            }
        }
        for ((x, v), a) in bodies
            .positions
            .iter_mut()
            .zip(bodies.velocities.iter_mut())
            .zip(&acceleration)
        {
            for k in 0..3 {
                v[k] += dt * a[k];
                x[k] += dt * v[k];
            }
        }
    }
    Ok(bodies
        .positions
        .iter()
        .zip(&start)
        .map(|(x, x0)| distance(*x, *x0))
        // NaN (a blown-up system) must survive, so the caller rejects it.
        .fold(0.0, |m, d| {
            if m.is_nan() || d.is_nan() {
                f64::NAN
            } else {
                m.max(d)
            }
        }))
}

fn log_uniform<R: Rng + ?Sized>(rng: &mut R, range: [f64; 2]) -> f64 {
    let u = f64::from(uniform(rng));
    range[0] * (range[1] / range[0]).powf(u)
}

/// A uniform index below `n` (Lemire's multiply-shift; the bias is < n / 2³²).
fn index_below<R: Rng + ?Sized>(rng: &mut R, n: usize) -> usize {
    ((u64::from(rng.next_u32()) * n as u64) >> 32) as usize
}

/// Draws one system before integration: star and planets in the x–y plane,
/// permuted, rotated by a draw from `rotations`, translated.
pub fn draw_system<R: Rng + ?Sized>(rng: &mut R, cfg: &NbodyConfig, rotations: &Group) -> Bodies {
    let n = cfg.planets + 1;
    let mut bodies = Bodies {
        masses: Vec::with_capacity(n),
        positions: Vec::with_capacity(n),
        velocities: Vec::with_capacity(n),
    };
    let star_mass = log_uniform(rng, cfg.star_mass);
    bodies.masses.push(star_mass);
    bodies.positions.push([0.0; 3]);
    bodies.velocities.push([0.0; 3]);
    let [r_min, r_max] = cfg.orbit_radius;
    for _ in 0..cfg.planets {
        bodies.masses.push(log_uniform(rng, cfg.planet_mass));
        // Uniform in the annulus: rejection from the enclosing square
        // (accepts about 78% of draws for [0.1, 1]).
        let (x, y, r) = loop {
            let x = r_max * f64::from(uniform_in(rng, -1.0, 1.0));
            let y = r_max * f64::from(uniform_in(rng, -1.0, 1.0));
            let r = (x * x + y * y).sqrt();
            if (r_min..=r_max).contains(&r) {
                break (x, y, r);
            }
        };
        bodies.positions.push([x, y, 0.0]);
        // Circular orbit: v = s·(ẑ × x)·√M / r^1.5, with a random sense s.
        let sense = if rng.next_u32() & 1 == 0 { 1.0 } else { -1.0 };
        let speed = sense * star_mass.sqrt() / r.powf(1.5);
        let mut v = [-y * speed, x * speed, 0.0];
        for c in &mut v {
            *c += cfg.velocity_noise * f64::from(standard_normal(rng));
        }
        bodies.velocities.push(v);
    }
    // Fisher–Yates over the bodies (masses, positions, velocities together).
    for i in (1..n).rev() {
        let j = index_below(rng, i + 1);
        bodies.masses.swap(i, j);
        bodies.positions.swap(i, j);
        bodies.velocities.swap(i, j);
    }
    let rotation = rotation_matrix(&rotations.sample(rng));
    let Translation(t) = Translation::sample_gaussian(rng, cfg.translation_std);
    bodies.transform(&rotation, t.map(f64::from));
    bodies
}

/// Generates one split.
pub fn generate_split(cfg: &NbodyConfig, which: NbodySplit) -> Result<Split, Error> {
    cfg.validate()?;
    let io = io_layout(cfg.planets + 1)?;
    let count = which.count(cfg);
    let mut rng: GroupRng = rng_from_seed(split_seed(cfg.seed, which));
    let mut split = Split::empty(&io);
    split.inputs.reserve(count * io.input.len());
    split.targets.reserve(count * io.output.len());
    let max_attempts = count.saturating_mul(100).saturating_add(1000);
    let (mut input, mut target) = (Vec::new(), Vec::new());
    let mut attempts = 0;
    while split.len() < count {
        if attempts == max_attempts {
            return Err(Error::TooManyRejections {
                split: which.name(),
                accepted: split.len(),
                attempts,
            });
        }
        attempts += 1;
        let initial = draw_system(&mut rng, cfg, which.rotations(cfg));
        let mut last = initial.clone();
        let moved = simulate(&mut last, cfg.steps, cfg.dt)?;
        // A NaN displacement (a blown-up system) is rejected too.
        if moved.is_nan() || moved > cfg.max_displacement {
            continue;
        }
        input.clear();
        target.clear();
        for b in 0..initial.masses.len() {
            input.push(initial.masses[b] as f32);
            input.extend(initial.positions[b].map(|c| c as f32));
            input.extend(initial.velocities[b].map(|c| c as f32));
            target.extend(last.positions[b].map(|c| c as f32));
        }
        split.push(&input, &target);
    }
    Ok(split)
}

/// Generates all splits: train, val, test, and `ood` as the one extra split.
pub fn generate(cfg: &NbodyConfig) -> Result<TaskData, Error> {
    cfg.validate()?;
    Ok(TaskData {
        name: "nbody".to_owned(),
        io: io_layout(cfg.planets + 1)?,
        train: generate_split(cfg, NbodySplit::Train)?,
        val: generate_split(cfg, NbodySplit::Val)?,
        test: generate_split(cfg, NbodySplit::Test)?,
        extra: vec![("ood".to_owned(), generate_split(cfg, NbodySplit::Ood)?)],
        edges: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_seeds_differ() {
        let seeds = [
            NbodySplit::Train,
            NbodySplit::Val,
            NbodySplit::Test,
            NbodySplit::Ood,
        ]
        .map(|s| split_seed(0, s));
        for i in 0..4 {
            for j in i + 1..4 {
                assert_ne!(seeds[i], seeds[j]);
            }
        }
        assert_ne!(
            split_seed(0, NbodySplit::Train),
            split_seed(1, NbodySplit::Train)
        );
    }

    #[test]
    fn index_below_stays_below() {
        let mut rng = rng_from_seed(3);
        for n in 1..20 {
            for _ in 0..100 {
                assert!(index_below(&mut rng, n) < n);
            }
        }
    }
}
