//! Pagination declared in a spec (`x-pagination`) as a lazy `Stream` of
//! items: offset/limit, page numbers, or a cursor taken from each page.
//! An item that does not decode is reported on its own and the others are
//! kept; a page whose has-more flag or cursor is missing or malformed ends
//! the stream with an error.

use bytes::Bytes;
use futures_core::Stream;
use futures_util::stream::{self, StreamExt};
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::client::Client;
use super::error::{DecodeError, Error, ItemError};
use super::request::{Body, Request};
use super::response::{RawResponse, Response};

/// How the paging parameter advances.
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
    /// How the paging parameter advances.
    pub style: PageStyle,
    /// The parameter is a top-level field of the JSON body, not a query parameter.
    pub in_body: bool,
    /// The paging parameter's wire name.
    pub param: &'static str,
    /// The page-size parameter's wire name, if any.
    pub limit: Option<&'static str>,
    /// JSON pointer to the items array in each page.
    pub items: &'static str,
    /// JSON pointer to a boolean "more pages" flag.
    pub has_more: Option<&'static str>,
    /// JSON pointer to the next cursor.
    pub next: Option<&'static str>,
}

/// One page, decoded item by item: the items that decode, an error for
/// each that does not, and the page as received.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The items that decode, in page order.
    pub items: Vec<T>,
    /// The items that do not, each with its index, path and raw JSON.
    pub errors: Vec<ItemError>,
    /// The page as received (status, headers, body as JSON via `raw_json`).
    pub response: Response<Value>,
}

/// Fetches one page (the request as built, without advancing) and decodes
/// its items one by one.
pub async fn fetch_page<T, R, E>(
    client: Client,
    request: Request,
    pagination: Pagination,
    decode: fn(RawResponse) -> Result<Response<R>, Error<E>>,
) -> Result<Page<T>, Error<E>>
where
    T: DeserializeOwned,
{
    let Some(page) = fetch(&client, &request, &pagination, decode, 0).await? else {
        let empty = Response::new(StatusCode::NO_CONTENT, HeaderMap::new(), Value::Null);
        return Ok(Page { items: Vec::new(), errors: Vec::new(), response: empty });
    };
    let mut items = Vec::new();
    let mut errors = Vec::new();
    for entry in page.entries {
        match entry {
            Ok(item) => items.push(item),
            Err(e) => errors.push(*e),
        }
    }
    Ok(Page { items, errors, response: Response::with_raw(page.status, page.headers, page.json, page.raw) })
}

/// Streams the items of every page, fetching each page when the previous
/// one is used up. An item that does not decode comes as an
/// [`Error::Item`] and the stream goes on. The stream stops on an empty
/// page, a short page (fewer items than the limit sent), a false
/// `has_more`, or a null or empty cursor; it ends with an error on a failed
/// request or a page whose flag or cursor is missing or malformed.
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
    stream::unfold(Some((request, 0usize)), move |state| {
        let client = client.clone();
        async move {
            let (request, number) = state?;
            let page = match fetch(&client, &request, &pagination, decode, number).await {
                Ok(Some(page)) => page,
                Ok(None) => return None,
                Err(e) => return Some((vec![Err(e)], None)),
            };
            let received = page.entries.len();
            let mut out: Vec<Result<T, Error<E>>> =
                page.entries.into_iter().map(|entry| entry.map_err(Error::Item)).collect();
            let next = match next_request(request, &pagination, &page.json, received) {
                Ok(next) => next.map(|r| (r, number + 1)),
                Err((pointer, message)) => {
                    out.push(Err(Error::Decode(Box::new(DecodeError {
                        status: page.status,
                        headers: page.headers,
                        body: String::from_utf8_lossy(&page.raw).into_owned(),
                        path: pointer.to_string(),
                        message,
                    }))));
                    None
                }
            };
            Some((out, next))
        }
    })
    .flat_map(stream::iter)
    .boxed()
}

