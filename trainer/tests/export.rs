//! From a trained model to a blob: the f32 blob computes what burn computes,
//! int8 stays close, golden vectors reproduce, and the blob subcommands
//! (`inspect`, `eval`, `predict`, `export`) work on it.

mod common;

use std::path::{Path, PathBuf};

use burn::backend::NdArray;
use clap::Parser;
use common::trainer;
use remul_datasets::TaskData;
use remul_runtime::Model;
use remul_runtime::export::ArchitectureSpec;
use remul_trainer::cli::Cli;
use remul_trainer::device::{DeviceKind, dispatch};
use remul_trainer::export::{ExportReport, QuantArg, export, model_spec};
use remul_trainer::model::{Net, NetConfig, NetShape};
use remul_trainer::normalize::Normalization;
use remul_trainer::training::{AfterTraining, TrainJob};

fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("remul-export-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn data_dir() -> PathBuf {
    std::env::var_os("REMUL_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"))
}

/// Trains with `flags` for a few epochs, exports the result in both
/// precisions and returns the two reports.
fn train_and_export(flags: &[&str], data: TaskData, dir: &Path) -> (ExportReport, ExportReport) {
    let mut argv = vec!["trainer", "--quiet", "--eval-group-samples", "2"];
    argv.extend_from_slice(flags);
    let config = Cli::try_parse_from(argv).unwrap().train.config().unwrap();
    let reports = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = reports.clone();
    let (blob_dir, group, task) = (dir.to_path_buf(), config.group, data.clone());
    let after: AfterTraining = Box::new(move |trained, _| {
        let device = Default::default();
        for (quant, name) in [(QuantArg::F32, "f32.bin"), (QuantArg::Int8, "int8.bin")] {
            let r = export(
                &trained.net,
                &trained.norm,
                &task,
                group,
                quant,
                &blob_dir.join(name),
                &device,
            )?;
            sink.lock().unwrap().push(r);
        }
        Ok(())
    });
    let job = TrainJob {
        config: config.clone(),
        data,
        out: dir.join("run"),
        resume: false,
        progress: false,
        after: Some(after),
    };
    dispatch(DeviceKind::Cpu, job).unwrap().unwrap();
    let mut r = reports.lock().unwrap();
    let int8 = r.pop().unwrap();
    let f32 = r.pop().unwrap();
    (f32, int8)
}

