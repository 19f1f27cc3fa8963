//! Responses: the raw one the transport returns, and the typed one users get.

use bytes::Bytes;
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde::de::DeserializeOwned;

use super::error::{ApiError, DecodeError, Error, UnexpectedResponse};

/// A decoded response: the typed body, with status and headers still
/// reachable (rate-limit headers, say). Derefs to the body.
#[derive(Debug, Clone)]
pub struct Response<T> {
    status: StatusCode,
    headers: HeaderMap,
    body: T,
}

impl<T> Response<T> {
    pub fn new(status: StatusCode, headers: HeaderMap, body: T) -> Self {
        Response { status, headers, body }
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    pub fn body(&self) -> &T {
        &self.body
    }

    pub fn into_body(self) -> T {
        self.body
    }

    pub fn into_parts(self) -> (StatusCode, HeaderMap, T) {
        (self.status, self.headers, self.body)
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Response<U> {
        Response { status: self.status, headers: self.headers, body: f(self.body) }
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
    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    pub fn body(&self) -> &[u8] {
        &self.body
    }

    pub(crate) fn parse<T: DeserializeOwned>(&self) -> Result<T, Box<DecodeError>> {
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
        Ok(Response::new(self.status, self.headers, body))
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

    pub fn text<E>(self) -> Result<Response<String>, Error<E>> {
        let body = String::from_utf8_lossy(&self.body).into_owned();
        self.done(body)
    }

    pub fn text_as<U, E>(self, wrap: fn(String) -> U) -> Result<Response<U>, Error<E>> {
        self.text().map(|r| r.map(wrap))
    }

    pub fn bytes<E>(self) -> Result<Response<Vec<u8>>, Error<E>> {
        let body = self.body.to_vec();
        self.done(body)
    }

    pub fn bytes_as<U, E>(self, wrap: fn(Vec<u8>) -> U) -> Result<Response<U>, Error<E>> {
        self.bytes().map(|r| r.map(wrap))
    }

    /// A success without a body (any body sent is ignored).
    pub fn empty<E>(self) -> Result<Response<()>, Error<E>> {
        self.done(())
    }

    pub fn empty_as<U, E>(self, value: U) -> Result<Response<U>, Error<E>> {
        self.done(value)
    }

    fn api<R, E>(self, body: E) -> Result<Response<R>, Error<E>> {
        Err(Error::Api(Box::new(ApiError {
            status: self.status,
            headers: self.headers,
            raw_body: String::from_utf8_lossy(&self.body).into_owned(),
            body,
        })))
    }

    /// A declared error with a JSON body.
    pub fn error_json<T: DeserializeOwned, R, E>(self, wrap: fn(T) -> E) -> Result<Response<R>, Error<E>> {
        match self.parse() {
            Ok(body) => self.api(wrap(body)),
            Err(e) => Err(Error::Decode(e)),
        }
    }

    pub fn error_text<R, E>(self, wrap: fn(String) -> E) -> Result<Response<R>, Error<E>> {
        let text = String::from_utf8_lossy(&self.body).into_owned();
        self.api(wrap(text))
    }

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
        Err(Error::UnexpectedStatus(Box::new(UnexpectedResponse {
            status: self.status,
            headers: self.headers,
            body: String::from_utf8_lossy(&self.body).into_owned(),
        })))
    }
}