/// A page as fetched: its entries decoded one by one, and the page itself.
struct Fetched<T> {
    status: StatusCode,
    headers: HeaderMap,
    raw: Bytes,
    json: Value,
    entries: Vec<Result<T, Box<ItemError>>>,
}

/// Sends one page request. `None` when a status other than 2xx decodes as
/// a success of the operation (nothing to page through).
async fn fetch<T, R, E>(
    client: &Client,
    request: &Request,
    pagination: &Pagination,
    decode: fn(RawResponse) -> Result<Response<R>, Error<E>>,
    number: usize,
) -> Result<Option<Fetched<T>>, Error<E>>
where
    T: DeserializeOwned,
{
    let raw = client.execute(request).await.map_err(Error::widen)?;
    if !raw.status().is_success() {
        // The operation's own decoding gives the typed error.
        return match decode(raw) {
            Err(e) => Err(e),
            Ok(_) => Ok(None),
        };
    }
    let json: Value = if raw.body().iter().all(u8::is_ascii_whitespace) {
        // `204 No Content` and friends: an empty page.
        Value::Null
    } else {
        raw.parse().map_err(Error::Decode)?
    };
    let entries = match json.pointer(pagination.items) {
        // No items (Zoho omits `data` on an empty last page): an empty page.
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(index, item)| {
                // Plain first; the tracked decoder again only for the path of a failure.
                if let Ok(value) = T::deserialize(item) {
                    return Ok(value);
                }
                serde_path_to_error::deserialize::<_, T>(item).map_err(|e| {
                    Box::new(ItemError {
                        status: raw.status(),
                        headers: raw.headers().clone(),
                        index,
                        page: number,
                        pointer: format!("{}/{index}", pagination.items),
                        path: e.path().to_string(),
                        message: e.into_inner().to_string(),
                        raw: item.clone(),
                    })
                })
            })
            .collect(),
        Some(other) => {
            return Err(Error::Decode(Box::new(DecodeError {
                status: raw.status(),
                headers: raw.headers().clone(),
                body: String::from_utf8_lossy(raw.body()).into_owned(),
                path: pagination.items.to_string(),
                message: format!("the page's items are not an array but {}", kind(other)),
            })))
        }
    };
    Ok(Some(Fetched { status: raw.status(), headers: raw.headers().clone(), raw: raw.body.clone(), json, entries }))
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
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

/// The request of the next page; `None` after the last one; an error (the
/// pointer and what is wrong) when the page's flag or cursor is missing or
/// malformed.
fn next_request(
    request: Request,
    p: &Pagination,
    page: &Value,
    received: usize,
) -> Result<Option<Request>, (&'static str, String)> {
    if received == 0 {
        return Ok(None);
    }
    let last_page = match p.has_more {
        Some(flag) => match page.pointer(flag) {
            Some(Value::Bool(more)) => !more,
            Some(other) => return Err((flag, format!("the has-more flag is not a boolean but {}", kind(other)))),
            None => return Err((flag, "the has-more flag is missing".to_string())),
        },
        None => p
            .limit
            .and_then(|l| read_param(&request, p, l))
            .and_then(|v| v.as_u64())
            .is_some_and(|limit| (received as u64) < limit),
    };
    if last_page {
        return Ok(None);
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
            let Some(pointer) = p.next else { return Ok(None) };
            match page.pointer(pointer) {
                None => return Err((pointer, "the next-page cursor is missing".to_string())),
                Some(Value::Null) => return Ok(None),
                Some(Value::String(s)) if s.is_empty() => return Ok(None),
                Some(cursor @ (Value::String(_) | Value::Number(_))) => cursor.clone(),
                Some(other) => {
                    return Err((
                        pointer,
                        format!("the next-page cursor is not a string or number but {}", kind(other)),
                    ))
                }
            }
        }
    };
    Ok(write_param(request, p, next))
}
