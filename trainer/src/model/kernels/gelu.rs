//! The exact GELU, x·Φ(x), with its derivative Φ(x) + x·φ(x) as its
//! backward: one pass each way.

use burn::backend::flex::FlexTensor;
use burn::prelude::*;
use burn::tensor::TensorPrimitive;

use super::math::normal_cdf_pdf;
use super::primitive::{Primitive, classify, map, same_type, zip_map};
use super::unary_op::tracked;

/// GELU(x) = x·Φ(x), Φ the standard normal distribution: burn's
/// `activation::gelu`, fused on burn-flex.
pub fn gelu<B: Backend, const D: usize>(x: Tensor<B, D>) -> Tensor<B, D> {
    let y = match classify::<B>(x.into_primitive().tensor()) {
        Primitive::Autodiff(x) => same_type(tracked(
            x,
            |x| (forward(x), x.clone()),
            |x, g| backward(x, &g),
        )),
        Primitive::Flex(x) => same_type(forward(&x)),
        Primitive::Other(x) => B::gelu(x),
    };
    Tensor::from_primitive(TensorPrimitive::Float(y))
}

fn forward(x: &FlexTensor) -> FlexTensor {
    map(x, |x| x * normal_cdf_pdf(x).0)
}

fn backward(x: &FlexTensor, grad: &FlexTensor) -> FlexTensor {
    zip_map(x, grad, |x, g| {
        let (cdf, pdf) = normal_cdf_pdf(x);
        g * (cdf + x * pdf)
    })
}

#[cfg(test)]
mod tests {
    use burn::backend::{Autodiff, Flex, NdArray};
    use burn::prelude::*;
    use burn::tensor::{Distribution, Tolerance};

    use super::super::math::normal_cdf_pdf;
    use super::super::same_op::assert_same_op;
    use super::super::widest::bits;

    type Ad = Autodiff<Flex>;

    fn input<B: Backend>() -> Tensor<B, 3> {
        let d = Default::default();
        Tensor::<B, 3>::random([4, 31, 24], Distribution::Normal(0.0, 2.0), &d)
    }

    #[test]
    fn every_vector_width_computes_the_same_bits() {
        let [x, g] = [input::<Flex>(), input::<Flex>()].map(|t| t.into_primitive().tensor());
        let (xs, gs) = (x.storage::<f32>(), g.storage::<f32>());
        let forward: Vec<f32> = xs.iter().map(|&x| x * normal_cdf_pdf(x).0).collect();
        let backward: Vec<f32> = xs
            .iter()
            .zip(gs)
            .map(|(&x, &g)| {
                let (cdf, pdf) = normal_cdf_pdf(x);
                g * (cdf + x * pdf)
            })
            .collect();
        assert_eq!(bits(super::forward(&x).storage::<f32>()), bits(&forward));
        assert_eq!(
            bits(super::backward(&x, &g).storage::<f32>()),
            bits(&backward)
        );
    }

    #[test]
    fn matches_burns_gelu_forward_and_backward() {
        assert_same_op(
            input::<Flex>(),
            super::gelu,
            burn::tensor::activation::gelu,
            Tolerance::absolute(5e-7),
            Tolerance::absolute(2e-6),
        );
    }

    #[test]
    fn evaluation_equals_training_forward_and_other_backends_use_burns_op() {
        let x = input::<Flex>();
        let trained = super::gelu(Tensor::<Ad, 3>::from_inner(x.clone()));
        assert_eq!(super::gelu(x).to_data(), trained.inner().to_data());
        let on_ndarray = input::<NdArray>();
        let expected = burn::tensor::activation::gelu(on_ndarray.clone()).to_data();
        assert_eq!(super::gelu(on_ndarray).to_data(), expected);
    }
}
