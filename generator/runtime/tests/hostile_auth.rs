//! OAuth 2.0 credentials against token endpoints and stores that misbehave:
//! responses that omit the refresh token, redirect, never end, echo the
//! secrets they were sent, stall, or name an API domain of their choosing;
//! stores that hang, and grants rejected before a restart.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crmgen_runtime::{
    async_trait, ApiClient, AuthErrorKind, Client, ClientBuilder, Credential, Error, FileTokenStore, MemoryTokenStore,
    Method, OAuth2, OAuth2Refresher, OAuth2Scheme, Request, RetryPolicy, Secret, StoreError, TokenSet, TokenStore,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Respond, ResponseTemplate};

mod support;
use support::Captured;

#[derive(Debug, Clone)]
struct Api(Client);

impl ApiClient for Api {
    fn from_runtime(client: Client) -> Self {
        Api(client)
    }
}

const SCHEME: OAuth2Scheme = OAuth2Scheme::new("Bearer", "https://auth.invalid/token");
const CLIENT_SECRET: &str = "client-secret-S1-very-private";
const REFRESH: &str = "refresh-R0-very-private";

fn builder(server: &MockServer) -> ClientBuilder<Api> {
    ClientBuilder::<Api>::new("https://api.invalid", &[]).base_url(server.uri()).retry(RetryPolicy::none())
}

fn grant(token_url: String) -> OAuth2 {
    OAuth2::refresh_token("client-1", CLIENT_SECRET, REFRESH).token_url(token_url)
}

fn api(server: &MockServer, oauth: impl Into<OAuth2Refresher>) -> Api {
    builder(server).credential("oauth", Credential::oauth2(SCHEME, oauth)).build().unwrap()
}

async fn get(api: &Api) -> Result<u16, Error<crmgen_runtime::NoErrorBody>> {
    let raw = api.0.execute(&Request::new(Method::GET, "/things", &["oauth"])).await?;
    Ok(raw.status().as_u16())
}

