//! A reader for numpy `.npy` files of `float64` / `int64`, C order: the
//! lossless conversions the tests compare the pickles against.
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

use std::path::Path;

use crate::Error;
use crate::array::{ArrayData, NdArray, element_count};

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
    let malformed = |offset: usize, reason: &str| Error::Malformed {
        file: name.to_owned(),
        offset,
        reason: reason.to_owned(),
    };
    let truncated = || Error::Truncated {
        file: name.to_owned(),
        offset: bytes.len(),
    };
    if bytes.len() < 8 {
        return Err(truncated());
    }
    if &bytes[..6] != b"\x93NUMPY" {
        return Err(malformed(0, "not a .npy file (bad magic)"));
    }
    let (header_len, header_start) = match bytes[6] {
        1 => {
            let raw = bytes.get(8..10).ok_or_else(truncated)?;
            (usize::from(u16::from_le_bytes([raw[0], raw[1]])), 10)
        }
        2 | 3 => {
            let raw = bytes.get(8..12).ok_or_else(truncated)?;
            let len = u32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]]);
            (usize::try_from(len).map_err(|_| truncated())?, 12)
        }
        _ => return Err(malformed(6, "unsupported .npy version")),
    };
    let data_start = header_start + header_len;
    let header = bytes.get(header_start..data_start).ok_or_else(truncated)?;
    let header =
        std::str::from_utf8(header).map_err(|_| malformed(header_start, "header is not text"))?;

    let descr = quoted_after(header, "'descr':")
        .ok_or_else(|| malformed(header_start, "header has no descr"))?;
    let fortran = match word_after(header, "'fortran_order':") {
        Some("True") => true,
        Some("False") => false,
        _ => return Err(malformed(header_start, "header has no fortran_order")),
    };
    let shape = shape_after(header, "'shape':")
        .ok_or_else(|| malformed(header_start, "header has no valid shape"))?;
    if fortran && shape.len() > 1 {
        return Err(malformed(
            header_start,
            "Fortran-ordered arrays are not supported",
        ));
    }
    let count = element_count(&shape).ok_or_else(|| malformed(header_start, "shape too large"))?;
    let raw = &bytes[data_start..];
    if count.checked_mul(8) != Some(raw.len()) {
        return Err(if count.checked_mul(8).is_some_and(|n| n > raw.len()) {
            truncated()
        } else {
            malformed(data_start, "data length does not match the shape")
        });
    }
    let words = raw.chunks_exact(8).map(|c| {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        w
    });
    let data = match descr {
        "<f8" => ArrayData::F64(words.map(f64::from_le_bytes).collect()),
        ">f8" => ArrayData::F64(words.map(f64::from_be_bytes).collect()),
        "<i8" => ArrayData::I64(words.map(i64::from_le_bytes).collect()),
        ">i8" => ArrayData::I64(words.map(i64::from_be_bytes).collect()),
        _ => return Err(malformed(header_start, "dtype is not float64 or int64")),
    };
    NdArray::new(shape, data)
        .ok_or_else(|| malformed(data_start, "data length does not match the shape"))
}

/// The text after `key`, without leading blanks.
fn after<'h>(header: &'h str, key: &str) -> Option<&'h str> {
    let at = header.find(key)? + key.len();
    Some(header[at..].trim_start())
}

fn quoted_after<'h>(header: &'h str, key: &str) -> Option<&'h str> {
    let rest = after(header, key)?.strip_prefix('\'')?;
    rest.split('\'').next()
}

fn word_after<'h>(header: &'h str, key: &str) -> Option<&'h str> {
    let rest = after(header, key)?;
    rest.split([',', '}', ' ']).next()
}

fn shape_after(header: &str, key: &str) -> Option<Vec<usize>> {
    let rest = after(header, key)?.strip_prefix('(')?;
    let inside = rest.split(')').next()?;
    inside
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().ok())
        .collect()
}
