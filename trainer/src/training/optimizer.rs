//! The optimizer every run uses: burn's Adam, with an optional decoupled
//! weight decay (AdamW, Loshchilov & Hutter 2019) on top.
//!
//! It wraps burn's `Adam` rather than switching to burn's `AdamW` so that
//! one optimizer type, with Adam's own state, serves every run: checkpoints
//! of runs made before the flag existed still load, and with the decay at 0
//! a step is Adam's step bit for bit (Table 1 keeps its numbers). With a
//! decay λ, a step first shrinks each weight by the factor 1 − lr·λ and then
//! subtracts Adam's update, which is burn's `AdamW` step.

use burn::optim::adaptor::OptimizerAdaptor;
use burn::optim::decay::WeightDecayConfig;
use burn::optim::{
    Adam, AdamConfig, AdamState, AdaptiveMomentumState, LearningRate, SimpleOptimizer,
};
use burn::prelude::*;
use burn::tensor::backend::AutodiffBackend;

use crate::config::TrainConfig;
use crate::model::Net;
use crate::model::kernels::{AdamScalars, adam_update};

/// burn's Adam defaults, which every run uses.
const BETA_1: f32 = 0.9;
const BETA_2: f32 = 0.999;
const EPSILON: f32 = 1e-5;

/// Adam with decoupled weight decay `decay` (0: plain Adam).
///
/// On burn-flex a step after the first runs as one fused pass per
/// parameter ([`adam_update`]), with burn's numbers bit for bit; the first
/// step, and every step on other backends, is burn's `Adam`.
#[derive(Clone)]
pub struct AdamDecoupled {
    adam: Adam,
    l2: f64,
    decay: f64,
}

/// The optimizer of a run's network.
pub type Optim<B> = OptimizerAdaptor<AdamDecoupled, Net<B>, B>;

/// The optimizer `config` asks for: Adam with its L2 weight decay (the
/// paper's `--weight-decay`) and the decoupled one.
pub fn for_run<B: AutodiffBackend>(config: &TrainConfig) -> Optim<B> {
    OptimizerAdaptor::from(AdamDecoupled::new(
        config.weight_decay,
        config.decoupled_weight_decay,
    ))
}

impl AdamDecoupled {
    /// Adam with L2 weight decay `l2` (none at 0) and decoupled weight
    /// decay `decay`.
    pub fn new(l2: f64, decay: f64) -> Self {
        let mut adam = AdamConfig::new()
            .with_beta_1(BETA_1)
            .with_beta_2(BETA_2)
            .with_epsilon(EPSILON);
        if l2 > 0.0 {
            adam = adam.with_weight_decay(Some(WeightDecayConfig::new(l2 as f32)));
        }
        Self {
            adam: adam.build(),
            l2,
            decay,
        }
    }

    /// Step `time`'s scalars, rounded as burn's `Adam` rounds them.
    fn scalars(&self, lr: LearningRate, time: usize) -> AdamScalars {
        let time = time as i32;
        let bias_correction_2 = (1.0 - BETA_2.powi(time)).sqrt();
        let shrink = lr * self.decay;
        AdamScalars {
            shrink: (shrink != 0.0).then_some((1.0 - shrink) as f32),
            l2: (self.l2 > 0.0).then_some(self.l2 as f32),
            beta_1: BETA_1,
            one_minus_beta_1: 1.0 - BETA_1,
            beta_2: BETA_2,
            one_minus_beta_2: 1.0 - BETA_2,
            moment_scale: bias_correction_2 / (1.0 - BETA_1.powi(time)),
            epsilon: EPSILON * bias_correction_2,
            lr: lr as f32,
        }
    }
}

impl<B: Backend> SimpleOptimizer<B> for AdamDecoupled {
    type State<const D: usize> = AdamState<B, D>;

