//! `trainer ensemble RUN…`: the mean of several finished runs measured as
//! one model — the ceiling a distilled student aims at.

use remul_datasets::TaskData;
use remul_group::Group;
use remul_group::random::rng_from_seed;

use crate::cli::EnsembleArgs;
use crate::config::TrainConfig;
use crate::distill::Ensemble;
use crate::error::{Result, TrainerError};
use crate::evaluate::Predict;
use crate::json::read_json;
use crate::run_metrics::RunMetrics;

use super::finished_run::load_task_of;

type Cpu = burn::backend::Flex;

/// Prints each member's test MSE and the ensemble's figures (and the
/// symmetrised ensemble's with `--symmetrize`).
pub fn ensemble(args: &EnsembleArgs) -> Result<()> {
    let first = args.runs.first().ok_or_else(|| {
        TrainerError::InvalidArgument("an ensemble needs at least one run".into())
    })?;
    let config: TrainConfig = read_json(&first.join("config.json"))?;
    let data = load_task_of(&config, &args.task)?;
    let device = Default::default();
    let ensemble = Ensemble::<Cpu>::load(&args.runs, &config.task, &data, &device)?;
    println!(
        "ensemble of {} runs on {}, {} parameters in all",
        ensemble.len(),
        config.task.label(),
        ensemble.parameters()
    );
    for dir in &args.runs {
        let m: RunMetrics = read_json(&dir.join("metrics.json"))?;
        println!(
            "  {}: {} {:?}, test MSE ×10⁻² {:.2}, E' {:.3}",
            dir.display(),
            m.model,
            m.penalty,
            m.test_mse_x100,
            m.equivariance.e_prime
        );
    }
    print_figures("mean", &ensemble, &data, &config.group, args)?;
    if let Some(k) = args.symmetrize.filter(|&k| k > 0) {
        let mut rng = rng_from_seed(args.seed ^ SYMMETRY_SALT);
        let rotations = (0..k).map(|_| config.group.sample(&mut rng)).collect();
        let symmetrized = ensemble.symmetrized(rotations);
        let label = format!("mean over {k} rotations");
        print_figures(&label, &symmetrized, &data, &config.group, args)?;
    }
    Ok(())
}

/// Mixed into `--seed` for the symmetrising rotations, so that they are not
/// E's own.
const SYMMETRY_SALT: u64 = 0x5157_3E7B_1C0D_E5A1;

fn print_figures(
    label: &str,
    model: &impl Predict,
    data: &TaskData,
    group: &Group,
    args: &EnsembleArgs,
) -> Result<()> {
    let test = model.mse(&data.test)?;
    let val = model.mse(&data.val)?;
    let rotated_val = model.rotated_mse(&data.val, group)?;
    let rotated = model.rotated_mse(&data.test, group)?;
    let e = model.equivariance(&data.test, group, args.group_samples, args.seed)?;
    println!(
        "{label}: MSE ×10⁻² val {:.2}  test {:.2}  rotated val {:.2}  rotated test {:.2}  E {:.4}  E' {:.4}  (M = {})",
        val * 100.0,
        test * 100.0,
        rotated_val * 100.0,
        rotated * 100.0,
        e.e,
        e.e_prime,
        e.group_samples
    );
    Ok(())
}
