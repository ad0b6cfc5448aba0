//! How a flat feature vector is made of per-entity channels, and how a group
//! element acts on it. The same description gives φ(g) on inputs and ρ(g) on
//! outputs.

use crate::vector::Vec3;
use crate::{Error, Rotation, Se3};

/// The most channels one entity may carry.
pub const MAX_CHANNELS: usize = 8;

/// The most entities a layout may have (keeps every length in `u32`).
pub const MAX_ENTITIES: usize = 1 << 16;

/// What one channel of an entity is, which decides how it transforms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Channel {
    /// One invariant number (a mass).
    Scalar,
    /// A free 3-vector that rotates (a velocity).
    Vector,
    /// A point that rotates and translates (a position).
    Position,
}

impl Channel {
    /// How many numbers the channel holds.
    pub const fn width(self) -> usize {
        match self {
            Self::Scalar => 1,
            Self::Vector | Self::Position => 3,
        }
    }
}

/// A flat layout: `entities` entities one after another, each holding the same
/// channels in order. Mocap's input is 31 joints × `[Position, Vector]`, its
/// output 31 joints × `[Position]`.
///
/// ```
/// use remul_group::{Channel, Layout, Rotation, Se3};
/// let layout = Layout::new(2, &[Channel::Scalar, Channel::Position]).unwrap();
/// assert_eq!(layout.len(), 8);
/// let quarter_turn = Rotation::from_axis_angle([0.0, 0.0, 1.0], core::f32::consts::FRAC_PI_2).unwrap();
/// let mut x = [5.0, 1.0, 0.0, 0.0, /* second entity */ 7.0, 0.0, 1.0, 0.0];
/// layout.apply(&Se3::from_rotation(quarter_turn), &mut x).unwrap();
/// assert_eq!(x[0], 5.0); // the scalar is invariant
/// assert!((x[2] - 1.0).abs() < 1e-6); // (1, 0, 0) became (0, 1, 0)
/// ```
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "LayoutFields", into = "LayoutFields")]
pub struct Layout {
    entities: u32,
    channels: heapless::Vec<Channel, MAX_CHANNELS>,
}

#[cfg(feature = "defmt")]
impl defmt::Format for Layout {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "Layout {{ entities: {}, channels: {} }}",
            self.entities,
            self.channels.as_slice()
        )
    }
}

/// The serialized form of a [`Layout`], checked on the way in.
#[derive(serde::Serialize, serde::Deserialize)]
struct LayoutFields {
    entities: u32,
    channels: heapless::Vec<Channel, MAX_CHANNELS>,
}

impl TryFrom<LayoutFields> for Layout {
    type Error = Error;
    fn try_from(f: LayoutFields) -> Result<Self, Error> {
        Layout::new(f.entities as usize, &f.channels)
    }
}

impl From<Layout> for LayoutFields {
    fn from(l: Layout) -> Self {
        Self {
            entities: l.entities,
            channels: l.channels,
        }
    }
}

impl Layout {
    /// A layout of `entities` entities with the given channels each.
    pub fn new(entities: usize, channels: &[Channel]) -> Result<Self, Error> {
        if entities == 0 {
            return Err(Error::NoEntities);
        }
        if entities > MAX_ENTITIES {
            return Err(Error::LayoutTooLarge);
        }
        if channels.is_empty() {
            return Err(Error::NoChannels);
        }
        let channels = heapless::Vec::from_slice(channels)
            .map_err(|_| Error::TooManyChannels { max: MAX_CHANNELS })?;
        Ok(Self {
            entities: entities as u32,
            channels,
        })
    }

    /// Number of entities.
    pub fn entities(&self) -> usize {
        self.entities as usize
    }

    /// The channels of one entity, in order.
    pub fn channels(&self) -> &[Channel] {
        &self.channels
    }

    /// Numbers per entity. Out of line: called from many places, where
    /// inlined, unrolled copies of this short loop add up to a large part
    /// of a Cortex-M4F runtime's flash.
    #[inline(never)]
    pub fn entity_width(&self) -> usize {
        self.channels.iter().map(|c| c.width()).sum()
    }

    /// Numbers in the whole flat vector.
    pub fn len(&self) -> usize {
        self.entities() * self.entity_width()
    }

