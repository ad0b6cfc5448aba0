//! A model's sizes, as its task's layout gives them.

/// The sizes a model is built for, from the task's layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NetShape {
    /// Number of entities (tokens of the Transformer).
    pub entities: usize,
    /// Flat input length.
    pub input_len: usize,
    /// Flat output length.
    pub output_len: usize,
}

impl NetShape {
    /// The shape of a task's layout.
    pub fn of(io: &remul_group::IoLayout) -> Self {
        Self {
            entities: io.input.entities(),
            input_len: io.input.len(),
            output_len: io.output.len(),
        }
    }
}
