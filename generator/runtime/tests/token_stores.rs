//! The token stores shared by several processes, against the real servers:
//! PostgreSQL and Redis (from `.ci/services.sh`), and the file store. Each
//! store keeps the same contract: compare-and-save, an exclusive refresh
//! lease that expires, and refreshers on separate configurations (as in
//! separate processes) that share one rotating grant without a rejected
//! refresh token.
//!
//! Run: `eval "$(bash .ci/services.sh)"; cargo test -p crmgen-runtime --features redis,postgres --test token_stores`

use std::sync::Arc;
use std::time::Duration;

use crmgen_runtime::{
    ApiClient, Client, ClientBuilder, Credential, FileTokenStore, Method, OAuth2, OAuth2Scheme, PostgresTokenStore,
    RedisTokenStore, Request, RetryPolicy, Secret, TokenSet, TokenStore,
};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Respond, ResponseTemplate};

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: start the test servers with `eval \"$(bash .ci/services.sh)\"` and run again")
    })
}

fn grant_name(what: &str) -> String {
    format!("test:{what}:{}:{:x}", std::process::id(), fastrand::u64(..))
}

/// Two handles on one grant, as two processes would have.
async fn stores(kind: &str, what: &str) -> (Arc<dyn TokenStore>, Arc<dyn TokenStore>, Option<tempfile::TempDir>) {
    let grant = grant_name(what);
    match kind {
        "postgres" => {
            let url = env("CRMGEN_TEST_DATABASE_URL");
            let a = PostgresTokenStore::connect(&url, grant.clone()).await.unwrap();
            let b = PostgresTokenStore::connect(&url, grant).await.unwrap();
            (Arc::new(a), Arc::new(b), None)
        }
        "redis" => {
            let url = env("CRMGEN_TEST_REDIS_URL");
            let a = RedisTokenStore::connect(&url, &grant).await.unwrap();
            let b = RedisTokenStore::connect(&url, &grant).await.unwrap();
            (Arc::new(a), Arc::new(b), None)
        }
        _ => {
            let dir = tempfile::tempdir().unwrap();
            let file = dir.path().join("tokens.json");
            (Arc::new(FileTokenStore::new(&file)), Arc::new(FileTokenStore::new(&file)), Some(dir))
        }
    }
}

const KINDS: [&str; 3] = ["postgres", "redis", "file"];

fn set(refresh: &str, access: &str) -> TokenSet {
    TokenSet {
        refresh_token: Some(Secret::new(refresh)),
        access_token: Some(Secret::new(access)),
        ..TokenSet::default()
    }
}

#[tokio::test]
async fn compare_and_save_refuses_a_writer_that_refreshed_from_a_superseded_token() {
    for kind in KINDS {
        let (a, b, _dir) = stores(kind, "cas").await;
        assert!(a.load().await.unwrap().is_none(), "{kind}");
        let r0 = Secret::new("refresh-R0");
        // Empty: saved.
        assert!(a.save_if(Some(&r0), &set("refresh-R0", "A0")).await.unwrap(), "{kind}");
        // Two writers refreshed from R0; the first wins, the second is refused and writes nothing.
        assert!(a.save_if(Some(&r0), &set("refresh-R1", "A1")).await.unwrap(), "{kind}");
        assert!(!b.save_if(Some(&r0), &set("refresh-R1b", "A1b")).await.unwrap(), "{kind}");
        let stored = b.load().await.unwrap().unwrap();
        assert_eq!(stored.refresh_token, Some(Secret::new("refresh-R1")), "{kind}");
        assert_eq!(stored.access_token, Some(Secret::new("A1")), "{kind}");
        // No expected token: refused while one is stored.
        assert!(!b.save_if(None, &set("refresh-X", "X")).await.unwrap(), "{kind}");
        // A plain save always writes.
        b.save(&set("refresh-R2", "A2")).await.unwrap();
        assert_eq!(a.load().await.unwrap().unwrap().refresh_token, Some(Secret::new("refresh-R2")), "{kind}");
    }
}

#[tokio::test]
async fn the_refresh_lease_is_exclusive_across_handles_released_by_its_holder_only_and_expires() {
    for kind in KINDS {
        let (a, b, _dir) = stores(kind, "lease").await;
        let ttl = Duration::from_secs(30);
        let held = a.try_lease(ttl).await.unwrap().unwrap_or_else(|| panic!("{kind}: a free lease"));
        assert!(b.try_lease(ttl).await.unwrap().is_none(), "{kind}: two holders");
        assert!(a.try_lease(ttl).await.unwrap().is_none(), "{kind}: two holders through one handle");
        a.release(held).await.unwrap();
        let held = b.try_lease(Duration::from_millis(300)).await.unwrap().expect("released");
        if kind != "file" {
            // A holder that died: the lease expires by itself, and the late release of the dead holder
            // releases nothing of the next one's.
            tokio::time::sleep(Duration::from_millis(500)).await;
            let next = a.try_lease(ttl).await.unwrap().unwrap_or_else(|| panic!("{kind}: an expired lease"));
            b.release(held).await.unwrap();
            assert!(b.try_lease(ttl).await.unwrap().is_none(), "{kind}: a stale release freed the lease");
            a.release(next).await.unwrap();
        } else {
            // The file lease is the OS lock: it goes with its holder, whatever the ttl.
            drop(held);
            assert!(a.try_lease(ttl).await.unwrap().is_some(), "{kind}: a dropped lease");
        }
    }
}

