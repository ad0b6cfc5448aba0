//! `trainer sweep --slurm` on a real one-node Slurm cluster that this test
//! starts (`slurm/local-cluster.sh`: root, and the Debian packages
//! slurmctld, slurmd, slurm-client and munge) and stops: the job array's
//! runs give the bits of the same sweep run locally, and a task cancelled
//! mid-run (`scancel`) and requeued continues from its checkpoint to the
//! uninterrupted result. Without Slurm or root the test says so and is
//! skipped; `REMUL_REQUIRE_TOOLS=1` (as CI sets it) makes that a failure.

mod common;

use common::{scratch_dir, sweep_csv, sweep_flags};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use remul_trainer::checkpoint;

/// A one-node cluster, stopped when dropped.
struct Cluster {
    dir: PathBuf,
}

impl Cluster {
    fn script() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../slurm/local-cluster.sh")
    }

    /// Starts one, or says why it cannot (then `None`).
    fn start() -> Option<Self> {
        let missing: Vec<&str> = [
            "munged",
            "slurmctld",
            "slurmd",
            "sbatch",
            "squeue",
            "scontrol",
        ]
        .into_iter()
        .filter(|p| {
            !Command::new("sh")
                .args(["-c", &format!("command -v {p}")])
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .collect();
        let root = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout.trim_ascii() == b"0");
        if !missing.is_empty() || !root {
            let why = format!(
                "needs root and Slurm (apt-get install slurmctld slurmd slurm-client munge); missing: {}{}",
                missing.join(", "),
                if root { "" } else { " (not root)" }
            );
            let required =
                std::env::var_os("REMUL_REQUIRE_TOOLS").is_some_and(|v| v != "0" && !v.is_empty());
            assert!(!required, "the Slurm test {why}");
            eprintln!(
                "SKIPPED the Slurm test: it {why}; set REMUL_REQUIRE_TOOLS=1 to make this a failure"
            );
            return None;
        }
        let dir = std::env::temp_dir().join(format!("remul-slurm-{}", std::process::id()));
        let cluster = Self { dir };
        let out = run(Command::new(Self::script()).arg("start").arg(&cluster.dir));
        assert!(String::from_utf8_lossy(&out.stdout).contains("SLURM_CONF"));
        Some(cluster)
    }

    /// A Slurm (or trainer) command that talks to this cluster.
    fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut command = Command::new(program);
        command.env("SLURM_CONF", self.dir.join("slurm.conf"));
        command
    }

    /// Waits until job `id` has no task left in the queue.
    fn wait(&self, id: &str) {
        let started = Instant::now();
        loop {
            let out = run(self.command("squeue").args(["--noheader", "--jobs", id]));
            if out.stdout.trim_ascii().is_empty() {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(300),
                "job {id} still queued"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// `trainer sweep FLAGS --slurm`: the job array's id.
    fn submit(&self, flags: &[String]) -> String {
        let out = run(self
            .command(env!("CARGO_BIN_EXE_trainer"))
            .args(flags)
            .arg("--slurm"));
        let stdout = String::from_utf8_lossy(&out.stdout);
        let id = stdout
            .split_whitespace()
            .nth(3)
            .unwrap_or_else(|| panic!("no job id in: {stdout}"));
        id.trim_end_matches(':').to_owned()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new(Self::script())
            .arg("stop")
            .arg(&self.dir)
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Runs `command` and panics with its output unless it succeeds.
fn run(command: &mut Command) -> Output {
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("{command:?}: {e}"));
    assert!(
        out.status.success(),
        "{command:?}: {}\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The same sweep trained here, one run at a time: its CSV.
fn local_csv(flags: &[String]) -> String {
    let args: Vec<&str> = flags
        .iter()
        .map(String::as_str)
        .chain(["--jobs", "1"])
        .collect();
    let (code, _, err) = common::trainer(&args);
    assert_eq!(code, 0, "{err}");
    sweep_csv(Path::new(flags.last().expect("--out DIR")))
}

fn collect(dir: &Path) {
    let (code, _, err) = common::trainer(&["sweep", "--collect", dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("not finished"), "{err}");
}

#[test]
fn a_sweep_on_slurm_gives_the_local_bits_and_a_cancelled_task_resumes() {
    let Some(cluster) = Cluster::start() else {
        return;
    };

    // Four runs as an array, against the same four here.
    let (on_slurm, here) = (scratch_dir("array"), scratch_dir("here"));
    let job = cluster.submit(&sweep_flags(&on_slurm, "0,1", "1,2", "6"));
    cluster.wait(&job);
    collect(&on_slurm);
    assert_eq!(
        sweep_csv(&on_slurm),
        local_csv(&sweep_flags(&here, "0,1", "1,2", "6"))
    );

    // One long run, cancelled once it has checkpoints, then requeued.
    let (cut, whole) = (scratch_dir("cancelled"), scratch_dir("whole"));
    let epochs = 3000;
    let job = cluster.submit(&sweep_flags(&cut, "1", "1", &epochs.to_string()));
    let run = cut.join("b1-s1");
    let started = Instant::now();
    while checkpoint::saved_epochs(&run).is_none_or(|e| e < 5) {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no checkpoint appeared"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let task = format!("{job}_0");
    run_ok(cluster.command("scancel").arg(&task));
    cluster.wait(&job);
    let saved = checkpoint::saved_epochs(&run).expect("a checkpoint");
    assert!(
        saved < epochs && !run.join("metrics.json").exists(),
        "saved {saved}"
    );

    run_ok(cluster.command("scontrol").args(["requeue", &task]));
    // A requeued job waits a while before it may start again; not here.
    run_ok(
        cluster
            .command("scontrol")
            .args(["update", &format!("JobId={task}"), "StartTime=now"]),
    );
    cluster.wait(&job);
    collect(&cut);
    let log = std::fs::read_dir(&cut)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("slurm-"))
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .collect::<String>();
    assert!(
        log.contains(&format!(
            "resuming from the checkpoint at epoch {saved} of {epochs}"
        )),
        "{log}"
    );
    assert_eq!(
        sweep_csv(&cut),
        local_csv(&sweep_flags(&whole, "1", "1", &epochs.to_string()))
    );

    for dir in [on_slurm, here, cut, whole] {
        let _ = std::fs::remove_dir_all(dir);
    }
}

fn run_ok(command: &mut Command) {
    run(command);
}
