//! `trainer samples`: a few samples of a task's split as JSON, for demos
//! and scripts (the web demo ships one), with the skeleton's bones.

use serde::Serialize;

use crate::cli::SamplesArgs;
use crate::error::{Result, TrainerError};
use crate::files::write_atomically;

use super::data::load_task;

#[derive(Serialize)]
struct Sample<'a> {
    input: &'a [f32],
    target: &'a [f32],
}

#[derive(Serialize)]
struct Samples<'a> {
    task: &'a str,
    split: &'a str,
    io: &'a remul_group::IoLayout,
    edges: &'a [[usize; 2]],
    samples: Vec<Sample<'a>>,
}

/// Writes the first `--count` samples of `--split` as JSON.
pub fn samples(args: &SamplesArgs) -> Result<()> {
    let data = load_task(&args.task)?;
    let split = data.split(&args.split).ok_or_else(|| {
        let names: Vec<&str> = data.splits().iter().map(|(n, _)| *n).collect();
        TrainerError::InvalidArgument(format!(
            "no split {:?}; the task has {}",
            args.split,
            names.join(", ")
        ))
    })?;
    let samples = (0..split.len().min(args.count))
        .map(|i| Sample {
            input: split.input(i),
            target: split.target(i),
        })
        .collect();
    let doc = Samples {
        task: &data.name,
        split: &args.split,
        io: &data.io,
        edges: &data.edges,
        samples,
    };
    let json = serde_json::to_string(&doc).map_err(|e| TrainerError::json(&args.output, e))?;
    write_atomically(&args.output, json.as_bytes())?;
    eprintln!(
        "wrote {} samples of {} {} to {}",
        doc.samples.len(),
        data.name,
        args.split,
        args.output.display()
    );
    Ok(())
}
