//! Behaviour of the shared runtime (`generated/src/runtime/`), observed on
//! the wire through a generated client (HighLevel Custom Objects): retries,
//! timeouts, transport errors, path encoding, secret redaction, response and
//! error metadata, the user agent and the builder.

use std::time::{Duration, Instant};

use crm_clients::highlevel::objects::{
    Client, CreateObjectRecordRequest, CreateRecordError, GetRecordError, ObjectRecordResponse,
};
use crm_clients::runtime::{BuildError, Error, RetryPolicy};
use serde_json::{Value, json};
use wiremock::matchers::{any, body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "sk-live-SECRET-7f3a9c";
const SCHEMA: &str = "custom_objects.pet";
const RECORD_ID: &str = "661c06b4ffde146bdb469442";
const RECORD_PATH: &str = "/objects/custom_objects.pet/records/661c06b4ffde146bdb469442";
const CREATE_PATH: &str = "/objects/custom_objects.pet/records";

// ---------------------------------------------------------------- helpers

/// A response example of `specs/highlevel/objects.yaml`, as JSON.
fn spec_example(api_path: &str, verb: &str, status: &str) -> Value {
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/highlevel/objects.yaml");
    let spec: serde_yaml::Value = serde_yaml::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    let example = &spec["paths"][api_path][verb]["responses"][status]["content"]["application/json"]["example"];
    assert!(!example.is_null(), "no example for {verb} {api_path} {status}");
    serde_json::to_value(example).unwrap()
}

fn record_example() -> Value {
    spec_example("/objects/{schemaKey}/records/{id}", "get", "200")
}

fn created_example() -> Value {
    spec_example("/objects/{schemaKey}/records", "post", "201")
}

fn bad_request_example() -> Value {
    spec_example("/objects/{schemaKey}/records/{id}", "get", "400")
}

/// Retries with near-zero backoff, so retry tests stay fast.
fn fast_retry() -> RetryPolicy {
    RetryPolicy::default().initial_backoff(Duration::from_millis(1)).max_backoff(Duration::from_millis(5))
}

fn client_with(base_url: &str, policy: RetryPolicy) -> Client {
    Client::builder().bearer_token(TOKEN).base_url(base_url).retry(policy).build().unwrap()
}

fn client(server: &MockServer, policy: RetryPolicy) -> Client {
    client_with(&server.uri(), policy)
}

fn create_body() -> CreateObjectRecordRequest {
    CreateObjectRecordRequest {
        location_id: "ve9EPM428h8vShlRW1KT".into(),
        owner: None,
        followers: None,
        properties: Some(json!({ "ticket_name": "Customer not able login" }).as_object().unwrap().clone()),
    }
}

fn create_body_json() -> Value {
    json!({ "locationId": "ve9EPM428h8vShlRW1KT", "properties": { "ticket_name": "Customer not able login" } })
}

fn status(code: u16) -> ResponseTemplate {
    ResponseTemplate::new(code).set_body_string(format!("status {code} from the test server"))
}

/// Answers GET of the record once with `first`, then with the spec example.
async fn get_fails_once_then_succeeds(server: &MockServer, first: ResponseTemplate) {
    Mock::given(method("GET"))
        .and(path(RECORD_PATH))
        .respond_with(first)
        .up_to_n_times(1)
        .expect(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(RECORD_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(record_example()))
        .expect(1)
        .mount(server)
        .await;
}

/// Answers every GET of the record with `template`, expecting `n` calls.
async fn get_always(server: &MockServer, template: ResponseTemplate, n: u64) {
    Mock::given(method("GET")).and(path(RECORD_PATH)).respond_with(template).expect(n).mount(server).await;
}

async fn requests(server: &MockServer) -> Vec<wiremock::Request> {
    server.received_requests().await.expect("request recording is on")
}

fn assert_record(resp: &ObjectRecordResponse) {
    let record = resp.record.as_ref().expect("record");
    assert_eq!(record.id, RECORD_ID);
    assert_eq!(record.owner, ["sx6wyHhbFdRXh302Lunr"]);
    assert_eq!(record.followers, ["sx6wyHhbFdRXh302Lunr", "v5cEPM428h8vShlRW1KT"]);
    assert_eq!(record.properties["customer_number"], json!(1424));
    assert_eq!(record.properties["money"]["currency"], json!("default"));
    assert_eq!(record.date_added.to_rfc3339(), "2024-07-29T15:51:28.071+00:00");
}

/// A loopback URL nothing listens on.
fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

fn header_str<'a>(req: &'a wiremock::Request, name: &str) -> Option<&'a str> {
    req.headers.get(name).map(|v| v.to_str().unwrap())
}

