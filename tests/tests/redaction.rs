//! Secrets never reach `Debug`, `Display` or tracing output, whichever kind
//! of credential carries them: a token after a prefix (`Authorization:
//! Bearer`), an API key in a header, an API key in the query string, HTTP
//! basic auth, a token from a `CredentialSource`, OAuth 2.0 (refresh token
//! and client secret sent to the token endpoint, access token received).
//! Each kind gets the same checks, on a generated client
//! (`crm_clients::attio::records`, whose operations all require the
//! `bearer` scheme; the other kinds are set for that scheme through the
//! builder's `credential`): the secret is sent on the wire, and is absent
//! from the builder, the client, a request builder, every error kind (with
//! its chain of sources) and everything a tracing subscriber records.

use std::collections::BTreeSet;
use std::fmt::{Debug, Display};
use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use crm_clients::attio::records::{Client, ClientBuilder};
use crm_clients::runtime::{Credential, Error, OAuth2, OAuth2Scheme, RetryPolicy, Secret, StaticToken};
use futures_util::StreamExt;
use serde_json::json;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::FmtSpan;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockBuilder, MockServer, ResponseTemplate};

/// Unreserved characters only, so that its percent-encoded form is itself.
const SECRET: &str = "s3cr3t-Pa55word-7f9c";
const USER: &str = "integration-user";
/// The spec's security scheme.
const SCHEME: &str = "bearer";
const OBJECT: &str = "people";
const RECORD_ID: &str = "891dcbfc-9141-415d-9b2a-2238a6cc012d";
const RECORD_PATH: &str = "/objects/people/records/891dcbfc-9141-415d-9b2a-2238a6cc012d";
const ENTRIES_PATH: &str = "/objects/people/records/891dcbfc-9141-415d-9b2a-2238a6cc012d/entries";
const CLIENT_SECRET: &str = "client-5ecret-Qz81";
const REFRESH_TOKEN: &str = "refresh-70ken-Lm42";
const QUERY_KEY: &str = "api_key";
const HEADER_KEY: &str = "x-api-key";

/// The kinds of credential the runtime has.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// `Authorization: Bearer <secret>`, through the generated builder method.
    Token,
    /// `x-api-key: <secret>`.
    HeaderKey,
    /// `?api_key=<secret>`.
    QueryKey,
    /// `Authorization: Basic base64(user:secret)`.
    Basic,
    /// `Authorization: Bearer <secret>`, the token from a `CredentialSource`.
    Source,
    /// `Authorization: Bearer <secret>`, the access token an OAuth 2.0
    /// refresh-token grant obtained at `/token` of the same server.
    OAuth2,
}

impl Kind {
    /// A builder with this credential; OAuth 2.0 tokens come from `base_url`'s `/token`.
    fn builder(self, secret: &str, base_url: &str) -> ClientBuilder {
        let builder = Client::builder().retry(RetryPolicy::none()).base_url(base_url);
        match self {
            Kind::Token => builder.bearer_token(secret),
            Kind::HeaderKey => builder.credential(SCHEME, Credential::header(HEADER_KEY, secret)),
            Kind::QueryKey => builder.credential(SCHEME, Credential::query(QUERY_KEY, secret)),
            Kind::Basic => builder.credential(SCHEME, Credential::basic(USER, secret)),
            Kind::Source => builder.credential_source(SCHEME, "Bearer", Arc::new(StaticToken(Secret::new(secret)))),
            Kind::OAuth2 => {
                let oauth = OAuth2::refresh_token("client-id", CLIENT_SECRET, REFRESH_TOKEN)
                    .token_url(format!("{base_url}/token"));
                let scheme = OAuth2Scheme::new("Bearer", "https://auth.example/token");
                builder.credential(SCHEME, Credential::oauth2(scheme, oauth))
            }
        }
    }

