//! Your own data: a folder with `dataset.toml` (the entities, each input
//! and output channel's kind, the group the data should be equivariant to,
//! optional names) and a NumPy `.npz` of the splits (`x_train`, `y_train`,
//! `x_val`, `y_val`, `x_test`, `y_test`, and optionally `x_ood`, `y_ood`),
//! float32 or float64, each `[samples, entities, values]` or
//! `[samples, values]`.
//!
//! [`load`] checks everything before it returns, and every problem is an
//! error that names the file and the array: a missing or empty split, a
//! shape that disagrees with the manifest (a channel count that does not
//! match its kind included), NaN or infinity, an unknown channel kind,
//! group or axis. [`write`] writes a task (a built-in one, say) in the same
//! format.
//!
//! ```no_run
//! let dataset = remul_datasets::custom::load(std::path::Path::new("data/spinning"))?;
//! println!("{} train samples, group {:?}", dataset.data.train.len(), dataset.group);
//! # Ok::<(), remul_datasets::Error>(())
//! ```

mod manifest;
mod write;

use std::path::Path;

use remul_group::{Group, IoLayout, Layout};

pub use manifest::{DEFAULT_ARRAYS, GroupSpec, MANIFEST, Manifest, Names, channel_name};
pub use write::write;

use crate::npz::{FloatArray, Npz};
use crate::{Error, Split, TaskData};

/// The optional further split, evaluated as out-of-distribution.
pub const OOD: &str = "ood";

/// A custom dataset, read and checked.
#[derive(Clone, Debug)]
pub struct CustomData {
    /// Its manifest, as written.
    pub manifest: Manifest,
    /// Its group.
    pub group: Group,
    /// Its splits (the OOD one in `extra`), layout and bones.
    pub data: TaskData,
}

/// Reads and checks the dataset in the folder `dir`.
pub fn load(dir: &Path) -> Result<CustomData, Error> {
    let (manifest, declared) = Manifest::read(dir)?;
    let path = dir.join(manifest.arrays_file());
    let mut npz = Npz::open(&path)?;
    let io = &declared.io;
    let mut split = |name: &str, required: bool| -> Result<Option<Split>, Error> {
        let (x_name, y_name) = (format!("x_{name}"), format!("y_{name}"));
        let (x, y) = (npz.read(&x_name)?, npz.read(&y_name)?);
        let (x, y) = match (x, y) {
            (Some(x), Some(y)) => (x, y),
            (None, None) if !required => return Ok(None),
            (x, _) => {
                let missing = if x.is_none() { x_name } else { y_name };
                return Err(Error::BadArray {
                    file: path.clone(),
                    array: missing,
                    problem: format!(
                        "missing; a dataset has x_ and y_ arrays for train, val and test (and may have both for ood), found {}",
                        npz.names().join(", ")
                    ),
                });
            }
        };
        let bad = |array: &str, problem: String| Error::BadArray {
            file: path.clone(),
            array: array.to_owned(),
            problem,
        };
        let inputs = rows(&x, &io.input, "input", &manifest.input).map_err(|p| bad(&x_name, p))?;
        let targets =
            rows(&y, &io.output, "output", &manifest.output).map_err(|p| bad(&y_name, p))?;
        if x.shape[0] != y.shape[0] {
            return Err(bad(
                &y_name,
                format!("has {} samples, {x_name} has {}", y.shape[0], x.shape[0]),
            ));
        }
        if x.shape[0] == 0 {
            return Err(bad(&x_name, "has no samples".into()));
        }
        Split::from_rows(io, inputs, targets).map(Some)
    };
    let mut required = |name: &str| {
        split(name, true)?.ok_or_else(|| Error::BadArray {
            file: path.clone(),
            array: format!("x_{name}"),
            problem: "missing".into(),
        })
    };
    let (train, val, test) = (required("train")?, required("val")?, required("test")?);
    let ood = split(OOD, false)?;
    let name = manifest
        .name
        .clone()
        .or_else(|| dir.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "custom".into());
    let data = TaskData {
        name,
        io: IoLayout::clone(io),
        train,
        val,
        test,
        extra: ood
            .map(|split| (OOD.to_owned(), split))
            .into_iter()
            .collect(),
        edges: manifest.names.bones.clone(),
    };
    Ok(CustomData {
        manifest,
        group: declared.group,
        data,
    })
}

/// An array's values as rows of `layout`, after checking its shape against
/// the manifest and its values for NaN and infinity; or what is wrong.
fn rows(
    array: &FloatArray,
    layout: &Layout,
    side: &str,
    channels: &[String],
) -> Result<Vec<f32>, String> {
    let (entities, width) = (layout.entities(), layout.entity_width());
    let fits = match array.shape.as_slice() {
        [_, values] => *values == entities * width,
        [_, e, values] => *e == entities && *values == width,
        _ => false,
    };
    if !fits {
        return Err(format!(
            "has shape {:?}; {MANIFEST} declares {entities} entities of {width} {side} values each ({}), so [samples, {entities}, {width}] or [samples, {}]",
            array.shape,
            channels.join(", "),
            entities * width
        ));
    }
    if let Some(at) = array.values.iter().position(|v| !v.is_finite()) {
        let row = entities * width;
        return Err(format!(
            "sample {}, value {} is {} (in {})",
            at / row,
            at % row,
            array.values[at],
            array.dtype
        ));
    }
    Ok(array.values.clone())
}