fn check_reports(f32: &ExportReport, int8: &ExportReport, scale: f64) {
    // The f32 blob is the trained model: equal to burn up to f32 rounding of
    // outputs of magnitude `scale`.
    assert!(f32.f32_max_abs_vs_burn <= 1e-6 * scale.max(1.0), "{f32:?}");
    // So is it to burn's f64 forward pass of the same model (that this pass
    // is f64: `to_f64_casts_every_parameter_and_the_forward_pass` in
    // `model/mod.rs`).
    assert!(f32.f32_max_abs_vs_f64 <= 1e-6 * scale.max(1.0), "{f32:?}");
    assert!(
        (f32.f32_mse - f32.burn_mse).abs() <= 1e-6 * f32.burn_mse.max(1e-9),
        "{f32:?}"
    );
    // Both exports measured the same two blobs.
    assert_eq!(f32.int8_mse, int8.int8_mse);
    assert!(int8.int8_relative_change.abs() < 0.05, "{int8:?}");
    assert!(int8.bytes < f32.bytes);
    for (r, name) in [(f32, "f32"), (int8, "int8")] {
        let bytes = std::fs::read(&r.path).unwrap();
        let model = Model::from_bytes(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut scratch = vec![0.0f32; model.golden_scratch_len()];
        model.check_golden(&mut scratch).unwrap();
        assert_eq!(model.golden_count(), 4);
        assert!(model.metrics().e_prime.is_some());
    }
}

/// A short n-body run: the task, its sizes and the epochs.
const NBODY_SHORT: [&str; 8] = [
    "--task",
    "nbody",
    "--nbody-train",
    "32",
    "--nbody-eval",
    "32",
    "--epochs",
    "3",
];

/// The two small models these tests train.
const SMALL_MLP: [&str; 4] = ["--model", "mlp", "--hidden", "24"];
const SMALL_TRANSFORMER: [&str; 10] = [
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

/// The training configuration the command line `flags` gives.
fn config_of(flags: &[&str]) -> remul_trainer::config::TrainConfig {
    Cli::try_parse_from(["trainer"].iter().chain(flags))
        .unwrap()
        .train
        .config()
        .unwrap()
}

/// `NBODY_SHORT` then `model` then `extra`.
fn nbody_flags<'a>(model: &[&'a str], extra: &[&'a str]) -> Vec<&'a str> {
    NBODY_SHORT
        .iter()
        .chain(model)
        .chain(extra)
        .copied()
        .collect()
}

/// A model trained with `--qat` carries int8-rounded weights in its f32
/// description: the f32 blob is what burn computed and the int8 blob differs
/// from it only by the activations' rounding.
#[test]
fn qat_models_export_to_int8_at_their_own_accuracy() {
    let mlp = nbody_flags(&SMALL_MLP, &["--qat"]);
    let transformer = nbody_flags(&SMALL_TRANSFORMER, &["--qat"]);
    let config = config_of(&mlp);
    let data = config.task.load(Path::new("-")).unwrap();
    // `--qat` reaches both models, and the MLP's runtime description carries
    // weights that int8 stores exactly (rounding them again changes nothing).
    assert!(matches!(&config.net, NetConfig::Mlp(m) if m.qat));
    assert!(matches!(&config_of(&transformer).net, NetConfig::Transformer(t) if t.qat));
    let device = Default::default();
    for qat in [true, false] {
        let NetConfig::Mlp(mut small) = config.net.clone() else {
            unreachable!()
        };
        small.qat = qat;
        let net: Net<NdArray<f32>> = NetConfig::Mlp(small).init(NetShape::of(&data.io), &device);
        let spec = model_spec(
            &net,
            "nbody",
            &data.io,
            config.group,
            &Normalization::IDENTITY,
        );
        let again = spec.with_int8_weights(None);
        let (ArchitectureSpec::Mlp { layers: a, .. }, ArchitectureSpec::Mlp { layers: b, .. }) =
            (&spec.architecture, &again.architecture)
        else {
            unreachable!()
        };
        // Largest change relative to each layer's largest weight (rounding
        // q·s again may move the scale by an ulp, nothing more).
        let change = a
            .iter()
            .zip(b)
            .map(|(a, b)| {
                let top = a.weight.iter().fold(0.0f32, |m, w| m.max(w.abs()));
                let diff = a.weight.iter().zip(&b.weight).map(|(x, y)| (x - y).abs());
                diff.fold(0.0f32, f32::max) / top
            })
            .fold(0.0f32, f32::max);
        if qat {
            assert!(change < 1e-6, "{change}");
        } else {
            assert!(change > 1e-4, "{change}");
        }
    }

    // Trained and exported, the MLP and the Transformer (whose attention
    // then runs through `int8::self_attention`): the f32 blob is what burn
    // computed, and int8 adds only the activations' rounding.
    for (name, flags) in [("qat-mlp", &mlp), ("qat-transformer", &transformer)] {
        let dir = scratch_dir(name);
        let (f32, int8) = train_and_export(flags, data.clone(), &dir);
        check_reports(&f32, &int8, 100.0);
        assert!(
            int8.int8_relative_change.abs() < 1e-3,
            "{name}: int8 {} against f32 {}",
            int8.int8_mse,
            int8.f32_mse
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn mlp_and_transformer_export_on_nbody() {
    let data = config_of(&NBODY_SHORT).task.load(Path::new("-")).unwrap();
    for model in [&SMALL_MLP[..], &SMALL_TRANSFORMER[..]] {
        let dir = scratch_dir(model[1]);
        let (f32, int8) = train_and_export(&nbody_flags(model, &[]), data.clone(), &dir);
        check_reports(&f32, &int8, 100.0);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn transformer_with_entity_embedding_exports_on_mocap() {
    let data =
        remul_datasets::mocap::load(&data_dir(), remul_datasets::mocap::Motion::Run).unwrap();
    let dir = scratch_dir("mocap-transformer");
    let flags = [
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
        "1",
    ];
    let (f32, int8) = train_and_export(&flags, data, &dir);
    check_reports(&f32, &int8, 60.0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_blob_subcommands_work_end_to_end() {
    let dir = scratch_dir("cli");
    let (blob, run) = (dir.join("model.bin"), dir.join("run"));
    let (blob, run) = (blob.to_str().unwrap(), run.to_str().unwrap());
    let task = [
        "--task",
        "nbody",
        "--nbody-train",
        "16",
        "--nbody-eval",
        "16",
    ];
    let mut train = vec![
        "--model",
        "mlp",
        "--hidden",
        "16",
        "--epochs",
        "2",
        "--quiet",
        "--eval-group-samples",
        "2",
        "--out",
        run,
        "--export",
        blob,
    ];
    train.extend_from_slice(&task);
    let (code, out, err) = trainer(&train);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("exported"), "{out}");
    assert!(Path::new(run).join("export.json").exists());

    let (code, out, err) = trainer(&["inspect", blob]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("MLP 28 → 16 → 16 → 12") && out.contains("reproduced bit for bit"),
        "{out}"
    );
    let (code, out, _) = trainer(&["inspect", blob, "--json"]);
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["task"], "nbody");
    assert_eq!(json["golden_reproduce"], true);
    assert!(json["ram_bytes"].as_u64().unwrap() > 0);

    let mut eval = vec!["eval", "--model", blob, "--group-samples", "3"];
    eval.extend_from_slice(&task);
    let (code, out, err) = trainer(&eval);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("test") && out.contains("ood") && out.contains("E'"),
        "{out}"
    );
    let mut wrong_task = vec![
        "eval",
        "--model",
        blob,
        "--task",
        "mocap",
        "--offline",
        "--data-dir",
    ];
    let data = data_dir();
    wrong_task.push(data.to_str().unwrap());
    let (code, _, err) = trainer(&wrong_task);
    assert_eq!(code, 1);
    assert!(
        err.contains("expects 4 × [scalar, position, vector]"),
        "{err}"
    );

    // predict: JSON in, JSON out, the runtime's numbers.
    let input = dir.join("in.json");
    let samples = vec![vec![1.0f32; 28], vec![0.5f32; 28]];
    std::fs::write(&input, serde_json::to_string(&samples).unwrap()).unwrap();
    let output = dir.join("out.json");
    let (code, _, err) = trainer(&[
        "predict",
        "--model",
        blob,
        "--input",
        input.to_str().unwrap(),
        "--output",
        output.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let predicted: Vec<Vec<f32>> =
        serde_json::from_slice(&std::fs::read(&output).unwrap()).unwrap();
    let bytes = std::fs::read(blob).unwrap();
    let model = Model::from_bytes(&bytes).unwrap();
    let mut scratch = vec![0.0; model.scratch_len()];
    for (x, y) in samples.iter().zip(&predicted) {
        let mut expected = vec![0.0; 12];
        model.predict(x, &mut expected, &mut scratch).unwrap();
        assert_eq!(&expected, y);
    }
    std::fs::write(&input, "[[1.0, 2.0]]").unwrap();
    let (code, _, err) = trainer(&[
        "predict",
        "--model",
        blob,
        "--input",
        input.to_str().unwrap(),
        "--output",
        "-",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("sample 0") && err.contains("28"), "{err}");
    std::fs::write(dir.join("bad.bin"), b"RMUL not a blob").unwrap();
    let (code, _, err) = trainer(&["inspect", dir.join("bad.bin").to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.starts_with("error: model blob"), "{err}");

    // Export again from the run folder, in f32.
    let f32_blob = dir.join("f32.bin");
    let mut again = vec![
        "export",
        "--run",
        run,
        "--output",
        f32_blob.to_str().unwrap(),
        "--quant",
        "f32",
    ];
    again.extend_from_slice(&task[..0]);
    let (code, out, err) = trainer(&again);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("F32"), "{out}");

    // Where int8's error comes from, layer by layer.
    let (code, out, err) = trainer(&["export", "--run", run, "--output", blob, "--sensitivity"]);
    assert_eq!(code, 0, "{err}");
    for line in [
        "layer 1 (28 → 16)",
        "layer 3 (16 → 12)",
        "all dense layers",
        "int8 blob (weights and activations)",
    ] {
        assert!(out.contains(line), "{line} missing in: {out}");
    }
    let lines: serde_json::Value = serde_json::from_slice(
        &std::fs::read(Path::new(run).join("int8-sensitivity.json")).unwrap(),
    )
    .unwrap();
    let lines = lines.as_array().unwrap();
    assert_eq!(lines.len(), 4);
    assert!(lines.iter().all(|l| l["mse"].as_f64().unwrap().is_finite()));
    let _ = std::fs::remove_dir_all(&dir);
}
