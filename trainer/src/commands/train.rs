//! `trainer [train] --task …`: one run, its metrics beside the paper's.

use std::io::IsTerminal;

use crate::cli::TrainArgs;
use crate::config::TrainConfig;
use crate::device::dispatch;
use crate::error::Result;
use crate::run_metrics::RunMetrics;
use crate::training::TrainJob;

use super::blob::export_after_training;
use super::data::load_task;

/// Trains one model and prints its metrics.
pub fn train(args: &TrainArgs) -> Result<()> {
    train_with(args, args.config()?)
}

/// Trains the model of `config` (made from `args`, perhaps a distilled
/// student's) and prints its metrics.
pub(super) fn train_with(args: &TrainArgs, config: TrainConfig) -> Result<()> {
    let data = load_task(&args.task)?;
    let out = args.out_dir(&config);
    // Bad settings are reported before the run's header line.
    config.validate(&data)?;
    // The weights the run starts from: augmentation and `none` fix them.
    let (alpha, beta) = config.penalty.initial_weights(config.alpha, config.beta);
    let teachers = config.distill.as_ref().map_or(String::new(), |d| {
        format!(" from {} teacher(s)", d.teachers.len())
    });
    eprintln!(
        "training {}{teachers} on {} ({} train / {} val / {} test samples), penalty {:?} α={} β={}, {} epochs, device {} → {}",
        config.net.name(),
        config.task.label(),
        data.train.len(),
        data.val.len(),
        data.test.len(),
        config.penalty,
        alpha,
        beta,
        config.epochs,
        config.device.describe(),
        out.display()
    );
    let after = args.export.clone().map(|path| {
        export_after_training(path, args.quant, data.clone(), config.group, out.clone())
    });
    let job = TrainJob {
        config: config.clone(),
        data,
        out: out.clone(),
        resume: args.resume,
        progress: !args.quiet && std::io::stderr().is_terminal(),
        after,
    };
    let metrics = dispatch(config.device, job)??;
    print_metrics(&metrics);
    eprintln!("wrote {}", out.join("metrics.json").display());
    Ok(())
}

/// The run's figures as a short table.
pub fn print_metrics(m: &RunMetrics) {
    println!(
        "task            {}  model {}  penalty {:?}  seed {}",
        m.task, m.model, m.penalty, m.seed
    );
    println!("parameters      {}", m.parameters);
    println!("best epoch      {} of {}", m.best_epoch, m.epochs);
    println!(
        "MSE ×10⁻²       train {:.2}  val {:.2}  test {:.2}",
        m.train_mse * 100.0,
        m.val_mse * 100.0,
        m.test_mse_x100
    );
    if let (Some(val), Some(test)) = (m.rotated_val_mse, m.rotated_test_mse) {
        println!(
            "                rotated: val {:.2}  test {:.2} (each sample under its own rotation)",
            val * 100.0,
            test * 100.0
        );
    }
    if let Some(ood) = m.ood_mse {
        println!("OOD MSE ×10⁻²   {:.2}", ood * 100.0);
    }
    let e = &m.equivariance;
    println!(
        "equivariance    E {:.4}  E' {:.4}  max {:.4}  rel {:.4}  (M = {})",
        e.e, e.e_prime, e.max_abs, e.relative, e.group_samples
    );
    if let Some(e) = &m.equivariance_so3 {
        println!("  under SO(3)   E {:.4}  E' {:.4}", e.e, e.e_prime);
    }
    println!("α, β at end     {:.4}, {:.4}", m.alpha, m.beta);
    println!(
        "time            {:.1} s, {:.2} ms/step, {}",
        m.wall_time_s, m.step_ms, m.device
    );
}
