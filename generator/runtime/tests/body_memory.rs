//! Bounded memory, measured: a server sending far more than the body limit
//! must not make this process grow. Its own test binary (one test, its
//! scenarios in sequence) so that no other test moves the high-water mark.
//!
//! The server is a plain TCP listener that writes the body as it goes, so
//! the server side holds no body in memory either.

use std::time::Duration;

use crmgen_runtime::{
    ApiClient, Client, ClientBuilder, Error, FilePart, Method, Multipart, MultipartBody, NoErrorBody, RawResponse,
    Request, RequestOptions, Response, DEFAULT_BODY_LIMIT,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const MIB: u64 = 1024 * 1024;
/// What the server sends: 24 times the default limit.
const SENT: u64 = 768 * MIB;
const CHUNK: usize = 64 * 1024;

struct Api(Client);

impl ApiClient for Api {
    fn from_runtime(client: Client) -> Self {
        Api(client)
    }
}

/// The response head a scenario's server sends before its body.
#[derive(Clone, Copy)]
enum Head {
    /// `Transfer-Encoding: chunked`, no length declared.
    Chunked,
    /// A `Content-Length` of this many bytes, whatever follows.
    Length(u64),
}

/// Serves every connection with `head` and then `SENT` bytes, written a
/// chunk at a time until the client hangs up.
async fn serve(head: Head) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
    let url = format!("http://{}", listener.local_addr().expect("local address"));
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else { return };
            tokio::spawn(async move {
                let mut request = [0u8; 4096];
                // One read is enough for these small GET requests.
                if socket.read(&mut request).await.is_err() {
                    return;
                }
                let head_text = match head {
                    Head::Chunked => "HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\ntransfer-encoding: chunked\r\n\r\n".to_string(),
                    Head::Length(n) => format!("HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\ncontent-length: {n}\r\n\r\n"),
                };
                if socket.write_all(head_text.as_bytes()).await.is_err() {
                    return;
                }
                let payload = vec![b'x'; CHUNK];
                let frame_head = format!("{CHUNK:x}\r\n");
                let mut sent = 0u64;
                while sent < SENT {
                    let written = match head {
                        Head::Chunked => {
                            socket.write_all(frame_head.as_bytes()).await.is_ok()
                                && socket.write_all(&payload).await.is_ok()
                                && socket.write_all(b"\r\n").await.is_ok()
                        }
                        Head::Length(_) => socket.write_all(&payload).await.is_ok(),
                    };
                    if !written {
                        return; // The client stopped reading: as intended.
                    }
                    sent += CHUNK as u64;
                }
                if matches!(head, Head::Chunked) {
                    let _ = socket.write_all(b"0\r\n\r\n").await;
                }
                let _ = socket.shutdown().await;
            });
        }
    });
    url
}

/// Reads each request to the end of its declared body, counting the body's
/// bytes without keeping them, and answers `200` with the count as text.
async fn sink() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
    let url = format!("http://{}", listener.local_addr().expect("local address"));
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else { return };
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = vec![0u8; CHUNK];
                let (length, mut counted) = loop {
                    let Ok(n) = socket.read(&mut buf).await else { return };
                    if n == 0 {
                        return;
                    }
                    head.extend_from_slice(&buf[..n]);
                    if let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") {
                        let text = String::from_utf8_lossy(&head[..end]).to_ascii_lowercase();
                        let length: u64 = text
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse().ok())
                            .expect("the upload declares its length");
                        break (length, (head.len() - end - 4) as u64);
                    }
                };
                while counted < length {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => counted += n as u64,
                    }
                }
                let body = counted.to_string();
                let reply = format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{body}", body.len());
                let _ = socket.write_all(reply.as_bytes()).await;
            });
        }
    });
    url
}

struct Upload(FilePart);

impl MultipartBody for Upload {
    fn to_multipart(&self) -> Multipart {
        Multipart::new().file("file", &self.0, None)
    }
}

fn client(url: &str) -> Client {
    ClientBuilder::<Api>::new("http://unused.invalid", &[])
        .base_url(url)
        .timeout(Duration::from_secs(120))
        .build()
        .expect("client")
        .0
}

fn get() -> Request {
    Request::new(Method::GET, "/download", &[])
}

fn bytes(r: RawResponse) -> Result<Response<Vec<u8>>, Error<NoErrorBody>> {
    r.bytes()
}

