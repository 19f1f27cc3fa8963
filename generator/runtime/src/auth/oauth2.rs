//! OAuth 2.0 access tokens that renew themselves: the refresh-token,
//! client-credentials and authorization-code grants, and token exchanges
//! (HighLevel's location token minted from an agency token).
//!
//! The rules, in the order they apply:
//! - A token is used until `expires_in` minus a margin (default 60 s, at
//!   most half the token's lifetime); only then is a new one requested.
//!   Nothing refreshes a token that is still valid beyond the margin, so a
//!   vendor's limit on tokens per refresh token (Zoho: a handful per ten
//!   minutes) is never spent eagerly.
//! - One refresh at a time: concurrent calls wait for the refresh in
//!   flight and share its result.
//! - A 401 from the API refreshes once, unless the rejected token was
//!   minted less than [`OAuth2::rejected_token_interval`] ago; then the 401
//!   is handed back instead of minting tokens in a loop.
//! - A failed refresh is not retried in a loop: later calls fail fast with
//!   the same error during a back-off (1 s, doubling, at most
//!   [`OAuth2::max_backoff`]); a refresh token the server rejected
//!   (`invalid_grant`) is never sent again.
//! - With a [`TokenStore`], tokens are saved before they are used. If the
//!   save fails, the refresh fails: the new tokens stay in memory only to be
//!   saved again by the next call, which uses them once the save succeeds.
//!   No request goes out on a refresh token that exists nowhere but in this
//!   process, and none is lost while it runs.

use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use async_trait::async_trait;
use reqwest::header::{HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE};

use super::error::{AuthError, AuthErrorKind};
use super::secret::Secret;
use super::store::{RefreshLease, StoreError, TokenSet, TokenStore};
use super::{AccessToken, CredentialSource};
use crate::request::encode;

const DEFAULT_MARGIN: Duration = Duration::from_secs(60);
const DEFAULT_REJECTED_INTERVAL: Duration = Duration::from_secs(60);
const DEFAULT_MAX_BACKOFF: Duration = Duration::from_secs(300);
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
/// The token request timeout when neither the grant nor the client sets one.
const DEFAULT_TOKEN_TIMEOUT: Duration = Duration::from_secs(30);
const DEFAULT_STORE_TIMEOUT: Duration = Duration::from_secs(10);
/// Token responses are small; anything longer is not one.
const MAX_TOKEN_RESPONSE: u64 = 64 * 1024;
/// The longest text of the server's copied into an error or a log line.
const MAX_SERVER_TEXT: usize = 300;
/// Between two looks at the store while failed refreshes back off.
const STORE_RECHECK: Duration = Duration::from_secs(1);

/// What a spec says about an OAuth 2.0 security scheme: the header prefix,
/// the token URL (per server variable value when the authorization server
/// follows a data centre) and the token response field naming the API
/// domain. Generated clients build it; applications pass an [`OAuth2`].
#[derive(Debug, Clone, Copy)]
pub struct OAuth2Scheme {
    prefix: &'static str,
    token_url: &'static str,
    refresh_url: Option<&'static str>,
    by_variable: Option<(&'static str, &'static [(&'static str, &'static str)])>,
    api_domain_field: Option<&'static str>,
    api_domains: &'static [&'static str],
    error_aliases: &'static [(&'static str, &'static str)],
}

impl OAuth2Scheme {
    /// A scheme sending `Authorization: <prefix> <token>`, with tokens from `token_url`.
    pub const fn new(prefix: &'static str, token_url: &'static str) -> Self {
        OAuth2Scheme {
            prefix,
            token_url,
            refresh_url: None,
            by_variable: None,
            api_domain_field: None,
            api_domains: &[],
            error_aliases: &[],
        }
    }

    /// Where refresh-token grants go, when not the token URL.
    pub const fn refresh_url(mut self, url: &'static str) -> Self {
        self.refresh_url = Some(url);
        self
    }

    /// The token URL for each value of the server variable `name`.
    pub const fn token_url_by_server_variable(
        mut self,
        name: &'static str,
        urls: &'static [(&'static str, &'static str)],
    ) -> Self {
        self.by_variable = Some((name, urls));
        self
    }

    /// The token response field holding the API's origin (`api_domain`),
    /// and the origins it may name (`https://www.zohoapis.eu`): every origin
    /// of the spec's servers. A token naming another origin is used at the
    /// configured server instead, with a warning (a token endpoint must not
    /// be able to send the API's calls, and their token, anywhere it likes);
    /// [`OAuth2::allow_api_domain`] adds origins.
    pub const fn api_domain_field(mut self, field: &'static str, allowed: &'static [&'static str]) -> Self {
        self.api_domain_field = Some(field);
        self.api_domains = allowed;
        self
    }

    /// Vendor error codes and the standard code each means
    /// (`("invalid_code", "invalid_grant")`).
    pub const fn error_aliases(mut self, aliases: &'static [(&'static str, &'static str)]) -> Self {
        self.error_aliases = aliases;
        self
    }

    pub(crate) fn prefix(&self) -> &'static str {
        self.prefix
    }
}

/// A token endpoint that mints an access token from another one (HighLevel:
/// a location token from an agency token): the parent token goes in the
/// `Authorization` header, the form fields in the body.
#[derive(Debug, Clone, Copy)]
pub struct TokenExchange {
    url: &'static str,
    headers: &'static [(&'static str, &'static str)],
}

impl TokenExchange {
    /// An exchange at `url`, sending `headers` (an API version) with each request.
    pub const fn new(url: &'static str, headers: &'static [(&'static str, &'static str)]) -> Self {
        TokenExchange { url, headers }
    }
}

/// How the client id and secret reach the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// `client_id` and `client_secret` form fields (what HighLevel, Zoho and Attio document).
    Body,
    /// HTTP basic auth (RFC 6749, section 2.3.1).
    Basic,
}

#[derive(Clone)]
enum Grant {
    RefreshToken(Option<Secret>),
    ClientCredentials,
    AuthorizationCode { code: Secret, redirect_uri: Option<String> },
    Exchange { parent: OAuth2Refresher, prefix: &'static str, form: Vec<(String, String)> },
}

impl fmt::Debug for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Grant::RefreshToken(_) => f.write_str("refresh_token"),
            Grant::ClientCredentials => f.write_str("client_credentials"),
            Grant::AuthorizationCode { .. } => f.write_str("authorization_code"),
            Grant::Exchange { form, .. } => {
                let names: Vec<&str> = form.iter().map(|(k, _)| k.as_str()).collect();
                write!(f, "token exchange ({})", names.join(", "))
            }
        }
    }
}