fn token(body: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

async fn mount_api(server: &MockServer) {
    Mock::given(method("GET")).and(path("/things")).respond_with(ResponseTemplate::new(200)).mount(server).await;
}

async fn token_requests(server: &MockServer) -> Vec<String> {
    let all = server.received_requests().await.unwrap();
    all.iter().filter(|r| r.url.path() == "/token").map(|r| String::from_utf8_lossy(&r.body).into_owned()).collect()
}

fn auth_kind<E: std::fmt::Debug>(err: &Error<E>) -> AuthErrorKind {
    match err {
        Error::Auth(a) => a.kind().clone(),
        other => panic!("not an auth error: {other:?}"),
    }
}

// ------------------------------------------------ what the store keeps

#[tokio::test]
async fn a_refresh_that_does_not_rotate_keeps_the_refresh_token_and_the_fields_it_omits() {
    let server = MockServer::start().await;
    mount_api(&server).await;
    // Zoho never rotates: a refresh answers an access token and no refresh token.
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(token(serde_json::json!({"access_token": "access-A1", "expires_in": 0})))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tokens.json");
    let mut first = TokenSet {
        refresh_token: Some(Secret::new(REFRESH)),
        api_domain: Some("https://api.example".into()),
        ..TokenSet::default()
    };
    first.fields.insert("locationId".into(), "loc-1".into());
    FileTokenStore::new(&file).save(&first).await.unwrap();

    let url = format!("{}/token", server.uri());
    let oauth = OAuth2::refresh_token_from_store("client-1", CLIENT_SECRET, FileTokenStore::new(&file)).token_url(&url);
    assert_eq!(get(&api(&server, oauth)).await.unwrap(), 200);
    let saved = FileTokenStore::new(&file).load().await.unwrap().unwrap();
    assert_eq!(saved.access_token.as_ref().map(Secret::expose), Some("access-A1"));
    assert_eq!(saved.refresh_token.as_ref().map(Secret::expose), Some(REFRESH), "the refresh token was dropped");
    assert_eq!(saved.api_domain.as_deref(), Some("https://api.example"));
    assert_eq!(saved.fields.get("locationId").and_then(|v| v.as_str()), Some("loc-1"));

    // The next process starts from the file alone and can still refresh.
    let oauth = OAuth2::refresh_token_from_store("client-1", CLIENT_SECRET, FileTokenStore::new(&file)).token_url(&url);
    assert_eq!(get(&api(&server, oauth)).await.unwrap(), 200);
    let sent = token_requests(&server).await;
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert!(sent.iter().all(|b| b.contains(REFRESH)), "{sent:?}");
}

#[tokio::test]
async fn an_authorization_code_is_never_sent_again_after_a_refresh_that_did_not_rotate() {
    let server = MockServer::start().await;
    mount_api(&server).await;
    let exchange =
        token(serde_json::json!({"access_token": "access-A1", "expires_in": 0, "refresh_token": "refresh-R1"}));
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(wiremock::matchers::body_string_contains("grant_type=authorization_code"))
        .respond_with(exchange)
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(wiremock::matchers::body_string_contains("grant_type=refresh_token"))
        .respond_with(token(serde_json::json!({"access_token": "access-A2", "expires_in": 0})))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tokens.json");
    let url = format!("{}/token", server.uri());
    let code = || {
        OAuth2::authorization_code("client-1", CLIENT_SECRET, "code-C1")
            .token_url(&url)
            .store(FileTokenStore::new(&file))
    };
    let first = api(&server, code());
    assert_eq!(get(&first).await.unwrap(), 200, "the code is exchanged");
    assert_eq!(get(&first).await.unwrap(), 200, "the refresh token is used");
    // A restart, configured the same way: the store's refresh token is used, not the code.
    assert_eq!(get(&api(&server, code())).await.unwrap(), 200);
    let sent = token_requests(&server).await;
    assert_eq!(sent.iter().filter(|b| b.contains("code-C1")).count(), 1, "{sent:?}");
}

// ------------------------------------------------ token requests on the wire

#[tokio::test]
async fn a_token_endpoint_redirect_is_an_error_and_the_secrets_go_nowhere_else() {
    for status in [301, 302, 303, 307, 308] {
        let server = MockServer::start().await;
        let elsewhere = MockServer::start().await;
        mount_api(&server).await;
        Mock::given(method("POST"))
            .respond_with(token(serde_json::json!({"access_token": "stolen", "expires_in": 3600})))
            .mount(&elsewhere)
            .await;
        Mock::given(method("POST"))
            .and(path("/token"))
            .respond_with(
                ResponseTemplate::new(status)
                    .insert_header("location", format!("{}/token", elsewhere.uri()).as_str())
                    .set_body_string("redirect body with a secret: body-secret-X"),
            )
            .mount(&server)
            .await;
        let err = get(&api(&server, grant(format!("{}/token", server.uri())))).await.unwrap_err();
        assert!(elsewhere.received_requests().await.unwrap().is_empty(), "HTTP {status}: the token request followed");
        let text = format!("{err} {err:?}");
        assert!(text.contains(&status.to_string()) && text.contains("redirect"), "{text}");
        assert!(!text.contains("body-secret-X"), "{text}");
    }
}

/// A token endpoint on a raw socket that sends headers and then an endless
/// chunked body, counting the bytes it managed to write.
async fn endless_token_endpoint() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let written = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&written);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let count = Arc::clone(&count);
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let _ = socket.read(&mut buf).await;
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = format!("{:x}\r\n{}\r\n", 65536, "a".repeat(65536));
                let _ = socket.write_all(b"5\r\n{\"a\":\r\n").await;
                loop {
                    if socket.write_all(chunk.as_bytes()).await.is_err() {
                        return;
                    }
                    count.fetch_add(65536, Ordering::SeqCst);
                }
            });
        }
    });
    (format!("http://{addr}/token"), written)
}

