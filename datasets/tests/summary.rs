//! The summary the `trainer data` command prints.

mod common;

use remul_datasets::mocap::{self, Motion};
use remul_datasets::nbody::{self, NbodyConfig};
use remul_datasets::summarize;
use remul_group::Channel;

#[test]
fn mocap_summary_shows_counts_shapes_and_ranges() {
    let data = mocap::load(&common::data_dir(), Motion::Run).expect("loads");
    let summary = summarize(&data);
    assert_eq!(summary.task, "mocap-run");
    assert_eq!(summary.edges, 30);
    let names: Vec<&str> = summary.splits.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["train", "val", "test"]);
    assert_eq!(summary.splits[0].input_shape, [200, 31, 6]);
    assert_eq!(summary.splits[2].target_shape, [240, 31, 3]);
    let positions = &summary.splits[0].inputs[0];
    assert_eq!(positions.channel, Channel::Position);
    // PROVENANCE.md: the running set spans about −42…60 (CMU length units, y up)
    for split in &summary.splits {
        let p = &split.inputs[0];
        assert!(p.min > -45.0 && p.max < 65.0, "{}: {p:?}", split.name);
    }
    assert!(
        positions.min < -30.0 && positions.max > 20.0,
        "{positions:?}"
    );
    assert_eq!(positions.non_finite, 0);
    let velocities = &summary.splits[0].inputs[1];
    assert_eq!(velocities.channel, Channel::Vector);
    assert!(
        velocities.max < 5.0 && velocities.min > -5.0,
        "{velocities:?}"
    );
    let text = summary.to_string();
    eprintln!("{text}");
    assert!(text.starts_with(
        "task mocap-run: input 31 × [position, vector] -> target 31 × [position], 30 skeleton edges"
    ));
    assert!(
        text.contains("train     200 samples   input [200, 31, 6]   target [200, 31, 3]"),
        "{text}"
    );
    assert!(text.contains("test      240 samples"), "{text}");
}

#[test]
fn nbody_summary_lists_the_ood_split() {
    let data = nbody::generate(&NbodyConfig {
        train: 10,
        val: 10,
        test: 10,
        ood: 10,
        ..Default::default()
    })
    .expect("generates");
    let summary = summarize(&data);
    assert_eq!(summary.splits.len(), 4);
    assert_eq!(summary.splits[3].name, "ood");
    let masses = &summary.splits[0].inputs[0];
    assert_eq!(masses.channel, Channel::Scalar);
    assert!(masses.min >= 0.01 && masses.max <= 10.0, "{masses:?}");
    let text = summary.to_string();
    assert!(
        text.contains("4 × [scalar, position, vector] -> target 4 × [position]"),
        "{text}"
    );
}
