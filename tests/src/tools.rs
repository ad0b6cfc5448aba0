//! The programs the device tests need besides cargo, and how a test runs
//! them: QEMU for the Cortex-M4F, Node for the wasm, and the Rust targets.
//!
//! Where one is missing, the test says which and what installs it, and
//! passes as skipped, so that `cargo test --workspace --release` works on a
//! machine with only the Rust toolchain; with `REMUL_REQUIRE_TOOLS=1`
//! (as CI sets it) a missing tool fails the test instead.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The variable that turns a missing tool into a failure.
pub const REQUIRE_TOOLS_ENV: &str = "REMUL_REQUIRE_TOOLS";

/// The checkout's root folder.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A program a device test runs, and how to get it.
#[derive(Clone, Copy, Debug)]
pub struct Tool {
    /// What it is called on the command line.
    pub program: &'static str,
    /// Arguments that make it print its version and exit 0.
    pub version_args: &'static [&'static str],
    /// How to install it.
    pub install: &'static str,
}

/// QEMU's Arm system emulator (the firmware's runner).
pub const QEMU: Tool = Tool {
    program: "qemu-system-arm",
    version_args: &["--version"],
    install: "apt-get install qemu-system-arm",
};

/// Node.js (runs the web demo's wasm through the page's loader).
pub const NODE: Tool = Tool {
    program: "node",
    version_args: &["--version"],
    install: "apt-get install nodejs (20 or newer)",
};

/// Python 3 with NumPy (the README's dataset example).
pub const NUMPY: Tool = Tool {
    program: "python3",
    version_args: &["-c", "import numpy"],
    install: "Python 3 and pip install numpy",
};

/// Chromium, headless (the web demo's page).
pub const CHROMIUM: Tool = Tool {
    program: "chromium",
    version_args: &["--version"],
    install: "apt-get install chromium",
};

/// Whether `target` is installed for the toolchain in use.
fn has_target(target: &str) -> bool {
    let sysroot = Command::new(rustc())
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    sysroot.is_some_and(|root| root.join("lib/rustlib").join(target).is_dir())
}

fn rustc() -> String {
    std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into())
}

fn runs(tool: &Tool) -> bool {
    Command::new(tool.program)
        .args(tool.version_args)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// What of `tools` and `targets` this machine lacks, each with how to get
/// it.
pub fn missing(tools: &[Tool], targets: &[&str]) -> Vec<String> {
    let tools = tools
        .iter()
        .filter(|t| !runs(t))
        .map(|t| format!("{} ({})", t.program, t.install));
    let targets = targets
        .iter()
        .filter(|t| !has_target(t))
        .map(|t| format!("the Rust target {t} (rustup target add {t})"));
    tools.chain(targets).collect()
}

/// Whether a device test can run: every tool and Rust target is there. If
/// not, prints what is missing and returns false (the test then returns
/// early), or panics when [`REQUIRE_TOOLS_ENV`] is set.
pub fn available(test: &str, tools: &[Tool], targets: &[&str]) -> bool {
    let missing = missing(tools, targets);
    if missing.is_empty() {
        return true;
    }
    let what = missing.join(", ");
    if std::env::var_os(REQUIRE_TOOLS_ENV).is_some_and(|v| !v.is_empty() && v != "0") {
        panic!("{test}: missing {what}");
    }
    eprintln!("SKIPPED {test}: missing {what}; set {REQUIRE_TOOLS_ENV}=1 to make this a failure");
    false
}

/// `cargo` for another workspace of this checkout (the firmware, the web
/// demo), in `dir`, with what the outer `cargo test` set that would change
/// that build removed: its own target folder and flags stay its own.
pub fn cargo_in(dir: &Path) -> Command {
    let mut cargo = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cargo.current_dir(dir);
    for key in [
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_MANIFEST_DIR",
    ] {
        cargo.env_remove(key);
    }
    cargo
}

/// Runs `command`, and panics with its output when it fails; returns its
/// standard output.
pub fn run(command: &mut Command) -> String {
    let output: Output = command
        .output()
        .unwrap_or_else(|e| panic!("{command:?}: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{command:?} failed ({}):\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_tool_or_target_is_named_with_its_remedy() {
        let absent = Tool {
            program: "remul-no-such-program",
            version_args: &[],
            install: "nowhere",
        };
        let found = missing(&[absent], &["no-such-target-none"]);
        assert_eq!(
            found,
            [
                "remul-no-such-program (nowhere)",
                "the Rust target no-such-target-none (rustup target add no-such-target-none)"
            ]
        );
    }

    #[test]
    fn the_host_toolchain_and_target_are_found() {
        let host = run(Command::new(rustc()).arg("-vV"));
        let host = host
            .lines()
            .find_map(|l| l.strip_prefix("host: "))
            .expect("rustc -vV names the host");
        let rustc_tool = Tool {
            program: "rustc",
            version_args: &["--version"],
            install: "rustup",
        };
        assert!(missing(&[rustc_tool], &[host]).is_empty());
    }
}
