//! [`Payload::decode`]: the payload's postcard bytes, read field by field.
//!
//! Blobs are written by postcard (`remul-export`), and `Payload` keeps its
//! serde derives, but the runtime reads them here rather than through
//! postcard's deserializer: serde's generic visitors, inlined at opt-level
//! 3, make a Cortex-M4F runtime much larger than this reader does (the
//! one place where a well-kept crate costs a device more than it gives).
//! It accepts
//! exactly what postcard accepts (same varint limits, `bool` and `Option`
//! tags, UTF-8 check, `Layout` checks) and yields the same values:
//! `tests/decode.rs` and the fuzz target `decode_matches_postcard` compare
//! the two on every test blob and on random and corrupted payloads.

use remul_group::{CanonicalAxes, Channel, Group, IoLayout, Layout};

use crate::Error;
use crate::format::{
    Activation, Architecture, ExportMetrics, Golden, MAX_MLP_LAYERS, Normalization, Payload, Quant,
};

impl<'a> Payload<'a> {
    /// Decodes a payload (a blob's bytes after the header), borrowing its
    /// strings and tensors. Bytes left over are an error. It reads what
    /// `postcard::from_bytes` would, without serde's code on the device.
    ///
    /// ```
    /// use remul_runtime::format::{HEADER_LEN, Payload};
    /// # let blob = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/mlp-int8.bin")).unwrap();
    /// let payload = Payload::decode(&blob[HEADER_LEN..])?;
    /// assert_eq!(payload.quant, remul_runtime::Quant::Int8);
    /// # Ok::<(), remul_runtime::Error>(())
    /// ```
    pub fn decode(bytes: &'a [u8]) -> Result<Self, Error> {
        let mut r = Reader(bytes);
        let payload = fields(&mut r).ok_or(Error::Decode)?;
        if !r.0.is_empty() {
            return Err(Error::invalid("bytes after the payload"));
        }
        Ok(payload)
    }
}

/// The fields in wire order (a struct literal evaluates its fields in the
/// order written); `None` where the bytes are not a payload. An `Option`
/// rather than the crate's `Error` inside: a larger error carried through
/// every read costs flash at each of them.
fn fields<'a>(r: &mut Reader<'a>) -> Option<Payload<'a>> {
    let payload = Payload {
        task: r.str()?,
        group: r.group()?,
        io: IoLayout {
            input: r.layout()?,
            output: r.layout()?,
        },
        normalization: Normalization {
            center: r.bool()?,
            position_scale: r.f32()?,
            vector_scale: r.f32()?,
            scalar_scale: r.f32()?,
            canonical: r.canonical_axes()?,
            orientation_input: r.f32()?,
        },
        quant: match r.variant()? {
            0 => Quant::Int8,
            1 => Quant::F32,
            _ => return None,
        },
        architecture: r.architecture()?,
        metrics: ExportMetrics {
            f32_mse: r.option_f32()?,
            int8_mse: r.option_f32()?,
            e: r.option_f32()?,
            e_prime: r.option_f32()?,
            samples: r.u32()?,
        },
        golden: Golden {
            count: r.u32()?,
            inputs: r.bytes()?,
            outputs: r.bytes()?,
        },
        padding: r.bytes()?,
        tensors: r.bytes()?,
    };
    Some(payload)
}

