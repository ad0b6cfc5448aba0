//! Downloads against a local HTTP server on 127.0.0.1 that serves the data
//! folder's files, a corrupted copy and a missing one.

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};

use common::mocap_bytes;
use remul_datasets::Error;
use remul_datasets::download::{self, Checksum, Progress, RemoteFile, Source};
use remul_datasets::mocap::{self, Motion};

/// A minimal HTTP/1.1 file server: `GET /files/<name>` answers 200 with the
/// bytes, anything else 404. Records each requested path.
struct Server {
    base_url: String,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn start(files: HashMap<&'static str, Vec<u8>>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let base_url = format!("http://{}/files/", listener.local_addr().expect("addr"));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&requests);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                serve(stream, &files, &log);
            }
        });
        Self { base_url, requests }
    }

    fn source(&self) -> Source {
        Source::from_base_url(&self.base_url)
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().expect("lock").clone()
    }
}

fn serve(stream: TcpStream, files: &HashMap<&'static str, Vec<u8>>, log: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(&stream);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    // skip the headers
    let mut line = String::new();
    while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
        line.clear();
    }
    let path = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("")
        .to_owned();
    log.lock().expect("lock").push(path.clone());
    let body = path
        .strip_prefix("/files/")
        .and_then(|name| files.get(name));
    let mut out = &stream;
    if path.starts_with("/files/short-") {
        // promise more bytes than are sent, then hang up
        let bytes = body.map_or(&[][..], Vec::as_slice);
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            bytes.len() + 100
        );
        let _ = out
            .write_all(head.as_bytes())
            .and_then(|()| out.write_all(bytes));
        return;
    }
    let _ = match body {
        Some(bytes) => out
            .write_all(
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    bytes.len()
                )
                .as_bytes(),
            )
            .and_then(|()| out.write_all(bytes)),
        None => out.write_all(
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found",
        ),
    };
}

fn running_files() -> HashMap<&'static str, Vec<u8>> {
    HashMap::from([
        ("motion_run.pkl", mocap_bytes("motion_run.pkl")),
        ("split_run.pkl", mocap_bytes("split_run.pkl")),
    ])
}

/// Names in a folder, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn the_shared_files_have_the_published_checksums() {
    for file in [mocap::MOTION_RUN, mocap::SPLIT_RUN, mocap::SPLIT_WALK] {
        let path = common::mocap_dir().join(file.name);
        assert!(
            file.checksum.matches(&path).expect("readable"),
            "{}",
            file.name
        );
    }
}

#[test]
fn git_blob_hashes_are_computed_as_git_does() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("hello");
    std::fs::write(&path, "hello\n").expect("write");
    // `git hash-object` of "hello\n"
    let blob = Checksum::GitBlobSha1("ce013625030ba8dba906f756967f9e9ca394464a");
    assert_eq!(blob.digest_file(&path).expect("hash"), blob.expected());
    let empty = dir.path().join("empty");
    std::fs::write(&empty, "").expect("write");
    assert_eq!(
        Checksum::GitBlobSha1("").digest_file(&empty).expect("hash"),
        "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"
    );
}

#[test]
fn good_files_land_verified_and_load() {
    let server = Server::start(running_files());
    let dir = tempfile::tempdir().expect("temp dir");
    let mut events = Vec::new();
    let fetched = mocap::ensure_files(dir.path(), Motion::Run, &server.source(), &mut |p| {
        events.push(p)
    })
    .expect("downloads");
    assert_eq!(fetched.len(), 2);
    assert!(fetched.iter().all(|f| f.downloaded));
    assert_eq!(
        listing(&dir.path().join("mocap")),
        ["motion_run.pkl", "split_run.pkl"]
    );
    let size = mocap_bytes("motion_run.pkl").len() as u64;
    assert!(events.contains(&Progress::Started {
        file: "motion_run.pkl",
        url: format!("{}motion_run.pkl", server.base_url),
        total: Some(size)
    }));
    assert!(events.contains(&Progress::Received {
        file: "motion_run.pkl",
        bytes: size,
        total: Some(size)
    }));
    assert!(events.contains(&Progress::Finished {
        file: "motion_run.pkl",
        bytes: size
    }));
    let data = mocap::load(dir.path(), Motion::Run).expect("loads");
    assert_eq!(data.train.len(), 200);

    // a second call finds both verified and asks the server for nothing
    let before = server.requests().len();
    let mut events = Vec::new();
    let fetched = mocap::ensure_files(dir.path(), Motion::Run, &server.source(), &mut |p| {
        events.push(p)
    })
    .expect("present");
    assert!(fetched.iter().all(|f| !f.downloaded));
    assert_eq!(server.requests().len(), before);
    assert_eq!(
        events,
        [
            Progress::Present {
                file: "motion_run.pkl"
            },
            Progress::Present {
                file: "split_run.pkl"
            }
        ]
    );
}

