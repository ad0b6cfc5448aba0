//! Quantization-aware training: dense layers whose forward pass sees their
//! weights as the int8 export stores them (per output channel, `s =
//! max|w| / 127`, `q = round(w / s)` clamped to ±127, weight `q · s`),
//! while the gradient reaches the f32 weights unchanged (the
//! straight-through estimator). Halves round to the even level on both
//! sides (burn-flex's and burn-ndarray's `round`, the export's
//! `quantize_row`): in a layer of 680 × 680 a few weights do sit exactly
//! halfway after training. burn-cuda's rounding of halves has not been
//! checked.

use burn::nn::Linear;
use burn::nn::attention::MultiHeadAttention;
use burn::prelude::*;

/// `layer` on `x`, with int8-rounded weights when `qat`. The leading
/// dimensions are flattened into rows first: on `[batch, tokens, width]`
/// burn's linear back-propagates to the weight as one outer product per
/// sample, then sums them, where one `[rows, width]` matrix needs a single
/// matrix product.
pub fn dense<B: Backend, const D: usize>(
    layer: &Linear<B>,
    x: Tensor<B, D>,
    qat: bool,
) -> Tensor<B, D> {
    let mut dims = x.dims();
    let width = dims[D - 1];
    let rows = dims[..D - 1].iter().product::<usize>();
    let x: Tensor<B, 2> = x.reshape([rows, width]);
    let y = if qat {
        linear(layer, x)
    } else {
        layer.forward(x)
    };
    dims[D - 1] = y.dims()[1];
    y.reshape(dims)
}

/// Self-attention as burn's `MultiHeadAttention::forward` computes it (no
/// masks, no dropout), its four projections through [`dense`] (int8-rounded
/// when `qat`).
pub fn self_attention<B: Backend>(
    mha: &MultiHeadAttention<B>,
    x: Tensor<B, 3>,
    qat: bool,
) -> Tensor<B, 3> {
    let heads = |y: Tensor<B, 3>| super::kernels::split_heads(y, mha.n_heads);
    let query = heads(dense(&mha.query, x.clone(), qat));
    let key = heads(dense(&mha.key, x.clone(), qat));
    let value = heads(dense(&mha.value, x, qat));
    let scores = query.matmul(key.transpose());
    let weights = super::kernels::softmax_last(scores, (mha.d_k as f32).sqrt());
    let context = super::kernels::merge_heads(weights.matmul(value));
    dense(&mha.output, context, qat)
}

/// `layer` applied to `x` with int8-rounded weights in the forward pass.
pub fn linear<B: Backend, const D: usize>(layer: &Linear<B>, x: Tensor<B, D>) -> Tensor<B, D> {
    let w = layer.weight.val(); // [inputs, outputs]: a runtime row is a column here
    let scale = w
        .clone()
        .detach()
        .abs()
        .max_dim(0)
        .div_scalar(127.0)
        .clamp_min(f32::MIN_POSITIVE);
    let rounded = w
        .clone()
        .detach()
        .div(scale.clone())
        .round()
        .clamp(-127.0, 127.0)
        .mul(scale);
    let w = w.clone() + (rounded - w).detach();
    burn::tensor::module::linear(x, w, layer.bias.as_ref().map(|b| b.val()))
}

#[cfg(test)]
mod tests {
    use burn::backend::{Autodiff, NdArray};
    use burn::nn::LinearConfig;
    use burn::tensor::TensorData;

    use super::*;

    type B = Autodiff<NdArray<f32>>;

