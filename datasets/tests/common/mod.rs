//! Shared helpers of the integration tests: where the data is, and a small
//! pickle writer for synthetic files.
// Each test binary uses a part of this module.
#![allow(dead_code, unused_imports)]

pub use remul_test_data::{data_dir, mocap_dir};

/// Reads a file of the data folder's `mocap/`.
pub fn mocap_bytes(name: &str) -> Vec<u8> {
    let path = remul_test_data::mocap_file(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A Python value to pickle.
#[derive(Clone, Debug)]
pub enum Py {
    Int(i64),
    Str(String),
    List(Vec<Py>),
    Tuple(Vec<Py>),
    Dict(Vec<(Py, Py)>),
    /// A float64 array, shape and C-order data.
    F64(Vec<usize>, Vec<f64>),
    /// An int64 array.
    I64(Vec<usize>, Vec<i64>),
    /// A global by module and name (to test the refusal).
    Global(&'static str, &'static str),
}

/// Writes `value` as a protocol-2 pickle the way numpy pickles arrays
/// (`_reconstruct` + `BUILD` with the raw bytes), with `module` as the
/// spelling of `_reconstruct`'s module.
pub fn pickle_with(value: &Py, reconstruct_module: &str) -> Vec<u8> {
    let mut out = vec![0x80, 2];
    write(value, reconstruct_module, &mut out);
    out.push(b'.');
    out
}

/// [`pickle_with`] using `numpy.core.multiarray`.
pub fn pickle(value: &Py) -> Vec<u8> {
    pickle_with(value, "numpy.core.multiarray")
}

fn int(i: i64, out: &mut Vec<u8>) {
    if (0..256).contains(&i) {
        out.extend([b'K', i as u8]);
    } else {
        out.push(b'J');
        out.extend((i as i32).to_le_bytes());
    }
}

fn unicode(s: &str, out: &mut Vec<u8>) {
    out.push(b'X');
    out.extend((s.len() as u32).to_le_bytes());
    out.extend(s.as_bytes());
}

fn global(module: &str, name: &str, out: &mut Vec<u8>) {
    out.push(b'c');
    out.extend(module.as_bytes());
    out.push(b'\n');
    out.extend(name.as_bytes());
    out.push(b'\n');
}

fn array(shape: &[usize], dtype: &str, raw: Vec<u8>, module: &str, out: &mut Vec<u8>) {
    global(module, "_reconstruct", out);
    global("numpy", "ndarray", out);
    int(0, out);
    out.push(0x85); // TUPLE1
    out.extend([b'C', 1, b'b']); // SHORT_BINBYTES b'b'
    out.push(0x87); // TUPLE3
    out.push(b'R');
    out.push(b'(');
    int(1, out);
    out.push(b'(');
    for &d in shape {
        int(d as i64, out);
    }
    out.push(b't');
    global("numpy", "dtype", out);
    unicode(dtype, out);
    out.extend([0x89, 0x88, 0x87, b'R']); // (dtype, False, True) REDUCE
    out.push(b'(');
    int(3, out);
    unicode("<", out);
    out.extend([b'N', b'N', b'N']);
    int(-1, out);
    int(-1, out);
    int(0, out);
    out.extend([b't', b'b']);
    out.push(0x89); // not Fortran
    out.push(b'B');
    out.extend((raw.len() as u32).to_le_bytes());
    out.extend(raw);
    out.extend([b't', b'b']);
}

fn write(value: &Py, module: &str, out: &mut Vec<u8>) {
    match value {
        Py::Int(i) => int(*i, out),
        Py::Str(s) => unicode(s, out),
        Py::List(items) => {
            out.extend([b']', b'(']);
            for item in items {
                write(item, module, out);
            }
            out.push(b'e');
        }
        Py::Tuple(items) => {
            out.push(b'(');
            for item in items {
                write(item, module, out);
            }
            out.push(b't');
        }
        Py::Dict(entries) => {
            out.extend([b'}', b'(']);
            for (k, v) in entries {
                write(k, module, out);
                write(v, module, out);
            }
            out.push(b'u');
        }
        Py::F64(shape, data) => {
            let raw = data.iter().flat_map(|v| v.to_le_bytes()).collect();
            array(shape, "f8", raw, module, out);
        }
        Py::I64(shape, data) => {
            let raw = data.iter().flat_map(|v| v.to_le_bytes()).collect();
            array(shape, "i8", raw, module, out);
        }
        Py::Global(m, n) => global(m, n, out),
    }
}

/// The running skeleton's 30 bones, as in the file.
pub fn run_edges() -> Vec<[usize; 2]> {
    vec![
        [1, 0],
        [2, 1],
        [3, 2],
        [4, 3],
        [5, 4],
        [6, 0],
        [7, 6],
        [8, 7],
        [9, 8],
        [10, 9],
        [11, 0],
        [12, 11],
        [13, 12],
        [14, 13],
        [15, 14],
        [16, 15],
        [17, 13],
        [18, 17],
        [19, 18],
        [20, 19],
        [21, 20],
        [22, 21],
        [23, 20],
        [24, 13],
        [25, 24],
        [26, 25],
        [27, 26],
        [28, 27],
        [29, 28],
        [30, 27],
    ]
}

/// A motion pickle `(edges, trials)` with `frames` frames per trial whose
/// value at `[f][j][k]` is `f + j / 100 + k / 1000`.
pub fn synthetic_motion(frames: &[usize]) -> Vec<u8> {
    let edges = Py::List(
        run_edges()
            .iter()
            .map(|e| Py::List(vec![Py::Int(e[0] as i64), Py::Int(e[1] as i64)]))
            .collect(),
    );
    let trials = frames
        .iter()
        .map(|&f| {
            let data = (0..f * 31 * 3)
                .map(|i| (i / 93) as f64 + ((i / 3) % 31) as f64 / 100.0 + (i % 3) as f64 / 1000.0)
                .collect();
            Py::F64(vec![f, 31, 3], data)
        })
        .collect();
    pickle(&Py::Tuple(vec![edges, Py::List(trials)]))
}
