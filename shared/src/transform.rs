//! Translations and SE(3), the rigid motions.

use crate::Rotation;
use crate::random::{Rng, standard_normal};
use crate::vector::{self, Vec3};

/// A translation `p ↦ p + t`. It moves positions and leaves vectors alone.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Translation(pub Vec3);

impl Translation {
    /// No translation.
    pub const ZERO: Self = Self([0.0; 3]);

    /// A translation with independent normal components of standard deviation `std`.
    pub fn sample_gaussian<R: Rng + ?Sized>(rng: &mut R, std: f32) -> Self {
        Self([
            std * standard_normal(rng),
            std * standard_normal(rng),
            std * standard_normal(rng),
        ])
    }

    /// The opposite translation.
    pub fn inverse(self) -> Self {
        Self(vector::scale(self.0, -1.0))
    }
}

/// An element of SE(3): first the rotation, then the translation,
/// `p ↦ R p + t` for positions and `v ↦ R v` for vectors.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Se3 {
    /// The rotation part.
    pub rotation: Rotation,
    /// The translation part.
    pub translation: Translation,
}

impl Se3 {
    /// The identity motion.
    pub const IDENTITY: Self = Self {
        rotation: Rotation::IDENTITY,
        translation: Translation::ZERO,
    };

    /// A rotation about the origin.
    pub const fn from_rotation(rotation: Rotation) -> Self {
        Self {
            rotation,
            translation: Translation::ZERO,
        }
    }

    /// A pure translation.
    pub const fn from_translation(translation: Translation) -> Self {
        Self {
            rotation: Rotation::IDENTITY,
            translation,
        }
    }

    /// Moves a position: `R p + t`.
    pub fn apply_position(&self, p: Vec3) -> Vec3 {
        vector::add(self.rotation.apply(p), self.translation.0)
    }

    /// Moves a free vector (a velocity): `R v`.
    pub fn apply_vector(&self, v: Vec3) -> Vec3 {
        self.rotation.apply(v)
    }

    /// `self ∘ rhs`: first `rhs`, then `self`.
    pub fn compose(&self, rhs: &Self) -> Self {
        Self {
            rotation: self.rotation.compose(rhs.rotation),
            translation: Translation(self.apply_position(rhs.translation.0)),
        }
    }

    /// The inverse motion `p ↦ Rᵀ (p − t)`.
    pub fn inverse(&self) -> Self {
        let rotation = self.rotation.inverse();
        Self {
            rotation,
            translation: Translation(vector::scale(rotation.apply(self.translation.0), -1.0)),
        }
    }
}

impl From<Rotation> for Se3 {
    fn from(rotation: Rotation) -> Self {
        Self::from_rotation(rotation)
    }
}
