//! The rotation groups a model can be asked to respect, and how to draw from them.

use core::f32::consts::{PI, TAU};

use crate::random::{Rng, uniform, unit_vector};
use crate::vector::{self, Vec3};
use crate::{Error, Quaternion, Rotation};

/// A distribution over rotations: the group a run learns, or the range of
/// rotations a dataset applies.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Group {
    /// All of SO(3), drawn from the Haar (uniform) measure.
    So3,
    /// SO(2): rotations about one fixed unit axis (a gravity axis), with a
    /// uniform angle in `[0, 2π)`.
    So2 {
        /// The unit rotation axis.
        axis: Vec3,
    },
    /// Rotations about a uniformly random axis by an angle whose magnitude is
    /// uniform in `[min, max]` radians, with either sign (as the n-body
    /// benchmark's in- and out-of-distribution rotations).
    AngleRange {
        /// Smallest angle magnitude, radians.
        min: f32,
        /// Largest angle magnitude, radians.
        max: f32,
    },
}

impl Group {
    /// SO(2) about `axis` (normalised here).
    ///
    /// ```
    /// use remul_group::Group;
    /// let about_y = Group::so2([0.0, 2.0, 0.0]).unwrap();
    /// assert_eq!(about_y, Group::So2 { axis: [0.0, 1.0, 0.0] });
    /// ```
    pub fn so2(axis: Vec3) -> Result<Self, Error> {
        let axis = vector::normalized(axis).ok_or(Error::InvalidAxis)?;
        Ok(Self::So2 { axis })
    }

    /// Rotations by an angle of magnitude in `[min_deg, max_deg]` degrees.
    pub fn angle_range_degrees(min_deg: f32, max_deg: f32) -> Result<Self, Error> {
        let g = Self::AngleRange {
            min: min_deg.to_radians(),
            max: max_deg.to_radians(),
        };
        g.validate()?;
        Ok(g)
    }

    /// Checks the parameters (a value read from a file has not been checked).
    pub fn validate(&self) -> Result<(), Error> {
        match *self {
            Self::So3 => Ok(()),
            // A unit axis to 1e-4: ‖a‖² − 1 ≈ 2(‖a‖ − 1), and no square
            // root (a library call on a Cortex-M4F). Written so that NaN fails.
            Self::So2 { axis } => {
                if (vector::dot(axis, axis) - 1.0).abs() < 2e-4 {
                    Ok(())
                } else {
                    Err(Error::InvalidAxis)
                }
            }
            Self::AngleRange { min, max } => {
                // Written so that NaN fails.
                if 0.0 <= min && min <= max && max <= PI + 1e-6 {
                    Ok(())
                } else {
                    Err(Error::InvalidAngleRange)
                }
            }
        }
    }

    /// Draws one rotation.
    ///
    /// ```
    /// use remul_group::{Group, random::rng_from_seed};
    /// let mut rng = rng_from_seed(1);
    /// let r = Group::So3.sample(&mut rng);
    /// assert!((r.determinant() - 1.0).abs() < 1e-5);
    /// ```
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Rotation {
        match *self {
            Self::So3 => Rotation::from_quaternion(haar_quaternion(rng)),
            Self::So2 { axis } => axis_angle(axis, TAU * uniform(rng)),
            Self::AngleRange { min, max } => {
                let axis = unit_vector(rng);
                let magnitude = min + (max - min) * uniform(rng);
                let sign = if rng.next_u32() & 1 == 0 { 1.0 } else { -1.0 };
                axis_angle(axis, sign * magnitude)
            }
        }
    }
}

/// The rotation about a unit axis; the samplers only pass unit axes.
fn axis_angle(axis: Vec3, angle: f32) -> Rotation {
    Rotation::from_axis_angle(axis, angle).unwrap_or(Rotation::IDENTITY)
}

/// A Haar-uniform unit quaternion from three uniforms (Shoemake, 1992).
pub fn haar_quaternion<R: Rng + ?Sized>(rng: &mut R) -> Quaternion {
    let (u1, u2, u3) = (uniform(rng), uniform(rng), uniform(rng));
    let (a, b) = (libm::sqrtf(1.0 - u1), libm::sqrtf(u1));
    let (t2, t3) = (TAU * u2, TAU * u3);
    let q = Quaternion::new(
        b * libm::cosf(t3),
        a * libm::sinf(t2),
        a * libm::cosf(t2),
        b * libm::sinf(t3),
    );
    q.normalized().unwrap_or(Quaternion::IDENTITY)
}
