//! The numbers the browser test expects, computed on the host by the runtime
//! and the group math called directly (not through the export layer, the
//! wasm build or JavaScript): for each case, the sample's input rotated as
//! the page rotates it, the true future pose rotated with it, and E, E' of
//! the model at that input.
//!
//! ```sh
//! cargo run --example host_expected -- MODEL SAMPLES_JSON M SEED CASE... > expected.json
//! # CASE = SAMPLE:AXIS:DEGREES, AXIS one of x, y, z; e.g. 0:y:0 2:y:45
//! ```
//!
//! The predictions themselves come from `trainer predict` on the rotated
//! inputs written here, so that the test compares the page with the
//! trainer's host build of the runtime.

use remul_group::Rotation;
use remul_runtime::Model;
use serde_json::{Value, json};

type Failure = Box<dyn std::error::Error>;

/// The page's axis names and the vectors it passes to `rotate_input`.
fn axis(name: &str) -> Result<[f32; 3], Failure> {
    match name {
        "x" => Ok([1.0, 0.0, 0.0]),
        "y" => Ok([0.0, 1.0, 0.0]),
        "z" => Ok([0.0, 0.0, 1.0]),
        _ => Err(format!("axis must be x, y or z, not {name:?}").into()),
    }
}

fn floats(v: &Value) -> Result<Vec<f32>, Failure> {
    let list = v.as_array().ok_or("expected a list of numbers")?;
    list.iter()
        .map(|x| x.as_f64().map(|x| x as f32).ok_or("not a number".into()))
        .collect()
}

fn main() -> Result<(), Failure> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [model_path, samples_path, m, seed, cases @ ..] = args.as_slice() else {
        return Err("usage: host_expected MODEL SAMPLES_JSON M SEED SAMPLE:AXIS:DEGREES...".into());
    };
    let (m, seed): (usize, u32) = (m.parse()?, seed.parse()?);
    let blob = std::fs::read(model_path)?;
    let model = Model::from_bytes(&blob)?;
    let samples: Value = serde_json::from_str(&std::fs::read_to_string(samples_path)?)?;
    let mut scratch = vec![0.0; model.equivariance_scratch_len()];
    let mut out = Vec::new();
    for case in cases {
        let parts: Vec<&str> = case.split(':').collect();
        let [index, axis_name, degrees] = parts.as_slice() else {
            return Err(format!("case {case:?} is not SAMPLE:AXIS:DEGREES").into());
        };
        let index: usize = index.parse()?;
        let degrees: f32 = degrees.parse()?;
        let axis = axis(axis_name)?;
        let sample = &samples["samples"][index];
        let (mut input, mut target) = (floats(&sample["input"])?, floats(&sample["target"])?);
        // As the export layer does: degrees to radians in f32, then φ(g), ρ(g).
        let g = Rotation::from_axis_angle(axis, degrees.to_radians())?;
        model.io().input.rotate(&g, &mut input)?;
        model.io().output.rotate(&g, &mut target)?;
        let report = model.equivariance([&input[..]], m, u64::from(seed), &mut scratch)?;
        out.push(json!({
            "case": case,
            "sample": index,
            "axis": axis_name,
            "degrees": degrees,
            "m": m,
            "seed": seed,
            "input": input,
            "target": target,
            "e": report.e,
            "e_prime": report.e_prime,
            "max_abs": report.max_abs,
        }));
    }
    println!("{}", serde_json::to_string(&out)?);
    Ok(())
}
