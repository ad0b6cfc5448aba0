//! `.npy` arrays of `float64` / `int64`, C order, read through the `npyz`
//! crate: the lossless conversions the tests compare the pickles against.
//!
//! ```
//! use remul_datasets::npy;
//! let mut file = b"\x93NUMPY\x01\x00".to_vec();
//! let header = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }";
//! file.extend_from_slice(&(header.len() as u16).to_le_bytes());
//! file.extend_from_slice(header.as_bytes());
//! file.extend_from_slice(&1.5f64.to_le_bytes());
//! file.extend_from_slice(&(-2.0f64).to_le_bytes());
//! let a = npy::from_bytes(&file, "two.npy")?;
//! assert_eq!(a.as_f64(), Some(&[1.5, -2.0][..]));
//! # Ok::<(), remul_datasets::Error>(())
//! ```

use std::io::ErrorKind;
use std::path::Path;

use npyz::{NpyFile, Order};

use crate::Error;
use crate::array::{ArrayData, NdArray};

/// Reads a `.npy` file.
pub fn load(path: &Path) -> Result<NdArray, Error> {
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    from_bytes(&bytes, &path.display().to_string())
}

/// Decodes a `.npy` file; `name` names the input in errors.
pub fn from_bytes(bytes: &[u8], name: &str) -> Result<NdArray, Error> {
    let malformed = |offset: usize, reason: String| Error::Malformed {
        file: name.to_owned(),
        offset,
        reason,
    };
    let read_error = |e: std::io::Error| match e.kind() {
        ErrorKind::UnexpectedEof => Error::Truncated {
            file: name.to_owned(),
            offset: bytes.len(),
        },
        _ => malformed(0, e.to_string()),
    };
    // Magic, version and header length come first: without them, the file
    // ends before its header does.
    if bytes.len() >= 6 && &bytes[..6] != b"\x93NUMPY" {
        return Err(malformed(0, "not a .npy file (bad magic)".into()));
    }
    if bytes.len() < 10 {
        return Err(Error::Truncated {
            file: name.to_owned(),
            offset: bytes.len(),
        });
    }
    let mut rest = bytes;
    let npy = NpyFile::new(&mut rest).map_err(read_error)?;
    let shape = c_order_shape(&npy).map_err(|reason| malformed(0, reason.into()))?;
    let data = match npy.try_data::<f64>() {
        Ok(values) => ArrayData::F64(values.collect::<Result<_, _>>().map_err(read_error)?),
        Err(npy) => match npy.try_data::<i64>() {
            Ok(values) => ArrayData::I64(values.collect::<Result<_, _>>().map_err(read_error)?),
            Err(_) => return Err(malformed(0, "dtype is not float64 or int64".into())),
        },
    };
    if !rest.is_empty() {
        return Err(malformed(
            bytes.len() - rest.len(),
            "data past the end of the array".into(),
        ));
    }
    NdArray::new(shape, data)
        .ok_or_else(|| malformed(0, "data length does not match the shape".into()))
}

/// An array's shape, when it is stored in C order (or has one axis, where
/// the orders agree); else why not.
pub(crate) fn c_order_shape<R: std::io::Read>(
    npy: &NpyFile<R>,
) -> Result<Vec<usize>, &'static str> {
    if npy.order() == Order::Fortran && npy.shape().len() > 1 {
        return Err("stored in Fortran order; save it C-ordered (np.ascontiguousarray)");
    }
    npy.shape()
        .iter()
        .map(|&d| usize::try_from(d).map_err(|_| "shape too large for this machine"))
        .collect()
}
