//! The client against servers that page badly, limit rates, stall or fail:
//! lenient pages, rate limits, per-request options and hooks, on loopback.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crmgen_runtime::reqwest::header::{HeaderName, HeaderValue};
use crmgen_runtime::{
    fetch_page, paginate, reqwest, ApiClient, Attempt, Client, ClientBuilder, Error, Hook, Method, Methods,
    NoErrorBody, PageStyle, Pagination, RateLimit, RateRule, RawResponse, Request, RequestOptions, Response,
    RetryPolicy,
};
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::{json, Value};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, Respond, ResponseTemplate};

struct Api(Client);

impl ApiClient for Api {
    fn from_runtime(client: Client) -> Self {
        Api(client)
    }
}

fn builder(server: &MockServer) -> ClientBuilder<Api> {
    ClientBuilder::<Api>::new("http://unused.invalid", &[])
        .base_url(server.uri())
        .retry(RetryPolicy::default().initial_backoff(Duration::from_millis(1)).max_backoff(Duration::from_millis(2)))
}

fn client(server: &MockServer) -> Client {
    builder(server).build().expect("client").0
}

fn get(template: &'static str) -> Request {
    Request::new(Method::GET, template, &[])
}

fn json_body(r: RawResponse) -> Result<Response<Value>, Error<NoErrorBody>> {
    match r.status().as_u16() {
        200..=299 => r.json(),
        _ => r.unexpected(),
    }
}

#[derive(Debug, Deserialize, PartialEq)]
struct Item {
    id: u32,
    name: String,
}

const OFFSET: Pagination = Pagination {
    style: PageStyle::Offset,
    in_body: false,
    param: "offset",
    limit: Some("limit"),
    items: "/data",
    has_more: None,
    next: None,
    token: None,
};

// ---------------------------------------------------------------- pages

