//! `dataset.toml`: what a custom dataset's arrays hold and what they should
//! be equivariant to.

use std::path::Path;

use remul_group::{Channel, Group, IoLayout, Layout, Vec3};
use serde::{Deserialize, Serialize};

use crate::Error;

/// The manifest's file name in a dataset's folder.
pub const MANIFEST: &str = "dataset.toml";

/// The arrays' file name when the manifest names none.
pub const DEFAULT_ARRAYS: &str = "data.npz";

/// A custom dataset's manifest, as written in `dataset.toml`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// A short name (default: the folder's name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Entities per sample (joints, markers, particles, atoms, ...).
    pub entities: usize,
    /// Each entity's input channels, in order: `scalar`, `vector`
    /// (a direction or velocity: rotates) or `position` (rotates and
    /// translates).
    pub input: Vec<String>,
    /// Each entity's output channels.
    pub output: Vec<String>,
    /// The `.npz` file with the arrays, beside the manifest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arrays: Option<String>,
    /// What the data are equivariant to.
    pub group: GroupSpec,
    /// Names for people and drawings.
    #[serde(default, skip_serializing_if = "Names::is_empty")]
    pub names: Names,
}

/// The group, as the manifest declares it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupSpec {
    /// `so3` (every rotation), `so2` (rotations about `axis`) or `range`
    /// (a random axis, an angle between `min_degrees` and `max_degrees`).
    pub kind: String,
    /// `so2`'s axis: `x`, `y`, `z`, or three numbers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub axis: Option<toml::Value>,
    /// `range`'s smallest angle, in degrees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_degrees: Option<f32>,
    /// `range`'s largest angle, in degrees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_degrees: Option<f32>,
}

/// Optional names.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Names {
    /// One name per entity.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entities: Vec<String>,
    /// Pairs of entity indices drawn as lines (bones, bonds, springs).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bones: Vec<[usize; 2]>,
    /// The unit of positions and vectors, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub units: Option<String>,
}

impl Names {
    fn is_empty(&self) -> bool {
        self.entities.is_empty() && self.bones.is_empty() && self.units.is_none()
    }
}

/// What a checked manifest declares.
#[derive(Clone, Debug, PartialEq)]
pub struct Declared {
    /// The input and output layouts.
    pub io: IoLayout,
    /// The group.
    pub group: Group,
}

impl Manifest {
    /// Reads and checks `dir/dataset.toml`.
    pub fn read(dir: &Path) -> Result<(Self, Declared), Error> {
        let path = dir.join(MANIFEST);
        let text = std::fs::read_to_string(&path).map_err(|e| Error::BadManifest {
            file: path.clone(),
            problem: format!(
                "cannot be read ({e}); a custom dataset is a folder with {MANIFEST} and its arrays"
            ),
        })?;
        let manifest: Self = toml::from_str(&text).map_err(|e| Error::BadManifest {
            file: path.clone(),
            problem: e.message().to_owned(),
        })?;
        let declared = manifest.check().map_err(|problem| Error::BadManifest {
            file: path.clone(),
            problem,
        })?;
        Ok((manifest, declared))
    }

