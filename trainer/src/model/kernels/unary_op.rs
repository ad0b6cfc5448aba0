//! A one-input fused op on burn-flex under autodiff: its forward, and a
//! backward registered in burn's graph that maps the output's gradient to
//! the input's from a state the forward kept.

use burn::backend::Autodiff;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind, unary};
use burn::backend::flex::{Flex, FlexTensor};
use burn::tensor::ops::FloatTensor;

/// The gradient of the input from the kept state and the output's gradient.
type BackwardFn<S> = fn(&S, FlexTensor) -> FlexTensor;

/// The autodiff node of one such op.
#[derive(Debug)]
struct UnaryOp<S> {
    backward: BackwardFn<S>,
}

impl<S: Clone + Send + std::fmt::Debug + 'static> Backward<Flex, 1> for UnaryOp<S> {
    type State = S;

    fn backward(self, ops: Ops<S, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let state = ops.state;
        unary::<Flex, _>(ops.parents, ops.node, grads, |grad| {
            (self.backward)(&state, grad)
        });
    }
}

/// `forward` of `x` (the output and the state its backward needs), tracked
/// for autodiff with `backward`.
pub(super) fn tracked<S: Clone + Send + std::fmt::Debug + 'static>(
    x: FloatTensor<Autodiff<Flex>>,
    forward: impl FnOnce(&FlexTensor) -> (FlexTensor, S),
    backward: BackwardFn<S>,
) -> FloatTensor<Autodiff<Flex>> {
    let op = UnaryOp { backward }.prepare::<NoCheckpointing>([x.node.clone()]);
    let (y, state) = forward(&x.primitive);
    match op.compute_bound().stateful() {
        OpsKind::Tracked(prep) => prep.finish(state, y),
        OpsKind::UnTracked(prep) => prep.finish(y),
    }
}