// ---------------------------------------------------------------- retries

#[tokio::test]
async fn get_is_retried_after_503_and_succeeds() {
    let server = MockServer::start().await;
    get_fails_once_then_succeeds(&server, status(503)).await;

    let resp = client(&server, fast_retry()).get_record(SCHEMA, RECORD_ID).await.unwrap();

    assert_eq!(resp.status(), 200);
    assert_record(&resp);
    assert_eq!(requests(&server).await.len(), 2);
}

#[tokio::test]
async fn get_is_retried_after_502_and_504() {
    for code in [502, 504] {
        let server = MockServer::start().await;
        get_fails_once_then_succeeds(&server, status(code)).await;

        let resp = client(&server, fast_retry()).get_record(SCHEMA, RECORD_ID).await.unwrap();

        assert_eq!(resp.status(), 200, "after {code}");
        assert_record(&resp);
        assert_eq!(requests(&server).await.len(), 2, "after {code}");
    }
}

#[tokio::test]
async fn retry_after_on_429_is_honoured() {
    let server = MockServer::start().await;
    get_fails_once_then_succeeds(&server, status(429).insert_header("retry-after", "1")).await;
    // A backoff far below a second: only `Retry-After` can explain the wait.
    let policy = fast_retry();

    let started = Instant::now();
    let resp = client(&server, policy).get_record(SCHEMA, RECORD_ID).await.unwrap();
    let elapsed = started.elapsed();

    assert_record(&resp);
    assert!(elapsed >= Duration::from_millis(950), "retried after only {elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "waited {elapsed:?}");
    assert_eq!(requests(&server).await.len(), 2);
}

#[tokio::test]
async fn retry_after_is_capped_by_max_retry_after() {
    let server = MockServer::start().await;
    get_fails_once_then_succeeds(&server, status(503).insert_header("retry-after", "3600")).await;

    let started = Instant::now();
    let resp = client(&server, fast_retry().max_retry_after(Duration::from_millis(100)))
        .get_record(SCHEMA, RECORD_ID)
        .await
        .unwrap();
    let elapsed = started.elapsed();

    assert_record(&resp);
    assert!(elapsed >= Duration::from_millis(95) && elapsed < Duration::from_secs(3), "{elapsed:?}");
    assert_eq!(requests(&server).await.len(), 2);
}

#[tokio::test]
async fn no_retry_starts_past_max_elapsed() {
    let server = MockServer::start().await;
    get_always(&server, status(429).insert_header("retry-after", "1"), 1).await;

    let started = Instant::now();
    let err = client(&server, fast_retry().max_elapsed(Duration::from_millis(500)))
        .get_record(SCHEMA, RECORD_ID)
        .await
        .unwrap_err();

    assert!(matches!(&err, Error::UnexpectedStatus(e) if e.status == 429), "{err:?}");
    assert!(started.elapsed() < Duration::from_millis(900), "slept before giving up: {:?}", started.elapsed());
    assert_eq!(requests(&server).await.len(), 1);
}

#[tokio::test]
async fn post_is_not_retried_by_default() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).and(path(CREATE_PATH)).respond_with(status(503)).expect(1).mount(&server).await;
    // The default policy, only with a short backoff.
    let policy = RetryPolicy::default().initial_backoff(Duration::from_millis(1));

    let err = client(&server, policy).create_record(SCHEMA, create_body()).await.unwrap_err();

    match &err {
        Error::UnexpectedStatus(e) => {
            assert_eq!(e.status, 503);
            assert_eq!(e.body, "status 503 from the test server");
        }
        other => panic!("expected UnexpectedStatus, got {other:?}"),
    }
    assert_eq!(requests(&server).await.len(), 1);
}