/// How an application gets OAuth 2.0 tokens: the grant, the client, the
/// store. Pass it to a generated builder's `.oauth2(...)`; several clients
/// may share one with [`OAuth2Refresher::from`] and clones of the result.
#[derive(Clone)]
pub struct OAuth2 {
    grant: Grant,
    client_id: String,
    client_secret: Option<Secret>,
    client_auth: ClientAuth,
    scopes: Vec<String>,
    params: Vec<(String, String)>,
    store: Option<Arc<dyn TokenStore>>,
    token_url: Option<String>,
    margin: Duration,
    rejected_interval: Duration,
    max_backoff: Duration,
    token_timeout: Option<Duration>,
    store_timeout: Duration,
    api_domains: Vec<String>,
    http: Option<reqwest::Client>,
}

impl fmt::Debug for OAuth2 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuth2")
            .field("grant", &self.grant)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("scopes", &self.scopes)
            .field("store", &self.store)
            .field("token_url", &self.token_url)
            .finish_non_exhaustive()
    }
}

impl OAuth2 {
    fn with(grant: Grant, client_id: String, client_secret: Option<Secret>) -> Self {
        OAuth2 {
            grant,
            client_id,
            client_secret,
            client_auth: ClientAuth::Body,
            scopes: Vec::new(),
            params: Vec::new(),
            store: None,
            token_url: None,
            margin: DEFAULT_MARGIN,
            rejected_interval: DEFAULT_REJECTED_INTERVAL,
            max_backoff: DEFAULT_MAX_BACKOFF,
            token_timeout: None,
            store_timeout: DEFAULT_STORE_TIMEOUT,
            api_domains: Vec::new(),
            http: None,
        }
    }

    /// The refresh-token grant. With a [`store`](OAuth2::store), a refresh
    /// token found there wins over this one (it is the newer, rotated one).
    pub fn refresh_token(
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
        refresh_token: impl Into<Secret>,
    ) -> Self {
        OAuth2::with(Grant::RefreshToken(Some(refresh_token.into())), client_id.into(), Some(client_secret.into()))
    }

    /// The refresh-token grant with the refresh token kept in `store` (a
    /// service restarting on tokens it saved).
    pub fn refresh_token_from_store(
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
        store: impl TokenStore + 'static,
    ) -> Self {
        OAuth2::with(Grant::RefreshToken(None), client_id.into(), Some(client_secret.into())).store(store)
    }

    /// The client-credentials grant (machine-to-machine).
    pub fn client_credentials(client_id: impl Into<String>, client_secret: impl Into<Secret>) -> Self {
        OAuth2::with(Grant::ClientCredentials, client_id.into(), Some(client_secret.into()))
    }

    /// The authorization-code grant: `code` (from the redirect after the
    /// user approved) is exchanged once; a refresh token, if the server
    /// returns one, is used from then on. Give a store so the tokens survive
    /// a restart: a code can be exchanged only once.
    pub fn authorization_code(
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
        code: impl Into<Secret>,
    ) -> Self {
        let grant = Grant::AuthorizationCode { code: code.into(), redirect_uri: None };
        OAuth2::with(grant, client_id.into(), Some(client_secret.into()))
    }

    /// The redirect URI of the authorization-code grant, when the server wants it again.
    pub fn redirect_uri(mut self, uri: impl Into<String>) -> Self {
        if let Grant::AuthorizationCode { redirect_uri, .. } = &mut self.grant {
            *redirect_uri = Some(uri.into());
        }
        self
    }

    /// Keeps tokens in `store`: loaded before a refresh, saved before use.
    pub fn store(mut self, store: impl TokenStore + 'static) -> Self {
        self.store = Some(Arc::new(store));
        self
    }

    /// The scopes to ask for (client-credentials and authorization-code grants).
    pub fn scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// One more form field of every token request (HighLevel's `user_type`).
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.params.push((name.into(), value.into()));
        self
    }

    /// How the client id and secret are sent (default: form fields).
    pub fn client_auth(mut self, auth: ClientAuth) -> Self {
        self.client_auth = auth;
        self
    }

    /// Sends token requests here instead of the spec's token URL (tests, proxies).
    pub fn token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = Some(url.into());
        self
    }

    /// How long before expiry a token is replaced (default 60 s; at most half its lifetime).
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// A token the API rejects (401) is replaced only if it is at least this
    /// old (default 60 s); a younger one is not, and the 401 is returned.
    pub fn rejected_token_interval(mut self, interval: Duration) -> Self {
        self.rejected_interval = interval;
        self
    }

    /// The longest wait after failed refreshes before the next try (default 5 min).
    pub fn max_backoff(mut self, max: Duration) -> Self {
        self.max_backoff = max.max(FIRST_BACKOFF);
        self
    }

    /// How long one token request may take, connecting and reading
    /// included (default: the client's timeout, or 30 s without one).
    /// Calls waiting for a refresh wait at most this long for it.
    pub fn token_timeout(mut self, timeout: Duration) -> Self {
        self.token_timeout = Some(timeout);
        self
    }

    /// How long one call of the token store may take (default 10 s); a
    /// store that does not answer in time fails the refresh as a store
    /// error, as if it had failed.
    pub fn store_timeout(mut self, timeout: Duration) -> Self {
        self.store_timeout = timeout;
        self
    }

    /// Also follows a token's API domain when it names this origin (a test
    /// server, a proxy), besides the origins of the spec's servers.
    pub fn allow_api_domain(mut self, origin: impl Into<String>) -> Self {
        self.api_domains.push(origin.into());
        self
    }

    /// Sends token requests with this `reqwest::Client` (a proxy, a
    /// private root certificate). Token requests carry the client secret
    /// and the refresh token: build it with
    /// `.redirect(reqwest::redirect::Policy::none())`, as the default one
    /// is. A redirect answer is an error either way.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }
}

/// Where a refresher's token requests go: decided when the client is built.
#[derive(Debug)]
struct Endpoint {
    url: String,
    /// For refresh-token grants, when the spec names another URL.
    refresh_url: Option<String>,
    headers: &'static [(&'static str, &'static str)],
    api_domain_field: Option<&'static str>,
    /// The origins a token's API domain may name.
    api_domains: Vec<String>,
    error_aliases: &'static [(&'static str, &'static str)],
    /// The application's client for token requests, if it gave one.
    http: Option<reqwest::Client>,
    /// The client made on the first token request: it follows no redirect.
    own_http: OnceLock<reqwest::Client>,
    user_agent: String,
    timeout: Duration,
}

