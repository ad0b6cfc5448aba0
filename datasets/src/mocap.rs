//! CMU motion capture as the GMN / EGHN / EGNO benchmark defines it.
//!
//! The files are the published pickles (`motion_run.pkl` + `split_run.pkl`
//! for subject 9 running, `motion.pkl` + `split.pkl` for subject 35
//! walking), read with the restricted [`crate::pickle`] reader from
//! `<data_dir>/mocap/`. Samples are built as the reference code builds them:
//!
//! 1. velocity `V[t] = X[t+1] − X[t]` (forward difference, no dt), last frame dropped;
//! 2. each partition's cases are the split file's dict keys in order, which
//!    must be the protocol's fixed case ids ([`Protocol`]);
//! 3. per case the first `max_samples / cases` start frames in file order;
//! 4. sample at start `t`: input per joint `X[t]`, `V[t]`; target `X[t + 30]`.
//!
//! Running gives 200 / 240 / 240 samples, walking 198 / 600 / 600.
//!
//! ```no_run
//! use remul_datasets::{default_data_dir, mocap::{self, Motion}};
//! let data = mocap::load(&default_data_dir(None), Motion::Run)?;
//! assert_eq!((data.train.len(), data.val.len(), data.test.len()), (200, 240, 240));
//! # Ok::<(), remul_datasets::Error>(())
//! ```

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use remul_group::{Channel, IoLayout, Layout};

use crate::download::{self, Checksum, Fetched, Progress, RemoteFile, Source};
use crate::pickle::{self, Value};
use crate::{Error, Split, TaskData};

/// Joints per frame (the ASF skeleton's 31 joints, depth-first order).
pub const JOINTS: usize = 31;

/// Frames between a sample's input and its target.
pub const DELTA_T: usize = 30;

/// Subject 9 running trajectories.
pub const MOTION_RUN: RemoteFile = RemoteFile {
    name: "motion_run.pkl",
    checksum: Checksum::Sha256("0d299bb8f9e20478b79a3d93170191cc2fb5913494b699349c672101ea75d1d0"),
};

/// Running split.
pub const SPLIT_RUN: RemoteFile = RemoteFile {
    name: "split_run.pkl",
    checksum: Checksum::Sha256("a7a78a05981e14629b5e71d4bb015ea70769c8a08cb7700efc5658a04f0ed10c"),
};

/// Subject 35 walking trajectories (only the git blob hash is published).
pub const MOTION_WALK: RemoteFile = RemoteFile {
    name: "motion.pkl",
    checksum: Checksum::GitBlobSha1("5a8e260677b4b0ca8673c759df519fe27e2c0a12"),
};

/// Walking split.
pub const SPLIT_WALK: RemoteFile = RemoteFile {
    name: "split.pkl",
    checksum: Checksum::Sha256("28457502799bd8f25628ae43d39b68bf8f28131dad762bf06563a49faaeee7a1"),
};

/// Which recording.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Motion {
    /// Subject 9, running (11 trials).
    Run,
    /// Subject 35, walking (23 trials).
    Walk,
}

impl Motion {
    /// `run` or `walk`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Run => "run",
            Self::Walk => "walk",
        }
    }

    /// The task name: `mocap-run` or `mocap-walk`.
    pub fn task_name(self) -> &'static str {
        match self {
            Self::Run => "mocap-run",
            Self::Walk => "mocap-walk",
        }
    }

    /// The files this motion needs, as published: trajectories, then split.
    pub fn files(self) -> [RemoteFile; 2] {
        match self {
            Self::Run => [MOTION_RUN, SPLIT_RUN],
            Self::Walk => [MOTION_WALK, SPLIT_WALK],
        }
    }

    /// The trajectories file's name.
    pub fn motion_file(self) -> &'static str {
        self.files()[0].name
    }

    /// The split file's name.
    pub fn split_file(self) -> &'static str {
        self.files()[1].name
    }

    /// The benchmark's fixed parameters for this motion.
    pub fn protocol(self) -> Protocol {
        match self {
            Self::Run => Protocol {
                train_cases: &[1, 2, 5, 6, 10],
                val_cases: &[0, 4, 9],
                test_cases: &[3, 7, 8],
                max_samples: [200, 600, 600],
                delta_t: DELTA_T,
            },
            Self::Walk => Protocol {
                train_cases: &[20, 1, 17, 13, 14, 9, 4, 2, 7, 5, 16],
                val_cases: &[3, 8, 11, 12, 15, 18],
                test_cases: &[6, 19, 21, 0, 22, 10],
                max_samples: [200, 600, 600],
                delta_t: DELTA_T,
            },
        }
    }
}