#[tokio::test]
async fn post_is_retried_when_non_idempotent_retries_are_enabled() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(CREATE_PATH))
        .respond_with(status(503))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(CREATE_PATH))
        .and(body_json(create_body_json()))
        .respond_with(ResponseTemplate::new(201).set_body_json(created_example()))
        .expect(1)
        .mount(&server)
        .await;

    let resp =
        client(&server, fast_retry().retry_non_idempotent(true)).create_record(SCHEMA, create_body()).await.unwrap();

    assert_eq!(resp.status(), 201);
    assert_record(&resp);
    let sent = requests(&server).await;
    assert_eq!(sent.len(), 2);
    // The retry sends the same body again.
    assert_eq!(sent[0].body, sent[1].body);
}

#[tokio::test]
async fn attempt_limit_holds_and_the_last_503_is_the_error() {
    let server = MockServer::start().await;
    get_always(&server, status(503).insert_header("x-attempt", "last"), 3).await;

    let err = client(&server, fast_retry().max_attempts(3)).get_record(SCHEMA, RECORD_ID).await.unwrap_err();

    match &err {
        Error::UnexpectedStatus(e) => {
            assert_eq!(e.status, 503);
            assert_eq!(e.headers["x-attempt"], "last");
            assert_eq!(e.body, "status 503 from the test server");
        }
        other => panic!("expected UnexpectedStatus, got {other:?}"),
    }
    assert_eq!(requests(&server).await.len(), 3);
}

#[tokio::test]
async fn status_500_is_not_retried() {
    let server = MockServer::start().await;
    get_always(&server, status(500), 1).await;

    let err = client(&server, fast_retry()).get_record(SCHEMA, RECORD_ID).await.unwrap_err();

    assert!(matches!(&err, Error::UnexpectedStatus(e) if e.status == 500), "{err:?}");
    assert_eq!(requests(&server).await.len(), 1);
}

#[tokio::test]
async fn status_400_is_not_retried_and_decodes_as_declared_error() {
    let server = MockServer::start().await;
    get_always(&server, ResponseTemplate::new(400).set_body_json(bad_request_example()), 1).await;

    let err = client(&server, fast_retry()).get_record(SCHEMA, RECORD_ID).await.unwrap_err();

    match &err {
        Error::Api(e) => {
            assert_eq!(e.status, 400);
            match &e.body {
                GetRecordError::BadRequest(b) => {
                    assert_eq!(b.status_code, Some(400));
                    assert_eq!(b.message.as_deref(), Some("Bad Request"));
                }
                other => panic!("expected BadRequest, got {other:?}"),
            }
            assert_eq!(serde_json::from_str::<Value>(&e.raw_body).unwrap(), bad_request_example());
        }
        other => panic!("expected Api, got {other:?}"),
    }
    assert_eq!(requests(&server).await.len(), 1);
}

// ---------------------------------------------------------------- timeouts

#[tokio::test]
async fn slow_server_gives_timeout() {
    let server = MockServer::start().await;
    get_always(
        &server,
        ResponseTemplate::new(200).set_body_json(record_example()).set_delay(Duration::from_secs(3)),
        1,
    )
    .await;
    let client = Client::builder()
        .bearer_token(TOKEN)
        .base_url(server.uri())
        .timeout(Duration::from_millis(200))
        .retry(fast_retry())
        .build()
        .unwrap();

    let started = Instant::now();
    let err = client.get_record(SCHEMA, RECORD_ID).await.unwrap_err();
    let elapsed = started.elapsed();

    assert!(matches!(err, Error::Timeout), "expected Timeout, got {err:?}");
    assert!(elapsed >= Duration::from_millis(190), "gave up after {elapsed:?}");
    assert!(elapsed < Duration::from_secs(2), "the timeout did not cut the wait: {elapsed:?}");
    assert_eq!(err.to_string(), "the request timed out");
    // Timeouts are not among the retried failures (429, 502-504, connect errors).
    assert_eq!(requests(&server).await.len(), 1);
}

