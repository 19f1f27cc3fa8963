//! The span of each HTTP attempt, as a subscriber records it: named and
//! attributed after OpenTelemetry's HTTP client conventions, with the
//! query credential redacted, and the rate limiter's waits as its events.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crmgen_runtime::{
    ApiClient, Client, ClientBuilder, Credential, MemoryRateLimiter, Method, RateLimit, RateRule, Request, RetryPolicy,
};
use opentelemetry_semantic_conventions::attribute as semconv;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &str = "qk-live-SECRET-55e1d0";

struct Api(Client);

impl ApiClient for Api {
    fn from_runtime(client: Client) -> Self {
        Api(client)
    }
}

/// A span as recorded: its name and every field it was given.
#[derive(Debug, Clone, Default)]
struct SpanRecord {
    name: &'static str,
    fields: BTreeMap<String, String>,
    /// The events inside it: their fields, message included.
    events: Vec<BTreeMap<String, String>>,
}

/// Records every span and event; nothing else.
#[derive(Clone, Default)]
struct Recorder {
    spans: Arc<Mutex<Vec<SpanRecord>>>,
    next: Arc<AtomicU64>,
}

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_string(), value.to_string());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.insert(field.name().to_string(), format!("{value:?}"));
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, attrs: &Attributes<'_>) -> Id {
        let mut record = SpanRecord { name: attrs.metadata().name(), ..SpanRecord::default() };
        attrs.record(&mut Fields(&mut record.fields));
        let mut spans = self.spans.lock().unwrap();
        spans.push(record);
        self.next.fetch_add(1, Ordering::SeqCst);
        Id::from_u64(spans.len() as u64)
    }
    fn record(&self, span: &Id, values: &Record<'_>) {
        let mut spans = self.spans.lock().unwrap();
        values.record(&mut Fields(&mut spans[span.into_u64() as usize - 1].fields));
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        if let Some(parent) = event.parent() {
            self.spans.lock().unwrap()[parent.into_u64() as usize - 1].events.push(fields);
        }
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

impl Recorder {
    fn attempts(&self) -> Vec<SpanRecord> {
        self.spans.lock().unwrap().iter().filter(|s| s.name == "http_request").cloned().collect()
    }
}

fn builder(server: &MockServer) -> ClientBuilder<Api> {
    ClientBuilder::<Api>::new("https://api.example.test", &[])
        .base_url(server.uri())
        .credential("apiKey", Credential::query("api_key", SECRET))
        .retry(RetryPolicy::default().initial_backoff(Duration::from_millis(1)).max_backoff(Duration::from_millis(2)))
}

fn request() -> Request {
    Request::new(Method::GET, "/objects/{object}/records", &["apiKey"]).path("object", &"pets").query("limit", &10)
}

#[tokio::test]
async fn one_span_per_attempt_named_and_attributed_after_opentelemetry() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/objects/pets/records"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/objects/pets/records"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .mount(&server)
        .await;
    let recorder = Recorder::default();
    let _guard = tracing::subscriber::set_default(recorder.clone());
    let client = builder(&server).build().unwrap().0;
    let response = client.execute(&request()).await.unwrap();
    assert_eq!(response.status().as_u16(), 200);

    let spans = recorder.attempts();
    assert_eq!(spans.len(), 2, "one span for each attempt: {spans:#?}");
    let port = server.address().port().to_string();
    let url = format!("http://127.0.0.1:{port}/objects/pets/records?limit=10&api_key=REDACTED");
    let expected = |status: &str| {
        BTreeMap::from([
            ("otel.name".to_string(), "GET /objects/{object}/records".to_string()),
            ("otel.kind".to_string(), "client".to_string()),
            (semconv::HTTP_REQUEST_METHOD.to_string(), "GET".to_string()),
            (semconv::URL_TEMPLATE.to_string(), "/objects/{object}/records".to_string()),
            (semconv::SERVER_ADDRESS.to_string(), "127.0.0.1".to_string()),
            (semconv::SERVER_PORT.to_string(), port.clone()),
            (semconv::URL_FULL.to_string(), url.clone()),
            (semconv::HTTP_RESPONSE_STATUS_CODE.to_string(), status.to_string()),
        ])
    };
    let mut first = expected("503");
    first.insert(semconv::ERROR_TYPE.to_string(), "503".to_string());
    first.insert("otel.status_code".to_string(), "ERROR".to_string());
    assert_eq!(spans[0].fields, first);
    let mut second = expected("200");
    second.insert(semconv::HTTP_REQUEST_RESEND_COUNT.to_string(), "1".to_string());
    assert_eq!(spans[1].fields, second);

    let everything = format!("{:?}", recorder.spans.lock().unwrap());
    assert!(!everything.contains(SECRET), "the API key reached a span: {everything}");
}

