//! Centring, scaling and turning to the canonical orientation around the
//! network (see [`Normalization`]).

#[cfg(feature = "canonical")]
use remul_group::vector::{add, dot, scale};
use remul_group::{Channel, Layout, Vec3};

use crate::Error;
#[cfg(feature = "canonical")]
use crate::canonical;
use crate::format::Normalization;

/// Canonical axes asked of a runtime built without them.
#[cfg(not(feature = "canonical"))]
pub(crate) const NO_CANONICAL: Error = Error::invalid(
    "the model turns its inputs to canonical axes: build remul-runtime with `canonical`",
);

/// The frame one input is normalized in: its centroid, the scales and,
/// with canonical axes, its canonical orientation. The trainer normalizes
/// its batches through this too, so both sides share one definition of
/// [`Normalization`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Frame {
    center: Vec3,
    scales: Normalization,
    /// The rows right, up, forward of the canonical rotation `R`; `None`
    /// without canonical axes, so that such a model's arithmetic (and its
    /// golden vectors) does not pass through a rotation.
    #[cfg(feature = "canonical")]
    rows: Option<[Vec3; 3]>,
}

impl Frame {
    /// The frame of input `x` (laid out as `layout`). Canonical axes in
    /// `scales` need the `canonical` feature: without it they are an error
    /// with `std`, and on a device `Model::from_bytes` refuses such a blob.
    pub fn of_input(layout: &Layout, scales: &Normalization, x: &[f32]) -> Result<Self, Error> {
        // Without the feature a device relies on `Model::from_bytes`, which
        // refuses such blobs: a second check here costs its flash budget.
        #[cfg(all(not(feature = "canonical"), feature = "std"))]
        if scales.canonical.is_some() {
            return Err(NO_CANONICAL);
        }
        let center = if scales.center {
            layout.centroid(x)?.unwrap_or([0.0; 3])
        } else {
            [0.0; 3]
        };
        Ok(Self {
            center,
            scales: *scales,
            #[cfg(feature = "canonical")]
            rows: scales
                .canonical
                .map(|axes| canonical::rows(axes, layout, x)),
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
        let mut at = 0;
        for &channel in channels {
            let (c, by) = match channel {
                Channel::Scalar => {
                    if let (Some(o), Some(v)) = (out.get_mut(at), x.get(at)) {
                        *o = v / s.scalar_scale;
                    }
                    at += 1;
                    continue;
                }
                Channel::Vector => ([0.0; 3], s.vector_scale),
                Channel::Position => (self.center, s.position_scale),
            };
            let o = out.get_mut(at..).and_then(|o| o.first_chunk_mut::<3>());
            let v = x.get(at..).and_then(|x| x.first_chunk::<3>());
            if let (Some(o), Some(v)) = (o, v) {
                let mut u = [0.0; 3];
                for ((u, v), c) in u.iter_mut().zip(v).zip(c) {
                    *u = (v - c) / by;
                }
                *o = self.turn_in(u);
            }
            at += 3;
        }
    }

    /// Maps one entity's network output back to the caller's frame, in place.
    pub fn denormalize_entity(&self, channels: &[Channel], y: &mut [f32]) {
        let s = &self.scales;
        let mut at = 0;
        for &channel in channels {
            let (c, by) = match channel {
                Channel::Scalar => {
                    if let Some(v) = y.get_mut(at) {
                        *v *= s.scalar_scale;
                    }
                    at += 1;
                    continue;
                }
                // No `+ 0` for a vector: it would turn a −0 into +0, and
                // golden vectors hold the bits.
                Channel::Vector => (None, s.vector_scale),
                Channel::Position => (Some(self.center), s.position_scale),
            };
            if let Some(y) = y.get_mut(at..).and_then(|y| y.first_chunk_mut::<3>()) {
                let mut v = *y;
                for v in &mut v {
                    *v *= by;
                }
                *y = self.turn_out(v);
                if let Some(c) = c {
                    for (y, c) in y.iter_mut().zip(c) {
                        *y += c;
                    }
                }
            }
            at += 3;
        }
    }

    /// What the network reads for input `x`: `x` normalized, then with
    /// [`Normalization::orientation_len`] values more the orientation
    /// ([`Frame::orientation`]). `out` holds both.
    #[cfg(feature = "canonical")]
    pub fn network_input(&self, layout: &Layout, x: &[f32], out: &mut [f32]) -> Result<(), Error> {
        let got = out.len();
        let (normalized, orientation) = out.split_at_mut_checked(layout.len()).ok_or(
            Error::Group(remul_group::Error::LengthMismatch {
                expected: layout.len(),
                got,
            }),
        )?;
        self.normalize(layout, x, normalized)?;
        self.orientation(orientation);
        Ok(())
    }

    /// Writes the canonical rotation's entries (rows right, up, forward)
    /// times [`Normalization::orientation_input`] into `out`, as far as it
    /// reaches: what a network with
    /// [`Normalization::orientation_len`] values more reads after the
    /// normalized input. Without canonical axes, nothing.
    #[cfg(feature = "canonical")]
    pub fn orientation(&self, out: &mut [f32]) {
        if let Some(rows) = &self.rows {
            for (o, r) in out.iter_mut().zip(rows.as_flattened()) {
                *o = r * self.scales.orientation_input;
            }
        }
    }

    /// `R v` (`v` without canonical axes).
    #[cfg(not(feature = "canonical"))]
    fn turn_in(&self, v: Vec3) -> Vec3 {
        v
    }

    /// `Rᵀ v` (`v` without canonical axes).
    #[cfg(not(feature = "canonical"))]
    fn turn_out(&self, v: Vec3) -> Vec3 {
        v
    }

    /// `R v` (`v` without canonical axes).
    #[cfg(feature = "canonical")]
    fn turn_in(&self, v: Vec3) -> Vec3 {
        match &self.rows {
            Some([right, up, forward]) => [dot(*right, v), dot(*up, v), dot(*forward, v)],
            None => v,
        }
    }

    /// `Rᵀ v` (`v` without canonical axes).
    #[cfg(feature = "canonical")]
    fn turn_out(&self, v: Vec3) -> Vec3 {
        match &self.rows {
            Some([right, up, forward]) => add(
                add(scale(*right, v[0]), scale(*up, v[1])),
                scale(*forward, v[2]),
            ),
            None => v,
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

#[cfg(all(test, feature = "canonical"))]
mod tests {
    use super::*;
    use remul_group::vector::sub;
    use remul_group::{CanonicalAxes, Group, random::rng_from_seed};

    fn layout() -> Layout {
        Layout::new(3, &[Channel::Position, Channel::Vector]).unwrap()
    }

    const X: [f32; 18] = [
        0.3, -0.2, 0.1, 0.5, 0.2, 0.9, /* 1 */ 0.1, 1.9, 0.4, 0.4, 0.1, 1.1,
        /* 2 */ -1.0, 0.5, 0.2, 0.6, -0.1, 0.8,
    ];

    fn canonical() -> Normalization {
        Normalization {
            center: true,
            canonical: Some(CanonicalAxes { from: 0, to: 1 }),
            ..Normalization::IDENTITY
        }
    }

    fn normalized(norm: &Normalization, x: &[f32]) -> [f32; 18] {
        let mut out = [0.0; 18];
        let frame = Frame::of_input(&layout(), norm, x).unwrap();
        frame.normalize(&layout(), x, &mut out).unwrap();
        out
    }

    #[test]
    fn a_rotated_input_normalizes_to_the_same_numbers() {
        let reference = normalized(&canonical(), &X);
        let mut rng = rng_from_seed(3);
        for _ in 0..20 {
            let g = Group::So3.sample(&mut rng);
            let mut gx = X;
            layout().rotate(&g, &mut gx).unwrap();
            for (a, b) in normalized(&canonical(), &gx).iter().zip(reference) {
                assert!((a - b).abs() < 1e-5, "{a} vs {b}");
            }
        }
        // Up points along y, the mean velocity has no x part and a positive z.
        let up = sub(
            reference[6..9].try_into().unwrap(),
            reference[0..3].try_into().unwrap(),
        );
        assert!(
            up[0].abs() < 1e-6 && up[2].abs() < 1e-6 && up[1] > 0.0,
            "{up:?}"
        );
        let v = [3, 9, 15].map(|at| -> Vec3 { reference[at..at + 3].try_into().unwrap() });
        let v = v.into_iter().fold([0.0; 3], add);
        assert!(v[0].abs() < 1e-6 && v[2] > 0.0, "{v:?}");
    }

    #[test]
    fn orientation_is_the_rotation_times_its_scale() {
        let norm = Normalization {
            orientation_input: 2.0,
            ..canonical()
        };
        assert_eq!(norm.orientation_len(), 9);
        let frame = Frame::of_input(&layout(), &norm, &X).unwrap();
        let mut out = [7.0; 10];
        frame.orientation(&mut out);
        let rows = frame.rows.unwrap();
        for (i, row) in rows.iter().enumerate() {
            for (j, r) in rows.iter().enumerate() {
                let expected = if i == j { 1.0 } else { 0.0 };
                assert!((dot(*row, *r) - expected).abs() < 1e-6, "{rows:?}");
            }
        }
        for (o, r) in out.iter().zip(rows.as_flattened()) {
            assert_eq!(*o, 2.0 * r);
        }
        assert_eq!(out[9], 7.0, "nine values only");
        // Without canonical axes there is no rotation to read.
        let flat = Normalization {
            orientation_input: 2.0,
            ..Normalization::IDENTITY
        };
        assert_eq!(flat.orientation_len(), 0);
    }

    #[test]
    fn denormalize_turns_back() {
        let frame = Frame::of_input(&layout(), &canonical(), &X).unwrap();
        let mut y = normalized(&canonical(), &X);
        frame.denormalize(&layout(), &mut y).unwrap();
        for (a, b) in y.iter().zip(X) {
            assert!((a - b).abs() < 1e-6, "{a} vs {b}");
        }
    }

    #[test]
    fn degenerate_directions_leave_the_input_unturned() {
        let centred_only = Normalization {
            center: true,
            ..Normalization::IDENTITY
        };
        let mut still = X;
        for at in [3, 9, 15] {
            still[at..at + 3].fill(0.0);
        }
        let mut same_place = X;
        same_place.copy_within(0..3, 6);
        for x in [still, same_place] {
            assert_eq!(normalized(&canonical(), &x), normalized(&centred_only, &x));
        }
    }
}
