//! Samples as flat rows, and a task's splits with the layout that says how
//! each row is made of per-entity channels.

use remul_group::IoLayout;

use crate::Error;

/// One partition of a task: `len()` samples, each an input row and a target
/// row, stored row-major in two flat vectors.
#[derive(Clone, Debug, PartialEq)]
pub struct Split {
    /// All input rows, one after another.
    pub inputs: Vec<f32>,
    /// All target rows, one after another.
    pub targets: Vec<f32>,
    input_width: usize,
    target_width: usize,
}

impl Split {
    /// An empty split for samples of the given layout.
    pub fn empty(io: &IoLayout) -> Self {
        Self {
            inputs: Vec::new(),
            targets: Vec::new(),
            input_width: io.input.len(),
            target_width: io.output.len(),
        }
    }

    /// A split from flat rows, checked against the layout.
    pub fn from_rows(io: &IoLayout, inputs: Vec<f32>, targets: Vec<f32>) -> Result<Self, Error> {
        let split = Self {
            inputs,
            targets,
            ..Self::empty(io)
        };
        let samples = split.inputs.len() / split.input_width;
        if split.inputs.len() != samples * split.input_width {
            return Err(Error::Group(remul_group::Error::LengthMismatch {
                expected: samples * split.input_width,
                got: split.inputs.len(),
            }));
        }
        if split.targets.len() != samples * split.target_width {
            return Err(Error::Group(remul_group::Error::LengthMismatch {
                expected: samples * split.target_width,
                got: split.targets.len(),
            }));
        }
        Ok(split)
    }

    /// Appends one sample; the rows must have the split's widths.
    pub(crate) fn push(&mut self, input: &[f32], target: &[f32]) {
        debug_assert_eq!(input.len(), self.input_width);
        debug_assert_eq!(target.len(), self.target_width);
        self.inputs.extend_from_slice(input);
        self.targets.extend_from_slice(target);
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.inputs.len() / self.input_width.max(1)
    }

    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Numbers per input row.
    pub fn input_width(&self) -> usize {
        self.input_width
    }

    /// Numbers per target row.
    pub fn target_width(&self) -> usize {
        self.target_width
    }

    /// The input row of sample `i`. Panics if `i >= len()`, as indexing does.
    pub fn input(&self, i: usize) -> &[f32] {
        &self.inputs[i * self.input_width..(i + 1) * self.input_width]
    }

    /// The target row of sample `i`. Panics if `i >= len()`, as indexing does.
    pub fn target(&self, i: usize) -> &[f32] {
        &self.targets[i * self.target_width..(i + 1) * self.target_width]
    }

    /// The input rows in order.
    pub fn inputs_iter(&self) -> impl Iterator<Item = &[f32]> {
        self.inputs.chunks_exact(self.input_width.max(1))
    }

    /// The target rows in order.
    pub fn targets_iter(&self) -> impl Iterator<Item = &[f32]> {
        self.targets.chunks_exact(self.target_width.max(1))
    }
}

/// A task's data: its layout, the train / validation / test splits, any
/// extra evaluation splits, and (for a skeleton) the bones.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskData {
    /// `mocap-run`, `mocap-walk` or `nbody`.
    pub name: String,
    /// How inputs and targets are made of per-entity channels; every rotation
    /// of inputs and targets goes through this one description.
    pub io: IoLayout,
    /// Training samples.
    pub train: Split,
    /// Validation samples.
    pub val: Split,
    /// Test samples.
    pub test: Split,
    /// Further evaluation splits by name (n-body: `ood`).
    pub extra: Vec<(String, Split)>,
    /// Skeleton bones as `[child, parent]` joint indices (mocap); empty otherwise.
    pub edges: Vec<[usize; 2]>,
}

impl TaskData {
    /// All splits with their names: `train`, `val`, `test`, then the extras.
    pub fn splits(&self) -> Vec<(&str, &Split)> {
        let mut all = vec![
            ("train", &self.train),
            ("val", &self.val),
            ("test", &self.test),
        ];
        all.extend(
            self.extra
                .iter()
                .map(|(name, split)| (name.as_str(), split)),
        );
        all
    }

    /// The split with this name.
    pub fn split(&self, name: &str) -> Option<&Split> {
        self.splits()
            .into_iter()
            .find(|(n, _)| *n == name)
            .map(|(_, s)| s)
    }
}
