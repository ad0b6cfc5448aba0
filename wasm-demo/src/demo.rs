//! The demo's state and everything the exports do, in safe Rust: one loaded
//! model, the input/output vectors the page reads and writes, the scratch
//! the runtime works in, the last equivariance report and the last error.

use core::fmt::Write;

use remul_group::{Channel, EquivarianceReport, Group, Layout, Rotation};
use remul_runtime::{Activation, Architecture, Model};

use crate::text::Text;
use crate::{IO_CAPACITY, MAX_GROUP_SAMPLES, SCRATCH_CAPACITY};

/// Why an export failed; its code is what the export returns.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Failure {
    /// No model is loaded (or the last load failed).
    NoModel,
    /// The blob is longer than the buffer.
    BlobTooLarge {
        /// Bytes given.
        len: usize,
    },
    /// The runtime refused the blob.
    InvalidBlob(remul_runtime::Error),
    /// The model is valid but needs more memory than the static buffers.
    ModelTooLarge {
        /// What does not fit.
        what: &'static str,
        /// Values needed.
        needed: usize,
        /// Values available.
        capacity: usize,
    },
    /// The runtime failed on this input (NaN input, a golden mismatch…).
    RunFailed(remul_runtime::Error),
    /// An argument is out of range.
    BadArgument(&'static str),
    /// An export was entered while another was running.
    Busy,
}

impl Failure {
    /// The export's return value: a negative number per kind.
    pub fn code(&self) -> i32 {
        match self {
            Self::NoModel => -1,
            Self::BlobTooLarge { .. } => -2,
            Self::InvalidBlob(_) => -3,
            Self::ModelTooLarge { .. } => -4,
            Self::RunFailed(_) => -5,
            Self::BadArgument(_) => -6,
            Self::Busy => -7,
        }
    }
}

impl core::fmt::Display for Failure {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::NoModel => f.write_str("no model is loaded"),
            Self::BlobTooLarge { len } => write!(
                f,
                "the blob has {len} bytes; this page takes at most {} bytes",
                crate::BLOB_CAPACITY
            ),
            Self::InvalidBlob(e) => write!(f, "not a valid model blob: {e}"),
            Self::ModelTooLarge {
                what,
                needed,
                capacity,
            } => write!(
                f,
                "the model needs {needed} {what} values; this page has room for {capacity}"
            ),
            Self::RunFailed(e) => write!(f, "the runtime failed: {e}"),
            Self::BadArgument(what) => write!(f, "bad argument: {what}"),
            Self::Busy => f.write_str("another call is running"),
        }
    }
}

/// The model and the small state the exports share.
///
/// The f32 vectors are in [`Vectors`], a separate static: its initializer is
/// all zeros, so it lands in `.bss` and costs nothing in the .wasm file (an
/// `Option<Model>` in the same static would put all of it in the data
/// section).
pub struct Demo {
    model: Option<Model<'static>>,
    report: EquivarianceReport,
    last_failure: Option<Failure>,
    text: Text,
}

/// The vectors the host reads and writes, and the runtime's scratch.
pub struct Vectors {
    input: [f32; IO_CAPACITY],
    output: [f32; IO_CAPACITY],
    expected: [f32; IO_CAPACITY],
    scratch: [f32; SCRATCH_CAPACITY],
}

impl Vectors {
    /// All zero.
    pub const fn new() -> Self {
        Self {
            input: [0.0; IO_CAPACITY],
            output: [0.0; IO_CAPACITY],
            expected: [0.0; IO_CAPACITY],
            scratch: [0.0; SCRATCH_CAPACITY],
        }
    }

    /// Start of the input vector the host writes.
    pub fn input_ptr(&mut self) -> *mut f32 {
        self.input.as_mut_ptr()
    }

    /// Start of the output vector the host reads.
    pub fn output_ptr(&mut self) -> *mut f32 {
        self.output.as_mut_ptr()
    }

    /// Start of the expected (golden) output vector the host reads.
    pub fn expected_ptr(&mut self) -> *mut f32 {
        self.expected.as_mut_ptr()
    }
}

