//! Pagination declared in a spec (`x-pagination`) as a lazy `Stream` of
//! items: offset/limit, page numbers, or a cursor taken from each page, and
//! page numbers or offsets that hand over to a page token past a depth
//! (Zoho CRM's `page` up to 2,000 records, then `page_token`).
//! An item that does not decode is reported on its own and the others are
//! kept; a page whose has-more flag, cursor or token is missing or malformed
//! ends the stream with an error.

use bytes::Bytes;
use futures_core::Stream;
use futures_util::stream::{self, StreamExt};
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::client::Client;
use super::error::{DecodeError, Error, ItemError};
use super::request::{encode, Body, Request};
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
    /// A token that takes over from the page number or offset past a depth.
    pub token: Option<PageToken>,
}

/// Page numbers or offsets that give way to a page token: while the next
/// page ends within `after` items it is asked for by number (or offset);
/// beyond, with the token found at `next` in the page just read, sent as
/// `param` without the page number (or offset). Once a request carries the
/// token, every following page is asked for by token.
#[derive(Debug, Clone, Copy)]
pub struct PageToken {
    /// The query parameter that takes the token.
    pub param: &'static str,
    /// JSON pointer to the next page's token in each page.
    pub next: &'static str,
    /// How many items page numbers (or offsets) may reach.
    pub after: u64,
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
/// request or a page whose flag, cursor or token is missing or malformed
/// (a null token while `has_more` announces more pages included).
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
    if let Some(token) = p.token {
        if request.query_value(token.param).is_some() || past_depth(&request, p, &token, received) {
            return token_request(request, p, &token, page);
        }
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

/// Whether the page after this one would end beyond `token.after` items if
/// asked for by number (or offset). The page size is the limit sent, or
/// else the size of this page (the server's default).
fn past_depth(request: &Request, p: &Pagination, token: &PageToken, received: usize) -> bool {
    let size = p.limit.and_then(|l| read_param(request, p, l)).and_then(|v| v.as_u64()).unwrap_or(received as u64);
    let end = match p.style {
        PageStyle::Page => {
            let current = read_param(request, p, p.param).and_then(|v| v.as_u64()).unwrap_or(1);
            current.saturating_add(1).saturating_mul(size)
        }
        PageStyle::Offset => {
            let current = read_param(request, p, p.param).and_then(|v| v.as_u64()).unwrap_or(0);
            current.saturating_add(received as u64).saturating_add(size)
        }
        // Refused by the generator; a cursor already names the next page.
        PageStyle::Cursor => return false,
    };
    end > token.after
}

/// The next page asked for by token: the token of this page in
/// `token.param`, and no page number (or offset), which the server refuses
/// alongside a token.
fn token_request(
    mut request: Request,
    p: &Pagination,
    token: &PageToken,
    page: &Value,
) -> Result<Option<Request>, (&'static str, String)> {
    let value = match page.pointer(token.next) {
        None => return Err((token.next, "the next-page token is missing".to_string())),
        Some(Value::Null) => None,
        Some(Value::String(s)) if s.is_empty() => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(other) => {
            return Err((token.next, format!("the next-page token is not a string or number but {}", kind(other))))
        }
    };
    let Some(value) = value else {
        // With a has-more flag that announced more, stopping would drop
        // items silently.
        return match p.has_more {
            Some(flag) => Err((token.next, format!("`{flag}` announces more pages but the next-page token is empty"))),
            None => Ok(None),
        };
    };
    let page_param = encode(p.param);
    request.query.retain(|(k, _)| *k != page_param);
    request.set_query(token.param, &value);
    Ok(Some(request))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::Method;
    use serde_json::json;

    /// Zoho CRM's get records: `page`/`per_page` for the first 2,000 records,
    /// then `page_token` from `info.next_page_token`.
    const ZOHO: Pagination = Pagination {
        style: PageStyle::Page,
        in_body: false,
        param: "page",
        limit: Some("per_page"),
        items: "/data",
        has_more: Some("/info/more_records"),
        next: None,
        token: Some(PageToken { param: "page_token", next: "/info/next_page_token", after: 2000 }),
    };

    fn list(per_page: Option<u32>) -> Request {
        let request = Request::new(Method::GET, "/Leads", &[]).query("fields", &"Last_Name");
        match per_page {
            Some(n) => request.query("per_page", &n),
            None => request,
        }
    }

    fn info(token: Value) -> Value {
        json!({"info": {"more_records": true, "next_page_token": token}})
    }

    /// The query of `request` as `name=value` pairs, in order.
    fn query(request: &Request) -> Vec<String> {
        request.query.iter().map(|(k, v)| format!("{k}={v}")).collect()
    }

    #[test]
    fn page_numbers_reach_the_depth_then_the_token_takes_over_without_the_page_number() {
        let mut request = list(Some(200));
        let mut sent = Vec::new();
        for n in 1..=13 {
            request = next_request(request, &ZOHO, &info(json!(format!("t{n}"))), 200).unwrap().unwrap();
            sent.push(query(&request).join("&"));
        }
        let mut expected: Vec<String> = (2..=10).map(|n| format!("fields=Last_Name&per_page=200&page={n}")).collect();
        expected.extend((10..=13).map(|n| format!("fields=Last_Name&per_page=200&page_token=t{n}")));
        assert_eq!(sent, expected);
    }

    #[test]
    fn the_page_that_would_cross_the_depth_is_asked_for_by_token() {
        // 150 a page: page 13 ends at 1,950, page 14 would end at 2,100.
        let mut request = list(Some(150)).query("page", &12);
        request = next_request(request, &ZOHO, &info(json!("t12")), 150).unwrap().unwrap();
        assert_eq!(request.query_value("page").as_deref(), Some("13"));
        request = next_request(request, &ZOHO, &info(json!("t13")), 150).unwrap().unwrap();
        assert_eq!(request.query_value("page"), None);
        assert_eq!(request.query_value("page_token").as_deref(), Some("t13"));
    }

    #[test]
    fn without_a_limit_the_page_size_is_the_size_of_the_page_read() {
        let request = list(None).query("page", &9);
        let request = next_request(request, &ZOHO, &info(json!("t9")), 200).unwrap().unwrap();
        assert_eq!(query(&request), ["fields=Last_Name", "page=10"]);
        let request = next_request(request, &ZOHO, &info(json!("t10")), 200).unwrap().unwrap();
        assert_eq!(query(&request), ["fields=Last_Name", "page_token=t10"]);
    }

    #[test]
    fn a_request_that_carries_a_token_goes_on_by_token_and_drops_the_page_number() {
        let request = list(Some(200)).query("page", &1).query("page_token", &"from-the-caller");
        let request = next_request(request, &ZOHO, &info(json!("t2")), 200).unwrap().unwrap();
        assert_eq!(query(&request), ["fields=Last_Name", "per_page=200", "page_token=t2"]);
    }

    #[test]
    fn the_end_of_the_records_ends_the_stream_before_any_token_is_read() {
        let request = list(Some(200)).query("page_token", &"t11");
        let last = json!({"info": {"more_records": false, "next_page_token": null}});
        assert!(next_request(request, &ZOHO, &last, 200).unwrap().is_none());
        // A short page ends it too when no has-more flag is declared.
        let p = Pagination { has_more: None, ..ZOHO };
        let request = list(Some(200)).query("page_token", &"t11");
        assert!(next_request(request, &p, &info(json!("t12")), 120).unwrap().is_none());
    }

    #[test]
    fn a_missing_or_malformed_token_is_an_error_at_its_pointer() {
        let token_page = || list(Some(200)).query("page", &10);
        let missing = next_request(token_page(), &ZOHO, &json!({"info": {"more_records": true}}), 200).unwrap_err();
        assert_eq!(missing, ("/info/next_page_token", "the next-page token is missing".to_string()));
        let object = next_request(token_page(), &ZOHO, &info(json!({"t": 1})), 200).unwrap_err();
        assert_eq!(object.1, "the next-page token is not a string or number but an object");
        // `more_records: true` with no token would drop the rest silently.
        for empty in [json!(null), json!("")] {
            let err = next_request(token_page(), &ZOHO, &info(empty), 200).unwrap_err();
            assert_eq!(
                err,
                (
                    "/info/next_page_token",
                    "`/info/more_records` announces more pages but the next-page token is empty".to_string()
                )
            );
        }
        // Without a has-more flag a null token is the end.
        let p = Pagination { has_more: None, ..ZOHO };
        assert!(next_request(token_page(), &p, &info(json!(null)), 200).unwrap().is_none());
        // A numeric token is sent as its digits.
        let request = next_request(token_page(), &ZOHO, &info(json!(42)), 200).unwrap().unwrap();
        assert_eq!(request.query_value("page_token").as_deref(), Some("42"));
    }

    #[test]
    fn offsets_give_way_to_the_token_likewise() {
        let p = Pagination {
            style: PageStyle::Offset,
            param: "offset",
            limit: Some("limit"),
            has_more: None,
            token: Some(PageToken { param: "after", next: "/next", after: 300 }),
            ..ZOHO
        };
        let mut request = Request::new(Method::GET, "/items", &[]).query("limit", &100);
        let mut sent = Vec::new();
        for n in 1..=4 {
            request = next_request(request, &p, &json!({"next": format!("c{n}")}), 100).unwrap().unwrap();
            sent.push(query(&request).join("&"));
        }
        assert_eq!(sent, ["limit=100&offset=100", "limit=100&offset=200", "limit=100&after=c3", "limit=100&after=c4"]);
    }

    #[test]
    fn a_depth_of_zero_uses_the_token_from_the_second_page_on() {
        let p = Pagination { token: Some(PageToken { after: 0, ..ZOHO.token.unwrap() }), ..ZOHO };
        let request = next_request(list(Some(200)), &p, &info(json!("t1")), 200).unwrap().unwrap();
        assert_eq!(query(&request), ["fields=Last_Name", "per_page=200", "page_token=t1"]);
    }

    #[test]
    fn without_a_token_page_numbers_go_on_past_the_depth() {
        let p = Pagination { token: None, ..ZOHO };
        let request = next_request(list(Some(200)).query("page", &10), &p, &info(json!("t10")), 200).unwrap().unwrap();
        assert_eq!(request.query_value("page").as_deref(), Some("11"));
        assert_eq!(request.query_value("page_token"), None);
    }
}
