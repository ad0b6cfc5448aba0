//! From a trained burn model to a runtime blob: the weights in the
//! runtime's f32 description, then the runtime's own quantizer and encoder.
//! The exported blob is run through the runtime on the test split, so its
//! metrics (f32 MSE, int8 MSE, E, E') are measured, not assumed.

use std::path::{Path, PathBuf};

use burn::nn::{LayerNorm, Linear};
use burn::prelude::*;
use remul_datasets::{Split, TaskData};
use remul_export::{ArchitectureSpec, BlockSpec, DenseSpec, ModelSpec, NormSpec};
use remul_group::IoLayout;
use remul_runtime::{ExportMetrics, Model, Quant};
use serde::Serialize;

use crate::error::{Result, TrainerError};
use crate::evaluate::{Predict, Predictor};
use crate::files::write_atomically;
use crate::model::transformer::LAYER_NORM_EPS;
use crate::model::{Activation, Net};
use crate::normalize::Normalization;

/// How many test samples travel in the blob as golden vectors.
pub const GOLDEN_VECTORS: usize = 4;

/// Rotations per sample for the exported blob's E and E'.
pub const EXPORT_GROUP_SAMPLES: usize = 100;

/// Seed of those rotations.
pub const EXPORT_SEED: u64 = 0;

/// The weight precision of a blob.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum QuantArg {
    /// int8 weights with per-output-row scales.
    #[default]
    Int8,
    /// f32 weights.
    F32,
}

impl From<QuantArg> for Quant {
    fn from(q: QuantArg) -> Self {
        match q {
            QuantArg::Int8 => Quant::Int8,
            QuantArg::F32 => Quant::F32,
        }
    }
}

fn values<B: Backend, const D: usize>(t: Tensor<B, D>) -> Vec<f32> {
    t.into_data()
        .convert::<f32>()
        .to_vec::<f32>()
        .unwrap_or_default()
}

/// A burn `Linear` (weight `[in, out]`, `y = x W + b`) as the runtime's
/// dense layer (`[out][in]`, `y = W x + b`).
fn dense<B: Backend>(linear: &Linear<B>) -> DenseSpec {
    let [inputs, outputs] = linear.weight.dims();
    let w = values(linear.weight.val());
    let mut weight = vec![0.0f32; inputs * outputs];
    for i in 0..inputs {
        for o in 0..outputs {
            weight[o * inputs + i] = w[i * outputs + o];
        }
    }
    let bias = linear
        .bias
        .as_ref()
        .map_or_else(|| vec![0.0; outputs], |b| values(b.val()));
    DenseSpec {
        inputs,
        outputs,
        weight,
        bias,
    }
}

fn norm<B: Backend>(n: &LayerNorm<B>) -> NormSpec {
    let gamma = values(n.gamma.val());
    let beta = n
        .beta
        .as_ref()
        .map_or_else(|| vec![0.0; gamma.len()], |b| values(b.val()));
    NormSpec {
        gamma,
        beta,
        eps: LAYER_NORM_EPS as f32,
    }
}

/// The runtime's description of a trained model.
pub fn model_spec<B: Backend>(
    net: &Net<B>,
    task: &str,
    data_io: &IoLayout,
    group: remul_group::Group,
    normalization: &Normalization,
) -> Result<ModelSpec> {
    let architecture = match net {
        Net::Mlp(m) => ArchitectureSpec::Mlp {
            layers: m
                .hidden
                .iter()
                .chain(std::iter::once(&m.head))
                .map(dense)
                .collect(),
            activation: match m.activation {
                Activation::Silu => remul_runtime::Activation::Silu,
                Activation::Relu => remul_runtime::Activation::Relu,
                Activation::Gelu => remul_runtime::Activation::Gelu,
            },
        },
        Net::Transformer(t) => {
            let d_model = t.embed.weight.dims()[1];
            let d_ff = t.blocks.first().map_or(d_model, |b| b.ff1.weight.dims()[1]);
            ArchitectureSpec::Transformer {
                d_model,
                heads: t.heads,
                d_ff,
                embed: dense(&t.embed),
                entity_embedding: t.entity_embedding.as_ref().map(|e| values(e.val())),
                blocks: t
                    .blocks
                    .iter()
                    .map(|b| BlockSpec {
                        norm1: norm(&b.norm1),
                        query: dense(&b.attention.query),
                        key: dense(&b.attention.key),
                        value: dense(&b.attention.value),
                        output: dense(&b.attention.output),
                        norm2: norm(&b.norm2),
                        ff1: dense(&b.ff1),
                        ff2: dense(&b.ff2),
                    })
                    .collect(),
                final_norm: norm(&t.final_norm),
                head: dense(&t.head),
            }
        }
        Net::Egnn(_) => return Err(TrainerError::InvalidArgument(EGNN_HAS_NO_BLOB.into())),
    };
    let spec = ModelSpec {
        task: task.into(),
        group,
        io: data_io.clone(),
        normalization: *normalization,
        architecture,
    };
    // A model trained with int8-rounded weights is that model: its f32
    // description carries the rounded weights (which int8 stores exactly).
    let qat = match net {
        Net::Mlp(m) => m.qat,
        Net::Transformer(t) => t.qat,
        Net::Egnn(_) => false,
    };
    Ok(if qat {
        spec.with_int8_weights(None)
    } else {
        spec
    })
}

