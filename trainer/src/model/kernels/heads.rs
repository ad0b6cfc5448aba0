//! Attention's head split and merge, `[B, T, H·k] ↔ [B, H, T, k]`.
//!
//! The split is a view (reshape, then swap tokens and heads) and the merge
//! a copy into token order, one `k`-long run at a time; each is the
//! other's backward. Through burn's reshape and swap, every step would copy
//! the heads' gradients element by element in reshape's backward.

use burn::backend::flex::FlexTensor;
use burn::prelude::*;
use burn::tensor::{Shape, TensorData, TensorMetadata, TensorPrimitive};

use super::primitive::{Primitive, classify, same_type};
use super::unary_op::tracked;

/// `[batch, tokens, heads·k]` as `[batch, heads, tokens, k]`.
pub fn split_heads<B: Backend>(x: Tensor<B, 3>, heads: usize) -> Tensor<B, 4> {
    let [batch, tokens, width] = x.dims();
    let y = match classify::<B>(x.into_primitive().tensor()) {
        Primitive::Autodiff(x) => {
            same_type(tracked(x, |x| (split(x, heads), ()), |_, g| merge(&g)))
        }
        Primitive::Flex(x) => same_type(split(&x, heads)),
        Primitive::Other(x) => {
            let x = Tensor::<B, 3>::from_primitive(TensorPrimitive::Float(x));
            return x
                .reshape([batch, tokens, heads, width / heads])
                .swap_dims(1, 2);
        }
    };
    Tensor::from_primitive(TensorPrimitive::Float(y))
}

/// `[batch, heads, tokens, k]` as `[batch, tokens, heads·k]`.
pub fn merge_heads<B: Backend>(x: Tensor<B, 4>) -> Tensor<B, 3> {
    let [batch, heads, tokens, k] = x.dims();
    let y = match classify::<B>(x.into_primitive().tensor()) {
        Primitive::Autodiff(x) => same_type(tracked(
            x,
            |x| (merge(x), heads),
            |&heads, g| split(&g, heads),
        )),
        Primitive::Flex(x) => same_type(merge(&x)),
        Primitive::Other(x) => {
            let x = Tensor::<B, 4>::from_primitive(TensorPrimitive::Float(x));
            return x.swap_dims(1, 2).reshape([batch, tokens, heads * k]);
        }
    };
    Tensor::from_primitive(TensorPrimitive::Float(y))
}

fn split(x: &FlexTensor, heads: usize) -> FlexTensor {
    let shape = x.shape();
    let (batch, tokens, width) = (shape[0], shape[1], shape[2]);
    x.reshape(Shape::new([batch, tokens, heads, width / heads]))
        .transpose(1, 2)
}

fn merge(x: &FlexTensor) -> FlexTensor {
    let shape = x.shape();
    let (batch, heads, tokens, k) = (shape[0], shape[1], shape[2], shape[3]);
    let (strides, start) = (x.layout().strides(), x.layout().start_offset() as isize);
    let data = x.storage::<f32>();
    let mut out = Vec::with_capacity(batch * heads * tokens * k);
    for b in 0..batch {
        for t in 0..tokens {
            for h in 0..heads {
                let at = start
                    + b as isize * strides[0]
                    + h as isize * strides[1]
                    + t as isize * strides[2];
                let at = at as usize;
                if strides[3] == 1 {
                    out.extend_from_slice(&data[at..at + k]);
                } else {
                    out.extend(
                        (0..k).map(|i| data[(at as isize + i as isize * strides[3]) as usize]),
                    );
                }
            }
        }
    }
    FlexTensor::from_data(TensorData::new(out, [batch, tokens, heads * k]))
}

#[cfg(test)]
mod tests {
    use burn::backend::{Autodiff, Flex, NdArray};
    use burn::prelude::*;
    use burn::tensor::Distribution;

    type Ad = Autodiff<Flex>;

    fn input<B: Backend>() -> Tensor<B, 3> {
        Tensor::random([3, 7, 12], Distribution::Default, &Default::default())
    }

    /// burn's own split and merge.
    fn reference<B: Backend>(x: Tensor<B, 3>) -> Tensor<B, 3> {
        let heads = x.reshape([3, 7, 4, 3]).swap_dims(1, 2);
        let mixed = heads.clone() * heads.clone().flip([3]);
        mixed.swap_dims(1, 2).reshape([3, 7, 12])
    }

    fn ours<B: Backend>(x: Tensor<B, 3>) -> Tensor<B, 3> {
        let heads = super::split_heads(x, 4);
        super::merge_heads(heads.clone() * heads.flip([3]))
    }

    #[test]
    fn split_and_merge_equal_burns_reshape_and_swap_with_their_gradients() {
        let x = input::<Flex>();
        let a = Tensor::<Ad, 3>::from_inner(x.clone()).require_grad();
        let b = Tensor::<Ad, 3>::from_inner(x.clone()).require_grad();
        let (ya, yb) = (ours(a.clone()), reference(b.clone()));
        assert_eq!(ya.to_data(), yb.to_data());
        let w = Tensor::<Ad, 3>::from_inner(input::<Flex>());
        let (ga, gb) = ((ya * w.clone()).sum().backward(), (yb * w).sum().backward());
        assert_eq!(
            a.grad(&ga).unwrap().to_data(),
            b.grad(&gb).unwrap().to_data()
        );
        assert_eq!(ours(x.clone()).to_data(), reference(x).to_data());
        let x = input::<NdArray>();
        assert_eq!(ours(x.clone()).to_data(), reference(x).to_data());
    }
}
