//! Softmax of x / d over the last axis (attention's scaled scores),
//! exp((x − max) / d) / Σ per row, with y ⊙ (g − ⟨g, y⟩) / d per row as
//! its backward.

use burn::backend::flex::FlexTensor;
use burn::prelude::*;
use burn::tensor::{TensorMetadata, TensorPrimitive};

use super::math::{exp, max, sum_by, sum_zip};
use super::primitive::{Primitive, classify, from_values, same_type};
use super::unary_op::tracked;
use super::widest::widest;

/// Softmax of `x / divisor` over the last axis: burn's
/// `activation::softmax(x.div_scalar(divisor), D - 1)`, one pass each way
/// on burn-flex.
pub fn softmax_last<B: Backend, const D: usize>(x: Tensor<B, D>, divisor: f32) -> Tensor<B, D> {
    let y = match classify::<B>(x.into_primitive().tensor()) {
        Primitive::Autodiff(x) => same_type(tracked(
            x,
            |x| {
                let y = forward(x.clone(), divisor);
                (y.clone(), (y, divisor))
            },
            |(y, divisor), g| backward(y, *divisor, &g),
        )),
        Primitive::Flex(x) => same_type(forward(x, divisor)),
        Primitive::Other(x) => B::softmax(B::float_div_scalar(x, divisor.into()), D - 1),
    };
    Tensor::from_primitive(TensorPrimitive::Float(y))
}

fn forward(x: FlexTensor, divisor: f32) -> FlexTensor {
    let x = x.to_contiguous();
    let row = x.shape()[x.shape().num_dims() - 1];
    let y = widest(
        #[inline(always)]
        || forward_rows(x.storage::<f32>(), row, divisor),
    );
    from_values(y, &x)
}

fn backward(y: &FlexTensor, divisor: f32, grad: &FlexTensor) -> FlexTensor {
    let grad = grad.to_contiguous();
    let row = y.shape()[y.shape().num_dims() - 1];
    let dx = widest(
        #[inline(always)]
        || backward_rows(y.storage::<f32>(), grad.storage::<f32>(), row, divisor),
    );
    from_values(dx, y)
}

/// Per row, exp((x − max) / d) normalised. The exponentials run as one
/// loop over every element: attention's rows (one per token) are shorter
/// than two AVX-512 vectors, and a loop per row would spend most of its
/// time in its scalar remainder.
#[inline(always)]
fn forward_rows(x: &[f32], row: usize, divisor: f32) -> Vec<f32> {
    let mut y = vec![0.0f32; x.len()];
    for (y, x) in y.chunks_exact_mut(row).zip(x.chunks_exact(row)) {
        let max = max(x);
        for (y, &x) in y.iter_mut().zip(x) {
            *y = (x - max) / divisor;
        }
    }
    y.iter_mut().for_each(|v| *v = exp(*v));
    for y in y.chunks_exact_mut(row) {
        let scale = 1.0 / sum_by(y, |v| v);
        y.iter_mut().for_each(|v| *v *= scale);
    }
    y
}

#[inline(always)]
fn backward_rows(y: &[f32], grad: &[f32], row: usize, divisor: f32) -> Vec<f32> {
    let mut dx = vec![0.0f32; y.len()];
    let rows = y.chunks_exact(row).zip(grad.chunks_exact(row));
    for (dx, (y, g)) in dx.chunks_exact_mut(row).zip(rows) {
        let dot = sum_zip(y, g, |y, g| y * g);
        for ((dx, &y), &g) in dx.iter_mut().zip(y).zip(g) {
            *dx = y * (g - dot) / divisor;
        }
    }
    dx
}

#[cfg(test)]
mod tests {
    use burn::backend::{Autodiff, Flex, NdArray};
    use burn::prelude::*;
    use burn::tensor::{Distribution, Tolerance};

    use super::super::same_op::assert_same_op;
    use super::super::widest::bits;

    type Ad = Autodiff<Flex>;

    fn input<B: Backend>() -> Tensor<B, 4> {
        let d = Default::default();
        Tensor::<B, 4>::random([3, 4, 31, 31], Distribution::Normal(0.0, 3.0), &d)
    }

    #[test]
    fn matches_burns_softmax_forward_and_backward() {
        // A strided input, as attention scores can be.
        assert_same_op(
            input::<Flex>(),
            |x| super::softmax_last(x.swap_dims(2, 3), 4.0),
            |x| burn::tensor::activation::softmax(x.swap_dims(2, 3).div_scalar(4.0), 3),
            Tolerance::absolute(1e-6),
            Tolerance::absolute(1e-5),
        );
    }

    #[test]
    fn every_vector_width_computes_the_same_bits() {
        let x = input::<Flex>().into_primitive().tensor();
        let g = input::<Flex>().into_primitive().tensor();
        let y = super::forward(x.clone(), 3.0);
        let (values, grads) = (x.storage::<f32>(), g.storage::<f32>());
        assert_eq!(
            bits(y.storage::<f32>()),
            bits(&super::forward_rows(values, 31, 3.0))
        );
        let dx = super::backward(&y, 3.0, &g);
        let expected = super::backward_rows(y.storage::<f32>(), grads, 31, 3.0);
        assert_eq!(bits(dx.storage::<f32>()), bits(&expected));
    }

    #[test]
    fn evaluation_equals_training_forward_and_other_backends_use_burns_op() {
        let x = input::<Flex>();
        let trained = super::softmax_last(Tensor::<Ad, 4>::from_inner(x.clone()), 2.0);
        assert_eq!(
            super::softmax_last(x, 2.0).to_data(),
            trained.inner().to_data()
        );
        let on_ndarray = input::<NdArray>();
        let scaled = on_ndarray.clone().div_scalar(2.0);
        let expected = burn::tensor::activation::softmax(scaled, 3).to_data();
        assert_eq!(super::softmax_last(on_ndarray, 2.0).to_data(), expected);
    }
}
