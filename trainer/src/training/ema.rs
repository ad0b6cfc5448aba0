//! Weight averaging: an exponential moving average of the weights after
//! every step (`--ema DECAY`), which validation, the best model and the
//! reported figures then use in place of the raw weights.

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::prelude::*;

use crate::model::Net;

/// `average ← decay·average + (1 − decay)·model`, parameter by parameter.
pub fn update<B: Backend>(average: Net<B>, model: &Net<B>, decay: f64) -> Net<B> {
    let mut flat = Flatten(Vec::new());
    model.visit(&mut flat);
    let mut mix = Mix {
        latest: flat.0.into_iter(),
        decay,
    };
    average.map(&mut mix)
}

/// Every float parameter of a module, flattened, in the module's order.
struct Flatten<B: Backend>(Vec<Tensor<B, 1>>);

impl<B: Backend> ModuleVisitor<B> for Flatten<B> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
        let t = param.val();
        let n = t.shape().num_elements();
        self.0.push(t.reshape([n]));
    }
}

/// Mixes each parameter with the next of `latest` (the same module's
/// parameters in the same order).
struct Mix<B: Backend, I: Iterator<Item = Tensor<B, 1>>> {
    latest: I,
    decay: f64,
}

impl<B: Backend, I: Iterator<Item = Tensor<B, 1>>> ModuleMapper<B> for Mix<B, I> {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<B, D>>) -> Param<Tensor<B, D>> {
        let Some(latest) = self.latest.next() else {
            return param;
        };
        let decay = self.decay;
        param.map(|average| {
            let latest = latest.reshape(average.shape());
            average.mul_scalar(decay) + latest.mul_scalar(1.0 - decay)
        })
    }
}

#[cfg(test)]
mod tests {
    use burn::backend::Flex;

    use super::*;
    use crate::model::{MlpConfig, NetConfig, NetShape};

    type B = Flex;

    fn params(net: &Net<B>) -> Vec<f32> {
        let mut flat = Flatten(Vec::new());
        net.visit(&mut flat);
        flat.0
            .into_iter()
            .flat_map(|t| t.into_data().convert::<f32>().to_vec::<f32>().unwrap())
            .collect()
    }

    #[test]
    fn the_average_moves_by_one_minus_decay_towards_the_model() {
        let device = Default::default();
        let io = remul_group::IoLayout {
            input: remul_group::Layout::new(2, &[remul_group::Channel::Position]).unwrap(),
            output: remul_group::Layout::new(2, &[remul_group::Channel::Position]).unwrap(),
        };
        let config = NetConfig::Mlp(MlpConfig {
            hidden: 4,
            ..MlpConfig::default()
        });
        <B as Backend>::seed(&device, 1);
        let a: Net<B> = config.init(NetShape::of(&io), &device);
        let b: Net<B> = config.init(NetShape::of(&io), &device);
        let (pa, pb) = (params(&a), params(&b));
        let mixed = params(&update(a.clone(), &b, 0.75));
        assert_eq!(mixed.len(), pa.len());
        for ((m, x), y) in mixed.iter().zip(&pa).zip(&pb) {
            assert!((m - (0.75 * x + 0.25 * y)).abs() < 1e-6, "{m} {x} {y}");
        }
        // decay 1 keeps the average, decay 0 takes the model.
        assert_eq!(params(&update(a.clone(), &b, 1.0)), pa);
        assert_eq!(params(&update(a, &b, 0.0)), pb);
    }
}