impl Endpoint {
    fn new(
        config: &OAuth2,
        scheme: &OAuth2Scheme,
        ctx: &BindContext<'_>,
        url: String,
        refresh_url: Option<String>,
        headers: &'static [(&'static str, &'static str)],
    ) -> Self {
        let mut api_domains: Vec<String> = scheme.api_domains.iter().map(|d| d.to_string()).collect();
        api_domains.extend(config.api_domains.iter().cloned());
        Endpoint {
            url,
            refresh_url,
            headers,
            api_domain_field: scheme.api_domain_field,
            api_domains,
            error_aliases: scheme.error_aliases,
            http: config.http.clone(),
            own_http: OnceLock::new(),
            user_agent: ctx.user_agent.to_string(),
            timeout: config.token_timeout.or(ctx.timeout).unwrap_or(DEFAULT_TOKEN_TIMEOUT),
        }
    }

    fn http(&self) -> Result<&reqwest::Client, AuthError> {
        if let Some(http) = &self.http {
            return Ok(http);
        }
        if let Some(http) = self.own_http.get() {
            return Ok(http);
        }
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(&self.user_agent)
            .build()
            .map_err(|e| AuthError::at(AuthErrorKind::Network, &self.url, Some(format!("no HTTP client: {e}"))))?;
        Ok(self.own_http.get_or_init(|| http))
    }

    /// `domain` if a token may send the API's calls there.
    fn allowed_domain(&self, domain: Option<&str>) -> Option<String> {
        let domain = domain?;
        let origin = origin_of(domain);
        if origin.is_some() && self.api_domains.iter().any(|allowed| origin_of(allowed) == origin) {
            return Some(domain.to_string());
        }
        tracing::warn!(
            api_domain = domain,
            "the token names an API domain the spec does not list; calls go to the configured server"
        );
        None
    }
}

fn origin_of(url: &str) -> Option<String> {
    reqwest::Url::parse(url).ok().map(|u| u.origin().ascii_serialization()).filter(|o| o != "null")
}

#[derive(Debug)]
struct Current {
    token: Secret,
    api_domain: Option<String>,
    /// When to stop using the token; `None` when it does not expire.
    refresh_at: Option<SystemTime>,
    /// When this process minted it; `None` for tokens from a store.
    minted: Option<Instant>,
}

#[derive(Debug)]
struct Failure {
    error: AuthError,
    until: Instant,
    count: u32,
    /// The refresh token of the failed refresh: a store that holds another
    /// one (the user authorized the application again) ends the back-off.
    refresh_token: Option<Secret>,
    /// When the store was last looked at during the back-off.
    checked: Instant,
}

#[derive(Debug, Default)]
struct State {
    current: Option<Current>,
    refresh_token: Option<Secret>,
    /// The authorization code was exchanged (it cannot be again).
    code_used: bool,
    /// Tokens received but not yet saved by the store, with the refresh
    /// token they were refreshed from.
    unsaved: Option<(TokenSet, Option<Secret>)>,
    /// The last refresh token the server rejected: never sent again.
    rejected: Option<Secret>,
    failure: Option<Failure>,
    /// Non-secret fields of the last token response.
    last: TokenSet,
}

struct Inner {
    config: OAuth2,
    endpoint: OnceLock<Endpoint>,
    state: Mutex<State>,
    refresh: tokio::sync::Mutex<()>,
}

/// The live token of one [`OAuth2`] configuration, refreshed as needed and
/// shared by every clone: clients given clones of one refresher share its
/// token and its single refresh in flight.
#[derive(Clone)]
pub struct OAuth2Refresher(Arc<Inner>);

impl fmt::Debug for OAuth2Refresher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuth2Refresher")
            .field("config", &self.0.config)
            .field("endpoint", &self.0.endpoint.get().map(|e| &e.url))
            .finish_non_exhaustive()
    }
}

impl From<OAuth2> for OAuth2Refresher {
    fn from(config: OAuth2) -> Self {
        let refresh_token = match &config.grant {
            Grant::RefreshToken(t) => t.clone(),
            _ => None,
        };
        OAuth2Refresher(Arc::new(Inner {
            config,
            endpoint: OnceLock::new(),
            state: Mutex::new(State { refresh_token, ..State::default() }),
            refresh: tokio::sync::Mutex::new(()),
        }))
    }
}

/// What a client builder knows when it binds a refresher to its endpoint.
pub(crate) struct BindContext<'a> {
    pub(crate) variables: &'a [(&'static str, String)],
    /// The client's per-attempt timeout.
    pub(crate) timeout: Option<Duration>,
    pub(crate) user_agent: &'a str,
    /// The spec's server URL, variables filled in.
    pub(crate) spec_url: &'a str,
    /// The base URL the application set instead (a proxy, a test server).
    pub(crate) base_url: Option<&'a str>,
}

impl BindContext<'_> {
    /// Token endpoints on the API's own server follow a base URL override,
    /// as the API does (HighLevel serves `/oauth/token` beside its API).
    fn follow(&self, url: &str) -> String {
        let origin = |u: &str| reqwest::Url::parse(u).ok().map(|u| u.origin().ascii_serialization());
        match (self.base_url, origin(url), origin(self.spec_url)) {
            (Some(base), Some(a), Some(b)) if a == b => match (origin(base), reqwest::Url::parse(url)) {
                (Some(new), Ok(parsed)) => format!("{new}{}", parsed.path()),
                _ => url.to_string(),
            },
            _ => url.to_string(),
        }
    }
}

