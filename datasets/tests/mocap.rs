//! The mocap benchmark built from the published files, checked against an
//! independent build from the `.npy` / JSON conversions, and its errors.

mod common;

use std::path::Path;

use common::{Py, data_dir, mocap_bytes, mocap_dir, pickle, run_edges, synthetic_motion};
use remul_datasets::mocap::{self, Motion};
use remul_datasets::{Error, TaskData, npy};
use remul_group::{Channel, Layout};

fn load_run() -> TaskData {
    mocap::load(&data_dir(), Motion::Run).expect("running data loads")
}

/// A data folder with the given files in `mocap/`.
fn folder_with(files: &[(&str, Vec<u8>)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("mocap")).expect("mocap dir");
    for (name, bytes) in files {
        std::fs::write(dir.path().join("mocap").join(name), bytes).expect("write");
    }
    dir
}

fn trial(i: usize) -> Vec<f64> {
    let path = mocap_dir().join(format!("run_converted/trial_{i:02}.npy"));
    npy::load(&path)
        .expect("npy")
        .as_f64()
        .expect("f64")
        .to_vec()
}

/// X[frame][joint] of one trial's flat data.
fn at(x: &[f64], frame: usize, joint: usize) -> [f64; 3] {
    let i = (frame * 31 + joint) * 3;
    [x[i], x[i + 1], x[i + 2]]
}

#[test]
fn running_has_the_benchmark_counts_and_layout() {
    let data = load_run();
    assert_eq!(data.name, "mocap-run");
    assert_eq!(
        (data.train.len(), data.val.len(), data.test.len()),
        (200, 240, 240)
    );
    assert!(data.extra.is_empty());
    assert_eq!(
        data.io.input,
        Layout::new(31, &[Channel::Position, Channel::Vector]).expect("layout")
    );
    assert_eq!(
        data.io.output,
        Layout::new(31, &[Channel::Position]).expect("layout")
    );
    assert_eq!(data.train.input_width(), 186);
    assert_eq!(data.train.target_width(), 93);
    assert_eq!(data.edges, run_edges());
}

#[test]
fn first_training_sample_by_hand() {
    // train case order starts with trial 1; its first start frame is 57.
    let data = load_run();
    let x = trial(1);
    let t = 57;
    let input = data.train.input(0);
    let target = data.train.target(0);
    let (p, next, later) = (at(&x, t, 0), at(&x, t + 1, 0), at(&x, t + 30, 0));
    for k in 0..3 {
        assert_eq!(input[k], p[k] as f32);
        assert_eq!(input[3 + k], (next[k] - p[k]) as f32);
        assert_eq!(target[k], later[k] as f32);
    }
    // joint 30 of the same sample
    let (p, next, later) = (at(&x, t, 30), at(&x, t + 1, 30), at(&x, t + 30, 30));
    for k in 0..3 {
        assert_eq!(input[6 * 30 + k], p[k] as f32);
        assert_eq!(input[6 * 30 + 3 + k], (next[k] - p[k]) as f32);
        assert_eq!(target[3 * 30 + k], later[k] as f32);
    }
    // the same numbers read by hand from trial_01.npy (frames 57, 58, 87; joint 0)
    assert_eq!(&input[..3], &[2.22229f32, 18.5134, 5.12857]);
    let velocity = [2.21562 - 2.22229, 18.4209 - 18.5134, 5.62309 - 5.12857f64];
    assert_eq!(&input[3..6], &velocity.map(|v| v as f32));
    assert!((input[5] - 0.49452).abs() < 1e-6);
    assert_eq!(&target[..3], &[1.97635f32, 18.2236, 19.97]);
}

