//! A sweep's runs on this machine: each a `trainer train` child process on
//! one thread, `jobs` at a time, with one display for the whole sweep.
//!
//! Each child writes its output to `train.log` in its run folder and its
//! progress lines to us. The children run in process groups of their own,
//! so a Ctrl-C reaches this process only, which hands each child exactly
//! one interrupt: each finishes its epoch, saves its checkpoint and stops,
//! and `--resume` continues the sweep where it stopped.

use std::collections::VecDeque;
use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::beta_sweep;
use crate::checkpoint;
use crate::error::{Result, TrainerError};
use crate::sweep_folder::{ManifestRun, SweepManifest};
use crate::training::INTERRUPTED;

/// A run's log, in its folder: the child's standard output and error.
pub(super) const LOG: &str = "train.log";

/// How often the loop looks at its children when none of them writes.
const POLL: Duration = Duration::from_millis(100);

/// Trains the manifest's runs (with `resume`, those not finished, from
/// their checkpoints where they have one) with at most `jobs` at once.
pub(super) fn run_all(
    manifest: &SweepManifest,
    dir: &Path,
    trainer: &Path,
    jobs: usize,
    resume: bool,
) -> Result<()> {
    let runs = &manifest.runs;
    let mut todo = VecDeque::new();
    for (index, run) in runs.iter().enumerate() {
        if resume && beta_sweep::finished(&dir.join(&run.name))?.is_some() {
            continue;
        }
        todo.push_back(index);
    }
    let mut view = View::new(runs, runs.len() - todo.len());
    let (tx, rx) = mpsc::channel();
    let mut active: Vec<Active> = Vec::new();
    let mut failed = Vec::new();
    let mut forwarded = false;
    loop {
        let interrupted = INTERRUPTED.load(Ordering::SeqCst);
        if interrupted && !forwarded {
            active.iter().for_each(Active::interrupt);
            forwarded = true;
        }
        while !interrupted && active.len() < jobs.max(1) {
            let Some(index) = todo.pop_front() else { break };
            let saved = if resume {
                checkpoint::saved_epochs(&dir.join(&runs[index].name))
            } else {
                None
            };
            active.push(Active::spawn(
                trainer,
                dir,
                index,
                &runs[index],
                saved,
                &tx,
            )?);
            view.started(index, saved);
        }
        if active.is_empty() {
            break;
        }
        view.take_lines(&rx);
        let mut still = Vec::with_capacity(active.len());
        for mut run in active {
            match run
                .child
                .try_wait()
                .map_err(|e| TrainerError::io(&run.log, e))?
            {
                None => still.push(run),
                Some(status) => {
                    view.take_lines(&rx); // its last lines first
                    match status.code() {
                        Some(0) => view.finished(run.index),
                        Some(130) if interrupted => view.stopped(run.index),
                        _ => {
                            view.failed(run.index, &run.log);
                            failed.push(format!(
                                "{} ({status}; its log: {})",
                                runs[run.index].name,
                                run.log.display()
                            ));
                        }
                    }
                }
            }
        }
        active = still;
    }
    let done = view.done();
    view.close();
    if INTERRUPTED.load(Ordering::SeqCst) {
        return Err(TrainerError::SweepInterrupted {
            finished: done,
            total: runs.len(),
        });
    }
    if !failed.is_empty() {
        return Err(TrainerError::RunsFailed(failed));
    }
    Ok(())
}

/// A running child.
struct Active {
    index: usize,
    child: Child,
    log: PathBuf,
}

impl Active {
    /// Starts run `index` (from its checkpoint when `saved` says it has
    /// one), its output into its log, its standard error also to `tx`.
    fn spawn(
        trainer: &Path,
        dir: &Path,
        index: usize,
        run: &ManifestRun,
        saved: Option<usize>,
        tx: &Sender<(usize, String)>,
    ) -> Result<Self> {
        let folder = dir.join(&run.name);
        fs::create_dir_all(&folder).map_err(|e| TrainerError::io(&folder, e))?;
        let log = folder.join(LOG);
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .map_err(|e| TrainerError::io(&log, e))?;
        let stdout = file.try_clone().map_err(|e| TrainerError::io(&log, e))?;
        let mut command = Command::new(trainer);
        command
            .args(&run.args)
            .args(saved.map(|_| "--resume"))
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(Stdio::piped())
            .env("RAYON_NUM_THREADS", "1");
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let mut child = command.spawn().map_err(|e| TrainerError::io(trainer, e))?;
        if let Some(stderr) = child.stderr.take() {
            let tx = tx.clone();
            std::thread::spawn(move || forward_lines(index, stderr, file, &tx));
        }
        Ok(Self { index, child, log })
    }

