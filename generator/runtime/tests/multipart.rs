//! `multipart/form-data` bodies on the wire: every part byte for byte, the
//! content type each file part gets, files reopened for each attempt, and
//! a file that cannot be opened reported before anything is sent.

use std::time::Duration;

use crmgen_runtime::{
    ApiClient, Client, ClientBuilder, Error, FilePart, Method, Multipart, MultipartBody, NoErrorBody, RawResponse,
    Request, Response, RetryPolicy,
};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

struct Api(Client);

impl ApiClient for Api {
    fn from_runtime(client: Client) -> Self {
        Api(client)
    }
}

fn client(url: &str) -> Client {
    ClientBuilder::<Api>::new("http://unused.invalid", &[])
        .base_url(url)
        .retry(RetryPolicy::default().initial_backoff(Duration::from_millis(1)))
        .build()
        .expect("client")
        .0
}

fn empty(r: RawResponse) -> Result<Response<()>, Error<NoErrorBody>> {
    match r.status().as_u16() {
        200..=299 => r.empty(),
        _ => r.unexpected(),
    }
}

/// A form as a generated one is: fields, and the parts they send.
struct Form {
    id: String,
    tags: Vec<String>,
    count: Option<i64>,
    meta: serde_json::Value,
    files: Vec<FilePart>,
    photo: Option<FilePart>,
}

impl MultipartBody for Form {
    fn to_multipart(&self) -> Multipart {
        Multipart::new()
            .text("id", &self.id, None)
            .text_list("tags", &self.tags, None)
            .text_opt("count", self.count.as_ref(), None)
            .json("meta", &self.meta, None)
            .file_list("files", &self.files, Some("application/pdf"))
            .file_opt("photo", self.photo.as_ref(), Some("image/png, image/jpeg"))
    }
}

fn boundary(request: &wiremock::Request) -> String {
    let ct = request.headers.get("content-type").expect("content type").to_str().unwrap().to_string();
    ct.strip_prefix("multipart/form-data; boundary=").unwrap_or_else(|| panic!("content type {ct}")).to_string()
}

