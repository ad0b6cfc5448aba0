//! The blob subcommands: `export` (from a finished run), `inspect`, `eval`
//! and `predict`, all through the no_std runtime.

use std::io::Read;
use std::path::{Path, PathBuf};

use remul_runtime::{Architecture, Model};
use serde::Serialize;

use crate::cli::{EvalArgs, ExportArgs, InspectArgs, PredictArgs};
use crate::error::{Result, TrainerError};
use crate::export::{self, ExportReport, run_blob};
use crate::json::write_json;
use crate::training::AfterTraining;

use super::data::load_task;
use super::finished_run::{self, FinishedRun};

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| TrainerError::io(path, e))
}

fn load_model<'a>(path: &Path, bytes: &'a [u8]) -> Result<Model<'a>> {
    Model::from_bytes(bytes).map_err(|e| TrainerError::Blob(format!("{}: {e}", path.display())))
}

/// Prints what an export measured.
pub fn print_export(r: &ExportReport) {
    println!(
        "exported        {} ({} bytes, {:?})",
        r.path.display(),
        r.bytes,
        r.quant
    );
    println!(
        "test MSE ×10⁻²  burn {:.4}  f32 blob {:.4}  int8 blob {:.4}  (int8 {:+.2} %)",
        r.burn_mse * 100.0,
        r.f32_mse * 100.0,
        r.int8_mse * 100.0,
        100.0 * r.int8_relative_change
    );
    println!(
        "f32 blob vs burn max |Δ| {:.3e} over {} test samples (vs burn in f64: blob {:.3e}, burn {:.3e})",
        r.f32_max_abs_vs_burn, r.samples, r.f32_max_abs_vs_f64, r.burn_max_abs_vs_f64
    );
    if !export::burn_matmul_fuses() {
        println!(
            "note            this CPU has no FMA: burn's matmul rounds each product, the runtime's \
             chains do not (expect ~1e-5 between them)"
        );
    }
    println!("blob E {:.4}  E' {:.4}", r.e, r.e_prime);
}

/// `trainer export --run DIR --output FILE`: exports a finished run.
pub fn export_run(args: &ExportArgs) -> Result<()> {
    let device = Default::default();
    let FinishedRun {
        config,
        metrics,
        data,
        net,
    } = finished_run::load::<burn::backend::NdArray<f32>>(&args.run, &args.task, &device)?;
    let report = export::export(
        &net,
        &metrics.normalization,
        &data,
        config.group,
        args.quant,
        &args.output,
        &device,
    )?;
    print_export(&report);
    write_json(&args.run.join("export.json"), &report)?;
    if args.sensitivity {
        let spec = export::model_spec(
            &net,
            &data.name,
            &data.io,
            config.group,
            &metrics.normalization,
        )?;
        let lines = export::int8_sensitivity(&spec, &data.test, report.f32_mse)?;
        print_sensitivity(&lines, &report);
        write_json(&args.run.join("int8-sensitivity.json"), &lines)?;
    }
    Ok(())
}

/// Prints `trainer export --sensitivity`'s table.
fn print_sensitivity(lines: &[export::Int8Sensitivity], r: &ExportReport) {
    println!(
        "int8 weights, one group of dense layers at a time (in f32, activations not quantized);"
    );
    println!(
        "test MSE ×10⁻² against the f32 blob's {:.4}:",
        r.f32_mse * 100.0
    );
    for l in lines {
        println!(
            "  {:<36} {:.4}  ({:+.2} %)",
            l.group,
            l.mse * 100.0,
            100.0 * l.relative_change
        );
    }
    println!(
        "  {:<36} {:.4}  ({:+.2} %)",
        "int8 blob (weights and activations)",
        r.int8_mse * 100.0,
        100.0 * r.int8_relative_change
    );
}

/// Everything `inspect` shows.
#[derive(Serialize)]
struct Inspection {
    file: PathBuf,
    bytes: usize,
    task: String,
    group: remul_group::Group,
    input: String,
    output: String,
    quant: String,
    architecture: String,
    parameters: usize,
    macs: usize,
    tensor_bytes: usize,
    raw_f32_weight_bytes: usize,
    scratch_values: usize,
    ram_bytes: usize,
    normalization: remul_runtime::Normalization,
    metrics: remul_runtime::ExportMetrics,
    golden_vectors: usize,
    golden_reproduce: bool,
}

