//! The loss around trained weights θ* on a grid along two random directions
//! (the paper's Fig. 1, after Li et al. 2018, "Visualizing the loss
//! landscape of neural nets"): L(θ* + a·d₁ + b·d₂) for a, b in [−span, span].
//!
//! The directions are Gaussian and *filter-normalised*: for every weight
//! tensor each filter (one output unit: a slice along the last axis, a
//! column of burn's `[in, out]` weights) is rescaled to the norm of the same
//! filter of θ*, so that a step means the same relative change in every
//! layer whatever its scale. One-dimensional parameters (biases, norm gains)
//! get a zero direction, as Li et al. do. The draws come from the seed alone.
//!
//! The loss is the run's objective measured in the data's units on the
//! first `samples` training samples: α·L_obj + β·L_equi with L_obj the MSE
//! there and L_equi the MSE of f(φ(g)x) against ρ(g)y, every sample under
//! its own fixed rotation from the run's group (the rotations of the
//! rotated-test MSE, [`crate::evaluate::rotated_copy`]). At the origin with
//! α = 1, β = 0 and every sample it is the run's `train_mse`.

use burn::module::{ModuleMapper, ModuleVisitor, Param};
use burn::prelude::*;
use burn::tensor::TensorData;
use remul_datasets::Split;
use remul_group::random::{rng_from_seed, standard_normal};
use remul_group::{Group, IoLayout};

use crate::error::{Result, TrainerError};
use crate::evaluate::{Predict, Predictor, rotated_copy};
use crate::model::Net;
use crate::normalize::Normalization;

/// What to measure.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LandscapeSpec {
    /// Points per axis (odd, so that θ* itself is on the grid).
    pub grid: usize,
    /// The grid covers a, b ∈ [−span, span].
    pub span: f64,
    /// Training samples the loss is measured on (the first ones).
    pub samples: usize,
    /// Seed of the two directions.
    pub seed: u64,
    /// Weight of L_obj.
    pub alpha: f64,
    /// Weight of L_equi.
    pub beta: f64,
}

/// The loss on the grid.
#[derive(Clone, Debug, PartialEq)]
pub struct Landscape {
    /// The coordinates of the grid along either direction.
    pub coords: Vec<f64>,
    /// α·L_obj + β·L_equi at (coords[i], coords[j]), row-major: `loss[j * n + i]`
    /// with i along d₁ and j along d₂.
    pub loss: Vec<f64>,
    /// L_obj at the same points.
    pub obj: Vec<f64>,
    /// L_equi at the same points (zero where β = 0: not measured).
    pub equi: Vec<f64>,
    /// The samples measured.
    pub samples: usize,
}

impl Landscape {
    /// Points per axis.
    pub fn size(&self) -> usize {
        self.coords.len()
    }

    /// The loss at θ* (the middle of the grid).
    pub fn at_origin(&self) -> f64 {
        let mid = self.size() / 2;
        self.loss[mid * self.size() + mid]
    }

    /// Li et al.'s convexity reading: at every interior point the Hessian of
    /// the surface by central differences; the share of points whose
    /// smallest eigenvalue is negative by more than 1 % of the largest in
    /// magnitude (visibly non-convex, not rounding).
    pub fn non_convex_share(&self) -> f64 {
        let n = self.size();
        if n < 3 {
            return 0.0;
        }
        let h = self.coords[1] - self.coords[0];
        let f = |i: usize, j: usize| self.loss[j * n + i];
        let mut non_convex = 0usize;
        for j in 1..n - 1 {
            for i in 1..n - 1 {
                let faa = (f(i + 1, j) - 2.0 * f(i, j) + f(i - 1, j)) / (h * h);
                let fbb = (f(i, j + 1) - 2.0 * f(i, j) + f(i, j - 1)) / (h * h);
                let fab = (f(i + 1, j + 1) - f(i + 1, j - 1) - f(i - 1, j + 1) + f(i - 1, j - 1))
                    / (4.0 * h * h);
                let mean = (faa + fbb) / 2.0;
                let radius = (((faa - fbb) / 2.0).powi(2) + fab * fab).sqrt();
                let (low, high) = (mean - radius, mean + radius);
                let largest = low.abs().max(high.abs());
                if low < -0.01 * largest {
                    non_convex += 1;
                }
            }
        }
        non_convex as f64 / ((n - 2) * (n - 2)) as f64
    }
}

