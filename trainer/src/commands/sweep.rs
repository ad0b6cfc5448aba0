//! `trainer sweep --betas …`.

use crate::beta_sweep;
use crate::cli::SweepArgs;
use crate::error::Result;

use super::data::load_task;

/// Runs the β sweep and prints the per-β summary.
pub fn sweep(args: &SweepArgs) -> Result<()> {
    let plan = args.plan()?;
    // Before the data, which may have to be downloaded.
    plan.validate()?;
    let data = load_task(&args.train.task)?;
    let runs = beta_sweep::run(&plan, &data)?;
    println!(
        "{:>8}  {:>16}  {:>20}  {:>20}",
        "β", "test MSE ×10⁻²", "E", "E'"
    );
    for s in beta_sweep::summarize(&runs) {
        let (mse, e, ep) = (s.test_mse_x100, s.e, s.e_prime);
        println!(
            "{:>8}  {:>8.2} ± {:<5.2}  {:>10.4} ± {:<7.4}  {:>10.4} ± {:<7.4}",
            s.beta, mse.0, mse.1, e.0, e.1, ep.0, ep.1
        );
    }
    eprintln!(
        "wrote {}/sweep.csv, sweep_mse.png, sweep_e.png, sweep_e_prime.png",
        plan.dir.display()
    );
    Ok(())
}
