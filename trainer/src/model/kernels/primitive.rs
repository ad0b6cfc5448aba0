//! Recognising burn-flex from a tensor's primitive, and elementwise maps
//! over flex tensors.
//!
//! A backend's float primitive is a `'static` type, so `Any` tells the
//! primitive of `Autodiff<Flex>` and of `Flex` from any other without
//! unsafe code or a trait bound on every model function.

use std::any::Any;

use burn::backend::Autodiff;
use burn::backend::flex::{Flex, FlexTensor};
use burn::prelude::*;
use burn::tensor::ops::FloatTensor;
use burn::tensor::{DType, TensorData, TensorMetadata};

use super::widest::widest;

/// A float primitive, sorted by what runs on it.
pub(super) enum Primitive<B: Backend> {
    /// burn-flex under autodiff (training): fused kernels, fused backward.
    /// Their nodes keep their state (burn's `NoCheckpointing`, the
    /// trainer's strategy) whatever strategy the graph uses.
    Autodiff(FloatTensor<Autodiff<Flex>>),
    /// burn-flex alone (evaluation): fused kernels.
    Flex(FlexTensor),
    /// Any other backend, or a dtype other than f32: burn's own ops.
    Other(FloatTensor<B>),
}

/// Sorts `t` by backend and dtype.
pub(super) fn classify<B: Backend>(t: FloatTensor<B>) -> Primitive<B> {
    if t.dtype() != DType::F32 {
        return Primitive::Other(t);
    }
    let boxed: Box<dyn Any> = Box::new(t);
    let boxed = match boxed.downcast::<FloatTensor<Autodiff<Flex>>>() {
        Ok(t) => return Primitive::Autodiff(*t),
        Err(other) => other,
    };
    match boxed.downcast::<FlexTensor>() {
        Ok(t) => Primitive::Flex(*t),
        Err(other) => Primitive::Other(
            *other
                .downcast::<FloatTensor<B>>()
                .unwrap_or_else(|_| unreachable!("the box holds what was put in")),
        ),
    }
}

/// `t` as the type `U` it is known to be (a primitive that [`classify`]
/// has just recognised, seen through another name of the same type).
pub(super) fn same_type<T: 'static, U: 'static>(t: T) -> U {
    let boxed: Box<dyn Any> = Box::new(t);
    *boxed
        .downcast::<U>()
        .unwrap_or_else(|_| unreachable!("classify recognised this primitive's type"))
}

/// A flex tensor of `shape` from row-major values.
pub(super) fn from_values(values: Vec<f32>, like: &FlexTensor) -> FlexTensor {
    FlexTensor::from_data(TensorData::new(values, like.shape()))
}

/// `f` of each element of `x`.
pub(super) fn map(x: &FlexTensor, f: impl Fn(f32) -> f32) -> FlexTensor {
    let x = x.to_contiguous();
    let mut out = vec![0.0f32; x.shape().num_elements()];
    // A plain loop, not `collect`: iterator adapters that LLVM does not
    // inline would run outside `widest`'s instruction set.
    widest(
        #[inline(always)]
        || {
            for (o, &v) in out.iter_mut().zip(x.storage::<f32>()) {
                *o = f(v);
            }
        },
    );
    from_values(out, &x)
}

/// `f` of each pair of elements of `a` and `b` (same shape).
pub(super) fn zip_map(a: &FlexTensor, b: &FlexTensor, f: impl Fn(f32, f32) -> f32) -> FlexTensor {
    let (a, b) = (a.to_contiguous(), b.to_contiguous());
    let mut out = vec![0.0f32; a.shape().num_elements()];
    widest(
        #[inline(always)]
        || {
            let pairs = a.storage::<f32>().iter().zip(b.storage::<f32>());
            for (o, (&x, &y)) in out.iter_mut().zip(pairs) {
                *o = f(x, y);
            }
        },
    );
    from_values(out, &a)
}