/// The bytes not read yet.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = self.0.split_at_checked(n)?;
        self.0 = rest;
        Some(head)
    }

    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }

    /// A LEB128 varint of a `bits`-wide integer, as postcard reads it: at
    /// most `ceil(bits / 7)` bytes, and the last of that many may not carry
    /// bits beyond the width. Out of line: every field goes through it.
    #[inline(never)]
    fn varint(&mut self, bits: u32) -> Option<u64> {
        let max_bytes = bits.div_ceil(7);
        let mut value = 0u64;
        for i in 0..max_bytes {
            let b = self.byte()?;
            value |= u64::from(b & 0x7F) << (7 * i);
            if b & 0x80 == 0 {
                let last_allowed = (1u8 << (bits % 7)) - 1;
                if i + 1 == max_bytes && b > last_allowed {
                    return None;
                }
                return Some(value);
            }
        }
        None
    }

    fn u32(&mut self) -> Option<u32> {
        // At most 32 bits by the varint's own limit.
        self.varint(u32::BITS).map(|v| v as u32)
    }

    /// A length: postcard writes it as a `usize`, so its limit is the
    /// target's pointer width, as postcard's.
    fn len(&mut self) -> Option<usize> {
        let v = self.varint(usize::BITS)?;
        usize::try_from(v).ok()
    }

    /// An enum's variant index.
    fn variant(&mut self) -> Option<u32> {
        self.u32()
    }

    fn bool(&mut self) -> Option<bool> {
        match self.byte()? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }

    /// Out of line: a dozen fields are f32s, inlined each would cost flash.
    #[inline(never)]
    fn f32(&mut self) -> Option<f32> {
        let bytes = self.take(4)?.try_into().ok()?;
        Some(f32::from_le_bytes(bytes))
    }

    fn option_f32(&mut self) -> Option<Option<f32>> {
        match self.byte()? {
            0 => Some(None),
            1 => self.f32().map(Some),
            _ => None,
        }
    }

    fn canonical_axes(&mut self) -> Option<Option<CanonicalAxes>> {
        match self.byte()? {
            0 => Some(None),
            1 => Some(Some(CanonicalAxes {
                from: self.u32()?,
                to: self.u32()?,
            })),
            _ => None,
        }
    }

    fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = self.len()?;
        self.take(n)
    }

    fn str(&mut self) -> Option<&'a str> {
        core::str::from_utf8(self.bytes()?).ok()
    }

    fn activation(&mut self) -> Option<Activation> {
        match self.variant()? {
            0 => Some(Activation::Silu),
            1 => Some(Activation::Relu),
            2 => Some(Activation::Gelu),
            _ => None,
        }
    }

    /// The parameters are checked by validation, as after serde.
    fn group(&mut self) -> Option<Group> {
        match self.variant()? {
            0 => Some(Group::So3),
            1 => Some(Group::So2 {
                axis: [self.f32()?, self.f32()?, self.f32()?],
            }),
            2 => Some(Group::AngleRange {
                min: self.f32()?,
                max: self.f32()?,
            }),
            _ => None,
        }
    }

    /// `entities`, then the channels; checked by `Layout::new`, as serde's
    /// `try_from` does.
    fn layout(&mut self) -> Option<Layout> {
        let entities = self.u32()?;
        let mut channels = [Channel::Scalar; remul_group::MAX_CHANNELS];
        let count = self.len()?;
        // Past the capacity the values are still read (postcard too reads
        // one before it finds the list full) but not stored, and the count
        // is refused after the loop: an exit on a full list would let LLVM
        // unroll the loop to the capacity.
        for i in 0..count {
            let channel = match self.variant()? {
                0 => Channel::Scalar,
                1 => Channel::Vector,
                2 => Channel::Position,
                _ => return None,
            };
            if let Some(slot) = channels.get_mut(i) {
                *slot = channel;
            }
        }
        Layout::new(entities as usize, channels.get(..count)?).ok()
    }

    fn architecture(&mut self) -> Option<Architecture> {
        match self.variant()? {
            0 => {
                let activation = self.activation()?;
                let mut widths = heapless::Vec::<u32, { MAX_MLP_LAYERS + 1 }>::new();
                let count = self.len()?;
                // As the channels in `layout`.
                for _ in 0..count {
                    let width = self.u32()?;
                    let _stored = widths.push(width).is_ok();
                }
                if count > widths.capacity() {
                    return None;
                }
                Some(Architecture::Mlp { activation, widths })
            }
            1 => Some(Architecture::Transformer {
                d_model: self.u32()?,
                heads: self.u32()?,
                d_ff: self.u32()?,
                blocks: self.u32()?,
                activation: self.activation()?,
                entity_embedding: self.bool()?,
            }),
            _ => None,
        }
    }
}
