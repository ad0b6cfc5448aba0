//! Plain 3-vectors as `[f32; 3]`, and the few operations the group math needs.

/// A 3-vector.
pub type Vec3 = [f32; 3];

/// Dot product.
pub fn dot(a: Vec3, b: Vec3) -> f32 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

/// Cross product `a × b`.
pub fn cross(a: Vec3, b: Vec3) -> Vec3 {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

/// Euclidean norm.
pub fn norm(a: Vec3) -> f32 {
    libm::sqrtf(dot(a, a))
}

/// `a + b`.
pub fn add(a: Vec3, b: Vec3) -> Vec3 {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}

/// `a - b`.
pub fn sub(a: Vec3, b: Vec3) -> Vec3 {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

/// `s · a`.
pub fn scale(a: Vec3, s: f32) -> Vec3 {
    [a[0] * s, a[1] * s, a[2] * s]
}

/// `a / |a|`, or `None` for a zero or non-finite vector.
pub fn normalized(a: Vec3) -> Option<Vec3> {
    let n = norm(a);
    (n.is_finite() && n > f32::EPSILON).then(|| scale(a, 1.0 / n))
}
