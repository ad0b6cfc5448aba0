//! The one error type of this crate.

/// What can go wrong in the group math. Every variant prints as one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Error {
    /// A data slice does not have the length its layout describes.
    #[error("data has {got} values, the layout describes {expected}")]
    LengthMismatch {
        /// Length the layout describes.
        expected: usize,
        /// Length that was given.
        got: usize,
    },
    /// A caller-provided scratch buffer is too small.
    #[error("scratch buffer holds {got} values, {needed} are needed")]
    ScratchTooSmall {
        /// Values needed.
        needed: usize,
        /// Values given.
        got: usize,
    },
    /// A rotation axis of (almost) zero length, or a non-finite one.
    #[error("rotation axis has zero length or is not finite")]
    InvalidAxis,
    /// An angle range outside `0 <= min <= max <= π`.
    #[error("angle range must satisfy 0 <= min <= max <= 180 degrees")]
    InvalidAngleRange,
    /// A quaternion of (almost) zero norm, or a non-finite one.
    #[error("quaternion has zero norm or is not finite")]
    InvalidQuaternion,
    /// A matrix that is not orthonormal with determinant +1.
    #[error("matrix is not a rotation (orthonormal with determinant +1)")]
    NotARotation,
    /// A layout without entities.
    #[error("layout has no entities")]
    NoEntities,
    /// A layout whose entities carry no channels.
    #[error("layout has no channels")]
    NoChannels,
    /// A layout with more channels per entity than [`crate::MAX_CHANNELS`].
    #[error("layout has more than {max} channels per entity")]
    TooManyChannels {
        /// The limit.
        max: usize,
    },
    /// A layout too large to address.
    #[error("layout is too large")]
    LayoutTooLarge,
    /// Canonical axes naming an entity the layout does not have, the same
    /// entity twice, or a layout without a position and a vector channel.
    #[error(
        "canonical axes need two different entities of a layout with a position and a vector channel"
    )]
    InvalidCanonicalAxes,
    /// A metric was asked for over no samples or no group elements.
    #[error("equivariance needs at least one sample and one group element")]
    NothingToMeasure,
}
