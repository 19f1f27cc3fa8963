//! The error every generated call returns: a declared error response (typed
//! per operation), an undeclared status, a body that does not decode, a
//! timeout, a transport failure, or a request that could not be built.
//! Every variant that saw a response keeps its status, headers and body.

use std::fmt;

use reqwest::header::HeaderMap;
use reqwest::StatusCode;

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
    pub status: StatusCode,
    pub headers: HeaderMap,
    /// The body as received.
    pub raw_body: String,
    pub body: E,
}

/// A response whose status the spec does not declare for the operation.
#[derive(Debug, Clone)]
pub struct UnexpectedResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

/// A body that does not match its declared schema.
#[derive(Debug, Clone)]
pub struct DecodeError {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
    /// Where in the body decoding failed (`data[3].Owner.id`).
    pub path: String,
    pub message: String,
}

/// Everything a generated call can fail with.
#[derive(Debug)]
pub enum Error<E> {
    /// The server answered with an error response the spec declares.
    Api(Box<ApiError<E>>),
    /// The server answered with a status the spec does not declare.
    UnexpectedStatus(Box<UnexpectedResponse>),
    /// The body did not decode into the declared type.
    Decode(Box<DecodeError>),
    /// An attempt timed out (the timeout applies per attempt).
    Timeout,
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
            Error::Decode(e) => Some(e.status),
            _ => None,
        }
    }

    /// The response headers, when a response was received.
    pub fn headers(&self) -> Option<&HeaderMap> {
        match self {
            Error::Api(e) => Some(&e.headers),
            Error::UnexpectedStatus(e) => Some(&e.headers),
            Error::Decode(e) => Some(&e.headers),
            _ => None,
        }
    }

    /// The response body as text, when a response was received.
    pub fn body_text(&self) -> Option<&str> {
        match self {
            Error::Api(e) => Some(&e.raw_body),
            Error::UnexpectedStatus(e) => Some(&e.body),
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
            Error::Decode(e) => Error::Decode(e),
            Error::Timeout => Error::Timeout,
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
            Error::Decode(e) => write!(
                f,
                "HTTP {} body does not decode at `{}`: {}; body: {}",
                e.status,
                e.path,
                e.message,
                excerpt(&e.body)
            ),
            Error::Timeout => f.write_str("the request timed out"),
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
            _ => None,
        }
    }
}
