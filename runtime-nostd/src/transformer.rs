//! The Transformer forward pass: entities as tokens, pre-norm blocks of
//! multi-head self-attention and a feed-forward part, a final norm and a
//! per-token head.

use crate::format::{Activation, Payload};
use crate::norm::layer_norm;
use crate::normalize::Frame;
use crate::tensors::TensorReader;
use crate::{Error, activation, dense, scratch};

/// Tensor data ran out although validation passed: never expected.
const INCONSISTENT: Error = Error::invalid("tensor data does not match the architecture");

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
pub(crate) fn forward(
    p: &Payload<'_>,
    dims: &Dims,
    x: &[f32],
    y: &mut [f32],
    scratch: &mut [f32],
) -> Result<(), Error> {
    let (t, d) = (dims.tokens, dims.d_model);
    let (w_in, w_out) = (p.io.input.entity_width(), p.io.output.entity_width());
    let td = t.checked_mul(d).ok_or(INCONSISTENT)?;
    let (h, rest) = scratch::carve(scratch, td)?;
    let (normed, rest) = scratch::carve(rest, td)?;
    let (q, rest) = scratch::carve(rest, td)?;
    let (k, rest) = scratch::carve(rest, td)?;
    let (v, rest) = scratch::carve(rest, td)?;
    let (scores, rest) = scratch::carve(rest, t)?;
    let (token_in, rest) = scratch::carve(rest, w_in.max(d))?;
    let (hidden, rest) = scratch::carve(rest, dims.d_ff.max(d))?;
    let (token_out, rest) = scratch::carve(rest, d)?;
    let activations = scratch::activations(rest)?;
    let token_in_x = token_in.get_mut(..w_in).ok_or(INCONSISTENT)?;

    // Embedding: h_t = Embed(x̂_t) + E_t.
    let mut reader = TensorReader::new(p.tensors, p.quant);
    let embed = reader.dense(w_in, d).ok_or(INCONSISTENT)?;
    let frame = Frame::of_input(&p.io.input, &p.normalization, x)?;
    for (x_t, h_t) in x
        .chunks_exact(w_in.max(1))
        .zip(h.chunks_exact_mut(d.max(1)))
    {
        frame.normalize_entity(p.io.input.channels(), x_t, token_in_x);
        dense::forward(&embed, token_in_x, h_t, activations);
    }
    if dims.entity_embedding {
        let table = reader.f32s(td).ok_or(INCONSISTENT)?;
        for (h_v, e) in h.iter_mut().zip(table.iter()) {
            *h_v += e;
        }
    }

    let token_d = token_in.get_mut(..d).ok_or(INCONSISTENT)?;
    let hidden = hidden.get_mut(..dims.d_ff).ok_or(INCONSISTENT)?;
    for _ in 0..dims.blocks {
        let block = reader.block(d, dims.d_ff).ok_or(INCONSISTENT)?;

        // h = h + Wo · attention(LN1(h)).
        for (h_t, a_t) in h
            .chunks_exact(d.max(1))
            .zip(normed.chunks_exact_mut(d.max(1)))
        {
            layer_norm(h_t, &block.norm1, a_t);
        }
        let projections = q
            .chunks_exact_mut(d.max(1))
            .zip(k.chunks_exact_mut(d.max(1)))
            .zip(v.chunks_exact_mut(d.max(1)));
        for (a_t, ((q_t, k_t), v_t)) in normed.chunks_exact(d.max(1)).zip(projections) {
            let input = dense::prepare(a_t, activations, p.quant);
            dense::apply(&block.query, &input, q_t);
            dense::apply(&block.key, &input, k_t);
            dense::apply(&block.value, &input, v_t);
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
    let final_norm = reader.norm(d).ok_or(INCONSISTENT)?;
    let head = reader.dense(d, w_out).ok_or(INCONSISTENT)?;
    for (h_t, y_t) in h
        .chunks_exact(d.max(1))
        .zip(y.chunks_exact_mut(w_out.max(1)))
    {
        layer_norm(h_t, &final_norm, token_d);
        dense::forward(&head, token_d, y_t, activations);
        frame.denormalize_entity(p.io.output.channels(), y_t);
    }
    Ok(())
}

fn add(acc: &mut [f32], values: &[f32]) {
    for (a, v) in acc.iter_mut().zip(values) {
        *a += v;
    }
}

/// Multi-head self-attention: for every token t and head i (channels
/// `[i·d_h, (i+1)·d_h)`), `ctx_t = Σ_j softmax_j(q_t·k_j / √d_h) v_j`.
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
    let sqrt_d_h = crate::float::sqrt(d_h as f32);
    for (q_t, ctx_t) in q
        .chunks_exact(d.max(1))
        .zip(context.chunks_exact_mut(d.max(1)))
    {
        for (head, (q_ti, ctx_ti)) in q_t
            .chunks_exact(d_h)
            .zip(ctx_t.chunks_exact_mut(d_h))
            .enumerate()
        {
            let channels = head * d_h..(head + 1) * d_h;
            let mut max = f32::NEG_INFINITY;
            for (s, k_j) in scores.iter_mut().zip(k.chunks_exact(d.max(1))) {
                let k_ji = k_j.get(channels.clone()).unwrap_or(&[]);
                *s = dot(q_ti, k_ji) / sqrt_d_h;
                // A comparison, where `f32::max` is a library call on a
                // Cortex-M4F; the same result (a NaN score is skipped by both).
                if *s > max {
                    max = *s;
                }
            }
            let mut sum = 0.0f32;
            for s in scores.iter_mut() {
                *s = libm::expf(*s - max);
                sum += *s;
            }
            ctx_ti.fill(0.0);
            for (s, v_j) in scores.iter().zip(v.chunks_exact(d.max(1))) {
                let weight = s / sum;
                let v_ji = v_j.get(channels.clone()).unwrap_or(&[]);
                for (c, value) in ctx_ti.iter_mut().zip(v_ji) {
                    *c += weight * value;
                }
            }
        }
    }
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}
