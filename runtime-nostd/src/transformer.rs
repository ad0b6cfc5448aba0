//! The Transformer forward pass: entities as tokens, pre-norm blocks of
//! multi-head self-attention and a feed-forward part, a final norm and a
//! per-token head.

use crate::format::{Activation, Payload};
use crate::norm::layer_norm;
use crate::normalize::Frame;
use crate::tensors::TensorReader;
use crate::{activation, dense, kernels, scratch};

/// The Transformer's dimensions, as validated.
pub(crate) struct Dims {
    pub tokens: usize,
    pub d_model: usize,
    pub heads: usize,
    pub d_ff: usize,
    pub blocks: usize,
    pub activation: Activation,
    pub entity_embedding: bool,
}

/// Runs the Transformer on `x` into `y`; lengths are already checked.
/// `None` only if the blob and the scratch disagree with validation
/// (never expected): an `Option`, because carrying the crate's 24-byte
/// `Error` through every step cost 0.2 KB of flash (both passes).
pub(crate) fn forward(
    p: &Payload<'_>,
    dims: &Dims,
    x: &[f32],
    y: &mut [f32],
    scratch: &mut [f32],
) -> Option<()> {
    let (t, d) = (dims.tokens, dims.d_model);
    let (w_in, w_out) = (p.io.input.entity_width(), p.io.output.entity_width());
    let td = t.checked_mul(d)?;
    let (h, rest) = scratch.split_at_mut_checked(td)?;
    let (normed, rest) = rest.split_at_mut_checked(td)?;
    let (q, rest) = rest.split_at_mut_checked(td)?;
    let (k, rest) = rest.split_at_mut_checked(td)?;
    let (v, rest) = rest.split_at_mut_checked(td)?;
    let (scores, rest) = rest.split_at_mut_checked(t)?;
    let (token_in, rest) = rest.split_at_mut_checked(w_in.max(d))?;
    let (hidden, rest) = rest.split_at_mut_checked(dims.d_ff.max(d))?;
    let (token_out, rest) = rest.split_at_mut_checked(d)?;
    let activations = scratch::activations(rest)?;
    let token_in_x = token_in.get_mut(..w_in)?;

    // Embedding: h_t = Embed(x̂_t) + E_t.
    let mut reader = TensorReader::new(p.tensors, p.quant);
    let embed = reader.dense(w_in, d)?;
    let frame = Frame::of_input(&p.io.input, &p.normalization, x).ok()?;
    for (x_t, h_t) in x
        .chunks_exact(w_in.max(1))
        .zip(h.chunks_exact_mut(d.max(1)))
    {
        frame.normalize_entity(p.io.input.channels(), x_t, token_in_x);
        dense::forward(&embed, token_in_x, h_t, activations);
    }
    if dims.entity_embedding {
        let table = reader.f32s(td)?;
        for (h_v, e) in h.iter_mut().zip(table.iter()) {
            *h_v += e;
        }
    }

    let token_d = token_in.get_mut(..d)?;
    let hidden = hidden.get_mut(..dims.d_ff)?;
    for _ in 0..dims.blocks {
        let block = reader.block(d, dims.d_ff)?;

        // h = h + Wo · attention(LN1(h)).
        for (h_t, a_t) in h
            .chunks_exact(d.max(1))
            .zip(normed.chunks_exact_mut(d.max(1)))
        {
            layer_norm(h_t, &block.norm1, a_t);
        }
        // K head-major ([head][token][d_h]) and V transposed per head
        // ([head][d_h][token]): the rows of the two products below.
        let d_h = (d / dims.heads.max(1)).max(1);
        for (token, (a_t, q_t)) in normed
            .chunks_exact(d.max(1))
            .zip(q.chunks_exact_mut(d.max(1)))
            .enumerate()
        {
            let input = dense::prepare(a_t, activations, p.quant);
            dense::apply(&block.query, &input, q_t);
            dense::apply(&block.key, &input, token_out);
            let key_rows = k
                .chunks_exact_mut((t * d_h).max(1))
                .filter_map(|h| h.chunks_exact_mut(d_h).nth(token));
            for (row, k_ti) in key_rows.zip(token_out.chunks_exact(d_h)) {
                row.copy_from_slice(k_ti);
            }
            dense::apply(&block.value, &input, token_out);
            let value_slots = v
                .chunks_exact_mut(t.max(1))
                .filter_map(|c| c.get_mut(token));
            for (slot, value) in value_slots.zip(token_out.iter()) {
                *slot = *value;
            }
        }
        // The normalized tokens are used up: the context goes in their place.
        attention(q, k, v, normed, scores, d, dims.heads);
        for (ctx_t, h_t) in normed
            .chunks_exact(d.max(1))
            .zip(h.chunks_exact_mut(d.max(1)))
        {
            dense::forward(&block.output, ctx_t, token_out, activations);
            add(h_t, token_out);
        }

        // h = h + FF2(act(FF1(LN2(h)))).
        for h_t in h.chunks_exact_mut(d.max(1)) {
            layer_norm(h_t, &block.norm2, token_d);
            dense::forward(&block.ff1, token_d, hidden, activations);
            activation::apply(dims.activation, hidden);
            dense::forward(&block.ff2, hidden, token_out, activations);
            add(h_t, token_out);
        }
    }

    // ŷ_t = Head(LN_f(h_t)), then back to the caller's frame.
    let final_norm = reader.norm(d)?;
    let head = reader.dense(d, w_out)?;
    for (h_t, y_t) in h
        .chunks_exact(d.max(1))
        .zip(y.chunks_exact_mut(w_out.max(1)))
    {
        layer_norm(h_t, &final_norm, token_d);
        dense::forward(&head, token_d, y_t, activations);
        frame.denormalize_entity(p.io.output.channels(), y_t);
    }
    Some(())
}

