//! OAuth 2.0 credentials against a token endpoint and an API on loopback:
//! refresh before expiry, once on 401, one refresh for many callers,
//! rotation into the store, typed failures, and no secret in any output.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use crmgen_runtime::{
    async_trait, ApiClient, AuthErrorKind, BuildError, Client, ClientAuth, ClientBuilder, Credential, Error,
    MemoryTokenStore, Method, OAuth2, OAuth2Refresher, OAuth2Scheme, Request, RetryPolicy, Secret, StoreError,
    TokenExchange, TokenSet, TokenStore,
};
use wiremock::matchers::{body_string, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

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

fn builder(server: &MockServer) -> ClientBuilder<Api> {
    ClientBuilder::<Api>::new("https://api.invalid", &[]).base_url(server.uri()).retry(RetryPolicy::none())
}

fn refresh_grant(server: &MockServer) -> OAuth2 {
    OAuth2::refresh_token("client-1", "client-secret-S1", "refresh-R0").token_url(format!("{}/token", server.uri()))
}

fn api(server: &MockServer, oauth: impl Into<OAuth2Refresher>) -> Api {
    builder(server).credential("oauth", Credential::oauth2(SCHEME, oauth)).build().unwrap()
}

async fn get(api: &Api) -> Result<u16, Error<crmgen_runtime::NoErrorBody>> {
    let raw = api.0.execute(&Request::new(Method::GET, "/things", &["oauth"])).await?;
    Ok(raw.status().as_u16())
}

fn token(access: &str, expires_in: u64, refresh: Option<&str>) -> ResponseTemplate {
    let mut body = serde_json::json!({ "access_token": access, "token_type": "Bearer", "expires_in": expires_in });
    if let Some(r) = refresh {
        body["refresh_token"] = r.into();
    }
    ResponseTemplate::new(200).set_body_json(body)
}

/// The decoded form fields of a request body.
fn form(body: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(body).replace('+', " ");
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned();
            (decode(k), decode(v))
        })
        .collect()
}

fn field(fields: &[(String, String)], name: &str) -> Option<String> {
    fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
}

async fn token_requests(server: &MockServer) -> Vec<Vec<(String, String)>> {
    let all = server.received_requests().await.unwrap();
    all.iter().filter(|r| r.url.path() == "/token").map(|r| form(&r.body)).collect()
}

async fn api_auth_headers(server: &MockServer) -> Vec<String> {
    let all = server.received_requests().await.unwrap();
    all.iter()
        .filter(|r| r.url.path() != "/token")
        .map(|r| r.headers.get("authorization").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default())
        .collect()
}

async fn mount_api(server: &MockServer) {
    Mock::given(method("GET")).and(path("/things")).respond_with(ResponseTemplate::new(200)).mount(server).await;
}

#[tokio::test]
async fn a_token_is_reused_until_expiry_then_refreshed_once() {
    let server = MockServer::start().await;
    mount_api(&server).await;
    // Two seconds of life: with the margin capped at half the lifetime, the
    // token is replaced after one second.
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(token("access-A1", 2, None))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST")).and(path("/token")).respond_with(token("access-A2", 3600, None)).mount(&server).await;
    let api = api(&server, refresh_grant(&server));

    assert_eq!(get(&api).await.unwrap(), 200);
    assert_eq!(get(&api).await.unwrap(), 200);
    assert_eq!(token_requests(&server).await.len(), 1, "a valid token is not refreshed");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(get(&api).await.unwrap(), 200);
    assert_eq!(get(&api).await.unwrap(), 200);

    let tokens = token_requests(&server).await;
    assert_eq!(tokens.len(), 2, "{tokens:?}");
    for t in &tokens {
        assert_eq!(field(t, "grant_type").as_deref(), Some("refresh_token"));
        assert_eq!(field(t, "refresh_token").as_deref(), Some("refresh-R0"));
        assert_eq!(field(t, "client_id").as_deref(), Some("client-1"));
        assert_eq!(field(t, "client_secret").as_deref(), Some("client-secret-S1"));
    }
    assert_eq!(
        api_auth_headers(&server).await,
        ["Bearer access-A1", "Bearer access-A1", "Bearer access-A2", "Bearer access-A2"]
    );
}