#[tokio::test]
async fn postgres_migrations_run_concurrently_and_again_without_harm() {
    let url = env("CRMGEN_TEST_DATABASE_URL");
    let pool = sqlx::postgres::PgPoolOptions::new().max_connections(8).connect(&url).await.unwrap();
    let runs = (0..6).map(|_| PostgresTokenStore::migrate(&pool));
    for result in futures_util::future::join_all(runs).await {
        result.unwrap();
    }
}

/// A token endpoint that rotates the refresh token on every use and
/// rejects any refresh token but the latest.
struct Rotating {
    state: std::sync::Mutex<(u32, String)>,
    rejected: std::sync::atomic::AtomicUsize,
}

/// Shared with the test, which reads what it rejected.
struct Shared(Arc<Rotating>);

impl Respond for Shared {
    fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
        self.0.respond(request)
    }
}

impl Rotating {
    fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
        let body = String::from_utf8_lossy(&request.body).into_owned();
        let mut state = self.state.lock().unwrap();
        if !body.contains(&format!("refresh_token={}", state.1)) {
            self.rejected.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            return ResponseTemplate::new(400).set_body_json(serde_json::json!({"error": "invalid_grant"}));
        }
        state.0 += 1;
        state.1 = format!("refresh-R{}", state.0);
        ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "access_token": format!("access-A{}", state.0),
            "refresh_token": state.1,
            "expires_in": 3600,
        }))
    }
}

#[derive(Debug, Clone)]
struct Api(Client);

impl ApiClient for Api {
    fn from_runtime(client: Client) -> Self {
        Api(client)
    }
}

#[tokio::test]
async fn refreshers_of_separate_processes_share_one_rotating_grant_through_the_store() {
    for kind in KINDS {
        let server = MockServer::start().await;
        let rotating =
            Arc::new(Rotating { state: std::sync::Mutex::new((0, "refresh-R0".into())), rejected: Default::default() });
        Mock::given(method("POST"))
            .and(path("/token"))
            .respond_with(Shared(Arc::clone(&rotating)))
            .mount(&server)
            .await;
        Mock::given(method("GET")).and(path("/things")).respond_with(ResponseTemplate::new(200)).mount(&server).await;
        let (a, b, _dir) = stores(kind, "share").await;
        a.save(&TokenSet { refresh_token: Some(Secret::new("refresh-R0")), ..TokenSet::default() }).await.unwrap();
        // Eight "processes": each its own configuration, refresher and client.
        let mut clients = Vec::new();
        for i in 0..8 {
            let store = if i % 2 == 0 { Arc::clone(&a) } else { Arc::clone(&b) };
            let oauth = OAuth2::refresh_token_from_store("client-1", "secret-S1", store)
                .token_url(format!("{}/token", server.uri()));
            let api: Api = ClientBuilder::new("https://api.invalid", &[])
                .base_url(server.uri())
                .retry(RetryPolicy::none())
                .credential("oauth", Credential::oauth2(OAuth2Scheme::new("Bearer", "https://a.invalid/t"), oauth))
                .build()
                .unwrap();
            clients.push(api);
        }
        let calls = clients.iter().flat_map(|api| {
            (0..5).map(move |_| async move {
                api.0.execute(&Request::new(Method::GET, "/things", &["oauth"])).await.map(|r| r.status().as_u16())
            })
        });
        let results = futures_util::future::join_all(calls).await;
        let failed: Vec<_> = results.iter().filter(|r| !matches!(r, Ok(200))).collect();
        assert!(failed.is_empty(), "{kind}: {failed:?}");
        let tokens = server.received_requests().await.unwrap().iter().filter(|r| r.url.path() == "/token").count();
        assert_eq!(tokens, 1, "{kind}: one token request for eight refreshers sharing the store");
        assert_eq!(rotating.rejected.load(std::sync::atomic::Ordering::SeqCst), 0, "{kind}");
        let stored = a.load().await.unwrap().unwrap();
        assert_eq!(stored.refresh_token, Some(Secret::new("refresh-R1")), "{kind}: the rotated token is stored");
    }
}