/// A one-shot HTTP server that sends the status line and headers at once,
/// then stalls in the middle of the body.
fn stalling_body_server() -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let (mut socket, _) = listener.accept().unwrap();
        let mut buf = [0u8; 4096];
        let _ = socket.read(&mut buf);
        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{\"record\":";
        let _ = socket.write_all(head.as_bytes());
        let _ = socket.flush();
        std::thread::sleep(Duration::from_secs(3));
    });
    url
}

#[tokio::test]
async fn stalled_body_gives_timeout() {
    let client = Client::builder()
        .bearer_token(TOKEN)
        .base_url(stalling_body_server())
        .timeout(Duration::from_millis(200))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();

    let started = Instant::now();
    let err = client.get_record(SCHEMA, RECORD_ID).await.unwrap_err();

    assert!(matches!(err, Error::Timeout), "expected Timeout, got {err:?}");
    assert!(started.elapsed() < Duration::from_secs(2), "the timeout did not cut the body: {:?}", started.elapsed());
}

// ---------------------------------------------------------------- connection errors

#[tokio::test]
async fn closed_port_gives_transport_error() {
    let client = client_with(&closed_port_url(), RetryPolicy::none());

    let err = client.get_record(SCHEMA, RECORD_ID).await.unwrap_err();

    match &err {
        Error::Transport(e) => assert!(e.is_connect(), "{e:?}"),
        other => panic!("expected Transport, got {other:?}"),
    }
    assert!(err.to_string().starts_with("transport error: "), "{err}");
    assert!(std::error::Error::source(&err).is_some());
}

#[tokio::test]
async fn connection_errors_are_retried() {
    // Attempt 1 waits [50, 100] ms, attempt 2 waits [100, 200] ms: three
    // attempts take at least 150 ms, a single one (refused on loopback) far less.
    let policy = RetryPolicy::default()
        .initial_backoff(Duration::from_millis(100))
        .max_backoff(Duration::from_millis(200))
        .max_attempts(3);
    let client = client_with(&closed_port_url(), policy);

    let started = Instant::now();
    let err = client.get_record(SCHEMA, RECORD_ID).await.unwrap_err();
    let elapsed = started.elapsed();

    assert!(matches!(&err, Error::Transport(e) if e.is_connect()), "{err:?}");
    assert!(elapsed >= Duration::from_millis(150), "no backoff between attempts: {elapsed:?}");
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
}

// ---------------------------------------------------------------- path encoding

#[tokio::test]
async fn path_param_is_encoded_into_one_segment() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(record_example()))
        .expect(1)
        .mount(&server)
        .await;

    let resp = client(&server, RetryPolicy::none()).get_record(SCHEMA, "a/b?c#d e ü~.-_").await.unwrap();

    assert_record(&resp);
    let sent = requests(&server).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].method, "GET");
    assert_eq!(sent[0].url.path(), "/objects/custom_objects.pet/records/a%2Fb%3Fc%23d%20e%20%C3%BC~.-_");
    assert_eq!(sent[0].url.query(), None);
    assert_eq!(sent[0].url.fragment(), None);
}

#[tokio::test]
async fn path_param_braces_cannot_inject_another_param() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(record_example()))
        .expect(1)
        .mount(&server)
        .await;

    client(&server, RetryPolicy::none()).get_record("{id}", "x").await.unwrap();

    assert_eq!(requests(&server).await[0].url.path(), "/objects/%7Bid%7D/records/x");
}

