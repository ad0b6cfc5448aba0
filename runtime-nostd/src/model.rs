//! [`Model`]: a validated blob, ready to run.

use remul_group::{Group, IoLayout};

use crate::arch::keep_rolled;
use crate::cost::cost;
use crate::format::{self, Architecture, ExportMetrics, Normalization, Payload, Quant};
use crate::tensors::F32Le;
use crate::transformer::Dims;
use crate::validate::{Plan, validate};
use crate::{Error, mlp, scratch, transformer};

/// The blob's tensors or the scratch do not match what validation planned:
/// never expected.
const INCONSISTENT: Error = Error::invalid("tensor data does not match the architecture");

/// A model read from a blob. It borrows the blob (weights stay where they
/// are, in flash on a microcontroller) and has passed every check, so
/// [`Model::predict`] only checks its own arguments.
#[derive(Clone)]
pub struct Model<'a> {
    payload: Payload<'a>,
    plan: Plan,
}

impl<'a> Model<'a> {
    /// Reads and validates a blob: magic, version, length, CRC, the payload's
    /// encoding, the group, the normalization, every tensor's length and
    /// values against the architecture, the golden vectors, and the scratch
    /// size. Never panics, whatever the bytes.
    pub fn from_bytes(blob: &'a [u8]) -> Result<Self, Error> {
        let payload = format::open(blob)?;
        let payload = Payload::decode(payload)?;
        let plan = validate(&payload)?;
        Ok(Self { payload, plan })
    }

    /// Values in one input vector.
    pub fn input_len(&self) -> usize {
        self.payload.io.input.len()
    }

    /// Values in one output vector.
    pub fn output_len(&self) -> usize {
        self.payload.io.output.len()
    }

    /// The input and output layouts.
    pub fn io(&self) -> &IoLayout {
        &self.payload.io
    }

    /// The group the model was trained to respect.
    pub fn group(&self) -> &Group {
        &self.payload.group
    }

