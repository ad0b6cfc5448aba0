//! `trainer landscape --run DIR`: the loss around a finished run's weights
//! along two filter-normalised random directions, as CSV and a contour PNG
//! (the paper's Fig. 1).

use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use crate::cli::LandscapeArgs;
use crate::error::Result;
use crate::files::write_atomically;
use crate::json::write_json;
use crate::landscape::{self, LandscapeSpec, Trained};
use crate::objective::Penalty;

use super::finished_run;

/// `landscape.json`: what was measured and what it shows.
#[derive(Serialize)]
struct Summary {
    run: String,
    model: String,
    grid: usize,
    span: f64,
    samples: usize,
    seed: u64,
    alpha: f64,
    beta: f64,
    loss_at_trained_weights: f64,
    run_train_mse: f64,
    loss_min: f64,
    loss_max: f64,
    non_convex_share: f64,
}

/// Measures, writes `landscape.csv`, `landscape.png` and `landscape.json`.
pub fn landscape(args: &LandscapeArgs) -> Result<()> {
    let device = Default::default();
    let run = finished_run::load::<burn::backend::Flex>(&args.run, &args.task, &device)?;
    let (alpha, beta) = run
        .config
        .penalty
        .initial_weights(run.config.alpha, run.config.beta);
    if run.config.penalty == Penalty::Gradnorm && (args.alpha.is_none() || args.beta.is_none()) {
        eprintln!(
            "note: GradNorm run: the loss uses its starting α and β unless --alpha/--beta say otherwise"
        );
    }
    let spec = LandscapeSpec {
        grid: args.grid,
        span: args.span,
        samples: args.samples,
        seed: args.seed,
        alpha: args.alpha.unwrap_or(alpha),
        beta: args.beta.unwrap_or(beta),
    };
    let trained = Trained {
        net: &run.net,
        io: &run.data.io,
        norm: &run.metrics.normalization,
        train: &run.data.train,
        group: run.config.group,
        device: &device,
    };
    let bar = ProgressBar::new(spec.grid as u64);
    bar.set_style(
        ProgressStyle::with_template("landscape [{bar:30}] {pos}/{len} rows ({eta} left)")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let l = landscape::measure(&trained, &spec, |done, _| bar.set_position(done as u64))?;
    bar.finish_and_clear();

    let out = args.output.clone().unwrap_or_else(|| args.run.clone());
    std::fs::create_dir_all(&out).map_err(|e| crate::TrainerError::io(&out, e))?;
    write_atomically(&out.join("landscape.csv"), landscape::to_csv(&l).as_bytes())?;
    let title = format!("{} ({})", run.metrics.model, args.run.display());
    crate::plot::landscape_contour(&out.join("landscape.png"), &title, &l.coords, &l.loss)?;
    let summary = Summary {
        run: args.run.display().to_string(),
        model: run.metrics.model.clone(),
        grid: spec.grid,
        span: spec.span,
        samples: l.samples,
        seed: spec.seed,
        alpha: spec.alpha,
        beta: spec.beta,
        loss_at_trained_weights: l.at_origin(),
        run_train_mse: run.metrics.train_mse,
        loss_min: l.loss.iter().copied().fold(f64::INFINITY, f64::min),
        loss_max: l.loss.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        non_convex_share: l.non_convex_share(),
    };
    write_json(&out.join("landscape.json"), &summary)?;
    println!(
        "{} on {} training samples, {}×{} grid over ±{}: loss {:.4e} at the trained weights (α {} β {}), {:.4e} … {:.4e} on the grid; non-convex at {:.1} % of points",
        summary.model,
        summary.samples,
        spec.grid,
        spec.grid,
        spec.span,
        summary.loss_at_trained_weights,
        spec.alpha,
        spec.beta,
        summary.loss_min,
        summary.loss_max,
        100.0 * summary.non_convex_share
    );
    println!("wrote {}/landscape.{{csv,png,json}}", out.display());
    Ok(())
}
