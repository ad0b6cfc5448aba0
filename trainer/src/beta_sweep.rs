//! A β sweep: one run per (β, seed), a CSV of their metrics, and the plots
//! of the paper's central claim — E and E' fall as β rises.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use remul_datasets::TaskData;

use crate::config::TrainConfig;
use crate::device::dispatch;
use crate::error::{Result, TrainerError};
use crate::json::read_json;
use crate::objective::Penalty;
use crate::plot::{SweepPoint, sweep_plot};
use crate::run_metrics::RunMetrics;
use crate::stats::mean_std;
use crate::training::TrainJob;

/// What a sweep trains, and where.
#[derive(Clone, Debug)]
pub struct SweepPlan {
    /// Every run's configuration but its β and seed.
    pub base: TrainConfig,
    /// The β values.
    pub betas: Vec<f64>,
    /// The seeds, each trained at every β.
    pub seeds: Vec<u64>,
    /// The sweep's folder: a run folder `b<β>-s<seed>` per run, the CSV and
    /// the plots.
    pub dir: PathBuf,
    /// Keep the runs that finished and continue the one that did not.
    pub resume: bool,
    /// Draw a progress bar per run.
    pub progress: bool,
}

impl SweepPlan {
    /// Checks the plan before anything is trained.
    pub fn validate(&self) -> Result<()> {
        if matches!(self.base.penalty, Penalty::Augment | Penalty::None) {
            return Err(TrainerError::InvalidArgument(
                "a β sweep needs the constant or the GradNorm penalty".into(),
            ));
        }
        if self.betas.iter().any(|b| !(*b >= 0.0 && b.is_finite())) {
            return Err(TrainerError::InvalidArgument(
                "the β values must be finite non-negative numbers".into(),
            ));
        }
        Ok(())
    }
}

/// One finished run of a sweep.
#[derive(Clone, Debug)]
pub struct SweepRun {
    /// Its β.
    pub beta: f64,
    /// Its metrics.
    pub metrics: RunMetrics,
}

/// Runs the sweep, writes `sweep.csv`, `sweep_mse.png`, `sweep_e.png` and
/// `sweep_e_prime.png` into its folder, and returns the runs.
pub fn run(plan: &SweepPlan, data: &TaskData) -> Result<Vec<SweepRun>> {
    plan.validate()?;
    let mut runs = Vec::new();
    for &beta in &plan.betas {
        for &seed in &plan.seeds {
            let mut config = plan.base.clone();
            config.beta = beta;
            config.seed = seed;
            // GradNorm needs both weights above zero; β = 0 is the plain run.
            if beta == 0.0 && config.penalty == Penalty::Gradnorm {
                config.penalty = Penalty::None;
            }
            let out = plan.dir.join(format!("b{beta}-s{seed}"));
            if plan.resume
                && let Some(metrics) = finished(&out)?
            {
                eprintln!("sweep: β = {beta}, seed {seed}: finished earlier");
                runs.push(SweepRun { beta, metrics });
                continue;
            }
            eprintln!("sweep: β = {beta}, seed {seed}");
            let job = TrainJob {
                config: config.clone(),
                data: data.clone(),
                resume: plan.resume && out.join("checkpoint").exists(),
                out,
                progress: plan.progress,
                after: None,
            };
            let metrics = dispatch(config.device, job)??;
            runs.push(SweepRun { beta, metrics });
        }
    }
    write_outputs(&plan.dir, &runs)?;
    Ok(runs)
}

/// The metrics of a run that finished in an earlier invocation, if any.
fn finished(run: &Path) -> Result<Option<RunMetrics>> {
    let file = run.join("metrics.json");
    if !file.is_file() {
        return Ok(None);
    }
    read_json(&file).map(Some)
}

/// One β of a sweep: each metric as (mean, spread) over seeds.
#[derive(Clone, Copy, Debug)]
pub struct BetaSummary {
    /// The penalty weight.
    pub beta: f64,
    /// Test MSE ×10².
    pub test_mse_x100: (f64, f64),
    /// E (eq. 12).
    pub e: (f64, f64),
    /// E' (eq. 13).
    pub e_prime: (f64, f64),
}

/// The per-β summary.
pub fn summarize(runs: &[SweepRun]) -> Vec<BetaSummary> {
    let mut betas: Vec<f64> = runs.iter().map(|r| r.beta).collect();
    betas.sort_by(f64::total_cmp);
    betas.dedup();
    betas
        .into_iter()
        .map(|beta| {
            let of = |f: fn(&RunMetrics) -> f64| -> Vec<f64> {
                runs.iter()
                    .filter(|r| r.beta == beta)
                    .map(|r| f(&r.metrics))
                    .collect()
            };
            BetaSummary {
                beta,
                test_mse_x100: mean_std(&of(|m| m.test_mse_x100)),
                e: mean_std(&of(|m| f64::from(m.equivariance.e))),
                e_prime: mean_std(&of(|m| f64::from(m.equivariance.e_prime))),
            }
        })
        .collect()
}

fn write_outputs(dir: &Path, runs: &[SweepRun]) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| TrainerError::io(dir, e))?;
    let mut csv = String::from(
        "beta,seed,test_mse_x100,val_mse_x100,ood_mse_x100,e,e_prime,e_so3,e_prime_so3,alpha_end,beta_end\n",
    );
    for r in runs {
        let m = &r.metrics;
        let ood = m
            .ood_mse
            .map_or(String::new(), |v| format!("{:.6}", v * 100.0));
        // Where the training group is not SO(3) (n-body), the run also
        // measured the errors over all of SO(3); empty otherwise.
        let (e_so3, e_prime_so3) = m.equivariance_so3.as_ref().map_or_else(
            || (String::new(), String::new()),
            |r| (format!("{:.6e}", r.e), format!("{:.6e}", r.e_prime)),
        );
        let _ = writeln!(
            csv,
            "{},{},{:.6},{:.6},{},{:.6e},{:.6e},{},{},{:.6},{:.6}",
            r.beta,
            m.seed,
            m.test_mse_x100,
            m.val_mse * 100.0,
            ood,
            m.equivariance.e,
            m.equivariance.e_prime,
            e_so3,
            e_prime_so3,
            m.alpha,
            m.beta
        );
    }
    let path = dir.join("sweep.csv");
    std::fs::write(&path, csv).map_err(|e| TrainerError::io(&path, e))?;
    let summary = summarize(runs);
    let point = |beta: f64, (mean, spread): (f64, f64)| SweepPoint { beta, mean, spread };
    let mse: Vec<_> = summary
        .iter()
        .map(|s| point(s.beta, s.test_mse_x100))
        .collect();
    let e: Vec<_> = summary.iter().map(|s| point(s.beta, s.e)).collect();
    let e_prime: Vec<_> = summary.iter().map(|s| point(s.beta, s.e_prime)).collect();
    let task = runs.first().map_or(String::new(), |r| {
        format!("{} {}", r.metrics.task, r.metrics.model)
    });
    sweep_plot(
        &dir.join("sweep_mse.png"),
        &format!("{task}: test MSE vs β"),
        "test MSE ×10⁻²",
        &mse,
        false,
    )?;
    sweep_plot(
        &dir.join("sweep_e.png"),
        &format!("{task}: equivariance error E vs β"),
        "E (eq. 12)",
        &e,
        true,
    )?;
    sweep_plot(
        &dir.join("sweep_e_prime.png"),
        &format!("{task}: equivariance error E' vs β"),
        "E' (eq. 13)",
        &e_prime,
        true,
    )?;
    Ok(())
}