#[tokio::test]
async fn an_endless_token_response_is_cut_at_the_limit_while_reading() {
    let server = MockServer::start().await;
    mount_api(&server).await;
    let (url, _written) = endless_token_endpoint().await;
    let api = builder(&server)
        .timeout(Duration::from_secs(20))
        .credential("oauth", Credential::oauth2(SCHEME, grant(url)))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = tokio::time::timeout(Duration::from_secs(10), get(&api))
        .await
        .expect("the client kept reading an endless token response")
        .unwrap_err();
    assert_eq!(auth_kind(&err), AuthErrorKind::MalformedResponse, "{err}");
    assert!(err.to_string().contains("byte limit"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn a_declared_length_over_the_limit_is_refused_before_reading() {
    let server = MockServer::start().await;
    mount_api(&server).await;
    let big = format!("{{\"access_token\":\"a\",\"pad\":\"{}\"}}", "x".repeat(200_000));
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(big, "application/json"))
        .mount(&server)
        .await;
    let err = get(&api(&server, grant(format!("{}/token", server.uri())))).await.unwrap_err();
    assert_eq!(auth_kind(&err), AuthErrorKind::MalformedResponse, "{err}");
}

/// Answers every token request with an error whose text echoes the request
/// body: raw, form-decoded, and as the error code itself.
struct Echo;

impl Respond for Echo {
    fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
        let raw = String::from_utf8_lossy(&request.body).into_owned();
        let decoded = percent_encoding::percent_decode_str(&raw.replace('+', " ")).decode_utf8_lossy().into_owned();
        ResponseTemplate::new(400).set_body_json(serde_json::json!({
            "error": format!("bad_{decoded}"),
            "error_description": format!("you sent {raw} which is {decoded}"),
        }))
    }
}

#[tokio::test]
async fn secrets_a_token_endpoint_echoes_back_are_redacted_from_errors_and_logs() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    // Global: a thread-local default can miss events whose callsites another test registered first.
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let server = MockServer::start().await;
    mount_api(&server).await;
    Mock::given(method("POST")).and(path("/token")).respond_with(Echo).mount(&server).await;
    // An exchange's parent token and an authorization code are secrets too.
    let code = OAuth2::authorization_code("client-1", CLIENT_SECRET, "code-C9-very-private")
        .token_url(format!("{}/token", server.uri()));
    for oauth in [grant(format!("{}/token", server.uri())), code] {
        let err = get(&api(&server, oauth)).await.unwrap_err();
        let text = format!("{err} {err:?}");
        assert!(text.contains("you sent"), "the server's text is still reported: {text}");
        for secret in [CLIENT_SECRET, REFRESH, "code-C9-very-private"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
    }
    let logs = String::from_utf8_lossy(&captured.0.lock().unwrap()).into_owned();
    assert!(logs.contains("token refresh failed"), "{logs}");
    for secret in [CLIENT_SECRET, REFRESH, "code-C9-very-private"] {
        assert!(!logs.contains(secret), "{secret} in the logs: {logs}");
    }
}

#[tokio::test]
async fn the_token_request_timeout_follows_the_client_timeout() {
    let server = MockServer::start().await;
    mount_api(&server).await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(
            token(serde_json::json!({"access_token": "late", "expires_in": 3600})).set_delay(Duration::from_secs(8)),
        )
        .mount(&server)
        .await;
    let oauth = grant(format!("{}/token", server.uri()));
    let api = builder(&server)
        .timeout(Duration::from_millis(300))
        .credential("oauth", Credential::oauth2(SCHEME, oauth))
        .build()
        .unwrap();
    let err = tokio::time::timeout(Duration::from_secs(5), get(&api))
        .await
        .expect("the token request ignored the client's timeout")
        .unwrap_err();
    assert_eq!(auth_kind(&err), AuthErrorKind::Network, "{err}");
    assert!(err.to_string().contains("timed out"), "{err}");

    // Set on the grant, it wins over the client's.
    let oauth = grant(format!("{}/token", server.uri())).token_timeout(Duration::from_millis(200));
    let api = builder(&server)
        .timeout(Duration::from_secs(60))
        .credential("oauth", Credential::oauth2(SCHEME, oauth))
        .build()
        .unwrap();
    let err =
        tokio::time::timeout(Duration::from_secs(5), get(&api)).await.expect("token_timeout ignored").unwrap_err();
    assert_eq!(auth_kind(&err), AuthErrorKind::Network, "{err}");
}

/// A store whose calls never return.
#[derive(Debug, Default)]
struct HangingStore;

#[async_trait]
impl TokenStore for HangingStore {
    async fn load(&self) -> Result<Option<TokenSet>, StoreError> {
        std::future::pending().await
    }
    async fn save(&self, _: &TokenSet) -> Result<(), StoreError> {
        std::future::pending().await
    }
}

#[tokio::test]
async fn a_store_that_never_answers_fails_the_call_after_the_store_timeout() {
    let server = MockServer::start().await;
    mount_api(&server).await;
    let oauth = grant(format!("{}/token", server.uri())).store(HangingStore).store_timeout(Duration::from_millis(200));
    let api = api(&server, oauth);
    let err = tokio::time::timeout(Duration::from_secs(5), get(&api))
        .await
        .expect("a hanging store blocked the call")
        .unwrap_err();
    assert_eq!(auth_kind(&err), AuthErrorKind::Store, "{err}");
    assert!(err.to_string().contains("timed out"), "{err}");
}

// ------------------------------------------------ rejected grants

#[tokio::test]
async fn a_rejected_refresh_token_is_recorded_in_the_store_and_not_sent_after_a_restart() {
    let server = MockServer::start().await;
    mount_api(&server).await;
    let refused = ResponseTemplate::new(400).set_body_json(serde_json::json!({"error": "invalid_grant"}));
    Mock::given(method("POST")).and(path("/token")).respond_with(refused).mount(&server).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tokens.json");
    let url = format!("{}/token", server.uri());
    let oauth = || grant(url.clone()).store(FileTokenStore::new(&file));
    let err = get(&api(&server, oauth())).await.unwrap_err();
    assert_eq!(auth_kind(&err), AuthErrorKind::InvalidGrant);
    // The restart: the same configuration, the same file.
    let err = get(&api(&server, oauth())).await.unwrap_err();
    assert_eq!(auth_kind(&err), AuthErrorKind::InvalidGrant, "{err}");
    assert!(matches!(&err, Error::Auth(a) if a.needs_reauthorization()));
    assert_eq!(token_requests(&server).await.len(), 1, "the rejected refresh token was sent again after a restart");
}

#[tokio::test]
async fn a_new_refresh_token_in_the_store_is_tried_at_once_during_a_back_off() {
    let server = MockServer::start().await;
    mount_api(&server).await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(wiremock::matchers::body_string_contains("refresh-NEW"))
        .respond_with(token(serde_json::json!({"access_token": "access-A2", "expires_in": 3600})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(serde_json::json!({"error": "invalid_grant"})))
        .mount(&server)
        .await;
    let store = MemoryTokenStore::new();
    let oauth = grant(format!("{}/token", server.uri())).store(store.clone()).max_backoff(Duration::from_secs(300));
    let api = api(&server, oauth);
    assert_eq!(auth_kind(&get(&api).await.unwrap_err()), AuthErrorKind::InvalidGrant);
    // The user authorizes the application again; the new grant lands in the store.
    let fresh = TokenSet { refresh_token: Some(Secret::new("refresh-NEW")), ..TokenSet::default() };
    store.save(&fresh).await.unwrap();
    assert_eq!(get(&api).await.unwrap(), 200, "the new refresh token waited out the back-off");
}

// ------------------------------------------------ the API domain a token names

#[tokio::test]
async fn an_api_domain_outside_the_allowed_ones_is_not_followed() {
    let api_server = MockServer::start().await;
    let evil = MockServer::start().await;
    mount_api(&api_server).await;
    mount_api(&evil).await;
    let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
    let scheme = OAuth2Scheme::new("Bearer", "https://auth.invalid/token").api_domain_field("api_domain", &[]);
    for (domain, expect_evil) in [(evil.uri(), false), ("https://evil.example".to_string(), false)] {
        let body = serde_json::json!({"access_token": "access-Z1", "expires_in": 3600, "api_domain": domain});
        Mock::given(method("POST")).and(path("/token")).respond_with(token(body)).mount(&api_server).await;
        let oauth = grant(format!("{}/token", api_server.uri()));
        // No base URL override: the spec's server is the loopback API server.
        let api = ClientBuilder::<Api>::new(leak(api_server.uri()), &[])
            .retry(RetryPolicy::none())
            .credential("oauth", Credential::oauth2(scheme, oauth))
            .build()
            .unwrap();
        assert_eq!(get(&api).await.unwrap(), 200);
        assert_eq!(!evil.received_requests().await.unwrap().is_empty(), expect_evil, "{domain}");
        api_server.reset().await;
        mount_api(&api_server).await;
    }
    // A domain the application allows is followed.
    let body = serde_json::json!({"access_token": "access-Z1", "expires_in": 3600, "api_domain": evil.uri()});
    Mock::given(method("POST")).and(path("/token")).respond_with(token(body)).mount(&api_server).await;
    let oauth = grant(format!("{}/token", api_server.uri())).allow_api_domain(evil.uri());
    let api = ClientBuilder::<Api>::new(leak(api_server.uri()), &[])
        .retry(RetryPolicy::none())
        .credential("oauth", Credential::oauth2(scheme, oauth))
        .build()
        .unwrap();
    assert_eq!(get(&api).await.unwrap(), 200);
    assert_eq!(evil.received_requests().await.unwrap().len(), 1);
}

// ------------------------------------------------ errors that compose

#[test]
fn the_runtime_errors_convert_into_a_boxed_error_with_the_question_mark() {
    fn store() -> Result<(), Box<dyn std::error::Error>> {
        let failed: Result<(), StoreError> = Err("the disk is full".into());
        failed?;
        Ok(())
    }
    fn store_send_sync() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let failed: Result<(), StoreError> = Err(StoreError::new(std::io::Error::other("gone")));
        failed?;
        Ok(())
    }
    fn call() -> Result<(), Box<dyn std::error::Error>> {
        let failed: Result<(), Error<crmgen_runtime::NoErrorBody>> = Err(Error::Timeout);
        failed?;
        Ok(())
    }
    fn build() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        ClientBuilder::<Api>::new("not a url", &[]).build()?;
        Ok(())
    }
    assert_eq!(store().unwrap_err().to_string(), "the disk is full");
    assert_eq!(store_send_sync().unwrap_err().to_string(), "gone");
    assert!(call().is_err() && build().is_err());
}

