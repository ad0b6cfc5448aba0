//! `.npz` archives of float arrays, as numpy writes them (`np.savez`,
//! stored, and `np.savez_compressed`, deflated): read by name as f32, and
//! written (stored, float32). The archive is the `zip` crate's, each array
//! `npyz`'s.

use std::fs::{self, File};
use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};

use npyz::{NpyFile, WriterBuilder};
use zip::ZipArchive;
use zip::write::SimpleFileOptions;

use crate::Error;
use crate::npy::c_order_shape;

/// An array read as f32, with its shape and the type it was stored as.
#[derive(Clone, Debug, PartialEq)]
pub struct FloatArray {
    /// The shape, outermost first.
    pub shape: Vec<usize>,
    /// The values in C order.
    pub values: Vec<f32>,
    /// `float32` or `float64` (float64 values are rounded to f32).
    pub dtype: &'static str,
}

/// An open `.npz` file.
pub struct Npz {
    path: PathBuf,
    zip: ZipArchive<BufReader<File>>,
}

impl Npz {
    /// Opens `path`.
    pub fn open(path: &Path) -> Result<Self, Error> {
        let file = File::open(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let zip = ZipArchive::new(BufReader::new(file)).map_err(|e| Error::Malformed {
            file: path.display().to_string(),
            offset: 0,
            reason: format!("not an .npz (zip) archive: {e}"),
        })?;
        Ok(Self {
            path: path.to_path_buf(),
            zip,
        })
    }

    /// The names of the arrays in it.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .zip
            .file_names()
            .filter_map(npyz::npz::array_name_from_file_name)
            .map(str::to_owned)
            .collect();
        names.sort();
        names
    }

    /// The array `name` as f32, or `None` when the archive has none of that
    /// name.
    pub fn read(&mut self, name: &str) -> Result<Option<FloatArray>, Error> {
        let bad = |problem: String| Error::BadArray {
            file: self.path.clone(),
            array: name.to_owned(),
            problem,
        };
        let entry = match self
            .zip
            .by_name(&npyz::npz::file_name_from_array_name(name))
        {
            Ok(entry) => entry,
            Err(zip::result::ZipError::FileNotFound) => return Ok(None),
            Err(e) => return Err(bad(format!("cannot be read from the archive: {e}"))),
        };
        let npy = NpyFile::new(entry).map_err(|e| bad(format!("not a .npy array: {e}")))?;
        let shape = c_order_shape(&npy).map_err(|reason| bad(reason.into()))?;
        let dtype = npy.dtype().descr();
        let read = |e: std::io::Error| bad(format!("its data cannot be read: {e}"));
        let (values, dtype) = match npy.try_data::<f32>() {
            Ok(data) => (
                data.into_iter()
                    .collect::<Result<Vec<f32>, _>>()
                    .map_err(read)?,
                "float32",
            ),
            Err(npy) => match npy.try_data::<f64>() {
                Ok(data) => (
                    data.into_iter()
                        .map(|v| v.map(|v| v as f32))
                        .collect::<Result<Vec<f32>, _>>()
                        .map_err(read)?,
                    "float64",
                ),
                Err(_) => {
                    return Err(bad(format!(
                        "has dtype {dtype}; the arrays must be float32 or float64"
                    )));
                }
            },
        };
        Ok(Some(FloatArray {
            shape,
            values,
            dtype,
        }))
    }
}

/// Writes `arrays` (name, shape, C-ordered values) as a stored `.npz` of
/// float32 arrays at `path`, through a temporary file beside it, so that a
/// failure leaves no partial archive.
pub fn write(path: &Path, arrays: &[(&str, &[usize], &[f32])]) -> Result<(), Error> {
    let io = |path: &Path, source: std::io::Error| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let tmp = path.with_extension("npz.tmp");
    let result = (|| {
        let file = File::create(&tmp).map_err(|e| io(&tmp, e))?;
        let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file));
        let options = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .large_file(true);
        for (name, shape, values) in arrays {
            zip.start_file(npyz::npz::file_name_from_array_name(name), options)
                .map_err(|e| io(&tmp, std::io::Error::other(e)))?;
            write_array(&mut zip, shape, values).map_err(|e| io(&tmp, e))?;
        }
        let mut inner = zip
            .finish()
            .map_err(|e| io(&tmp, std::io::Error::other(e)))?;
        inner.flush().map_err(|e| io(&tmp, e))
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    fs::rename(&tmp, path).map_err(|e| {
        let _ = fs::remove_file(&tmp);
        io(path, e)
    })
}

/// One float32 `.npy` array into `out`.
fn write_array<W: Write>(out: &mut W, shape: &[usize], values: &[f32]) -> std::io::Result<()> {
    let shape: Vec<u64> = shape.iter().map(|&d| d as u64).collect();
    let mut writer = npyz::WriteOptions::<f32>::new()
        .default_dtype()
        .shape(&shape)
        .writer(out)
        .begin_nd()?;
    writer.extend(values.iter().copied())?;
    writer.finish()
}