/// Why an EGNN run cannot be exported.
pub const EGNN_HAS_NO_BLOB: &str = "EGNN is a trainer baseline that the runtime does not run: \
     it has no blob (export an MLP or a Transformer)";

/// What an export measured.
#[derive(Clone, Debug, Serialize)]
pub struct ExportReport {
    /// The blob file.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: usize,
    /// The weights' precision.
    pub quant: QuantArg,
    /// Test MSE of the trainer's float model (burn).
    pub burn_mse: f64,
    /// Test MSE of the f32 blob in the runtime.
    pub f32_mse: f64,
    /// Test MSE of the int8 blob in the runtime.
    pub int8_mse: f64,
    /// Largest |runtime f32 − burn| over the test outputs.
    pub f32_max_abs_vs_burn: f64,
    /// Largest |runtime f32 − burn in f64|: the same trained model run by
    /// burn on its f64 CPU backend, the reference without f32 rounding in
    /// the network.
    pub f32_max_abs_vs_f64: f64,
    /// Largest |burn − burn in f64|: burn's own f32 rounding, for scale.
    pub burn_max_abs_vs_f64: f64,
    /// (int8 MSE − f32 MSE) / f32 MSE.
    pub int8_relative_change: f64,
    /// E of the exported blob on the test split.
    pub e: f32,
    /// E' of the exported blob on the test split.
    pub e_prime: f32,
    /// Test samples measured.
    pub samples: usize,
}

/// Runs a blob over every input of a split: its outputs, stacked.
pub fn run_blob(
    model: &Model<'_>,
    inputs: impl Iterator<Item = impl AsRef<[f32]>>,
) -> Result<Vec<f32>> {
    let mut scratch = vec![0.0f32; model.scratch_len()];
    let mut out = Vec::new();
    let mut y = vec![0.0f32; model.output_len()];
    for x in inputs {
        model
            .predict(x.as_ref(), &mut y, &mut scratch)
            .map_err(|e| TrainerError::Blob(e.to_string()))?;
        out.extend_from_slice(&y);
    }
    Ok(out)
}

fn blob_err(e: impl std::fmt::Display) -> TrainerError {
    TrainerError::Blob(e.to_string())
}