/// The process's peak resident set size so far (`VmHWM`), in bytes.
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status is readable");
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).expect("VmHWM in /proc/self/status");
    let kib: u64 = line.split_whitespace().nth(1).and_then(|v| v.parse().ok()).expect("VmHWM in kB");
    kib * 1024
}

/// Runs `scenario` and checks that the peak RSS grew by less than 64 MiB.
async fn within_64_mib<F: std::future::Future<Output = ()>>(name: &str, scenario: F) {
    let before = peak_rss();
    scenario.await;
    let growth = peak_rss().saturating_sub(before);
    eprintln!("{name}: peak RSS grew by {:.1} MiB", growth as f64 / MIB as f64);
    assert!(growth < 64 * MIB, "{name}: peak RSS grew by {growth} bytes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_and_downloads_stream_and_oversized_bodies_are_refused_within_bounded_memory() {
    // First, from the lowest high-water mark: an upload of a 256 MiB file
    // from disk, read in pieces as it is sent.
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = dir.path().join("big.bin");
    {
        use std::io::Write;
        let mut out = std::io::BufWriter::new(std::fs::File::create(&file).expect("create"));
        let piece = vec![b'y'; CHUNK];
        for _ in 0..(256 * MIB / CHUNK as u64) {
            out.write_all(&piece).expect("write");
        }
    }
    let uploads = client(&sink().await);
    within_64_mib("upload of a 256 MiB file", async {
        let request = Request::new(Method::POST, "/upload", &[]).multipart(&Upload(FilePart::from_path(&file)));
        let raw = uploads.execute(&request).await.expect("uploaded");
        let counted: u64 = std::str::from_utf8(raw.body()).unwrap().parse().unwrap();
        // The file and the part's head and the closing boundary.
        assert!(counted > 256 * MIB && counted < 256 * MIB + 512, "{counted}");
    })
    .await;

    // 768 MiB chunked, no length declared: refused once 32 MiB are counted.
    let chunked = client(&serve(Head::Chunked).await);
    within_64_mib("chunked 768 MiB", async {
        match chunked.execute(&get()).await {
            Err(Error::BodyTooLarge(e)) => {
                assert_eq!(e.limit, DEFAULT_BODY_LIMIT);
                assert_eq!(e.declared, None);
                assert!(e.received > DEFAULT_BODY_LIMIT && e.received <= DEFAULT_BODY_LIMIT + CHUNK as u64 * 2);
                assert_eq!(e.status, 200);
            }
            other => panic!("expected BodyTooLarge, got {other:?}"),
        }
    })
    .await;

    // A declared length over the limit: refused before reading any of it.
    let declared = client(&serve(Head::Length(SENT)).await);
    within_64_mib("declared 768 MiB", async {
        match declared.execute(&get()).await {
            Err(Error::BodyTooLarge(e)) => {
                assert_eq!((e.declared, e.received), (Some(SENT), 0));
                let text = Error::<NoErrorBody>::BodyTooLarge(e).to_string();
                assert!(text.contains("33554432-byte limit") && text.contains("Content-Length: 805306368"), "{text}");
            }
            other => panic!("expected BodyTooLarge, got {other:?}"),
        }
    })
    .await;

    // A lying length: 1 MiB declared, 768 MiB sent. Only the declared
    // bytes are read; the rest is never held.
    let lying = client(&serve(Head::Length(MIB)).await);
    within_64_mib("1 MiB declared, 768 MiB sent", async {
        let raw = lying.execute(&get()).await.expect("the declared MiB is read");
        assert_eq!(raw.body().len() as u64, MIB);
    })
    .await;

    // A per-request limit below the declared length refuses it too.
    let small = chunked.with_options(RequestOptions::new().body_limit(MIB));
    match small.execute(&get()).await {
        Err(Error::BodyTooLarge(e)) => assert_eq!(e.limit, MIB),
        other => panic!("expected BodyTooLarge, got {other:?}"),
    }

    // The same 768 MiB as a download: streamed to the end, never held.
    within_64_mib("download of 768 MiB", async {
        let mut download = chunked.send_streaming(get(), bytes).await.expect("download starts");
        assert_eq!(download.status(), 200);
        let mut total = 0u64;
        while let Some(chunk) = download.chunk().await.expect("chunk") {
            total += chunk.len() as u64;
        }
        assert_eq!(total, SENT);
    })
    .await;
}
