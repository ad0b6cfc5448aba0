//! `trainer sweep --betas …`: each run a `trainer train` process with the
//! run's own flags, on this machine (`--jobs` at once) or as a Slurm array
//! task (`--slurm`); `--collect` gathers a sweep's finished runs.

mod local;
mod slurm;

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::beta_sweep::{self, PlannedRun, SweepRun, penalty_at};
use crate::cli::{SweepArgs, TrainArgs};
use crate::error::{Result, TrainerError};
use crate::sweep_folder::{self, Collected, SweepManifest};

use super::data::load_task;

/// Runs, submits or collects the sweep.
pub fn sweep(args: &SweepArgs) -> Result<()> {
    if let Some(dir) = &args.collect {
        return collect(dir);
    }
    let plan = args.plan()?;
    // Before the data, which may have to be downloaded.
    plan.validate()?;
    // Here, once: the runs then read the data offline, never fetching it
    // at the same time.
    let data_dir = absolute(&remul_datasets::default_data_dir(
        args.train.task.data.data_dir.clone(),
    ))?;
    load_task(&args.train.task)?;
    let dir = absolute(&plan.dir)?;
    let runs = plan.runs();
    let run_args: Vec<Vec<String>> = runs
        .iter()
        .map(|run| flags_of(run, &args.train, &dir, &data_dir))
        .collect::<Result<_>>()?;
    let manifest = SweepManifest::new(&runs, run_args);
    let trainer = std::env::current_exe().map_err(|e| TrainerError::io("trainer", e))?;
    if args.slurm {
        let options = slurm::Options::parse(args.slurm_args.as_deref(), plan.base.device)?;
        let script = slurm::script(&manifest, &dir, &trainer, &options)?;
        if args.dry_run {
            print!("{script}");
            return Ok(());
        }
        manifest.write(&dir)?;
        let job = slurm::submit(&dir, &script)?;
        println!("submitted job array {job}: {} runs", manifest.runs.len());
        eprintln!(
            "when they have run: trainer sweep --collect {}",
            dir.display()
        );
        return Ok(());
    }
    manifest.write(&dir)?;
    let jobs = args.jobs.unwrap_or_else(default_jobs);
    local::run_all(&manifest, &dir, &trainer, jobs, plan.resume)?;
    collect(&dir)
}

/// The machine's cores: one single-threaded run on each.
fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

fn absolute(path: &Path) -> Result<PathBuf> {
    std::path::absolute(path).map_err(|e| TrainerError::io(path, e))
}

/// `trainer` arguments that train `run` into `dir/<name>`: the sweep's
/// own training flags with the run's β, seed and penalty, the data read
/// offline from `data_dir`, no export and no progress bar.
fn flags_of(
    run: &PlannedRun,
    base: &TrainArgs,
    dir: &Path,
    data_dir: &Path,
) -> Result<Vec<String>> {
    let mut args = base.clone();
    args.beta = run.beta;
    args.seed = run.seed;
    args.penalty = penalty_at(args.penalty, run.beta);
    args.out = Some(dir.join(&run.name));
    args.resume = false;
    args.export = None;
    args.quiet = true;
    args.task.data.data_dir = Some(data_dir.to_path_buf());
    args.task.data.offline = true;
    if let Some(dataset) = &base.task.dataset {
        args.task.dataset = Some(absolute(dataset)?);
    }
    std::iter::once(OsString::from("train"))
        .chain(args.to_args())
        .map(|arg| {
            arg.into_string().map_err(|arg| {
                TrainerError::InvalidArgument(format!(
                    "{}: a sweep's paths must be UTF-8 to be handed to its runs",
                    arg.to_string_lossy()
                ))
            })
        })
        .collect()
}

/// Gathers the sweep in `dir`, prints the per-β table and what is missing.
fn collect(dir: &Path) -> Result<()> {
    let Collected { finished, missing } = sweep_folder::collect(dir)?;
    print_summary(&finished);
    if !finished.is_empty() {
        eprintln!(
            "wrote {}/sweep.csv, sweep_mse.png, sweep_rotated_mse.png, sweep_e.png, sweep_e_prime.png ({} runs)",
            dir.display(),
            finished.len()
        );
    }
    if !missing.is_empty() {
        eprintln!(
            "{} of {} runs not finished:",
            missing.len(),
            missing.len() + finished.len()
        );
        for run in &missing {
            match run.saved_epochs {
                Some(done) => eprintln!(
                    "  {}: checkpoint at epoch {done} of {}",
                    run.name, run.epochs
                ),
                None => eprintln!("  {}: not started", run.name),
            }
        }
    }
    Ok(())
}

/// The per-β table on standard output.
fn print_summary(runs: &[SweepRun]) {
    if runs.is_empty() {
        return;
    }
    println!(
        "{:>8}  {:>16}  {:>16}  {:>20}  {:>20}",
        "β", "test MSE ×10⁻²", "rotated ×10⁻²", "E", "E'"
    );
    for s in beta_sweep::summarize(runs) {
        let (mse, rot, e, ep) = (s.test_mse_x100, s.rotated_test_mse_x100, s.e, s.e_prime);
        println!(
            "{:>8}  {:>8.2} ± {:<5.2}  {:>8.2} ± {:<5.2}  {:>10.4} ± {:<7.4}  {:>10.4} ± {:<7.4}",
            s.beta, mse.0, mse.1, rot.0, rot.1, e.0, e.1, ep.0, ep.1
        );
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, Command};

    fn sweep_args(line: &[&str]) -> SweepArgs {
        let argv = ["trainer", "sweep"].iter().chain(line);
        match Cli::try_parse_from(argv).expect("parses").command {
            Some(Command::Sweep(args)) => args,
            _ => unreachable!("a sweep"),
        }
    }

    #[test]
    fn each_runs_flags_train_exactly_the_planned_run() {
        let args = sweep_args(&[
            "--betas",
            "0,0.5,10",
            "--seeds",
            "3,4",
            "--task",
            "nbody",
            "--nbody-train",
            "16",
            "--penalty",
            "gradnorm",
            "--epochs",
            "7",
            "--model",
            "mlp",
            "--hidden",
            "12",
            "--out",
            "s",
        ]);
        let plan = args.plan().unwrap();
        let (dir, data) = (Path::new("/sweeps/s"), Path::new("/data"));
        for run in plan.runs() {
            let flags = flags_of(&run, &args.train, dir, data).unwrap();
            let argv = std::iter::once("trainer").chain(flags.iter().map(String::as_str));
            let Some(Command::Train(train)) = Cli::try_parse_from(argv).unwrap().command else {
                unreachable!("`train` and its flags");
            };
            assert_eq!(train.config().unwrap(), run.config, "{}", run.name);
            assert_eq!(train.out.as_deref(), Some(dir.join(&run.name).as_path()));
            assert_eq!(train.task.data.data_dir.as_deref(), Some(data));
            assert!(train.task.data.offline && !train.resume && train.export.is_none());
        }
        // GradNorm's β = 0 run is the plain one.
        assert_eq!(
            plan.runs()[0].config.penalty,
            crate::objective::Penalty::None
        );
    }
}
