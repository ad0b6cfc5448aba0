//! The blob format: one definition, used by the runtime (reading) and by
//! `remul-export` (writing). `FORMAT.md` describes the bytes.
//!
//! A blob is a fixed 16-byte header followed by a postcard payload:
//!
//! | bytes | field |
//! |---|---|
//! | 0..4 | [`MAGIC`] |
//! | 4..6 | format version, `u16` little-endian ([`FORMAT_VERSION`]) |
//! | 6..8 | reserved, `0` |
//! | 8..12 | payload length in bytes, `u32` little-endian |
//! | 12..16 | CRC-32/ISO-HDLC of the payload, `u32` little-endian |
//! | 16.. | [`Payload`], postcard |
//!
//! The header is plain bytes rather than postcard so that the version can be
//! read (and a newer blob refused with a clear error) before decoding a
//! payload whose layout may have changed.

use remul_group::{CanonicalAxes, Group, IoLayout};
use serde::{Deserialize, Serialize};

use crate::Error;

/// The first four bytes of every blob.
pub const MAGIC: [u8; 4] = *b"RMUL";

/// The format version this runtime reads and `remul-export` writes. Any change to
/// the payload layout or to the meaning of a field bumps it.
pub const FORMAT_VERSION: u16 = 3;

/// Bytes before the payload.
pub const HEADER_LEN: usize = 16;

/// The most dense layers an MLP may have.
pub const MAX_MLP_LAYERS: usize = 16;

/// The most Transformer blocks a model may have.
pub const MAX_BLOCKS: usize = 64;

/// The widest any layer may be, in inputs or outputs. Bounding the fan-in
/// is what keeps the int8 kernel's i32 accumulator from overflowing (see
/// [`crate::kernels::activation_levels`]); at this width activations still
/// get 1023 levels per sign.
pub const MAX_WIDTH: usize = 16_384;

/// Bytes of one int8 row: `inputs` rounded up to a multiple of 4, so that
/// every row starts 4-byte aligned and a DSP kernel can load four weights
/// per word (see [`crate::kernels`] and `FORMAT.md`, "Tensors").
pub const fn int8_row_stride(inputs: usize) -> usize {
    inputs.saturating_add(3) & !3
}

/// CRC-32/ISO-HDLC of a payload, as stored in the header (the zlib / PNG
/// CRC32: reflected polynomial 0xEDB88320, initial and final XOR all ones).
///
/// ```
/// assert_eq!(remul_runtime::format::checksum(b"123456789"), 0xCBF4_3926);
/// ```
///
/// Four bits at a time, with a 64-byte table: the `crc` crate's byte table
/// costs a device sixteen times the flash, and a bit-by-bit loop makes
/// validation several times slower. The tests compare it with the `crc`
/// crate.
pub fn checksum(payload: &[u8]) -> u32 {
    let step = |crc: u32| (crc >> 4) ^ CRC_NIBBLE_TABLE[(crc & 0xF) as usize];
    let mut crc = !0u32;
    for &byte in payload {
        crate::arch::keep_rolled();
        crc = step(step(crc ^ u32::from(byte)));
    }
    !crc
}

/// The CRC register after shifting out the four bits `n`.
const CRC_NIBBLE_TABLE: [u32; 16] = {
    let mut table = [0u32; 16];
    let mut n = 0;
    while n < 16 {
        let mut crc = n as u32;
        let mut bit = 0;
        while bit < 4 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
            bit += 1;
        }
        table[n] = crc;
        n += 1;
    }
    table
};

/// The header for a payload: magic, [`FORMAT_VERSION`], length and CRC.
/// Returns `None` for a payload longer than `u32::MAX` bytes.
pub fn header(payload: &[u8]) -> Option<[u8; HEADER_LEN]> {
    let len = u32::try_from(payload.len()).ok()?;
    let mut out = [0u8; HEADER_LEN];
    let (magic, rest) = out.split_at_mut(4);
    magic.copy_from_slice(&MAGIC);
    let (version, rest) = rest.split_at_mut(2);
    version.copy_from_slice(&FORMAT_VERSION.to_le_bytes());
    let (_reserved, rest) = rest.split_at_mut(2);
    let (length, crc) = rest.split_at_mut(4);
    length.copy_from_slice(&len.to_le_bytes());
    crc.copy_from_slice(&checksum(payload).to_le_bytes());
    Some(out)
}

