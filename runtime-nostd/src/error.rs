//! The one error type of the runtime.

/// What can go wrong when loading a blob or running a model. Every variant
/// prints as one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Error {
    /// The bytes do not start with the blob magic.
    #[error("not a model blob (bad magic)")]
    BadMagic,
    /// The blob was written in a format version this runtime does not read.
    #[error(
        "blob format version {found} is not supported (this runtime reads version {supported})"
    )]
    UnsupportedVersion {
        /// Version in the blob.
        found: u16,
        /// The version this runtime reads.
        supported: u16,
    },
    /// The blob is shorter or longer than its header says.
    #[error("blob has {got} bytes, its header describes {expected}")]
    BlobLength {
        /// Bytes the header describes (header included).
        expected: usize,
        /// Bytes given.
        got: usize,
    },
    /// The payload does not match its CRC32.
    #[error("payload checksum {computed:#010x} does not match the header's {expected:#010x}")]
    Checksum {
        /// CRC32 stored in the header.
        expected: u32,
        /// CRC32 of the payload as read.
        computed: u32,
    },
    /// The payload is not a well-formed postcard encoding of the format.
    #[error("payload does not decode")]
    Decode,
    /// The blob decodes but describes an impossible or unsupported model.
    #[error("invalid model: {what}")]
    InvalidModel {
        /// What is wrong, in a few words.
        what: &'static str,
    },
    /// The group or the layouts rejected a value.
    #[error("group math: {0}")]
    Group(#[from] remul_group::Error),
    /// The input slice has the wrong length.
    #[error("input has {got} values, the model takes {expected}")]
    InputLength {
        /// Values the model takes.
        expected: usize,
        /// Values given.
        got: usize,
    },
    /// The output slice has the wrong length.
    #[error("output has {got} values, the model gives {expected}")]
    OutputLength {
        /// Values the model gives.
        expected: usize,
        /// Values given.
        got: usize,
    },
    /// The scratch buffer is too small.
    #[error("scratch holds {got} values, {needed} are needed")]
    ScratchTooSmall {
        /// Values needed.
        needed: usize,
        /// Values given.
        got: usize,
    },
    /// An input value is NaN or infinite.
    #[error("input value {index} is not finite")]
    NonFiniteInput {
        /// Position of the first such value.
        index: usize,
    },
    /// The model produced NaN or infinity (its weights overflow f32 on this input).
    #[error("output value {index} is not finite")]
    NonFiniteOutput {
        /// Position of the first such value.
        index: usize,
    },
    /// A golden vector did not reproduce bit for bit.
    #[error("golden vector {vector} differs at output {index}")]
    GoldenMismatch {
        /// Which golden vector.
        vector: usize,
        /// First differing output value.
        index: usize,
    },
}

impl Error {
    /// An [`Error::InvalidModel`] with a short reason.
    pub(crate) const fn invalid(what: &'static str) -> Self {
        Self::InvalidModel { what }
    }
}
