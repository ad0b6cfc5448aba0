//! Fetching data files from the original repository, verified.
//!
//! Each file (the mocap files: [`crate::mocap::Motion::files`]) comes from
//! EGHN at a pinned commit, is written to a temporary
//! file in the target folder, checked against the checksum
//! `PROVENANCE.md` gives (sha256, or the git blob hash for `motion.pkl`),
//! and only then renamed into place. On any failure (HTTP status, network,
//! I/O, checksum) the temporary file is removed, so no partial or wrong file
//! is ever left where [`crate::mocap::load`] looks. Files already present
//! and verified are not downloaded again.
//!
//! ```no_run
//! use remul_datasets::{default_data_dir, download::{Progress, Source}, mocap::{self, Motion}};
//! let dir = default_data_dir(None);
//! mocap::ensure_files(&dir, Motion::Walk, &Source::original(), &mut |p: Progress| eprintln!("{p:?}"))?;
//! # Ok::<(), remul_datasets::Error>(())
//! ```

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sha1::Sha1;
use sha2::{Digest, Sha256};

use crate::Error;

/// The repository the files come from.
pub const REPOSITORY: &str = "hanjq17/EGHN";

/// The pinned commit ("add with_v as an attribute for EGHN").
pub const COMMIT: &str = "2152b979aa5034cbb372933c6f921ce020bd66bc";

/// The folder of the files within the repository.
pub const REPOSITORY_FOLDER: &str = "motion/dataset";

/// Where files are downloaded from: a base URL to which the file name is
/// appended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    base_url: String,
}

impl Source {
    /// The original repository's raw files at the pinned commit.
    ///
    /// ```
    /// use remul_datasets::download::Source;
    /// assert_eq!(
    ///     Source::original().url_for("split.pkl"),
    ///     "https://raw.githubusercontent.com/hanjq17/EGHN/2152b979aa5034cbb372933c6f921ce020bd66bc/motion/dataset/split.pkl"
    /// );
    /// ```
    pub fn original() -> Self {
        Self::from_base_url(format!(
            "https://raw.githubusercontent.com/{REPOSITORY}/{COMMIT}/{REPOSITORY_FOLDER}/"
        ))
    }

    /// Another base URL (a mirror, or a local server in tests).
    pub fn from_base_url(base_url: impl Into<String>) -> Self {
        let mut base_url = base_url.into();
        if !base_url.ends_with('/') {
            base_url.push('/');
        }
        Self { base_url }
    }

    /// The base URL, ending in `/`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The URL of one file.
    pub fn url_for(&self, file: &str) -> String {
        format!("{}{file}", self.base_url)
    }
}

impl Default for Source {
    fn default() -> Self {
        Self::original()
    }
}

/// The checksum a file must have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Checksum {
    /// SHA-256 of the bytes, lowercase hex.
    Sha256(&'static str),
    /// Git's blob id: SHA-1 of `blob <size>\0` followed by the bytes.
    GitBlobSha1(&'static str),
}

impl Checksum {
    /// The algorithm's name.
    pub fn algorithm(&self) -> &'static str {
        match self {
            Self::Sha256(_) => "sha256",
            Self::GitBlobSha1(_) => "git blob sha1",
        }
    }

    /// The expected hex digest.
    pub fn expected(&self) -> &'static str {
        match self {
            Self::Sha256(h) | Self::GitBlobSha1(h) => h,
        }
    }

    /// The digest of a file, computed with this checksum's algorithm.
    pub fn digest_file(&self, path: &Path) -> io::Result<String> {
        let mut file = File::open(path)?;
        let mut buffer = vec![0u8; 1 << 16];
        match self {
            Self::Sha256(_) => {
                let mut hasher = Sha256::new();
                stream(&mut file, &mut buffer, |chunk| hasher.update(chunk))?;
                Ok(hex(&hasher.finalize()))
            }
            Self::GitBlobSha1(_) => {
                let size = file.metadata()?.len();
                let mut hasher = Sha1::new();
                hasher.update(format!("blob {size}\0").as_bytes());
                stream(&mut file, &mut buffer, |chunk| hasher.update(chunk))?;
                Ok(hex(&hasher.finalize()))
            }
        }
    }

    /// Whether a file has this checksum.
    pub fn matches(&self, path: &Path) -> io::Result<bool> {
        Ok(self.digest_file(path)? == self.expected())
    }
}

fn stream(file: &mut File, buffer: &mut [u8], mut sink: impl FnMut(&[u8])) -> io::Result<()> {
    loop {
        let n = file.read(buffer)?;
        if n == 0 {
            return Ok(());
        }
        sink(&buffer[..n]);
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A file to fetch: its name (in the source and in the target folder) and
/// its checksum.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RemoteFile {
    /// File name.
    pub name: &'static str,
    /// The checksum it must have.
    pub checksum: Checksum,
}

/// What the download is doing, for a progress display.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Progress {
    /// The file is already there and verified; nothing is fetched.
    Present {
        /// File name.
        file: &'static str,
    },
    /// The file is there but its checksum does not match; it is fetched again.
    Mismatched {
        /// File name.
        file: &'static str,
    },
    /// A download has started.
    Started {
        /// File name.
        file: &'static str,
        /// The URL.
        url: String,
        /// The size, if the server says.
        total: Option<u64>,
    },
    /// More bytes arrived.
    Received {
        /// File name.
        file: &'static str,
        /// Bytes so far.
        bytes: u64,
        /// The size, if the server says.
        total: Option<u64>,
    },
    /// The file was downloaded, verified and moved into place.
    Finished {
        /// File name.
        file: &'static str,
        /// Its size.
        bytes: u64,
    },
}