    /// One interrupt, as a Ctrl-C would give it: the child finishes its
    /// epoch, saves its checkpoint and exits with 130.
    fn interrupt(&self) {
        #[cfg(unix)]
        {
            use nix::sys::signal::{Signal, kill};
            use nix::unistd::Pid;
            if let Ok(pid) = i32::try_from(self.child.id()) {
                let _ = kill(Pid::from_raw(pid), Signal::SIGINT);
            }
        }
        // Elsewhere the child shares our console and has the Ctrl-C itself.
    }
}

/// Copies a child's standard error into its log and, line by line, to `tx`.
fn forward_lines(
    index: usize,
    stderr: impl std::io::Read,
    mut log: File,
    tx: &Sender<(usize, String)>,
) {
    for line in BufReader::new(stderr).lines() {
        let Ok(line) = line else { break };
        let _ = writeln!(log, "{line}");
        if tx.send((index, line)).is_err() {
            break;
        }
    }
}

/// The sweep's display: a bar over the runs and one per running run on a
/// terminal; otherwise one line per event, the runs' progress lines
/// prefixed with their names.
struct View<'a> {
    runs: &'a [ManifestRun],
    multi: MultiProgress,
    total: ProgressBar,
    bars: Vec<Option<ProgressBar>>,
    terminal: bool,
}

impl<'a> View<'a> {
    fn new(runs: &'a [ManifestRun], done: usize) -> Self {
        let terminal = std::io::stderr().is_terminal();
        let target = if terminal {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let multi = MultiProgress::with_draw_target(target);
        let total = multi.add(ProgressBar::new(runs.len() as u64));
        total.set_style(style(
            "{elapsed_precise} sweep [{bar:30}] {pos}/{len} runs finished {msg}",
        ));
        total.set_position(done as u64);
        if !terminal {
            eprintln!("sweep: {} runs, {done} finished earlier", runs.len());
        }
        Self {
            runs,
            multi,
            total,
            bars: vec![None; runs.len()],
            terminal,
        }
    }

    fn say(&self, line: String) {
        if self.terminal {
            let _ = self.multi.println(line);
        } else {
            eprintln!("{line}");
        }
    }

    fn started(&mut self, index: usize, saved: Option<usize>) {
        let run = &self.runs[index];
        let bar = self.multi.add(ProgressBar::new(run.epochs as u64));
        bar.set_style(style("{prefix:>14} [{bar:20}] epoch {pos}/{len} {msg}"));
        bar.set_prefix(run.name.clone());
        bar.set_position(saved.unwrap_or(0) as u64);
        self.bars[index] = Some(bar);
        let from = saved.map_or(String::new(), |e| {
            format!(" from its checkpoint at epoch {e}")
        });
        if !self.terminal {
            eprintln!("sweep: {} started{from}", run.name);
        }
    }

    /// Takes what the children have written so far.
    fn take_lines(&self, rx: &Receiver<(usize, String)>) {
        let mut next = rx.recv_timeout(POLL).ok();
        while let Some((index, line)) = next {
            self.line(index, &line);
            next = rx.try_recv().ok();
        }
    }

    fn line(&self, index: usize, line: &str) {
        let name = &self.runs[index].name;
        if let (Some(bar), Some((epoch, rest))) = (&self.bars[index], progress_line(line)) {
            bar.set_position(epoch);
            bar.set_message(rest.to_owned());
        }
        if !self.terminal {
            eprintln!("[{name}] {line}");
        }
    }

    fn end(&mut self, index: usize, what: &str) {
        if let Some(bar) = self.bars[index].take() {
            bar.finish_and_clear();
            self.multi.remove(&bar);
        }
        self.say(format!("sweep: {} {what}", self.runs[index].name));
    }

    fn finished(&mut self, index: usize) {
        self.total.inc(1);
        self.end(index, "finished");
    }

    fn stopped(&mut self, index: usize) {
        self.end(index, "stopped at its checkpoint");
    }

    fn failed(&mut self, index: usize, log: &Path) {
        self.end(index, &format!("failed; its log: {}", log.display()));
    }

    fn done(&self) -> usize {
        self.total.position() as usize
    }

    fn close(self) {
        self.total.finish();
    }
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

/// `epoch 12/40: L_obj …` (a run's progress line): 12 and the rest.
fn progress_line(line: &str) -> Option<(u64, &str)> {
    let rest = line.strip_prefix("epoch ")?;
    let (epoch, rest) = rest.split_once('/')?;
    let rest = rest.split_once(": ").map_or("", |(_, r)| r);
    Some((epoch.parse().ok()?, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_lines_give_the_epoch() {
        assert_eq!(
            progress_line("epoch 12/40: L_obj 0.5 best val -"),
            Some((12, "L_obj 0.5 best val -"))
        );
        assert_eq!(progress_line("training mlp on nbody"), None);
        assert_eq!(progress_line("epoch x/40: …"), None);
    }
}