/// Checks the header and returns the payload it covers.
pub fn open(blob: &[u8]) -> Result<&[u8], Error> {
    let (header, payload) = blob.split_at_checked(HEADER_LEN).ok_or(Error::BlobLength {
        expected: HEADER_LEN,
        got: blob.len(),
    })?;
    let (magic, rest) = header.split_at(4);
    let word16 = |b: &[u8], at: usize| u16::from_le_bytes([b[at], b[at + 1]]);
    let word32 = |b: &[u8], at: usize| u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]);
    // As words: a slice comparison is a `memcmp` call.
    if word32(magic, 0) != u32::from_le_bytes(MAGIC) {
        return Err(Error::BadMagic);
    }
    let version = word16(rest, 0);
    if version != FORMAT_VERSION {
        return Err(Error::UnsupportedVersion {
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    if word16(rest, 2) != 0 {
        return Err(Error::invalid("reserved header field is not zero"));
    }
    let declared = word32(rest, 4) as usize;
    if declared != payload.len() {
        return Err(Error::BlobLength {
            expected: HEADER_LEN.saturating_add(declared),
            got: blob.len(),
        });
    }
    let expected = word32(rest, 8);
    let computed = checksum(payload);
    if expected != computed {
        return Err(Error::Checksum { expected, computed });
    }
    Ok(payload)
}

/// How the model's input is centred and scaled before the network, and its
/// output scaled back after it.
///
/// Input: positions `(p − c) / position_scale`, vectors `v / vector_scale`,
/// scalars `s / scalar_scale`, where `c` is the mean of all input position
/// channels (zero when `center` is false or there are none). Output:
/// positions `ŷ · position_scale + c`, vectors `ŷ · vector_scale`, scalars
/// `ŷ · scalar_scale`.
///
/// With `canonical` axes, positions and vectors are also turned by the
/// input's canonical rotation `R` on the way in (`R (p − c) / s`, `R v / s`)
/// and by `Rᵀ` on the way out, which makes the model exactly equivariant
/// ([`CanonicalAxes`]).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Normalization {
    /// Subtract the centroid of the input positions (and add it back).
    pub center: bool,
    /// Scale of position channels.
    pub position_scale: f32,
    /// Scale of vector channels.
    pub vector_scale: f32,
    /// Scale of scalar channels.
    pub scalar_scale: f32,
    /// Turn each input to the canonical orientation these axes read off it
    /// (and the output back). Absent from metrics written before it: none.
    #[serde(default)]
    pub canonical: Option<CanonicalAxes>,
    /// With `canonical` axes and a value other than 0: the network also
    /// reads the canonical rotation's nine entries (rows right, up,
    /// forward) times this, after the normalized input. They tell the
    /// model the input's orientation in the world (the data's headings),
    /// which it may use at the cost of exact equivariance. 0: not given;
    /// ignored without canonical axes; an MLP's only.
    #[serde(default)]
    pub orientation_input: f32,
}

impl Normalization {
    /// No centring, unit scales.
    pub const IDENTITY: Self = Self {
        center: false,
        position_scale: 1.0,
        vector_scale: 1.0,
        scalar_scale: 1.0,
        canonical: None,
        orientation_input: 0.0,
    };

    /// Values the network reads after the normalized input:
    /// [`ORIENTATION_VALUES`] with canonical axes and an
    /// `orientation_input`, none otherwise.
    pub fn orientation_len(&self) -> usize {
        if self.canonical.is_some() && self.orientation_input != 0.0 {
            ORIENTATION_VALUES
        } else {
            0
        }
    }
}

/// The entries of the canonical rotation an MLP with
/// [`Normalization::orientation_input`] reads after its input.
pub const ORIENTATION_VALUES: usize = 9;

/// The nonlinearity between dense layers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Activation {
    /// `x · sigmoid(x) = x / (1 + e^(−x))`.
    Silu,
    /// `max(x, 0)`.
    Relu,
    /// Exact GELU, `0.5 · x · (1 + erf(x / √2))`.
    Gelu,
}