/// Exports `net` as a blob at `path` with precision `quant`, measuring both
/// precisions on the test split first.
pub fn export<B: Backend>(
    net: &Net<B>,
    normalization: &Normalization,
    data: &TaskData,
    group: remul_group::Group,
    quant: QuantArg,
    path: &Path,
    device: &B::Device,
) -> Result<ExportReport> {
    let spec = model_spec(net, &data.name, &data.io, group, normalization)?;
    let golden: Vec<Vec<f32>> = data
        .test
        .inputs_iter()
        .take(GOLDEN_VECTORS)
        .map(<[f32]>::to_vec)
        .collect();
    let test = &data.test;
    let burn_out = Predictor {
        net,
        io: &data.io,
        norm: normalization,
        device,
    }
    .predict_split(test)?;
    let burn_mse = crate::evaluate::mse(&burn_out, &test.targets);

    let mse_of = |q: Quant| -> Result<(Vec<u8>, f64, Vec<f32>)> {
        let blob =
            remul_export::export(&spec, q, &golden, ExportMetrics::default()).map_err(blob_err)?;
        let model = Model::from_bytes(&blob).map_err(blob_err)?;
        let out = run_blob(&model, test.inputs_iter())?;
        let mse = crate::evaluate::mse(&out, &test.targets);
        Ok((blob, mse, out))
    };
    let (_, f32_mse, f32_out) = mse_of(Quant::F32)?;
    let (_, int8_mse, _) = mse_of(Quant::Int8)?;
    let f32_max_abs_vs_burn = f32_out
        .iter()
        .zip(&burn_out)
        .map(|(a, b)| f64::from((a - b).abs()))
        .fold(0.0, f64::max);

    let reference = Predictor {
        net: &net.clone().to_f64(),
        io: &data.io,
        norm: normalization,
        device,
    }
    .predict_split(test)?;
    let max_diff = |a: &[f32], b: &[f32]| {
        a.iter()
            .zip(b)
            .map(|(x, y)| f64::from((x - y).abs()))
            .fold(0.0, f64::max)
    };
    let f32_max_abs_vs_f64 = max_diff(&f32_out, &reference);
    let burn_max_abs_vs_f64 = max_diff(&burn_out, &reference);

    // E and E' of the blob as it will be shipped.
    let chosen: Quant = quant.into();
    let draft =
        remul_export::export(&spec, chosen, &golden, ExportMetrics::default()).map_err(blob_err)?;
    let model = Model::from_bytes(&draft).map_err(blob_err)?;
    let mut scratch = vec![0.0f32; model.equivariance_scratch_len()];
    let report = model
        .equivariance(
            test.inputs_iter(),
            EXPORT_GROUP_SAMPLES,
            EXPORT_SEED,
            &mut scratch,
        )
        .map_err(blob_err)?;
    let metrics = ExportMetrics {
        f32_mse: Some(f32_mse as f32),
        int8_mse: Some(int8_mse as f32),
        e: Some(report.e),
        e_prime: Some(report.e_prime),
        samples: u32::try_from(test.len()).unwrap_or(u32::MAX),
    };
    let blob = remul_export::export(&spec, chosen, &golden, metrics).map_err(blob_err)?;
    write_atomically(path, &blob)?;
    Ok(ExportReport {
        path: path.to_path_buf(),
        bytes: blob.len(),
        quant,
        burn_mse,
        f32_mse,
        int8_mse,
        f32_max_abs_vs_burn,
        f32_max_abs_vs_f64,
        burn_max_abs_vs_f64,
        int8_relative_change: (int8_mse - f32_mse) / f32_mse.max(f64::MIN_POSITIVE),
        e: report.e,
        e_prime: report.e_prime,
        samples: test.len(),
    })
}

/// One line of `trainer export --sensitivity`: the test MSE with only this
/// group's dense weights rounded to int8 (kept in f32, activations not
/// quantized).
#[derive(Clone, Debug, Serialize)]
pub struct Int8Sensitivity {
    /// The group ([`ModelSpec::dense_groups`]), or `all dense layers`.
    pub group: String,
    /// Test MSE with that group rounded.
    pub mse: f64,
    /// (MSE − f32 MSE) / f32 MSE.
    pub relative_change: f64,
}

/// Where an int8 blob's error comes from: the test MSE with one group of
/// dense layers at a time given int8-rounded weights, then all of them,
/// against `f32_mse` (the f32 blob's). Each variant is an f32 blob run
/// through the runtime, so only weight rounding differs from the f32 model.
pub fn int8_sensitivity(
    spec: &ModelSpec,
    test: &Split,
    f32_mse: f64,
) -> Result<Vec<Int8Sensitivity>> {
    let names = spec.dense_groups();
    let variants = names
        .iter()
        .enumerate()
        .map(|(i, name)| (name.clone(), Some(i)))
        .chain(std::iter::once(("all dense layers".to_string(), None)));
    variants
        .map(|(group, index)| {
            let blob = remul_export::export(
                &spec.with_int8_weights(index),
                Quant::F32,
                &[],
                ExportMetrics::default(),
            )
            .map_err(blob_err)?;
            let model = Model::from_bytes(&blob).map_err(blob_err)?;
            let mse = crate::evaluate::mse(&run_blob(&model, test.inputs_iter())?, &test.targets);
            Ok(Int8Sensitivity {
                group,
                mse,
                relative_change: (mse - f32_mse) / f32_mse.max(f64::MIN_POSITIVE),
            })
        })
        .collect()
}

