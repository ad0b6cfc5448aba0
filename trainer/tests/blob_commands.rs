//! The blob subcommands of the `trainer` binary end to end: train with
//! `--export`, then `inspect`, `eval`, `predict` and `export` (with
//! `--sensitivity`) on the result, and their errors on bad input. (The
//! trainer-to-runtime parity tests are the pipeline's: `tests/` at the top.)

mod common;

use std::path::Path;

use common::{scratch_dir, trainer};
use remul_runtime::Model;
use remul_test_data::data_dir;

#[test]
fn the_blob_subcommands_work_end_to_end() {
    let dir = scratch_dir("cli");
    std::fs::create_dir_all(&dir).unwrap();
    let (blob, run) = (dir.join("model.bin"), dir.join("run"));
    let (blob, run) = (blob.to_str().unwrap(), run.to_str().unwrap());
    let task = common::TINY_NBODY;
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
