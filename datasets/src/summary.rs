//! What a task will train on, in a form a person can check: per split the
//! sample count, the shapes, and the range of each channel.

use std::fmt;

use remul_group::{Channel, IoLayout, Layout};

use crate::{Split, TaskData};

/// The value range of one channel over all entities and samples of a split.
#[derive(Clone, Debug, PartialEq)]
pub struct ChannelStats {
    /// The channel's kind.
    pub channel: Channel,
    /// Smallest value (NaN when the split is empty).
    pub min: f32,
    /// Largest value (NaN when the split is empty).
    pub max: f32,
    /// Mean value (NaN when the split is empty).
    pub mean: f64,
    /// How many values are NaN or infinite (left out of min / max / mean).
    pub non_finite: usize,
}

/// One split's summary.
#[derive(Clone, Debug, PartialEq)]
pub struct SplitSummary {
    /// The split's name.
    pub name: String,
    /// Number of samples.
    pub samples: usize,
    /// `[samples, entities, numbers per entity]` of the inputs.
    pub input_shape: [usize; 3],
    /// `[samples, entities, numbers per entity]` of the targets.
    pub target_shape: [usize; 3],
    /// Per input channel, in layout order.
    pub inputs: Vec<ChannelStats>,
    /// Per target channel, in layout order.
    pub targets: Vec<ChannelStats>,
}

/// A task's summary; its `Display` is the `trainer data` report.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// The task's name.
    pub task: String,
    /// The task's layout.
    pub io: IoLayout,
    /// Number of skeleton edges (0 without a skeleton).
    pub edges: usize,
    /// Per split, in [`TaskData::splits`] order.
    pub splits: Vec<SplitSummary>,
}

/// Summarizes a task.
///
/// ```
/// use remul_datasets::{nbody::{self, NbodyConfig}, summarize};
/// let data = nbody::generate(&NbodyConfig { train: 5, val: 5, test: 5, ood: 5, ..Default::default() })?;
/// let summary = summarize(&data);
/// assert_eq!(summary.splits[0].input_shape, [5, 4, 7]);
/// assert!(summary.to_string().contains("ood"));
/// # Ok::<(), remul_datasets::Error>(())
/// ```
pub fn summarize(data: &TaskData) -> Summary {
    let splits = data
        .splits()
        .into_iter()
        .map(|(name, split)| summarize_split(name, split, &data.io))
        .collect();
    Summary {
        task: data.name.clone(),
        io: data.io.clone(),
        edges: data.edges.len(),
        splits,
    }
}

fn summarize_split(name: &str, split: &Split, io: &IoLayout) -> SplitSummary {
    let n = split.len();
    let shape = |layout: &Layout| [n, layout.entities(), layout.entity_width()];
    SplitSummary {
        name: name.to_owned(),
        samples: n,
        input_shape: shape(&io.input),
        target_shape: shape(&io.output),
        inputs: channel_stats(&split.inputs, &io.input),
        targets: channel_stats(&split.targets, &io.output),
    }
}

fn channel_stats(rows: &[f32], layout: &Layout) -> Vec<ChannelStats> {
    let width = layout.entity_width();
    let mut offset = 0;
    layout
        .channels()
        .iter()
        .map(|&channel| {
            let at = offset;
            offset += channel.width();
            let (mut min, mut max, mut sum, mut count, mut non_finite) =
                (f32::INFINITY, f32::NEG_INFINITY, 0.0f64, 0usize, 0usize);
            for entity in rows.chunks_exact(width) {
                for &v in &entity[at..at + channel.width()] {
                    if v.is_finite() {
                        min = min.min(v);
                        max = max.max(v);
                        sum += f64::from(v);
                        count += 1;
                    } else {
                        non_finite += 1;
                    }
                }
            }
            if count == 0 {
                (min, max) = (f32::NAN, f32::NAN);
            }
            ChannelStats {
                channel,
                min,
                max,
                mean: if count == 0 {
                    f64::NAN
                } else {
                    sum / count as f64
                },
                non_finite,
            }
        })
        .collect()
}

fn channel_name(c: Channel) -> &'static str {
    match c {
        Channel::Scalar => "scalar",
        Channel::Vector => "vector",
        Channel::Position => "position",
    }
}

fn layout_text(layout: &Layout) -> String {
    let channels: Vec<&str> = layout.channels().iter().map(|&c| channel_name(c)).collect();
    format!("{} × [{}]", layout.entities(), channels.join(", "))
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "task {}: input {} -> target {}",
            self.task,
            layout_text(&self.io.input),
            layout_text(&self.io.output)
        )?;
        if self.edges > 0 {
            write!(f, ", {} skeleton edges", self.edges)?;
        }
        writeln!(f)?;
        for s in &self.splits {
            writeln!(
                f,
                "  {:<6} {:>6} samples   input {:?}   target {:?}",
                s.name, s.samples, s.input_shape, s.target_shape
            )?;
            let rows = s
                .inputs
                .iter()
                .map(|c| ("input", c))
                .chain(s.targets.iter().map(|c| ("target", c)));
            for (side, c) in rows {
                write!(
                    f,
                    "         {side:<6} {:<8}  min {:>10.4}  max {:>10.4}  mean {:>10.4}",
                    channel_name(c.channel),
                    c.min,
                    c.max,
                    c.mean
                )?;
                if c.non_finite > 0 {
                    write!(f, "  ({} non-finite values)", c.non_finite)?;
                }
                writeln!(f)?;
            }
        }
        Ok(())
    }
}