/// A file that is now in place and verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fetched {
    /// Where it is.
    pub path: PathBuf,
    /// Whether it was downloaded now (false: it was already there).
    pub downloaded: bool,
}

/// Makes sure each file is in `dir` with its checksum, downloading the
/// missing or mismatched ones from `source`. Stops at the first failure.
pub fn ensure_files(
    dir: &Path,
    files: &[RemoteFile],
    source: &Source,
    progress: &mut dyn FnMut(Progress),
) -> Result<Vec<Fetched>, Error> {
    fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
    let mut fetched = Vec::with_capacity(files.len());
    for file in files {
        let path = dir.join(file.name);
        if path.is_file() {
            if file
                .checksum
                .matches(&path)
                .map_err(|e| io_error(&path, e))?
            {
                progress(Progress::Present { file: file.name });
                fetched.push(Fetched {
                    path,
                    downloaded: false,
                });
                continue;
            }
            progress(Progress::Mismatched { file: file.name });
        }
        download(file, &path, &source.url_for(file.name), progress)?;
        fetched.push(Fetched {
            path,
            downloaded: true,
        });
    }
    Ok(fetched)
}

fn io_error(path: &Path, source: io::Error) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A temporary file next to its destination that is removed on drop unless
/// it was moved into place.
struct TempFile {
    path: PathBuf,
    kept: bool,
}

impl TempFile {
    fn create(destination: &Path) -> Result<(Self, File), Error> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let name = destination
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let unique = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path =
            destination.with_file_name(format!(".{name}.{}-{unique}.part", std::process::id()));
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| io_error(&path, e))?;
        Ok((Self { path, kept: false }, file))
    }

    fn persist(mut self, destination: &Path) -> Result<(), Error> {
        fs::rename(&self.path, destination).map_err(|e| io_error(destination, e))?;
        self.kept = true;
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.kept {
            // Best effort: the file may not exist any more.
            let _ = fs::remove_file(&self.path);
        }
    }
}

fn agent_for(url: &str) -> ureq::Agent {
    let mut config = ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(30)))
        .timeout_per_read(Some(Duration::from_secs(60)))
        // The checksum is of the stored bytes; ask for them as they are.
        .accept_encoding("identity")
        .user_agent(concat!("remul-datasets/", env!("CARGO_PKG_VERSION")));
    if is_loopback(url) {
        // A proxy from the environment cannot reach this machine's loopback.
        config = config.proxy(None);
    }
    config.build().new_agent()
}

fn is_loopback(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    ["127.0.0.1", "localhost", "[::1]"].iter().any(|host| {
        rest.strip_prefix(host)
            .is_some_and(|r| r.is_empty() || r.starts_with([':', '/']))
    })
}

fn download(
    file: &RemoteFile,
    destination: &Path,
    url: &str,
    progress: &mut dyn FnMut(Progress),
) -> Result<(), Error> {
    let network = |e: &dyn std::fmt::Display| Error::Network {
        url: url.to_owned(),
        reason: e.to_string(),
    };
    let response = agent_for(url).get(url).call().map_err(|e| match e {
        ureq::Error::StatusCode(status) => Error::Http {
            url: url.to_owned(),
            status,
        },
        other => network(&other),
    })?;
    let total = response.body().content_length();
    progress(Progress::Started {
        file: file.name,
        url: url.to_owned(),
        total,
    });
    let (temp, mut out) = TempFile::create(destination)?;
    let mut reader = response.into_body().into_reader();
    let mut buffer = vec![0u8; 1 << 16];
    let mut bytes = 0u64;
    loop {
        let n = match reader.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(network(&e)),
        };
        out.write_all(&buffer[..n])
            .map_err(|e| io_error(&temp.path, e))?;
        bytes += n as u64;
        progress(Progress::Received {
            file: file.name,
            bytes,
            total,
        });
    }
    out.sync_all().map_err(|e| io_error(&temp.path, e))?;
    drop(out);
    let actual = file
        .checksum
        .digest_file(&temp.path)
        .map_err(|e| io_error(&temp.path, e))?;
    if actual != file.checksum.expected() {
        return Err(Error::ChecksumMismatch {
            file: destination.to_path_buf(),
            url: url.to_owned(),
            algorithm: file.checksum.algorithm(),
            expected: file.checksum.expected().to_owned(),
            actual,
        });
    }
    temp.persist(destination)?;
    progress(Progress::Finished {
        file: file.name,
        bytes,
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_urls_are_recognised() {
        assert!(is_loopback("http://127.0.0.1:8080/x"));
        assert!(is_loopback("http://localhost/x"));
        assert!(is_loopback("http://[::1]:1/"));
        assert!(!is_loopback("http://127.0.0.10/x"));
        assert!(!is_loopback("https://raw.githubusercontent.com/x"));
        assert!(!is_loopback("http://localhost.example.com/"));
    }
}
