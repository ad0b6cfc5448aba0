//! What a model is built for, as its task gives it.

use remul_datasets::TaskData;
use remul_group::IoLayout;

/// The sizes, layout and graph a model is built for.
#[derive(Clone, Debug, PartialEq)]
pub struct NetShape {
    /// Number of entities (tokens of the Transformer, nodes of EGNN).
    pub entities: usize,
    /// Flat input length.
    pub input_len: usize,
    /// Flat output length.
    pub output_len: usize,
    /// The channels in and out.
    pub io: IoLayout,
    /// Bones as pairs of entity indices (EGNN's `--graph bones`).
    pub bones: Vec<[usize; 2]>,
}

impl NetShape {
    /// The shape of a layout, without bones.
    pub fn of(io: &IoLayout) -> Self {
        Self {
            entities: io.input.entities(),
            input_len: io.input.len(),
            output_len: io.output.len(),
            io: io.clone(),
            bones: Vec::new(),
        }
    }

    /// The shape of a run's model: its task's, with the values
    /// `--orientation-input` adds after the input.
    pub fn of_run(data: &TaskData, config: &crate::config::TrainConfig) -> Self {
        let shape = Self::of_task(data);
        Self {
            input_len: shape.input_len + config.orientation_len(),
            ..shape
        }
    }

    /// The shape of a task: its layout and its bones.
    pub fn of_task(data: &TaskData) -> Self {
        Self {
            bones: data.edges.clone(),
            ..Self::of(&data.io)
        }
    }
}
