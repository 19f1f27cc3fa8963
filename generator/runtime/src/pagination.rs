//! Pagination declared in a spec (`x-pagination`) as a lazy `Stream` of
//! items: offset/limit, page numbers, or a cursor taken from each page.

use futures_core::Stream;
use futures_util::stream::{self, StreamExt, TryStreamExt};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::client::Client;
use super::error::{DecodeError, Error};
use super::request::{Body, Request};
use super::response::{RawResponse, Response};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageStyle {
    /// The parameter is an item offset: advance by the items received.
    Offset,
    /// The parameter is a page number: advance by one.
    Page,
    /// The parameter takes the cursor found at `next` in each page.
    Cursor,
}

/// How an operation pages, as declared in its spec.
#[derive(Debug, Clone, Copy)]
pub struct Pagination {
    pub style: PageStyle,
    /// The parameter is a top-level field of the JSON body, not a query parameter.
    pub in_body: bool,
    pub param: &'static str,
    pub limit: Option<&'static str>,
    /// JSON pointer to the items array in each page.
    pub items: &'static str,
    /// JSON pointer to a boolean "more pages" flag.
    pub has_more: Option<&'static str>,
    /// JSON pointer to the next cursor.
    pub next: Option<&'static str>,
}

/// Streams the items of every page, fetching each page when the previous
/// one is used up. Stops on an empty page, a short page (fewer items than
/// the limit sent), a false `has_more`, or a missing cursor.
pub fn paginate<T, R, E>(
    client: Client,
    request: Request,
    pagination: Pagination,
    decode: fn(RawResponse) -> Result<Response<R>, Error<E>>,
) -> impl Stream<Item = Result<T, Error<E>>> + Send + 'static
where
    T: DeserializeOwned + Send + 'static,
    R: Send + 'static,
    E: Send + 'static,
{
    stream::try_unfold(Some(request), move |state| {
        let client = client.clone();
        async move {
            let Some(request) = state else { return Ok(None) };
            let raw = client.execute(&request).await.map_err(Error::widen)?;
            if !raw.status().is_success() {
                // The operation's own decoding gives the typed error.
                return match decode(raw) {
                    Err(e) => Err(e),
                    Ok(_) => Ok(None),
                };
            }
            if raw.body().iter().all(u8::is_ascii_whitespace) {
                // `204 No Content` and friends: nothing more to read.
                return Ok(None);
            }
            let page: Value = raw.parse().map_err(Error::Decode)?;
            let items = page.pointer(pagination.items).and_then(Value::as_array).cloned().unwrap_or_default();
            let mut decoded = Vec::with_capacity(items.len());
            for (i, item) in items.into_iter().enumerate() {
                let value = serde_json::from_value::<T>(item).map_err(|e| {
                    Error::Decode(Box::new(DecodeError {
                        status: raw.status(),
                        headers: raw.headers().clone(),
                        body: String::from_utf8_lossy(raw.body()).into_owned(),
                        path: format!("{}/{i}", pagination.items),
                        message: e.to_string(),
                    }))
                })?;
                decoded.push(value);
            }
            let next = next_request(request, &pagination, &page, decoded.len());
            Ok(Some((decoded, next)))
        }
    })
    .map_ok(|items| stream::iter(items.into_iter().map(Ok)))
    .try_flatten()
    .boxed()
}

fn read_param(request: &Request, p: &Pagination, name: &str) -> Option<Value> {
    if p.in_body {
        let body: Value = serde_json::from_slice(&request.body.as_ref()?.bytes).ok()?;
        body.get(name).cloned()
    } else {
        request.query_value(name).map(|v| v.parse::<i64>().map(Value::from).unwrap_or(Value::String(v)))
    }
}

fn write_param(mut request: Request, p: &Pagination, value: Value) -> Option<Request> {
    if p.in_body {
        let body = request.body.as_ref()?;
        let mut json: Value = serde_json::from_slice(&body.bytes).ok()?;
        json.as_object_mut()?.insert(p.param.to_string(), value);
        let bytes = serde_json::to_vec(&json).ok()?;
        request.body = Some(Body { content_type: body.content_type, bytes: bytes.into() });
    } else {
        let text = match value {
            Value::String(s) => s,
            other => other.to_string(),
        };
        request.set_query(p.param, &text);
    }
    Some(request)
}

fn next_request(request: Request, p: &Pagination, page: &Value, received: usize) -> Option<Request> {
    if received == 0 {
        return None;
    }
    let last_page = match p.has_more {
        Some(flag) => page.pointer(flag).and_then(Value::as_bool) != Some(true),
        None => p
            .limit
            .and_then(|l| read_param(&request, p, l))
            .and_then(|v| v.as_u64())
            .is_some_and(|limit| (received as u64) < limit),
    };
    if last_page {
        return None;
    }
    let next = match p.style {
        PageStyle::Offset => {
            let current = read_param(&request, p, p.param).and_then(|v| v.as_u64()).unwrap_or(0);
            Value::from(current + received as u64)
        }
        PageStyle::Page => {
            let current = read_param(&request, p, p.param).and_then(|v| v.as_u64()).unwrap_or(1);
            Value::from(current + 1)
        }
        PageStyle::Cursor => {
            let cursor = page.pointer(p.next?)?;
            if cursor.is_null() || cursor.as_str() == Some("") {
                return None;
            }
            cursor.clone()
        }
    };
    write_param(request, p, next)
}
