//! The seedable random source shared by the trainer and the device.
//!
//! Xoshiro128++ works on 32-bit words, so it is fast on a Cortex-M, and the
//! float conversions below use only IEEE single-precision operations and libm,
//! so the same seed gives the same bits on every target.

pub use rand_core::{Rng, SeedableRng};
pub use rand_xoshiro::Xoshiro128PlusPlus;

/// The generator used for group elements everywhere in the project.
pub type GroupRng = Xoshiro128PlusPlus;

/// A generator seeded from a `u64` (through SplitMix64, as `rand_xoshiro` does).
///
/// ```
/// use remul_group::random::{rng_from_seed, uniform};
/// let mut a = rng_from_seed(7);
/// let mut b = rng_from_seed(7);
/// assert_eq!(uniform(&mut a).to_bits(), uniform(&mut b).to_bits());
/// ```
pub fn rng_from_seed(seed: u64) -> GroupRng {
    GroupRng::seed_from_u64(seed)
}

/// A uniform draw from `[0, 1)` with 24 random bits (the f32 mantissa).
pub fn uniform<R: Rng + ?Sized>(rng: &mut R) -> f32 {
    const SCALE: f32 = 1.0 / (1u32 << 24) as f32;
    (rng.next_u32() >> 8) as f32 * SCALE
}

/// A uniform draw from `[low, high)`.
pub fn uniform_in<R: Rng + ?Sized>(rng: &mut R, low: f32, high: f32) -> f32 {
    low + (high - low) * uniform(rng)
}

/// A standard normal draw (Box–Muller; one of the pair is discarded so that
/// the generator's state advances by a fixed two words per call).
pub fn standard_normal<R: Rng + ?Sized>(rng: &mut R) -> f32 {
    // 1 - u lies in (0, 1], so the logarithm is finite.
    let u1 = 1.0 - uniform(rng);
    let u2 = uniform(rng);
    libm::sqrtf(-2.0 * libm::logf(u1)) * libm::cosf(core::f32::consts::TAU * u2)
}

/// A point uniform on the unit sphere (Archimedes: z uniform in [-1, 1]).
pub fn unit_vector<R: Rng + ?Sized>(rng: &mut R) -> [f32; 3] {
    let z = uniform_in(rng, -1.0, 1.0);
    let phi = core::f32::consts::TAU * uniform(rng);
    let r = libm::sqrtf((1.0 - z * z).max(0.0));
    [r * libm::cosf(phi), r * libm::sinf(phi), z]
}
