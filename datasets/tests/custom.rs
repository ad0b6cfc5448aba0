//! Your own data: a task written as `dataset.toml` + `data.npz` reads back
//! the same, numpy's variants (float64, flat rows, compressed) read, and
//! every kind of bad data is an error that names the file and the array.

mod common;

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use npyz::WriterBuilder;
use remul_datasets::custom::{self, MANIFEST};
use remul_datasets::nbody::{self, NbodyConfig};
use remul_datasets::{Error, TaskData, mocap};
use remul_group::Group;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("remul-custom-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn same(a: &TaskData, b: &TaskData) {
    assert_eq!(a.io, b.io);
    assert_eq!(a.edges, b.edges);
    assert_eq!(a.splits().len(), b.splits().len());
    for ((na, sa), (nb, sb)) in a.splits().iter().zip(b.splits()) {
        assert_eq!(*na, nb);
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&sa.inputs), bits(&sb.inputs), "{na} inputs");
        assert_eq!(bits(&sa.targets), bits(&sb.targets), "{na} targets");
    }
}

#[test]
fn built_in_tasks_read_back_the_same() {
    let nbody = nbody::generate(&NbodyConfig {
        train: 20,
        val: 10,
        test: 10,
        ood: 10,
        ..Default::default()
    })
    .unwrap();
    let range = Group::angle_range_degrees(0.0, 10.0).unwrap();
    let mocap = mocap::load(&common::data_dir(), mocap::Motion::Run).unwrap();
    for (data, group, name) in [(&nbody, range, "nbody"), (&mocap, Group::So3, "mocap")] {
        let dir = scratch(name);
        custom::write(&dir, data, &group).unwrap();
        let back = custom::load(&dir).unwrap();
        same(data, &back.data);
        assert_eq!(back.group, group, "{name}");
        assert_eq!(back.data.name, data.name);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// One `.npy` array of `T` with `shape` into a zip entry.
fn npy<T: npyz::AutoSerialize + Copy>(
    zip: &mut zip::ZipWriter<File>,
    name: &str,
    shape: &[u64],
    values: &[T],
    deflate: bool,
) {
    let method = if deflate {
        zip::CompressionMethod::Deflated
    } else {
        zip::CompressionMethod::Stored
    };
    let options = zip::write::SimpleFileOptions::default().compression_method(method);
    zip.start_file(format!("{name}.npy"), options).unwrap();
    let mut w = npyz::WriteOptions::<T>::new()
        .default_dtype()
        .shape(shape)
        .writer(&mut *zip)
        .begin_nd()
        .unwrap();
    w.extend(values.iter().copied()).unwrap();
    w.finish().unwrap();
}

/// Two entities, each a position in and a position out: `samples` samples
/// per split, the arrays as `edit` leaves them.
fn dataset(dir: &Path, manifest: &str, edit: impl Fn(&str, &mut Vec<u64>, &mut Vec<f64>) -> bool) {
    std::fs::write(dir.join(MANIFEST), manifest).unwrap();
    let mut zip = zip::ZipWriter::new(File::create(dir.join("data.npz")).unwrap());
    for split in ["train", "val", "test"] {
        for side in ["x", "y"] {
            let name = format!("{side}_{split}");
            let mut shape = vec![4, 2, 3];
            let mut values: Vec<f64> = (0..24).map(|i| f64::from(i) * 0.5 - 3.0).collect();
            if edit(&name, &mut shape, &mut values) {
                npy(&mut zip, &name, &shape, &values, split == "val");
            }
        }
    }
    zip.finish().unwrap().flush().unwrap();
}

const GOOD: &str = r#"
entities = 2
input = ["position"]
output = ["position"]
[group]
kind = "so2"
axis = "z"
[names]
bones = [[0, 1]]
"#;

#[test]
fn numpys_variants_read_float64_flat_and_compressed() {
    let dir = scratch("variants");
    dataset(&dir, GOOD, |name, shape, _| {
        if name == "x_test" {
            *shape = vec![4, 6]; // [samples, values]
        }
        true
    });
    let back = custom::load(&dir).unwrap();
    assert_eq!(back.data.train.len(), 4);
    assert_eq!(back.data.test.input(1), [0.0f32, 0.5, 1.0, 1.5, 2.0, 2.5]);
    assert_eq!(back.group, Group::so2([0.0, 0.0, 1.0]).unwrap());
    assert_eq!(back.data.edges, [[0, 1]]);
    assert!(back.data.extra.is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

/// The error for a dataset with `manifest` and the arrays `edit` leaves.
fn error(
    name: &str,
    manifest: &str,
    edit: impl Fn(&str, &mut Vec<u64>, &mut Vec<f64>) -> bool,
) -> Error {
    let dir = scratch(name);
    dataset(&dir, manifest, edit);
    let err = custom::load(&dir).expect_err(name);
    let _ = std::fs::remove_dir_all(&dir);
    err
}

/// Asserts a bad-array error: the file, the array and `words` in it.
fn bad_array(err: Error, array: &str, words: &[&str]) {
    let text = err.to_string();
    assert!(
        matches!(&err, Error::BadArray { array: a, .. } if a == array),
        "{text}"
    );
    assert!(
        text.contains("data.npz, array ") && text.contains(array),
        "{text}"
    );
    for w in words {
        assert!(text.contains(w), "{w:?} missing: {text}");
    }
}

#[test]
fn bad_arrays_are_errors_naming_the_file_and_the_array() {
    let keep = |_: &str, _: &mut Vec<u64>, _: &mut Vec<f64>| true;
    // Wrong shape: 4 values per entity where a position has 3.
    bad_array(
        error("shape", GOOD, |n, shape, values| {
            if n == "x_train" {
                *shape = vec![3, 2, 4];
            }
            values.truncate(24);
            true
        }),
        "x_train",
        &[
            "shape [3, 2, 4]",
            "2 entities of 3 input values",
            "position",
        ],
    );
    // The manifest disagrees with the arrays: 3 entities declared.
    bad_array(
        error(
            "entities",
            &GOOD.replace("entities = 2", "entities = 3"),
            keep,
        ),
        "x_train",
        &["3 entities"],
    );
    // A channel count that does not match its kind: a vector in the output.
    bad_array(
        error(
            "kind",
            &GOOD.replace(
                r#"output = ["position"]"#,
                r#"output = ["position", "scalar"]"#,
            ),
            keep,
        ),
        "y_train",
        &["4 output values", "position, scalar"],
    );
    for (bad, word) in [(f64::NAN, "NaN"), (f64::INFINITY, "inf")] {
        bad_array(
            error("nan", GOOD, |n, _, values| {
                if n == "y_test" {
                    values[10] = bad;
                }
                true
            }),
            "y_test",
            &["sample 1, value 4", word],
        );
    }
    bad_array(
        error("missing", GOOD, |n, _, _| n != "x_val"),
        "x_val",
        &["missing", "x_train"],
    );
    bad_array(
        error("empty", GOOD, |n, shape, values| {
            if n.ends_with("_val") {
                *shape = vec![0, 2, 3];
                values.clear();
            }
            true
        }),
        "x_val",
        &["no samples"],
    );
    bad_array(
        error("count", GOOD, |n, shape, values| {
            if n == "y_train" {
                *shape = vec![3, 2, 3];
                values.truncate(18);
            }
            true
        }),
        "y_train",
        &["3 samples", "x_train has 4"],
    );
}

#[test]
fn bad_manifests_are_errors_naming_the_manifest() {
    let keep = |_: &str, _: &mut Vec<u64>, _: &mut Vec<f64>| true;
    for (name, manifest, words) in [
        (
            "axis",
            GOOD.replace(r#"axis = "z""#, r#"axis = "up""#),
            &["axis", "\"up\""][..],
        ),
        (
            "kind",
            GOOD.replace(r#"input = ["position"]"#, r#"input = ["velocity"]"#),
            &["\"velocity\"", "scalar"],
        ),
        (
            "group",
            GOOD.replace(r#"kind = "so2""#, r#"kind = "o3""#),
            &["\"o3\""],
        ),
        (
            "bone",
            GOOD.replace("[[0, 1]]", "[[0, 2]]"),
            &["bone [0, 2]"],
        ),
        ("field", format!("{GOOD}\nextra = 1\n"), &["extra"]),
    ] {
        let err = error(name, &manifest, keep);
        let text = err.to_string();
        assert!(matches!(err, Error::BadManifest { .. }), "{name}: {text}");
        assert!(text.contains(MANIFEST), "{name}: {text}");
        for w in words {
            assert!(text.contains(w), "{name}: {w:?} missing: {text}");
        }
    }
    let empty = scratch("no-manifest");
    let text = custom::load(&empty).unwrap_err().to_string();
    assert!(
        text.contains(MANIFEST) && text.contains("cannot be read"),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&empty);
}
