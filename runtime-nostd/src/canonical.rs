//! The canonical orientation of one input ([`CanonicalAxes`]), which the
//! runtime's `Frame` turns inputs to and outputs back from: with it any
//! model is exactly equivariant. Behind the `canonical` feature.

use remul_group::vector::{add, cross, dot, scale, sub};
use remul_group::{CanonicalAxes, Channel, Layout, Vec3};

const IDENTITY: [Vec3; 3] = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];

/// The rows right, up, forward of `x`'s canonical rotation `R`
/// ([`CanonicalAxes`]): up is entity `to`'s position minus entity `from`'s,
/// forward the sum of every entity's first vector channel made
/// perpendicular to up, right = up × forward. For `x` rotated by `g` the
/// rows are turned by `g` too, so `R` becomes `R g⁻¹`. Where they name no
/// frame (up or forward of zero length, axes outside the layout), the
/// identity: on those inputs alone the model is not equivariant.
pub(crate) fn rows(axes: CanonicalAxes, layout: &Layout, x: &[f32]) -> [Vec3; 3] {
    frame(axes, layout, x).unwrap_or(IDENTITY)
}

fn frame(axes: CanonicalAxes, layout: &Layout, x: &[f32]) -> Option<[Vec3; 3]> {
    let width = layout.entity_width().max(1);
    let position = layout.offsets_of(Channel::Position).next()?;
    let velocity = layout.offsets_of(Channel::Vector).next()?;
    let three = |entity: u32, offset: usize| -> Option<Vec3> {
        let start = (entity as usize)
            .saturating_mul(width)
            .saturating_add(offset);
        x.get(start..)?.first_chunk::<3>().copied()
    };
    let up = unit(sub(three(axes.to, position)?, three(axes.from, position)?))?;
    let mut forward = [0.0; 3];
    for entity in x.chunks_exact(width) {
        crate::arch::keep_rolled();
        if let Some(v) = entity.get(velocity..).and_then(|e| e.first_chunk::<3>()) {
            forward = add(forward, *v);
        }
    }
    let forward = unit(sub(forward, scale(up, dot(forward, up))))?;
    Some([cross(up, forward), up, forward])
}

/// `v / |v|` with the runtime's correctly rounded square root (the FPU's
/// on a Cortex-M4F), or `None` for a zero or non-finite `v`.
fn unit(v: Vec3) -> Option<Vec3> {
    let n = crate::float::sqrt(dot(v, v));
    (n.is_finite() && n > f32::EPSILON).then(|| scale(v, 1.0 / n))
}
