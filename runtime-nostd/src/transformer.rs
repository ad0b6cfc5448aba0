//! The Transformer forward pass: entities as tokens, pre-norm blocks of
//! multi-head self-attention and a feed-forward part, a final norm and a
//! per-token head.

use crate::arch::keep_rolled;
use crate::format::{Activation, Payload};
use crate::frame::Frame;
use crate::layer_norm::layer_norm;
use crate::matrix_rows::{row, row_mut};
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
/// (never expected): an `Option`, because carrying the crate's larger
/// `Error` through every step costs flash in both passes.
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
    for token in 0..t {
        frame.normalize_entity(p.io.input.channels(), row(x, token, w_in)?, token_in_x);
        dense::forward(&embed, token_in_x, row_mut(h, token, d)?, activations);
    }
    if dims.entity_embedding {
        let table = reader.f32s(td)?;
        for (h_v, e) in h.iter_mut().zip(table.iter()) {
            keep_rolled();
            *h_v += e;
        }
    }

    let token_d = token_in.get_mut(..d)?;
    let hidden = hidden.get_mut(..dims.d_ff)?;
    let heads = dims.heads;
    let d_h = d.checked_div(heads)?;
    for _ in 0..dims.blocks {
        // The block's tensors, in storage order (`FORMAT.md`).
        let norm1 = reader.norm(d)?;
        let query = reader.dense(d, d)?;
        let key = reader.dense(d, d)?;
        let value = reader.dense(d, d)?;
        let output = reader.dense(d, d)?;
        let norm2 = reader.norm(d)?;
        let ff1 = reader.dense(d, dims.d_ff)?;
        let ff2 = reader.dense(dims.d_ff, d)?;

        // h = h + Wo · attention(LN1(h)).
        for token in 0..t {
            layer_norm(row(h, token, d)?, &norm1, row_mut(normed, token, d)?);
        }
        // K head-major ([head][token][d_h]) and V transposed per head
        // ([head][d_h][token]): the rows of the two products below.
        for token in 0..t {
            let input = dense::prepare(row(normed, token, d)?, activations, p.quant);
            dense::apply(&query, &input, row_mut(q, token, d)?);
            dense::apply(&key, &input, token_out);
            for head in 0..heads {
                let key = row_mut(k, head.checked_mul(t)? + token, d_h)?;
                copy(row(token_out, head, d_h)?, key);
            }
            dense::apply(&value, &input, token_out);
            let mut at = token; // channel · t + token
            for value in token_out.iter() {
                keep_rolled();
                *v.get_mut(at)? = *value;
                at += t;
            }
        }
        // The normalized tokens are used up: the context goes in their place.
        attention(q, k, v, normed, scores, heads, d_h)?;
        for token in 0..t {
            dense::forward(&output, row(normed, token, d)?, token_out, activations);
            add(row_mut(h, token, d)?, token_out);
        }

        // h = h + FF2(act(FF1(LN2(h)))).
        for token in 0..t {
            let h_t = row_mut(h, token, d)?;
            layer_norm(h_t, &norm2, token_d);
            dense::forward(&ff1, token_d, hidden, activations);
            activation::apply(dims.activation, hidden);
            dense::forward(&ff2, hidden, token_out, activations);
            add(h_t, token_out);
        }
    }

    // ŷ_t = Head(LN_f(h_t)), then back to the caller's frame.
    let final_norm = reader.norm(d)?;
    let head = reader.dense(d, w_out)?;
    for token in 0..t {
        layer_norm(row(h, token, d)?, &final_norm, token_d);
        let y_t = row_mut(y, token, w_out)?;
        dense::forward(&head, token_d, y_t, activations);
        frame.denormalize_entity(p.io.output.channels(), y_t);
    }
    Some(())
}

fn add(acc: &mut [f32], values: &[f32]) {
    for (a, v) in acc.iter_mut().zip(values) {
        keep_rolled();
        *a += v;
    }
}

/// A loop, where `copy_from_slice` is a `memcpy` call for a handful of
/// values.
fn copy(from: &[f32], to: &mut [f32]) {
    for (t, f) in to.iter_mut().zip(from) {
        keep_rolled();
        *t = *f;
    }
}

/// Multi-head self-attention: for every token t and head i (channels
/// `[i·d_h, (i+1)·d_h)`), `ctx_t = Σ_j softmax_j(q_t·k_j / √d_h) v_j`, in
/// the trainer's order: both products as its matrix multiplies
/// ([`kernels::dot_rows_f32_f32`]), the softmax's sum as its reductions.
/// `k` is head-major, `[head][token][d_h]`; `v` transposed per head,
/// `[head][d_h][token]`; `scores` holds one per token.
fn attention(
    q: &[f32],
    k: &[f32],
    v: &[f32],
    context: &mut [f32],
    scores: &mut [f32],
    heads: usize,
    d_h: usize,
) -> Option<()> {
    let per_head = scores.len().checked_mul(d_h)?;
    let sqrt_d_h = crate::float::sqrt(d_h as f32);
    for token in 0..scores.len() {
        for head in 0..heads {
            let at = token.checked_mul(heads)? + head;
            kernels::dot_rows_f32_f32(row(k, head, per_head)?, row(q, at, d_h)?, scores);
            let mut max = f32::NEG_INFINITY;
            for s in scores.iter_mut() {
                keep_rolled();
                *s /= sqrt_d_h;
                // A comparison, where `f32::max` is a library call on a
                // Cortex-M4F; the same result (a NaN score is skipped by both).
                if *s > max {
                    max = *s;
                }
            }
            for s in scores.iter_mut() {
                *s = crate::float::exp(*s - max);
            }
            let sum = kernels::sum_f32(scores);
            for s in scores.iter_mut() {
                keep_rolled();
                *s /= sum;
            }
            kernels::dot_rows_f32_f32(row(v, head, per_head)?, scores, row_mut(context, at, d_h)?);
        }
    }
    Some(())
}
