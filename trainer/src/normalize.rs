//! The rotation-invariant normalisation a model sees its data through:
//! positions centred on the input's centroid (so that only rotations are
//! left to learn, as the paper subtracts the centre of mass) and one global
//! scale per channel kind, measured on the training split.
//!
//! The runtime applies exactly the same map; the numbers travel in the blob.

use remul_datasets::Split;
use remul_group::{Channel, IoLayout, Layout, Vec3};
use serde::{Deserialize, Serialize};

/// Centring and scales.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Normalization {
    /// Subtract the centroid of the input positions (add it back to outputs).
    pub center: bool,
    /// Positions are divided by this.
    pub position_scale: f32,
    /// Vectors (velocities) are divided by this.
    pub vector_scale: f32,
    /// Scalars (masses) are divided by this.
    pub scalar_scale: f32,
}

impl Normalization {
    /// No centring, unit scales: the network sees the raw data.
    pub const IDENTITY: Self = Self {
        center: false,
        position_scale: 1.0,
        vector_scale: 1.0,
        scalar_scale: 1.0,
    };

    /// Measures the scales on a training split: the root-mean-square of each
    /// channel kind's numbers (positions after centring). These are norms,
    /// so they do not change when the data are rotated.
    pub fn fit(io: &IoLayout, train: &Split, center: bool, scale: bool) -> Self {
        let mut norm = Self {
            center,
            ..Self::IDENTITY
        };
        if !scale || train.is_empty() {
            return norm;
        }
        let mut sums = [0.0f64; 3];
        let mut counts = [0usize; 3];
        let mut centred = vec![0.0f32; io.input.len()];
        for x in train.inputs_iter() {
            Self {
                center,
                ..Self::IDENTITY
            }
            .normalize(&io.input, x, &mut centred);
            for (kind, value) in kinds_and_values(&io.input, &centred) {
                sums[kind] += f64::from(value) * f64::from(value);
                counts[kind] += 1;
            }
        }
        let rms = |k: usize| {
            let r = (sums[k] / counts[k].max(1) as f64).sqrt() as f32;
            if r.is_finite() && r > 1e-12 { r } else { 1.0 }
        };
        norm.scalar_scale = rms(0);
        norm.vector_scale = rms(1);
        norm.position_scale = rms(2);
        norm
    }

    /// The centroid this normalisation subtracts from `x` (zero when not centring).
    pub fn centroid(&self, input: &Layout, x: &[f32]) -> Vec3 {
        if !self.center {
            return [0.0; 3];
        }
        input.centroid(x).ok().flatten().unwrap_or([0.0; 3])
    }

    fn scale_of(&self, c: Channel) -> f32 {
        match c {
            Channel::Scalar => self.scalar_scale,
            Channel::Vector => self.vector_scale,
            Channel::Position => self.position_scale,
        }
    }

    /// `x` normalised into `out` (same layout); returns the centroid used.
    pub fn normalize(&self, layout: &Layout, x: &[f32], out: &mut [f32]) -> Vec3 {
        let c = self.centroid(layout, x);
        self.normalize_about(layout, x, c, out);
        c
    }

    /// `x` normalised about a given centroid (targets use the input's).
    pub fn normalize_about(&self, layout: &Layout, x: &[f32], c: Vec3, out: &mut [f32]) {
        map_channels(layout, x, out, |kind, k, v| match kind {
            Channel::Position => (v - c[k]) / self.position_scale,
            _ => v / self.scale_of(kind),
        });
    }

    /// A normalised output mapped back to data units about the centroid `c`.
    pub fn denormalize(&self, layout: &Layout, y: &[f32], c: Vec3, out: &mut [f32]) {
        map_channels(layout, y, out, |kind, k, v| match kind {
            Channel::Position => v * self.position_scale + c[k],
            _ => v * self.scale_of(kind),
        });
    }
}

/// Applies `f(kind, coordinate, value)` to every number of a flat vector.
fn map_channels(
    layout: &Layout,
    x: &[f32],
    out: &mut [f32],
    f: impl Fn(Channel, usize, f32) -> f32,
) {
    let width = layout.entity_width();
    for (src, dst) in x.chunks_exact(width).zip(out.chunks_exact_mut(width)) {
        let mut at = 0;
        for &kind in layout.channels() {
            for k in 0..kind.width() {
                dst[at + k] = f(kind, k, src[at + k]);
            }
            at += kind.width();
        }
    }
}

/// `(kind index, value)` for every number: 0 scalar, 1 vector, 2 position.
fn kinds_and_values<'a>(
    layout: &'a Layout,
    x: &'a [f32],
) -> impl Iterator<Item = (usize, f32)> + 'a {
    let kinds: Vec<usize> = layout
        .channels()
        .iter()
        .flat_map(|c| {
            let k = match c {
                Channel::Scalar => 0,
                Channel::Vector => 1,
                Channel::Position => 2,
            };
            std::iter::repeat_n(k, c.width())
        })
        .collect();
    x.iter()
        .enumerate()
        .map(move |(i, &v)| (kinds[i % kinds.len()], v))
}
