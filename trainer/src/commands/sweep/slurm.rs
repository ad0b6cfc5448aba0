//! A sweep as one Slurm job array: a task per run, each `trainer train`
//! with the run's flags. Every task checks its run folder first: a finished
//! run is left alone, one with a checkpoint continues with `--resume`, so a
//! preempted or requeued task (`#SBATCH --requeue`) loses at most the epoch
//! it was in. The run folders, the data folder and the trainer binary must
//! be on a filesystem every node sees.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use crate::device::DeviceKind;
use crate::error::{Result, TrainerError};
use crate::files::write_atomically;
use crate::sweep_folder::SweepManifest;

/// The job script's name in the sweep's folder.
pub(super) const SCRIPT: &str = "sweep.sbatch";

/// What the job array asks of Slurm besides its tasks.
pub(super) struct Options {
    /// `--slurm-args`, one `sbatch` option per word.
    extra: Vec<String>,
    /// A GPU per task (`--device cuda`).
    gpu: bool,
}

impl Options {
    /// The options for `--slurm-args` (split as a shell would) and `device`.
    pub(super) fn parse(slurm_args: Option<&str>, device: DeviceKind) -> Result<Self> {
        let extra = match slurm_args {
            None => Vec::new(),
            Some(line) => shlex::split(line).ok_or_else(|| {
                TrainerError::InvalidArgument(format!("--slurm-args {line:?}: unbalanced quotes"))
            })?,
        };
        Ok(Self {
            extra,
            gpu: device == DeviceKind::Cuda,
        })
    }
}

/// The job script for `manifest`'s runs in `dir` (absolute), run by
/// `trainer` (absolute).
pub(super) fn script(
    manifest: &SweepManifest,
    dir: &Path,
    trainer: &Path,
    options: &Options,
) -> Result<String> {
    let dir_text = text(dir)?;
    if dir_text.chars().any(char::is_whitespace) {
        return Err(TrainerError::InvalidArgument(format!(
            "{dir_text}: Slurm's #SBATCH --output cannot take a folder with spaces; use --out"
        )));
    }
    let runs = manifest.runs.len();
    let mut s = String::from("#!/usr/bin/env bash\n");
    let _ = writeln!(
        s,
        "# A REMUL β sweep, {runs} runs: one array task each. Written by `trainer sweep --slurm`.\n\
         # Gather the finished runs: trainer sweep --collect {dir_text}\n\
         # A task finds its run finished (and stops), or continues it from its checkpoint."
    );
    let _ = writeln!(s, "#SBATCH --job-name=remul-sweep");
    let _ = writeln!(s, "#SBATCH --array=0-{}", runs.saturating_sub(1));
    let _ = writeln!(s, "#SBATCH --output={dir_text}/slurm-%A_%a.out");
    let _ = writeln!(s, "#SBATCH --open-mode=append");
    let _ = writeln!(s, "#SBATCH --requeue");
    let _ = writeln!(s, "#SBATCH --ntasks=1");
    let _ = writeln!(s, "#SBATCH --cpus-per-task=1");
    if options.gpu {
        let _ = writeln!(s, "#SBATCH --gres=gpu:1");
    }
    for option in &options.extra {
        let _ = writeln!(s, "#SBATCH {option}");
    }
    let _ = writeln!(
        s,
        "set -euo pipefail\nexport RAYON_NUM_THREADS=1\ntrainer={}",
        quote(&text(trainer)?)?
    );
    let _ = writeln!(
        s,
        "case \"${{SLURM_ARRAY_TASK_ID:?submit this script with sbatch}}\" in"
    );
    for (task, run) in manifest.runs.iter().enumerate() {
        let folder = quote(&text(&dir.join(&run.name))?)?;
        let args: Vec<String> = run.args.iter().map(|a| quote(a)).collect::<Result<_>>()?;
        let _ = writeln!(
            s,
            "  {task}) run={folder}\n     args=({}) ;;",
            args.join(" ")
        );
    }
    let _ = writeln!(
        s,
        "  *) echo \"no run for array task $SLURM_ARRAY_TASK_ID\" >&2; exit 1 ;;\nesac"
    );
    s.push_str(
        "if [ -f \"$run/metrics.json\" ]; then\n  echo \"$run: finished earlier\"\n  exit 0\nfi\n\
         if [ -f \"$run/checkpoint/state.json\" ] || [ -f \"$run/checkpoint.old/state.json\" ]; then\n  args+=(--resume)\nfi\n\
         exec \"$trainer\" \"${args[@]}\"\n",
    );
    Ok(s)
}