    fn step<const D: usize>(
        &self,
        lr: LearningRate,
        tensor: Tensor<B, D>,
        grad: Tensor<B, D>,
        state: Option<Self::State<D>>,
    ) -> (Tensor<B, D>, Option<Self::State<D>>) {
        let (tensor, grad, state) = match state {
            Some(AdamState { momentum }) if momentum.max_moment_2.is_none() => {
                let time = momentum.time + 1;
                let scalars = self.scalars(lr, time);
                let (m, v) = (momentum.moment_1, momentum.moment_2);
                match adam_update(tensor, grad, m, v, &scalars) {
                    Ok([tensor, m, v]) => {
                        let momentum = AdaptiveMomentumState::new(time, m, v);
                        return (tensor, Some(AdamState::new(momentum)));
                    }
                    Err([tensor, grad, m, v]) => {
                        let momentum = AdaptiveMomentumState::new(time - 1, m, v);
                        (tensor, grad, Some(AdamState::new(momentum)))
                    }
                }
            }
            state => (tensor, grad, state),
        };
        let shrink = lr * self.decay;
        let tensor = if shrink == 0.0 {
            tensor
        } else {
            tensor.mul_scalar(1.0 - shrink)
        };
        self.adam.step(lr, tensor, grad, state)
    }

    fn to_device<const D: usize>(state: Self::State<D>, device: &B::Device) -> Self::State<D> {
        <Adam as SimpleOptimizer<B>>::to_device(state, device)
    }
}

#[cfg(test)]
mod tests {
    use burn::backend::{Autodiff, Flex};
    use burn::nn::{Initializer, Linear, LinearConfig};
    use burn::optim::{AdamWConfig, GradientsParams, Optimizer};
    use remul_group::random::{rng_from_seed, uniform_in};

    use super::*;
    use crate::model::kernels::bits;

    type B = Autodiff<Flex>;

    fn weights(layer: &Linear<B>) -> Vec<f32> {
        let bias = layer.bias.as_ref().expect("the layer has a bias").val();
        let values = |t: Tensor<B, 1>| t.into_data().to_vec::<f32>().unwrap();
        [values(layer.weight.val().flatten(0, 1)), values(bias)].concat()
    }

    /// Three steps of `optim` on a fixed regression, from one initial layer.
    fn train<O: Optimizer<Linear<B>, B>>(mut optim: O, lr: f64) -> Vec<f32> {
        let device = Default::default();
        // Not from the backend's generator: tests running at once share it.
        let mut layer = LinearConfig::new(3, 2)
            .with_initializer(Initializer::Constant { value: 0.3 })
            .init::<B>(&device);
        let x = Tensor::<B, 2>::from_floats([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], &device);
        let y = Tensor::<B, 2>::from_floats([[1.0, 0.0], [-1.0, 2.0]], &device);
        for _ in 0..3 {
            let loss = (layer.forward(x.clone()) - y.clone()).powi_scalar(2).mean();
            let grads = GradientsParams::from_grads(loss.backward(), &layer);
            layer = optim.step(lr, layer, grads);
        }
        weights(&layer)
    }

    fn ours(l2: f64, decay: f64) -> OptimizerAdaptor<AdamDecoupled, Linear<B>, B> {
        OptimizerAdaptor::from(AdamDecoupled::new(l2, decay))
    }

    #[test]
    fn without_decay_it_is_adam_bit_for_bit() {
        let adam = AdamConfig::new().init::<B, Linear<B>>();
        assert_eq!(train(ours(0.0, 0.0), 0.01), train(adam, 0.01));
        let l2 = AdamConfig::new()
            .with_weight_decay(Some(WeightDecayConfig::new(0.1)))
            .init::<B, Linear<B>>();
        assert_eq!(train(ours(0.1, 0.0), 0.01), train(l2, 0.01));
    }

    /// Seeded values over many magnitudes, a tenth of them zero.
    fn values(seed: u64, n: usize) -> Vec<f32> {
        let mut rng = rng_from_seed(seed);
        (0..n)
            .map(|i| {
                let unit = uniform_in(&mut rng, -1.0, 1.0);
                if i % 10 == 3 {
                    0.0
                } else {
                    unit * 10f32.powi(i as i32 % 7 - 4)
                }
            })
            .collect()
    }

