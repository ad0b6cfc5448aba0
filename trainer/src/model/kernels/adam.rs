//! Adam's update of one parameter tensor in one pass: the decoupled and L2
//! weight decays, both moments and the step.
//!
//! burn's `Adam` takes a dozen tensor ops per parameter and step (scale,
//! add, square, square root, divide, subtract), each a pass over memory
//! with its own allocation, which weighs most on the wide MLPs
//! (`benches/cpu_speed.sh` prints the step times). This loop does the same
//! f32 operations in the same order, so it computes burn's numbers bit for
//! bit (tested in `training::optimizer`).

use burn::backend::flex::FlexTensor;
use burn::prelude::*;
use burn::tensor::TensorPrimitive;

use super::primitive::{Primitive, classify, same_type};
use super::widest::widest;

/// One step's scalars, each rounded to f32 as burn's `Adam` rounds it.
#[derive(Clone, Copy, Debug)]
pub struct AdamScalars {
    /// Decoupled weight decay: the weights are first scaled by this (1 − lr·λ).
    pub shrink: Option<f32>,
    /// L2 weight decay: this times the weight is added to the gradient.
    pub l2: Option<f32>,
    /// β₁, the first moment's decay.
    pub beta_1: f32,
    /// 1 − β₁, rounded to f32.
    pub one_minus_beta_1: f32,
    /// β₂, the second moment's decay.
    pub beta_2: f32,
    /// 1 − β₂, rounded to f32.
    pub one_minus_beta_2: f32,
    /// √(1 − β₂ᵗ) / (1 − β₁ᵗ), the bias corrections of step t.
    pub moment_scale: f32,
    /// ε·√(1 − β₂ᵗ), added to √v.
    pub epsilon: f32,
    /// The step's learning rate.
    pub lr: f32,
}

/// The parameter, first moment and second moment after one step, or, when
/// the tensors are not burn-flex f32, the four inputs back untouched.
#[allow(clippy::type_complexity)]
pub fn adam_update<B: Backend, const D: usize>(
    param: Tensor<B, D>,
    grad: Tensor<B, D>,
    moment_1: Tensor<B, D>,
    moment_2: Tensor<B, D>,
    scalars: &AdamScalars,
) -> Result<[Tensor<B, D>; 3], [Tensor<B, D>; 4]> {
    let primitives =
        [param, grad, moment_1, moment_2].map(|t| classify::<B>(t.into_primitive().tensor()));
    match primitives {
        [
            Primitive::Flex(p),
            Primitive::Flex(g),
            Primitive::Flex(m),
            Primitive::Flex(v),
        ] => Ok(update(p, &g, m, v, scalars).map(|t| wrap(same_type(t)))),
        others => Err(others.map(|t| {
            wrap(match t {
                Primitive::Autodiff(t) => same_type(t),
                Primitive::Flex(t) => same_type(t),
                Primitive::Other(t) => t,
            })
        })),
    }
}

fn wrap<B: Backend, const D: usize>(t: burn::tensor::ops::FloatTensor<B>) -> Tensor<B, D> {
    Tensor::from_primitive(TensorPrimitive::Float(t))
}

/// Updates `p`, `m` and `v` in place where this step owns their memory
/// (a shared buffer is copied first).
fn update(
    p: FlexTensor,
    g: &FlexTensor,
    m: FlexTensor,
    v: FlexTensor,
    s: &AdamScalars,
) -> [FlexTensor; 3] {
    // Each tensor with its own row-major buffer: the tensor itself when it
    // has one, and the closure drops the original, so that a buffer nothing
    // else holds is written in place.
    let [mut p, mut m, mut v] = [p, m, v].map(|t| t.to_contiguous());
    let g = g.to_contiguous();
    let s = *s;
    {
        let (ps, ms, vs) = (
            p.storage_mut::<f32>(),
            m.storage_mut::<f32>(),
            v.storage_mut::<f32>(),
        );
        let gs = g.storage::<f32>();
        widest(
            #[inline(always)]
            || {
                for (((p, &g), m), v) in ps.iter_mut().zip(gs).zip(ms.iter_mut()).zip(vs.iter_mut())
                {
                    (*p, *m, *v) = step(*p, g, *m, *v, &s);
                }
            },
        );
    }
    [p, m, v]
}

/// burn's `Adam::step` for one element, operation for operation.
#[inline(always)]
fn step(p: f32, g: f32, m: f32, v: f32, s: &AdamScalars) -> (f32, f32, f32) {
    let p = match s.shrink {
        Some(shrink) => p * shrink,
        None => p,
    };
    let g = match s.l2 {
        Some(l2) => p * l2 + g,
        None => g,
    };
    let m = m * s.beta_1 + g * s.one_minus_beta_1;
    let v = v * s.beta_2 + g * g * s.one_minus_beta_2;
    let update = m * s.moment_scale / (v.sqrt() + s.epsilon);
    (p - update * s.lr, m, v)
}

#[cfg(test)]
mod tests {
    use burn::backend::{Flex, NdArray};
    use burn::prelude::*;

    use super::*;

    const SCALARS: AdamScalars = AdamScalars {
        shrink: None,
        l2: None,
        beta_1: 0.9,
        one_minus_beta_1: 0.1,
        beta_2: 0.999,
        one_minus_beta_2: 0.001,
        moment_scale: 1.0,
        epsilon: 1e-5,
        lr: 0.5,
    };

    fn inputs<B: Backend>() -> [Tensor<B, 1>; 4] {
        let d = Default::default();
        [[1.0, -2.0], [0.5, 0.0], [0.1, 0.2], [0.3, 0.4]].map(|v| Tensor::from_floats(v, &d))
    }

    #[test]
    fn runs_on_flex_and_hands_other_backends_their_tensors_back() {
        let [p, g, m, v] = inputs::<Flex>();
        let [p, m, v] = adam_update(p, g, m, v, &SCALARS).expect("burn-flex runs the kernel");
        let expect = |t: Tensor<Flex, 1>, want: [f32; 2]| {
            assert_eq!(t.into_data().to_vec::<f32>().unwrap(), want.to_vec());
        };
        let m_want: [f32; 2] = [0.1 * 0.9 + 0.5 * 0.1, 0.2 * 0.9 + 0.0 * 0.1];
        let v_want: [f32; 2] = [0.3 * 0.999 + 0.5 * 0.5 * 0.001, 0.4 * 0.999 + 0.0 * 0.001];
        let step = |i: usize| m_want[i] * 1.0 / (v_want[i].sqrt() + 1e-5) * 0.5;
        expect(p, [1.0 - step(0), -2.0 - step(1)]);
        expect(m, m_want);
        expect(v, v_want);

        let given = inputs::<NdArray>();
        let back = adam_update(
            given[0].clone(),
            given[1].clone(),
            given[2].clone(),
            given[3].clone(),
            &SCALARS,
        )
        .expect_err("burn-ndarray runs burn's Adam");
        for (a, b) in back.into_iter().zip(given) {
            assert_eq!(a.into_data(), b.into_data());
        }
    }

    #[test]
    fn leaves_a_shared_parameter_as_it_was() {
        let [p, g, m, v] = inputs::<Flex>();
        let kept = p.clone();
        let _ = adam_update(p, g, m, v, &SCALARS).expect("flex");
        assert_eq!(kept.into_data().to_vec::<f32>().unwrap(), vec![1.0, -2.0]);
    }
}
