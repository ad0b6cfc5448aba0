//! From a trained model to the runtime on the host: the f32 blob computes
//! what burn computes, the int8 one stays close, golden vectors reproduce,
//! and models trained quantization-aware lose nothing in int8.

use burn::backend::NdArray;
use remul_export::ArchitectureSpec;
use remul_pipeline_tests::training::{
    Exported, MOCAP_TRANSFORMER, NBODY_SHORT, SMALL_MLP, SMALL_TRANSFORMER, config_of, scratch_dir,
    task_data, train_and_export,
};
use remul_runtime::Model;
use remul_trainer::export::{ExportReport, model_spec};
use remul_trainer::model::{Net, NetConfig, NetShape};
use remul_trainer::normalize::Normalization;

fn check_reports(f32: &ExportReport, int8: &ExportReport, scale: f64) {
    // The f32 blob is the trained model: equal to burn up to f32 rounding of
    // outputs of magnitude `scale`.
    assert!(f32.f32_max_abs_vs_burn <= 1e-6 * scale.max(1.0), "{f32:?}");
    // So is it to burn's f64 forward pass of the same model (that this pass
    // is f64: `to_f64_casts_every_parameter_and_the_forward_pass` in
    // `model/mod.rs`).
    assert!(f32.f32_max_abs_vs_f64 <= 1e-6 * scale.max(1.0), "{f32:?}");
    assert!(
        (f32.f32_mse - f32.burn_mse).abs() <= 1e-6 * f32.burn_mse.max(1e-9),
        "{f32:?}"
    );
    // Both exports measured the same two blobs.
    assert_eq!(f32.int8_mse, int8.int8_mse);
    assert!(int8.int8_relative_change.abs() < 0.05, "{int8:?}");
    assert!(int8.bytes < f32.bytes);
    for (r, name) in [(f32, "f32"), (int8, "int8")] {
        let bytes = std::fs::read(&r.path).unwrap();
        let model = Model::from_bytes(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut scratch = vec![0.0f32; model.golden_scratch_len()];
        model.check_golden(&mut scratch).unwrap();
        assert_eq!(model.golden_count(), 4);
        assert!(model.metrics().e_prime.is_some());
    }
}

/// `NBODY_SHORT` then `model` then `extra`.
fn nbody_flags<'a>(model: &[&'a str], extra: &[&'a str]) -> Vec<&'a str> {
    NBODY_SHORT
        .iter()
        .chain(model)
        .chain(extra)
        .copied()
        .collect()
}

/// A model trained with `--qat` carries int8-rounded weights in its f32
/// description: the f32 blob is what burn computed and the int8 blob differs
/// from it only by the activations' rounding.
#[test]
fn qat_models_export_to_int8_at_their_own_accuracy() {
    let mlp = nbody_flags(&SMALL_MLP, &["--qat"]);
    let transformer = nbody_flags(&SMALL_TRANSFORMER, &["--qat"]);
    let config = config_of(&mlp);
    let data = task_data(&mlp);
    // `--qat` reaches both models, and the MLP's runtime description carries
    // weights that int8 stores exactly (rounding them again changes nothing).
    assert!(matches!(&config.net, NetConfig::Mlp(m) if m.qat));
    assert!(matches!(&config_of(&transformer).net, NetConfig::Transformer(t) if t.qat));
    let device = Default::default();
    for qat in [true, false] {
        let NetConfig::Mlp(mut small) = config.net.clone() else {
            unreachable!()
        };
        small.qat = qat;
        let net: Net<NdArray<f32>> = NetConfig::Mlp(small).init(NetShape::of(&data.io), &device);
        let spec = model_spec(
            &net,
            "nbody",
            &data.io,
            config.group,
            &Normalization::IDENTITY,
        )
        .unwrap();
        let again = spec.with_int8_weights(None);
        let (ArchitectureSpec::Mlp { layers: a, .. }, ArchitectureSpec::Mlp { layers: b, .. }) =
            (&spec.architecture, &again.architecture)
        else {
            unreachable!()
        };
        // Largest change relative to each layer's largest weight (rounding
        // q·s again may move the scale by an ulp, nothing more).
        let change = a
            .iter()
            .zip(b)
            .map(|(a, b)| {
                let top = a.weight.iter().fold(0.0f32, |m, w| m.max(w.abs()));
                let diff = a.weight.iter().zip(&b.weight).map(|(x, y)| (x - y).abs());
                diff.fold(0.0f32, f32::max) / top
            })
            .fold(0.0f32, f32::max);
        if qat {
            assert!(change < 1e-6, "{change}");
        } else {
            assert!(change > 1e-4, "{change}");
        }
    }

    // Trained and exported, the MLP and the Transformer (whose attention
    // then runs through `int8::self_attention`): the f32 blob is what burn
    // computed, and int8 adds only the activations' rounding.
    for (name, flags) in [("qat-mlp", &mlp), ("qat-transformer", &transformer)] {
        let dir = scratch_dir(name);
        let Exported { f32, int8 } = train_and_export(flags, data.clone(), &dir);
        check_reports(&f32, &int8, 100.0);
        assert!(
            int8.int8_relative_change.abs() < 1e-3,
            "{name}: int8 {} against f32 {}",
            int8.int8_mse,
            int8.f32_mse
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn mlp_and_transformer_export_on_nbody() {
    let data = task_data(&NBODY_SHORT);
    for model in [&SMALL_MLP[..], &SMALL_TRANSFORMER[..]] {
        let dir = scratch_dir(model[1]);
        let Exported { f32, int8 } = train_and_export(&nbody_flags(model, &[]), data.clone(), &dir);
        check_reports(&f32, &int8, 100.0);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// With canonical axes and `--orientation-input` the runtime turns the
/// input and hands the MLP the same rotation the trainer did: the f32 blob
/// is the trained model.
#[test]
fn canonical_mlp_with_orientation_input_exports_on_nbody() {
    let flags = nbody_flags(
        &SMALL_MLP,
        &["--canonical-axes", "0,1", "--orientation-input", "4"],
    );
    let dir = scratch_dir("orientation-mlp");
    let Exported { f32, int8 } = train_and_export(&flags, task_data(&flags), &dir);
    check_reports(&f32, &int8, 100.0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn transformer_with_entity_embedding_exports_on_mocap() {
    let dir = scratch_dir("mocap-transformer");
    let flags = MOCAP_TRANSFORMER;
    let Exported { f32, int8 } = train_and_export(&flags, task_data(&flags), &dir);
    check_reports(&f32, &int8, 60.0);
    let _ = std::fs::remove_dir_all(&dir);
}
