//! Where a training step's rotations g come from: a fresh draw from the
//! group for every sample and step (REMUL as the paper trains it), or one of
//! a fixed pool of K elements drawn once from the run's seed
//! (`--group-pool K`: the paper's Fig. 7, how many group elements REMUL and
//! augmentation need).

use remul_group::random::{Rng, rng_from_seed};
use remul_group::{Group, Rotation};

use crate::error::{Result, TrainerError};

/// Mixed into the run's seed for the pool, so that the pool is not the
/// first draws of the run's own generator.
const POOL_SALT: u64 = 0x9E37_79B9_7F4A_7C15;

/// Draws of a group this many times the pool's size that find no new
/// element mean the group has fewer than K (a range of zero angles).
const TRIES_PER_ELEMENT: usize = 1000;

/// The source of the rotations of a run's steps.
#[derive(Clone, Debug, PartialEq)]
pub enum Rotations {
    /// Fresh draws from the group.
    Fresh(Group),
    /// Uniform draws from these distinct elements.
    Pool(Vec<Rotation>),
}

impl Rotations {
    /// Fresh draws from `group`, or with `pool = Some(k)` a pool of `k`
    /// distinct elements of `group` drawn from `seed`.
    pub fn new(group: &Group, pool: Option<usize>, seed: u64) -> Result<Self> {
        let Some(k) = pool else {
            return Ok(Self::Fresh(*group));
        };
        if k == 0 {
            return Err(TrainerError::InvalidArgument(
                "a group pool needs at least one element".into(),
            ));
        }
        let mut rng = rng_from_seed(seed ^ POOL_SALT);
        let mut elements: Vec<Rotation> = Vec::with_capacity(k);
        for _ in 0..k * TRIES_PER_ELEMENT {
            if elements.len() == k {
                break;
            }
            let g = group.sample(&mut rng);
            if !elements.contains(&g) {
                elements.push(g);
            }
        }
        if elements.len() < k {
            return Err(TrainerError::InvalidArgument(format!(
                "the group {group:?} gave only {} distinct elements for a pool of {k}",
                elements.len()
            )));
        }
        Ok(Self::Pool(elements))
    }

    /// One rotation.
    pub fn draw<R: Rng + ?Sized>(&self, rng: &mut R) -> Rotation {
        match self {
            Self::Fresh(group) => group.sample(rng),
            // 64 random bits: the modulo's bias is far below any pool size.
            Self::Pool(pool) => pool[(rng.next_u64() % pool.len() as u64) as usize],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pool_of_k_holds_k_distinct_rotations_reproducible_from_its_seed() {
        for k in [1, 2, 4, 8, 16, 64] {
            let pool = Rotations::new(&Group::So3, Some(k), 7).unwrap();
            let Rotations::Pool(elements) = &pool else {
                panic!("a pool")
            };
            assert_eq!(elements.len(), k);
            for (i, a) in elements.iter().enumerate() {
                assert!(!elements[i + 1..].contains(a), "k = {k}");
            }
            assert_eq!(pool, Rotations::new(&Group::So3, Some(k), 7).unwrap());
            assert_ne!(pool, Rotations::new(&Group::So3, Some(k), 8).unwrap());
            // Steps draw only from the pool, and reach all of it.
            let mut rng = rng_from_seed(1);
            let drawn: Vec<Rotation> = (0..50 * k).map(|_| pool.draw(&mut rng)).collect();
            assert!(drawn.iter().all(|g| elements.contains(g)));
            assert!(elements.iter().all(|g| drawn.contains(g)), "k = {k}");
        }
    }

    #[test]
    fn fresh_draws_are_the_groups_own() {
        let (mut a, mut b) = (rng_from_seed(3), rng_from_seed(3));
        let fresh = Rotations::new(&Group::So3, None, 9).unwrap();
        for _ in 0..10 {
            assert_eq!(fresh.draw(&mut a), Group::So3.sample(&mut b));
        }
    }

    #[test]
    fn a_pool_larger_than_the_group_is_an_error() {
        let identity_only = Group::AngleRange { min: 0.0, max: 0.0 };
        assert!(Rotations::new(&identity_only, Some(1), 1).is_ok());
        assert!(Rotations::new(&identity_only, Some(2), 1).is_err());
        assert!(Rotations::new(&Group::So3, Some(0), 1).is_err());
    }
}
