//! Typed views of the weights inside the blob, read in storage order.
//!
//! Nothing is copied: every view borrows the blob's bytes and decodes
//! little-endian values as it goes, so the blob may sit at any address.

use crate::format::{Quant, int8_row_stride};

/// A run of little-endian f32 values borrowed from a blob.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct F32Le<'a>(&'a [[u8; 4]]);

impl<'a> F32Le<'a> {
    /// A view of `bytes`, or `None` when the length is not a multiple of 4.
    pub fn new(bytes: &'a [u8]) -> Option<Self> {
        let (values, rest) = bytes.as_chunks::<4>();
        rest.is_empty().then_some(Self(values))
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no values.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The values in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = f32> + 'a {
        self.0.iter().map(|b| f32::from_le_bytes(*b))
    }

    /// Copies the values into `out` (as many as fit). Out of line, like
    /// [`F32Le::all_finite`]: cold, and unrolled at every call site.
    #[inline(never)]
    pub fn copy_to(&self, out: &mut [f32]) {
        for (o, v) in out.iter_mut().zip(self.iter()) {
            crate::arch::keep_rolled();
            *o = v;
        }
    }

    /// Whether every value is finite. Out of line: validation calls it for
    /// every tensor, and each inlined copy would be unrolled.
    #[inline(never)]
    pub fn all_finite(&self) -> bool {
        self.iter().all(|v| {
            crate::arch::keep_rolled();
            v.is_finite()
        })
    }

    /// The raw 4-byte groups.
    pub(crate) fn raw(&self) -> &'a [[u8; 4]] {
        self.0
    }
}

/// The weight matrix of a dense layer, `[outputs][inputs]`.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Weights<'a> {
    /// f32, rows of `inputs` values.
    F32(F32Le<'a>),
    /// int8 rows of `stride` bytes (`inputs` rounded up to 4, zero padded),
    /// and one f32 scale per row.
    Int8 {
        rows: &'a [u8],
        stride: usize,
        scales: F32Le<'a>,
    },
}

/// One dense layer `y = W x + b`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Dense<'a> {
    pub inputs: usize,
    pub weights: Weights<'a>,
    pub bias: F32Le<'a>,
}

/// One layer norm's parameters.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Norm<'a> {
    pub gamma: F32Le<'a>,
    pub beta: F32Le<'a>,
    pub eps: f32,
}

/// Reads views off the tensor bytes in storage order. Every read checks
/// the remaining length, so a short blob gives `None`, never a panic.
pub(crate) struct TensorReader<'a> {
    rest: &'a [u8],
    quant: Quant,
}

impl<'a> TensorReader<'a> {
    pub fn new(tensors: &'a [u8], quant: Quant) -> Self {
        Self {
            rest: tensors,
            quant,
        }
    }

    fn take(&mut self, bytes: usize) -> Option<&'a [u8]> {
        let (head, rest) = self.rest.split_at_checked(bytes)?;
        self.rest = rest;
        Some(head)
    }

    pub fn f32s(&mut self, count: usize) -> Option<F32Le<'a>> {
        F32Le::new(self.take(count.checked_mul(4)?)?)
    }

    /// Out of line: it would be inlined into every reader of a block.
    #[inline(never)]
    pub fn dense(&mut self, inputs: usize, outputs: usize) -> Option<Dense<'a>> {
        let weights = match self.quant {
            Quant::F32 => Weights::F32(self.f32s(inputs.checked_mul(outputs)?)?),
            Quant::Int8 => {
                let stride = int8_row_stride(inputs);
                let rows = self.take(stride.checked_mul(outputs)?)?;
                let scales = self.f32s(outputs)?;
                Weights::Int8 {
                    rows,
                    stride,
                    scales,
                }
            }
        };
        let bias = self.f32s(outputs)?;
        Some(Dense {
            inputs,
            weights,
            bias,
        })
    }

    /// Out of line, like [`TensorReader::dense`]: four call sites.
    #[inline(never)]
    pub fn norm(&mut self, width: usize) -> Option<Norm<'a>> {
        let gamma = self.f32s(width)?;
        let beta = self.f32s(width)?;
        let eps = self.f32s(1)?.iter().next()?;
        Some(Norm { gamma, beta, eps })
    }

    /// Whether every byte was read.
    pub fn is_done(&self) -> bool {
        self.rest.is_empty()
    }
}