fn describe_layout(l: &remul_group::Layout) -> String {
    let channels: Vec<String> = l
        .channels()
        .iter()
        .map(|c| format!("{c:?}").to_lowercase())
        .collect();
    format!("{} × [{}]", l.entities(), channels.join(", "))
}

/// `trainer inspect FILE [--json]`.
pub fn inspect(args: &InspectArgs) -> Result<()> {
    let bytes = read(&args.model)?;
    let model = load_model(&args.model, &bytes)?;
    let mut scratch = vec![0.0f32; model.golden_scratch_len()];
    let golden_reproduce = model.check_golden(&mut scratch).is_ok();
    let architecture = match model.architecture() {
        Architecture::Mlp { activation, widths } => {
            let w: Vec<String> = widths.iter().map(u32::to_string).collect();
            format!("MLP {} ({activation:?})", w.join(" → "))
        }
        Architecture::Transformer {
            d_model,
            heads,
            d_ff,
            blocks,
            entity_embedding,
            ..
        } => format!(
            "Transformer {blocks} blocks, d_model {d_model}, {heads} heads, d_ff {d_ff}{}",
            if *entity_embedding {
                ", entity embedding"
            } else {
                ""
            }
        ),
    };
    let info = Inspection {
        file: args.model.clone(),
        bytes: bytes.len(),
        task: model.task().into(),
        group: *model.group(),
        input: describe_layout(&model.io().input),
        output: describe_layout(&model.io().output),
        quant: format!("{:?}", model.quant()).to_lowercase(),
        architecture,
        parameters: model.parameter_count(),
        macs: model.macs(),
        tensor_bytes: model.tensor_bytes(),
        raw_f32_weight_bytes: 4 * model.parameter_count(),
        scratch_values: model.scratch_len(),
        ram_bytes: model.ram_bytes(),
        normalization: *model.normalization(),
        metrics: *model.metrics(),
        golden_vectors: model.golden_count(),
        golden_reproduce,
    };
    if args.json {
        let json =
            serde_json::to_string_pretty(&info).map_err(|e| TrainerError::json(&args.model, e))?;
        println!("{json}");
        return Ok(());
    }
    let opt = |v: Option<f32>, k: f32| v.map_or("-".to_string(), |v| format!("{:.4}", v * k));
    println!(
        "file            {} ({} bytes)",
        info.file.display(),
        info.bytes
    );
    println!("task            {}  group {:?}", info.task, info.group);
    println!("layout          in {}  →  out {}", info.input, info.output);
    println!("architecture    {}", info.architecture);
    println!(
        "weights         {} ({} parameters, {} bytes; {} as raw f32)",
        info.quant, info.parameters, info.tensor_bytes, info.raw_f32_weight_bytes
    );
    println!("cost            {} MACs per inference", info.macs);
    println!(
        "RAM             {} scratch values = {} bytes",
        info.scratch_values, info.ram_bytes
    );
    let n = &info.normalization;
    println!(
        "normalization   center {}  position ÷{}  vector ÷{}  scalar ÷{}",
        n.center, n.position_scale, n.vector_scale, n.scalar_scale
    );
    if let Some(axes) = n.canonical {
        let (from, to) = (axes.from, axes.to);
        if n.orientation_len() > 0 {
            println!(
                "orientation     canonical: up from entity {from} to {to}, forward the mean velocity; \
                 the MLP also reads the rotation (×{}), so it is not exactly equivariant",
                n.orientation_input
            );
        } else {
            println!(
                "orientation     canonical: up from entity {from} to {to}, forward the mean velocity (exactly equivariant)"
            );
        }
    }
    let m = &info.metrics;
    println!(
        "test metrics    MSE ×10⁻² f32 {}  int8 {}  E {}  E' {}  ({} samples)",
        opt(m.f32_mse, 100.0),
        opt(m.int8_mse, 100.0),
        opt(m.e, 1.0),
        opt(m.e_prime, 1.0),
        m.samples
    );
    println!(
        "golden vectors  {} ({})",
        info.golden_vectors,
        if golden_reproduce {
            "reproduced bit for bit"
        } else {
            "DO NOT reproduce"
        }
    );
    Ok(())
}

