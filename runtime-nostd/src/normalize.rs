//! Centring and scaling around the network (see [`Normalization`]).

use remul_group::{Channel, Layout, Vec3};

use crate::Error;
use crate::format::Normalization;

/// The frame one input is normalized in: its centroid and the scales.
pub(crate) struct Frame {
    center: Vec3,
    scales: Normalization,
}

impl Frame {
    /// The frame of input `x` (laid out as `layout`).
    pub fn of_input(layout: &Layout, scales: &Normalization, x: &[f32]) -> Result<Self, Error> {
        let center = if scales.center {
            layout.centroid(x)?.unwrap_or([0.0; 3])
        } else {
            [0.0; 3]
        };
        Ok(Self {
            center,
            scales: *scales,
        })
    }

    /// Normalizes one entity's channels from `x` into `out`.
    pub fn normalize_entity(&self, channels: &[Channel], x: &[f32], out: &mut [f32]) {
        let s = &self.scales;
        let mut pairs = out.iter_mut().zip(x);
        for &channel in channels {
            match channel {
                Channel::Scalar => {
                    if let Some((o, v)) = pairs.next() {
                        *o = v / s.scalar_scale;
                    }
                }
                Channel::Vector => {
                    for (o, v) in pairs.by_ref().take(3) {
                        *o = v / s.vector_scale;
                    }
                }
                Channel::Position => {
                    for ((o, v), c) in pairs.by_ref().take(3).zip(self.center) {
                        *o = (v - c) / s.position_scale;
                    }
                }
            }
        }
    }

    /// Maps one entity's network output back to the caller's frame, in place.
    pub fn denormalize_entity(&self, channels: &[Channel], y: &mut [f32]) {
        let s = &self.scales;
        let mut values = y.iter_mut();
        for &channel in channels {
            match channel {
                Channel::Scalar => {
                    if let Some(v) = values.next() {
                        *v *= s.scalar_scale;
                    }
                }
                Channel::Vector => {
                    for v in values.by_ref().take(3) {
                        *v *= s.vector_scale;
                    }
                }
                Channel::Position => {
                    for (v, c) in values.by_ref().take(3).zip(self.center) {
                        *v = *v * s.position_scale + c;
                    }
                }
            }
        }
    }
}
