//! The REMUL objective `L = α·L_obj + β·L_equi` and the ways α and β are set:
//! constant, adapted by GradNorm (the paper's Algorithm 1, "gradual
//! penalty"), plain data augmentation (α = 0, β = 1), or none (β = 0).

use burn::prelude::*;
use serde::{Deserialize, Serialize};

/// How α and β are chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Penalty {
    /// α and β as given, for the whole run.
    Constant,
    /// α and β start as given and follow GradNorm (Algorithm 1).
    Gradnorm,
    /// α = 0, β = 1: only rotated samples, which is data augmentation.
    Augment,
    /// β = 0: the plain supervised loss.
    None,
}

impl Penalty {
    /// The starting (α, β) given the flags.
    pub fn initial_weights(self, alpha: f64, beta: f64) -> (f64, f64) {
        match self {
            Self::Constant | Self::Gradnorm => (alpha, beta),
            Self::Augment => (0.0, 1.0),
            Self::None => (alpha, 0.0),
        }
    }

    /// Whether steps need the unrotated batch (L_obj) and the rotated one (L_equi).
    pub fn halves(self, alpha: f64, beta: f64) -> (bool, bool) {
        match self {
            Self::Gradnorm => (true, true),
            Self::Augment => (false, true),
            Self::None => (true, false),
            Self::Constant => (alpha != 0.0, beta != 0.0),
        }
    }
}

/// The discrepancy ℓ.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LossKind {
    /// Mean squared error.
    L2,
    /// Mean absolute error.
    L1,
}

impl LossKind {
    /// The mean loss of a batch, as a one-element tensor.
    pub fn loss<B: Backend>(self, prediction: Tensor<B, 2>, target: Tensor<B, 2>) -> Tensor<B, 1> {
        let d = prediction - target;
        match self {
            Self::L2 => d.powi_scalar(2).mean(),
            Self::L1 => d.abs().mean(),
        }
    }
}

/// GradNorm's settings and memory (the losses of the first step).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GradNorm {
    /// Learning rate of the weights, η.
    pub eta: f64,
    /// Asymmetry γ: how strongly a task that lags behind is pushed.
    pub gamma: f64,
    /// Rescale α + β back to its starting sum after every update (Chen et
    /// al.'s renormalisation). Algorithm 1 of the REMUL paper does not, so
    /// the default is off.
    pub renormalize: bool,
    /// The weights never go below this (Algorithm 1 needs α, β > 0).
    pub floor: f64,
    /// L_obj(0) and L_equi(0), recorded at the first step.
    pub initial_losses: Option<(f64, f64)>,
    /// α + β at the start, for the renormalisation.
    pub initial_sum: Option<f64>,
}

impl Default for GradNorm {
    fn default() -> Self {
        Self {
            eta: 0.01,
            gamma: 1.5,
            renormalize: false,
            floor: 1e-3,
            initial_losses: None,
            initial_sum: None,
        }
    }
}

/// What one GradNorm step saw and did, for the logs and tests.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GradNormStep {
    /// G_obj = ‖∇_W α L_obj‖.
    pub g_obj: f64,
    /// G_equi = ‖∇_W β L_equi‖.
    pub g_equi: f64,
    /// The constant target of G_obj, Ḡ·r_α^γ.
    pub target_obj: f64,
    /// The constant target of G_equi, Ḡ·r_β^γ.
    pub target_equi: f64,
    /// L_g.
    pub l_grad: f64,
    /// α after the step.
    pub alpha: f64,
    /// β after the step.
    pub beta: f64,
}