    /// The error kinds a call with this credential can fail with.
    fn error_kinds(self) -> BTreeSet<&'static str> {
        let mut kinds = BTreeSet::from(ERROR_KINDS);
        if !matches!(self, Kind::OAuth2) {
            // Only a token that must be obtained can fail to be.
            kinds.remove("Auth");
        }
        kinds
    }

    /// A mock of a GET of `wire_path` that matches only if the credential is on the wire.
    fn authorized(self, wire_path: &str) -> MockBuilder {
        let mock = Mock::given(method("GET")).and(path(wire_path));
        match self {
            Kind::Token | Kind::Source | Kind::OAuth2 => {
                mock.and(header("authorization", format!("Bearer {SECRET}").as_str()))
            }
            Kind::HeaderKey => mock.and(header(HEADER_KEY, SECRET)),
            Kind::QueryKey => mock.and(query_param(QUERY_KEY, SECRET)),
            Kind::Basic => mock.and(header("authorization", format!("Basic {}", basic_value()).as_str())),
        }
    }
}

/// No query string but the query-string credential, if any.
fn query_is_empty() -> impl wiremock::Match {
    |request: &wiremock::Request| request.url.query_pairs().all(|(name, _)| name == QUERY_KEY)
}

/// The base64 form of the basic credential, as sent.
fn basic_value() -> String {
    BASE64.encode(format!("{USER}:{SECRET}"))
}

/// Every form in which the secret would betray itself in text.
fn assert_no_secret(what: &str, text: &str) {
    assert!(!text.contains(SECRET), "{what} leaks the secret: {text}");
    assert!(!text.contains(&SECRET[..12]), "{what} leaks part of the secret: {text}");
    assert!(!text.contains(&basic_value()), "{what} leaks the basic credential: {text}");
    assert!(!text.contains(CLIENT_SECRET), "{what} leaks the OAuth 2.0 client secret: {text}");
    assert!(!text.contains(REFRESH_TOKEN), "{what} leaks the OAuth 2.0 refresh token: {text}");
}

/// The kind of an error; exhaustive, so that a new kind must be added here.
fn error_kind<E>(err: &Error<E>) -> &'static str {
    match err {
        Error::Api(_) => "Api",
        Error::UnexpectedStatus(_) => "UnexpectedStatus",
        Error::UndecodedSuccess(_) => "UndecodedSuccess",
        Error::Decode(_) => "Decode",
        Error::Timeout => "Timeout",
        Error::BodyTooLarge(_) => "BodyTooLarge",
        Error::Item(_) => "Item",
        Error::Auth(_) => "Auth",
        Error::Transport(_) => "Transport",
        Error::InvalidRequest(_) => "InvalidRequest",
    }
}

const ERROR_KINDS: [&str; 10] = [
    "Api",
    "Auth",
    "BodyTooLarge",
    "Decode",
    "InvalidRequest",
    "Item",
    "Timeout",
    "Transport",
    "UndecodedSuccess",
    "UnexpectedStatus",
];

/// `Debug` and `Display` of the error and of each error in its chain of sources.
fn assert_error_redacted<E: Debug + Display>(kind: Kind, err: &Error<E>) -> &'static str {
    let name = error_kind(err);
    assert_no_secret(&format!("{kind:?}: Debug of {name}"), &format!("{err:?}"));
    assert_no_secret(&format!("{kind:?}: Display of {name}"), &format!("{err}"));
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        assert_no_secret(&format!("{kind:?}: Debug of a source of {name}"), &format!("{cause:?}"));
        assert_no_secret(&format!("{kind:?}: Display of a source of {name}"), &format!("{cause}"));
        source = cause.source();
    }
    name
}

/// A loopback URL nothing listens on.
fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().expect("its address").port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

fn record_id() -> uuid::Uuid {
    RECORD_ID.parse().expect("a UUID")
}

/// Everything a tracing subscriber at `TRACE` writes, spans included.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("the capture buffer")).into_owned()
    }
}

impl io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.lock().expect("the capture buffer").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

