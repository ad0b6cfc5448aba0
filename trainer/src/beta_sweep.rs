//! A β sweep: one run per (β, seed), a CSV of their metrics, and the plots
//! of the paper's central claim — E and E' fall as β rises.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use remul_datasets::TaskData;

use crate::checkpoint;
use crate::config::TrainConfig;
use crate::device::dispatch;
use crate::error::{Result, TrainerError};
use crate::files::write_atomically;
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

/// One run of a sweep, as planned.
#[derive(Clone, Debug)]
pub struct PlannedRun {
    /// Its β.
    pub beta: f64,
    /// Its seed.
    pub seed: u64,
    /// Its folder's name in the sweep's folder: `b<β>-s<seed>`.
    pub name: String,
    /// Its configuration.
    pub config: TrainConfig,
}

impl SweepPlan {
    /// Every run, β by β and within a β seed by seed: the order of the CSV.
    pub fn runs(&self) -> Vec<PlannedRun> {
        let mut runs = Vec::with_capacity(self.betas.len() * self.seeds.len());
        for &beta in &self.betas {
            for &seed in &self.seeds {
                let mut config = self.base.clone();
                config.beta = beta;
                config.seed = seed;
                config.penalty = penalty_at(config.penalty, beta);
                let name = format!("b{beta}-s{seed}");
                runs.push(PlannedRun {
                    beta,
                    seed,
                    name,
                    config,
                });
            }
        }
        runs
    }
}

/// The penalty a sweep's run at `beta` trains with: GradNorm needs both
/// weights above zero, so its β = 0 run is the plain one.
pub fn penalty_at(penalty: Penalty, beta: f64) -> Penalty {
    if beta == 0.0 && penalty == Penalty::Gradnorm {
        Penalty::None
    } else {
        penalty
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

/// Runs the sweep, writes `sweep.csv`, `sweep_mse.png`,
/// `sweep_rotated_mse.png`, `sweep_e.png` and `sweep_e_prime.png` into its
/// folder, and returns the runs.
pub fn run(plan: &SweepPlan, data: &TaskData) -> Result<Vec<SweepRun>> {
    plan.validate()?;
    let mut runs = Vec::new();
    for PlannedRun {
        beta,
        seed,
        name,
        config,
    } in plan.runs()
    {
        let out = plan.dir.join(name);
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
            resume: plan.resume && checkpoint::saved_epochs(&out).is_some(),
            out,
            progress: plan.progress,
            after: None,
        };
        let metrics = dispatch(config.device, job)??;
        runs.push(SweepRun { beta, metrics });
    }
    write_outputs(&plan.dir, &runs)?;
    Ok(runs)
}

/// The metrics of a run that finished, if it has.
pub fn finished(run: &Path) -> Result<Option<RunMetrics>> {
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
    /// Rotated-test MSE ×10² (`remul_group::rotated_test`).
    pub rotated_test_mse_x100: (f64, f64),
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
                rotated_test_mse_x100: mean_std(&of(|m| m.rotated_test_mse_x100())),
                e: mean_std(&of(|m| f64::from(m.equivariance.e))),
                e_prime: mean_std(&of(|m| f64::from(m.equivariance.e_prime))),
            }
        })
        .collect()
}

/// Writes `sweep.csv` (a row per run, in the order given) and the three
/// plots of the per-β summary into `dir`.
pub fn write_outputs(dir: &Path, runs: &[SweepRun]) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| TrainerError::io(dir, e))?;
    let mut csv = String::from(
        "beta,seed,test_mse_x100,val_mse_x100,ood_mse_x100,e,e_prime,e_so3,e_prime_so3,alpha_end,beta_end,rotated_test_mse_x100\n",
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
            "{},{},{:.6},{:.6},{},{:.6e},{:.6e},{},{},{:.6},{:.6},{}",
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
            m.beta,
            m.rotated_test_mse
                .map_or(String::new(), |v| format!("{:.6}", v * 100.0))
        );
    }
    write_atomically(&dir.join("sweep.csv"), csv.as_bytes())?;
    let summary = summarize(runs);
    let point = |beta: f64, (mean, spread): (f64, f64)| SweepPoint { beta, mean, spread };
    let mse: Vec<_> = summary
        .iter()
        .map(|s| point(s.beta, s.test_mse_x100))
        .collect();
    let rotated: Vec<_> = summary
        .iter()
        .map(|s| point(s.beta, s.rotated_test_mse_x100))
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
    // Runs measured before the rotated test existed have no such figure.
    if rotated.iter().all(|p| p.mean.is_finite()) {
        sweep_plot(
            &dir.join("sweep_rotated_mse.png"),
            &format!("{task}: rotated-test MSE vs β"),
            "rotated-test MSE ×10⁻²",
            &rotated,
            false,
        )?;
    }
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