impl fmt::Display for Motion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Motion {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "run" => Ok(Self::Run),
            "walk" => Ok(Self::Walk),
            other => Err(Error::UnknownMotion {
                name: other.to_owned(),
            }),
        }
    }
}

/// The partition names, in the order of every `[_; 3]` in this module.
pub const PARTITIONS: [&str; 3] = ["train", "val", "test"];

/// The benchmark's fixed parameters (GMN `spatial_graph/motion/dataset.py`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Protocol {
    /// Trial ids of the training cases, in sample order.
    pub train_cases: &'static [usize],
    /// Trial ids of the validation cases.
    pub val_cases: &'static [usize],
    /// Trial ids of the test cases.
    pub test_cases: &'static [usize],
    /// `max_samples` of train, val, test (each case gets `max / cases` starts).
    pub max_samples: [usize; 3],
    /// Frames from input to target.
    pub delta_t: usize,
}

impl Protocol {
    /// The case ids of train, val, test.
    pub fn cases(&self) -> [&'static [usize]; 3] {
        [self.train_cases, self.val_cases, self.test_cases]
    }
}

/// One trial: `frames × 31 × 3` joint positions, float64, C order.
#[derive(Clone, Debug, PartialEq)]
pub struct Trial {
    positions: Vec<f64>,
    frames: usize,
}

impl Trial {
    /// Number of frames (before the last one is dropped).
    pub fn frames(&self) -> usize {
        self.frames
    }

    /// All positions, `[frame][joint][xyz]` flattened.
    pub fn positions(&self) -> &[f64] {
        &self.positions
    }

    /// The position of `joint` at `frame`. Panics when out of range.
    pub fn position(&self, frame: usize, joint: usize) -> [f64; 3] {
        let at = (frame * JOINTS + joint) * 3;
        [
            self.positions[at],
            self.positions[at + 1],
            self.positions[at + 2],
        ]
    }
}

/// A motion file: the skeleton's bones and the trials.
#[derive(Clone, Debug, PartialEq)]
pub struct Recording {
    /// Bones as `[child, parent]` joint indices.
    pub edges: Vec<[usize; 2]>,
    /// Trials in file order (the trial id is the position).
    pub trials: Vec<Trial>,
}

/// Reads a motion pickle (`(edges, [X_0, X_1, ...])`).
pub fn read_recording(path: &Path) -> Result<Recording, Error> {
    let value = pickle::load(path)?;
    recording_from_value(&value, &path.display().to_string())
}