fn part(b: &str, disposition: &str, content_type: Option<&str>, body: &[u8]) -> Vec<u8> {
    let mut out = format!("--{b}\r\nContent-Disposition: form-data; {disposition}\r\n").into_bytes();
    if let Some(ct) = content_type {
        out.extend_from_slice(format!("Content-Type: {ct}\r\n").as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    out.extend_from_slice(b"\r\n");
    out
}

#[tokio::test]
async fn every_part_is_on_the_wire_byte_for_byte() {
    let server = MockServer::start().await;
    Mock::given(method("PUT")).and(path("/upload")).respond_with(ResponseTemplate::new(200)).mount(&server).await;
    let dir = tempfile::tempdir().unwrap();
    let on_disk = dir.path().join("scan.dat");
    std::fs::write(&on_disk, b"%PDF-1.7 streamed from disk").unwrap();
    let photo = dir.path().join("face.jpg");
    std::fs::write(&photo, [0xff, 0xd8, 0xff, 0x00, 0x10]).unwrap();
    let form = Form {
        id: "rec 1".into(),
        tags: vec!["a".into(), "b".into()],
        count: Some(3),
        meta: serde_json::json!({"k": [1, 2]}),
        files: vec![
            FilePart::from_bytes(&b"in memory"[..]).file_name("note.txt").content_type("text/plain"),
            FilePart::from_path(&on_disk),
            FilePart::from_bytes(&b"\x00\x01"[..]),
        ],
        photo: Some(FilePart::from_path(&photo)),
    };

    let request = Request::new(Method::PUT, "/upload", &[]).multipart(&form);
    client(&server.uri()).send(request, empty).await.expect("sent");

    let received = server.received_requests().await.unwrap();
    let r = &received[0];
    let b = boundary(r);
    let mut want = Vec::new();
    want.extend(part(&b, "name=\"id\"", None, b"rec 1"));
    want.extend(part(&b, "name=\"tags\"", None, b"a"));
    want.extend(part(&b, "name=\"tags\"", None, b"b"));
    want.extend(part(&b, "name=\"count\"", None, b"3"));
    want.extend(part(&b, "name=\"meta\"", Some("application/json"), br#"{"k":[1,2]}"#));
    // The file's own content type wins over the spec's `encoding`.
    want.extend(part(&b, "name=\"files\"; filename=\"note.txt\"", Some("text/plain"), b"in memory"));
    // From disk: the path's file name; the spec's single type.
    want.extend(part(
        &b,
        "name=\"files\"; filename=\"scan.dat\"",
        Some("application/pdf"),
        b"%PDF-1.7 streamed from disk",
    ));
    // Bytes without a name: no file name, the spec's type.
    want.extend(part(&b, "name=\"files\"", Some("application/pdf"), b"\x00\x01"));
    // The spec lists alternatives: the extension decides.
    want.extend(part(&b, "name=\"photo\"; filename=\"face.jpg\"", Some("image/jpeg"), &[0xff, 0xd8, 0xff, 0x00, 0x10]));
    want.extend_from_slice(format!("--{b}--\r\n").as_bytes());
    assert_eq!(String::from_utf8_lossy(&r.body), String::from_utf8_lossy(&want));
    assert_eq!(r.body, want);
    // Every length is known, files included: the body is not chunked.
    assert_eq!(r.headers.get("content-length").unwrap().to_str().unwrap(), want.len().to_string());
}

#[tokio::test]
async fn a_retried_upload_sends_the_whole_file_again() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/upload"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT")).and(path("/upload")).respond_with(ResponseTemplate::new(200)).mount(&server).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("data.bin");
    let contents: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&file, &contents).unwrap();
    let form = Form {
        id: "x".into(),
        tags: vec![],
        count: None,
        meta: serde_json::json!(null),
        files: vec![FilePart::from_path(&file)],
        photo: None,
    };

    let request = Request::new(Method::PUT, "/upload", &[]).multipart(&form);
    client(&server.uri()).send(request, empty).await.expect("second attempt succeeds");

    let received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 2);
    for r in &received {
        let b = boundary(r);
        let mut want = Vec::new();
        want.extend(part(&b, "name=\"id\"", None, b"x"));
        want.extend(part(&b, "name=\"meta\"", Some("application/json"), b"null"));
        want.extend(part(&b, "name=\"files\"; filename=\"data.bin\"", Some("application/pdf"), &contents));
        want.extend_from_slice(format!("--{b}--\r\n").as_bytes());
        assert!(r.body == want, "attempt body differs ({} bytes, want {})", r.body.len(), want.len());
    }
    // A new boundary per attempt is fine; the same file both times.
}

#[tokio::test]
async fn a_missing_file_fails_before_sending_and_names_part_and_path() {
    let server = MockServer::start().await;
    let form = Form {
        id: "x".into(),
        tags: vec![],
        count: None,
        meta: serde_json::json!({}),
        files: vec![],
        photo: Some(FilePart::from_path("/nonexistent/dir/photo.png")),
    };
    let request = Request::new(Method::PUT, "/upload", &[]).multipart(&form);
    match client(&server.uri()).send(request, empty).await {
        Err(Error::InvalidRequest(message)) => {
            assert!(message.contains("`photo`") && message.contains("/nonexistent/dir/photo.png"), "{message}");
        }
        other => panic!("expected InvalidRequest, got {other:?}"),
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[test]
fn a_file_part_never_prints_its_contents() {
    let part = FilePart::from_bytes(&b"top secret contract"[..]).file_name("c.pdf");
    let text = format!("{part:?}");
    assert!(!text.contains("secret"), "{text}");
    assert!(text.contains("len: 19") && text.contains("c.pdf"), "{text}");
    assert_eq!(part.get_file_name(), Some("c.pdf"));
    assert_eq!(FilePart::from_path("a/b/report.csv").get_file_name(), Some("report.csv"));
}
