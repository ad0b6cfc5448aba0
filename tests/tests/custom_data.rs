//! Your own data through the whole pipeline: a dataset whose targets are
//! exactly equivariant under the group its manifest declares (SO(2) about
//! z) trains as `--task custom`, exports, and its blob runs in the runtime,
//! which measures E' on that declared group; the exactly equivariant model
//! of the same data (a linear map that respects the layout) measures E'
//! at float rounding there.

use remul_datasets::custom;
use remul_datasets::{Split, TaskData};
use remul_export::{ArchitectureSpec, DenseSpec, ModelSpec, export};
use remul_group::random::{rng_from_seed, standard_normal};
use remul_group::{Channel, Group, IoLayout, Layout};
use remul_pipeline_tests::training::{scratch_dir, train_and_export};
use remul_runtime::{Activation, EquivarianceReport, ExportMetrics, Model, Normalization, Quant};

/// Entities, and how far ahead the targets are.
const ENTITIES: usize = 3;
const DT: f32 = 0.5;

fn io() -> IoLayout {
    IoLayout {
        input: Layout::new(ENTITIES, &[Channel::Position, Channel::Vector]).unwrap(),
        output: Layout::new(ENTITIES, &[Channel::Position]).unwrap(),
    }
}

/// Points moving in straight lines: per entity (p, v) in, p + DT·v out,
/// which rotates and translates exactly as its input does.
fn straight_lines(samples: usize, seed: u64) -> Split {
    let mut rng = rng_from_seed(seed);
    let (mut inputs, mut targets) = (Vec::new(), Vec::new());
    for _ in 0..samples * ENTITIES {
        let p: Vec<f32> = (0..3).map(|_| 3.0 * standard_normal(&mut rng)).collect();
        let v: Vec<f32> = (0..3).map(|_| standard_normal(&mut rng)).collect();
        targets.extend(p.iter().zip(&v).map(|(p, v)| p + DT * v));
        inputs.extend(p.into_iter().chain(v));
    }
    Split::from_rows(&io(), inputs, targets).unwrap()
}

/// E and E' of a blob on `inputs`, over the blob's own group.
fn equivariance(blob: &[u8], inputs: &Split) -> (Group, EquivarianceReport) {
    let model = Model::from_bytes(blob).unwrap();
    let mut scratch = vec![0.0; model.equivariance_scratch_len()];
    let report = model
        .equivariance(inputs.inputs_iter(), 16, 0, &mut scratch)
        .unwrap();
    (*model.group(), report)
}

/// The exact model, `p + DT·v` per entity, as one dense layer in the
/// normalized frame (positions centred and divided by `scale.position`,
/// vectors by `scale.vector`).
fn exact_model(group: Group, normalization: Normalization) -> ModelSpec {
    let (inputs, outputs) = (6 * ENTITIES, 3 * ENTITIES);
    let mut weight = vec![0.0f32; inputs * outputs];
    let k = DT * normalization.vector_scale / normalization.position_scale;
    for e in 0..ENTITIES {
        for c in 0..3 {
            let row = (3 * e + c) * inputs;
            weight[row + 6 * e + c] = 1.0;
            weight[row + 6 * e + 3 + c] = k;
        }
    }
    let layer = DenseSpec {
        inputs,
        outputs,
        weight,
        bias: vec![0.0; outputs],
    };
    ModelSpec {
        task: "straight-lines".into(),
        group,
        io: io(),
        normalization,
        architecture: ArchitectureSpec::Mlp {
            layers: vec![layer],
            activation: Activation::Relu,
        },
    }
}

#[test]
fn a_custom_dataset_trains_exports_and_is_measured_on_its_declared_group() {
    let dir = scratch_dir("custom-data");
    let data = TaskData {
        name: "straight-lines".into(),
        io: io(),
        train: straight_lines(64, 1),
        val: straight_lines(16, 2),
        test: straight_lines(16, 3),
        extra: Vec::new(),
        edges: Vec::new(),
    };
    let declared = Group::so2([0.0, 0.0, 1.0]).unwrap();
    let dataset = dir.join("dataset");
    custom::write(&dataset, &data, &declared).unwrap();
    let dataset_flag = dataset.to_str().unwrap();

    let flags = [
        "--task",
        "custom",
        "--data",
        dataset_flag,
        "--model",
        "mlp",
        "--hidden",
        "16",
        "--epochs",
        "3",
    ];
    let loaded = custom::load(&dataset).unwrap().data;
    let trained = train_and_export(&flags, loaded, &dir.join("trained"));
    let blob = std::fs::read(&trained.int8.path).unwrap();
    let (group, report) = equivariance(&blob, &data.test);
    assert_eq!(group, declared, "the blob carries the declared group");
    assert!(
        report.e_prime.is_finite() && report.e_prime > 1e-3,
        "{report:?}"
    );

    let normalization = Normalization {
        center: true,
        position_scale: 3.0,
        vector_scale: 1.0,
        scalar_scale: 1.0,
        canonical: None,
        orientation_input: 0.0,
    };
    let exact = export(
        &exact_model(declared, normalization),
        Quant::F32,
        &[data.test.input(0).to_vec()],
        ExportMetrics::default(),
    )
    .unwrap();
    let (_, report) = equivariance(&exact, &data.test);
    assert!(report.e_prime < 1e-4 && report.e < 1e-4, "{report:?}");
    // And it is the data's own rule: its test error is rounding too.
    let model = Model::from_bytes(&exact).unwrap();
    let (mut y, mut scratch) = (vec![0.0; 3 * ENTITIES], vec![0.0; model.scratch_len()]);
    for i in 0..data.test.len() {
        model
            .predict(data.test.input(i), &mut y, &mut scratch)
            .unwrap();
        let err = y
            .iter()
            .zip(data.test.target(i))
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(err < 1e-4, "sample {i}: {err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
