//! `--task custom --data DIR`: a built-in task written out with
//! `trainer data --export-npz` trains to the built-in task's numbers, bit
//! for bit; a dataset's problems are errors that name the file and the
//! array, and leave nothing written.

mod common;

use std::path::Path;

use common::{scratch_dir, trainer};
use serde_json::Value;

fn ok(args: &[&str]) -> (String, String) {
    let (code, out, err) = trainer(args);
    assert_eq!(code, 0, "{args:?}: {err}");
    (out, err)
}

fn metrics(run: &Path) -> Value {
    let text = std::fs::read_to_string(run.join("metrics.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The metrics of two runs agree in every number but the task's label and
/// the timings.
fn same_numbers(a: &Value, b: &Value) {
    let (Value::Object(a), Value::Object(b)) = (a, b) else {
        panic!("objects")
    };
    for (key, value) in a {
        if ["task", "wall_time_s", "step_ms"].contains(&key.as_str()) {
            continue;
        }
        assert_eq!(Some(value), b.get(key), "{key}");
    }
}

#[test]
fn built_in_tasks_written_as_custom_datasets_train_the_same() {
    let dir = scratch_dir("custom-round-trip");
    let data_dir = remul_test_data::data_dir();
    let data_dir = data_dir.to_str().unwrap();
    // The custom task's defaults differ from the paper's: the flags say all.
    let model = [
        "--model",
        "mlp",
        "--hidden",
        "12",
        "--epochs",
        "3",
        "--batch-size",
        "12",
        "--validate-every",
        "1",
        "--eval-group-samples",
        "3",
        "--lr",
        "3e-4",
        "--quiet",
    ];
    let nbody = common::TINY_NBODY;
    let mocap = ["--task", "mocap", "--data-dir", data_dir, "--offline"];
    for (name, task, decay) in [("nbody", &nbody[..], "0"), ("mocap", &mocap[..], "1e-10")] {
        let copy = dir.join(name);
        let copy_str = copy.to_str().unwrap();
        let mut export = vec!["data"];
        export.extend_from_slice(task);
        export.extend(["--export-npz", copy_str]);
        let (_, err) = ok(&export);
        assert!(err.contains("as a custom dataset"), "{err}");

        let (built_in, custom) = (
            dir.join(format!("{name}-built-in")),
            dir.join(format!("{name}-custom")),
        );
        let mut run = task.to_vec();
        run.extend_from_slice(&model);
        run.extend(["--weight-decay", decay, "--out", built_in.to_str().unwrap()]);
        ok(&run);
        let mut run = vec!["--task", "custom", "--data", copy_str];
        run.extend_from_slice(&model);
        run.extend(["--weight-decay", decay, "--out", custom.to_str().unwrap()]);
        ok(&run);
        same_numbers(&metrics(&built_in), &metrics(&custom));
        // Labelled with the manifest's name: the task's own.
        let label = metrics(&built_in)["task"].as_str().unwrap().to_owned();
        assert_eq!(metrics(&custom)["task"], format!("custom-{label}"));

        let (out, _) = ok(&["data", "--task", "custom", "--data", copy_str]);
        assert!(out.contains("declared in dataset.toml"), "{out}");
    }
    // n-body's out-of-distribution split travels as x_ood / y_ood.
    assert!(metrics(&dir.join("nbody-custom"))["ood_mse"].is_number());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_bad_dataset_is_an_error_naming_the_file_and_the_array_and_writes_nothing() {
    let dir = scratch_dir("custom-bad");
    let data = dir.join("data");
    let data_str = data.to_str().unwrap();
    ok(&[
        "data",
        "--task",
        "nbody",
        "--nbody-train",
        "8",
        "--nbody-eval",
        "8",
        "--export-npz",
        data_str,
    ]);
    // A manifest that disagrees with the arrays: 5 entities, not 4.
    let manifest = std::fs::read_to_string(data.join("dataset.toml")).unwrap();
    std::fs::write(
        data.join("dataset.toml"),
        manifest.replace("entities = 4", "entities = 5"),
    )
    .unwrap();
    let run = dir.join("run");
    let (code, _, err) = trainer(&[
        "--task",
        "custom",
        "--data",
        data_str,
        "--epochs",
        "1",
        "--out",
        run.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.starts_with("error: ") && !err.contains("panicked"),
        "{err}"
    );
    assert!(
        err.contains("data.npz, array x_train") && err.contains("5 entities"),
        "{err}"
    );
    assert!(!run.exists(), "nothing written");

    let (code, _, err) = trainer(&[
        "--task",
        "custom",
        "--epochs",
        "1",
        "--out",
        run.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("--data DIR"), "{err}");
    assert!(!run.exists(), "nothing written");
    let _ = std::fs::remove_dir_all(&dir);
}
