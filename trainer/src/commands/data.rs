//! `trainer data --task …`: what a task's splits hold, and getting the data.

use indicatif::{ProgressBar, ProgressStyle};
use remul_datasets::TaskData;
use remul_datasets::download::{Progress, Source};
use remul_datasets::{custom, mocap};
use remul_group::Group;

use crate::cli::{DataArgs, TaskArgs};
use crate::error::Result;
use crate::task::TaskName;

/// Loads a task's data, first downloading missing mocap files (with a
/// progress bar) unless `--offline`.
pub fn load_task(args: &TaskArgs) -> Result<TaskData> {
    let spec = args.spec();
    let dir = remul_datasets::default_data_dir(args.data.data_dir.clone());
    if spec.name == TaskName::Mocap && !args.data.offline {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template(
                "{msg} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        let mut on_progress = |p: Progress| match p {
            Progress::Started { file, url, total } => {
                bar.set_message(format!("{file} from {url}"));
                bar.set_length(total.unwrap_or(0));
                bar.set_position(0);
            }
            Progress::Received { bytes, total, .. } => {
                bar.set_length(total.unwrap_or(bytes));
                bar.set_position(bytes);
            }
            Progress::Mismatched { file } => {
                bar.println(format!("{file}: checksum mismatch, fetching again"))
            }
            Progress::Finished { file, bytes } => {
                bar.println(format!("{file}: {bytes} bytes, verified"))
            }
            _ => {}
        };
        let fetched = mocap::ensure_files(
            &dir,
            spec.motion.into(),
            &Source::default(),
            &mut on_progress,
        );
        bar.finish_and_clear();
        fetched?;
    }
    spec.load(&dir)
}

/// Prints the summary of a task's splits (and for a custom dataset what
/// its manifest declares); with `--export-npz` writes the task as a custom
/// dataset.
pub fn data(args: &DataArgs) -> Result<()> {
    let data = load_task(&args.task)?;
    println!("{}", remul_datasets::summarize(&data));
    let spec = args.task.spec();
    if let Some(dir) = spec
        .dataset
        .as_deref()
        .filter(|_| spec.name == TaskName::Custom)
    {
        let (manifest, declared) = custom::Manifest::read(dir)?;
        print_declared(&manifest, &declared.group);
    }
    if let Some(dir) = &args.export_npz {
        let group = spec.default_group(0.0, 10.0)?;
        custom::write(dir, &data, &group)?;
        eprintln!(
            "wrote {} as a custom dataset: {}/{} and {}/{} (group: {})",
            data.name,
            dir.display(),
            custom::MANIFEST,
            dir.display(),
            custom::DEFAULT_ARRAYS,
            describe_group(&group)
        );
    }
    Ok(())
}

/// What a manifest declares beyond the layout the summary shows.
fn print_declared(manifest: &custom::Manifest, group: &Group) {
    println!("declared in {}:", custom::MANIFEST);
    println!(
        "  {} entities; input per entity [{}], output [{}]",
        manifest.entities,
        manifest.input.join(", "),
        manifest.output.join(", ")
    );
    println!("  group {}", describe_group(group));
    let names = &manifest.names;
    if !names.entities.is_empty() {
        println!("  entities {}", names.entities.join(", "));
    }
    if !names.bones.is_empty() {
        println!("  {} bones", names.bones.len());
    }
    if let Some(units) = &names.units {
        println!("  units {units}");
    }
}

/// A group in words.
fn describe_group(group: &Group) -> String {
    match *group {
        Group::So3 => "SO(3), every rotation".into(),
        Group::So2 { axis: [x, y, z] } => format!("SO(2), rotations about ({x}, {y}, {z})"),
        Group::AngleRange { min, max } => format!(
            "rotations by {}° to {}° about a random axis",
            min.to_degrees(),
            max.to_degrees()
        ),
    }
}
