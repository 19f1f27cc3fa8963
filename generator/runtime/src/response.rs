//! Responses: the raw one the transport returns, and the typed one users get.

use std::fmt;
use std::sync::OnceLock;

use bytes::Bytes;
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::error::{ApiError, DecodeError, Error, UndecodedSuccess, UnexpectedResponse};
use super::ratelimit::RateLimitInfo;

/// A decoded response: the typed body, with status, headers and the body
/// as received still reachable (rate-limit headers, a field the spec does
/// not declare). Derefs to the typed body.
#[derive(Clone)]
pub struct Response<T> {
    status: StatusCode,
    headers: HeaderMap,
    body: T,
    raw: Bytes,
    json: OnceLock<Option<Value>>,
}

impl<T: fmt::Debug> fmt::Debug for Response<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body", &self.body)
            .field("raw_len", &self.raw.len())
            .finish()
    }
}

impl<T> Response<T> {
    /// A response without a body as received (its raw body is empty).
    pub fn new(status: StatusCode, headers: HeaderMap, body: T) -> Self {
        Response::with_raw(status, headers, body, Bytes::new())
    }

    /// A response with the body it was decoded from.
    pub fn with_raw(status: StatusCode, headers: HeaderMap, body: T, raw: Bytes) -> Self {
        Response { status, headers, body, raw, json: OnceLock::new() }
    }

    /// The response status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The rate-limit headers of the response, if the server sent any.
    pub fn rate_limit(&self) -> Option<RateLimitInfo> {
        RateLimitInfo::from_headers(&self.headers)
    }

    /// The typed body.
    pub fn body(&self) -> &T {
        &self.body
    }

    /// The body as received, byte for byte.
    pub fn raw_body(&self) -> &[u8] {
        &self.raw
    }

    /// The body as received, as JSON: fields the spec does not declare are
    /// here. Parsed on first use and kept; `None` when the body is not JSON.
    pub fn raw_json(&self) -> Option<&Value> {
        self.json.get_or_init(|| serde_json::from_slice(&self.raw).ok()).as_ref()
    }

    /// The typed body, leaving the rest.
    pub fn into_body(self) -> T {
        self.body
    }

    /// Status, headers and typed body.
    pub fn into_parts(self) -> (StatusCode, HeaderMap, T) {
        (self.status, self.headers, self.body)
    }

    /// The same response with its typed body changed by `f`.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Response<U> {
        Response { status: self.status, headers: self.headers, body: f(self.body), raw: self.raw, json: self.json }
    }
}

impl<T> std::ops::Deref for Response<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.body
    }
}

/// A response as received, before decoding. Generated `decode` functions
/// pick one of its methods per status.
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

impl RawResponse {
    /// The response status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body as received.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// Decodes the body as JSON. Plain `serde_json` first; only a body that
    /// fails is decoded again through `serde_path_to_error`, for the path of
    /// the field that failed (tracking every field costs as much as the
    /// decoding itself). Like the tracked decoder, neither checks for
    /// trailing characters after the value.
    pub(crate) fn parse<T: DeserializeOwned>(&self) -> Result<T, Box<DecodeError>> {
        if let Ok(value) = T::deserialize(&mut serde_json::Deserializer::from_slice(&self.body)) {
            return Ok(value);
        }
        let mut de = serde_json::Deserializer::from_slice(&self.body);
        serde_path_to_error::deserialize(&mut de).map_err(|e| {
            Box::new(DecodeError {
                status: self.status,
                headers: self.headers.clone(),
                body: String::from_utf8_lossy(&self.body).into_owned(),
                path: e.path().to_string(),
                message: e.into_inner().to_string(),
            })
        })
    }

    fn done<T, E>(self, body: T) -> Result<Response<T>, Error<E>> {
        Ok(Response::with_raw(self.status, self.headers, body, self.body))
    }

    /// A JSON success body.
    pub fn json<T: DeserializeOwned, E>(self) -> Result<Response<T>, Error<E>> {
        let body = self.parse().map_err(Error::Decode)?;
        self.done(body)
    }

    /// A JSON success body wrapped in a variant of the operation's success enum.
    pub fn json_as<T: DeserializeOwned, U, E>(self, wrap: fn(T) -> U) -> Result<Response<U>, Error<E>> {
        self.json::<T, E>().map(|r| r.map(wrap))
    }

    /// A text success body (invalid UTF-8 replaced).
    pub fn text<E>(self) -> Result<Response<String>, Error<E>> {
        let body = String::from_utf8_lossy(&self.body).into_owned();
        self.done(body)
    }

    /// A text success body wrapped in a variant of the success enum.
    pub fn text_as<U, E>(self, wrap: fn(String) -> U) -> Result<Response<U>, Error<E>> {
        self.text().map(|r| r.map(wrap))
    }

    /// A binary success body.
    pub fn bytes<E>(self) -> Result<Response<Vec<u8>>, Error<E>> {
        let body = self.body.to_vec();
        self.done(body)
    }

    /// A binary success body wrapped in a variant of the success enum.
    pub fn bytes_as<U, E>(self, wrap: fn(Vec<u8>) -> U) -> Result<Response<U>, Error<E>> {
        self.bytes().map(|r| r.map(wrap))
    }

    /// A success without a body (any body sent is ignored).
    pub fn empty<E>(self) -> Result<Response<()>, Error<E>> {
        self.done(())
    }

    /// A success without a body, as a variant of the success enum.
    pub fn empty_as<U, E>(self, value: U) -> Result<Response<U>, Error<E>> {
        self.done(value)
    }