#[tokio::test]
async fn dot_segments_and_empty_path_params_are_refused_before_sending() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(record_example()))
        .expect(0)
        .mount(&server)
        .await;
    let client = client(&server, fast_retry());

    for bad in ["..", ".", ""] {
        for (schema, id) in [(SCHEMA, bad), (bad, RECORD_ID)] {
            match client.get_record(schema, id).await {
                Err(Error::InvalidRequest(message)) => {
                    assert!(message.contains(&format!("{bad:?}")), "message {message:?} for {schema:?}/{id:?}")
                }
                other => panic!("{schema:?}/{id:?}: expected InvalidRequest, got {other:?}"),
            }
        }
        match client.create_record(bad, create_body()).await {
            Err(Error::InvalidRequest(_)) => {}
            other => panic!("create {bad:?}: expected InvalidRequest, got {other:?}"),
        }
    }
    assert!(requests(&server).await.is_empty());
}

// ---------------------------------------------------------------- secrets

fn assert_no_token(what: &str, text: &str) {
    assert!(!text.contains(TOKEN), "{what} leaks the token: {text}");
    assert!(!text.contains("SECRET"), "{what} leaks part of the token: {text}");
}

fn assert_error_redacted<E: std::fmt::Debug + std::fmt::Display>(kind: &str, err: &Error<E>) {
    assert_no_token(&format!("Debug of {kind}"), &format!("{err:?}"));
    assert_no_token(&format!("Display of {kind}"), &format!("{err}"));
}

#[tokio::test]
async fn token_is_sent_but_never_printed() {
    let server = MockServer::start().await;
    let authorized =
        || Mock::given(method("GET")).and(path(RECORD_PATH)).and(header("authorization", format!("Bearer {TOKEN}")));
    // Each request is answered once, in this order: 400, 500, undecodable 200, slow 200.
    authorized()
        .respond_with(ResponseTemplate::new(400).set_body_json(bad_request_example()))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    authorized().respond_with(status(500)).up_to_n_times(1).expect(1).mount(&server).await;
    authorized()
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "record": { "id": 5 } })))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    authorized()
        .respond_with(ResponseTemplate::new(200).set_body_json(record_example()).set_delay(Duration::from_secs(2)))
        .expect(1)
        .mount(&server)
        .await;
    let builder = Client::builder().bearer_token(TOKEN).base_url(server.uri()).retry(RetryPolicy::none());
    assert_no_token("Debug of the builder", &format!("{builder:?}"));
    let client = builder.timeout(Duration::from_millis(200)).build().unwrap();
    assert_no_token("Debug of the client", &format!("{client:?}"));
    assert_no_token("Debug of the runtime client", &format!("{:?}", client.runtime()));
    assert_no_token("Debug of a request builder", &format!("{:?}", client.get_record(SCHEMA, RECORD_ID)));

    let api = client.get_record(SCHEMA, RECORD_ID).await.unwrap_err();
    assert!(matches!(api, Error::Api(_)), "{api:?}");
    assert_error_redacted("Api", &api);

    let unexpected = client.get_record(SCHEMA, RECORD_ID).await.unwrap_err();
    assert!(matches!(unexpected, Error::UnexpectedStatus(_)), "{unexpected:?}");
    assert_error_redacted("UnexpectedStatus", &unexpected);

    let decode = client.get_record(SCHEMA, RECORD_ID).await.unwrap_err();
    assert!(matches!(decode, Error::Decode(_)), "{decode:?}");
    assert_error_redacted("Decode", &decode);

    let timeout = client.get_record(SCHEMA, RECORD_ID).await.unwrap_err();
    assert!(matches!(timeout, Error::Timeout), "{timeout:?}");
    assert_error_redacted("Timeout", &timeout);

    let transport =
        client_with(&closed_port_url(), RetryPolicy::none()).get_record(SCHEMA, RECORD_ID).await.unwrap_err();
    assert!(matches!(transport, Error::Transport(_)), "{transport:?}");
    assert_error_redacted("Transport", &transport);

    let sent = requests(&server).await;
    assert_eq!(sent.len(), 4);
    for req in &sent {
        assert_eq!(header_str(req, "authorization"), Some(format!("Bearer {TOKEN}").as_str()));
        assert_eq!(header_str(req, "version"), Some("2021-07-28"));
    }
}

// ---------------------------------------------------------------- responses

