//! The on-device equivariance check: ~0 for an exactly equivariant model,
//! clearly positive for a random one, the same numbers as the shared
//! metric, and errors (not panics) when a prediction inside fails.

mod common;

use common::*;
#[cfg(feature = "canonical")]
use remul_group::CanonicalAxes;
use remul_group::metrics;
use remul_runtime::{Activation, Error, Model, Normalization, Quant};

fn report(blob: &[u8], samples: &[Vec<f32>]) -> remul_runtime::EquivarianceReport {
    let model = Model::from_bytes(blob).unwrap();
    let mut scratch = vec![0.0; model.equivariance_scratch_len()];
    model
        .equivariance(samples.iter().map(Vec::as_slice), 16, 7, &mut scratch)
        .unwrap()
}

#[test]
fn exactly_equivariant_model_measures_zero() {
    let mut r = rng(41);
    let normalization = Normalization {
        center: true,
        position_scale: 9.0,
        vector_scale: 0.5,
        scalar_scale: 1.0,
        canonical: None,
        orientation_input: 0.0,
    };
    let spec = position_plus_velocity(5, 3.0, normalization);
    let samples = inputs(&mut r, &spec.io.input, 4);
    for quant in [Quant::F32, Quant::Int8] {
        let rep = report(&blob(&spec, quant, &[]), &samples);
        println!(
            "equivariant model {quant:?}: E = {:.2e}, E' = {:.2e}, max = {:.2e}",
            rep.e, rep.e_prime, rep.max_abs
        );
        // Outputs are O(30): f32 rounding alone is ~1e-5; int8 activations ~1e-3.
        let bound = if quant == Quant::F32 { 1e-4 } else { 2e-2 };
        assert!(
            rep.e_prime < bound && rep.e < bound && rep.max_abs < bound,
            "{quant:?}: {rep:?}"
        );
        assert_eq!((rep.samples, rep.group_samples), (4, 16));
    }
}

#[test]
fn random_models_are_not_equivariant() {
    let mut r = rng(42);
    for spec in [
        mlp(&mut r, mocap_io(), &[64, 64], Activation::Silu),
        small_transformer(&mut r),
    ] {
        let samples = inputs(&mut r, &spec.io.input, 3);
        let rep = report(&blob(&spec, Quant::Int8, &[]), &samples);
        println!(
            "random {}: E = {:.3}, E' = {:.3}",
            spec.task, rep.e, rep.e_prime
        );
        assert!(rep.e_prime > 1.0, "{rep:?}");
    }
}

#[cfg(feature = "canonical")]
#[test]
fn canonical_axes_make_any_model_equivariant() {
    let mut r = rng(44);
    let mut spec = mlp(&mut r, mocap_io(), &[64, 64], Activation::Silu);
    let samples = inputs(&mut r, &spec.io.input, 3);
    let before = report(&blob(&spec, Quant::Int8, &[]), &samples);
    spec.normalization.canonical = Some(CanonicalAxes { from: 0, to: 13 });
    for quant in [Quant::F32, Quant::Int8] {
        let rep = report(&blob(&spec, quant, &[]), &samples);
        println!(
            "random MLP, canonical {quant:?}: E' = {:.2e} (without: {:.3})",
            rep.e_prime, before.e_prime
        );
        // What is left is rounding: f32 through the rotations, and for int8
        // the activations' quantization of slightly different numbers.
        let bound = if quant == Quant::F32 { 1e-3 } else { 2e-2 };
        assert!(rep.e_prime < bound, "{quant:?}: {rep:?}");
    }
    assert!(before.e_prime > 1.0, "{before:?}");
}