async fn two_pages_with_a_bad_item(server: &MockServer) {
    let first = json!({"data": [
        {"id": 1, "name": "a"},
        {"id": "two", "name": "b"},
        {"id": 3, "name": "c"},
    ], "undeclared": {"cursor": "kept"}});
    Mock::given(method("GET"))
        .and(path("/items"))
        .and(query_param("offset", "0"))
        .respond_with(ResponseTemplate::new(200).set_body_json(first))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/items"))
        .and(query_param("offset", "3"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": [{"id": 4, "name": "d"}]})))
        .mount(server)
        .await;
}

fn first_page() -> Request {
    get("/items").query("offset", &0u32).query("limit", &3u32)
}

#[tokio::test]
async fn a_stream_yields_the_good_items_and_an_error_for_the_bad_one_then_goes_on() {
    let server = MockServer::start().await;
    two_pages_with_a_bad_item(&server).await;
    let results: Vec<Result<Item, Error<NoErrorBody>>> =
        paginate(client(&server), first_page(), OFFSET, json_body).collect().await;
    assert_eq!(results.len(), 4, "{results:?}");
    assert_eq!(results[0].as_ref().unwrap(), &Item { id: 1, name: "a".into() });
    match &results[1] {
        Err(Error::Item(e)) => {
            assert_eq!((e.index, e.page), (1, 0));
            assert_eq!(e.pointer, "/data/1");
            assert_eq!(e.path, "id");
            assert_eq!(e.raw, json!({"id": "two", "name": "b"}));
            assert!(e.message.contains("invalid type"), "{}", e.message);
            let text = Error::<NoErrorBody>::Item(e.clone()).to_string();
            assert!(text.contains("item 1 of page 0") && text.contains("\"two\""), "{text}");
        }
        other => panic!("expected an item error, got {other:?}"),
    }
    assert_eq!(results[2].as_ref().unwrap().id, 3);
    // The bad item still counts for the offset: the next page starts at 3.
    assert_eq!(results[3].as_ref().unwrap().id, 4);
}

#[tokio::test]
async fn a_single_page_gives_its_items_its_errors_and_its_raw_json() {
    let server = MockServer::start().await;
    two_pages_with_a_bad_item(&server).await;
    let page = fetch_page::<Item, Value, NoErrorBody>(client(&server), first_page(), OFFSET, json_body)
        .await
        .expect("the page is fetched");
    assert_eq!(page.items.iter().map(|i| i.id).collect::<Vec<_>>(), [1, 3]);
    assert_eq!(page.errors.len(), 1);
    assert_eq!((page.errors[0].index, page.errors[0].raw["id"].as_str()), (1, Some("two")));
    let raw = page.response.raw_json().expect("the page is JSON");
    assert_eq!(raw.pointer("/undeclared/cursor"), Some(&json!("kept")));
}

#[tokio::test]
async fn raw_json_of_a_typed_response_keeps_undeclared_fields() {
    #[derive(Debug, Deserialize)]
    struct Declared {
        id: u32,
    }
    let server = MockServer::start().await;
    Mock::given(path("/record"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 7, "vendor_added": [1, 2]})))
        .mount(&server)
        .await;
    let raw = client(&server).execute(&get("/record")).await.expect("response");
    let typed: Response<Declared> = raw.json::<Declared, NoErrorBody>().expect("decodes");
    assert_eq!(typed.id, 7);
    assert_eq!(typed.raw_json().and_then(|v| v.get("vendor_added")), Some(&json!([1, 2])));
    assert_eq!(typed.raw_body(), br#"{"id":7,"vendor_added":[1,2]}"#);
}

async fn paged_stream_error(has_more: Option<&'static str>, next: Option<&'static str>, page: Value) -> String {
    let server = MockServer::start().await;
    Mock::given(path("/items")).respond_with(ResponseTemplate::new(200).set_body_json(page)).mount(&server).await;
    let pagination = Pagination {
        style: if next.is_some() { PageStyle::Cursor } else { PageStyle::Page },
        in_body: false,
        param: "page",
        limit: None,
        items: "/data",
        has_more,
        next,
        token: None,
    };
    let results: Vec<Result<Item, Error<NoErrorBody>>> =
        paginate(client(&server), get("/items"), pagination, json_body).collect().await;
    assert_eq!(results.len(), 2, "one item, then the error: {results:?}");
    assert!(results[0].is_ok());
    match &results[1] {
        Err(Error::Decode(e)) => format!("{} at {}", e.message, e.path),
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_missing_or_malformed_flag_or_cursor_ends_the_stream_with_an_error() {
    let item = json!({"id": 1, "name": "a"});
    let missing_flag = paged_stream_error(Some("/info/more"), None, json!({"data": [item], "info": {}})).await;
    assert_eq!(missing_flag, "the has-more flag is missing at /info/more");
    let text_flag =
        paged_stream_error(Some("/info/more"), None, json!({"data": [item], "info": {"more": "yes"}})).await;
    assert_eq!(text_flag, "the has-more flag is not a boolean but a string at /info/more");
    let missing_cursor = paged_stream_error(None, Some("/next"), json!({"data": [item]})).await;
    assert_eq!(missing_cursor, "the next-page cursor is missing at /next");
    let object_cursor = paged_stream_error(None, Some("/next"), json!({"data": [item], "next": {"a": 1}})).await;
    assert_eq!(object_cursor, "the next-page cursor is not a string or number but an object at /next");
}

#[tokio::test]
async fn a_null_cursor_and_a_false_flag_end_the_stream_quietly() {
    for (has_more, next, page) in [
        (None, Some("/next"), json!({"data": [{"id": 1, "name": "a"}], "next": null})),
        (Some("/more"), None, json!({"data": [{"id": 1, "name": "a"}], "more": false})),
    ] {
        let server = MockServer::start().await;
        Mock::given(path("/items")).respond_with(ResponseTemplate::new(200).set_body_json(page)).mount(&server).await;
        let style = if next.is_some() { PageStyle::Cursor } else { PageStyle::Page };
        let p = Pagination {
            style,
            in_body: false,
            param: "page",
            limit: None,
            items: "/data",
            has_more,
            next,
            token: None,
        };
        let results: Vec<Result<Item, _>> = paginate(client(&server), get("/items"), p, json_body).collect().await;
        assert_eq!(results.len(), 1);
        assert!(results[0].is_ok());
    }
}

// ---------------------------------------------------------- rate limits

/// Responds 200 and records when each request arrived.
#[derive(Clone, Default)]
struct Arrivals(Arc<Mutex<Vec<Instant>>>);

impl Respond for Arrivals {
    fn respond(&self, _: &wiremock::Request) -> ResponseTemplate {
        self.0.lock().unwrap().push(Instant::now());
        ResponseTemplate::new(200).set_body_json(json!({}))
    }
}

/// The most requests that arrived within any window of `window`.
fn busiest_window(arrivals: &[Instant], window: Duration) -> usize {
    let mut sorted = arrivals.to_vec();
    sorted.sort();
    let mut most = 0;
    let mut start = 0;
    for end in 0..sorted.len() {
        while sorted[end] - sorted[start] >= window {
            start += 1;
        }
        most = most.max(end - start + 1);
    }
    most
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_500_calls_keeps_the_limit_and_loses_nothing() {
    // HighLevel's 100 per 10 s, ten times faster: 100 per second.
    const REQUESTS: u32 = 100;
    const PER: Duration = Duration::from_secs(1);
    let server = MockServer::start().await;
    let arrivals = Arrivals::default();
    Mock::given(path("/records")).respond_with(arrivals.clone()).mount(&server).await;
    let api = builder(&server).rate_limit(RateLimit::new().rule(RateRule::new(REQUESTS, PER))).build().unwrap().0;
    let started = Instant::now();
    let calls = (0..500).map(|_| {
        // Every clone shares the one limiter.
        let api = api.clone();
        tokio::spawn(async move { api.execute(&get("/records")).await.map(|r| r.status()) })
    });
    for call in futures_util::future::join_all(calls).await {
        assert_eq!(call.expect("task").expect("call"), 200);
    }
    let elapsed = started.elapsed();
    let arrivals = arrivals.0.lock().unwrap().clone();
    assert_eq!(arrivals.len(), 500, "every call reached the server once");
    // Evenly spaced at 10 ms: 499 intervals take at least 4.99 s.
    assert!(elapsed >= Duration::from_millis(4_990), "500 calls took only {elapsed:?}");
    // Arrival times carry loopback scheduling jitter, so the window checked
    // at the server is shortened by a small margin.
    let most = busiest_window(&arrivals, PER - Duration::from_millis(30));
    assert!(most <= REQUESTS as usize, "{most} requests arrived within one window");
}

#[tokio::test]
async fn reads_and_writes_are_limited_apart() {
    let server = MockServer::start().await;
    Mock::given(path("/x")).respond_with(ResponseTemplate::new(200)).mount(&server).await;
    // Writes: 2 per 400 ms. Reads: unlimited by that rule.
    let limits = RateLimit::new().rule(RateRule::new(2, Duration::from_millis(400)).methods(Methods::Writes));
    let api = builder(&server).rate_limit(limits).build().unwrap().0;
    let started = Instant::now();
    for _ in 0..10 {
        api.execute(&get("/x")).await.unwrap();
    }
    assert!(started.elapsed() < Duration::from_millis(200), "reads waited: {:?}", started.elapsed());
    let started = Instant::now();
    for _ in 0..3 {
        api.execute(&Request::new(Method::POST, "/x", &[])).await.unwrap();
    }
    // Three writes at 200 ms spacing: at least 400 ms.
    assert!(started.elapsed() >= Duration::from_millis(400), "writes did not wait: {:?}", started.elapsed());
}

/// Counts requests in flight from the hooks' point of view.
#[derive(Default)]
struct InFlight {
    now: AtomicUsize,
    most: AtomicUsize,
}

impl Hook for InFlight {
    fn before_attempt(&self, _: &Attempt<'_>, _: &mut reqwest::Request) {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.most.fetch_max(now, Ordering::SeqCst);
    }
    fn after_attempt(&self, _: &Attempt<'_>, _: Result<&reqwest::Response, &reqwest::Error>, _: Duration) {
        self.now.fetch_sub(1, Ordering::SeqCst);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_concurrency_cap_holds_requests_back() {
    let server = MockServer::start().await;
    Mock::given(path("/slow"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(50)))
        .mount(&server)
        .await;
    let counter = Arc::new(InFlight::default());
    // Zoho CRM's Free edition: 5 requests in flight.
    let api = builder(&server).rate_limit(RateLimit::new().concurrency(5)).hook(counter.clone()).build().unwrap().0;
    let calls = (0..20).map(|_| {
        let api = api.clone();
        tokio::spawn(async move { api.execute(&get("/slow")).await.map(|r| r.status()) })
    });
    for call in futures_util::future::join_all(calls).await {
        assert_eq!(call.unwrap().unwrap(), 200);
    }
    assert_eq!(counter.most.load(Ordering::SeqCst), 5);
}

#[tokio::test]
async fn server_headers_are_exposed_and_an_exhausted_window_holds_the_next_request() {
    let server = MockServer::start().await;
    let arrivals = Arrivals::default();
    Mock::given(path("/first"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("X-RateLimit-Max", "100")
                .insert_header("X-RateLimit-Remaining", "0")
                .insert_header("X-RateLimit-Interval-Milliseconds", "400")
                .insert_header("X-RateLimit-Limit-Daily", "200000")
                .insert_header("X-RateLimit-Daily-Remaining", "199000"),
        )
        .mount(&server)
        .await;
    Mock::given(path("/second")).respond_with(arrivals.clone()).mount(&server).await;
    let api = builder(&server).rate_limit(RateLimit::new()).build().unwrap().0;
    let sent = Instant::now();
    let raw = api.execute(&get("/first")).await.unwrap();
    let typed = raw.empty::<NoErrorBody>().unwrap();
    let info = typed.rate_limit().expect("rate-limit headers");
    assert_eq!((info.limit, info.remaining), (Some(100), Some(0)));
    assert_eq!((info.daily_limit, info.daily_remaining), (Some(200_000), Some(199_000)));
    assert_eq!(info.interval, Some(Duration::from_millis(400)));
    api.execute(&get("/second")).await.unwrap();
    let waited = arrivals.0.lock().unwrap()[0] - sent;
    assert!(waited >= Duration::from_millis(400), "the second request went after {waited:?}");
}

#[tokio::test]
async fn a_429_carries_its_rate_limit_info_on_the_error() {
    let server = MockServer::start().await;
    Mock::given(path("/limited"))
        .respond_with(
            ResponseTemplate::new(429).insert_header("Retry-After", "1").insert_header("X-RateLimit-Remaining", "0"),
        )
        .mount(&server)
        .await;
    let api = builder(&server).retry(RetryPolicy::none()).build().unwrap().0;
    let err = api.send(get("/limited"), json_body).await.expect_err("429 is undeclared");
    let info = err.rate_limit().expect("rate-limit headers on the error");
    assert_eq!((info.retry_after, info.remaining), (Some(Duration::from_secs(1)), Some(0)));
}

// ------------------------------------------------ per-request options

#[tokio::test]
async fn a_per_request_timeout_overrides_the_clients() {
    let server = MockServer::start().await;
    Mock::given(path("/slow"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(600)))
        .mount(&server)
        .await;
    let patient = builder(&server).timeout(Duration::from_secs(10)).build().unwrap().0;
    let started = Instant::now();
    let hurried = patient.with_options(RequestOptions::new().timeout(Duration::from_millis(100)));
    assert!(matches!(hurried.execute(&get("/slow")).await, Err(Error::Timeout)));
    assert!(started.elapsed() < Duration::from_millis(500), "took {:?}", started.elapsed());
    // The original keeps its own timeout.
    assert_eq!(patient.execute(&get("/slow")).await.unwrap().status(), 200);

    let impatient = builder(&server).timeout(Duration::from_millis(100)).build().unwrap().0;
    assert!(matches!(impatient.execute(&get("/slow")).await, Err(Error::Timeout)));
    let relaxed = impatient.with_options(RequestOptions::new().timeout(Duration::from_secs(10)));
    assert_eq!(relaxed.execute(&get("/slow")).await.unwrap().status(), 200);
}

#[tokio::test]
async fn per_request_headers_retries_and_body_limit() {
    let server = MockServer::start().await;
    Mock::given(path("/tagged"))
        .and(header("x-request-id", "sync-42"))
        .respond_with(ResponseTemplate::new(200).set_body_string("x".repeat(100)))
        .mount(&server)
        .await;
    Mock::given(path("/flaky")).respond_with(ResponseTemplate::new(503)).up_to_n_times(1).mount(&server).await;
    Mock::given(path("/flaky")).respond_with(ResponseTemplate::new(200)).mount(&server).await;
    let api = client(&server);

    let tagged = api.with_options(
        RequestOptions::new().header(HeaderName::from_static("x-request-id"), HeaderValue::from_static("sync-42")),
    );
    assert_eq!(tagged.execute(&get("/tagged")).await.unwrap().body().len(), 100);
    assert_eq!(api.execute(&get("/tagged")).await.unwrap().status(), 404, "the header is not on the original");

    let capped = tagged.with_options(RequestOptions::new().body_limit(10));
    match capped.execute(&get("/tagged")).await {
        Err(Error::BodyTooLarge(e)) => assert_eq!((e.limit, e.declared, e.received), (10, Some(100), 0)),
        other => panic!("expected BodyTooLarge, got {other:?}"),
    }
    let small_client = builder(&server).body_limit(10).build().unwrap().0;
    let tagged_small = small_client.with_options(
        RequestOptions::new().header(HeaderName::from_static("x-request-id"), HeaderValue::from_static("sync-42")),
    );
    assert!(matches!(tagged_small.execute(&get("/tagged")).await, Err(Error::BodyTooLarge(_))));
    let unbounded = tagged_small.with_options(RequestOptions::new().no_body_limit());
    assert_eq!(unbounded.execute(&get("/tagged")).await.unwrap().body().len(), 100);

    let once = api.with_options(RequestOptions::new().retry(RetryPolicy::none()));
    assert_eq!(once.execute(&get("/flaky")).await.unwrap().status(), 503, "no retry for this request");
    assert_eq!(api.execute(&get("/flaky")).await.unwrap().status(), 200, "the client's policy retries");
}

// ---------------------------------------------------------------- hooks

/// Records what it sees and signs every attempt.
#[derive(Default)]
struct Recorder {
    seen: Mutex<Vec<String>>,
}

impl Hook for Recorder {
    fn before_attempt(&self, attempt: &Attempt<'_>, request: &mut reqwest::Request) {
        let signature = HeaderValue::from_str(&format!("attempt-{}", attempt.number)).unwrap();
        request.headers_mut().insert("x-signature", signature);
        self.seen.lock().unwrap().push(format!("before {} {} #{}", attempt.method, attempt.template, attempt.number));
    }
    fn after_attempt(&self, attempt: &Attempt<'_>, outcome: Result<&reqwest::Response, &reqwest::Error>, _: Duration) {
        let what = match outcome {
            Ok(r) => r.status().as_u16().to_string(),
            Err(e) if e.is_timeout() => "timeout".to_string(),
            Err(_) => "error".to_string(),
        };
        self.seen.lock().unwrap().push(format!("after #{} {what}", attempt.number));
    }
}

#[tokio::test]
async fn a_hook_sees_and_changes_every_attempt_including_retries() {
    let server = MockServer::start().await;
    Mock::given(path("/flaky")).respond_with(ResponseTemplate::new(503)).up_to_n_times(2).mount(&server).await;
    Mock::given(path("/flaky")).respond_with(ResponseTemplate::new(200)).mount(&server).await;
    Mock::given(path("/stall"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    let recorder = Arc::new(Recorder::default());
    let api = builder(&server).hook(recorder.clone()).build().unwrap().0;
    assert_eq!(api.execute(&get("/flaky")).await.unwrap().status(), 200);
    let signatures: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.headers.get("x-signature").unwrap().to_str().unwrap().to_string())
        .collect();
    assert_eq!(signatures, ["attempt-1", "attempt-2", "attempt-3"]);

    // Clones with options keep the hooks; a failed attempt is seen too.
    let hurried = api.with_options(RequestOptions::new().timeout(Duration::from_millis(50)));
    assert!(matches!(hurried.execute(&get("/stall")).await, Err(Error::Timeout)));
    assert_eq!(
        *recorder.seen.lock().unwrap(),
        [
            "before GET /flaky #1",
            "after #1 503",
            "before GET /flaky #2",
            "after #2 503",
            "before GET /flaky #3",
            "after #3 200",
            "before GET /stall #1",
            "after #1 timeout",
        ]
    );
}