/// `trainer eval --model FILE --task …`: the blob on the task's test split.
pub fn eval(args: &EvalArgs) -> Result<()> {
    let bytes = read(&args.model)?;
    let model = load_model(&args.model, &bytes)?;
    let data = load_task(&args.task)?;
    if model.io() != &data.io {
        return Err(TrainerError::InvalidArgument(format!(
            "{} expects {} → {}, but task {} has {} → {}",
            args.model.display(),
            describe_layout(&model.io().input),
            describe_layout(&model.io().output),
            data.name,
            describe_layout(&data.io.input),
            describe_layout(&data.io.output)
        )));
    }
    for (name, split) in data.splits() {
        if name == "train" || name == "val" {
            continue;
        }
        let out = run_blob(&model, split.inputs_iter())?;
        let mse = crate::evaluate::mse(&out, &split.targets);
        println!(
            "{name:<6} MSE {mse:.6}  (×10⁻² {:.3})  {} samples",
            mse * 100.0,
            split.len()
        );
    }
    let rotated = crate::evaluate::rotated_copy(&data.test, model.io(), model.group())?;
    let mse = crate::evaluate::mse(&run_blob(&model, rotated.inputs_iter())?, &rotated.targets);
    println!(
        "rotated test MSE {mse:.6}  (×10⁻² {:.3})  each test sample under its own rotation",
        mse * 100.0
    );
    let mut scratch = vec![0.0f32; model.equivariance_scratch_len()];
    let r = model
        .equivariance(
            data.test.inputs_iter(),
            args.group_samples,
            args.seed,
            &mut scratch,
        )
        .map_err(|e| TrainerError::Blob(e.to_string()))?;
    println!(
        "test   E {:.4}  E' {:.4}  max {:.4}  rel {:.4}  (M = {}, group {:?})",
        r.e,
        r.e_prime,
        r.max_abs,
        r.relative,
        r.group_samples,
        model.group()
    );
    Ok(())
}

/// `trainer predict --model FILE --input FILE --output FILE` (`-` is stdin/stdout).
pub fn predict(args: &PredictArgs) -> Result<()> {
    let bytes = read(&args.model)?;
    let model = load_model(&args.model, &bytes)?;
    let text = if args.input.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| TrainerError::io("<stdin>", e))?;
        s
    } else {
        std::fs::read_to_string(&args.input).map_err(|e| TrainerError::io(&args.input, e))?
    };
    let samples: Vec<Vec<f32>> =
        serde_json::from_str(&text).map_err(|e| TrainerError::json(&args.input, e))?;
    let mut scratch = vec![0.0f32; model.scratch_len()];
    let mut outputs = Vec::with_capacity(samples.len());
    for (i, x) in samples.iter().enumerate() {
        let mut y = vec![0.0f32; model.output_len()];
        model
            .predict(x, &mut y, &mut scratch)
            .map_err(|e| TrainerError::InvalidArgument(format!("sample {i}: {e}")))?;
        outputs.push(y);
    }
    let json = serde_json::to_string(&outputs).map_err(|e| TrainerError::json(&args.output, e))?;
    if args.output.as_os_str() == "-" {
        println!("{json}");
        Ok(())
    } else {
        crate::files::write_atomically(&args.output, json.as_bytes())
    }
}

/// The export done after training (`--export`).
pub fn export_after_training(
    path: PathBuf,
    quant: export::QuantArg,
    data: remul_datasets::TaskData,
    group: remul_group::Group,
    out: PathBuf,
) -> AfterTraining {
    Box::new(move |trained, _metrics| {
        let device = Default::default();
        let report = export::export::<burn::backend::NdArray<f32>>(
            &trained.net,
            &trained.norm,
            &data,
            group,
            quant,
            &path,
            &device,
        )?;
        print_export(&report);
        write_json(&out.join("export.json"), &report)
    })
}
