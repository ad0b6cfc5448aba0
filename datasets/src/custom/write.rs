//! A task written out as a custom dataset: `dataset.toml` and `data.npz`,
//! the format a user's own data come in, so that a built-in task can be
//! read back through it (and trains to the same numbers).

use std::path::Path;

use remul_group::{Group, Layout};

use super::manifest::{DEFAULT_ARRAYS, GroupSpec, MANIFEST, Manifest, Names, channel_name};
use crate::{Error, Split, TaskData, npz};

/// Writes `data` (its splits, layout and bones) with the group `group`
/// into the folder `dir` (created if needed): the arrays first, then the
/// manifest, each through a temporary file, so that a failure leaves no
/// partial dataset behind.
pub fn write(dir: &Path, data: &TaskData, group: &Group) -> Result<(), Error> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    if data.io.output.entities() != data.io.input.entities() {
        return Err(Error::BadManifest {
            file: dir.join(MANIFEST),
            problem: format!(
                "{} has {} input and {} output entities; a manifest declares one count",
                data.name,
                data.io.input.entities(),
                data.io.output.entities()
            ),
        });
    }
    let names = |layout: &Layout| -> Vec<String> {
        layout
            .channels()
            .iter()
            .map(|&c| channel_name(c).to_owned())
            .collect()
    };
    let manifest = Manifest {
        name: Some(data.name.clone()),
        entities: data.io.input.entities(),
        input: names(&data.io.input),
        output: names(&data.io.output),
        arrays: None,
        group: GroupSpec::of(group),
        names: Names {
            bones: data.edges.clone(),
            ..Names::default()
        },
    };
    let entities = data.io.input.entities();
    let splits: Vec<(String, &Split)> = data
        .splits()
        .into_iter()
        .map(|(name, split)| (name.to_owned(), split))
        .collect();
    let shapes: Vec<([usize; 3], [usize; 3])> = splits
        .iter()
        .map(|(_, s)| {
            (
                [s.len(), entities, s.input_width() / entities.max(1)],
                [s.len(), entities, s.target_width() / entities.max(1)],
            )
        })
        .collect();
    let keys: Vec<(String, String)> = splits
        .iter()
        .map(|(name, _)| (format!("x_{name}"), format!("y_{name}")))
        .collect();
    let mut arrays: Vec<(&str, &[usize], &[f32])> = Vec::new();
    for (((x, y), (_, split)), (x_shape, y_shape)) in keys.iter().zip(&splits).zip(&shapes) {
        arrays.push((x, x_shape, &split.inputs));
        arrays.push((y, y_shape, &split.targets));
    }
    npz::write(&dir.join(DEFAULT_ARRAYS), &arrays)?;
    let text = toml::to_string(&manifest).map_err(|e| Error::BadManifest {
        file: dir.join(MANIFEST),
        problem: format!("cannot be written: {e}"),
    })?;
    let path = dir.join(MANIFEST);
    let tmp = path.with_extension("toml.tmp");
    let io = |path: &Path, source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    std::fs::write(&tmp, text).map_err(|e| io(&tmp, e))?;
    std::fs::rename(&tmp, &path).map_err(|e| io(&path, e))
}
