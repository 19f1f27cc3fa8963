//! Matchers for the request on the wire that wiremock does not have.

use wiremock::{Match, Request};

/// The query string, exactly: the same raw (still percent-encoded)
/// `name=value` pieces, each as often, in any order.
#[derive(Debug)]
pub struct QueryIs(Vec<String>);

/// The query string is exactly `pieces`. A piece may hold several pairs
/// joined by `&` (a literal `&` always separates pairs on the wire); no
/// pieces, or only empty ones, means no query string at all.
pub fn query_is(pieces: &[&str]) -> QueryIs {
    let mut want: Vec<String> =
        pieces.iter().filter(|p| !p.is_empty()).flat_map(|p| p.split('&')).map(str::to_owned).collect();
    want.sort_unstable();
    QueryIs(want)
}

impl Match for QueryIs {
    fn matches(&self, request: &Request) -> bool {
        let mut got: Vec<&str> = match request.url.query() {
            None | Some("") => Vec::new(),
            Some(query) => query.split('&').collect(),
        };
        got.sort_unstable();
        got == self.0
    }
}

/// The request has no body.
#[derive(Debug)]
pub struct EmptyBody;

impl Match for EmptyBody {
    fn matches(&self, request: &Request) -> bool {
        request.body.is_empty()
    }
}

/// `Content-Type: multipart/form-data; boundary=...`, any boundary.
#[derive(Debug)]
pub struct MultipartContentType;

impl Match for MultipartContentType {
    fn matches(&self, request: &Request) -> bool {
        request.headers.get("content-type").and_then(|v| v.to_str().ok()).is_some_and(|ct| boundary(ct).is_some())
    }
}

/// The boundary of a `multipart/form-data` content type.
pub fn boundary(content_type: &str) -> Option<&str> {
    let rest = content_type.strip_prefix("multipart/form-data;")?;
    rest.split(';').map(str::trim).find_map(|p| p.strip_prefix("boundary=")).filter(|b| !b.is_empty())
}

/// One part of an expected multipart body.
#[derive(Debug, Clone, Copy)]
pub struct ExpectedPart<'a> {
    pub name: &'a str,
    pub file_name: Option<&'a str>,
    pub content_type: Option<&'a str>,
    pub body: &'a [u8],
}

/// The exact bytes of a `multipart/form-data` body (RFC 7578) with
/// `boundary`: each part's `Content-Disposition` (name, then file name),
/// its `Content-Type` when it has one, a blank line, its bytes.
pub fn multipart_bytes(boundary: &str, parts: &[ExpectedPart<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    for p in parts {
        out.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"", p.name).as_bytes(),
        );
        if let Some(f) = p.file_name {
            out.extend_from_slice(format!("; filename=\"{f}\"").as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        if let Some(ct) = p.content_type {
            out.extend_from_slice(format!("Content-Type: {ct}\r\n").as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(p.body);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    out
}
