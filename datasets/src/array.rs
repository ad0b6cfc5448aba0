//! A dense, C-ordered n-dimensional array: what numpy arrays in the data
//! files become.

/// The element data of an [`NdArray`], in C (row-major) order.
#[derive(Clone, Debug, PartialEq)]
pub enum ArrayData {
    /// `float64` elements.
    F64(Vec<f64>),
    /// `int64` elements.
    I64(Vec<i64>),
}

impl ArrayData {
    /// Number of elements.
    pub fn len(&self) -> usize {
        match self {
            Self::F64(v) => v.len(),
            Self::I64(v) => v.len(),
        }
    }

    /// Whether there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The numpy name of the element type.
    pub fn dtype_name(&self) -> &'static str {
        match self {
            Self::F64(_) => "float64",
            Self::I64(_) => "int64",
        }
    }
}

/// An array with a shape whose product is the number of elements.
#[derive(Clone, Debug, PartialEq)]
pub struct NdArray {
    shape: Vec<usize>,
    data: ArrayData,
}

impl NdArray {
    /// An array, or `None` when the shape does not match the element count.
    ///
    /// ```
    /// use remul_datasets::{ArrayData, NdArray};
    /// let a = NdArray::new(vec![2, 3], ArrayData::F64(vec![0.0; 6])).unwrap();
    /// assert_eq!(a.shape(), &[2, 3]);
    /// assert!(NdArray::new(vec![2, 2], ArrayData::F64(vec![0.0; 6])).is_none());
    /// ```
    pub fn new(shape: Vec<usize>, data: ArrayData) -> Option<Self> {
        let count = element_count(&shape)?;
        (count == data.len()).then_some(Self { shape, data })
    }

    /// The shape.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// The elements.
    pub fn data(&self) -> &ArrayData {
        &self.data
    }

    /// The elements if they are `float64`.
    pub fn as_f64(&self) -> Option<&[f64]> {
        match &self.data {
            ArrayData::F64(v) => Some(v),
            ArrayData::I64(_) => None,
        }
    }

    /// The elements if they are `int64`.
    pub fn as_i64(&self) -> Option<&[i64]> {
        match &self.data {
            ArrayData::I64(v) => Some(v),
            ArrayData::F64(_) => None,
        }
    }
}

/// The product of the dimensions, or `None` on overflow.
pub(crate) fn element_count(shape: &[usize]) -> Option<usize> {
    shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d))
}
