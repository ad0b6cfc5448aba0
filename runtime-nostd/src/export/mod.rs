//! Writing blobs (feature `export`, std): the trainer fills a [`ModelSpec`]
//! from its tensors and calls [`export`].

mod encode;
mod reference;
mod rounding;
mod spec;
mod write;

pub use encode::{export, seal};
pub use spec::{ArchitectureSpec, BlockSpec, DenseSpec, ModelSpec, NormSpec};
pub use write::quantize_row;