    #[test]
    fn forward_uses_the_exported_int8_weights_and_gradients_pass_straight_through() {
        let device = Default::default();
        let layer: Linear<B> = LinearConfig::new(3, 2).init(&device);
        let x = Tensor::<B, 2>::from_data(
            TensorData::new(vec![0.5f32, -1.0, 2.0, 1.5, 0.25, -0.75], [2, 3]),
            &device,
        );

        // The weights as `remul_export::quantize_row` rounds each
        // output row (a column of burn's [inputs, outputs] matrix).
        let w = layer.weight.val().into_data().to_vec::<f32>().unwrap();
        let mut rounded = w.clone();
        for out in 0..2 {
            let row: Vec<f32> = (0..3).map(|i| w[i * 2 + out]).collect();
            let (q, scale) = remul_export::quantize_row(&row);
            for i in 0..3 {
                rounded[i * 2 + out] = f32::from(q[i]) * scale;
            }
        }
        assert_ne!(rounded, w);
        let expected = burn::tensor::module::linear(
            x.clone(),
            Tensor::from_data(TensorData::new(rounded, [3, 2]), &device),
            layer.bias.as_ref().map(|b| b.val()),
        );
        let y = linear(&layer, x.clone());
        let (y_v, e_v) = (
            y.clone().into_data().to_vec::<f32>().unwrap(),
            expected.into_data().to_vec::<f32>().unwrap(),
        );
        for (a, b) in y_v.iter().zip(&e_v) {
            assert!((a - b).abs() <= 1e-6, "{y_v:?} vs {e_v:?}");
        }

        // d(Σy)/dW is xᵀ·1 whatever the weights are, rounded or not.
        let grads = y.sum().backward();
        let g = layer
            .weight
            .grad(&grads)
            .unwrap()
            .into_data()
            .to_vec::<f32>()
            .unwrap();
        let plain = layer.forward(x).sum().backward();
        let g_plain = layer
            .weight
            .grad(&plain)
            .unwrap()
            .into_data()
            .to_vec::<f32>()
            .unwrap();
        assert_eq!(g, g_plain);
    }

    /// Flattening the tokens into rows changes how the weight's gradient is
    /// summed, not what the layer computes.
    #[test]
    fn dense_on_tokens_is_burns_linear() {
        let device = Default::default();
        let layer: Linear<B> = LinearConfig::new(4, 5).init(&device);
        let values: Vec<f32> = (0..24)
            .map(|i| ((i * 37 % 11) as f32 - 5.0) / 3.0)
            .collect();
        let x = Tensor::<B, 3>::from_data(TensorData::new(values, [2, 3, 4]), &device);
        let (ours, burns) = (dense(&layer, x.clone(), false), layer.forward(x));
        assert_eq!(ours.dims(), [2, 3, 5]);
        let close = |a: Vec<f32>, b: Vec<f32>| {
            a.iter()
                .zip(&b)
                .all(|(p, q)| (p - q).abs() <= 1e-5 * (1.0 + q.abs()))
        };
        let grad = |y: Tensor<B, 3>| {
            let grads = y.powi_scalar(2).sum().backward();
            let g = layer.weight.grad(&grads).unwrap();
            g.into_data().to_vec::<f32>().unwrap()
        };
        assert!(close(
            ours.clone().into_data().to_vec().unwrap(),
            burns.clone().into_data().to_vec().unwrap()
        ));
        assert!(close(grad(ours), grad(burns)));
    }

    /// Weights exactly halfway between two levels round as the export
    /// rounds them (to the even level), or a trained model and its blob
    /// would differ by a level there.
    #[test]
    fn halves_round_as_the_export_rounds_them() {
        let device = Default::default();
        // One output row (a column here): max 127, so s = 1 and w / s = w.
        let row = [127.0f32, 2.5, -0.5, 3.5, -6.5];
        let layer = Linear::<B> {
            weight: burn::module::Param::from_tensor(Tensor::from_data(
                TensorData::new(row.to_vec(), [5, 1]),
                &device,
            )),
            bias: None,
        };
        // x = e_i picks weight i out.
        let x = Tensor::<B, 2>::eye(5, &device);
        let y = linear(&layer, x).into_data().to_vec::<f32>().unwrap();
        let (q, scale) = remul_export::quantize_row(&row);
        let expected: Vec<f32> = q.iter().map(|&v| f32::from(v) * scale).collect();
        assert_eq!(y, expected);
        assert_eq!(y, [127.0, 2.0, -0.0, 4.0, -6.0]);
    }
}
