//! `trainer report DIR...`: the table of finished runs, grouped by task,
//! model, penalty and β, with the mean and spread over seeds.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::cli::ReportArgs;
use crate::error::{Result, TrainerError};
use crate::json::read_json;
use crate::run_metrics::RunMetrics;
use crate::stats::mean_std;

/// Finds every `metrics.json` under the given folders.
fn find_metrics(dirs: &[PathBuf]) -> Result<Vec<(PathBuf, RunMetrics)>> {
    let mut found = Vec::new();
    let mut stack: Vec<PathBuf> = dirs.to_vec();
    while let Some(dir) = stack.pop() {
        let file = dir.join("metrics.json");
        if file.is_file() {
            found.push((dir, read_json(&file)?));
            continue;
        }
        let entries = std::fs::read_dir(&dir).map_err(|e| TrainerError::io(&dir, e))?;
        for entry in entries.flatten() {
            if entry.path().is_dir() {
                stack.push(entry.path());
            }
        }
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(found)
}

/// Prints the table.
pub fn report(args: &ReportArgs) -> Result<()> {
    let runs = find_metrics(&args.dirs)?;
    if runs.is_empty() {
        return Err(TrainerError::InvalidArgument(format!(
            "no metrics.json under {}",
            args.dirs
                .iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let mut groups: BTreeMap<(String, String, String, String), Vec<&RunMetrics>> = BTreeMap::new();
    for (_, m) in &runs {
        let beta = match m.penalty {
            crate::objective::Penalty::Constant => format!("{}", m.beta),
            crate::objective::Penalty::Gradnorm => "adaptive".into(),
            _ => "-".into(),
        };
        // Distilled students are kept apart from the same model on labels,
        // and models turned to canonical axes from the others.
        let mut model = match m.teachers {
            Some(n) => format!("{} ← {n} teachers", m.model),
            None => m.model.clone(),
        };
        if let Some(axes) = m.normalization.canonical {
            model.push_str(&format!(", canonical {},{}", axes.from, axes.to));
            if m.normalization.orientation_len() > 0 {
                let scale = m.normalization.orientation_input;
                model.push_str(&format!(", orientation input {scale}"));
            }
        }
        groups
            .entry((
                m.task.clone(),
                model,
                format!("{:?}", m.penalty).to_lowercase(),
                beta,
            ))
            .or_default()
            .push(m);
    }
    println!(
        "| task | model | penalty | β | seeds | test MSE ×10⁻² | rotated test ×10⁻² | val MSE ×10⁻² | E | E' | ms/step |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for ((task, model, penalty, beta), ms) in &groups {
        let col =
            |f: &dyn Fn(&RunMetrics) -> f64| mean_std(&ms.iter().map(|m| f(m)).collect::<Vec<_>>());
        let (test, test_sd) = col(&|m| m.test_mse_x100);
        // Runs measured before the rotated test existed have none.
        let rotated = match col(&|m| m.rotated_test_mse_x100()) {
            (mean, sd) if mean.is_finite() => format!("{mean:.2} ± {sd:.2}"),
            _ => "—".into(),
        };
        let (val, val_sd) = col(&|m| m.val_mse * 100.0);
        let (e, e_sd) = col(&|m| f64::from(m.equivariance.e));
        let (ep, ep_sd) = col(&|m| f64::from(m.equivariance.e_prime));
        let (step, _) = col(&|m| m.step_ms);
        println!(
            "| {task} | {model} | {penalty} | {beta} | {} | {test:.2} ± {test_sd:.2} | {rotated} | {val:.2} ± {val_sd:.2} | {e:.3} ± {e_sd:.3} | {ep:.3} ± {ep_sd:.3} | {step:.1} |",
            ms.len()
        );
    }
    if args.runs {
        println!();
        for (dir, m) in &runs {
            println!(
                "{}: test {:.2}, rotated test {:.2}, E {:.3}, E' {:.3}, best epoch {}",
                display(dir),
                m.test_mse_x100,
                m.rotated_test_mse_x100(),
                m.equivariance.e,
                m.equivariance.e_prime,
                m.best_epoch
            );
        }
    }
    Ok(())
}

fn display(p: &Path) -> String {
    p.display().to_string()
}
