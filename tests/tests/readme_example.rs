//! README.md's "Your own data" runs as written, with 3 epochs for 300: a
//! NumPy script writes a dataset, the trainer trains, evaluates and
//! predicts on it and exports the model, the firmware runs the blob in QEMU
//! (golden vectors bit for bit), and the web page, in headless Chromium,
//! loads the blob and the dataset's samples and shows a prediction. Needs
//! Python 3 with NumPy, QEMU, Chromium and the two Rust targets; without
//! them the test says what is missing and is skipped (`REMUL_REQUIRE_TOOLS=1`
//! makes that a failure).

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use remul_pipeline_tests::tools::{self, CHROMIUM, NUMPY, QEMU};
use remul_pipeline_tests::training::scratch_dir;

/// The ```sh block after the `<!-- your-own-data -->` marker.
fn readme_block() -> String {
    let readme = std::fs::read_to_string(tools::repo_root().join("README.md")).unwrap();
    let after = readme
        .split("<!-- your-own-data -->")
        .nth(1)
        .expect("README.md has the your-own-data marker");
    let block = after
        .split_once("```sh\n")
        .and_then(|(_, rest)| rest.split_once("\n```"))
        .expect("a sh block after the marker")
        .0;
    block.to_owned()
}

/// The block as CI runs it: into `out`, 3 epochs, without the last line
/// (`serve.sh` serves until Ctrl-C; the test serves the page itself).
fn as_run(block: &str, out: &Path) -> String {
    let lines: Vec<&str> = block.lines().collect();
    let (serve, body) = lines.split_last().expect("lines");
    assert!(serve.starts_with("wasm-demo/serve.sh"), "{serve}");
    let body = body.join("\n");
    assert!(
        body.contains("--epochs 300") && body.contains("out=runs/spinning"),
        "{body}"
    );
    body.replace("--epochs 300", "--epochs 3")
        .replace("out=runs/spinning", &format!("out={}", out.display()))
}

/// A static server for the page's folder, stopped when dropped.
struct Server(Child);

impl Server {
    fn start(dir: &Path) -> (Self, u16) {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("python3")
            .args([
                "-m",
                "http.server",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--directory",
            ])
            .arg(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "the server did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        (Self(child), port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The page's DOM after it ran, from headless Chromium.
fn page_dom(url: &str, profile: &Path) -> String {
    tools::run(Command::new(CHROMIUM.program).args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        &format!("--user-data-dir={}", profile.display()),
        "--virtual-time-budget=10000",
        "--dump-dom",
        url,
    ]))
}

#[test]
fn the_readme_example_runs_as_written() {
    let targets = ["thumbv7em-none-eabihf", "wasm32-unknown-unknown"];
    if !tools::available("README example", &[NUMPY, QEMU, CHROMIUM], &targets) {
        return;
    }
    let trainer = Path::new(env!("CARGO_BIN_EXE_pipeline-trainer"));
    let dir = scratch_dir("readme");
    let out = dir.join("spinning");
    let script = format!(
        "set -euo pipefail\ntrainer() {{ {:?} \"$@\"; }}\n{}\n",
        trainer.display().to_string(),
        as_run(&readme_block(), &out)
    );
    let stdout = tools::run(
        Command::new("bash")
            .arg("-c")
            .arg(&script)
            .current_dir(tools::repo_root())
            .env_remove("CARGO_TARGET_DIR")
            .env_remove("RUSTFLAGS"),
    );
    // The trainer's and the firmware's reports.
    for line in [
        "test   MSE",
        "golden vectors: 4/4 match (bit-exact)",
        "result: PASS",
    ] {
        assert!(stdout.contains(line), "{line:?} missing in:\n{stdout}");
    }
    let predictions: Vec<Vec<f32>> =
        serde_json::from_str(&std::fs::read_to_string(out.join("predictions.json")).unwrap())
            .unwrap();
    assert_eq!((predictions.len(), predictions[0].len()), (4, 18));

    let web = tools::repo_root().join("wasm-demo/web");
    let (_server, port) = Server::start(&web);
    let url = format!(
        "http://127.0.0.1:{port}/index.html?model=spinning.bin&samples=spinning-samples.json&sample=2&axis=x&angle=40"
    );
    let dom = page_dom(&url, &dir.join("profile"));
    for shown in [
        "data-state=\"ready\"",
        "4 of 4 reproduced bit for bit",
        "6 × [position, vector] → 6 × [position]",
        "input (spinning-body)",
    ] {
        assert!(dom.contains(shown), "{shown:?} missing in the page:\n{dom}");
    }
    assert!(!dom.contains("do not fit this model"), "{dom}");
    let _ = std::fs::remove_dir_all(&dir);
}