    /// Always false: a layout has at least one entity and one channel.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Offsets (within an entity) of the channels of one kind.
    pub fn offsets_of(&self, kind: Channel) -> impl Iterator<Item = usize> + '_ {
        self.channels
            .iter()
            .scan(0, |offset, &c| {
                let at = *offset;
                *offset += c.width();
                Some((c, at))
            })
            .filter(move |&(c, _)| c == kind)
            .map(|(_, at)| at)
    }

    fn check(&self, data: &[f32]) -> Result<(), Error> {
        if data.len() == self.len() {
            Ok(())
        } else {
            Err(Error::LengthMismatch {
                expected: self.len(),
                got: data.len(),
            })
        }
    }

    /// Applies `g` in place: positions `R p + t`, vectors `R v`, scalars unchanged.
    pub fn apply(&self, g: &Se3, data: &mut [f32]) -> Result<(), Error> {
        self.check(data)?;
        // `get_mut`, not indexing, as in `centroid`: no panic path.
        for entity in data.chunks_exact_mut(self.entity_width().max(1)) {
            let mut at = 0;
            for &c in self.channels.iter() {
                let three = entity.get_mut(at..).and_then(|e| e.first_chunk_mut::<3>());
                if let (Some(v), true) = (three, c != Channel::Scalar) {
                    *v = match c {
                        Channel::Position => g.apply_position(*v),
                        _ => g.apply_vector(*v),
                    };
                }
                at += c.width();
            }
        }
        Ok(())
    }

    /// Applies a rotation about the origin in place.
    pub fn rotate(&self, r: &Rotation, data: &mut [f32]) -> Result<(), Error> {
        self.apply(&Se3::from_rotation(*r), data)
    }

    /// Adds `t` to every position channel (vectors and scalars unchanged).
    pub fn translate(&self, t: Vec3, data: &mut [f32]) -> Result<(), Error> {
        self.check(data)?;
        for entity in data.chunks_exact_mut(self.entity_width().max(1)) {
            for at in self.offsets_of(Channel::Position) {
                let position = entity.get_mut(at..).unwrap_or_default();
                for (p, t) in position.iter_mut().zip(t) {
                    *p += t;
                }
            }
        }
        Ok(())
    }

    /// The mean of all position channels of all entities: the centroid that
    /// models subtract so that only rotations remain to be learned. `None`
    /// when the layout has no position channel.
    ///
    /// Summed in f32 with Neumaier's compensation, within about one ulp of
    /// the exact mean: f64 would be software floating point on a
    /// Cortex-M4F, a noticeable part of a small MLP's inference there.
    pub fn centroid(&self, data: &[f32]) -> Result<Option<Vec3>, Error> {
        self.check(data)?;
        let mut sums = [CompensatedSum::ZERO; 3];
        let mut count = 0u32;
        // `get`, not indexing: the checked layout never misses, and the
        // panic path of indexing brought `core::fmt` into firmware.
        for entity in data.chunks_exact(self.entity_width().max(1)) {
            for at in self.offsets_of(Channel::Position) {
                let Some(position) = entity.get(at..) else {
                    continue;
                };
                for (sum, &v) in sums.iter_mut().zip(position) {
                    sum.add(v);
                }
                count += 1;
            }
        }
        Ok((count > 0).then(|| sums.map(|sum| sum.total() / count as f32)))
    }
}

/// A running f32 sum that carries its rounding error (Neumaier's variant
/// of Kahan summation): the total is as if summed in about twice the
/// precision, rounded once.
#[derive(Clone, Copy)]
struct CompensatedSum {
    sum: f32,
    error: f32,
}

impl CompensatedSum {
    const ZERO: Self = Self {
        sum: 0.0,
        error: 0.0,
    };

    fn add(&mut self, v: f32) {
        let t = self.sum + v;
        // The smaller addend is the one whose low bits the addition lost.
        self.error += if self.sum.abs() >= v.abs() {
            (self.sum - t) + v
        } else {
            (v - t) + self.sum
        };
        self.sum = t;
    }

    fn total(self) -> f32 {
        self.sum + self.error
    }
}

/// The input and output layouts of a model: φ(g) acts through `input`, ρ(g)
/// through `output`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct IoLayout {
    /// Layout of the model's input.
    pub input: Layout,
    /// Layout of the model's output.
    pub output: Layout,
}

impl IoLayout {
    /// φ(g) on an input.
    pub fn act_on_input(&self, g: &Se3, x: &mut [f32]) -> Result<(), Error> {
        self.input.apply(g, x)
    }

    /// ρ(g) on an output.
    pub fn act_on_output(&self, g: &Se3, y: &mut [f32]) -> Result<(), Error> {
        self.output.apply(g, y)
    }
}