/// Whether burn-ndarray's matmul (matrixmultiply) sums with fused
/// multiply-adds on this CPU, as the runtime's f32 layers do: then an f32
/// blob reproduces burn's outputs up to the elementwise functions.
pub fn burn_matmul_fuses() -> bool {
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    return std::is_x86_feature_detected!("fma");
    // Its NEON kernel fuses; its portable fallback does not.
    #[cfg(not(any(target_arch = "x86", target_arch = "x86_64")))]
    cfg!(target_arch = "aarch64")
}

/// The runtime's f32 arithmetic follows burn-ndarray's summation orders,
/// so that an f32 blob reproduces the model it was exported from: these
/// compare the runtime's primitives with burn's own ops, bit for bit.
#[cfg(test)]
mod tests {
    use burn::backend::NdArray;
    use burn::prelude::*;
    use remul_runtime::kernels;

    type B = NdArray<f32>;

    /// Values of mixed signs and magnitudes, so that any change of summation
    /// order shows in the last bits.
    fn values(n: usize, seed: usize) -> Vec<f32> {
        (0..n)
            .map(|i| {
                let t = ((i * 7919 + seed * 104_729) as f32 * 0.618_034).sin();
                t * [0.01f32, 0.3, 1.0, 7.0, 50.0][(i + seed) % 5]
            })
            .collect()
    }

    fn tensor(values: &[f32], shape: [usize; 2]) -> Tensor<B, 2> {
        Tensor::from_data(TensorData::new(values.to_vec(), shape), &Default::default())
    }

    #[test]
    fn sum_follows_burns_sum_dim() {
        for n in [1, 5, 8, 9, 16, 31, 64, 100, 257] {
            let x = values(n, n);
            let burn: Vec<f32> = tensor(&x, [1, n]).sum_dim(1).into_data().to_vec().unwrap();
            let runtime = kernels::sum_f32(&x);
            assert_eq!(runtime.to_bits(), burn[0].to_bits(), "n = {n}");
        }
    }

    /// burn's matmul is matrixmultiply's FMA kernel on CPUs with FMA; on
    /// others its summation differs, and so would this comparison.
    #[test]
    fn dot_products_follow_burns_matmul() {
        if !super::burn_matmul_fuses() {
            eprintln!("skipped: burn's matmul does not fuse on this CPU, so it sums differently");
            return;
        }
        for (m, k, n) in [(1, 9, 3), (2, 186, 37), (3, 680, 11), (4, 16, 31)] {
            let x = values(m * k, k);
            let w = values(k * n, n); // [k, n], as a burn Linear stores it
            let burn: Vec<f32> = tensor(&x, [m, k])
                .matmul(tensor(&w, [k, n]))
                .into_data()
                .to_vec()
                .unwrap();
            // The runtime's rows are burn's columns.
            let rows: Vec<f32> = (0..n)
                .flat_map(|j| w.iter().skip(j).step_by(n).copied())
                .collect();
            let bytes: Vec<[u8; 4]> = rows.iter().map(|v| v.to_le_bytes()).collect();
            for (x_i, burn_i) in x.chunks(k).zip(burn.chunks(n)) {
                let mut y = vec![0.0; n];
                kernels::dot_rows_f32(&bytes, x_i, &mut y);
                let mut y_f32 = vec![0.0; n];
                kernels::dot_rows_f32_f32(&rows, x_i, &mut y_f32);
                for (j, row) in bytes.chunks(k).enumerate() {
                    let one = kernels::dot_f32(row, x_i);
                    assert_eq!(one.to_bits(), burn_i[j].to_bits(), "{m}×{k}×{n}, {j}");
                    assert_eq!(y[j].to_bits(), burn_i[j].to_bits(), "{m}×{k}×{n}, {j}");
                    assert_eq!(y_f32[j].to_bits(), burn_i[j].to_bits(), "{m}×{k}×{n}");
                }
            }
        }
    }
}