#[test]
fn a_corrupted_download_leaves_no_file() {
    let mut files = running_files();
    if let Some(bytes) = files.get_mut("motion_run.pkl") {
        bytes[500_000] ^= 0x01;
    }
    let server = Server::start(files);
    let dir = tempfile::tempdir().expect("temp dir");
    let err = mocap::ensure_files(dir.path(), Motion::Run, &server.source(), &mut |_| {})
        .expect_err("mismatch");
    match &err {
        Error::ChecksumMismatch {
            file,
            url,
            algorithm,
            expected,
            actual,
        } => {
            assert!(file.ends_with("motion_run.pkl"));
            assert!(url.ends_with("/files/motion_run.pkl"));
            assert_eq!(*algorithm, "sha256");
            assert_eq!(expected, mocap::MOTION_RUN.checksum.expected());
            assert_ne!(actual, expected);
            assert_eq!(actual.len(), 64);
        }
        other => panic!("{other:?}"),
    }
    let text = err.to_string();
    assert!(
        text.contains("sha256 mismatch") && text.contains("motion_run.pkl"),
        "{text}"
    );
    // neither the file nor a temporary file is left
    assert_eq!(listing(&dir.path().join("mocap")), Vec::<String>::new());
}

#[test]
fn a_missing_file_is_a_clear_http_404() {
    // the walking split is served, motion.pkl is not
    let server = Server::start(HashMap::from([("split.pkl", mocap_bytes("split.pkl"))]));
    let dir = tempfile::tempdir().expect("temp dir");
    let err = mocap::ensure_files(dir.path(), Motion::Walk, &server.source(), &mut |_| {})
        .expect_err("404");
    assert!(
        matches!(&err, Error::Http { status: 404, url } if url.ends_with("/files/motion.pkl")),
        "{err:?}"
    );
    assert!(err.to_string().contains("HTTP status 404"), "{err}");
    assert_eq!(listing(&dir.path().join("mocap")), Vec::<String>::new());
}

#[test]
fn a_present_file_with_the_wrong_checksum_is_replaced() {
    let server = Server::start(running_files());
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("mocap")).expect("dir");
    std::fs::write(dir.path().join("mocap/split_run.pkl"), b"stale").expect("write");
    let mut events = Vec::new();
    mocap::ensure_files(dir.path(), Motion::Run, &server.source(), &mut |p| {
        events.push(p)
    })
    .expect("downloads");
    assert!(events.contains(&Progress::Mismatched {
        file: "split_run.pkl"
    }));
    assert_eq!(
        std::fs::read(dir.path().join("mocap/split_run.pkl")).expect("read"),
        mocap_bytes("split_run.pkl")
    );
}

#[test]
fn git_blob_verified_files_download() {
    let file = RemoteFile {
        name: "hello.txt",
        checksum: Checksum::GitBlobSha1("ce013625030ba8dba906f756967f9e9ca394464a"),
    };
    let wrong = RemoteFile {
        name: "hello.txt",
        checksum: Checksum::GitBlobSha1("0000000000000000000000000000000000000000"),
    };
    let server = Server::start(HashMap::from([("hello.txt", b"hello\n".to_vec())]));
    let dir = tempfile::tempdir().expect("temp dir");
    let err = download::ensure_files(dir.path(), &[wrong], &server.source(), &mut |_| {})
        .expect_err("mismatch");
    assert!(
        matches!(
            err,
            Error::ChecksumMismatch {
                algorithm: "git blob sha1",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(listing(dir.path()), Vec::<String>::new());
    download::ensure_files(dir.path(), &[file], &server.source(), &mut |_| {}).expect("downloads");
    assert_eq!(listing(dir.path()), ["hello.txt"]);
}

#[test]
fn an_unreachable_server_is_a_network_error_naming_the_url() {
    // a port that was just free
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let source = Source::from_base_url(format!("http://127.0.0.1:{port}/x"));
    let dir = tempfile::tempdir().expect("temp dir");
    let err = mocap::ensure_files(dir.path(), Motion::Run, &source, &mut |_| {})
        .expect_err("unreachable");
    assert!(
        matches!(&err, Error::Network { url, .. } if url == &format!("http://127.0.0.1:{port}/x/motion_run.pkl")),
        "{err:?}"
    );
}

#[test]
fn a_connection_lost_mid_file_leaves_no_file() {
    let file = RemoteFile {
        name: "short-file",
        checksum: Checksum::Sha256("00"),
    };
    let server = Server::start(HashMap::from([("short-file", vec![1u8; 5000])]));
    let dir = tempfile::tempdir().expect("temp dir");
    let err = download::ensure_files(dir.path(), &[file], &server.source(), &mut |_| {})
        .expect_err("cut short");
    assert!(
        matches!(&err, Error::Network { url, .. } if url.ends_with("/files/short-file")),
        "{err:?}"
    );
    assert_eq!(listing(dir.path()), Vec::<String>::new());
}
