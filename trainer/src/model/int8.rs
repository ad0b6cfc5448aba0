//! Quantization-aware training: dense layers whose forward pass sees their
//! weights as the int8 export stores them (per output channel, `s =
//! max|w| / 127`, `q = round(w / s)` clamped to ±127, weight `q · s`),
//! while the gradient reaches the f32 weights unchanged (the
//! straight-through estimator). Halves round to the even level on both
//! sides (burn-ndarray's `round`, the export's `quantize_row`): in a layer of
//! 680 × 680 a few weights do sit exactly halfway after training. burn-cuda's
//! rounding of halves has not been checked.

use burn::nn::Linear;
use burn::nn::attention::MultiHeadAttention;
use burn::prelude::*;

/// `layer` on `x`, with int8-rounded weights when `qat`.
pub fn dense<B: Backend, const D: usize>(
    layer: &Linear<B>,
    x: Tensor<B, D>,
    qat: bool,
) -> Tensor<B, D> {
    if qat {
        linear(layer, x)
    } else {
        layer.forward(x)
    }
}

/// Self-attention as burn's `MultiHeadAttention::forward` computes it (no
/// masks, no dropout), with its four projections int8-rounded.
pub fn self_attention<B: Backend>(mha: &MultiHeadAttention<B>, x: Tensor<B, 3>) -> Tensor<B, 3> {
    let [batch, tokens, d_model] = x.dims();
    let heads = |y: Tensor<B, 3>| {
        y.reshape([batch, tokens, mha.n_heads, mha.d_k])
            .swap_dims(1, 2)
    };
    let query = heads(linear(&mha.query, x.clone()));
    let key = heads(linear(&mha.key, x.clone()));
    let value = heads(linear(&mha.value, x));
    let scores = query
        .matmul(key.transpose())
        .div_scalar((mha.d_k as f32).sqrt());
    let weights = burn::tensor::activation::softmax(scores, 3);
    let context = weights
        .matmul(value)
        .swap_dims(1, 2)
        .reshape([batch, tokens, d_model]);
    linear(&mha.output, context)
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
