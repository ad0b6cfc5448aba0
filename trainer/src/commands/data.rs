//! `trainer data --task …`: what a task's splits hold, and getting the data.

use indicatif::{ProgressBar, ProgressStyle};
use remul_datasets::TaskData;
use remul_datasets::download::{Progress, Source};
use remul_datasets::mocap;

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

/// Prints the summary of a task's splits.
pub fn data(args: &DataArgs) -> Result<()> {
    let data = load_task(&args.task)?;
    println!("{}", remul_datasets::summarize(&data));
    Ok(())
}