    #[test]
    fn the_fused_step_is_burns_step_bit_for_bit() {
        // burn's own ops, as every step ran before the fused kernel: the
        // decoupled shrink, then burn's Adam.
        fn burns(
            adam: &Adam,
            decay: f64,
            lr: f64,
            w: Tensor<Flex, 1>,
            g: Tensor<Flex, 1>,
            state: Option<AdamState<Flex, 1>>,
        ) -> (Tensor<Flex, 1>, Option<AdamState<Flex, 1>>) {
            let w = if decay == 0.0 {
                w
            } else {
                w.mul_scalar(1.0 - lr * decay)
            };
            adam.step(lr, w, g, state)
        }
        let device = Default::default();
        let tensor = |v: Vec<f32>| Tensor::<Flex, 1>::from_floats(v.as_slice(), &device);
        let bits_of = |t: &Tensor<Flex, 1>| bits(&t.clone().into_data().to_vec::<f32>().unwrap());
        for (l2, decay) in [(0.0, 0.0), (0.1, 0.0), (0.0, 0.5), (0.1, 0.5)] {
            let ours = AdamDecoupled::new(l2, decay);
            let (mut w_ours, mut s_ours) = (tensor(values(1, 1000)), None);
            let (mut w_burn, mut s_burn) = (w_ours.clone(), None);
            for step in 0..40 {
                let lr = 1e-3 * (1.0 + step as f64 / 7.0);
                let g = tensor(values(step + 2, 1000));
                (w_ours, s_ours) =
                    SimpleOptimizer::<Flex>::step(&ours, lr, w_ours, g.clone(), s_ours);
                (w_burn, s_burn) = burns(&ours.adam, decay, lr, w_burn, g, s_burn);
                let (a, b) = (s_ours.as_ref().unwrap(), s_burn.as_ref().unwrap());
                assert_eq!(a.momentum.time, b.momentum.time);
                assert_eq!(
                    bits_of(&a.momentum.moment_1),
                    bits_of(&b.momentum.moment_1),
                    "m, step {step}"
                );
                assert_eq!(
                    bits_of(&a.momentum.moment_2),
                    bits_of(&b.momentum.moment_2),
                    "v, step {step}"
                );
                assert_eq!(
                    bits_of(&w_ours),
                    bits_of(&w_burn),
                    "l2 {l2}, decay {decay}, step {step}"
                );
            }
        }
    }

    #[test]
    fn with_decay_it_is_burns_adamw() {
        let adamw = AdamWConfig::new()
            .with_weight_decay(0.5)
            .init::<B, Linear<B>>();
        let decayed = train(ours(0.0, 0.5), 0.01);
        let theirs = train(adamw, 0.01);
        for (a, b) in decayed.iter().zip(&theirs) {
            assert!((a - b).abs() <= 1e-6, "{a} against {b}");
        }
        let plain = train(ours(0.0, 0.0), 0.01);
        assert!(decayed.iter().zip(&plain).any(|(a, b)| a != b));
    }

    #[test]
    fn the_decay_shrinks_weights_by_lr_times_lambda() {
        // With a zero gradient Adam's update is zero, so one step leaves
        // exactly the decayed weight.
        let optim = AdamDecoupled::new(0.0, 0.25);
        let device = Default::default();
        let w = Tensor::<Flex, 1>::from_floats([2.0, -4.0], &device);
        let zero = Tensor::<Flex, 1>::zeros([2], &device);
        let (after, _) = SimpleOptimizer::<Flex>::step(&optim, 0.1, w, zero, None);
        let after = after.into_data().to_vec::<f32>().unwrap();
        assert!((after[0] - 1.95).abs() < 1e-6 && (after[1] + 3.9).abs() < 1e-6);
    }
}