fn add(acc: &mut [f32], values: &[f32]) {
    for (a, v) in acc.iter_mut().zip(values) {
        *a += v;
    }
}

/// Multi-head self-attention: for every token t and head i (channels
/// `[i·d_h, (i+1)·d_h)`), `ctx_t = Σ_j softmax_j(q_t·k_j / √d_h) v_j`, in
/// the trainer's order: both products as its matrix multiplies
/// ([`kernels::dot_rows_f32_f32`]), the softmax's sum as its reductions.
/// `k` is head-major, `[head][token][d_h]`; `v` transposed per head,
/// `[head][d_h][token]`.
fn attention(
    q: &[f32],
    k: &[f32],
    v: &[f32],
    context: &mut [f32],
    scores: &mut [f32],
    d: usize,
    heads: usize,
) {
    let d_h = (d / heads.max(1)).max(1);
    let per_head = (scores.len() * d_h).max(1);
    let sqrt_d_h = crate::float::sqrt(d_h as f32);
    for (q_t, ctx_t) in q
        .chunks_exact(d.max(1))
        .zip(context.chunks_exact_mut(d.max(1)))
    {
        let heads = q_t
            .chunks_exact(d_h)
            .zip(ctx_t.chunks_exact_mut(d_h))
            .zip(k.chunks_exact(per_head).zip(v.chunks_exact(per_head)));
        for ((q_ti, ctx_ti), (k_i, v_i)) in heads {
            kernels::dot_rows_f32_f32(k_i, q_ti, scores);
            let mut max = f32::NEG_INFINITY;
            for s in scores.iter_mut() {
                *s /= sqrt_d_h;
                // A comparison, where `f32::max` is a library call on a
                // Cortex-M4F; the same result (a NaN score is skipped by both).
                if *s > max {
                    max = *s;
                }
            }
            for s in scores.iter_mut() {
                *s = libm::expf(*s - max);
            }
            let sum = kernels::sum_f32(scores);
            for s in scores.iter_mut() {
                *s /= sum;
            }
            kernels::dot_rows_f32_f32(v_i, scores, ctx_ti);
        }
    }
}
