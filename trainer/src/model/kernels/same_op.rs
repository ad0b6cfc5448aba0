//! The kernels' shared check: a fused op against burn's own, forward and
//! backward, on burn-flex under autodiff.

use burn::backend::autodiff::grads::Gradients;
use burn::backend::{Autodiff, Flex};
use burn::prelude::*;
use burn::tensor::{Distribution, Tolerance};

type Ad = Autodiff<Flex>;

/// Runs `ours` and `theirs` on `x`: their outputs must agree within
/// `forward`, and the gradients of Σ w ⊙ output (w random) with respect to
/// `x` within `backward`. Returns both gradient sets, ours first, for
/// checks on parameters.
pub(super) fn assert_same_op<const D: usize>(
    x: Tensor<Flex, D>,
    ours: impl Fn(Tensor<Ad, D>) -> Tensor<Ad, D>,
    theirs: impl Fn(Tensor<Ad, D>) -> Tensor<Ad, D>,
    forward: Tolerance<f32>,
    backward: Tolerance<f32>,
) -> (Gradients, Gradients) {
    let w = Tensor::<Ad, D>::random(x.shape(), Distribution::Default, &Default::default());
    let (a, b) = (
        Tensor::<Ad, D>::from_inner(x.clone()).require_grad(),
        Tensor::<Ad, D>::from_inner(x).require_grad(),
    );
    let (ya, yb) = (ours(a.clone()), theirs(b.clone()));
    ya.to_data().assert_approx_eq(&yb.to_data(), forward);
    let (ga, gb) = ((ya * w.clone()).sum().backward(), (yb * w).sum().backward());
    let (da, db) = (a.grad(&ga), b.grad(&gb));
    let (da, db) = (da.expect("x has a gradient"), db.expect("x has a gradient"));
    da.to_data().assert_approx_eq(&db.to_data(), backward);
    (ga, gb)
}