/// Interprets an unpickled motion file; `file` names it in errors.
pub fn recording_from_value(value: &Value, file: &str) -> Result<Recording, Error> {
    let unexpected = |reason: String| Error::UnexpectedContent {
        file: file.to_owned(),
        reason,
    };
    let [edges, trials] = value.as_sequence().unwrap_or_default() else {
        return Err(unexpected(format!(
            "expected a pair (edges, trials), found a {}",
            value.type_name()
        )));
    };
    let edges = edges
        .as_sequence()
        .ok_or_else(|| unexpected("edges are not a list".into()))?
        .iter()
        .enumerate()
        .map(|(i, pair)| {
            let joint = |v: &Value| {
                v.as_int()
                    .and_then(|j| usize::try_from(j).ok())
                    .filter(|&j| j < JOINTS)
            };
            match pair.as_sequence() {
                Some([child, parent]) => match (joint(child), joint(parent)) {
                    (Some(c), Some(p)) => Ok([c, p]),
                    _ => Err(unexpected(format!(
                        "edge {i} is not two joint indices below {JOINTS}"
                    ))),
                },
                _ => Err(unexpected(format!(
                    "edge {i} is not a [child, parent] pair"
                ))),
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    let trials = trials
        .as_sequence()
        .ok_or_else(|| unexpected("trials are not a list".into()))?
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let wrong_shape = |got: Vec<usize>| Error::WrongShape {
                file: file.to_owned(),
                what: format!("trial {i}"),
                got,
                expected: format!("[frames >= 2, {JOINTS}, 3] of float64"),
            };
            let array = t.as_array().ok_or_else(|| wrong_shape(Vec::new()))?;
            match (array.shape(), array.as_f64()) {
                (&[frames, JOINTS, 3], Some(data)) if frames >= 2 => Ok(Trial {
                    positions: data.to_vec(),
                    frames,
                }),
                (shape, _) => Err(wrong_shape(shape.to_vec())),
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Recording { edges, trials })
}

/// One case of a split file: a trial id and its candidate start frames.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Case {
    /// The trial id (a dict key of the split file).
    pub trial: i64,
    /// Candidate start frames in file order.
    pub starts: Vec<i64>,
}

/// A split file: per partition, the cases in the file's key order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SplitFile {
    /// Train, val, test.
    pub partitions: [Vec<Case>; 3],
}

/// Reads a split pickle (`(train_map, val_map, test_map)`).
pub fn read_split_file(path: &Path) -> Result<SplitFile, Error> {
    let value = pickle::load(path)?;
    split_from_value(&value, &path.display().to_string())
}

/// Interprets an unpickled split file; `file` names it in errors.
pub fn split_from_value(value: &Value, file: &str) -> Result<SplitFile, Error> {
    let unexpected = |reason: String| Error::UnexpectedContent {
        file: file.to_owned(),
        reason,
    };
    let maps = value.as_sequence().unwrap_or_default();
    if maps.len() != 3 {
        return Err(unexpected(format!(
            "expected three dicts (train, val, test), found a {} of {}",
            value.type_name(),
            maps.len()
        )));
    }
    let mut partitions: [Vec<Case>; 3] = Default::default();
    for ((cases, map), partition) in partitions.iter_mut().zip(maps).zip(PARTITIONS) {
        let entries = map.as_dict().ok_or_else(|| {
            unexpected(format!(
                "the {partition} map is a {}, not a dict",
                map.type_name()
            ))
        })?;
        for (key, starts) in entries {
            let trial = key.as_int().ok_or_else(|| {
                unexpected(format!(
                    "a {partition} case id is a {}, not an int",
                    key.type_name()
                ))
            })?;
            let starts = match starts {
                Value::Array(a) if a.shape().len() == 1 => a.as_i64().map(<[i64]>::to_vec),
                Value::List(items) => items.iter().map(Value::as_int).collect(),
                _ => None,
            }
            .ok_or_else(|| {
                unexpected(format!(
                    "the start frames of {partition} case {trial} are not a list of ints"
                ))
            })?;
            cases.push(Case { trial, starts });
        }
    }
    Ok(SplitFile { partitions })
}

/// The start frames one case contributes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseStarts {
    /// The trial id.
    pub trial: usize,
    /// The start frames used, in order.
    pub starts: Vec<usize>,
}

/// The samples the protocol takes from a split file, before any trajectory
/// is read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selection {
    /// Train, val, test: the cases in sample order.
    pub partitions: [Vec<CaseStarts>; 3],
    /// The split file it came from (for errors).
    pub source: String,
}

impl Selection {
    /// Sample counts of train, val, test.
    pub fn counts(&self) -> [usize; 3] {
        self.partitions
            .each_ref()
            .map(|cases| cases.iter().map(|c| c.starts.len()).sum())
    }
}

/// Applies the protocol to a split file: checks the case ids against the
/// fixed ones and keeps the first `max_samples / cases` start frames of each
/// case. `file` names the split file in errors.
pub fn select(split: &SplitFile, protocol: &Protocol, file: &str) -> Result<Selection, Error> {
    let mut partitions: [Vec<CaseStarts>; 3] = Default::default();
    for (i, selected) in partitions.iter_mut().enumerate() {
        let cases = &split.partitions[i];
        let ids: Vec<i64> = cases.iter().map(|c| c.trial).collect();
        let expected = protocol.cases()[i];
        if !ids.iter().copied().eq(expected.iter().map(|&c| c as i64)) {
            return Err(Error::UnexpectedContent {
                file: file.to_owned(),
                reason: format!(
                    "{} cases are {ids:?}, the benchmark protocol fixes {expected:?}",
                    PARTITIONS[i]
                ),
            });
        }
        let each = protocol.max_samples[i] / cases.len().max(1);
        for (case, &trial) in cases.iter().zip(expected) {
            let starts = case
                .starts
                .iter()
                .take(each)
                .map(|&t| usize::try_from(t))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| Error::UnexpectedContent {
                    file: file.to_owned(),
                    reason: format!("{} case {trial} has a negative start frame", PARTITIONS[i]),
                })?;
            selected.push(CaseStarts { trial, starts });
        }
    }
    Ok(Selection {
        partitions,
        source: file.to_owned(),
    })
}

