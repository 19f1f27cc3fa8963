//! The error every generated call returns: a declared error response (typed
//! per operation), an undeclared status, a body that does not decode, a
//! timeout, a transport failure, a body over the limit, a list item that
//! does not decode, or a request that could not be built. Every variant
//! that saw a response keeps its status and headers, and its body when the
//! body was read.

use std::fmt;

use reqwest::header::HeaderMap;
use reqwest::StatusCode;

use super::auth::AuthError;
use super::ratelimit::RateLimitInfo;

/// The error type of an operation that declares no error responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoErrorBody {}

impl fmt::Display for NoErrorBody {
    fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {}
    }
}

/// A declared error response, decoded into the operation's error enum `E`.
#[derive(Debug, Clone)]
pub struct ApiError<E> {
    /// The response status.
    pub status: StatusCode,
    /// The response headers.
    pub headers: HeaderMap,
    /// The body as received.
    pub raw_body: String,
    /// The body, decoded into the operation's error enum.
    pub body: E,
}

/// A response whose status the spec does not declare for the operation.
#[derive(Debug, Clone)]
pub struct UnexpectedResponse {
    /// The response status.
    pub status: StatusCode,
    /// The response headers.
    pub headers: HeaderMap,
    /// The body as received.
    pub body: String,
}

/// A success status (2xx) the spec does not declare for the operation,
/// whose body does not decode as any success the spec declares. The server
/// **accepted the request**: sending it again would do it twice.
#[derive(Debug, Clone)]
pub struct UndecodedSuccess {
    /// The response status.
    pub status: StatusCode,
    /// The response headers.
    pub headers: HeaderMap,
    /// The body as received, byte for byte.
    pub body: bytes::Bytes,
    /// Where decoding as the declared success type failed (`data[0].id`),
    /// when the operation declares one with a body.
    pub path: Option<String>,
    /// What did not match.
    pub message: Option<String>,
}

impl UndecodedSuccess {
    /// The body as text (invalid UTF-8 replaced).
    pub fn body_text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }
}

/// A body that does not match its declared schema.
#[derive(Debug, Clone)]
pub struct DecodeError {
    /// The response status.
    pub status: StatusCode,
    /// The response headers.
    pub headers: HeaderMap,
    /// The body as received.
    pub body: String,
    /// Where in the body decoding failed (`data[3].Owner.id`).
    pub path: String,
    /// What did not match.
    pub message: String,
}

/// A response body larger than the limit, refused before it was held in
/// memory.
#[derive(Debug, Clone)]
pub struct BodyTooLarge {
    /// The response status.
    pub status: StatusCode,
    /// The response headers.
    pub headers: HeaderMap,
    /// The limit in force, in bytes.
    pub limit: u64,
    /// The length the server declared in `Content-Length`, if any.
    pub declared: Option<u64>,
    /// The bytes read when reading stopped (0 when `Content-Length` alone
    /// was over the limit).
    pub received: u64,
}

/// One item of a list page that does not decode; the page's other items
/// still do.
#[derive(Debug, Clone)]
pub struct ItemError {
    /// The response status.
    pub status: StatusCode,
    /// The response headers.
    pub headers: HeaderMap,
    /// The item's index in its page (0-based).
    pub index: usize,
    /// The page's number in the stream (0 for the first page).
    pub page: usize,
    /// The JSON pointer of the item in the page (`/data/3`).
    pub pointer: String,
    /// Where inside the item decoding failed (`Owner.id`).
    pub path: String,
    /// What did not match.
    pub message: String,
    /// The item as received.
    pub raw: serde_json::Value,
}

/// Everything a generated call can fail with.
#[derive(Debug)]
pub enum Error<E> {
    /// The server answered with an error response the spec declares.
    Api(Box<ApiError<E>>),
    /// The server answered with an error status (not 2xx) the spec does
    /// not declare.
    UnexpectedStatus(Box<UnexpectedResponse>),
    /// The server **accepted the request** with a success status (2xx) the
    /// spec does not declare, and a body that does not decode as the
    /// declared success (one that does is an `Ok`, with its real status).
    /// Not a failure: do not send the request again. See
    /// [`Error::was_accepted`].
    UndecodedSuccess(Box<UndecodedSuccess>),
    /// The body did not decode into the declared type.
    Decode(Box<DecodeError>),
    /// An attempt timed out (the timeout applies per attempt).
    Timeout,
    /// The response body is larger than the body limit.
    BodyTooLarge(Box<BodyTooLarge>),
    /// One item of a list page did not decode (pagination streams and
    /// lenient page reads go on with the next item).
    Item(Box<ItemError>),
    /// No access token could be had (a refresh failed): the request was
    /// not sent, or was answered 401 and the token could not be renewed.
    Auth(AuthError),
    /// The connection failed or broke.
    Transport(reqwest::Error),
    /// The request could not be built (a path value of `..`, a body that
    /// does not serialize, an invalid header value).
    InvalidRequest(String),
}

