//! The `trainer` program from flags to exit code, so that any binary can be
//! the trainer (`src/main.rs` is this, and so is the pipeline tests' copy).

use std::process::ExitCode;
use std::sync::atomic::Ordering;

use clap::Parser;

use crate::TrainerError;
use crate::cli::{Cli, Command};
use crate::training;

/// Parses the command line, runs the subcommand and reports: exit code 0,
/// 1 with `error: …` on standard error, or 130 after an interrupt that
/// saved checkpoints. A first Ctrl-C (or SIGTERM) finishes the epoch and
/// saves; a second stops at once.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let _ = ctrlc::set_handler(|| {
        if training::INTERRUPTED.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
        if training::MEASURING.load(Ordering::SeqCst) {
            eprintln!(
                "\ninterrupt: training is done and saved; measuring the model \
                 (Ctrl-C again to abort; --resume measures it later)"
            );
        } else {
            eprintln!(
                "\ninterrupt: finishing this epoch and saving a checkpoint (Ctrl-C again to abort)"
            );
        }
    });
    let result = match cli.command {
        None => super::train(&cli.train),
        Some(Command::Train(args)) => super::train(&args),
        Some(Command::Distill(args)) => super::distill(&args),
        Some(Command::Ensemble(args)) => super::ensemble(&args),
        Some(Command::Data(args)) => super::data(&args),
        Some(Command::Sweep(args)) => super::sweep(&args),
        Some(Command::Report(args)) => super::report(&args),
        Some(Command::Export(args)) => super::export_run(&args),
        Some(Command::Inspect(args)) => super::inspect(&args),
        Some(Command::Eval(args)) => super::eval(&args),
        Some(Command::Predict(args)) => super::predict(&args),
        Some(Command::Samples(args)) => super::samples(&args),
        Some(Command::Landscape(args)) => super::landscape(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e @ (TrainerError::Interrupted { .. } | TrainerError::SweepInterrupted { .. })) => {
            eprintln!("{e}");
            ExitCode::from(130)
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
