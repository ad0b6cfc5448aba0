//! Which directions of an input define its canonical orientation. A
//! network that sees every input turned to that orientation, and whose
//! output is turned back, is exactly rotation-equivariant whatever its
//! weights: rotating the input by g turns its axes by g too, so the network
//! sees the same numbers. The runtime's `Frame` does the turning.

use crate::{Channel, Error, Layout};

/// Which directions of an input define its orientation:
///
/// - up: the position of entity `to` minus that of entity `from`;
/// - forward: the sum of every entity's first vector channel (the mean
///   velocity's direction), made perpendicular to up;
/// - right: up × forward.
///
/// The canonical coordinates are (right, up, forward), so a y-up, z-forward
/// dataset whose `from → to` points up looks nearly unchanged in them.
///
/// ```
/// use remul_group::{CanonicalAxes, Channel, Layout};
/// let layout = Layout::new(31, &[Channel::Position, Channel::Vector]).unwrap();
/// assert!(CanonicalAxes { from: 0, to: 13 }.validate(&layout).is_ok());
/// assert!(CanonicalAxes { from: 0, to: 31 }.validate(&layout).is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct CanonicalAxes {
    /// The entity up starts at.
    pub from: u32,
    /// The entity up points to.
    pub to: u32,
}

impl CanonicalAxes {
    /// Checks the axes against the input layout: two different entities of
    /// it, and a layout with a position and a vector channel to read them from.
    pub fn validate(&self, layout: &Layout) -> Result<(), Error> {
        let entities = layout.entities();
        let exists = |e: u32| (e as usize) < entities;
        let has = |kind: Channel| layout.offsets_of(kind).next().is_some();
        let ok = exists(self.from)
            && exists(self.to)
            && self.from != self.to
            && has(Channel::Position)
            && has(Channel::Vector);
        if ok {
            Ok(())
        } else {
            Err(Error::InvalidCanonicalAxes)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_outside_the_layout_are_refused() {
        let layout = Layout::new(3, &[Channel::Position, Channel::Vector]).unwrap();
        assert!(CanonicalAxes { from: 2, to: 0 }.validate(&layout).is_ok());
        for axes in [
            CanonicalAxes { from: 0, to: 3 },
            CanonicalAxes { from: 1, to: 1 },
        ] {
            assert_eq!(axes.validate(&layout), Err(Error::InvalidCanonicalAxes));
        }
        let positions_only = Layout::new(3, &[Channel::Position]).unwrap();
        let axes = CanonicalAxes { from: 0, to: 1 };
        assert_eq!(
            axes.validate(&positions_only),
            Err(Error::InvalidCanonicalAxes)
        );
    }
}
