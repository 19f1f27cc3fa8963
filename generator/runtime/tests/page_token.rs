//! Page numbers that give way to a page token past a depth, on loopback,
//! against a server that pages like Zoho CRM's get records: `page` only
//! reaches the first `DEPTH` records, `page_token` the rest, and the two are
//! refused together.

use std::sync::{Arc, Mutex};

use crmgen_runtime::{
    paginate, ApiClient, Client, ClientBuilder, Error, Method, PageStyle, PageToken, Pagination, RawResponse, Request,
    Response, RetryPolicy,
};
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::{json, Value};
use wiremock::{MockServer, Request as Received, Respond, ResponseTemplate};

const DEPTH: u64 = 10;

const PAGINATION: Pagination = Pagination {
    style: PageStyle::Page,
    in_body: false,
    param: "page",
    limit: Some("per_page"),
    items: "/data",
    has_more: Some("/info/more_records"),
    next: None,
    token: Some(PageToken { param: "page_token", next: "/info/next_page_token", after: DEPTH }),
};

struct Api(Client);

impl ApiClient for Api {
    fn from_runtime(client: Client) -> Self {
        Api(client)
    }
}

#[derive(Debug, Deserialize, PartialEq)]
struct Item {
    id: u64,
}

#[derive(Debug, Deserialize)]
struct ApiError {
    code: String,
}

fn decode(r: RawResponse) -> Result<Response<Value>, Error<ApiError>> {
    match r.status().as_u16() {
        200 => r.json(),
        400 => r.error_json(|e| e),
        _ => r.unexpected(),
    }
}

/// `total` records; tokens are `at-<index of the next record>`. Every query
/// received is kept.
#[derive(Clone)]
struct Paging {
    total: u64,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Respond for Paging {
    fn respond(&self, request: &Received) -> ResponseTemplate {
        self.seen.lock().unwrap().push(request.url.query().unwrap_or("").to_string());
        let param = |name: &str| request.url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
        let per_page: u64 = param("per_page").map_or(4, |v| v.parse().unwrap());
        let start = match (param("page"), param("page_token")) {
            (Some(_), Some(_)) => return refuse("AMBIGUITY_DURING_PROCESSING"),
            (None, Some(token)) => token.strip_prefix("at-").unwrap().parse().unwrap(),
            (page, None) => {
                let page: u64 = page.map_or(1, |v| v.parse().unwrap());
                if page * per_page > DEPTH {
                    return refuse("DISCRETE_PAGINATION_LIMIT_EXCEEDED");
                }
                (page - 1) * per_page
            }
        };
        let end = (start + per_page).min(self.total);
        let more = end < self.total;
        let data: Vec<Value> = (start..end).map(|id| json!({"id": id})).collect();
        let token = if more { json!(format!("at-{end}")) } else { Value::Null };
        ResponseTemplate::new(200)
            .set_body_json(json!({"data": data, "info": {"more_records": more, "next_page_token": token}}))
    }
}

fn refuse(code: &str) -> ResponseTemplate {
    ResponseTemplate::new(400).set_body_json(json!({"code": code, "details": {}, "message": code, "status": "error"}))
}

async fn serve(total: u64) -> (MockServer, Arc<Mutex<Vec<String>>>) {
    let server = MockServer::start().await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    wiremock::Mock::given(wiremock::matchers::path("/records"))
        .respond_with(Paging { total, seen: seen.clone() })
        .mount(&server)
        .await;
    (server, seen)
}

fn client(server: &MockServer) -> Client {
    ClientBuilder::<Api>::new("http://unused.invalid", &[])
        .base_url(server.uri())
        .retry(RetryPolicy::none())
        .build()
        .expect("client")
        .0
}

fn first(per_page: u32) -> Request {
    Request::new(Method::GET, "/records", &[]).query("per_page", &per_page)
}

#[tokio::test]
async fn the_stream_reads_past_the_depth_with_tokens() {
    let (server, seen) = serve(23).await;
    let items: Vec<Result<Item, Error<ApiError>>> =
        paginate(client(&server), first(4), PAGINATION, decode).collect().await;
    let ids: Vec<u64> = items.into_iter().map(|i| i.expect("every page is served").id).collect();
    assert_eq!(ids, (0..23).collect::<Vec<_>>());
    assert_eq!(
        *seen.lock().unwrap(),
        [
            "per_page=4",
            "per_page=4&page=2",
            // Page 3 would end at record 12, past the depth of 10.
            "per_page=4&page_token=at-8",
            "per_page=4&page_token=at-12",
            "per_page=4&page_token=at-16",
            "per_page=4&page_token=at-20",
        ]
    );
}

#[tokio::test]
async fn without_the_token_the_server_refuses_the_page_past_the_depth() {
    let (server, seen) = serve(23).await;
    let plain = Pagination { token: None, ..PAGINATION };
    let items: Vec<Result<Item, Error<ApiError>>> = paginate(client(&server), first(4), plain, decode).collect().await;
    assert_eq!(items.len(), 9, "eight records, then the refusal");
    let refusal = items.last().unwrap().as_ref().expect_err("the stream ends with the refusal");
    assert_eq!(refusal.api_body().map(|e| e.code.as_str()), Some("DISCRETE_PAGINATION_LIMIT_EXCEEDED"));
    assert_eq!(seen.lock().unwrap().last().unwrap(), "per_page=4&page=3");
}
