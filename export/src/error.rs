//! The one error type of the exporter.

/// What can go wrong when writing a blob or running the reference. Every
/// variant prints as one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The spec describes a model the blob format cannot hold.
    #[error("invalid model: {what}")]
    InvalidModel {
        /// What is wrong, in a few words.
        what: &'static str,
    },
    /// An input given to the reference has the wrong length.
    #[error("input has {got} values, the model takes {expected}")]
    InputLength {
        /// Values the model takes.
        expected: usize,
        /// Values given.
        got: usize,
    },
    /// postcard could not encode the payload, or it outgrew the header's
    /// 32-bit length.
    #[error("blob encoding failed")]
    Encode,
    /// The group math rejected a layout or a value.
    #[error("group math: {0}")]
    Group(#[from] remul_group::Error),
    /// The runtime refused the blob just written, or failed on a golden
    /// input (a non-finite output, say).
    #[error(transparent)]
    Runtime(#[from] remul_runtime::Error),
}

impl Error {
    /// An [`Error::InvalidModel`] with a short reason.
    pub(crate) const fn invalid(what: &'static str) -> Self {
        Self::InvalidModel { what }
    }
}