#[tokio::test]
async fn status_and_headers_of_a_success_are_reachable() {
    let server = MockServer::start().await;
    get_always(
        &server,
        ResponseTemplate::new(200)
            .set_body_json(record_example())
            .insert_header("x-ratelimit-remaining", "99")
            .insert_header("x-ratelimit-limit-daily", "200000"),
        1,
    )
    .await;

    let resp = client(&server, RetryPolicy::none()).get_record(SCHEMA, RECORD_ID).await.unwrap();

    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["x-ratelimit-remaining"], "99");
    assert_eq!(resp.headers()["x-ratelimit-limit-daily"], "200000");
    assert_eq!(resp.headers()["content-type"], "application/json");
    assert_record(resp.body());
    let (status, headers, body) = resp.into_parts();
    assert_eq!(status, 200);
    assert_eq!(headers["x-ratelimit-remaining"], "99");
    assert_record(&body);
}

#[tokio::test]
async fn unexpected_status_carries_status_headers_and_body() {
    let server = MockServer::start().await;
    get_always(
        &server,
        ResponseTemplate::new(418).insert_header("x-request-id", "req-42").set_body_string("short and stout"),
        1,
    )
    .await;

    let err = client(&server, RetryPolicy::none()).get_record(SCHEMA, RECORD_ID).await.unwrap_err();

    assert_eq!(err.status().map(|s| s.as_u16()), Some(418));
    assert_eq!(err.headers().unwrap()["x-request-id"], "req-42");
    assert_eq!(err.body_text(), Some("short and stout"));
    assert!(err.api_body().is_none());
    match &err {
        Error::UnexpectedStatus(e) => {
            assert_eq!(e.status, 418);
            assert_eq!(e.headers["x-request-id"], "req-42");
            assert_eq!(e.body, "short and stout");
        }
        other => panic!("expected UnexpectedStatus, got {other:?}"),
    }
    let text = err.to_string();
    assert!(text.contains("418") && text.contains("short and stout"), "{text}");
}

/// GETs the record with `body` as a 200 response and returns the decode error.
async fn decode_error(body: Value) -> (Error<GetRecordError>, String) {
    let server = MockServer::start().await;
    let text = serde_json::to_string(&body).unwrap();
    get_always(
        &server,
        ResponseTemplate::new(200)
            .insert_header("x-request-id", "req-7")
            .set_body_raw(text.clone(), "application/json"),
        1,
    )
    .await;
    let err = client(&server, RetryPolicy::none()).get_record(SCHEMA, RECORD_ID).await.unwrap_err();
    (err, text)
}

#[tokio::test]
async fn decode_error_carries_status_headers_body_and_path() {
    let mut wrong_id = record_example();
    wrong_id["record"]["id"] = json!(12345);
    let mut wrong_properties = record_example();
    wrong_properties["record"]["properties"] = json!("customer_number=1424");
    let mut wrong_date = record_example();
    wrong_date["record"]["dateAdded"] = json!("yesterday");

    for (body, expected_path, message_part) in [
        (wrong_id, "record.id", "invalid type"),
        (wrong_properties, "record.properties", "invalid type"),
        (wrong_date, "record.dateAdded", ""),
    ] {
        let (err, text) = decode_error(body).await;
        match &err {
            Error::Decode(e) => {
                assert_eq!(e.status, 200);
                assert_eq!(e.headers["x-request-id"], "req-7");
                assert_eq!(e.body, text);
                assert_eq!(e.path, expected_path);
                assert!(e.message.contains(message_part), "{}", e.message);
            }
            other => panic!("expected Decode at {expected_path}, got {other:?}"),
        }
        assert_eq!(err.status().map(|s| s.as_u16()), Some(200));
        assert_eq!(err.body_text(), Some(text.as_str()));
        assert!(err.to_string().contains(&format!("`{expected_path}`")), "{err}");
    }
}

