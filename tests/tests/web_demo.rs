//! Trained blobs in the browser's runtime: a small MLP (int8) and
//! Transformer (f32), trained on mocap and exported, load in the web demo's
//! wasm (through the page's own loader, under Node), reproduce their golden
//! vectors and predict test inputs with the host runtime's bits.

use std::path::Path;

use remul_pipeline_tests::tools::{self, NODE};
use remul_pipeline_tests::training::{device_test_blobs, scratch_dir};
use remul_runtime::Model;

/// Test inputs to compare on.
const CASES: usize = 8;

/// Builds `remul_demo.wasm` as `wasm-demo/build.sh` does; returns its path.
fn build_wasm() -> std::path::PathBuf {
    let demo = tools::repo_root().join("wasm-demo");
    tools::run(tools::cargo_in(&demo).args([
        "build",
        "--locked",
        "--release",
        "--target",
        "wasm32-unknown-unknown",
    ]));
    demo.join("target/wasm32-unknown-unknown/release/remul_demo.wasm")
}

/// The host runtime's outputs for `inputs`, as f32 bit patterns.
fn host_outputs(blob: &[u8], inputs: &[Vec<f32>]) -> Vec<Vec<u32>> {
    let model = Model::from_bytes(blob).expect("valid");
    let mut scratch = vec![0.0; model.scratch_len()];
    inputs
        .iter()
        .map(|x| {
            let mut y = vec![0.0; model.output_len()];
            model.predict(x, &mut y, &mut scratch).expect("predicts");
            y.iter().map(|v| v.to_bits()).collect()
        })
        .collect()
}

fn run_in_node(wasm: &Path, blob: &Path, cases: &Path) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("web/blob_in_wasm.mjs");
    tools::run(std::process::Command::new(NODE.program).args([
        script.as_os_str(),
        wasm.as_os_str(),
        blob.as_os_str(),
        cases.as_os_str(),
    ]))
}

#[test]
fn trained_blobs_give_the_host_runtimes_bits_in_the_web_demo() {
    if !tools::available("web demo", &[NODE], &["wasm32-unknown-unknown"]) {
        return;
    }
    let wasm = build_wasm();
    let dir = scratch_dir("web-demo");
    let (data, blobs) = device_test_blobs(&dir);
    let inputs: Vec<Vec<f32>> = (0..CASES).map(|i| data.test.input(i).to_vec()).collect();
    for blob in &blobs {
        let bytes = std::fs::read(blob).expect("the exported blob");
        let cases = serde_json::json!({
            "inputs": inputs.iter().map(|x| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>()).collect::<Vec<_>>(),
            "outputs": host_outputs(&bytes, &inputs),
        });
        let cases_path = blob.with_extension("cases.json");
        std::fs::write(&cases_path, cases.to_string()).expect("write the cases");
        let report = run_in_node(&wasm, blob, &cases_path);
        assert!(!report.contains("FAIL"), "{}:\n{report}", blob.display());
        assert_eq!(report.matches("ok  ").count(), 1 + CASES, "{report}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