impl GradNorm {
    /// One step of Algorithm 1. `norm_obj` and `norm_equi` are the unweighted
    /// ‖∇_W L_obj‖ and ‖∇_W L_equi‖ over the head's weights W, so that
    /// G_obj = α·norm_obj. With the targets held constant,
    /// ∂L_g/∂α = sign(G_obj − target_obj)·norm_obj, and likewise for β.
    pub fn step(
        &mut self,
        (alpha, beta): (f64, f64),
        (l_obj, l_equi): (f64, f64),
        (norm_obj, norm_equi): (f64, f64),
    ) -> GradNormStep {
        let (l0_obj, l0_equi) = *self.initial_losses.get_or_insert((l_obj, l_equi));
        let initial_sum = *self.initial_sum.get_or_insert(alpha + beta);
        let ratio = |l: f64, l0: f64| if l0 > 0.0 { l / l0 } else { 1.0 };
        let (rel_obj, rel_equi) = (ratio(l_obj, l0_obj), ratio(l_equi, l0_equi));

        let (g_obj, g_equi) = (alpha * norm_obj, beta * norm_equi);
        let g_mean = (g_obj + g_equi) / 2.0;
        let r = (rel_obj + rel_equi) / 2.0;
        let (r_alpha, r_beta) = if r > 0.0 {
            (rel_obj / r, rel_equi / r)
        } else {
            (1.0, 1.0)
        };
        let target_obj = g_mean * r_alpha.powf(self.gamma);
        let target_equi = g_mean * r_beta.powf(self.gamma);
        let l_grad = (g_obj - target_obj).abs() + (g_equi - target_equi).abs();

        let sign = |v: f64| {
            if v > 0.0 {
                1.0
            } else if v < 0.0 {
                -1.0
            } else {
                0.0
            }
        };
        let mut alpha = (alpha - self.eta * sign(g_obj - target_obj) * norm_obj).max(self.floor);
        let mut beta = (beta - self.eta * sign(g_equi - target_equi) * norm_equi).max(self.floor);
        if self.renormalize && alpha + beta > 0.0 {
            let k = initial_sum / (alpha + beta);
            alpha *= k;
            beta *= k;
        }
        GradNormStep {
            g_obj,
            g_equi,
            target_obj,
            target_equi,
            l_grad,
            alpha,
            beta,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Algorithm 1 by hand. First step: L(0) = (2, 4) are recorded, so the
    /// loss ratios are 1, r_α = r_β = 1 and the targets are Ḡ.
    ///   α = 1, β = 0.5, ‖∇L_obj‖ = 0.8, ‖∇L_equi‖ = 0.4
    ///   G_obj = 0.8, G_equi = 0.2, Ḡ = 0.5, targets 0.5 and 0.5
    ///   L_g = 0.3 + 0.3 = 0.6
    ///   α ← 1 − 0.1·(+1)·0.8 = 0.92,  β ← 0.5 − 0.1·(−1)·0.4 = 0.54
    /// Second step: L = (1, 3), so L̃ = (0.5, 0.75), r = 0.625,
    /// r_α = 0.8, r_β = 1.2, and with γ = 2:
    ///   norms (1.0, 0.5): G_obj = 0.92, G_equi = 0.27, Ḡ = 0.595
    ///   targets 0.595·0.64 = 0.3808 and 0.595·1.44 = 0.8568
    ///   L_g = 0.5392 + 0.5868 = 1.126
    ///   α ← 0.92 − 0.1·1.0 = 0.82,  β ← 0.54 + 0.1·0.5 = 0.59
    #[test]
    fn two_steps_of_algorithm_1_by_hand() {
        let mut gn = GradNorm {
            eta: 0.1,
            gamma: 2.0,
            ..GradNorm::default()
        };
        let s = gn.step((1.0, 0.5), (2.0, 4.0), (0.8, 0.4));
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
        assert!(close(s.g_obj, 0.8) && close(s.g_equi, 0.2), "{s:?}");
        assert!(
            close(s.target_obj, 0.5) && close(s.target_equi, 0.5),
            "{s:?}"
        );
        assert!(close(s.l_grad, 0.6), "{s:?}");
        assert!(close(s.alpha, 0.92) && close(s.beta, 0.54), "{s:?}");

        let s = gn.step((s.alpha, s.beta), (1.0, 3.0), (1.0, 0.5));
        assert!(close(s.g_obj, 0.92) && close(s.g_equi, 0.27), "{s:?}");
        assert!(
            close(s.target_obj, 0.3808) && close(s.target_equi, 0.8568),
            "{s:?}"
        );
        assert!(close(s.l_grad, 1.126), "{s:?}");
        assert!(close(s.alpha, 0.82) && close(s.beta, 0.59), "{s:?}");
    }

    #[test]
    fn weights_stay_above_the_floor_and_renormalise_when_asked() {
        let mut gn = GradNorm {
            eta: 10.0,
            ..GradNorm::default()
        };
        let s = gn.step((1.0, 1.0), (1.0, 1.0), (5.0, 0.1));
        assert_eq!(s.alpha, gn.floor);
        let mut gn = GradNorm {
            eta: 0.1,
            renormalize: true,
            ..GradNorm::default()
        };
        let s = gn.step((1.0, 1.0), (1.0, 1.0), (2.0, 0.5));
        assert!((s.alpha + s.beta - 2.0).abs() < 1e-12, "{s:?}");
    }

    #[test]
    fn penalties_pick_their_weights() {
        assert_eq!(Penalty::Augment.initial_weights(3.0, 7.0), (0.0, 1.0));
        assert_eq!(Penalty::None.initial_weights(3.0, 7.0), (3.0, 0.0));
        assert_eq!(Penalty::Augment.halves(0.0, 1.0), (false, true));
        assert_eq!(Penalty::Constant.halves(1.0, 0.0), (true, false));
    }
}
