//! Layer norm over the last axis, y = (x − μ)/σ ⊙ γ + β, with its three
//! gradients in one pass backward. The forward is burn-flex's own fused
//! layer norm.

use burn::backend::Autodiff;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::flex::{Flex, FlexTensor};
use burn::nn::LayerNorm;
use burn::prelude::*;
use burn::tensor::ops::{FloatTensor, ModuleOps};
use burn::tensor::{TensorData, TensorPrimitive};

use super::math::{sum_by, sum_zip};
use super::primitive::{Primitive, classify, from_values, same_type};
use super::widest::widest;

/// `norm.forward(x)` for a layer norm built with `epsilon` (burn keeps its
/// epsilon private), with a one-pass backward on burn-flex.
pub fn layer_norm<B: Backend, const D: usize>(
    norm: &LayerNorm<B>,
    x: Tensor<B, D>,
    epsilon: f64,
) -> Tensor<B, D> {
    let Some(beta) = &norm.beta else {
        return norm.forward(x);
    };
    let gamma = norm.gamma.val().into_primitive().tensor();
    let beta = beta.val().into_primitive().tensor();
    let y = match classify::<B>(x.into_primitive().tensor()) {
        Primitive::Autodiff(x) => same_type(tracked(x, same_type(gamma), same_type(beta), epsilon)),
        Primitive::Flex(x) => same_type(forward(x, same_type(gamma), same_type(beta), epsilon)),
        Primitive::Other(x) => B::layer_norm(x, gamma, Some(beta), epsilon),
    };
    Tensor::from_primitive(TensorPrimitive::Float(y))
}

fn forward(x: FlexTensor, gamma: FlexTensor, beta: FlexTensor, epsilon: f64) -> FlexTensor {
    <Flex as ModuleOps<Flex>>::layer_norm(x, gamma, Some(beta), epsilon)
}

/// The gradients of x, γ and β from the output's: per row, with
/// x̂ = (x − μ)/σ and d = g ⊙ γ, dx = (d − mean(d) − x̂·mean(d ⊙ x̂)) / σ;
/// dγ = Σ g ⊙ x̂ and dβ = Σ g over the rows.
fn backward(
    x: &FlexTensor,
    gamma: &FlexTensor,
    epsilon: f64,
    grad: &FlexTensor,
) -> [FlexTensor; 3] {
    let (x_all, gamma, grad) = (
        x.to_contiguous(),
        gamma.to_contiguous(),
        grad.to_contiguous(),
    );
    let gamma = gamma.storage::<f32>();
    let width = gamma.len();
    let (x, grad) = (x_all.storage::<f32>(), grad.storage::<f32>());
    let (dx, dgamma, dbeta) = widest(
        #[inline(always)]
        || backward_rows(x, gamma, epsilon as f32, grad),
    );
    let per_channel = |v: Vec<f32>| FlexTensor::from_data(TensorData::new(v, [width]));
    [
        from_values(dx, &x_all),
        per_channel(dgamma),
        per_channel(dbeta),
    ]
}

/// [`backward`] on row-major values: (dx, dγ, dβ).
#[inline(always)]
fn backward_rows(
    x: &[f32],
    gamma: &[f32],
    epsilon: f32,
    grad: &[f32],
) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let width = gamma.len();
    let n = width as f32;
    let mut dx = vec![0.0f32; x.len()];
    let (mut dgamma, mut dbeta) = (vec![0.0f32; width], vec![0.0f32; width]);
    let (mut x_hat, mut d) = (vec![0.0f32; width], vec![0.0f32; width]);
    let rows = x.chunks_exact(width).zip(grad.chunks_exact(width));
    for (dx, (x, g)) in dx.chunks_exact_mut(width).zip(rows) {
        let mean = sum_by(x, |v| v) / n;
        let var = sum_by(x, |v| (v - mean) * (v - mean)) / n;
        let inv_sigma = 1.0 / (var + epsilon).sqrt();
        for (h, &v) in x_hat.iter_mut().zip(x) {
            *h = (v - mean) * inv_sigma;
        }
        for (((d, dg), db), ((&g, &h), &w)) in d
            .iter_mut()
            .zip(&mut dgamma)
            .zip(&mut dbeta)
            .zip(g.iter().zip(&x_hat).zip(gamma))
        {
            *d = g * w;
            *dg += g * h;
            *db += g;
        }
        let mean_d = sum_by(&d, |v| v) / n;
        let mean_dh = sum_zip(&d, &x_hat, |d, h| d * h) / n;
        for ((dx, &d), &h) in dx.iter_mut().zip(&d).zip(&x_hat) {
            *dx = (d - mean_d - h * mean_dh) * inv_sigma;
        }
    }
    (dx, dgamma, dbeta)
}

/// The autodiff node; its state is the input, γ and ε.
#[derive(Debug)]
struct LayerNormOp;