impl<E> Error<E> {
    /// The response status, when a response was received.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::UnexpectedStatus(e) => Some(e.status),
            Error::UndecodedSuccess(e) => Some(e.status),
            Error::Decode(e) => Some(e.status),
            Error::BodyTooLarge(e) => Some(e.status),
            Error::Item(e) => Some(e.status),
            _ => None,
        }
    }

    /// Whether the server accepted the request: it answered with a success
    /// status (2xx), and only reading its answer failed (an undeclared
    /// success, a body that does not decode or is over the body limit).
    /// The request took effect: do not send it again.
    pub fn was_accepted(&self) -> bool {
        matches!(self, Error::UndecodedSuccess(_))
            || matches!(self, Error::Decode(_) | Error::BodyTooLarge(_) | Error::Item(_)
                if self.status().is_some_and(|s| s.is_success()))
    }

    /// The response headers, when a response was received.
    pub fn headers(&self) -> Option<&HeaderMap> {
        match self {
            Error::Api(e) => Some(&e.headers),
            Error::UnexpectedStatus(e) => Some(&e.headers),
            Error::UndecodedSuccess(e) => Some(&e.headers),
            Error::Decode(e) => Some(&e.headers),
            Error::BodyTooLarge(e) => Some(&e.headers),
            Error::Item(e) => Some(&e.headers),
            _ => None,
        }
    }

    /// The rate-limit headers of the response, when one was received and
    /// carried them (a `429`'s `Retry-After`, say).
    pub fn rate_limit(&self) -> Option<RateLimitInfo> {
        RateLimitInfo::from_headers(self.headers()?)
    }

    /// The response body as text, when a response was received.
    pub fn body_text(&self) -> Option<&str> {
        match self {
            Error::Api(e) => Some(&e.raw_body),
            Error::UnexpectedStatus(e) => Some(&e.body),
            Error::UndecodedSuccess(e) => std::str::from_utf8(&e.body).ok(),
            Error::Decode(e) => Some(&e.body),
            _ => None,
        }
    }

    /// The typed error body, for declared error responses.
    pub fn api_body(&self) -> Option<&E> {
        match self {
            Error::Api(e) => Some(&e.body),
            _ => None,
        }
    }
}

impl Error<NoErrorBody> {
    /// The same failure as the error type of an operation (a failure
    /// without a declared error body fits every operation).
    pub fn widen<E>(self) -> Error<E> {
        match self {
            Error::Api(e) => match e.body {},
            Error::UnexpectedStatus(e) => Error::UnexpectedStatus(e),
            Error::UndecodedSuccess(e) => Error::UndecodedSuccess(e),
            Error::Decode(e) => Error::Decode(e),
            Error::Timeout => Error::Timeout,
            Error::BodyTooLarge(e) => Error::BodyTooLarge(e),
            Error::Item(e) => Error::Item(e),
            Error::Auth(e) => Error::Auth(e),
            Error::Transport(e) => Error::Transport(e),
            Error::InvalidRequest(m) => Error::InvalidRequest(m),
        }
    }
}

const MAX_BODY_IN_MESSAGE: usize = 512;

fn excerpt(body: &str) -> String {
    if body.len() <= MAX_BODY_IN_MESSAGE {
        return body.to_string();
    }
    let mut end = MAX_BODY_IN_MESSAGE;
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}... ({} bytes)", &body[..end], body.len())
}

impl<E: fmt::Display> fmt::Display for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api(e) => write!(f, "HTTP {}: {}: {}", e.status, e.body, excerpt(&e.raw_body)),
            Error::UnexpectedStatus(e) => write!(f, "undeclared HTTP status {}: {}", e.status, excerpt(&e.body)),
            Error::UndecodedSuccess(e) => {
                write!(
                    f,
                    "the server accepted the request (HTTP {}, a success status the spec does not declare)",
                    e.status
                )?;
                if let (Some(path), Some(message)) = (&e.path, &e.message) {
                    write!(f, "; its body does not decode as the declared success at `{path}`: {message}")?;
                }
                write!(f, "; body: {}; do not send it again", excerpt(&e.body_text()))
            }
            Error::Decode(e) if e.status.is_success() => write!(
                f,
                "the server accepted the request (HTTP {}) but its body does not decode at `{}`: {}; body: {}",
                e.status,
                e.path,
                e.message,
                excerpt(&e.body)
            ),
            Error::Decode(e) => write!(
                f,
                "HTTP {} body does not decode at `{}`: {}; body: {}",
                e.status,
                e.path,
                e.message,
                excerpt(&e.body)
            ),
            Error::Timeout => f.write_str("the request timed out"),
            Error::BodyTooLarge(e) => {
                write!(f, "HTTP {} body is larger than the {}-byte limit", e.status, e.limit)?;
                match e.declared {
                    Some(declared) if declared > e.limit => write!(f, " (Content-Length: {declared})"),
                    _ => write!(f, " (more than {} bytes received)", e.limit),
                }
            }
            Error::Item(e) => write!(
                f,
                "item {} of page {} (`{}`) does not decode at `{}`: {}; item: {}",
                e.index,
                e.page,
                e.pointer,
                e.path,
                e.message,
                excerpt(&e.raw.to_string())
            ),
            Error::Auth(e) => write!(f, "authorization failed: {e}"),
            Error::Transport(e) => {
                write!(f, "transport error: {e}")?;
                let mut source = std::error::Error::source(e);
                while let Some(cause) = source {
                    write!(f, ": {cause}")?;
                    source = cause.source();
                }
                Ok(())
            }
            Error::InvalidRequest(m) => write!(f, "invalid request: {m}"),
        }
    }
}

impl<E: fmt::Display + fmt::Debug> std::error::Error for Error<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport(e) => Some(e),
            Error::Auth(e) => Some(e),
            _ => None,
        }
    }
}
