//! The plain reference forward pass, straight from a [`ModelSpec`]: the
//! model semantics written out once more, independently of the runtime's
//! kernels, in f64 (so it is the more exact of the two).

use remul_group::Channel;
use remul_runtime::Activation;

use crate::Error;
use crate::spec::{ArchitectureSpec, DenseSpec, ModelSpec, NormSpec};

fn dense(layer: &DenseSpec, x: &[f64]) -> Vec<f64> {
    (0..layer.outputs)
        .map(|o| {
            let row = &layer.weight[o * layer.inputs..(o + 1) * layer.inputs];
            f64::from(layer.bias[o])
                + row
                    .iter()
                    .zip(x)
                    .map(|(&w, &v)| f64::from(w) * v)
                    .sum::<f64>()
        })
        .collect()
}

fn activate(activation: Activation, x: f64) -> f64 {
    match activation {
        Activation::Silu => x / (1.0 + (-x).exp()),
        Activation::Relu => x.max(0.0),
        Activation::Gelu => 0.5 * x * (1.0 + libm::erf(x / core::f64::consts::SQRT_2)),
    }
}

fn layer_norm(n: &NormSpec, x: &[f64]) -> Vec<f64> {
    let len = x.len() as f64;
    let mean = x.iter().sum::<f64>() / len;
    let var = x.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / len;
    let std = (var + f64::from(n.eps)).sqrt();
    x.iter()
        .zip(n.gamma.iter().zip(&n.beta))
        .map(|(v, (&g, &b))| (v - mean) / std * f64::from(g) + f64::from(b))
        .collect()
}

impl ModelSpec {
    /// The float model's output for one input: centring and scaling, the
    /// network, and back, computed in f64 and rounded to f32 at the end.
    pub fn forward_f32(&self, input: &[f32]) -> Result<Vec<f32>, Error> {
        self.checked_architecture()?;
        if self.normalization.canonical.is_some() {
            return Err(Error::invalid(
                "the reference forward pass has no canonical orientation",
            ));
        }
        let (layout_in, layout_out) = (&self.io.input, &self.io.output);
        if input.len() != layout_in.len() {
            return Err(Error::InputLength {
                expected: layout_in.len(),
                got: input.len(),
            });
        }
        let norm = &self.normalization;
        let center: [f64; 3] = match (norm.center, layout_in.centroid(input)?) {
            (true, Some(c)) => c.map(f64::from),
            _ => [0.0; 3],
        };
        let normalize = |entity: &[f32]| -> Vec<f64> {
            let mut out = Vec::with_capacity(entity.len());
            let mut at = 0;
            for &c in layout_in.channels() {
                for k in 0..c.width() {
                    let v = f64::from(entity[at + k]);
                    out.push(match c {
                        Channel::Position => (v - center[k]) / f64::from(norm.position_scale),
                        Channel::Vector => v / f64::from(norm.vector_scale),
                        Channel::Scalar => v / f64::from(norm.scalar_scale),
                    });
                }
                at += c.width();
            }
            out
        };
        let denormalize = |entity: &[f64]| -> Vec<f32> {
            let mut out = Vec::with_capacity(entity.len());
            let mut at = 0;
            for &c in layout_out.channels() {
                for k in 0..c.width() {
                    let v = entity[at + k];
                    out.push(match c {
                        Channel::Position => v * f64::from(norm.position_scale) + center[k],
                        Channel::Vector => v * f64::from(norm.vector_scale),
                        Channel::Scalar => v * f64::from(norm.scalar_scale),
                    } as f32);
                }
                at += c.width();
            }
            out
        };
        let entities: Vec<Vec<f64>> = input
            .chunks_exact(layout_in.entity_width())
            .map(normalize)
            .collect();

        let network_out: Vec<Vec<f64>> = match &self.architecture {
            ArchitectureSpec::Mlp { layers, activation } => {
                let mut h: Vec<f64> = entities.concat();
                for (i, layer) in layers.iter().enumerate() {
                    h = dense(layer, &h);
                    if i + 1 < layers.len() {
                        h.iter_mut().for_each(|v| *v = activate(*activation, *v));
                    }
                }
                h.chunks_exact(layout_out.entity_width())
                    .map(<[f64]>::to_vec)
                    .collect()
            }
            ArchitectureSpec::Transformer {
                d_model,
                heads,
                embed,
                entity_embedding,
                blocks,
                final_norm,
                head,
                ..
            } => {
                let (d, heads) = (*d_model, *heads);
                let d_h = d / heads;
                let mut h: Vec<Vec<f64>> = entities.iter().map(|x| dense(embed, x)).collect();
                if let Some(table) = entity_embedding {
                    for (t, token) in h.iter_mut().enumerate() {
                        for (c, v) in token.iter_mut().enumerate() {
                            *v += f64::from(table[t * d + c]);
                        }
                    }
                }
                for b in blocks {
                    let a: Vec<Vec<f64>> = h.iter().map(|x| layer_norm(&b.norm1, x)).collect();
                    let q: Vec<Vec<f64>> = a.iter().map(|x| dense(&b.query, x)).collect();
                    let k: Vec<Vec<f64>> = a.iter().map(|x| dense(&b.key, x)).collect();
                    let v: Vec<Vec<f64>> = a.iter().map(|x| dense(&b.value, x)).collect();
                    let tokens = h.len();
                    for t in 0..tokens {
                        let mut ctx = vec![0.0f64; d];
                        for i in 0..heads {
                            let ch = i * d_h..(i + 1) * d_h;
                            let scores: Vec<f64> = (0..tokens)
                                .map(|j| {
                                    q[t][ch.clone()]
                                        .iter()
                                        .zip(&k[j][ch.clone()])
                                        .map(|(x, y)| x * y)
                                        .sum::<f64>()
                                        / (d_h as f64).sqrt()
                                })
                                .collect();
                            let max = scores.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                            let exp: Vec<f64> = scores.iter().map(|s| (s - max).exp()).collect();
                            let sum: f64 = exp.iter().sum();
                            for (j, e) in exp.iter().enumerate() {
                                for c in ch.clone() {
                                    ctx[c] += e / sum * v[j][c];
                                }
                            }
                        }
                        let o = dense(&b.output, &ctx);
                        h[t].iter_mut().zip(o).for_each(|(x, y)| *x += y);
                    }
                    for token in h.iter_mut() {
                        let n = layer_norm(&b.norm2, token);
                        let mut f = dense(&b.ff1, &n);
                        f.iter_mut()
                            .for_each(|v| *v = activate(Activation::Gelu, *v));
                        let f = dense(&b.ff2, &f);
                        token.iter_mut().zip(f).for_each(|(x, y)| *x += y);
                    }
                }
                h.iter()
                    .map(|x| dense(head, &layer_norm(final_norm, x)))
                    .collect()
            }
        };
        Ok(network_out.iter().flat_map(|e| denormalize(e)).collect())
    }
}