    /// The task name the trainer wrote.
    pub fn task(&self) -> &'a str {
        self.payload.task
    }

    /// The centring and scaling around the network.
    pub fn normalization(&self) -> &Normalization {
        &self.payload.normalization
    }

    /// How the dense weights are stored.
    pub fn quant(&self) -> Quant {
        self.payload.quant
    }

    /// The network's shape.
    pub fn architecture(&self) -> &Architecture {
        &self.payload.architecture
    }

    /// Weights, biases, layer-norm parameters and entity embeddings (int8
    /// row scales not counted).
    pub fn parameter_count(&self) -> usize {
        cost(&self.payload).parameters
    }

    /// Multiply-accumulates in one [`Model::predict`] (dense layers and
    /// attention).
    pub fn macs(&self) -> usize {
        cost(&self.payload).macs
    }

    /// Bytes of weight data in the blob.
    pub fn tensor_bytes(&self) -> usize {
        self.payload.tensors.len()
    }

    /// f32 values of scratch [`Model::predict`] needs (the same number as
    /// [`crate::scratch::mlp_scratch_len`] / [`crate::scratch::transformer_scratch_len`]).
    pub fn scratch_len(&self) -> usize {
        self.plan.scratch_len
    }

    /// RAM one prediction needs besides the blob (which stays in flash):
    /// the scratch, the input and output vectors, and this struct.
    pub fn ram_bytes(&self) -> usize {
        let values = self.scratch_len() + self.input_len() + self.output_len();
        values * size_of::<f32>() + size_of::<Self>()
    }

    /// Test metrics the trainer measured at export.
    pub fn metrics(&self) -> &ExportMetrics {
        &self.payload.metrics
    }

    /// Number of golden vectors.
    pub fn golden_count(&self) -> usize {
        self.payload.golden.count as usize
    }

    /// The golden vectors: each input with the output this blob must give.
    pub fn golden(&self) -> impl Iterator<Item = (F32Le<'a>, F32Le<'a>)> + 'a {
        let golden = self.payload.golden;
        let inputs = golden.inputs.chunks_exact((self.input_len() * 4).max(1));
        let outputs = golden.outputs.chunks_exact((self.output_len() * 4).max(1));
        inputs
            .zip(outputs)
            .filter_map(|(x, y)| Some((F32Le::new(x)?, F32Le::new(y)?)))
    }

    /// Scratch values [`Model::check_golden`] needs.
    pub fn golden_scratch_len(&self) -> usize {
        self.input_len() + self.output_len() + self.scratch_len()
    }

    /// Runs every golden vector and compares the output bit for bit.
    pub fn check_golden(&self, scratch: &mut [f32]) -> Result<(), Error> {
        let needed = self.golden_scratch_len();
        if scratch.len() < needed {
            return Err(Error::ScratchTooSmall {
                needed,
                got: scratch.len(),
            });
        }
        let (x, rest) = scratch::carve(scratch, self.input_len())?;
        let (y, rest) = scratch::carve(rest, self.output_len())?;
        for (vector, (input, expected)) in self.golden().enumerate() {
            input.copy_to(x);
            self.predict(x, y, rest)?;
            if let Some(index) = y.iter().zip(expected.iter()).position(|(got, want)| {
                keep_rolled();
                got.to_bits() != want.to_bits()
            }) {
                return Err(Error::GoldenMismatch { vector, index });
            }
        }
        Ok(())
    }

    /// Runs the model on one input vector (laid out as [`Model::io`]'s
    /// input) into `output`, using `scratch` (at least
    /// [`Model::scratch_len`] values) as working memory. Fails only on
    /// wrong lengths, a NaN or infinite input, or a non-finite result;
    /// never allocates, never panics.
    pub fn predict(
        &self,
        input: &[f32],
        output: &mut [f32],
        scratch: &mut [f32],
    ) -> Result<(), Error> {
        if input.len() != self.input_len() {
            return Err(Error::InputLength {
                expected: self.input_len(),
                got: input.len(),
            });
        }
        if output.len() != self.output_len() {
            return Err(Error::OutputLength {
                expected: self.output_len(),
                got: output.len(),
            });
        }
        let got = scratch.len();
        let scratch = scratch
            .get_mut(..self.scratch_len())
            .ok_or(Error::ScratchTooSmall {
                needed: self.scratch_len(),
                got,
            })?;
        if let Some(index) = first_non_finite(input) {
            return Err(Error::NonFiniteInput { index });
        }
        let p = &self.payload;
        match &p.architecture {
            Architecture::Mlp { activation, widths } => {
                mlp::forward(p, *activation, widths, input, output, scratch).ok_or(INCONSISTENT)?;
            }
            &Architecture::Transformer {
                d_model,
                heads,
                d_ff,
                blocks,
                activation,
                entity_embedding,
            } => {
                let dims = Dims {
                    tokens: p.io.input.entities(),
                    d_model: d_model as usize,
                    heads: heads as usize,
                    d_ff: d_ff as usize,
                    blocks: blocks as usize,
                    activation,
                    entity_embedding,
                };
                transformer::forward(p, &dims, input, output, scratch).ok_or(INCONSISTENT)?;
            }
        }
        match first_non_finite(output) {
            Some(index) => Err(Error::NonFiniteOutput { index }),
            None => Ok(()),
        }
    }

    /// The decoded payload (for tools that print or re-encode a blob).
    pub fn payload(&self) -> &Payload<'a> {
        &self.payload
    }
}

/// The index of the first NaN or infinity in `values`.
fn first_non_finite(values: &[f32]) -> Option<usize> {
    values.iter().position(|v| {
        keep_rolled();
        !v.is_finite()
    })
}

/// A summary: the weights themselves would print as bytes.
impl core::fmt::Debug for Model<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Model")
            .field("task", &self.task())
            .field("group", self.group())
            .field("io", self.io())
            .field("normalization", self.normalization())
            .field("quant", &self.quant())
            .field("architecture", self.architecture())
            .field("parameters", &self.parameter_count())
            .field("tensor_bytes", &self.tensor_bytes())
            .field("golden_vectors", &self.golden_count())
            .field("metrics", self.metrics())
            .field("scratch_len", &self.scratch_len())
            .finish()
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for Model<'_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "Model {{ task: {=str}, quant: {}, architecture: {}, parameters: {=usize}, scratch: {=usize} }}",
            self.task(),
            self.quant(),
            self.architecture(),
            self.parameter_count(),
            self.scratch_len()
        )
    }
}