#[tokio::test]
async fn secret_looking_query_values_and_transport_errors() {
    // Nothing listens on this port: the attempt fails to connect.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let recorder = Recorder::default();
    let _guard = tracing::subscriber::set_default(recorder.clone());
    let client = ClientBuilder::<Api>::new("https://api.example.test", &[])
        .base_url(format!("http://127.0.0.1:{port}"))
        .retry(RetryPolicy::default().max_attempts(1))
        .build()
        .unwrap()
        .0;
    let request = Request::new(Method::GET, "/oauth/callback", &[]).query("code", &SECRET).query("state", &"s1");
    assert!(client.execute(&request).await.is_err());
    let spans = recorder.attempts();
    assert_eq!(spans.len(), 1);
    let fields = &spans[0].fields;
    assert_eq!(
        fields.get(semconv::URL_FULL).map(String::as_str),
        Some(format!("http://127.0.0.1:{port}/oauth/callback?code=REDACTED&state=s1").as_str())
    );
    assert_eq!(fields.get(semconv::ERROR_TYPE).map(String::as_str), Some("connect"));
    assert!(!fields.contains_key(semconv::HTTP_RESPONSE_STATUS_CODE));
    assert!(!format!("{:?}", recorder.spans.lock().unwrap()).contains(SECRET));
}

#[tokio::test]
async fn rate_limit_waits_and_server_pauses_are_events_with_durations() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(200).set_body_string("{}")).mount(&server).await;
    let recorder = Recorder::default();
    let _guard = tracing::subscriber::set_default(recorder.clone());
    let limits = RateLimit::new().rule(RateRule::new(1, Duration::from_millis(300)));
    let client = builder(&server).rate_limit(limits).rate_limiter(MemoryRateLimiter::new()).build().unwrap().0;
    // The first attempt is refused with Retry-After: 1; its retry waits a
    // second, then the pause holds the second request back.
    client.execute(&request()).await.unwrap();
    client.execute(&request()).await.unwrap();
    let spans = recorder.attempts();
    assert_eq!(spans.len(), 3, "{spans:#?}");
    let pause_set = spans[0].events.iter().find(|e| e.contains_key("pause_ms")).expect("an event for the pause");
    assert_eq!(pause_set["pause_ms"], "1000");
    let waits: Vec<u64> =
        spans[1..].iter().flat_map(|s| s.events.iter()).filter_map(|e| e.get("wait_ms")?.parse().ok()).collect();
    // The retry waits out its own delay (not the limiter's); the second
    // request waits for the rule's turn, or for what is left of the pause.
    assert!(!waits.is_empty(), "no wait event: {spans:#?}");
    assert!(waits.iter().all(|w| *w <= 1100), "{waits:?}");
}

#[tokio::test]
async fn clients_of_one_backend_keep_one_bucket_per_key() {
    let server = MockServer::start().await;
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(200).set_body_string("{}")).mount(&server).await;
    let limiter = MemoryRateLimiter::new();
    let limits = RateLimit::new().rule(RateRule::new(1, Duration::from_secs(30)));
    let client = |key: &str| {
        builder(&server).rate_limit(limits.clone()).rate_limiter(limiter.clone()).rate_limit_key(key).build().unwrap().0
    };
    let (a, b, a_again) = (client("location-a"), client("location-b"), client("location-a"));
    // One request each for two keys goes at once: separate buckets.
    tokio::time::timeout(Duration::from_secs(5), async {
        a.execute(&request()).await.unwrap();
        b.execute(&request()).await.unwrap();
    })
    .await
    .expect("the second key waited for the first key's bucket");
    // A second client with the first key shares its bucket: it must wait.
    let shared = tokio::time::timeout(Duration::from_millis(500), a_again.execute(&request())).await;
    assert!(shared.is_err(), "a client with the same key went without waiting for the shared bucket");
}