#[tokio::test]
async fn undecodable_declared_error_body_is_a_decode_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(CREATE_PATH))
        .respond_with(ResponseTemplate::new(400).set_body_raw("<html>Bad Gateway</html>", "text/html"))
        .expect(1)
        .mount(&server)
        .await;

    let err = client(&server, RetryPolicy::none()).create_record(SCHEMA, create_body()).await.unwrap_err();

    match &err {
        Error::<CreateRecordError>::Decode(e) => {
            assert_eq!(e.status, 400);
            assert_eq!(e.body, "<html>Bad Gateway</html>");
            assert_eq!(e.headers["content-type"], "text/html");
        }
        other => panic!("expected Decode, got {other:?}"),
    }
}

// ---------------------------------------------------------------- user agent

/// The version of the `crm-clients` package, from its manifest.
fn crm_clients_version() -> String {
    let manifest = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../generated/Cargo.toml")).unwrap();
    let line = manifest.lines().find(|l| l.starts_with("version = ")).expect("version line");
    line.trim_start_matches("version = ").trim_matches('"').to_string()
}

async fn seen_headers(builder: crm_clients::highlevel::objects::ClientBuilder) -> reqwest::header::HeaderMap {
    let server = MockServer::start().await;
    get_always(&server, ResponseTemplate::new(200).set_body_json(record_example()), 1).await;
    let client = builder.bearer_token(TOKEN).base_url(server.uri()).retry(RetryPolicy::none()).build().unwrap();
    assert_record(&client.get_record(SCHEMA, RECORD_ID).await.unwrap());
    let sent = requests(&server).await;
    assert_eq!(sent.len(), 1);
    sent[0].headers.clone()
}

#[tokio::test]
async fn default_user_agent_names_the_crate_and_version() {
    let headers = seen_headers(Client::builder()).await;
    assert_eq!(headers["user-agent"], format!("crm-clients/{}", crm_clients_version()).as_str());
}

#[tokio::test]
async fn user_agent_can_be_overridden() {
    let headers = seen_headers(Client::builder().user_agent("x/1")).await;
    assert_eq!(headers.get_all("user-agent").iter().collect::<Vec<_>>(), ["x/1"]);
}

#[tokio::test]
async fn user_supplied_http_client_is_used() {
    let mut defaults = reqwest::header::HeaderMap::new();
    defaults.insert("x-from-my-client", "yes".parse().unwrap());
    let http = reqwest::Client::builder().default_headers(defaults).build().unwrap();

    let headers = seen_headers(Client::builder().http_client(http)).await;

    assert_eq!(headers["x-from-my-client"], "yes");
    // The runtime still adds credentials and the operation's headers...
    assert_eq!(headers["authorization"], format!("Bearer {TOKEN}").as_str());
    assert_eq!(headers["version"], "2021-07-28");
    // ...but the user agent is the supplied client's business (it sets none).
    assert!(headers.get("user-agent").is_none(), "{:?}", headers.get("user-agent"));
}

// ---------------------------------------------------------------- builder

#[test]
fn invalid_base_url_is_a_build_error_naming_the_url() {
    for bad in ["not a url", "http://exa mple.com", "://missing-scheme"] {
        let err = Client::builder().bearer_token(TOKEN).base_url(bad).build().unwrap_err();
        match &err {
            BuildError::InvalidBaseUrl { url, message } => {
                assert_eq!(url, bad);
                assert!(!message.is_empty());
            }
            other => panic!("{bad:?}: expected InvalidBaseUrl, got {other:?}"),
        }
        let text = err.to_string();
        assert!(text.contains(bad), "{text}");
        assert_no_token("BuildError", &text);
    }
}

#[tokio::test]
async fn base_url_path_prefix_and_trailing_slash_are_kept_and_joined() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/proxy/v2{RECORD_PATH}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(record_example()))
        .expect(1)
        .mount(&server)
        .await;

    let client = client_with(&format!("{}/proxy/v2/", server.uri()), RetryPolicy::none());
    assert_eq!(client.runtime().base_url(), format!("{}/proxy/v2", server.uri()));
    assert_record(&client.get_record(SCHEMA, RECORD_ID).await.unwrap());
}