    /// The layouts and the group it declares, or what is wrong with it.
    pub fn check(&self) -> Result<Declared, String> {
        if self.entities == 0 {
            return Err("entities must be at least 1".into());
        }
        let layout = |side: &str, names: &[String]| -> Result<Layout, String> {
            let channels = names
                .iter()
                .map(|n| {
                    channel(n).ok_or_else(|| {
                        format!(
                            "{side} channel {n:?} is not \"scalar\", \"vector\" or \"position\""
                        )
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            Layout::new(self.entities, &channels).map_err(|e| format!("{side}: {e}"))
        };
        let io = IoLayout {
            input: layout("input", &self.input)?,
            output: layout("output", &self.output)?,
        };
        let group = self.group.group()?;
        if !self.names.entities.is_empty() && self.names.entities.len() != self.entities {
            return Err(format!(
                "names.entities has {} names for {} entities",
                self.names.entities.len(),
                self.entities
            ));
        }
        if let Some([a, b]) = self
            .names
            .bones
            .iter()
            .find(|[a, b]| *a >= self.entities || *b >= self.entities)
        {
            return Err(format!(
                "bone [{a}, {b}] names an entity past the last ({})",
                self.entities - 1
            ));
        }
        Ok(Declared { io, group })
    }

    /// The arrays' file name.
    pub fn arrays_file(&self) -> &str {
        self.arrays.as_deref().unwrap_or(DEFAULT_ARRAYS)
    }
}

impl GroupSpec {
    /// The spec of `group` (its axis as three numbers, angles in degrees).
    pub fn of(group: &Group) -> Self {
        let mut spec = Self {
            kind: String::new(),
            axis: None,
            min_degrees: None,
            max_degrees: None,
        };
        match *group {
            Group::So3 => spec.kind = "so3".into(),
            Group::So2 { axis } => {
                spec.kind = "so2".into();
                spec.axis = Some(toml::Value::Array(
                    axis.iter()
                        .map(|&v| toml::Value::Float(f64::from(v)))
                        .collect(),
                ));
            }
            Group::AngleRange { min, max } => {
                spec.kind = "range".into();
                spec.min_degrees = Some(degrees_of(min));
                spec.max_degrees = Some(degrees_of(max));
            }
        }
        spec
    }

    /// The group it declares.
    fn group(&self) -> Result<Group, String> {
        match self.kind.as_str() {
            "so3" => Ok(Group::So3),
            "so2" => {
                let axis = self
                    .axis
                    .as_ref()
                    .ok_or("group so2 needs an axis: \"x\", \"y\", \"z\" or three numbers")?;
                Group::so2(axis_of(axis)?).map_err(|e| format!("group axis: {e}"))
            }
            "range" => {
                let (Some(min), Some(max)) = (self.min_degrees, self.max_degrees) else {
                    return Err("group range needs min_degrees and max_degrees".into());
                };
                Group::angle_range_degrees(min, max)
                    .map_err(|_| format!("group range: need 0 <= min_degrees <= max_degrees <= 180 (min {min}, max {max})"))
            }
            other => Err(format!(
                "group kind {other:?} is not \"so3\", \"so2\" or \"range\""
            )),
        }
    }
}

/// Degrees that convert back to exactly `radians` (as the manifest's reader
/// converts them), where such a value is within a few ulps of the plain
/// conversion: so that a built-in task written out declares the very
/// group it was trained with.
fn degrees_of(radians: f32) -> f32 {
    let plain = radians.to_degrees();
    let mut candidates = [plain; 9];
    let (mut up, mut down) = (plain, plain);
    for pair in candidates[1..].chunks_exact_mut(2) {
        (up, down) = (up.next_up(), down.next_down());
        pair.copy_from_slice(&[up, down]);
    }
    candidates
        .into_iter()
        .find(|d| d.to_radians() == radians)
        .unwrap_or(plain)
}

fn channel(name: &str) -> Option<Channel> {
    match name {
        "scalar" => Some(Channel::Scalar),
        "vector" => Some(Channel::Vector),
        "position" => Some(Channel::Position),
        _ => None,
    }
}

/// The name of a channel as the manifest writes it.
pub fn channel_name(channel: Channel) -> &'static str {
    match channel {
        Channel::Scalar => "scalar",
        Channel::Vector => "vector",
        Channel::Position => "position",
    }
}

fn axis_of(value: &toml::Value) -> Result<Vec3, String> {
    let unknown = || format!("group axis {value} is not \"x\", \"y\", \"z\" or three numbers");
    match value {
        toml::Value::String(name) => match name.as_str() {
            "x" => Ok([1.0, 0.0, 0.0]),
            "y" => Ok([0.0, 1.0, 0.0]),
            "z" => Ok([0.0, 0.0, 1.0]),
            _ => Err(unknown()),
        },
        toml::Value::Array(items) if items.len() == 3 => {
            let mut axis = [0.0f32; 3];
            for (a, item) in axis.iter_mut().zip(items) {
                *a = match item {
                    toml::Value::Float(v) => *v as f32,
                    toml::Value::Integer(v) => *v as f32,
                    _ => return Err(unknown()),
                };
            }
            Ok(axis)
        }
        _ => Err(unknown()),
    }
}
