//! The one error type of this crate.

use std::path::PathBuf;

/// What can go wrong while reading, downloading or generating data. Every
/// variant prints as one line that names the file, URL, global or trial
/// concerned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The data folder (or its `mocap/` subfolder) does not exist.
    #[error("data folder {path} does not exist")]
    MissingDir {
        /// The folder that was looked for.
        path: PathBuf,
    },
    /// A data file is not in the data folder.
    #[error(
        "missing file {path}: download it from {url} (the trainer's `data` command fetches missing files into its --data-dir)"
    )]
    MissingFile {
        /// Where the file was looked for.
        path: PathBuf,
        /// Where it can be downloaded from.
        url: String,
    },
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A pickle or `.npy` file ends before its contents do.
    #[error("{file}: truncated (input ends at byte {offset} in the middle of a value)")]
    Truncated {
        /// The file concerned.
        file: String,
        /// Where the input ran out.
        offset: usize,
    },
    /// A pickle uses an opcode this reader does not implement (on purpose:
    /// the reader understands only what plain data needs).
    #[error("{file}: pickle opcode {name} (0x{byte:02x}) at byte {offset} is not supported")]
    UnsupportedOpcode {
        /// The file concerned.
        file: String,
        /// The opcode's name in Python's `pickletools`, or `unknown`.
        name: &'static str,
        /// The opcode byte.
        byte: u8,
        /// Where it is.
        offset: usize,
    },
    /// A pickle refers to a Python global other than the numpy array
    /// constructors; loading it with Python could run arbitrary code.
    #[error(
        "{file}: pickle refers to the Python global `{global}`, which is refused (only numpy array globals are allowed)"
    )]
    ForbiddenGlobal {
        /// The file concerned.
        file: String,
        /// `module.name` of the global.
        global: String,
    },
    /// Bytes that are not a well-formed pickle or `.npy` file of the kind this
    /// crate reads.
    #[error("{file}: malformed at byte {offset}: {reason}")]
    Malformed {
        /// The file concerned.
        file: String,
        /// Where the problem was found.
        offset: usize,
        /// What is wrong.
        reason: String,
    },
    /// A well-formed file whose contents are not what the dataset expects
    /// (wrong structure or types).
    #[error("{file}: {reason}")]
    UnexpectedContent {
        /// The file concerned.
        file: String,
        /// What is wrong.
        reason: String,
    },
    /// An array with the wrong shape.
    #[error("{file}: {what} has shape {got:?}, expected {expected}")]
    WrongShape {
        /// The file concerned.
        file: String,
        /// Which array.
        what: String,
        /// The shape that was found.
        got: Vec<usize>,
        /// The shape that was expected, in words.
        expected: String,
    },
    /// A custom dataset's manifest (`dataset.toml`) that cannot be used.
    #[error("{}: {problem}", .file.display())]
    BadManifest {
        /// The manifest.
        file: PathBuf,
        /// What is wrong, and what would be right.
        problem: String,
    },
    /// An array of a custom dataset that cannot be used (missing, of the
    /// wrong type or shape, empty, or holding NaN or infinity).
    #[error("{}, array {array}: {problem}", .file.display())]
    BadArray {
        /// The `.npz` file.
        file: PathBuf,
        /// The array's name in it.
        array: String,
        /// What is wrong, and what would be right.
        problem: String,
    },
    /// A split file names a trial that the motion file does not have.
    #[error(
        "{file}: the {partition} split names trial {trial}, but the motion file has {trials} trials"
    )]
    UnknownTrial {
        /// The split file.
        file: String,
        /// `train`, `val` or `test`.
        partition: &'static str,
        /// The trial id named.
        trial: i64,
        /// How many trials there are.
        trials: usize,
    },
    /// A motion name other than `run` or `walk`.
    #[error("unknown motion `{name}` (expected `run` or `walk`)")]
    UnknownMotion {
        /// The name given.
        name: String,
    },
    /// An HTTP request got an error status.
    #[error("{url}: HTTP status {status}")]
    Http {
        /// The URL requested.
        url: String,
        /// The status code.
        status: u16,
    },
    /// An HTTP request failed without a status (connection, TLS, timeout).
    #[error("{url}: {reason}")]
    Network {
        /// The URL requested.
        url: String,
        /// What failed.
        reason: String,
    },
    /// A downloaded file does not have the checksum it must have.
    #[error(
        "{file} from {url}: {algorithm} mismatch, expected {expected}, got {actual} (file not kept)"
    )]
    ChecksumMismatch {
        /// The file that was being downloaded.
        file: PathBuf,
        /// Where it came from.
        url: String,
        /// `sha256` or `git blob sha1`.
        algorithm: &'static str,
        /// The checksum it must have.
        expected: String,
        /// The checksum it has.
        actual: String,
    },
    /// An n-body configuration that cannot be generated.
    #[error("invalid n-body configuration: {reason}")]
    InvalidConfig {
        /// What is wrong.
        reason: String,
    },
    /// The n-body rejection rule refused too many candidates in a row.
    #[error(
        "n-body {split} split: only {accepted} samples accepted after {attempts} candidates (rejection rule too strict?)"
    )]
    TooManyRejections {
        /// The split being generated.
        split: &'static str,
        /// Samples accepted so far.
        accepted: usize,
        /// Candidates drawn.
        attempts: usize,
    },
    /// The group-math crate refused a layout, a length or a rotation range.
    #[error("group math: {0}")]
    Group(#[from] remul_group::Error),
}