/// How the dense weight matrices are stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Quant {
    /// int8 with one symmetric f32 scale per output row; f32 biases.
    Int8,
    /// Plain f32.
    F32,
}

/// The network's shape. The weights themselves are in [`Payload::tensors`],
/// in the order `FORMAT.md` gives.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Architecture {
    /// Dense layers `widths[i] → widths[i+1]` with `activation` after every
    /// layer but the last.
    Mlp {
        /// The nonlinearity between layers.
        activation: Activation,
        /// Input width, every hidden width, output width.
        widths: heapless::Vec<u32, { MAX_MLP_LAYERS + 1 }>,
    },
    /// A pre-norm Transformer encoder over the entities as tokens.
    Transformer {
        /// Token width `d`.
        d_model: u32,
        /// Attention heads; `d_model` is a multiple of it.
        heads: u32,
        /// Hidden width of the feed-forward part.
        d_ff: u32,
        /// Number of blocks.
        blocks: u32,
        /// The feed-forward nonlinearity (GELU in the trainer).
        activation: Activation,
        /// Whether a learned `[entities][d_model]` embedding is added to the tokens.
        entity_embedding: bool,
    },
}

/// Test metrics the trainer measured when it exported the blob
/// (informational: the runtime does not use them).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ExportMetrics {
    /// Test MSE of the f32 model.
    pub f32_mse: Option<f32>,
    /// Test MSE of the int8 model.
    pub int8_mse: Option<f32>,
    /// Equivariance error E (paper eq. 12) of the exported model.
    pub e: Option<f32>,
    /// Equivariance error E' (paper eq. 13) of the exported model.
    pub e_prime: Option<f32>,
    /// Test samples the numbers were measured on.
    pub samples: u32,
}

/// Inputs with the outputs this exact blob must give for them, as
/// little-endian f32, vector after vector.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Golden<'a> {
    /// Number of vectors.
    pub count: u32,
    /// `count × input_len` f32.
    #[serde(borrow)]
    pub inputs: &'a [u8],
    /// `count × output_len` f32.
    #[serde(borrow)]
    pub outputs: &'a [u8],
}

/// Everything after the header, in this field order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Payload<'a> {
    /// The task the model was trained for (`mocap`, `nbody`, …).
    #[serde(borrow)]
    pub task: &'a str,
    /// The group the model is (approximately) equivariant to.
    pub group: Group,
    /// Input and output layouts.
    pub io: IoLayout,
    /// Centring and scaling around the network.
    pub normalization: Normalization,
    /// How the dense weights are stored.
    pub quant: Quant,
    /// The network's shape.
    pub architecture: Architecture,
    /// Metrics measured at export.
    pub metrics: ExportMetrics,
    /// Golden vectors.
    #[serde(borrow)]
    pub golden: Golden<'a>,
    /// 0 to 3 zero bytes so that `tensors` starts 4-byte aligned relative to
    /// the blob start.
    #[serde(borrow)]
    pub padding: &'a [u8],
    /// All weights, in the order `FORMAT.md` gives. Last, so that its
    /// offset is known to the exporter.
    #[serde(borrow)]
    pub tensors: &'a [u8],
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    const REFERENCE: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);

    proptest! {
        #[test]
        fn checksum_is_the_crc_crates(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            prop_assert_eq!(super::checksum(&bytes), REFERENCE.checksum(&bytes));
        }
    }

    #[test]
    fn checksum_of_every_byte_value() {
        for byte in 0..=u8::MAX {
            assert_eq!(super::checksum(&[byte]), REFERENCE.checksum(&[byte]));
        }
        assert_eq!(super::checksum(&[]), 0);
    }
}
