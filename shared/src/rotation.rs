//! Rotation matrices: the form in which rotations act on data.

use crate::vector::{self, Vec3};
use crate::{Error, Quaternion};

/// An element of SO(3) as a row-major 3×3 matrix: `v ↦ R v`.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Rotation {
    m: [[f32; 3]; 3],
}

/// How far from orthonormal a matrix may be and still count as a rotation.
const ROTATION_TOLERANCE: f32 = 1e-4;

impl Rotation {
    /// The identity.
    pub const IDENTITY: Self = Self {
        m: [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
    };

    /// A rotation from a row-major matrix, checked to be orthonormal with
    /// determinant +1 (to 1e-4).
    pub fn from_matrix(m: [[f32; 3]; 3]) -> Result<Self, Error> {
        let r = Self { m };
        let rrt = r.compose(r.inverse());
        let off = (0..3)
            .flat_map(|i| (0..3).map(move |j| (i, j)))
            .map(|(i, j)| libm::fabsf(rrt.m[i][j] - if i == j { 1.0 } else { 0.0 }))
            .fold(0.0f32, f32::max);
        let orthonormal = off <= ROTATION_TOLERANCE; // false for NaN
        let proper = r.determinant() > 0.0; // false for NaN
        if !(orthonormal && proper) {
            return Err(Error::NotARotation);
        }
        Ok(r)
    }

    /// The row-major matrix.
    pub fn matrix(&self) -> &[[f32; 3]; 3] {
        &self.m
    }

    /// The rotation of a quaternion. The quaternion is normalised on the way
    /// (a zero quaternion, which names no rotation, gives the identity).
    pub fn from_quaternion(q: Quaternion) -> Self {
        let n2 = q.w * q.w + q.x * q.x + q.y * q.y + q.z * q.z;
        let usable = n2 > f32::EPSILON && n2.is_finite(); // false for NaN
        if !usable {
            return Self::IDENTITY;
        }
        let s = 2.0 / n2;
        let (w, x, y, z) = (q.w, q.x, q.y, q.z);
        Self {
            m: [
                [
                    1.0 - s * (y * y + z * z),
                    s * (x * y - w * z),
                    s * (x * z + w * y),
                ],
                [
                    s * (x * y + w * z),
                    1.0 - s * (x * x + z * z),
                    s * (y * z - w * x),
                ],
                [
                    s * (x * z - w * y),
                    s * (y * z + w * x),
                    1.0 - s * (x * x + y * y),
                ],
            ],
        }
    }

    /// The unit quaternion of this rotation, with `w >= 0` (Shepperd's method:
    /// the largest diagonal term picks the numerically safe branch).
    pub fn to_quaternion(&self) -> Quaternion {
        let m = &self.m;
        let trace = m[0][0] + m[1][1] + m[2][2];
        let q = if trace > m[0][0] && trace > m[1][1] && trace > m[2][2] {
            let s = 2.0 * libm::sqrtf((1.0 + trace).max(0.0));
            Quaternion::new(
                0.25 * s,
                (m[2][1] - m[1][2]) / s,
                (m[0][2] - m[2][0]) / s,
                (m[1][0] - m[0][1]) / s,
            )
        } else if m[0][0] >= m[1][1] && m[0][0] >= m[2][2] {
            let s = 2.0 * libm::sqrtf((1.0 + m[0][0] - m[1][1] - m[2][2]).max(0.0));
            Quaternion::new(
                (m[2][1] - m[1][2]) / s,
                0.25 * s,
                (m[0][1] + m[1][0]) / s,
                (m[0][2] + m[2][0]) / s,
            )
        } else if m[1][1] >= m[2][2] {
            let s = 2.0 * libm::sqrtf((1.0 + m[1][1] - m[0][0] - m[2][2]).max(0.0));
            Quaternion::new(
                (m[0][2] - m[2][0]) / s,
                (m[0][1] + m[1][0]) / s,
                0.25 * s,
                (m[1][2] + m[2][1]) / s,
            )
        } else {
            let s = 2.0 * libm::sqrtf((1.0 + m[2][2] - m[0][0] - m[1][1]).max(0.0));
            Quaternion::new(
                (m[1][0] - m[0][1]) / s,
                (m[0][2] + m[2][0]) / s,
                (m[1][2] + m[2][1]) / s,
                0.25 * s,
            )
        };
        let q = if q.w < 0.0 {
            Quaternion::new(-q.w, -q.x, -q.y, -q.z)
        } else {
            q
        };
        q.normalized().unwrap_or(Quaternion::IDENTITY)
    }

    /// The rotation by `angle` radians about `axis` (right-hand rule).
    pub fn from_axis_angle(axis: Vec3, angle: f32) -> Result<Self, Error> {
        Quaternion::from_axis_angle(axis, angle).map(Self::from_quaternion)
    }

    /// The unit axis and the angle in `[0, π]`.
    pub fn to_axis_angle(&self) -> (Vec3, f32) {
        self.to_quaternion().to_axis_angle()
    }

    /// The rotation angle in `[0, π]`, from the trace.
    pub fn angle(&self) -> f32 {
        let m = &self.m;
        let c = ((m[0][0] + m[1][1] + m[2][2] - 1.0) / 2.0).clamp(-1.0, 1.0);
        libm::acosf(c)
    }

    /// `self · rhs`: first `rhs`, then `self`.
    pub fn compose(&self, rhs: Self) -> Self {
        let (a, b) = (&self.m, &rhs.m);
        let mut m = [[0.0f32; 3]; 3];
        for (i, row) in m.iter_mut().enumerate() {
            for (j, cell) in row.iter_mut().enumerate() {
                *cell = a[i][0] * b[0][j] + a[i][1] * b[1][j] + a[i][2] * b[2][j];
            }
        }
        Self { m }
    }

    /// The inverse, which for a rotation is the transpose.
    pub fn inverse(&self) -> Self {
        let m = &self.m;
        Self {
            m: [
                [m[0][0], m[1][0], m[2][0]],
                [m[0][1], m[1][1], m[2][1]],
                [m[0][2], m[1][2], m[2][2]],
            ],
        }
    }

    /// `R v`.
    pub fn apply(&self, v: Vec3) -> Vec3 {
        let m = &self.m;
        [
            vector::dot(m[0], v),
            vector::dot(m[1], v),
            vector::dot(m[2], v),
        ]
    }

    /// The determinant (+1 for a rotation, up to rounding).
    pub fn determinant(&self) -> f32 {
        let m = &self.m;
        vector::dot(m[0], vector::cross(m[1], m[2]))
    }
}

impl core::ops::Mul for Rotation {
    type Output = Self;
    fn mul(self, rhs: Self) -> Self {
        self.compose(rhs)
    }
}

impl From<Quaternion> for Rotation {
    fn from(q: Quaternion) -> Self {
        Self::from_quaternion(q)
    }
}
