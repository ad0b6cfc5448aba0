//! One optimizer step, and the head-gradient norms GradNorm weighs.

use burn::optim::{GradientsParams, Optimizer};
use burn::prelude::*;
use burn::tensor::TensorData;
use burn::tensor::backend::AutodiffBackend;

use crate::batch::StepBatch;
use crate::checkpoint::LoopState;
use crate::config::TrainConfig;
use crate::error::{Result, TrainerError};
use crate::model::Net;
use crate::objective::Penalty;

fn to_tensor<B: Backend>(
    values: &[f32],
    rows: usize,
    cols: usize,
    device: &B::Device,
) -> Tensor<B, 2> {
    Tensor::from_data(TensorData::new(values.to_vec(), [rows, cols]), device)
}

fn scalar<B: Backend>(t: &Tensor<B, 1>) -> f64 {
    t.clone().into_scalar().elem::<f64>()
}

/// A step's losses (each a batch mean).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Losses {
    /// L_obj, the labels' loss.
    pub obj: f64,
    /// L_equi, REMUL's loss on rotated samples.
    pub equi: f64,
    /// The weighted sum of the batch's further blocks (a distilled
    /// student's teacher terms; 0 without them).
    pub extra: f64,
}

/// One optimizer step on a prepared batch: one forward pass over every
/// row, α·L_obj + β·L_equi (+ each further block's weighted loss), one
/// backward pass, Adam at rate `lr`, then GradNorm's update of α and β
/// when asked. Returns the model and the losses.
pub fn step<B, O>(
    model: Net<B>,
    optim: &mut O,
    b: &StepBatch,
    lr: f64,
    config: &TrainConfig,
    state: &mut LoopState,
    device: &B::Device,
) -> Result<(Net<B>, Losses)>
where
    B: AutodiffBackend,
    O: Optimizer<Net<B>, B>,
{
    let (n_in, n_out) = (
        b.inputs.len() / b.rows().max(1),
        b.targets.len() / b.rows().max(1),
    );
    let x = to_tensor::<B>(&b.inputs, b.rows(), n_in, device);
    let y = to_tensor::<B>(&b.targets, b.rows(), n_out, device);
    let features = model.features(x);
    let prediction = model.project(features.clone());
    let half = |t: Tensor<B, 2>, from: usize, len: usize| t.slice([from..from + len, 0..n_out]);
    let l_obj = (b.plain > 0).then(|| {
        config.loss.loss(
            half(prediction.clone(), 0, b.plain),
            half(y.clone(), 0, b.plain),
        )
    });
    let l_equi = (b.rotated > 0).then(|| {
        config.loss.loss(
            half(prediction.clone(), b.plain, b.rotated),
            half(y.clone(), b.plain, b.rotated),
        )
    });
    let mut from = b.plain + b.rotated;
    let l_extra = b.extra.iter().filter(|block| block.rows > 0).map(|block| {
        let loss = config.loss.loss(
            half(prediction.clone(), from, block.rows),
            half(y.clone(), from, block.rows),
        );
        from += block.rows;
        loss.mul_scalar(block.weight)
    });
    let l_extra = l_extra.reduce(|a, b| a + b);
    let losses = Losses {
        obj: l_obj.as_ref().map_or(0.0, scalar),
        equi: l_equi.as_ref().map_or(0.0, scalar),
        extra: l_extra.as_ref().map_or(0.0, scalar),
    };
    let head_norms = (config.penalty == Penalty::Gradnorm)
        .then(|| head_gradient_norms(&model, &features, &y, config, b.plain, b.rotated));
    let terms = [
        l_obj.map(|o| o.mul_scalar(state.alpha)),
        l_equi.map(|e| e.mul_scalar(state.beta)),
        l_extra,
    ];
    let Some(total) = terms.into_iter().flatten().reduce(|a, b| a + b) else {
        return Err(TrainerError::InvalidArgument(
            "α and β are both zero: nothing to train".into(),
        ));
    };
    let grads = GradientsParams::from_grads(total.backward(), &model);
    let model = optim.step(lr, model, grads);
    if let Some(norms) = head_norms {
        let s = state
            .gradnorm
            .step((state.alpha, state.beta), (losses.obj, losses.equi), norms);
        (state.alpha, state.beta) = (s.alpha, s.beta);
    }
    state.steps += 1;
    Ok((model, losses))
}

/// ‖∇_W L_obj‖ and ‖∇_W L_equi‖ over the head's weights, from the head alone
/// on detached features: the head's gradient only depends on the head, and
/// burn cannot back-propagate twice through one graph.
fn head_gradient_norms<B: AutodiffBackend>(
    model: &Net<B>,
    features: &Tensor<B, 3>,
    y: &Tensor<B, 2>,
    config: &TrainConfig,
    plain: usize,
    rotated: usize,
) -> (f64, f64) {
    let n_out = y.dims()[1];
    let norm_of = |from: usize, len: usize| {
        let [_, tokens, width] = features.dims();
        let h = features
            .clone()
            .detach()
            .slice([from..from + len, 0..tokens, 0..width]);
        let pred = model.project(h);
        let loss = config
            .loss
            .loss(pred, y.clone().slice([from..from + len, 0..n_out]));
        let grads = loss.backward();
        model.head().weight.grad(&grads).map_or(0.0, |g| {
            g.powi_scalar(2).sum().sqrt().into_scalar().elem::<f64>()
        })
    };
    (norm_of(0, plain), norm_of(plain, rotated))
}