/// With `orientation_input` an MLP also reads the canonical rotation's
/// nine entries after its input: through those columns of its first layer
/// it sees the input's orientation, and without them it is exactly
/// equivariant again. Only an MLP whose first layer is nine wider takes it.
#[cfg(feature = "canonical")]
#[test]
fn orientation_input_is_read_after_the_input() {
    use remul_export::ArchitectureSpec;
    let mut r = rng(46);
    let mut spec = mlp(&mut r, mocap_io(), &[64, 64], Activation::Silu);
    let n_in = spec.io.input.len();
    spec.normalization.canonical = Some(CanonicalAxes { from: 0, to: 13 });
    let narrow = spec.clone();
    spec.normalization.orientation_input = 3.0;
    let ArchitectureSpec::Mlp { layers, .. } = &mut spec.architecture else {
        unreachable!()
    };
    layers[0] = remul_export::random::dense(&mut r, n_in + 9, 64, 1.5);
    let samples = inputs(&mut r, &spec.io.input, 3);
    let seeing = report(&blob(&spec, Quant::F32, &[]), &samples);
    let mut blind = spec.clone();
    let ArchitectureSpec::Mlp { layers, .. } = &mut blind.architecture else {
        unreachable!()
    };
    for row in layers[0].weight.chunks_exact_mut(n_in + 9) {
        row[n_in..].fill(0.0);
    }
    let blind = report(&blob(&blind, Quant::F32, &[]), &samples);
    println!(
        "random MLP with orientation input: E' = {:.3}; its orientation columns zeroed: {:.2e}",
        seeing.e_prime, blind.e_prime
    );
    assert!(seeing.e_prime > 1.0, "{seeing:?}");
    assert!(blind.e_prime < 1e-3, "{blind:?}");

    // A first layer of the input's width alone does not take the rotation,
    // nor does a Transformer.
    let mut narrow = narrow;
    narrow.normalization.orientation_input = 3.0;
    assert!(remul_export::export(&narrow, Quant::F32, &[], Default::default()).is_err());
    let mut t = small_transformer(&mut r);
    t.normalization.canonical = Some(CanonicalAxes { from: 0, to: 1 });
    t.normalization.orientation_input = 3.0;
    assert!(remul_export::export(&t, Quant::F32, &[], Default::default()).is_err());
}

/// A runtime built without `canonical` refuses such a model rather than
/// run it unturned (`cargo test -p remul-runtime`; the workspace's tests
/// turn the feature on through the trainer).
#[cfg(not(feature = "canonical"))]
#[test]
fn without_the_feature_canonical_axes_are_refused() {
    let mut r = rng(45);
    let mut spec = mlp(&mut r, mocap_io(), &[8], Activation::Silu);
    spec.normalization.canonical = Some(remul_group::CanonicalAxes { from: 0, to: 13 });
    let refused =
        |e: &Error| matches!(e, Error::InvalidModel { what } if what.contains("canonical"));
    match remul_export::export(&spec, Quant::F32, &[], Default::default()) {
        Err(e) => assert!(e.to_string().contains("canonical"), "{e}"),
        Ok(blob) => assert!(Model::from_bytes(&blob).err().is_some_and(|e| refused(&e))),
    }
    // The tests build with `std` (through remul-export).
    let x = vec![0.5; spec.io.input.len()];
    let frame = remul_runtime::Frame::of_input(&spec.io.input, &spec.normalization, &x);
    assert!(frame.err().is_some_and(|e| refused(&e)));
}

#[test]
fn matches_the_shared_metric_on_predict() {
    let mut r = rng(43);
    let spec = small_transformer(&mut r);
    let blob = blob(&spec, Quant::Int8, &[]);
    let model = Model::from_bytes(&blob).unwrap();
    let samples = inputs(&mut r, &spec.io.input, 2);
    let mut predict_scratch = vec![0.0; model.scratch_len()];
    let mut metric_scratch = vec![0.0; metrics::scratch_len(model.io())];
    let direct = metrics::measure(
        |x, y| model.predict(x, y, &mut predict_scratch).unwrap(),
        samples.iter().map(Vec::as_slice),
        model.io(),
        model.group(),
        16,
        7,
        &mut metric_scratch,
    )
    .unwrap();
    assert_eq!(report(&blob, &samples), direct);
}

#[test]
fn failures_inside_are_errors() {
    let (_, blob) = &sample_blobs()[1];
    let model = Model::from_bytes(blob).unwrap();
    let mut scratch = vec![0.0; model.equivariance_scratch_len()];
    let mut bad = vec![1.0; model.input_len()];
    bad[3] = f32::NAN;
    assert_eq!(
        model.equivariance([bad.as_slice()], 4, 0, &mut scratch),
        Err(Error::NonFiniteInput { index: 3 })
    );
    let short = vec![1.0; model.input_len() - 1];
    assert!(
        model
            .equivariance([short.as_slice()], 4, 0, &mut scratch)
            .is_err()
    );
    let good = vec![1.0; model.input_len()];
    assert!(
        model
            .equivariance([good.as_slice()], 0, 0, &mut scratch)
            .is_err()
    );
    assert!(
        model
            .equivariance(std::iter::empty(), 4, 0, &mut scratch)
            .is_err()
    );
    let mut small = vec![0.0; model.equivariance_scratch_len() - 1];
    assert!(matches!(
        model.equivariance([good.as_slice()], 4, 0, &mut small),
        Err(Error::ScratchTooSmall { .. })
    ));
}
