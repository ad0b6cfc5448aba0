//! What `export` refuses: every shape or value the blob format cannot hold
//! is an `InvalidModel` naming the problem, before anything is encoded.

use remul_export::random::{TransformerShape, mlp, transformer};
use remul_export::{ArchitectureSpec, Error, ModelSpec, export};
use remul_group::random::rng_from_seed;
use remul_group::{Channel, IoLayout, Layout};
use remul_runtime::{Activation, ExportMetrics, Quant};

fn io(entities: usize) -> IoLayout {
    IoLayout {
        input: Layout::new(entities, &[Channel::Position, Channel::Vector]).unwrap(),
        output: Layout::new(entities, &[Channel::Position]).unwrap(),
    }
}

fn small_mlp() -> ModelSpec {
    mlp(&mut rng_from_seed(1), io(2), &[5], Activation::Silu)
}

fn small_transformer() -> ModelSpec {
    let shape = TransformerShape {
        d_model: 8,
        heads: 2,
        d_ff: 12,
        blocks: 1,
        entity_embedding: true,
    };
    transformer(&mut rng_from_seed(2), io(3), &shape)
}

/// A reason `export` gives, and an edit that makes a valid spec deserve it.
type Case = (&'static str, fn(&mut ModelSpec));

fn refusal(spec: &ModelSpec) -> Error {
    export(spec, Quant::Int8, &[], ExportMetrics::default()).expect_err("the spec is invalid")
}

fn mlp_layers(spec: &mut ModelSpec) -> &mut Vec<remul_export::DenseSpec> {
    match &mut spec.architecture {
        ArchitectureSpec::Mlp { layers, .. } => layers,
        ArchitectureSpec::Transformer { .. } => unreachable!("an MLP"),
    }
}

#[test]
fn valid_specs_export() {
    for spec in [small_mlp(), small_transformer()] {
        for quant in [Quant::F32, Quant::Int8] {
            export(&spec, quant, &[], ExportMetrics::default()).expect("exports");
        }
    }
}

#[test]
fn dense_layer_problems_are_named() {
    let cases: [Case; 5] = [
        ("dense layer widths do not chain", |s| {
            mlp_layers(s)[1].inputs = 4;
        }),
        (
            "dense weight or bias length does not match its widths",
            |s| {
                mlp_layers(s)[0].weight.pop();
            },
        ),
        ("dense weight or bias is not finite", |s| {
            mlp_layers(s)[0].bias[2] = f32::NAN;
        }),
        ("dense weight or bias is not finite", |s| {
            mlp_layers(s)[1].weight[0] = f32::INFINITY;
        }),
        ("an MLP needs 1 to MAX_MLP_LAYERS layers", |s| {
            mlp_layers(s).clear();
        }),
    ];
    for (what, break_it) in cases {
        let mut spec = small_mlp();
        break_it(&mut spec);
        assert_eq!(refusal(&spec), Error::InvalidModel { what }, "{what}");
    }
}

#[test]
fn transformer_problems_are_named() {
    let cases: [Case; 4] = [
        ("d_model is not a multiple of the head count", |s| {
            if let ArchitectureSpec::Transformer { heads, .. } = &mut s.architecture {
                *heads = 3;
            }
        }),
        ("layer norm eps must be finite and positive", |s| {
            if let ArchitectureSpec::Transformer { final_norm, .. } = &mut s.architecture {
                final_norm.eps = 0.0;
            }
        }),
        (
            "entity embedding is not [entities][d_model] finite values",
            |s| {
                if let ArchitectureSpec::Transformer {
                    entity_embedding: Some(table),
                    ..
                } = &mut s.architecture
                {
                    table.pop();
                }
            },
        ),
        ("Transformer input and output entity counts differ", |s| {
            s.io.output = Layout::new(2, &[Channel::Position]).unwrap();
        }),
    ];
    for (what, break_it) in cases {
        let mut spec = small_transformer();
        break_it(&mut spec);
        assert_eq!(refusal(&spec), Error::InvalidModel { what }, "{what}");
    }
}

#[test]
fn a_bad_golden_input_is_the_runtimes_error() {
    let spec = small_mlp();
    let short = vec![0.0f32; spec.io.input.len() - 1];
    assert!(matches!(
        export(&spec, Quant::F32, &[short], ExportMetrics::default()),
        Err(Error::Runtime(remul_runtime::Error::InputLength { .. }))
    ));
    let mut nan = vec![1.0f32; spec.io.input.len()];
    nan[3] = f32::NAN;
    assert!(matches!(
        export(&spec, Quant::F32, &[nan], ExportMetrics::default()),
        Err(Error::Runtime(remul_runtime::Error::NonFiniteInput {
            index: 3
        }))
    ));
}

#[test]
fn the_reference_checks_its_input_length() {
    let spec = small_mlp();
    assert_eq!(
        spec.forward_f32(&[1.0, 2.0]),
        Err(Error::InputLength {
            expected: spec.io.input.len(),
            got: 2
        })
    );
}

#[test]
fn every_error_prints_as_one_line() {
    let errors = [
        Error::InvalidModel { what: "x" },
        Error::InputLength {
            expected: 1,
            got: 2,
        },
        Error::Encode,
        Error::Group(remul_group::Error::NoEntities),
        Error::Runtime(remul_runtime::Error::BadMagic),
    ];
    for e in errors {
        let text = e.to_string();
        assert!(!text.is_empty() && !text.contains('\n'), "{e:?}");
    }
}
