//! Reading a response body: into memory within a limit, or streamed to the
//! caller (downloads) without one.

use bytes::{Bytes, BytesMut};
use futures_core::Stream;
use reqwest::header::HeaderMap;
use reqwest::StatusCode;

use super::error::{BodyTooLarge, Error, NoErrorBody};
use super::ratelimit::{Permit, RateLimitInfo};
use super::response::RawResponse;

/// The body limit of a client unless set otherwise: 32 MiB, above the
/// largest page these APIs send (Zoho's 200 records with every field).
pub const DEFAULT_BODY_LIMIT: u64 = 32 * 1024 * 1024;

/// Reads the whole body, refusing it as soon as it is known to exceed
/// `limit`: from `Content-Length` before reading anything, or while
/// counting the chunks of a body of unknown length. Memory never holds
/// more than `limit` plus one chunk.
pub(crate) async fn read_limited(
    mut response: reqwest::Response,
    limit: Option<u64>,
) -> Result<RawResponse, Error<NoErrorBody>> {
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    let declared = response.content_length();
    let too_large = |headers: HeaderMap, received: u64, limit: u64| {
        Error::BodyTooLarge(Box::new(BodyTooLarge { status, headers, limit, declared, received }))
    };
    if let (Some(limit), Some(declared)) = (limit, declared) {
        if declared > limit {
            return Err(too_large(headers, 0, limit));
        }
    }
    let capacity = declared.unwrap_or(0).min(limit.unwrap_or(u64::MAX)).min(DEFAULT_BODY_LIMIT);
    // A body that arrives as one chunk is kept as it came, not copied.
    let mut first: Option<Bytes> = None;
    let mut body = BytesMut::new();
    let mut received = 0u64;
    while let Some(chunk) = response.chunk().await.map_err(super::client::transport)? {
        received += chunk.len() as u64;
        if let Some(limit) = limit.filter(|l| received > *l) {
            return Err(too_large(headers, received, limit));
        }
        if received == chunk.len() as u64 {
            // Everything so far (earlier chunks were empty).
            first = Some(chunk);
            continue;
        }
        if let Some(earlier) = first.take() {
            body.reserve(usize::try_from(capacity).unwrap_or(0).max(earlier.len() + chunk.len()));
            body.extend_from_slice(&earlier);
        }
        body.extend_from_slice(&chunk);
    }
    let body = first.unwrap_or_else(|| body.freeze());
    Ok(RawResponse { status, headers, body })
}

/// A response whose body is streamed to the caller (recordings, photos,
/// files), not read into memory, so no body limit applies. While it is
/// alive it counts as a request in flight for the client's concurrency cap.
///
/// The client's per-attempt timeout covers reading the body too: for a
/// large download, send it with `RequestOptions::no_timeout` or a longer
/// timeout.
#[derive(Debug)]
pub struct Download {
    status: StatusCode,
    headers: HeaderMap,
    response: reqwest::Response,
    _permit: Permit,
}

impl Download {
    pub(crate) fn new(response: reqwest::Response, permit: Permit) -> Self {
        Download { status: response.status(), headers: response.headers().clone(), response, _permit: permit }
    }

    /// The response status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers (`Content-Type`, `Content-Disposition`, ...).
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The `Content-Type` the server sent (`audio/x-wav`, `image/png`, ...).
    pub fn content_type(&self) -> Option<&str> {
        self.headers.get(reqwest::header::CONTENT_TYPE).and_then(|v| v.to_str().ok())
    }

    /// The file name the server suggests in `Content-Disposition`
    /// (`attachment; filename="audio.wav"`), if any.
    pub fn file_name(&self) -> Option<String> {
        let value = self.headers.get(reqwest::header::CONTENT_DISPOSITION)?.to_str().ok()?;
        disposition_file_name(value)
    }

    /// The body's length, when the server declared it.
    pub fn content_length(&self) -> Option<u64> {
        self.response.content_length()
    }

    /// The rate-limit headers of the response, if any.
    pub fn rate_limit(&self) -> Option<RateLimitInfo> {
        RateLimitInfo::from_headers(&self.headers)
    }

    /// The next piece of the body; `None` at its end.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, Error<NoErrorBody>> {
        self.response.chunk().await.map_err(super::client::transport)
    }

    /// The body as a stream of pieces.
    pub fn into_stream(self) -> impl Stream<Item = Result<Bytes, Error<NoErrorBody>>> + Send + 'static {
        futures_util::stream::try_unfold(self, |mut download| async move {
            Ok(download.chunk().await?.map(|chunk| (chunk, download)))
        })
    }
}

/// The `filename` of a `Content-Disposition` value, quoted or not
/// (RFC 6266). The extended `filename*` form is left to the caller, who
/// has the header.
fn disposition_file_name(value: &str) -> Option<String> {
    value.split(';').map(str::trim).find_map(|param| {
        let (key, raw) = param.split_once('=')?;
        if !key.trim().eq_ignore_ascii_case("filename") {
            return None;
        }
        let raw = raw.trim();
        let name = match raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
            Some(quoted) => quoted.replace("\\\"", "\"").replace("\\\\", "\\"),
            None => raw.to_string(),
        };
        (!name.is_empty()).then_some(name)
    })
}

#[cfg(test)]
mod tests {
    use super::{disposition_file_name, read_limited};
    use crate::Error;

    /// A response whose body arrives in these chunks, no length declared.
    fn chunked(chunks: &[&'static str]) -> reqwest::Response {
        let stream = futures_util::stream::iter(
            chunks.iter().map(|c| Ok::<_, std::io::Error>(bytes::Bytes::from_static(c.as_bytes()))).collect::<Vec<_>>(),
        );
        http::Response::new(reqwest::Body::wrap_stream(stream)).into()
    }

    #[tokio::test]
    async fn a_body_reads_whole_in_one_chunk_or_many_and_the_limit_counts_them_all() {
        for chunks in [&["{\"a\":1}"][..], &["{\"a\"", ":", "1}"], &["", "{\"a\":1}"], &[]] {
            let raw = read_limited(chunked(chunks), Some(64)).await.expect("within the limit");
            assert_eq!(raw.body(), chunks.concat().as_bytes(), "{chunks:?}");
        }
        let over = read_limited(chunked(&["12345", "67890", "1"]), Some(10)).await.expect_err("over the limit");
        match over {
            Error::BodyTooLarge(e) => assert_eq!((e.limit, e.received), (10, 11)),
            other => panic!("not a body-limit error: {other:?}"),
        }
        let exact = read_limited(chunked(&["12345", "67890"]), Some(10)).await.expect("a body of exactly the limit");
        assert_eq!(exact.body(), b"1234567890");
    }

    #[test]
    fn file_names_from_content_disposition() {
        assert_eq!(disposition_file_name("Attachment; filename=audio.wav").as_deref(), Some("audio.wav"));
        assert_eq!(
            disposition_file_name("attachment; filename=\"transcription.txt\"").as_deref(),
            Some("transcription.txt")
        );
        assert_eq!(disposition_file_name("attachment; FileName=\"a \\\"b\\\".txt\"").as_deref(), Some("a \"b\".txt"));
        assert_eq!(disposition_file_name("inline"), None);
        assert_eq!(disposition_file_name("attachment; filename=\"\""), None);
    }
}