#[test]
fn every_running_sample_matches_an_independent_build() {
    let data = load_run();
    let split: serde_json::Value =
        serde_json::from_slice(&mocap_bytes("split_run.json")).expect("json");
    let trials: Vec<Vec<f64>> = (0..11).map(trial).collect();
    for (partition, max, got) in [
        ("train", 200, &data.train),
        ("val", 600, &data.val),
        ("test", 600, &data.test),
    ] {
        let order: Vec<usize> =
            serde_json::from_value(split[format!("{partition}_case_order")].clone())
                .expect("order");
        let each = max / order.len();
        let mut n = 0;
        for case in order {
            let starts: Vec<usize> =
                serde_json::from_value(split[partition][case.to_string()].clone()).expect("starts");
            for &t in starts.iter().take(each) {
                let (input, target) = (got.input(n), got.target(n));
                for j in 0..31 {
                    let (p, next, later) = (
                        at(&trials[case], t, j),
                        at(&trials[case], t + 1, j),
                        at(&trials[case], t + 30, j),
                    );
                    for k in 0..3 {
                        assert_eq!(input[6 * j + k].to_bits(), (p[k] as f32).to_bits());
                        assert_eq!(
                            input[6 * j + 3 + k].to_bits(),
                            ((next[k] - p[k]) as f32).to_bits()
                        );
                        assert_eq!(target[3 * j + k].to_bits(), (later[k] as f32).to_bits());
                    }
                }
                n += 1;
            }
        }
        assert_eq!(n, got.len(), "{partition}");
    }
}

#[test]
fn walking_split_selects_198_600_600_without_the_trajectories() {
    let path = mocap_dir().join("split.pkl");
    let split = mocap::read_split_file(&path).expect("split.pkl");
    let protocol = Motion::Walk.protocol();
    let selection = mocap::select(&split, &protocol, "split.pkl").expect("protocol");
    assert_eq!(selection.counts(), [198, 600, 600]);
    let trials: Vec<Vec<usize>> = selection
        .partitions
        .iter()
        .map(|p| p.iter().map(|c| c.trial).collect())
        .collect();
    assert_eq!(trials[0], [20, 1, 17, 13, 14, 9, 4, 2, 7, 5, 16]);
    assert_eq!(trials[1], [3, 8, 11, 12, 15, 18]);
    assert_eq!(trials[2], [6, 19, 21, 0, 22, 10]);
    // each train case uses the first 18 of its 100 start frames
    let json: serde_json::Value =
        serde_json::from_slice(&mocap_bytes("split_walk.json")).expect("json");
    let first: Vec<usize> = serde_json::from_value(json["train"]["20"].clone()).expect("starts");
    assert_eq!(selection.partitions[0][0].starts, first[..18]);
    // all start frames stay below itv = 300, so X[t + 30] exists in every trial
    assert!(
        split
            .partitions
            .iter()
            .flatten()
            .flat_map(|c| &c.starts)
            .all(|&t| (0..300).contains(&t))
    );
}