impl OAuth2Refresher {
    /// Binds the refresher to the scheme's token endpoint (once; a shared
    /// refresher must always be bound to the same URL).
    pub(crate) fn bind(&self, scheme: &OAuth2Scheme, ctx: &BindContext<'_>) -> Result<(), String> {
        let (url, refresh_url) = match (&self.0.config.token_url, scheme.by_variable) {
            (Some(url), _) => (url.clone(), None),
            (None, Some((name, urls))) => {
                let value = ctx.variables.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_str()).unwrap_or("");
                let Some((_, url)) = urls.iter().find(|(v, _)| *v == value) else {
                    let known: Vec<&str> = urls.iter().map(|(v, _)| *v).collect();
                    return Err(format!(
                        "no token URL is known for the server variable `{name}` = `{value}` (known: {}); set one \
                         with `OAuth2::token_url`",
                        known.join(", ")
                    ));
                };
                (url.to_string(), None)
            }
            (None, None) => (ctx.follow(scheme.token_url), scheme.refresh_url.map(|u| ctx.follow(u))),
        };
        self.bind_endpoint(Endpoint::new(&self.0.config, scheme, ctx, url, refresh_url, &[]))
    }

    fn bind_endpoint(&self, endpoint: Endpoint) -> Result<(), String> {
        let url = endpoint.url.clone();
        let bound = self.0.endpoint.get_or_init(|| endpoint);
        if bound.url != url {
            return Err(format!(
                "this OAuth2 refresher already gets its tokens from {}; it cannot also use {url}",
                bound.url
            ));
        }
        Ok(())
    }

    /// A refresher minting tokens at `exchange` from this refresher's tokens.
    pub(crate) fn exchange(
        &self,
        scheme: &OAuth2Scheme,
        exchange: &TokenExchange,
        form: Vec<(String, String)>,
        ctx: &BindContext<'_>,
    ) -> Result<OAuth2Refresher, String> {
        self.bind(scheme, ctx)?;
        let grant = Grant::Exchange { parent: self.clone(), prefix: scheme.prefix, form };
        let parent = &self.0.config;
        let config = OAuth2 {
            token_timeout: parent.token_timeout,
            store_timeout: parent.store_timeout,
            api_domains: parent.api_domains.clone(),
            http: parent.http.clone(),
            ..OAuth2::with(grant, parent.client_id.clone(), None)
        };
        let endpoint = Endpoint::new(&config, scheme, ctx, ctx.follow(exchange.url), None, exchange.headers);
        let child = OAuth2Refresher::from(config);
        child.bind_endpoint(endpoint)?;
        Ok(child)
    }

    /// The token URL this refresher was bound to by the client that uses it.
    pub fn token_url(&self) -> Option<&str> {
        self.0.endpoint.get().map(|e| e.url.as_str())
    }

    /// The non-secret fields of the last token response (HighLevel's
    /// `companyId`, `locationId`, `userType`), once a token was obtained.
    pub fn token_fields(&self) -> serde_json::Map<String, serde_json::Value> {
        self.lock().last.fields.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.0.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn endpoint(&self) -> Result<&Endpoint, AuthError> {
        self.0.endpoint.get().ok_or_else(|| {
            AuthError::new(AuthErrorKind::Source, "the OAuth2 refresher is used by no client (it was never bound)")
        })
    }

    /// The current token, if it is still good to use.
    fn fresh(&self) -> Option<AccessToken> {
        let state = self.lock();
        if state.unsaved.is_some() {
            return None;
        }
        let current = state.current.as_ref()?;
        if current.refresh_at.is_some_and(|at| SystemTime::now() >= at) {
            return None;
        }
        Some(AccessToken { secret: current.token.clone(), api_domain: current.api_domain.clone() })
    }

    /// When to stop using a token that expires at `at`: the margin before
    /// it (at most half of what is left), less a random tenth of the margin
    /// so that processes sharing a grant do not all refresh in one instant.
    /// The same rule for tokens minted here and tokens read from a store.
    fn refresh_at(&self, at: SystemTime) -> SystemTime {
        let left = at.duration_since(SystemTime::now()).unwrap_or_default();
        let margin = self.0.config.margin.min(left / 2);
        let jitter = margin.mul_f64(fastrand::f64() * 0.1);
        at.checked_sub(margin + jitter).unwrap_or(at)
    }

    /// A store call, bounded by the store timeout.
    async fn store_call<T>(
        &self,
        what: &str,
        call: impl std::future::Future<Output = Result<T, StoreError>>,
    ) -> Result<T, AuthError> {
        let limit = self.0.config.store_timeout;
        match tokio::time::timeout(limit, call).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(AuthError::new(AuthErrorKind::Store, format!("{what}: {e}"))),
            Err(_) => Err(AuthError::new(AuthErrorKind::Store, format!("{what}: timed out after {limit:?}"))),
        }
    }

    /// Gets a new token; called with the refresh lock held.
    async fn renew(&self) -> Result<AccessToken, AuthError> {
        self.end_backoff_on_new_grant().await;
        if let Some(f) = &self.lock().failure {
            if Instant::now() < f.until {
                return Err(f.error.clone());
            }
        }
        let sent = self.lock().refresh_token.clone();
        let result = self.renew_now().await;
        let mut state = self.lock();
        match &result {
            Ok(_) => state.failure = None,
            Err(error) => {
                let count = state.failure.as_ref().map_or(1, |f| f.count + 1);
                let backoff = FIRST_BACKOFF.saturating_mul(1 << (count - 1).min(16)).min(self.0.config.max_backoff);
                tracing::warn!(error = %error, backoff = ?backoff, "token refresh failed");
                let now = Instant::now();
                let refresh_token = state.refresh_token.clone().or(sent);
                // The first call during the back-off looks at the store at once.
                let checked = now.checked_sub(STORE_RECHECK).unwrap_or(now);
                state.failure =
                    Some(Failure { error: error.clone(), until: now + backoff, count, refresh_token, checked });
            }
        }
        result
    }

    /// During a back-off, looks at the store (at most once a second): a
    /// refresh token other than the one that failed (the user authorized
    /// the application again) is tried at once.
    async fn end_backoff_on_new_grant(&self) {
        let Some(store) = &self.0.config.store else { return };
        let failed = {
            let state = self.lock();
            match &state.failure {
                Some(f) if Instant::now() < f.until && f.checked.elapsed() >= STORE_RECHECK => f.refresh_token.clone(),
                _ => return,
            }
        };
        if let Some(f) = &mut self.lock().failure {
            f.checked = Instant::now();
        }
        let Ok(Some(set)) = self.store_call("cannot load the tokens", store.load()).await else { return };
        if set.refresh_token.is_some() && set.refresh_token != failed && !set.refresh_token_rejected {
            tracing::info!("the token store holds a new refresh token; refreshing without waiting out the back-off");
            let mut state = self.lock();
            state.failure = None;
            state.refresh_token = set.refresh_token;
            state.rejected = None;
        }
    }

    async fn renew_now(&self) -> Result<AccessToken, AuthError> {
        // Tokens received earlier whose save failed: save them first.
        let unsaved = self.lock().unsaved.clone();
        if let Some((set, sent)) = unsaved {
            return self.keep(set, sent, None).await;
        }
        let endpoint = self.endpoint()?;
        let Some(store) = &self.0.config.store else {
            let sent = self.lock().refresh_token.clone();
            let set = self.request(endpoint).await?;
            return self.keep(set, sent, Some(Instant::now())).await;
        };
        // Tokens another process (or a restart) saved.
        if let Some(token) = self.load_and_adopt(store).await? {
            return Ok(token);
        }
        let lease = match self.lease(store, endpoint).await? {
            Leased::Held(lease) => lease,
            Leased::Adopted(token) => return Ok(token),
        };
        let result = self.refresh_under_lease(store, endpoint).await;
        if let Err(e) = self.store_call("cannot release the refresh lease", store.release(lease)).await {
            tracing::warn!(error = %e, "the refresh lease was not released; it expires by itself");
        }
        result
    }

    /// Loads the store and takes what it holds; the access token when it
    /// is good to use.
    async fn load_and_adopt(&self, store: &Arc<dyn TokenStore>) -> Result<Option<AccessToken>, AuthError> {
        let loaded = self.store_call("cannot load the tokens", store.load()).await?;
        Ok(loaded.and_then(|set| self.adopt(set)))
    }

    /// Takes the store's refresh lease, waiting (with jitter) while another
    /// process holds it; each wait ends with a look at the store, whose
    /// fresh token (the other process's refresh) ends the wait.
    async fn lease(&self, store: &Arc<dyn TokenStore>, endpoint: &Endpoint) -> Result<Leased, AuthError> {
        let store_timeout = self.0.config.store_timeout;
        // Long enough for one token request and the saves around it.
        let ttl = endpoint.timeout + store_timeout * 2 + Duration::from_secs(1);
        // Long enough for a dead holder's lease to expire.
        let deadline = Instant::now() + ttl * 2;
        let started = Instant::now();
        let mut pause = Duration::from_millis(20);
        loop {
            if let Some(lease) = self.store_call("cannot take the refresh lease", store.try_lease(ttl)).await? {
                if started.elapsed() >= pause {
                    tracing::debug!(waited = ?started.elapsed(), "took the refresh lease");
                }
                return Ok(Leased::Held(lease));
            }
            if Instant::now() >= deadline {
                // Waited too long: a token another process saved meanwhile is still good to use.
                if let Some(token) = self.load_and_adopt(store).await? {
                    return Ok(Leased::Adopted(token));
                }
                return Err(AuthError::new(
                    AuthErrorKind::Store,
                    format!("another process held the refresh lease for {:?}", started.elapsed()),
                ));
            }
            tracing::trace!("another process is refreshing; waiting for its tokens");
            tokio::time::sleep(pause + pause.mul_f64(fastrand::f64())).await;
            pause = (pause * 2).min(Duration::from_millis(400));
            if let Some(token) = self.load_and_adopt(store).await? {
                tracing::debug!(waited = ?started.elapsed(), "used the token another process refreshed");
                return Ok(Leased::Adopted(token));
            }
        }
    }

    async fn refresh_under_lease(
        &self,
        store: &Arc<dyn TokenStore>,
        endpoint: &Endpoint,
    ) -> Result<AccessToken, AuthError> {
        // Another process may have refreshed between our load and the lease.
        if let Some(token) = self.load_and_adopt(store).await? {
            return Ok(token);
        }
        let sent = self.lock().refresh_token.clone();
        match self.request(endpoint).await {
            Ok(set) => self.keep(set, sent, Some(Instant::now())).await,
            Err(e) if e.kind() == &AuthErrorKind::InvalidGrant && sent.is_some() => {
                // Rejected: unless the store holds another grant by now, the grant is dead.
                let stored = self.store_call("cannot load the tokens", store.load()).await?;
                if let Some(set) = stored.filter(|s| s.refresh_token.is_some() && s.refresh_token != sent) {
                    tracing::info!("the refresh token was rotated by another process; using the stored one");
                    {
                        let mut state = self.lock();
                        state.rejected = None;
                        state.refresh_token = set.refresh_token.clone();
                    }
                    if let Some(token) = self.adopt(set) {
                        return Ok(token);
                    }
                    let sent = self.lock().refresh_token.clone();
                    let set = self.request(endpoint).await?;
                    return self.keep(set, sent, Some(Instant::now())).await;
                }
                let mut record = self.lock().last.clone();
                record.access_token = None;
                record.expires_at = None;
                record.refresh_token = sent.clone();
                record.refresh_token_rejected = true;
                let saved = self.store_call("cannot record the rejected grant", store.save_if(sent.as_ref(), &record));
                if let Err(save) = saved.await {
                    tracing::warn!(error = %save, "the rejected grant was not recorded in the token store");
                }
                Err(e)
            }
            Err(e) => Err(e),
        }
    }

    /// Takes a stored token set: its refresh token, and its access token if still valid.
    fn adopt(&self, set: TokenSet) -> Option<AccessToken> {
        let endpoint = self.0.endpoint.get();
        let mut state = self.lock();
        if set.refresh_token.is_some() {
            state.refresh_token = set.refresh_token.clone();
            state.rejected = if set.refresh_token_rejected { set.refresh_token.clone() } else { None };
        }
        // What a later response omits is kept from here.
        state.last = TokenSet { access_token: None, expires_at: None, ..set.clone() };
        if set.refresh_token_rejected {
            return None;
        }
        let token = set.access_token.clone()?;
        let refresh_at = set.expires_at.map(|at| self.refresh_at(at));
        if refresh_at.is_some_and(|at| SystemTime::now() >= at) {
            return None;
        }
        if state.current.as_ref().is_some_and(|c| c.token == token) {
            // The store holds the token that was just found too old or rejected.
            return None;
        }
        let api_domain = endpoint.and_then(|e| e.allowed_domain(set.api_domain.as_deref()));
        let access = AccessToken { secret: token.clone(), api_domain: api_domain.clone() };
        state.current = Some(Current { token, api_domain, refresh_at, minted: None });
        state.last = set;
        Some(access)
    }

    /// Saves a token response over the tokens it replaces (when there is a
    /// store: only if the stored refresh token is still `sent`, the one it
    /// was refreshed from), then makes it current.
    async fn keep(
        &self,
        set: TokenSet,
        sent: Option<Secret>,
        minted: Option<Instant>,
    ) -> Result<AccessToken, AuthError> {
        let set = {
            let state = self.lock();
            let mut previous = state.last.clone();
            previous.refresh_token = state.refresh_token.clone().or(sent.clone());
            set.over(&previous)
        };
        if let Some(store) = &self.0.config.store {
            match self.store_call("cannot save the tokens", store.save_if(sent.as_ref(), &set)).await {
                Ok(true) => {}
                Ok(false) => {
                    // Another writer changed the grant (a re-authorization, or a
                    // refresh whose lease expired): its refresh token wins; this
                    // access token is good for this process.
                    tracing::warn!(
                        "the token store's refresh token changed during the refresh; keeping the stored one"
                    );
                    self.lock().unsaved = None;
                    return self.make_current(set, minted, true);
                }
                Err(e) => {
                    self.lock().unsaved = Some((set, sent));
                    return Err(e);
                }
            }
        }
        self.make_current(set, minted, false)
    }

    fn make_current(
        &self,
        set: TokenSet,
        minted: Option<Instant>,
        keep_refresh: bool,
    ) -> Result<AccessToken, AuthError> {
        let api_domain = self.endpoint().ok().and_then(|e| e.allowed_domain(set.api_domain.as_deref()));
        let refresh_at = set.expires_at.map(|at| self.refresh_at(at));
        let mut state = self.lock();
        state.unsaved = None;
        if set.refresh_token.is_some() && !keep_refresh {
            state.refresh_token = set.refresh_token.clone();
            state.rejected = None;
        }
        let token = set.access_token.clone().ok_or_else(|| {
            AuthError::new(AuthErrorKind::MalformedResponse, "the saved token set has no access token")
        })?;
        state.current = Some(Current { token: token.clone(), api_domain: api_domain.clone(), refresh_at, minted });
        state.last = set;
        Ok(AccessToken { secret: token, api_domain })
    }

    /// One token request to the endpoint.
    async fn request(&self, endpoint: &Endpoint) -> Result<TokenSet, AuthError> {
        let config = &self.0.config;
        let (grant_type, url, mut form, parent) = {
            let state = self.lock();
            match &config.grant {
                Grant::RefreshToken(_) => {
                    let Some(refresh_token) = state.refresh_token.clone() else {
                        return Err(AuthError::new(
                            AuthErrorKind::NotAuthorized,
                            "the token store holds no refresh token",
                        ));
                    };
                    if state.rejected.as_ref() == Some(&refresh_token) {
                        return Err(AuthError::at(
                            AuthErrorKind::InvalidGrant,
                            &endpoint.url,
                            Some("this refresh token was rejected before".into()),
                        ));
                    }
                    let url = endpoint.refresh_url.clone().unwrap_or_else(|| endpoint.url.clone());
                    let form = vec![("refresh_token".to_string(), refresh_token.expose().to_string())];
                    ("refresh_token", url, form, None)
                }
                Grant::AuthorizationCode { code, redirect_uri } => {
                    if let Some(refresh_token) = state.refresh_token.clone() {
                        if state.rejected.as_ref() == Some(&refresh_token) {
                            return Err(AuthError::at(
                                AuthErrorKind::InvalidGrant,
                                &endpoint.url,
                                Some("this refresh token was rejected before".into()),
                            ));
                        }
                        let url = endpoint.refresh_url.clone().unwrap_or_else(|| endpoint.url.clone());
                        let form = vec![("refresh_token".to_string(), refresh_token.expose().to_string())];
                        ("refresh_token", url, form, None)
                    } else if state.code_used {
                        return Err(AuthError::new(
                            AuthErrorKind::NotAuthorized,
                            "the authorization code was already exchanged and no refresh token was returned",
                        ));
                    } else {
                        let mut form = vec![("code".to_string(), code.expose().to_string())];
                        if let Some(uri) = redirect_uri {
                            form.push(("redirect_uri".to_string(), uri.clone()));
                        }
                        ("authorization_code", endpoint.url.clone(), form, None)
                    }
                }
                Grant::ClientCredentials => ("client_credentials", endpoint.url.clone(), Vec::new(), None),
                Grant::Exchange { parent, prefix, form } => {
                    ("", endpoint.url.clone(), form.clone(), Some((parent.clone(), *prefix)))
                }
            }
        };
        if let Grant::AuthorizationCode { .. } = &config.grant {
            if grant_type == "authorization_code" {
                self.lock().code_used = true;
            }
        }
        // Every secret this request carries: none may come back out of it.
        let mut secrets = Redactor::default();
        match &config.grant {
            Grant::RefreshToken(_) | Grant::AuthorizationCode { .. } => {
                for (k, v) in &form {
                    if k == "refresh_token" || k == "code" {
                        secrets.add(v);
                    }
                }
            }
            _ => {}
        }
        if let Some(secret) = &config.client_secret {
            secrets.add(secret.expose());
        }
        if parent.is_none() {
            form.insert(0, ("grant_type".to_string(), grant_type.to_string()));
            if config.client_auth == ClientAuth::Body {
                form.push(("client_id".to_string(), config.client_id.clone()));
                if let Some(secret) = &config.client_secret {
                    form.push(("client_secret".to_string(), secret.expose().to_string()));
                }
            }
            if !config.scopes.is_empty() && grant_type != "refresh_token" {
                form.push(("scope".to_string(), config.scopes.join(" ")));
            }
            form.extend(config.params.iter().cloned());
        }
        tracing::debug!(endpoint = %url, grant = ?config.grant, "requesting an access token");
        let started = Instant::now();
        let mut parent_token = match &parent {
            Some((p, _)) => Some(p.token().await?),
            None => None,
        };
        let encoded: String =
            form.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect::<Vec<_>>().join("&");
        let http = endpoint.http()?;
        let mut exchanged_once = false;
        loop {
            let mut rb = http.post(&url).timeout(endpoint.timeout).header(ACCEPT, "application/json");
            for (name, value) in endpoint.headers {
                rb = rb.header(*name, *value);
            }
            if parent.is_none() && config.client_auth == ClientAuth::Basic {
                rb = rb.basic_auth(&config.client_id, config.client_secret.as_ref().map(Secret::expose));
            }
            if let (Some((_, prefix)), Some(token)) = (&parent, &parent_token) {
                secrets.add(token.secret.expose());
                let mut value =
                    HeaderValue::from_str(&format!("{prefix} {}", token.secret.expose())).map_err(|_| {
                        AuthError::at(
                            AuthErrorKind::Source,
                            &url,
                            Some("the parent token is not a header value".into()),
                        )
                    })?;
                value.set_sensitive(true);
                rb = rb.header(AUTHORIZATION, value);
            }
            let send = rb.header(CONTENT_TYPE, "application/x-www-form-urlencoded").body(encoded.clone()).send();
            // The timeout covers reading the body too.
            let read = async {
                let resp = send.await?;
                let status = resp.status();
                Ok::<_, reqwest::Error>((status, crate::body::read_limited(resp, Some(MAX_TOKEN_RESPONSE)).await))
            };
            let (status, body) = match tokio::time::timeout(endpoint.timeout, read).await {
                Ok(Ok(read)) => read,
                Ok(Err(e)) => return Err(network(&url, e, &secrets)),
                Err(_) => {
                    let detail = format!("timed out after {:?}", endpoint.timeout);
                    return Err(AuthError::at(AuthErrorKind::Network, &url, Some(detail)));
                }
            };
            // The parent token was rejected: renew it once and exchange again.
            if status.as_u16() == 401 && !exchanged_once {
                if let (Some((p, _)), Some(token)) = (&parent, &parent_token) {
                    if let Some(next) = p.rejected(token).await? {
                        parent_token = Some(next);
                        exchanged_once = true;
                        continue;
                    }
                }
            }
            let body = match body {
                Ok(raw) => raw.body,
                Err(crate::Error::BodyTooLarge(e)) => {
                    let detail = format!("HTTP {status}, a body over the {}-byte limit of token responses", e.limit);
                    return Err(AuthError::at(AuthErrorKind::MalformedResponse, &url, Some(detail)));
                }
                Err(crate::Error::Transport(e)) => return Err(network(&url, e, &secrets)),
                Err(other) => {
                    let detail = secrets.clean(&other.to_string());
                    return Err(AuthError::at(AuthErrorKind::Network, &url, Some(detail)));
                }
            };
            let set = parse_response(status.as_u16(), &body, endpoint, &url, &secrets);
            if let Err(e) = &set {
                if e.kind() == &AuthErrorKind::InvalidGrant {
                    let mut state = self.lock();
                    state.rejected = state.refresh_token.clone();
                }
            }
            let set = set?;
            tracing::debug!(
                endpoint = %url,
                expires_at = ?set.expires_at,
                rotated = set.refresh_token.is_some(),
                took = ?started.elapsed(),
                "received an access token"
            );
            return Ok(set);
        }
    }
}

