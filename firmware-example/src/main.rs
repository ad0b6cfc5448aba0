//! The firmware example: loads the embedded model, checks it against its
//! golden vectors, runs it, measures its equivariance and its cost, and
//! reports. Exit code 0 when every check passes, 1 otherwise.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use firmware_example::cost::{Counter, UNIT};
use firmware_example::report::line;
use firmware_example::{fault, kernel_bench, memory, model};
use remul_group::Group;
use remul_runtime::{Activation, Architecture, Error, Model, Quant, kernels};

/// Rotations per input for the on-device equivariance check: enough for a
/// stable E' on a few inputs, few enough to keep the QEMU run short.
const ROTATIONS: usize = 16;

/// Seed of the rotations (the trainer's convention: same rotations per input).
const SEED: u64 = 0;

#[entry]
fn main() -> ! {
    // A static, so it counts as static RAM, not stack; sized by build.rs.
    static mut SCRATCH: [f32; model::SCRATCH_LEN] = [0.0; model::SCRATCH_LEN];
    memory::paint_stack();
    let Some(core) = cortex_m::Peripherals::take() else {
        fault::exit(false)
    };
    let counter = Counter::start(core.SYST);
    let passed = run(&counter, SCRATCH);
    line()
        .text(if passed {
            "result: PASS"
        } else {
            "result: FAIL"
        })
        .print();
    fault::exit(passed)
}

/// Every step in order; false as soon as a check fails.
fn run(counter: &Counter, scratch: &mut [f32]) -> bool {
    line()
        .text("remul firmware example: ")
        .text(model::PATH)
        .text(", int8 kernel: ")
        .text(if kernels::DSP_KERNEL {
            "SMLAD (Cortex-M4 DSP)"
        } else {
            "portable Rust"
        })
        .print();

    let (loaded, cost) = counter.cost(|| Model::from_bytes(&model::BLOB.0));
    let model = match loaded {
        Ok(model) => model,
        Err(e) => return failed("validate", &e),
    };
    describe(&model);
    line()
        .text("validate: ok (header, CRC32, every tensor), ")
        .uint(cost)
        .text(" ")
        .text(UNIT.0)
        .print();

    check_golden(&model, scratch)
        && predict(counter, &model, scratch)
        && kernel_bench::run(counter, &model, scratch)
        && equivariance(counter, &model, scratch)
        && report_memory()
}

/// The model's shape and size.
fn describe(model: &Model<'_>) {
    let mut l = line();
    l.text("model: ").text(model.task()).text(", ");
    l.text(match model.group() {
        Group::So3 => "SO(3)",
        Group::So2 { .. } => "SO(2)",
        Group::AngleRange { .. } => "rotations in an angle range",
    });
    match model.architecture() {
        Architecture::Mlp { activation, widths } => {
            l.text(", MLP ");
            for (i, w) in widths.iter().enumerate() {
                if i > 0 {
                    l.text("-");
                }
                l.uint(u64::from(*w));
            }
            l.text(" ").text(activation_name(*activation));
        }
        Architecture::Transformer {
            d_model,
            heads,
            d_ff,
            blocks,
            activation,
            ..
        } => {
            l.text(", Transformer ")
                .uint(u64::from(*blocks))
                .text(" blocks, d ")
                .uint(u64::from(*d_model))
                .text(", ")
                .uint(u64::from(*heads))
                .text(" heads, d_ff ")
                .uint(u64::from(*d_ff))
                .text(" ")
                .text(activation_name(*activation));
        }
    }
    l.text(match model.quant() {
        Quant::Int8 => ", int8",
        Quant::F32 => ", f32",
    })
    .print();
    line()
        .text("model: ")
        .uint(model.parameter_count() as u64)
        .text(" parameters, ")
        .uint(model.macs() as u64)
        .text(" MACs per inference, blob ")
        .uint(model::BLOB.0.len() as u64)
        .text(" B, scratch ")
        .uint((model.scratch_len() * 4) as u64)
        .text(" B")
        .print();
}

fn activation_name(activation: Activation) -> &'static str {
    match activation {
        Activation::Silu => "SiLU",
        Activation::Relu => "ReLU",
        Activation::Gelu => "GELU",
    }
}