#[test]
fn walking_without_motion_pkl_says_where_to_download_it() {
    let dir = folder_with(&[("split.pkl", mocap_bytes("split.pkl"))]);
    let err = mocap::load(dir.path(), Motion::Walk).expect_err("motion.pkl is missing");
    assert!(
        matches!(&err, Error::MissingFile { path, .. } if path.ends_with("mocap/motion.pkl")),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(text.contains("motion.pkl"), "{text}");
    assert!(
        text.contains("https://raw.githubusercontent.com/hanjq17/EGHN/2152b979aa5034cbb372933c6f921ce020bd66bc/motion/dataset/motion.pkl"),
        "{text}"
    );
}

#[test]
fn walking_loads_when_motion_pkl_is_present() {
    if !mocap_dir().join("motion.pkl").is_file() {
        eprintln!(
            "motion.pkl not in {}; walking load not exercised",
            mocap_dir().display()
        );
        return;
    }
    let data = mocap::load(&data_dir(), Motion::Walk).expect("walking loads");
    assert_eq!(
        (data.train.len(), data.val.len(), data.test.len()),
        (198, 600, 600)
    );
}

#[test]
fn a_missing_folder_is_named() {
    let dir = tempfile::tempdir().expect("temp dir");
    let err = mocap::load(&dir.path().join("nowhere"), Motion::Run).expect_err("no folder");
    assert!(
        matches!(&err, Error::MissingDir { path } if path.ends_with("nowhere/mocap")),
        "{err:?}"
    );
    assert!(err.to_string().contains("does not exist"));
}

#[test]
fn a_truncated_motion_file_is_reported_with_its_name() {
    let motion = mocap_bytes("motion_run.pkl");
    let dir = folder_with(&[
        ("split_run.pkl", mocap_bytes("split_run.pkl")),
        ("motion_run.pkl", motion[..motion.len() / 2].to_vec()),
    ]);
    let err = mocap::load(dir.path(), Motion::Run).expect_err("truncated");
    assert!(
        matches!(&err, Error::Truncated { file, .. } if file.ends_with("motion_run.pkl")),
        "{err:?}"
    );
}

#[test]
fn corrupted_bytes_are_reported() {
    let motion = mocap_bytes("motion_run.pkl");
    // a global renamed in place: refused by name
    let renamed = replace(&motion, b"numpy\ndtype\n", b"numpy\nloads\n");
    let dir = folder_with(&[
        ("split_run.pkl", mocap_bytes("split_run.pkl")),
        ("motion_run.pkl", renamed),
    ]);
    let err = mocap::load(dir.path(), Motion::Run).expect_err("corrupted");
    assert!(
        matches!(&err, Error::ForbiddenGlobal { global, .. } if global == "numpy.loads"),
        "{err:?}"
    );
    // an opcode byte overwritten (the APPENDS that closes the first edge)
    let mut flipped = motion.clone();
    assert_eq!(flipped[14], b'e');
    flipped[14] = b'S';
    let dir = folder_with(&[
        ("split_run.pkl", mocap_bytes("split_run.pkl")),
        ("motion_run.pkl", flipped),
    ]);
    let err = mocap::load(dir.path(), Motion::Run).expect_err("corrupted");
    assert!(
        matches!(
            &err,
            Error::UnsupportedOpcode {
                name: "STRING",
                offset: 14,
                ..
            }
        ),
        "{err:?}"
    );
    // a corrupted array length
    let mut short = motion.clone();
    let at = 428; // BINBYTES of trial 0 at byte 427: its 4-byte length follows
    assert_eq!(short[427], b'B');
    short[at] ^= 0x08;
    let dir = folder_with(&[
        ("split_run.pkl", mocap_bytes("split_run.pkl")),
        ("motion_run.pkl", short),
    ]);
    let err = mocap::load(dir.path(), Motion::Run).expect_err("corrupted");
    assert!(
        matches!(
            &err,
            Error::Malformed { .. } | Error::UnsupportedOpcode { .. }
        ),
        "{err:?}"
    );
}

fn replace(haystack: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let at = haystack
        .windows(from.len())
        .position(|w| w == from)
        .expect("present");
    let mut out = haystack.to_vec();
    out[at..at + from.len()].copy_from_slice(to);
    out
}

#[test]
fn wrong_shapes_are_reported() {
    let bad = pickle(&Py::Tuple(vec![
        Py::List(vec![]),
        Py::List(vec![Py::F64(vec![140, 30, 3], vec![0.0; 140 * 30 * 3])]),
    ]));
    let dir = folder_with(&[
        ("split_run.pkl", mocap_bytes("split_run.pkl")),
        ("motion_run.pkl", bad),
    ]);
    let err = mocap::load(dir.path(), Motion::Run).expect_err("wrong shape");
    assert!(
        matches!(&err, Error::WrongShape { got, what, .. } if got == &[140, 30, 3] && what == "trial 0"),
        "{err:?}"
    );
    assert!(err.to_string().contains("[140, 30, 3]"), "{err}");

    let not_a_pair = pickle(&Py::List(vec![Py::Int(1)]));
    let dir = folder_with(&[
        ("split_run.pkl", mocap_bytes("split_run.pkl")),
        ("motion_run.pkl", not_a_pair),
    ]);
    assert!(matches!(
        mocap::load(dir.path(), Motion::Run),
        Err(Error::UnexpectedContent { .. })
    ));
}

#[test]
fn a_split_naming_a_missing_trial_is_reported() {
    // five trials only: the running split's train case 5 does not exist
    let dir = folder_with(&[
        ("split_run.pkl", mocap_bytes("split_run.pkl")),
        ("motion_run.pkl", synthetic_motion(&[140; 5])),
    ]);
    let err = mocap::load(dir.path(), Motion::Run).expect_err("unknown trial");
    assert!(
        matches!(&err, Error::UnknownTrial { partition: "train", trial: 5, trials: 5, file } if file.ends_with("split_run.pkl")),
        "{err:?}"
    );
    assert!(err.to_string().contains("trial 5"), "{err}");
}

#[test]
fn a_split_with_other_case_ids_is_refused() {
    let case = |trial: i64| (Py::Int(trial), Py::I64(vec![1], vec![0]));
    let split = pickle(&Py::Tuple(vec![
        Py::Dict(vec![case(1), case(2), case(5), case(6), case(42)]),
        Py::Dict(vec![case(0), case(4), case(9)]),
        Py::Dict(vec![case(3), case(7), case(8)]),
    ]));
    let dir = folder_with(&[
        ("split_run.pkl", split),
        ("motion_run.pkl", synthetic_motion(&[140; 11])),
    ]);
    let err = mocap::load(dir.path(), Motion::Run).expect_err("not the protocol");
    assert!(err.to_string().contains("42"), "{err}");
}

#[test]
fn start_frames_past_the_end_of_a_trial_are_reported() {
    // 100 frames: start 89 would need frame 119
    let dir = folder_with(&[
        ("split_run.pkl", mocap_bytes("split_run.pkl")),
        ("motion_run.pkl", synthetic_motion(&[100; 11])),
    ]);
    let err = mocap::load(dir.path(), Motion::Run).expect_err("out of range");
    assert!(err.to_string().contains("needs frame"), "{err}");
}

#[test]
fn a_synthetic_recording_gives_the_formula_values() {
    // X[f][j][k] = f + j/100 + k/1000, so V = 1 and X[t+30] = X[t] + 30.
    let dir = folder_with(&[
        ("split_run.pkl", mocap_bytes("split_run.pkl")),
        ("motion_run.pkl", synthetic_motion(&[125; 11])),
    ]);
    let data = mocap::load(dir.path(), Motion::Run).expect("loads");
    let t = 57.0; // first train start
    let input = data.train.input(0);
    let target = data.train.target(0);
    for j in 0..31 {
        for k in 0..3 {
            let x = t + j as f64 / 100.0 + k as f64 / 1000.0;
            assert_eq!(input[6 * j + k], x as f32);
            assert!((input[6 * j + 3 + k] - 1.0).abs() < 1e-9);
            assert_eq!(target[3 * j + k], (x + 30.0) as f32);
        }
    }
}

#[test]
fn motions_parse_and_print() {
    assert_eq!("run".parse::<Motion>().expect("run"), Motion::Run);
    assert_eq!("walk".parse::<Motion>().expect("walk"), Motion::Walk);
    assert!(matches!("jog".parse::<Motion>(), Err(Error::UnknownMotion { name }) if name == "jog"));
    assert_eq!(Motion::Walk.to_string(), "walk");
    assert_eq!(Motion::Walk.task_name(), "mocap-walk");
    assert_eq!(
        Motion::Run.protocol().cases(),
        [&[1, 2, 5, 6, 10][..], &[0, 4, 9], &[3, 7, 8]]
    );
}

#[test]
fn the_shared_data_folder_is_found() {
    // the tests read the shared folder in place (never a copy in the repository)
    assert!(
        Path::new(&mocap_dir()).join("PROVENANCE.md").is_file(),
        "set REMUL_DATA_DIR"
    );
}