/// One float parameter of θ*, flattened, with its two directions.
#[derive(Clone, Debug)]
struct ParamDirections {
    shape: Vec<usize>,
    theta: Vec<f32>,
    d: [Vec<f32>; 2],
}

/// θ* and the two filter-normalised directions, parameter by parameter in
/// the module's visiting order.
#[derive(Clone, Debug)]
pub struct Directions {
    params: Vec<ParamDirections>,
}

struct Collect(Vec<(Vec<usize>, Vec<f32>)>);

impl<B: Backend> ModuleVisitor<B> for Collect {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
        let t = param.val();
        let shape = t.dims().to_vec();
        let values = t.into_data().convert::<f32>().to_vec().unwrap_or_default();
        self.0.push((shape, values));
    }
}

impl Directions {
    /// Draws the directions around `net`'s weights from `seed`.
    pub fn draw<B: Backend>(net: &Net<B>, seed: u64) -> Self {
        let mut collect = Collect(Vec::new());
        net.visit(&mut collect);
        let mut rng = rng_from_seed(seed);
        let params = collect
            .0
            .into_iter()
            .map(|(shape, theta)| {
                let mut draw = || {
                    let mut d: Vec<f32> = (0..theta.len())
                        .map(|_| standard_normal(&mut rng))
                        .collect();
                    filter_normalize(&mut d, &theta, &shape);
                    d
                };
                let d = [draw(), draw()];
                ParamDirections { shape, theta, d }
            })
            .collect();
        Self { params }
    }

    /// Per filter of every parameter, (‖θ* filter‖, ‖d₁ filter‖, ‖d₂ filter‖):
    /// what filter normalisation makes equal (zero directions for 1-D ones).
    pub fn filter_norms(&self) -> Vec<[f64; 3]> {
        self.params
            .iter()
            .flat_map(|p| {
                let out = *p.shape.last().unwrap_or(&1);
                let norms = |v: &[f32]| column_norms(v, out);
                let (t, a, b) = (norms(&p.theta), norms(&p.d[0]), norms(&p.d[1]));
                (0..out).map(move |j| [t[j], a[j], b[j]])
            })
            .collect()
    }

    /// `net` with its weights moved to θ* + a·d₁ + b·d₂.
    pub fn moved<B: Backend>(&self, net: Net<B>, a: f64, b: f64) -> Net<B> {
        net.map(&mut Move {
            directions: self,
            next: 0,
            a: a as f32,
            b: b as f32,
        })
    }
}

/// The norm of every column of a row-major array whose last axis has `out` entries.
fn column_norms(v: &[f32], out: usize) -> Vec<f64> {
    let mut sums = vec![0.0f64; out.max(1)];
    for (i, x) in v.iter().enumerate() {
        sums[i % out.max(1)] += f64::from(*x).powi(2);
    }
    sums.into_iter().map(f64::sqrt).collect()
}

/// Rescales every filter of `d` to the norm of `theta`'s; zero for 1-D parameters.
fn filter_normalize(d: &mut [f32], theta: &[f32], shape: &[usize]) {
    if shape.len() < 2 {
        d.fill(0.0);
        return;
    }
    let out = *shape.last().unwrap_or(&1);
    let (want, have) = (column_norms(theta, out), column_norms(d, out));
    for (i, x) in d.iter_mut().enumerate() {
        let j = i % out;
        *x = if have[j] > 0.0 {
            (f64::from(*x) * want[j] / have[j]) as f32
        } else {
            0.0
        };
    }
}

struct Move<'a> {
    directions: &'a Directions,
    next: usize,
    a: f32,
    b: f32,
}