#[tokio::test]
async fn a_401_refreshes_and_resends_the_same_post_once() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/things"))
        .and(header("authorization", "Bearer access-stale"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/things"))
        .and(header("authorization", "Bearer access-fresh"))
        .and(body_string(r#"{"name":"x"}"#))
        .respond_with(ResponseTemplate::new(201))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(token("access-fresh", 3600, None))
        .mount(&server)
        .await;
    // A token from the store that the server no longer accepts.
    let store = MemoryTokenStore::with(TokenSet {
        access_token: Some(Secret::new("access-stale")),
        expires_at: Some(SystemTime::now() + Duration::from_secs(3600)),
        refresh_token: Some(Secret::new("refresh-R0")),
        ..TokenSet::default()
    });
    let api = api(&server, refresh_grant(&server).store(store));

    let request =
        Request::new(Method::POST, "/things", &["oauth"]).json("application/json", &serde_json::json!({"name": "x"}));
    let raw = api.0.execute(&request).await.unwrap();
    assert_eq!(raw.status().as_u16(), 201);
    assert_eq!(token_requests(&server).await.len(), 1);
    let sent = server.received_requests().await.unwrap();
    let posts: Vec<_> = sent.iter().filter(|r| r.url.path() == "/things").collect();
    assert_eq!(posts.len(), 2);
    assert_eq!(posts[0].body, posts[1].body, "the same request is sent again");
}

#[tokio::test]
async fn a_401_with_a_new_token_is_handed_back_without_a_loop() {
    let server = MockServer::start().await;
    Mock::given(method("GET")).and(path("/things")).respond_with(ResponseTemplate::new(401)).mount(&server).await;
    Mock::given(method("POST")).and(path("/token")).respond_with(token("access-A1", 3600, None)).mount(&server).await;
    let api = api(&server, refresh_grant(&server));
    // The token was minted moments ago: the 401 is the API's answer.
    assert_eq!(get(&api).await.unwrap(), 401);
    assert_eq!(get(&api).await.unwrap(), 401);
    assert_eq!(token_requests(&server).await.len(), 1, "no token is minted for each 401");
    assert_eq!(api_auth_headers(&server).await.len(), 2, "a rejected fresh token is not sent again");
}

#[tokio::test]
async fn a_hundred_concurrent_calls_cause_one_token_request() {
    let server = MockServer::start().await;
    mount_api(&server).await;
    let slow = token("access-A1", 3600, None).set_delay(Duration::from_millis(300));
    Mock::given(method("POST")).and(path("/token")).respond_with(slow).mount(&server).await;
    let api = api(&server, refresh_grant(&server));

    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..100 {
        let api = api.clone();
        calls.spawn(async move { get(&api).await });
    }
    while let Some(done) = calls.join_next().await {
        assert_eq!(done.unwrap().unwrap(), 200);
    }
    assert_eq!(token_requests(&server).await.len(), 1);
    let auths = api_auth_headers(&server).await;
    assert_eq!(auths.len(), 100);
    assert!(auths.iter().all(|a| a == "Bearer access-A1"), "{auths:?}");
}

#[tokio::test]
async fn rotated_refresh_tokens_reach_the_store_and_are_used_next() {
    let server = MockServer::start().await;
    mount_api(&server).await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(token("access-A1", 2, Some("refresh-R1")))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(token("access-A2", 3600, Some("refresh-R2")))
        .mount(&server)
        .await;
    let store = MemoryTokenStore::new();
    let api = api(&server, refresh_grant(&server).store(store.clone()));

    get(&api).await.unwrap();
    let saved = store.get().unwrap();
    assert_eq!(saved.refresh_token.unwrap().expose(), "refresh-R1");
    assert_eq!(saved.access_token.unwrap().expose(), "access-A1");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    get(&api).await.unwrap();
    assert_eq!(store.get().unwrap().refresh_token.unwrap().expose(), "refresh-R2");
    let sent: Vec<_> = token_requests(&server).await.iter().map(|f| field(f, "refresh_token").unwrap()).collect();
    assert_eq!(sent, ["refresh-R0", "refresh-R1"]);
}

/// A store whose saves fail while `failing` is set.
#[derive(Debug, Default)]
struct FlakyStore {
    failing: AtomicBool,
    saved: Mutex<Option<TokenSet>>,
}

#[async_trait]
impl TokenStore for FlakyStore {
    async fn load(&self) -> Result<Option<TokenSet>, StoreError> {
        Ok(self.saved.lock().unwrap().clone())
    }
    async fn save(&self, tokens: &TokenSet) -> Result<(), StoreError> {
        if self.failing.load(Ordering::SeqCst) {
            return Err("the database is read-only".into());
        }
        *self.saved.lock().unwrap() = Some(tokens.clone());
        Ok(())
    }
}

#[tokio::test]
async fn a_failing_store_fails_the_refresh_and_the_tokens_wait_to_be_saved() {
    let server = MockServer::start().await;
    mount_api(&server).await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(token("access-A1", 3600, Some("refresh-R1")))
        .mount(&server)
        .await;
    let store = Arc::new(FlakyStore::default());
    store.failing.store(true, Ordering::SeqCst);
    let api = api(&server, refresh_grant(&server).store(Arc::clone(&store)));

    let err = get(&api).await.unwrap_err();
    let Error::Auth(auth) = &err else { panic!("not an auth error: {err}") };
    assert_eq!(auth.kind(), &AuthErrorKind::Store);
    assert!(err.to_string().contains("the database is read-only"), "{err}");
    assert!(api_auth_headers(&server).await.is_empty(), "no request goes out on unsaved tokens");

    // The store recovers: after the back-off, the tokens already received
    // are saved and used, without another token request.
    store.failing.store(false, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(get(&api).await.unwrap(), 200);
    assert_eq!(token_requests(&server).await.len(), 1);
    assert_eq!(store.saved.lock().unwrap().as_ref().unwrap().refresh_token.as_ref().unwrap().expose(), "refresh-R1");
    assert_eq!(api_auth_headers(&server).await, ["Bearer access-A1"]);
}

#[tokio::test]
async fn invalid_grant_is_typed_and_the_rejected_token_is_not_sent_again() {
    let server = MockServer::start().await;
    mount_api(&server).await;
    let refused = ResponseTemplate::new(400)
        .set_body_json(serde_json::json!({"error": "invalid_grant", "error_description": "token revoked"}));
    Mock::given(method("POST")).and(path("/token")).respond_with(refused).mount(&server).await;
    let api = api(&server, refresh_grant(&server));

    for _ in 0..2 {
        let err = get(&api).await.unwrap_err();
        let Error::Auth(auth) = &err else { panic!("not an auth error: {err}") };
        assert_eq!(auth.kind(), &AuthErrorKind::InvalidGrant);
        assert!(auth.needs_reauthorization());
        let text = err.to_string();
        assert!(text.contains("token revoked") && text.contains("authorize the application again"), "{text}");
    }
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let err = get(&api).await.unwrap_err();
    assert!(matches!(&err, Error::Auth(a) if a.kind() == &AuthErrorKind::InvalidGrant), "{err}");
    assert_eq!(token_requests(&server).await.len(), 1, "a rejected refresh token is never sent again");
    assert!(api_auth_headers(&server).await.is_empty());
}

#[tokio::test]
async fn server_errors_back_off_instead_of_looping() {
    let server = MockServer::start().await;
    mount_api(&server).await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST")).and(path("/token")).respond_with(token("access-A1", 3600, None)).mount(&server).await;
    let api = api(&server, refresh_grant(&server));
    for _ in 0..5 {
        let err = get(&api).await.unwrap_err();
        assert!(
            matches!(&err, Error::Auth(a) if a.kind() == &AuthErrorKind::Server { status: 503 } && a.is_transient()),
            "{err}"
        );
    }
    assert_eq!(token_requests(&server).await.len(), 1, "calls during the back-off fail fast");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(get(&api).await.unwrap(), 200);
    assert_eq!(token_requests(&server).await.len(), 2);
}

#[tokio::test]
async fn client_credentials_with_scopes_and_basic_client_auth() {
    let server = MockServer::start().await;
    mount_api(&server).await;
    Mock::given(method("POST")).and(path("/token")).respond_with(token("access-C1", 3600, None)).mount(&server).await;
    let oauth = OAuth2::client_credentials("client-1", "client-secret-S1")
        .scopes(["records:read", "records:write"])
        .client_auth(ClientAuth::Basic)
        .token_url(format!("{}/token", server.uri()));
    let api = api(&server, oauth);
    assert_eq!(get(&api).await.unwrap(), 200);
    let sent = server.received_requests().await.unwrap();
    let request = sent.iter().find(|r| r.url.path() == "/token").unwrap();
    let fields = form(&request.body);
    assert_eq!(field(&fields, "grant_type").as_deref(), Some("client_credentials"));
    assert_eq!(field(&fields, "scope").as_deref(), Some("records:read records:write"));
    assert_eq!(field(&fields, "client_secret"), None, "the secret goes in the header with basic auth");
    let basic = request.headers.get("authorization").unwrap().to_str().unwrap();
    assert!(basic.starts_with("Basic "), "{basic}");
    assert_eq!(api_auth_headers(&server).await, ["Bearer access-C1"]);
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

#[tokio::test]
async fn the_token_url_follows_the_server_variable_and_the_api_domain_the_base_url() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/crm/v7/things"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let body = serde_json::json!({"access_token": "access-Z1", "expires_in": 3600, "api_domain": server.uri()});
    Mock::given(method("POST"))
        .and(path("/eu/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    let urls: &'static [(&'static str, &'static str)] = Box::leak(Box::new([
        ("com", leak(format!("{}/com/token", server.uri()))),
        ("eu", leak(format!("{}/eu/token", server.uri()))),
    ]));
    let scheme = OAuth2Scheme::new("Zoho-oauthtoken", "https://accounts.invalid/token")
        .token_url_by_server_variable("dc", urls)
        .api_domain_field("api_domain", Box::leak(Box::new([leak(server.uri())])));
    let oauth = || OAuth2::refresh_token("client-1", "client-secret-S1", "refresh-R0");
    let new =
        || ClientBuilder::<Api>::new("https://www.zohoapis.{dc}/crm/v7", &[("dc", "com")]).retry(RetryPolicy::none());

    // No base URL override: the token's api_domain decides where calls go.
    let api: Api =
        new().server_variable("dc", "eu").credential("oauth", Credential::oauth2(scheme, oauth())).build().unwrap();
    assert_eq!(get(&api).await.unwrap(), 200);
    let sent = server.received_requests().await.unwrap();
    let paths: Vec<_> = sent.iter().map(|r| r.url.path().to_string()).collect();
    assert_eq!(paths, ["/eu/token", "/crm/v7/things"]);
    assert_eq!(sent[1].headers.get("authorization").unwrap(), "Zoho-oauthtoken access-Z1");

    let err = new()
        .server_variable("dc", "mars")
        .credential("oauth", Credential::oauth2(scheme, oauth()))
        .build()
        .unwrap_err();
    assert!(matches!(&err, BuildError::Credential { scheme: "oauth", .. }), "{err}");
    assert!(err.to_string().contains("`dc` = `mars` (known: com, eu)"), "{err}");
}

#[tokio::test]
async fn an_exchanged_token_is_minted_from_the_parent_token() {
    let server = MockServer::start().await;
    mount_api(&server).await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(token("access-agency", 3600, Some("refresh-R1")))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/exchange"))
        .and(header("authorization", "Bearer access-agency"))
        .and(header("version", "2021-07-28"))
        .respond_with(token("access-location", 3600, None))
        .mount(&server)
        .await;
    let exchange = TokenExchange::new(leak(format!("{}/exchange", server.uri())), &[("Version", "2021-07-28")]);
    let agency = OAuth2Refresher::from(refresh_grant(&server));
    let fields = vec![("companyId", "co-1".to_string()), ("locationId", "loc-1".to_string())];
    let api: Api = builder(&server)
        .credential("oauth", Credential::oauth2_exchange(SCHEME, exchange, agency.clone(), fields))
        .build()
        .unwrap();
    assert_eq!(get(&api).await.unwrap(), 200);
    let sent = server.received_requests().await.unwrap();
    let exchanged = sent.iter().find(|r| r.url.path() == "/exchange").unwrap();
    assert_eq!(form(&exchanged.body), [("companyId".into(), "co-1".into()), ("locationId".into(), "loc-1".into())]);
    let things: Vec<_> = sent.iter().filter(|r| r.url.path() == "/things").collect();
    assert_eq!(things[0].headers.get("authorization").unwrap(), "Bearer access-location");
}

#[tokio::test]
async fn no_secret_reaches_debug_output_or_tracing() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/things"))
        .and(header("authorization", "Bearer access-stale"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    mount_api(&server).await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(token("access-A1", 3600, Some("refresh-R1")))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    let refused = ResponseTemplate::new(400).set_body_json(serde_json::json!({"error": "invalid_grant"}));
    Mock::given(method("POST")).and(path("/token")).respond_with(refused).mount(&server).await;
    let store = MemoryTokenStore::with(TokenSet {
        access_token: Some(Secret::new("access-stale")),
        refresh_token: Some(Secret::new("refresh-R0")),
        ..TokenSet::default()
    });
    let oauth = refresh_grant(&server).store(store.clone()).rejected_token_interval(Duration::ZERO);
    let refresher = OAuth2Refresher::from(oauth.clone());
    let api = api(&server, refresher.clone());
    assert_eq!(get(&api).await.unwrap(), 200); // stale -> 401 -> refresh -> resend
                                               // A second client sharing the refresher meets an API that rejects the
                                               // new token too; the refresh that follows is refused.
    let err = {
        let request = Request::new(Method::GET, "/things", &["oauth"]);
        let server2 = MockServer::start().await;
        Mock::given(method("GET")).respond_with(ResponseTemplate::new(401)).mount(&server2).await;
        let rejecting: Api = ClientBuilder::<Api>::new("https://api.invalid", &[])
            .base_url(server2.uri())
            .credential("oauth", Credential::oauth2(SCHEME, refresher.clone()))
            .build()
            .unwrap();
        rejecting.0.execute(&request).await.unwrap_err()
    };
    assert!(matches!(&err, Error::Auth(a) if a.kind() == &AuthErrorKind::InvalidGrant), "{err}");

    let secrets = ["client-secret-S1", "refresh-R0", "refresh-R1", "access-stale", "access-A1"];
    let outputs = [
        format!("{api:?}"),
        format!("{oauth:?}"),
        format!("{refresher:?}"),
        format!("{:?}", store.get()),
        format!("{err:?}"),
        err.to_string(),
        format!("{:?}", builder(&server).credential("oauth", Credential::oauth2(SCHEME, oauth.clone()))),
    ];
    for out in &outputs {
        for s in secrets {
            assert!(!out.contains(s), "`{s}` in {out}");
        }
    }
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("requesting an access token") && logs.contains("refreshing it once"), "{logs}");
    for s in secrets {
        assert!(!logs.contains(s), "`{s}` in the logs:\n{logs}");
    }
}