impl Demo {
    /// Nothing loaded.
    pub const fn new() -> Self {
        Self {
            model: None,
            report: EquivarianceReport {
                e: 0.0,
                e_prime: 0.0,
                max_abs: 0.0,
                relative: 0.0,
                samples: 0,
                group_samples: 0,
            },
            last_failure: None,
            text: Text::new(),
        }
    }

    /// Records the outcome of an export and turns it into its return code.
    pub fn finish(&mut self, result: Result<(), Failure>) -> i32 {
        match result {
            Ok(()) => 0,
            Err(failure) => {
                self.last_failure = Some(failure);
                failure.code()
            }
        }
    }

    /// Drops the model, so that the host may write the blob buffer.
    pub fn unload(&mut self) {
        self.model = None;
    }

    /// Validates `blob` and keeps the model if this page's buffers fit it.
    pub fn load(&mut self, blob: Option<&'static [u8]>, len: usize) -> Result<(), Failure> {
        self.model = None;
        let blob = blob.ok_or(Failure::BlobTooLarge { len })?;
        let model = Model::from_bytes(blob).map_err(Failure::InvalidBlob)?;
        let fits = |what, needed: usize, capacity: usize| {
            if needed <= capacity {
                Ok(())
            } else {
                Err(Failure::ModelTooLarge {
                    what,
                    needed,
                    capacity,
                })
            }
        };
        fits("input", model.input_len(), IO_CAPACITY)?;
        fits("output", model.output_len(), IO_CAPACITY)?;
        // Equivariance needs the most: its own buffers plus one prediction's.
        let scratch = model
            .equivariance_scratch_len()
            .max(model.golden_scratch_len());
        fits("scratch", scratch, SCRATCH_CAPACITY)?;
        self.model = Some(model);
        Ok(())
    }

    /// The loaded model.
    pub fn model(&self) -> Result<&Model<'static>, Failure> {
        self.model.as_ref().ok_or(Failure::NoModel)
    }

    /// Runs the model on the input vector into the output vector.
    pub fn predict(&self, v: &mut Vectors) -> Result<(), Failure> {
        let model = self.model()?;
        let (n_in, n_out) = (model.input_len(), model.output_len());
        model
            .predict(&v.input[..n_in], &mut v.output[..n_out], &mut v.scratch)
            .map_err(Failure::RunFailed)
    }

    /// Rotates the input vector (φ(g)) or the output vector (ρ(g)) in place
    /// by `degrees` about `axis`, through the model's layouts.
    pub fn rotate(
        &self,
        v: &mut Vectors,
        which: Side,
        axis: [f32; 3],
        degrees: f32,
    ) -> Result<(), Failure> {
        let model = self.model()?;
        if !degrees.is_finite() {
            return Err(Failure::BadArgument("the angle is not finite"));
        }
        let rotation = Rotation::from_axis_angle(axis, degrees.to_radians())
            .map_err(|_| Failure::BadArgument("the axis is zero or not finite"))?;
        let (layout, values) = match which {
            Side::Input => (&model.io().input, &mut v.input[..]),
            Side::Output => (&model.io().output, &mut v.output[..]),
        };
        layout
            .rotate(&rotation, &mut values[..layout.len()])
            .map_err(|e| Failure::RunFailed(e.into()))
    }

    /// Measures E and E' of the model at the input vector with `m` rotations
    /// from the blob's group, drawn with `seed`.
    pub fn equivariance(&mut self, v: &mut Vectors, m: u32, seed: u32) -> Result<(), Failure> {
        let model = self.model()?;
        if m == 0 || m > MAX_GROUP_SAMPLES {
            return Err(Failure::BadArgument("m must be 1 to 4096"));
        }
        let input = &v.input[..model.input_len()];
        self.report = model
            .equivariance([input], m as usize, u64::from(seed), &mut v.scratch)
            .map_err(Failure::RunFailed)?;
        Ok(())
    }

    /// The last equivariance report.
    pub fn report(&self) -> &EquivarianceReport {
        &self.report
    }

    /// Runs every golden vector in the runtime, comparing bit for bit.
    pub fn check_golden(&self, v: &mut Vectors) -> Result<(), Failure> {
        self.model()?
            .check_golden(&mut v.scratch)
            .map_err(Failure::RunFailed)
    }

    /// Copies golden vector `index` into the input vector and its expected
    /// output into the expected vector.
    pub fn load_golden(&self, v: &mut Vectors, index: usize) -> Result<(), Failure> {
        let model = self.model()?;
        let (x, y) = model
            .golden()
            .nth(index)
            .ok_or(Failure::BadArgument("no golden vector with this index"))?;
        x.copy_to(&mut v.input[..model.input_len()]);
        y.copy_to(&mut v.expected[..model.output_len()]);
        Ok(())
    }

    /// Writes a text into the text buffer and returns its length in bytes.
    pub fn write_text(&mut self, which: TextKind) -> usize {
        self.text.clear();
        let t = &mut self.text;
        // A text longer than the buffer is cut: `Text` never fails.
        let _ = match (which, &self.model) {
            (TextKind::Error, _) => match &self.last_failure {
                Some(failure) => write!(t, "{failure}"),
                None => Ok(()),
            },
            (_, None) => Ok(()),
            (TextKind::Task, Some(m)) => t.write_str(m.task()),
            (TextKind::Architecture, Some(m)) => write_architecture(t, m),
            (TextKind::Layout, Some(m)) => write_layout(t, &m.io().input)
                .and_then(|()| t.write_str(" → "))
                .and_then(|()| write_layout(t, &m.io().output)),
        };
        self.text.len()
    }

    /// Start of the text buffer.
    pub fn text_ptr(&self) -> *const u8 {
        self.text.as_ptr()
    }
}

