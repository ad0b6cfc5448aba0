//! Centring and scaling around the network (see [`Normalization`]).

use remul_group::{Channel, Layout, Vec3};

use crate::Error;
use crate::format::Normalization;

/// The frame one input is normalized in: its centroid and the scales. The
/// trainer normalizes its batches through this too, so both sides share
/// one definition of [`Normalization`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Frame {
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

    /// The centroid subtracted from positions (zero when not centring).
    pub fn center(&self) -> Vec3 {
        self.center
    }

    /// Normalizes a whole vector laid out as `layout` (inputs, or targets in
    /// the input's frame) from `x` into `out`.
    pub fn normalize(&self, layout: &Layout, x: &[f32], out: &mut [f32]) -> Result<(), Error> {
        let width = check(layout, x.len(), out.len())?;
        for (x_e, out_e) in x.chunks_exact(width).zip(out.chunks_exact_mut(width)) {
            self.normalize_entity(layout.channels(), x_e, out_e);
        }
        Ok(())
    }

    /// Maps a whole network output laid out as `layout` back to the caller's
    /// frame, in place.
    pub fn denormalize(&self, layout: &Layout, y: &mut [f32]) -> Result<(), Error> {
        let width = check(layout, y.len(), y.len())?;
        for y_e in y.chunks_exact_mut(width) {
            self.denormalize_entity(layout.channels(), y_e);
        }
        Ok(())
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

/// Both lengths must be the layout's; returns the entity width.
fn check(layout: &Layout, a: usize, b: usize) -> Result<usize, Error> {
    let expected = layout.len();
    for got in [a, b] {
        if got != expected {
            return Err(Error::Group(remul_group::Error::LengthMismatch {
                expected,
                got,
            }));
        }
    }
    Ok(layout.entity_width().max(1))
}