// ------------------------------------------------ API requests on a redirect

#[tokio::test]
async fn api_credentials_never_follow_a_redirect_to_another_origin() {
    let server = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(200)).mount(&elsewhere).await;
    Mock::given(method("GET"))
        .and(path("/things"))
        .respond_with(
            ResponseTemplate::new(307).insert_header("location", format!("{}/things", elsewhere.uri()).as_str()),
        )
        .mount(&server)
        .await;
    // A same-origin redirect is followed, credentials and all.
    Mock::given(method("GET"))
        .and(path("/moved"))
        .respond_with(ResponseTemplate::new(308).insert_header("location", "/things-here"))
        .mount(&server)
        .await;
    Mock::given(method("GET")).and(path("/things-here")).respond_with(ResponseTemplate::new(200)).mount(&server).await;
    let credentials = [
        ("key", Credential::header("x-api-key", "api-key-K1")),
        ("key", Credential::query("api_key", "api-key-K1")),
        ("key", Credential::token("Bearer", "api-key-K1")),
    ];
    for (scheme, credential) in credentials {
        let api = builder(&server).credential(scheme, credential).build().unwrap();
        let status = api.0.execute(&Request::new(Method::GET, "/things", &["key"])).await.unwrap().status();
        assert_eq!(status.as_u16(), 307, "the redirect to another origin is the answer");
        let moved = api.0.execute(&Request::new(Method::GET, "/moved", &["key"])).await.unwrap().status();
        assert_eq!(moved.as_u16(), 200);
    }
    assert!(elsewhere.received_requests().await.unwrap().is_empty(), "a credential went to another origin");
    let here = server.received_requests().await.unwrap();
    let followed: Vec<_> = here.iter().filter(|r| r.url.path() == "/things-here").collect();
    assert_eq!(followed.len(), 3);
    assert!(followed[0].headers.get("x-api-key").is_some_and(|v| v == "api-key-K1"));
}
