//! Unit quaternions, the compact form of a rotation.

use crate::vector::{self, Vec3};
use crate::{Error, Rotation};

/// A quaternion `w + xi + yj + zk`; as a rotation it is kept at unit norm.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Quaternion {
    /// Real part.
    pub w: f32,
    /// `i` part.
    pub x: f32,
    /// `j` part.
    pub y: f32,
    /// `k` part.
    pub z: f32,
}

impl Quaternion {
    /// The identity rotation.
    pub const IDENTITY: Self = Self::new(1.0, 0.0, 0.0, 0.0);

    /// A quaternion from its four parts (not normalised).
    pub const fn new(w: f32, x: f32, y: f32, z: f32) -> Self {
        Self { w, x, y, z }
    }

    /// The rotation by `angle` radians about `axis` (right-hand rule); the
    /// axis need not be unit length.
    pub fn from_axis_angle(axis: Vec3, angle: f32) -> Result<Self, Error> {
        let axis = vector::normalized(axis).ok_or(Error::InvalidAxis)?;
        let (s, c) = (libm::sinf(angle / 2.0), libm::cosf(angle / 2.0));
        Ok(Self::new(c, axis[0] * s, axis[1] * s, axis[2] * s))
    }

    /// The unit axis and the angle in `[0, π]` of this rotation. The identity
    /// gives the axis `(1, 0, 0)` and angle 0.
    pub fn to_axis_angle(self) -> (Vec3, f32) {
        // q and -q are the same rotation: pick w >= 0 so the angle is <= π.
        let q = if self.w < 0.0 { self.negated() } else { self };
        let v = [q.x, q.y, q.z];
        let s = vector::norm(v);
        let angle = 2.0 * libm::atan2f(s, q.w);
        match vector::normalized(v) {
            Some(axis) if s > 1e-7 => (axis, angle),
            _ => ([1.0, 0.0, 0.0], 0.0),
        }
    }

    /// The rotation angle in `[0, π]`.
    pub fn angle(self) -> f32 {
        self.to_axis_angle().1
    }

    /// Euclidean norm of the four parts.
    pub fn norm(self) -> f32 {
        libm::sqrtf(self.w * self.w + self.x * self.x + self.y * self.y + self.z * self.z)
    }

    /// This quaternion scaled to unit norm.
    pub fn normalized(self) -> Result<Self, Error> {
        let n = self.norm();
        if !n.is_finite() || n < f32::EPSILON {
            return Err(Error::InvalidQuaternion);
        }
        Ok(Self::new(self.w / n, self.x / n, self.y / n, self.z / n))
    }

    /// The conjugate, which is the inverse rotation for a unit quaternion.
    pub fn conjugate(self) -> Self {
        Self::new(self.w, -self.x, -self.y, -self.z)
    }

    /// The inverse rotation (the conjugate; this type is kept at unit norm).
    pub fn inverse(self) -> Self {
        self.conjugate()
    }

    fn negated(self) -> Self {
        Self::new(-self.w, -self.x, -self.y, -self.z)
    }

    /// The Hamilton product `self · rhs`: first `rhs`, then `self`.
    pub fn compose(self, rhs: Self) -> Self {
        let (a, b) = (self, rhs);
        Self::new(
            a.w * b.w - a.x * b.x - a.y * b.y - a.z * b.z,
            a.w * b.x + a.x * b.w + a.y * b.z - a.z * b.y,
            a.w * b.y - a.x * b.z + a.y * b.w + a.z * b.x,
            a.w * b.z + a.x * b.y - a.y * b.x + a.z * b.w,
        )
    }

    /// Rotates a vector (`q v q*`, in the expanded form).
    pub fn rotate(self, v: Vec3) -> Vec3 {
        let u = [self.x, self.y, self.z];
        let t = vector::scale(vector::cross(u, v), 2.0);
        vector::add(
            vector::add(v, vector::scale(t, self.w)),
            vector::cross(u, t),
        )
    }

    /// The rotation matrix of this (unit) quaternion.
    pub fn to_rotation(self) -> Rotation {
        Rotation::from_quaternion(self)
    }
}

impl core::ops::Mul for Quaternion {
    type Output = Self;
    fn mul(self, rhs: Self) -> Self {
        self.compose(rhs)
    }
}