/// Which vector a rotation acts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The input vector, through the input layout (φ(g)).
    Input,
    /// The output vector, through the output layout (ρ(g)).
    Output,
}

/// The texts `write_text` can produce.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextKind {
    /// The last failure's message.
    Error,
    /// The task name in the blob.
    Task,
    /// `MLP 186 → 128 → 128 → 93, SiLU` or the Transformer's sizes.
    Architecture,
    /// `31 × [position, vector] → 31 × [position]`.
    Layout,
}

fn activation_name(a: Activation) -> &'static str {
    match a {
        Activation::Silu => "SiLU",
        Activation::Relu => "ReLU",
        Activation::Gelu => "GELU",
    }
}

fn write_architecture(t: &mut Text, model: &Model<'_>) -> core::fmt::Result {
    match model.architecture() {
        Architecture::Mlp { activation, widths } => {
            t.write_str("MLP ")?;
            for (i, w) in widths.iter().enumerate() {
                let arrow = if i > 0 { " → " } else { "" };
                write!(t, "{arrow}{w}")?;
            }
            write!(t, ", {}", activation_name(*activation))
        }
        &Architecture::Transformer {
            d_model,
            heads,
            d_ff,
            blocks,
            activation,
            entity_embedding,
        } => {
            let (block_s, head_s) = (plural(blocks), plural(heads));
            write!(
                t,
                "Transformer, {blocks} block{block_s}, d {d_model}, {heads} head{head_s}, d_ff {d_ff}, {}",
                activation_name(activation)
            )?;
            if entity_embedding {
                t.write_str(", entity embedding")?;
            }
            Ok(())
        }
    }
}

fn plural(n: u32) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn write_layout(t: &mut Text, layout: &Layout) -> core::fmt::Result {
    write!(t, "{} × [", layout.entities())?;
    for (i, c) in layout.channels().iter().enumerate() {
        let name = match c {
            Channel::Scalar => "scalar",
            Channel::Vector => "vector",
            Channel::Position => "position",
        };
        let comma = if i > 0 { ", " } else { "" };
        write!(t, "{comma}{name}")?;
    }
    t.write_str("]")
}

/// The group as a kind and up to three numbers (SO(2): the axis; angle
/// range: min and max in radians).
pub fn group_parts(group: &Group) -> (i32, [f32; 3]) {
    match *group {
        Group::So3 => (0, [0.0; 3]),
        Group::So2 { axis } => (1, axis),
        Group::AngleRange { min, max } => (2, [min, max, 0.0]),
    }
}