/// Writes the script into `dir` and submits it with `sbatch`; returns the
/// job's id.
pub(super) fn submit(dir: &Path, script: &str) -> Result<String> {
    let path = dir.join(SCRIPT);
    write_atomically(&path, script.as_bytes())?;
    let output = Command::new("sbatch")
        .arg("--parsable")
        .arg(&path)
        .output()
        .map_err(|e| {
            TrainerError::InvalidArgument(format!(
                "cannot run sbatch ({e}): submit from a Slurm login node, or print the script with --dry-run"
            ))
        })?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(TrainerError::InvalidArgument(format!(
            "sbatch {} failed: {}",
            path.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    // `--parsable` prints `id` or `id;cluster`.
    let id = stdout.trim().split(';').next().unwrap_or_default();
    Ok(id.to_owned())
}

fn text(path: &Path) -> Result<String> {
    path.to_str().map(str::to_owned).ok_or_else(|| {
        TrainerError::InvalidArgument(format!(
            "{}: a path in a Slurm script must be UTF-8",
            path.display()
        ))
    })
}

/// `word` as one shell word.
fn quote(word: &str) -> Result<String> {
    shlex::try_quote(word)
        .map(|q| q.into_owned())
        .map_err(|_| TrainerError::InvalidArgument(format!("{word:?}: cannot be a shell word")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep_folder::ManifestRun;

    fn manifest() -> SweepManifest {
        let run = |beta: f64, seed: u64| ManifestRun {
            beta,
            seed,
            name: format!("b{beta}-s{seed}"),
            epochs: 5,
            args: vec![
                "train".into(),
                "--beta".into(),
                beta.to_string(),
                "--out".into(),
                "o w".into(),
            ],
        };
        SweepManifest {
            runs: vec![run(0.0, 1), run(1.0, 1)],
        }
    }

    #[test]
    fn the_script_has_a_task_per_run_and_resumes_from_checkpoints() {
        let options =
            Options::parse(Some("--partition=cpu --time='02:00:00'"), DeviceKind::Cuda).unwrap();
        let s = script(
            &manifest(),
            Path::new("/sweeps/s"),
            Path::new("/bin/trainer"),
            &options,
        )
        .unwrap();
        for line in [
            "#SBATCH --array=0-1",
            "#SBATCH --output=/sweeps/s/slurm-%A_%a.out",
            "#SBATCH --requeue",
            "#SBATCH --gres=gpu:1",
            "#SBATCH --partition=cpu",
            "#SBATCH --time=02:00:00",
            "  1) run=/sweeps/s/b1-s1",
            "     args=(train --beta 1 --out 'o w') ;;",
            "  args+=(--resume)",
            "exec \"$trainer\" \"${args[@]}\"",
        ] {
            assert!(s.contains(line), "{line} missing in:\n{s}");
        }
        let cpu = Options::parse(None, DeviceKind::Cpu).unwrap();
        let s = script(&manifest(), Path::new("/s"), Path::new("/t"), &cpu).unwrap();
        assert!(!s.contains("--gres"));
    }

    #[test]
    fn bad_options_and_folders_are_clear_errors() {
        assert!(Options::parse(Some("--time='02"), DeviceKind::Cpu).is_err());
        let cpu = Options::parse(None, DeviceKind::Cpu).unwrap();
        let err = script(
            &manifest(),
            Path::new("/my sweeps/s"),
            Path::new("/t"),
            &cpu,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("spaces"), "{err}");
    }
}