impl<B: Backend> ModuleMapper<B> for Move<'_> {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<B, D>>) -> Param<Tensor<B, D>> {
        let Some(p) = self.directions.params.get(self.next) else {
            return param;
        };
        self.next += 1;
        let values: Vec<f32> = p
            .theta
            .iter()
            .zip(&p.d[0])
            .zip(&p.d[1])
            .map(|((t, d1), d2)| t + self.a * d1 + self.b * d2)
            .collect();
        let shape = p.shape.clone();
        param.map(|t| {
            let dtype = t.dtype();
            Tensor::<B, D>::from_data(TensorData::new(values, shape), &t.device()).cast(dtype)
        })
    }
}

/// The trained model and what its loss is measured with.
pub struct Trained<'a, B: Backend> {
    /// θ*.
    pub net: &'a Net<B>,
    /// Its layout.
    pub io: &'a IoLayout,
    /// Its normalisation.
    pub norm: &'a Normalization,
    /// The training split.
    pub train: &'a Split,
    /// The run's group (of L_equi's rotations).
    pub group: Group,
    /// Where it runs.
    pub device: &'a B::Device,
}

/// Measures the loss on the grid, calling `progress(done, total)` after every row.
pub fn measure<B: Backend>(
    trained: &Trained<'_, B>,
    spec: &LandscapeSpec,
    mut progress: impl FnMut(usize, usize),
) -> Result<Landscape> {
    if spec.grid < 3 || spec.grid.is_multiple_of(2) {
        return Err(TrainerError::InvalidArgument(format!(
            "--grid must be odd and at least 3 (so that the trained weights are its middle), not {}",
            spec.grid
        )));
    }
    if !(spec.span.is_finite() && spec.span > 0.0) {
        return Err(TrainerError::InvalidArgument(format!(
            "--span must be a positive number, not {}",
            spec.span
        )));
    }
    if spec.samples == 0 || trained.train.is_empty() {
        return Err(TrainerError::InvalidArgument(
            "the landscape needs at least one training sample".into(),
        ));
    }
    let io = trained.io;
    let samples = spec.samples.min(trained.train.len());
    let plain = Split::from_rows(
        io,
        trained.train.inputs[..samples * io.input.len()].to_vec(),
        trained.train.targets[..samples * io.output.len()].to_vec(),
    )?;
    let rotated = (spec.beta != 0.0)
        .then(|| rotated_copy(&plain, io, &trained.group))
        .transpose()?;
    let directions = Directions::draw(trained.net, spec.seed);
    let n = spec.grid;
    let half = (n - 1) as f64;
    let coords: Vec<f64> = (0..n)
        .map(|i| spec.span * (2.0 * i as f64 - half) / half)
        .collect();
    let (mut loss, mut obj, mut equi) = (Vec::new(), Vec::new(), Vec::new());
    for (j, &b) in coords.iter().enumerate() {
        for &a in &coords {
            let net = directions.moved(trained.net.clone(), a, b);
            let predictor = Predictor {
                net: &net,
                io,
                norm: trained.norm,
                device: trained.device,
            };
            let l_obj = predictor.mse(&plain)?;
            let l_equi = rotated.as_ref().map_or(Ok(0.0), |r| predictor.mse(r))?;
            obj.push(l_obj);
            equi.push(l_equi);
            loss.push(spec.alpha * l_obj + spec.beta * l_equi);
        }
        progress(j + 1, n);
    }
    Ok(Landscape {
        coords,
        loss,
        obj,
        equi,
        samples,
    })
}

/// The landscape as CSV: `a,b,loss,obj_loss,equi_loss`, one row per point.
pub fn to_csv(l: &Landscape) -> String {
    let n = l.size();
    let mut csv = String::from("a,b,loss,obj_loss,equi_loss\n");
    for j in 0..n {
        for i in 0..n {
            let k = j * n + i;
            csv.push_str(&format!(
                "{},{},{:e},{:e},{:e}\n",
                l.coords[i], l.coords[j], l.loss[k], l.obj[k], l.equi[k]
            ));
        }
    }
    csv
}
