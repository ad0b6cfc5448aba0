//! `ModelSpec::with_int8_weights` and `dense_groups`: the model variants
//! behind `trainer export --sensitivity`.

use remul_export::random::{TransformerShape, input, mlp, transformer};
use remul_export::{ArchitectureSpec, DenseSpec, ModelSpec, export};
use remul_group::random::{GroupRng, rng_from_seed as rng};
use remul_group::{Channel, IoLayout, Layout};
use remul_runtime::{Activation, ExportMetrics, Model, Quant};

/// Mocap's layout: 31 joints × (position, velocity) in, 31 × position out.
fn mocap_io() -> IoLayout {
    IoLayout {
        input: Layout::new(31, &[Channel::Position, Channel::Vector]).unwrap(),
        output: Layout::new(31, &[Channel::Position]).unwrap(),
    }
}

fn small_transformer(rng: &mut GroupRng) -> ModelSpec {
    transformer(rng, mocap_io(), &TransformerShape::BENCH)
}

fn dense_layers(spec: &ModelSpec) -> Vec<&DenseSpec> {
    match &spec.architecture {
        ArchitectureSpec::Mlp { layers, .. } => layers.iter().collect(),
        ArchitectureSpec::Transformer {
            embed,
            blocks,
            head,
            ..
        } => {
            let mut all = vec![embed];
            for b in blocks {
                all.extend([&b.query, &b.key, &b.value, &b.output, &b.ff1, &b.ff2]);
            }
            all.push(head);
            all
        }
    }
}

#[test]
fn mlp_groups_are_its_layers_and_only_the_chosen_one_is_rounded() {
    let spec = mlp(&mut rng(1), mocap_io(), &[40, 30], Activation::Silu);
    assert_eq!(
        spec.dense_groups(),
        [
            "layer 1 (186 → 40)",
            "layer 2 (40 → 30)",
            "layer 3 (30 → 93)"
        ]
    );
    let rounded = spec.with_int8_weights(Some(1));
    let (before, after) = (dense_layers(&spec), dense_layers(&rounded));
    assert_eq!(before[0], after[0]);
    assert_ne!(before[1].weight, after[1].weight);
    assert_eq!(after[1], &before[1].int8_rounded());
    assert_eq!(before[1].bias, after[1].bias);
    assert_eq!(before[2], after[2]);
}

#[test]
fn transformer_groups_gather_each_role_across_blocks() {
    let spec = small_transformer(&mut rng(2));
    let names = spec.dense_groups();
    assert_eq!(
        names,
        [
            "embedding",
            "attention query",
            "attention key",
            "attention value",
            "attention output",
            "feed-forward in",
            "feed-forward out",
            "head"
        ]
    );
    // The key projections of both blocks, and nothing else.
    let rounded = spec.with_int8_weights(Some(2));
    let changed: Vec<usize> = dense_layers(&spec)
        .iter()
        .zip(dense_layers(&rounded))
        .enumerate()
        .filter(|(_, (a, b))| **a != *b)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(changed, [2, 8]);
    // Every group at once rounds every dense layer.
    let all = spec.with_int8_weights(None);
    for (a, b) in dense_layers(&spec).iter().zip(dense_layers(&all)) {
        assert_eq!(b, &a.int8_rounded());
    }
}

#[test]
fn rounded_weights_in_f32_match_the_int8_blob_up_to_activation_quantization() {
    let spec = mlp(&mut rng(3), mocap_io(), &[64], Activation::Silu);
    let x = input(&mut rng(4), &spec.io.input);
    let run = |spec: &ModelSpec, quant: Quant| {
        let blob = export(spec, quant, &[], ExportMetrics::default()).expect("exports");
        let model = Model::from_bytes(&blob).expect("loads");
        let mut scratch = vec![0.0; model.scratch_len()];
        let mut y = vec![0.0; model.output_len()];
        model.predict(&x, &mut y, &mut scratch).expect("runs");
        y
    };
    let f32_out = run(&spec, Quant::F32);
    let int8_out = run(&spec, Quant::Int8);
    let rounded_out = run(&spec.with_int8_weights(None), Quant::F32);
    let max_diff = |a: &[f32], b: &[f32]| {
        a.iter()
            .zip(b)
            .map(|(p, q)| (p - q).abs())
            .fold(0.0f32, f32::max)
    };
    // Rounding the weights moves the outputs; the i16 activations of the
    // int8 blob move them far less again.
    let weight_effect = max_diff(&rounded_out, &f32_out);
    let activation_effect = max_diff(&rounded_out, &int8_out);
    assert!(weight_effect > 0.0);
    assert!(
        activation_effect < weight_effect / 10.0,
        "activations {activation_effect} vs weights {weight_effect}"
    );
}