/// What [`OAuth2Refresher::lease`] ended with.
enum Leased {
    Held(RefreshLease),
    Adopted(AccessToken),
}

/// The secrets a token request carried, in every form a server could echo
/// them in (as sent, form-encoded, inside the basic-auth value), to be
/// taken out of any text copied from its response.
#[derive(Default)]
struct Redactor {
    secrets: Vec<String>,
}

impl Redactor {
    fn add(&mut self, secret: &str) {
        if secret.is_empty() {
            return;
        }
        let encoded = encode(secret).to_string();
        for form in [secret.to_string(), encoded.replace("%20", "+"), encoded] {
            if !self.secrets.contains(&form) {
                self.secrets.push(form);
            }
        }
        // Longest first, so that no shorter form leaves part of a longer one.
        self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }

    /// `text` without the secrets, control characters or excess length.
    fn clean(&self, text: &str) -> String {
        let mut text: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
        for secret in &self.secrets {
            if text.contains(secret.as_str()) {
                text = text.replace(secret.as_str(), "<redacted>");
            }
        }
        if text.len() > MAX_SERVER_TEXT {
            let mut end = MAX_SERVER_TEXT;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text.truncate(end);
            text.push_str("...");
        }
        text
    }
}

fn network(url: &str, e: reqwest::Error, secrets: &Redactor) -> AuthError {
    let kind = if e.is_timeout() { "timed out" } else { "connection failed" };
    let e = e.without_url();
    let mut detail = format!("{kind}: {e}");
    let mut source = std::error::Error::source(&e);
    while let Some(cause) = source {
        detail.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    AuthError::at(AuthErrorKind::Network, url, Some(secrets.clean(&detail)))
}

/// Reads a token response. Error bodies are read whatever the status (Zoho
/// answers 200 with `{"error": "invalid_code"}`); the body itself never
/// goes into an error, as it may hold tokens, and the server's error text
/// is copied only with the request's secrets taken out.
fn parse_response(
    status: u16,
    body: &[u8],
    endpoint: &Endpoint,
    url: &str,
    secrets: &Redactor,
) -> Result<TokenSet, AuthError> {
    let malformed = |detail: String| AuthError::at(AuthErrorKind::MalformedResponse, url, Some(detail));
    if body.len() as u64 > MAX_TOKEN_RESPONSE {
        return Err(malformed(format!("HTTP {status}, a body of {} bytes", body.len())));
    }
    if (300..400).contains(&status) {
        return Err(AuthError::at(
            AuthErrorKind::Refused { error: format!("HTTP {status}") },
            url,
            Some("the token endpoint answered with a redirect, which token requests never follow".into()),
        ));
    }
    let json: Option<serde_json::Map<String, serde_json::Value>> = serde_json::from_slice(body).ok();
    let error = json.as_ref().and_then(|j| j.get("error")).and_then(|e| e.as_str());
    if let Some(error) = error {
        let description = json
            .as_ref()
            .and_then(|j| j.get("error_description").or_else(|| j.get("message")))
            .and_then(|d| d.as_str())
            .map(|d| format!(": {}", secrets.clean(d)))
            .unwrap_or_default();
        let standard = endpoint.error_aliases.iter().find(|(alias, _)| *alias == error).map_or(error, |(_, s)| *s);
        let error = secrets.clean(error);
        let kind = match standard {
            "invalid_grant" => AuthErrorKind::InvalidGrant,
            "invalid_client" => AuthErrorKind::InvalidClient,
            "too_many_requests" | "slow_down" => AuthErrorKind::TooManyRequests,
            _ if status == 429 => AuthErrorKind::TooManyRequests,
            _ if status >= 500 => AuthErrorKind::Server { status },
            _ => AuthErrorKind::Refused { error: error.clone() },
        };
        let detail = match &kind {
            AuthErrorKind::InvalidGrant | AuthErrorKind::InvalidClient | AuthErrorKind::TooManyRequests
                if error != standard =>
            {
                format!(" {error}{description}")
            }
            AuthErrorKind::InvalidGrant | AuthErrorKind::InvalidClient | AuthErrorKind::TooManyRequests => {
                description.trim_start_matches(':').into()
            }
            _ => description,
        };
        let detail = detail.trim();
        return Err(AuthError::at(kind, url, (!detail.is_empty()).then(|| detail.to_string())));
    }
    if status == 429 {
        return Err(AuthError::at(AuthErrorKind::TooManyRequests, url, None));
    }
    if status >= 500 {
        return Err(AuthError::at(AuthErrorKind::Server { status }, url, None));
    }
    if !(200..300).contains(&status) {
        return Err(AuthError::at(
            AuthErrorKind::Refused { error: format!("HTTP {status}") },
            url,
            Some("the response carries no OAuth 2.0 error code".into()),
        ));
    }
    let Some(mut json) = json else {
        return Err(malformed(format!("HTTP {status}, the body is not a JSON object")));
    };
    let Some(access_token) = json.remove("access_token") else {
        return Err(malformed("no `access_token` field".into()));
    };
    let serde_json::Value::String(access_token) = access_token else {
        return Err(malformed("`access_token` is not a string".into()));
    };
    let expires_in = match json.remove("expires_in") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::Number(n)) => n.as_f64().filter(|s| *s >= 0.0),
        Some(serde_json::Value::String(s)) => s.trim().parse::<f64>().ok().filter(|s| *s >= 0.0),
        Some(_) => return Err(malformed("`expires_in` is not a number of seconds".into())),
    };
    let expires_at = expires_in.map(|secs| SystemTime::now() + Duration::from_secs_f64(secs.min(1e9)));
    let refresh_token = match json.remove("refresh_token") {
        Some(serde_json::Value::String(t)) if !t.is_empty() => Some(Secret::new(t)),
        _ => None,
    };
    json.remove("id_token");
    let api_domain = endpoint.api_domain_field.and_then(|f| json.get(f)).and_then(|d| d.as_str()).map(str::to_string);
    let scope = json.get("scope").and_then(|s| s.as_str()).map(str::to_string);
    Ok(TokenSet {
        access_token: Some(Secret::new(access_token)),
        expires_at,
        refresh_token,
        api_domain,
        scope,
        fields: json,
        refresh_token_rejected: false,
    })
}

