//! `trainer`: see `trainer --help`.

use std::process::ExitCode;
use std::sync::atomic::Ordering;

use clap::Parser;
use remul_trainer::cli::{Cli, Command};
use remul_trainer::{TrainerError, commands, training};

fn main() -> ExitCode {
    let cli = Cli::parse();
    // First Ctrl-C (or SIGTERM): finish the epoch, checkpoint, stop.
    // Second: stop now.
    let _ = ctrlc::set_handler(|| {
        if training::INTERRUPTED.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
        eprintln!(
            "\ninterrupt: finishing this epoch and saving a checkpoint (Ctrl-C again to abort)"
        );
    });
    let result = match cli.command {
        None => commands::train(&cli.train),
        Some(Command::Train(args)) => commands::train(&args),
        Some(Command::Data(args)) => commands::data(&args),
        Some(Command::Sweep(args)) => commands::sweep(&args),
        Some(Command::Report(args)) => commands::report(&args),
        Some(Command::Export(args)) => commands::export_run(&args),
        Some(Command::Inspect(args)) => commands::inspect(&args),
        Some(Command::Eval(args)) => commands::eval(&args),
        Some(Command::Predict(args)) => commands::predict(&args),
        Some(Command::Samples(args)) => commands::samples(&args),
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