    fn api<R, E>(self, body: E) -> Result<Response<R>, Error<E>> {
        // A 2xx is never a failure, whatever arm (`default`) it reached.
        if self.status.is_success() {
            return Err(self.unexpected_error());
        }
        Err(Error::Api(Box::new(ApiError {
            status: self.status,
            headers: self.headers,
            raw_body: String::from_utf8_lossy(&self.body).into_owned(),
            body,
        })))
    }

    /// A declared error with a JSON body.
    pub fn error_json<T: DeserializeOwned, R, E>(self, wrap: fn(T) -> E) -> Result<Response<R>, Error<E>> {
        if self.status.is_success() {
            return Err(self.unexpected_error());
        }
        match self.parse() {
            Ok(body) => self.api(wrap(body)),
            Err(e) => Err(Error::Decode(e)),
        }
    }

    /// A declared error with a text body.
    pub fn error_text<R, E>(self, wrap: fn(String) -> E) -> Result<Response<R>, Error<E>> {
        let text = String::from_utf8_lossy(&self.body).into_owned();
        self.api(wrap(text))
    }

    /// A declared error with a binary body.
    pub fn error_bytes<R, E>(self, wrap: fn(Vec<u8>) -> E) -> Result<Response<R>, Error<E>> {
        let bytes = self.body.to_vec();
        self.api(wrap(bytes))
    }

    /// A declared error without a body.
    pub fn error_empty<R, E>(self, value: E) -> Result<Response<R>, Error<E>> {
        self.api(value)
    }

    /// A status the spec does not declare for this operation.
    pub fn unexpected<R, E>(self) -> Result<Response<R>, Error<E>> {
        Err(self.unexpected_error())
    }

    /// Decodes the response with an operation's response `table` (one arm
    /// per declared status). A success status the table does not declare
    /// (the server answered 201 where the spec says 200) is decoded as each
    /// declared success status in turn, and the first that fits is the
    /// `Ok`, with the status as received; when none fits, the outcome is
    /// [`Error::UndecodedSuccess`]: the request was accepted either way.
    pub fn decode_with<T, E>(
        self,
        table: fn(RawResponse) -> Result<Response<T>, Error<E>>,
    ) -> Result<Response<T>, Error<E>> {
        let undeclared = match table(self) {
            Err(Error::UndecodedSuccess(u)) => u,
            decoded => return decoded,
        };
        let mut undeclared = *undeclared;
        const SUCCESSES: [u16; 10] = [200, 201, 202, 203, 204, 205, 206, 207, 208, 226];
        for code in SUCCESSES.into_iter().filter(|c| *c != undeclared.status.as_u16()) {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::OK);
            let as_declared =
                RawResponse { status, headers: undeclared.headers.clone(), body: undeclared.body.clone() };
            match table(as_declared) {
                Ok(mut response) => {
                    response.status = undeclared.status;
                    return Ok(response);
                }
                Err(Error::Decode(e)) if undeclared.path.is_none() => {
                    undeclared.path = Some(e.path);
                    undeclared.message = Some(e.message);
                }
                Err(_) => {}
            }
        }
        Err(Error::UndecodedSuccess(Box::new(undeclared)))
    }

    pub(crate) fn unexpected_error<E>(self) -> Error<E> {
        if self.status.is_success() {
            return Error::UndecodedSuccess(Box::new(UndecodedSuccess {
                status: self.status,
                headers: self.headers,
                body: self.body,
                path: None,
                message: None,
            }));
        }
        Error::UnexpectedStatus(Box::new(UnexpectedResponse {
            status: self.status,
            headers: self.headers,
            body: String::from_utf8_lossy(&self.body).into_owned(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Item {
        sku: String,
        quantity: i32,
    }

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Order {
        id: u64,
        items: Vec<Item>,
    }

    fn raw(body: &str) -> RawResponse {
        RawResponse { status: StatusCode::OK, headers: HeaderMap::new(), body: Bytes::copy_from_slice(body.as_bytes()) }
    }

    /// What decoding through `serde_path_to_error` alone reports: `(path, message)`.
    fn tracked(body: &str) -> (String, String) {
        let mut de = serde_json::Deserializer::from_slice(body.as_bytes());
        let e = serde_path_to_error::deserialize::<_, Order>(&mut de).unwrap_err();
        (e.path().to_string(), e.into_inner().to_string())
    }

    #[test]
    fn a_failing_body_reports_the_tracked_path_and_message() {
        for body in [
            r#"{"id":1,"items":[{"sku":"a","quantity":1},{"sku":"b","quantity":"two"}]}"#,
            r#"{"id":1,"items":[{"sku":"a"}]}"#,
            r#"{"id":"1","items":[]}"#,
            r#"{"id":1,"items":[{"sku":"a","quantity":1}"#,
            "",
        ] {
            let e = raw(body).parse::<Order>().unwrap_err();
            let (path, message) = tracked(body);
            assert_eq!((e.path.as_str(), e.message.as_str()), (path.as_str(), message.as_str()), "{body}");
            assert_eq!(e.body, body);
        }
        let e = raw(r#"{"id":1,"items":[{"sku":"a","quantity":1},{"sku":"b","quantity":"two"}]}"#)
            .parse::<Order>()
            .unwrap_err();
        assert_eq!(e.path, "items[1].quantity");
    }

    #[test]
    fn a_good_body_decodes_and_what_follows_the_value_is_not_read() {
        let order = Order { id: 7, items: vec![Item { sku: "a".into(), quantity: 2 }] };
        assert_eq!(raw(r#"{"id":7,"items":[{"sku":"a","quantity":2}]}"#).parse::<Order>().unwrap(), order);
        // As with the tracked decoder alone: bytes after the value are ignored.
        assert_eq!(raw(r#"{"id":7,"items":[{"sku":"a","quantity":2}]} trailing"#).parse::<Order>().unwrap(), order);
    }
}