/// The secret is sent with every request, and appears nowhere else: not in
/// the builder, the client, a request builder, any kind of error, nor the
/// tracing output of the whole exchange.
async fn secret_is_sent_but_never_printed(kind: Kind) {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(captured.clone())
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(FmtSpan::FULL)
        .finish();
    // The test's runtime is single-threaded: every span of the client is
    // entered on this thread.
    let _tracing = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start().await;
    if let Kind::OAuth2 = kind {
        let token = json!({ "access_token": SECRET, "token_type": "Bearer", "expires_in": 3600 });
        Mock::given(method("POST"))
            .and(path("/token"))
            .respond_with(ResponseTemplate::new(200).set_body_json(token))
            // Once for each of the two clients below: each has its own refresher.
            .expect(2)
            .mount(&server)
            .await;
    }
    // Each request is answered once, in this order: a declared 404, an
    // undeclared 418, a 200 that does not decode, an undeclared 201 that
    // does not decode either, a 200 too slow, a 200 over the body limit.
    let not_found = json!({
        "status_code": 404, "type": "invalid_request_error", "code": "not_found", "message": "Record not found."
    });
    let answers = [
        ResponseTemplate::new(404).set_body_json(not_found),
        ResponseTemplate::new(418).set_body_string("I'm a teapot"),
        ResponseTemplate::new(200).set_body_json(json!({ "data": { "id": 5 } })),
        ResponseTemplate::new(201).set_body_json(json!({ "data": { "id": 5 } })),
        ResponseTemplate::new(200).set_body_json(json!({})).set_delay(Duration::from_secs(2)),
        ResponseTemplate::new(200).set_body_string("x".repeat(4096)),
    ];
    for answer in answers {
        kind.authorized(RECORD_PATH).respond_with(answer).up_to_n_times(1).expect(1).mount(&server).await;
    }
    // A page of entries whose only item does not decode, then the empty page that ends the stream.
    let broken = ResponseTemplate::new(200).set_body_json(json!({ "data": [{ "entry_id": "not a UUID" }] }));
    let entries = kind.authorized(ENTRIES_PATH);
    entries.and(query_is_empty()).respond_with(broken).expect(1).mount(&server).await;
    let empty = ResponseTemplate::new(200).set_body_json(json!({ "data": [] }));
    kind.authorized(ENTRIES_PATH)
        .and(wiremock::matchers::query_param("offset", "1"))
        .respond_with(empty)
        .expect(1)
        .mount(&server)
        .await;

    let builder = kind.builder(SECRET, &server.uri()).timeout(Duration::from_millis(300));
    assert_no_secret(&format!("{kind:?}: Debug of the builder"), &format!("{builder:?}"));
    let client = builder.build().expect("a client");
    assert_no_secret(&format!("{kind:?}: Debug of the client"), &format!("{client:?}"));
    assert_no_secret(&format!("{kind:?}: Debug of the runtime client"), &format!("{:?}", client.runtime()));
    let request = client.get_record(OBJECT, record_id());
    assert_no_secret(&format!("{kind:?}: Debug of a request builder"), &format!("{request:?}"));

    let mut seen = BTreeSet::new();
    for expected in ["Api", "UnexpectedStatus", "Decode", "UndecodedSuccess", "Timeout"] {
        let err = client.get_record(OBJECT, record_id()).await.expect_err(expected);
        assert_eq!(error_kind(&err), expected, "{kind:?}: {err:?}");
        seen.insert(assert_error_redacted(kind, &err));
    }
    let limited = kind.builder(SECRET, &server.uri()).body_limit(1024).build().expect("a client");
    let err = limited.get_record(OBJECT, record_id()).await.expect_err("over the body limit");
    assert!(matches!(&err, Error::BodyTooLarge(_)), "{kind:?}: {err:?}");
    seen.insert(assert_error_redacted(kind, &err));

    // Bounded: a stream that did not end would fail here rather than hang.
    let items: Vec<_> = client.list_record_entries(OBJECT, record_id()).stream().take(3).collect().await;
    match items.as_slice() {
        [Err(err @ Error::Item(_))] => seen.insert(assert_error_redacted(kind, err)),
        other => panic!("{kind:?}: expected one Error::Item, got {other:?}"),
    };

    // A connection refused: reqwest's error carries the request URL, with
    // the query-string key, unless the runtime strips it. (With OAuth 2.0,
    // the token endpoint is refused first: `Error::Auth`.)
    let closed = closed_port_url();
    let refused = kind.builder(SECRET, &closed).build().expect("a client");
    let err = refused.get_record(OBJECT, record_id()).await.expect_err("nothing listens");
    match (kind, &err) {
        (Kind::OAuth2, Error::Auth(_)) => {}
        (_, Error::Transport(e)) => assert!(e.is_connect(), "{kind:?}: {e:?}"),
        (_, other) => panic!("{kind:?}: expected a refused connection, got {other:?}"),
    }
    seen.insert(assert_error_redacted(kind, &err));
    if let Kind::OAuth2 = kind {
        // The API refused, with a token obtained.
        let token_only = MockServer::start().await;
        let token = json!({ "access_token": SECRET, "token_type": "Bearer", "expires_in": 3600 });
        Mock::given(method("POST"))
            .and(path("/token"))
            .respond_with(ResponseTemplate::new(200).set_body_json(token))
            .mount(&token_only)
            .await;
        let client = kind.builder(SECRET, &token_only.uri()).base_url(&closed).build().expect("a client");
        let err = client.get_record(OBJECT, record_id()).await.expect_err("nothing listens");
        assert!(matches!(&err, Error::Transport(e) if e.is_connect()), "{kind:?}: {err:?}");
        seen.insert(assert_error_redacted(kind, &err));
    }

    // Refused before sending (an empty path parameter).
    let err = client.get_record("", record_id()).await.expect_err("an empty object");
    assert!(matches!(&err, Error::InvalidRequest(_)), "{kind:?}: {err:?}");
    seen.insert(assert_error_redacted(kind, &err));

    assert_eq!(seen, kind.error_kinds(), "{kind:?}: every kind of error is checked");
    // Every mock matched: the credential was on the wire each time.
    server.verify().await;

    let output = captured.text();
    assert!(output.contains("http_request"), "{kind:?}: the client's spans were not captured: {output}");
    assert!(output.contains("/objects/{object}/records/{record_id}"), "{kind:?}: {output}");
    assert_no_secret(&format!("{kind:?}: the tracing output"), &output);
}