/// Runs every golden vector and compares the outputs bit for bit, one by
/// one for the count, then once more through the runtime's `check_golden`.
fn check_golden(model: &Model<'_>, scratch: &mut [f32]) -> bool {
    let (x, rest) = scratch.split_at_mut(model.input_len());
    let (y, rest) = rest.split_at_mut(model.output_len());
    let mut matching = 0u64;
    for (input, expected) in model.golden() {
        input.copy_to(x);
        if model.predict(x, y, rest).is_ok()
            && y.iter()
                .zip(expected.iter())
                .all(|(got, want)| got.to_bits() == want.to_bits())
        {
            matching += 1;
        }
    }
    let all = model.golden_count() as u64;
    line()
        .text("golden vectors: ")
        .uint(matching)
        .text("/")
        .uint(all)
        .text(" match (bit-exact)")
        .print();
    if let Err(e) = model.check_golden(scratch) {
        return failed("check_golden", &e);
    }
    matching == all && all > 0
}

/// Times one prediction per golden input, and shows the first outputs.
fn predict(counter: &Counter, model: &Model<'_>, scratch: &mut [f32]) -> bool {
    let (y, rest) = scratch.split_at_mut(model.output_len());
    let macs = model.macs() as u64;
    let (mut least, mut most) = (u64::MAX, 0);
    for (i, x) in model::GOLDEN_INPUTS.iter().enumerate() {
        let (result, cost) = counter.cost(|| model.predict(x, y, rest));
        if let Err(e) = result {
            return failed("predict", &e);
        }
        least = least.min(cost);
        most = most.max(cost);
        let mut l = line();
        l.text("predict #")
            .uint(i as u64)
            .text(": ")
            .uint(cost)
            .text(" ")
            .text(UNIT.0)
            .text("; y[0..3] = (");
        for (k, v) in y.iter().take(3).enumerate() {
            if k > 0 {
                l.text(", ");
            }
            l.decimal(*v, 3);
        }
        l.text(")").print();
    }
    line()
        .text("predict: ")
        .uint(least)
        .text(" ")
        .text(UNIT.0)
        .text(" (max ")
        .uint(most)
        .text("), ")
        .uint(macs)
        .text(" MACs, ")
        .ratio(least, macs, 2)
        .text(" ")
        .text(UNIT.0)
        .text("/MAC")
        .print();
    true
}

/// E and E' on the device over the golden inputs, next to the trainer's.
fn equivariance(counter: &Counter, model: &Model<'_>, scratch: &mut [f32]) -> bool {
    let inputs = model::GOLDEN_INPUTS.iter().map(|x| &x[..]);
    let (report, cost) = counter.cost(|| model.equivariance(inputs, ROTATIONS, SEED, scratch));
    let report = match report {
        Ok(report) => report,
        Err(e) => return failed("equivariance", &e),
    };
    let mut l = line();
    l.text("E' = ")
        .decimal(report.e_prime, 4)
        .text(" (M = ")
        .uint(u64::from(report.group_samples))
        .text(" rotations x ")
        .uint(u64::from(report.samples))
        .text(" golden inputs, seed ")
        .uint(SEED)
        .text("), E = ")
        .decimal(report.e, 4)
        .text(", max error ")
        .decimal(report.max_abs, 4);
    // The trainer measures its E' with 100 rotations per sample, seed 0
    // (`EXPORT_GROUP_SAMPLES` in trainer/src/export.rs); the blob keeps
    // the value and the sample count.
    let exported = model.metrics();
    if let Some(e_prime) = exported.e_prime {
        l.text("; trainer's E' = ")
            .decimal(e_prime, 4)
            .text(" (M = 100, ")
            .uint(u64::from(exported.samples))
            .text(" test samples)");
    }
    l.print();
    let predictions = u64::from(report.samples) * (u64::from(report.group_samples) + 1);
    line()
        .text("equivariance check: ")
        .uint(predictions)
        .text(" predictions, ")
        .uint(cost)
        .text(" ")
        .text(UNIT.0)
        .print();
    report.e_prime.is_finite()
}

/// Flash and RAM use, at the end, when the stack has seen everything.
fn report_memory() -> bool {
    let flash = memory::flash_bytes();
    let blob = model::BLOB.0.len();
    line()
        .text("flash: ")
        .uint(flash as u64)
        .text(" B of 524288 (blob ")
        .uint(blob as u64)
        .text(" B, code and constants ")
        .uint(flash.saturating_sub(blob) as u64)
        .text(" B)")
        .print();
    let (statics, stack) = (memory::static_ram_bytes(), memory::stack_peak());
    line()
        .text("RAM: static ")
        .uint(statics as u64)
        .text(" B + stack peak ")
        .uint(stack as u64)
        .text(" B = ")
        .uint((statics + stack) as u64)
        .text(" B of 131072")
        .print();
    true
}

/// Reports a runtime error and fails the run.
fn failed(step: &str, error: &Error) -> bool {
    let mut l = line();
    l.text(step).text(" failed: ");
    l.error(error).print();
    false
}