#[async_trait]
impl CredentialSource for OAuth2Refresher {
    async fn token(&self) -> Result<AccessToken, AuthError> {
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        let _guard = self.0.refresh.lock().await;
        // Another call may have refreshed while this one waited.
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        self.renew().await
    }

    async fn rejected(&self, rejected: &AccessToken) -> Result<Option<AccessToken>, AuthError> {
        let _guard = self.0.refresh.lock().await;
        {
            let mut state = self.lock();
            match &mut state.current {
                Some(current) if current.token != rejected.secret => {
                    // Already replaced by another call.
                    drop(state);
                    return Ok(self.fresh());
                }
                Some(current) if current.minted.is_some_and(|m| m.elapsed() < self.0.config.rejected_interval) => {
                    tracing::warn!("the API rejected an access token minted moments ago; not refreshing again");
                    return Ok(None);
                }
                // Kept, marked expired, so that the same token is not taken back from the store.
                Some(current) => current.refresh_at = Some(SystemTime::UNIX_EPOCH),
                None => {}
            }
        }
        tracing::debug!("the API rejected the access token; refreshing it once");
        self.renew().await.map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint() -> Endpoint {
        Endpoint {
            url: "https://auth.test/token".into(),
            refresh_url: None,
            headers: &[],
            api_domain_field: Some("api_domain"),
            api_domains: Vec::new(),
            error_aliases: &[("invalid_code", "invalid_grant")],
            http: None,
            own_http: OnceLock::new(),
            user_agent: String::new(),
            timeout: DEFAULT_TOKEN_TIMEOUT,
        }
    }

    fn parse(status: u16, body: &str) -> Result<TokenSet, AuthError> {
        parse_response(status, body.as_bytes(), &endpoint(), "https://auth.test/token", &Redactor::default())
    }

    #[test]
    fn token_responses() {
        let set = parse(
            200,
            r#"{"access_token":"a1","expires_in":3600,"api_domain":"https://www.zohoapis.eu","token_type":"Bearer"}"#,
        )
        .unwrap();
        assert_eq!(set.access_token.unwrap().expose(), "a1");
        assert_eq!(set.api_domain.as_deref(), Some("https://www.zohoapis.eu"));
        assert!(set.refresh_token.is_none());
        let left = set.expires_at.unwrap().duration_since(SystemTime::now()).unwrap();
        assert!(left > Duration::from_secs(3590) && left <= Duration::from_secs(3600), "{left:?}");
        assert_eq!(set.fields.get("token_type").and_then(|v| v.as_str()), Some("Bearer"));

        let set = parse(200, r#"{"access_token":"a2","refresh_token":"r2","userType":"Location"}"#).unwrap();
        assert_eq!(set.refresh_token.unwrap().expose(), "r2");
        assert!(set.expires_at.is_none());
        assert!(!set.fields.contains_key("refresh_token") && set.fields.contains_key("userType"));
    }

    #[test]
    fn error_responses_are_typed_and_never_echo_the_body() {
        let e = parse(400, r#"{"error":"invalid_grant","error_description":"revoked"}"#).unwrap_err();
        assert_eq!(e.kind(), &AuthErrorKind::InvalidGrant);
        assert!(e.needs_reauthorization());
        let text = e.to_string();
        assert!(text.contains("revoked") && text.contains("authorize the application again"), "{text}");
        // Zoho: HTTP 200 with a vendor code.
        let e = parse(200, r#"{"error":"invalid_code"}"#).unwrap_err();
        assert_eq!(e.kind(), &AuthErrorKind::InvalidGrant);
        assert!(e.to_string().contains("invalid_code"), "{e}");
        let e = parse(401, r#"{"error":"invalid_client"}"#).unwrap_err();
        assert_eq!(e.kind(), &AuthErrorKind::InvalidClient);
        let e = parse(400, r#"{"error":"invalid_scope"}"#).unwrap_err();
        assert_eq!(e.kind(), &AuthErrorKind::Refused { error: "invalid_scope".into() });
        let e = parse(503, "<html>down</html>").unwrap_err();
        assert_eq!(e.kind(), &AuthErrorKind::Server { status: 503 });
        assert!(e.is_transient());
        let e = parse(200, r#"{"access_token":"secret-in-body","expires_in":[]}"#).unwrap_err();
        assert_eq!(e.kind(), &AuthErrorKind::MalformedResponse);
        assert!(!e.to_string().contains("secret-in-body"), "{e}");
        let e = parse(200, "plain text").unwrap_err();
        assert_eq!(e.kind(), &AuthErrorKind::MalformedResponse);
        assert_eq!(e.endpoint(), Some("https://auth.test/token"));
    }
}
