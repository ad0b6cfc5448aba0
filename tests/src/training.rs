//! A small model trained for a few epochs and exported in both precisions,
//! with the trainer's own report of each blob (its parity with burn).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use clap::Parser;
use remul_datasets::TaskData;
use remul_trainer::cli::Cli;
use remul_trainer::config::TrainConfig;
use remul_trainer::device::{DeviceKind, dispatch};
use remul_trainer::export::{ExportReport, QuantArg, export};
use remul_trainer::training::{AfterTraining, TrainJob};

/// Flags of a short n-body run: the task, its sizes and the epochs.
pub const NBODY_SHORT: [&str; 8] = [
    "--task",
    "nbody",
    "--nbody-train",
    "32",
    "--nbody-eval",
    "32",
    "--epochs",
    "3",
];

/// A small MLP.
pub const SMALL_MLP: [&str; 4] = ["--model", "mlp", "--hidden", "24"];

/// A small Transformer.
pub const SMALL_TRANSFORMER: [&str; 10] = [
    "--model",
    "transformer",
    "--blocks",
    "2",
    "--d-model",
    "16",
    "--heads",
    "4",
    "--d-ff",
    "24",
];

/// An empty folder for one test's files (in the system's temporary folder,
/// named after the test and this process).
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("remul-pipeline-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    dir
}

/// The training configuration the command line `flags` gives (after
/// `trainer`).
pub fn config_of(flags: &[&str]) -> TrainConfig {
    let argv = ["trainer"].iter().chain(flags);
    let cli = Cli::try_parse_from(argv).unwrap_or_else(|e| panic!("{flags:?}: {e}"));
    cli.train
        .config()
        .unwrap_or_else(|e| panic!("{flags:?}: {e}"))
}

/// The data of the task the flags name (mocap from the test data folder).
pub fn task_data(flags: &[&str]) -> TaskData {
    let config = config_of(flags);
    config
        .task
        .load(&remul_test_data::data_dir())
        .unwrap_or_else(|e| panic!("{flags:?}: {e}"))
}

/// The two blobs of one trained model.
#[derive(Debug)]
pub struct Exported {
    /// The f32 blob's report (its file is `f32.path`).
    pub f32: ExportReport,
    /// The int8 blob's report.
    pub int8: ExportReport,
}

/// Trains with `flags` (a few epochs, quiet, M = 2 for E and E') into
/// `dir/run`, and exports the best model as `dir/f32.bin` and
/// `dir/int8.bin`, each measured by the trainer against burn.
pub fn train_and_export(flags: &[&str], data: TaskData, dir: &Path) -> Exported {
    let mut argv = vec!["--quiet", "--eval-group-samples", "2"];
    argv.extend_from_slice(flags);
    let config = config_of(&argv);
    let reports = Arc::new(Mutex::new(Vec::new()));
    let sink = reports.clone();
    let (blob_dir, group, task) = (dir.to_path_buf(), config.group, data.clone());
    let after: AfterTraining = Box::new(move |trained, _| {
        let device = Default::default();
        for (quant, name) in [(QuantArg::F32, "f32.bin"), (QuantArg::Int8, "int8.bin")] {
            let report = export(
                &trained.net,
                &trained.norm,
                &task,
                group,
                quant,
                &blob_dir.join(name),
                &device,
            )?;
            sink.lock().expect("not poisoned").push(report);
        }
        Ok(())
    });
    let job = TrainJob {
        config,
        data,
        out: dir.join("run"),
        resume: false,
        progress: false,
        after: Some(after),
    };
    dispatch(DeviceKind::Cpu, job)
        .and_then(|trained| trained)
        .unwrap_or_else(|e| panic!("{flags:?}: {e}"));
    let mut reports = reports.lock().expect("not poisoned");
    let int8 = reports.pop().expect("the int8 export ran");
    let f32 = reports.pop().expect("the f32 export ran");
    Exported { f32, int8 }
}

/// A small mocap MLP, two epochs.
pub const MOCAP_MLP: [&str; 8] = [
    "--task", "mocap", "--model", "mlp", "--hidden", "16", "--epochs", "2",
];

/// A small mocap Transformer, two epochs.
pub const MOCAP_TRANSFORMER: [&str; 14] = [
    "--task",
    "mocap",
    "--model",
    "transformer",
    "--blocks",
    "1",
    "--d-model",
    "16",
    "--heads",
    "2",
    "--d-ff",
    "16",
    "--epochs",
    "2",
];

/// What the device tests run: mocap's data, and the int8 blob of a small
/// MLP and the f32 blob of a small Transformer trained on it (between them
/// every kernel: int8 and f32 dense layers, layer norm, attention), in
/// `dir`.
pub fn device_test_blobs(dir: &Path) -> (TaskData, [PathBuf; 2]) {
    let data = task_data(&MOCAP_MLP);
    let mlp = train_and_export(&MOCAP_MLP, data.clone(), &dir.join("mlp"));
    let transformer = train_and_export(&MOCAP_TRANSFORMER, data.clone(), &dir.join("transformer"));
    (data, [mlp.int8.path, transformer.f32.path])
}