#[tokio::test]
async fn a_bearer_token_is_sent_but_never_printed() {
    secret_is_sent_but_never_printed(Kind::Token).await;
}

#[tokio::test]
async fn an_api_key_in_a_header_is_sent_but_never_printed() {
    secret_is_sent_but_never_printed(Kind::HeaderKey).await;
}

#[tokio::test]
async fn an_api_key_in_the_query_string_is_sent_but_never_printed() {
    secret_is_sent_but_never_printed(Kind::QueryKey).await;
}

#[tokio::test]
async fn basic_auth_is_sent_but_never_printed() {
    secret_is_sent_but_never_printed(Kind::Basic).await;
}

#[tokio::test]
async fn a_token_from_a_credential_source_is_sent_but_never_printed() {
    secret_is_sent_but_never_printed(Kind::Source).await;
}

#[tokio::test]
async fn oauth2_tokens_and_client_secret_are_sent_but_never_printed() {
    secret_is_sent_but_never_printed(Kind::OAuth2).await;
}

/// What the transport check above guards against: reqwest's own error for
/// the same refused request shows the whole URL, query-string key included.
#[tokio::test]
async fn a_transport_error_left_as_reqwest_makes_it_would_leak_the_query_key() {
    let url = format!("{}{RECORD_PATH}?{QUERY_KEY}={SECRET}", closed_port_url());
    let err = reqwest::Client::new().get(&url).send().await.expect_err("nothing listens");
    assert!(err.is_connect(), "{err:?}");
    assert!(format!("{err:?}").contains(SECRET), "reqwest's error no longer shows its URL: {err:?}");
    assert!(!format!("{:?}", err.without_url()).contains(SECRET));
}

/// A header credential that is not a valid header value is refused before
/// sending, without the value in the message.
#[tokio::test]
async fn an_invalid_header_credential_is_refused_without_echoing_it() {
    let server = MockServer::start().await;
    for kind in [Kind::Token, Kind::HeaderKey] {
        let client = kind.builder(&format!("{SECRET}\n"), &server.uri()).build().expect("a client");
        let err = client.get_record(OBJECT, record_id()).await.expect_err("an invalid header value");
        match &err {
            Error::InvalidRequest(message) => assert!(message.contains("not a valid header value"), "{message}"),
            other => panic!("{kind:?}: expected InvalidRequest, got {other:?}"),
        }
        assert_error_redacted(kind, &err);
    }
    assert_eq!(server.received_requests().await.expect("recording").len(), 0);
}
