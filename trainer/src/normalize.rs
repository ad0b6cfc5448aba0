//! The rotation-invariant normalisation a model sees its data through:
//! positions centred on the input's centroid (so that only rotations are
//! left to learn, as the paper subtracts the centre of mass) and one global
//! scale per channel kind, measured on the training split; optionally a
//! canonical orientation per input ([`CanonicalAxes`]).
//!
//! The map itself is the runtime's ([`Normalization`], applied through a
//! [`Frame`]), so the trainer and the device cannot disagree about it; this
//! module only measures the scales.

use remul_datasets::Split;
use remul_group::{CanonicalAxes, Channel, IoLayout, Layout};
pub use remul_runtime::{Frame, Normalization};

/// Measures the scales on a training split: the root-mean-square of each
/// channel kind's numbers (positions after centring). These are norms, so
/// they do not change when the data are rotated.
pub fn fit(
    io: &IoLayout,
    train: &Split,
    center: bool,
    scale: bool,
    canonical: Option<CanonicalAxes>,
    orientation_input: Option<f32>,
) -> Normalization {
    let centred_only = Normalization {
        center,
        canonical,
        orientation_input: orientation_input.unwrap_or(0.0),
        ..Normalization::IDENTITY
    };
    if !scale || train.is_empty() {
        return centred_only;
    }
    let kinds: Vec<usize> = channel_of_numbers(&io.input)
        .iter()
        .map(|c| match c {
            Channel::Scalar => 0,
            Channel::Vector => 1,
            Channel::Position => 2,
        })
        .collect();
    let mut sums = [0.0f64; 3];
    let mut counts = [0usize; 3];
    let mut centred = vec![0.0f32; io.input.len()];
    for x in train.inputs_iter() {
        let normalized = Frame::of_input(&io.input, &centred_only, x)
            .and_then(|frame| frame.normalize(&io.input, x, &mut centred));
        if normalized.is_err() {
            continue; // a split's rows always have the layout's length
        }
        for (i, &v) in centred.iter().enumerate() {
            let k = kinds[i % kinds.len()];
            sums[k] += f64::from(v) * f64::from(v);
            counts[k] += 1;
        }
    }
    let rms = |k: usize| {
        let r = (sums[k] / counts[k].max(1) as f64).sqrt() as f32;
        if r.is_finite() && r > 1e-12 { r } else { 1.0 }
    };
    Normalization {
        center,
        position_scale: rms(2),
        vector_scale: rms(1),
        scalar_scale: rms(0),
        ..centred_only
    }
}

/// The channel of every number of one entity of `layout` (a layout repeats
/// them entity after entity).
pub fn channel_of_numbers(layout: &Layout) -> Vec<Channel> {
    layout
        .channels()
        .iter()
        .flat_map(|&c| std::iter::repeat_n(c, c.width()))
        .collect()
}

/// The scale `norm` divides a channel's numbers by.
pub fn scale_of(norm: &Normalization, channel: Channel) -> f32 {
    match channel {
        Channel::Scalar => norm.scalar_scale,
        Channel::Vector => norm.vector_scale,
        Channel::Position => norm.position_scale,
    }
}