/// Mocap's layout: per joint a position and a velocity in, a position out.
pub fn io_layout() -> Result<IoLayout, Error> {
    Ok(IoLayout {
        input: Layout::new(JOINTS, &[Channel::Position, Channel::Vector])?,
        output: Layout::new(JOINTS, &[Channel::Position])?,
    })
}

/// Builds the samples of a selection from a recording.
pub fn build(
    name: &str,
    recording: &Recording,
    selection: &Selection,
    protocol: &Protocol,
) -> Result<TaskData, Error> {
    let io = io_layout()?;
    let dt = protocol.delta_t;
    let mut splits: [Split; 3] = [Split::empty(&io), Split::empty(&io), Split::empty(&io)];
    let mut input = Vec::with_capacity(io.input.len());
    let mut target = Vec::with_capacity(io.output.len());
    for ((split, cases), partition) in splits.iter_mut().zip(&selection.partitions).zip(PARTITIONS)
    {
        for case in cases {
            let trial = recording
                .trials
                .get(case.trial)
                .ok_or_else(|| Error::UnknownTrial {
                    file: selection.source.clone(),
                    partition,
                    trial: case.trial as i64,
                    trials: recording.trials.len(),
                })?;
            for &t in &case.starts {
                // X keeps F − 1 frames once V is formed, so X[t + dt] needs t + dt <= F − 2.
                if t + dt + 2 > trial.frames() {
                    return Err(Error::UnexpectedContent {
                        file: selection.source.clone(),
                        reason: format!(
                            "{partition} case {} start frame {t} needs frame {} but the trial has {} usable frames",
                            case.trial,
                            t + dt,
                            trial.frames() - 1
                        ),
                    });
                }
                input.clear();
                target.clear();
                for joint in 0..JOINTS {
                    let x = trial.position(t, joint);
                    let next = trial.position(t + 1, joint);
                    input.extend(x.map(|c| c as f32));
                    input.extend([0, 1, 2].map(|k| (next[k] - x[k]) as f32));
                    target.extend(trial.position(t + dt, joint).map(|c| c as f32));
                }
                split.push(&input, &target);
            }
        }
    }
    let [train, val, test] = splits;
    Ok(TaskData {
        name: name.to_owned(),
        io,
        train,
        val,
        test,
        extra: Vec::new(),
        edges: recording.edges.clone(),
    })
}

/// Loads a motion's benchmark data from `<data_dir>/mocap/`.
pub fn load(data_dir: &Path, motion: Motion) -> Result<TaskData, Error> {
    let dir = data_dir.join("mocap");
    if !dir.is_dir() {
        return Err(Error::MissingDir { path: dir });
    }
    let require = |file: &str| {
        let path = dir.join(file);
        if path.is_file() {
            Ok(path)
        } else {
            Err(Error::MissingFile {
                path,
                url: Source::original().url_for(file),
            })
        }
    };
    let split_path = require(motion.split_file())?;
    let motion_path = require(motion.motion_file())?;
    let protocol = motion.protocol();
    let split = read_split_file(&split_path)?;
    let selection = select(&split, &protocol, &split_path.display().to_string())?;
    let recording = read_recording(&motion_path)?;
    build(motion.task_name(), &recording, &selection, &protocol)
}

/// Makes sure a motion's files are in `<data_dir>/mocap/`, downloading the
/// missing or mismatched ones from `source` ([`download::ensure_files`]).
pub fn ensure_files(
    data_dir: &Path,
    motion: Motion,
    source: &Source,
    progress: &mut dyn FnMut(Progress),
) -> Result<Vec<Fetched>, Error> {
    download::ensure_files(&data_dir.join("mocap"), &motion.files(), source, progress)
}
