//! Quantizing and laying out the weights in storage order.

use remul_runtime::Quant;
use remul_runtime::format::int8_row_stride;

use crate::spec::{ArchitectureSpec, DenseSpec, ModelSpec, NormSpec};

/// One weight row as int8 with its symmetric scale: `s = max|w| / 127`,
/// `q = round(w / s)` (halves to even, as burn and the trainer's
/// quantization-aware training round) clamped to ±127. A row whose scale would not be a
/// normal positive f32 (all zero, or tiny) gets `s = 1` and quantizes to
/// zeros. Deterministic: the same row always gives the same bytes.
///
/// ```
/// let (q, s) = remul_export::quantize_row(&[0.3, -1.0, 0.1]);
/// assert_eq!(q, [38, -127, 13]);
/// assert_eq!(s, 1.0 / 127.0);
/// // Halves go to the even level.
/// let (q, _) = remul_export::quantize_row(&[127.0, 2.5, -0.5, 3.5]);
/// assert_eq!(q, [127, 2, 0, 4]);
/// ```
pub fn quantize_row(row: &[f32]) -> (Vec<i8>, f32) {
    let max = row.iter().fold(0.0f32, |m, w| m.max(w.abs()));
    let scale = max / 127.0;
    let scale = if scale.is_normal() { scale } else { 1.0 };
    let q = row
        .iter()
        .map(|w| (w / scale).round_ties_even().clamp(-127.0, 127.0) as i8)
        .collect();
    (q, scale)
}

fn f32s<'v>(out: &mut Vec<u8>, values: impl IntoIterator<Item = &'v f32>) {
    for v in values {
        out.extend_from_slice(&v.to_le_bytes());
    }
}

fn dense(out: &mut Vec<u8>, layer: &DenseSpec, quant: Quant) {
    match quant {
        Quant::F32 => f32s(out, &layer.weight),
        Quant::Int8 => {
            let stride = int8_row_stride(layer.inputs);
            let mut scales = Vec::with_capacity(layer.outputs);
            for row in layer.weight.chunks_exact(layer.inputs.max(1)) {
                let (q, scale) = quantize_row(row);
                out.extend(q.iter().map(|&v| v as u8));
                out.resize(out.len() + (stride - layer.inputs), 0);
                scales.push(scale);
            }
            f32s(out, &scales);
        }
    }
    f32s(out, &layer.bias);
}

fn norm(out: &mut Vec<u8>, n: &NormSpec) {
    f32s(out, &n.gamma);
    f32s(out, &n.beta);
    f32s(out, [&n.eps]);
}

/// All tensors of a (shape-checked) spec, in the order `FORMAT.md` gives.
pub(crate) fn tensors(spec: &ModelSpec, quant: Quant) -> Vec<u8> {
    let mut out = Vec::new();
    match &spec.architecture {
        ArchitectureSpec::Mlp { layers, .. } => {
            for layer in layers {
                dense(&mut out, layer, quant);
            }
        }
        ArchitectureSpec::Transformer {
            embed,
            entity_embedding,
            blocks,
            final_norm,
            head,
            ..
        } => {
            dense(&mut out, embed, quant);
            if let Some(table) = entity_embedding {
                f32s(&mut out, table);
            }
            for b in blocks {
                norm(&mut out, &b.norm1);
                for layer in [&b.query, &b.key, &b.value, &b.output] {
                    dense(&mut out, layer, quant);
                }
                norm(&mut out, &b.norm2);
                dense(&mut out, &b.ff1, quant);
                dense(&mut out, &b.ff2, quant);
            }
            norm(&mut out, final_norm);
            dense(&mut out, head, quant);
        }
    }
    out
}