impl Backward<Flex, 3> for LayerNormOp {
    type State = (FlexTensor, FlexTensor, f64);

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let grad = grads.consume::<Flex>(&ops.node);
        let (x, gamma, epsilon) = ops.state;
        let gradients = backward(&x, &gamma, epsilon, &grad);
        for (parent, gradient) in ops.parents.into_iter().zip(gradients) {
            if let Some(parent) = parent {
                grads.register::<Flex>(parent.id, gradient);
            }
        }
    }
}

fn tracked(
    x: FloatTensor<Autodiff<Flex>>,
    gamma: FloatTensor<Autodiff<Flex>>,
    beta: FloatTensor<Autodiff<Flex>>,
    epsilon: f64,
) -> FloatTensor<Autodiff<Flex>> {
    let nodes = [x.node.clone(), gamma.node.clone(), beta.node.clone()];
    let op = LayerNormOp.prepare::<NoCheckpointing>(nodes);
    let y = forward(
        x.primitive.clone(),
        gamma.primitive.clone(),
        beta.primitive,
        epsilon,
    );
    match op.compute_bound().stateful() {
        OpsKind::Tracked(prep) => prep.finish((x.primitive, gamma.primitive, epsilon), y),
        OpsKind::UnTracked(prep) => prep.finish(y),
    }
}

#[cfg(test)]
mod tests {
    use burn::backend::{Autodiff, Flex, NdArray};
    use burn::module::{AutodiffModule, Param};
    use burn::nn::{LayerNorm, LayerNormConfig};
    use burn::prelude::*;
    use burn::tensor::{Distribution, Tolerance};

    use super::super::same_op::assert_same_op;
    use super::super::widest::bits;

    type Ad = Autodiff<Flex>;
    const EPS: f64 = 1e-5;

    fn norm<B: Backend>() -> LayerNorm<B> {
        let d = Default::default();
        let mut norm = LayerNormConfig::new(24).with_epsilon(EPS).init::<B>(&d);
        norm.gamma = Param::from_tensor(Tensor::random([24], Distribution::Normal(1.0, 0.5), &d));
        norm.beta = Some(Param::from_tensor(Tensor::random(
            [24],
            Distribution::Default,
            &d,
        )));
        norm
    }

    fn input<B: Backend>() -> Tensor<B, 3> {
        let d = Default::default();
        Tensor::<B, 3>::random([4, 31, 24], Distribution::Normal(0.5, 2.0), &d)
    }

    #[test]
    fn matches_burns_layer_norm_forward_and_backward() {
        let norm = norm::<Ad>();
        let (ours, theirs) = assert_same_op(
            input::<Flex>(),
            |x| super::layer_norm(&norm, x, EPS),
            |x| norm.forward(x),
            Tolerance::absolute(2e-6),
            Tolerance::rel_abs(1e-5, 2e-5),
        );
        let beta = norm.beta.as_ref().expect("the norm has a bias");
        let params = [
            (norm.gamma.grad(&ours), norm.gamma.grad(&theirs)),
            (beta.grad(&ours), beta.grad(&theirs)),
        ];
        for (a, b) in params {
            let (a, b) = (a.expect("a gradient"), b.expect("a gradient"));
            a.to_data()
                .assert_approx_eq::<f32>(&b.to_data(), Tolerance::rel_abs(1e-5, 2e-5));
        }
    }

    #[test]
    fn every_vector_width_computes_the_same_bits() {
        let d = Default::default();
        let [x, g] = [input::<Flex>(), input::<Flex>()].map(|t| t.into_primitive().tensor());
        let gamma = Tensor::<Flex, 1>::random([24], Distribution::Normal(1.0, 0.5), &d)
            .into_primitive()
            .tensor();
        let ours = super::backward(&x, &gamma, EPS, &g);
        let (dx, dgamma, dbeta) = super::backward_rows(
            x.storage::<f32>(),
            gamma.storage::<f32>(),
            EPS as f32,
            g.storage::<f32>(),
        );
        for (ours, scalar) in ours.iter().zip([dx, dgamma, dbeta]) {
            assert_eq!(bits(ours.storage::<f32>()), bits(&scalar));
        }
    }

    #[test]
    fn evaluation_equals_training_forward_and_other_backends_use_burns_op() {
        let x = input::<Flex>();
        let n = norm::<Ad>();
        let trained = super::layer_norm(&n, Tensor::from_inner(x.clone()), EPS);
        let evaluated = super::layer_norm(&n.valid(), x, EPS);
        assert_eq!(evaluated.to_data(), trained.inner().to_data());
        let (n, x) = (norm::<NdArray>(), input::<NdArray>());
        assert_eq!(
            super::layer_norm(&n, x.clone(), EPS).to_data(),
            n.forward(x).to_data()
        );
    }
}
