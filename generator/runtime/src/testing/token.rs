//! A fake OAuth 2.0 token endpoint on loopback, for testing refresh and
//! token-store handling: it issues tokens for the refresh-token,
//! authorization-code and client-credentials grants, rotates refresh
//! tokens (or not), lets tokens expire after a chosen time, and fails on
//! demand.

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;

/// A failure the token endpoint answers the next request with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenFailure {
    /// `400 {"error": "invalid_grant"}`: the grant was revoked or expired.
    InvalidGrant,
    /// `401 {"error": "invalid_client"}`.
    InvalidClient,
    /// This status with no body (a 500 or 503).
    Status(u16),
}

#[derive(Debug, Default)]
pub(super) struct Tokens {
    /// The refresh tokens that work (the last issued, or every one when not rotating).
    valid_refresh: Vec<String>,
    /// Every access token issued, in order.
    access: Vec<String>,
    /// How many of the first access tokens are revoked.
    revoked_access: usize,
    /// Grant types asked for, in order.
    grants: Vec<String>,
    /// The form fields of each request, in order.
    forms: Vec<Vec<(String, String)>>,
    failures: VecDeque<TokenFailure>,
    issued: u64,
}

/// A fake token endpoint (see the module). Refresh tokens it issues are
/// `refresh-N`, access tokens `access-N`; the first refresh token is
/// [`initial_refresh_token`](Self::initial_refresh_token).
///
/// ```no_run
/// # async fn run() {
/// use crmgen_runtime::testing::TokenServer;
/// let tokens = TokenServer::builder().expires_in(std::time::Duration::from_secs(1)).start().await;
/// let oauth = crmgen_runtime::OAuth2::refresh_token("id", "secret", tokens.initial_refresh_token())
///     .token_url(tokens.token_url());
/// # }
/// ```
pub struct TokenServer {
    server: wiremock::MockServer,
    state: Arc<Mutex<Tokens>>,
}

impl fmt::Debug for TokenServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenServer").field("token_url", &self.token_url()).finish_non_exhaustive()
    }
}

/// How a [`TokenServer`] behaves.
#[derive(Debug, Clone)]
pub struct TokenServerBuilder {
    rotate: bool,
    expires_in: Duration,
    fields: serde_json::Map<String, serde_json::Value>,
}

impl TokenServerBuilder {
    /// Whether every refresh returns a new refresh token and revokes the
    /// one used (default true, as HighLevel does).
    pub fn rotate(mut self, rotate: bool) -> Self {
        self.rotate = rotate;
        self
    }

    /// The `expires_in` of every access token (default one hour).
    pub fn expires_in(mut self, expires_in: Duration) -> Self {
        self.expires_in = expires_in;
        self
    }

    /// Fields a vendor adds to every token response (HighLevel's
    /// `locationId`, Zoho's `api_domain`): the members of this JSON object.
    ///
    /// # Panics
    ///
    /// When `fields` is not a JSON object.
    pub fn fields(mut self, fields: serde_json::Value) -> Self {
        match fields {
            serde_json::Value::Object(map) => self.fields.extend(map),
            other => panic!("token response fields are a JSON object, not {other}"),
        }
        self
    }

    /// Starts the endpoint on a loopback port.
    pub async fn start(self) -> TokenServer {
        let server = wiremock::MockServer::start().await;
        let state = Arc::new(Mutex::new(Tokens { valid_refresh: vec![INITIAL.to_string()], ..Tokens::default() }));
        wiremock::Mock::given(wiremock::matchers::method("POST"))
            .and(wiremock::matchers::path(PATH))
            .respond_with(Endpoint { config: self, state: state.clone() })
            .mount(&server)
            .await;
        TokenServer { server, state }
    }
}

const PATH: &str = "/oauth/token";
const INITIAL: &str = "refresh-0";

impl TokenServer {
    /// An endpoint that rotates refresh tokens, with one-hour access tokens.
    pub async fn start() -> TokenServer {
        TokenServer::builder().start().await
    }

    /// Configures an endpoint.
    pub fn builder() -> TokenServerBuilder {
        TokenServerBuilder { rotate: true, expires_in: Duration::from_secs(3600), fields: serde_json::Map::new() }
    }

    /// The URL to give `OAuth2::token_url`.
    pub fn token_url(&self) -> String {
        format!("{}{PATH}", self.server.uri())
    }

    /// The refresh token that works before any refresh (`refresh-0`).
    pub fn initial_refresh_token(&self) -> String {
        INITIAL.to_string()
    }

    /// The refresh tokens that work now.
    pub fn valid_refresh_tokens(&self) -> Vec<String> {
        self.lock().valid_refresh.clone()
    }

    /// Every access token issued, oldest first.
    pub fn access_tokens(&self) -> Vec<String> {
        self.lock().access.clone()
    }

    /// The last access token issued.
    pub fn last_access_token(&self) -> Option<String> {
        self.lock().access.last().cloned()
    }

    /// The grant types of the requests that were answered, in order
    /// (`refresh_token`, `authorization_code`, ...), failed ones included.
    pub fn grants(&self) -> Vec<String> {
        self.lock().grants.clone()
    }

    /// The form fields of each token request (decoded, in the order sent),
    /// oldest first.
    pub fn forms(&self) -> Vec<Vec<(String, String)>> {
        self.lock().forms.clone()
    }

    /// How many token requests arrived.
    pub fn requests(&self) -> usize {
        self.lock().grants.len()
    }

    /// Answers the next request with `failure` (queued after earlier ones).
    pub fn fail_next(&self, failure: TokenFailure) {
        self.lock().failures.push_back(failure);
    }

    /// Revokes every refresh token: the next refresh gets `invalid_grant`.
    pub fn revoke(&self) {
        self.lock().valid_refresh.clear();
    }

    /// Revokes every access token issued so far, as a vendor does before
    /// they expire (a password change, an app uninstalled and installed
    /// again). A mock server that
    /// [`require_tokens_from`](super::MockServer::require_tokens_from) this
    /// endpoint answers them 401 from now on; refresh tokens still work.
    pub fn revoke_access_tokens(&self) {
        let mut state = self.lock();
        state.revoked_access = state.access.len();
    }

    /// Whether `token` is an access token this endpoint issued and has not revoked.
    pub fn is_valid_access_token(&self, token: &str) -> bool {
        self.lock().is_valid_access(token)
    }

    /// A refresh-token grant of this endpoint (client `test-client`, secret
    /// `test-secret`, the initial refresh token) for a client under test:
    /// `mock.client_builder().oauth2(tokens.oauth2())`.
    ///
    /// Its [`rejected_token_interval`](crate::OAuth2::rejected_token_interval)
    /// is zero: a client refreshes a token the API rejects however young it
    /// is. With the default (60 s), a token minted moments before its 401
    /// (as every token in a test is) is not replaced and the 401 is returned,
    /// which keeps a misconfigured application from minting tokens in a loop.
    pub fn oauth2(&self) -> crate::OAuth2 {
        crate::OAuth2::refresh_token("test-client", "test-secret", self.initial_refresh_token())
            .token_url(self.token_url())
            .rejected_token_interval(Duration::ZERO)
    }

    pub(super) fn shared(&self) -> Arc<Mutex<Tokens>> {
        self.state.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Tokens> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Tokens {
    fn is_valid_access(&self, token: &str) -> bool {
        self.access.iter().skip(self.revoked_access).any(|t| t == token)
    }
}

/// Matches an API request whose bearer token the endpoint did not issue or
/// has revoked (or that has none).
pub(super) struct Unauthorized(pub(super) Arc<Mutex<Tokens>>);

impl wiremock::Match for Unauthorized {
    fn matches(&self, request: &wiremock::Request) -> bool {
        let token = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .map(|(_, token)| token.trim().to_string());
        let state = self.0.lock().unwrap_or_else(|e| e.into_inner());
        !token.is_some_and(|t| state.is_valid_access(&t))
    }
}

struct Endpoint {
    config: TokenServerBuilder,
    state: Arc<Mutex<Tokens>>,
}

fn form(body: &[u8]) -> Vec<(String, String)> {
    url_pairs(body).collect()
}

fn url_pairs(body: &[u8]) -> impl Iterator<Item = (String, String)> + '_ {
    body.split(|b| *b == b'&').filter(|p| !p.is_empty()).map(|pair| {
        let text = String::from_utf8_lossy(pair).replace('+', " ");
        let (k, v) = text.split_once('=').unwrap_or((&text, ""));
        let decode = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned();
        (decode(k), decode(v))
    })
}

fn error(status: u16, code: &str) -> wiremock::ResponseTemplate {
    wiremock::ResponseTemplate::new(status).set_body_json(json!({ "error": code }))
}

impl wiremock::Respond for Endpoint {
    fn respond(&self, request: &wiremock::Request) -> wiremock::ResponseTemplate {
        let fields = form(&request.body);
        let field = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let grant = field("grant_type").unwrap_or_default();
        state.grants.push(grant.clone());
        state.forms.push(fields.clone());
        if let Some(failure) = state.failures.pop_front() {
            return match failure {
                TokenFailure::InvalidGrant => error(400, "invalid_grant"),
                TokenFailure::InvalidClient => error(401, "invalid_client"),
                TokenFailure::Status(status) => wiremock::ResponseTemplate::new(status),
            };
        }
        let refresh = match grant.as_str() {
            "refresh_token" => {
                let sent = field("refresh_token").unwrap_or_default();
                if !state.valid_refresh.contains(&sent) {
                    return error(400, "invalid_grant");
                }
                if self.config.rotate {
                    state.valid_refresh.clear();
                    true
                } else {
                    false
                }
            }
            "authorization_code" => {
                if field("code").unwrap_or_default().is_empty() {
                    return error(400, "invalid_grant");
                }
                true
            }
            "client_credentials" => false,
            _ => return error(400, "unsupported_grant_type"),
        };
        state.issued += 1;
        let n = state.issued;
        let access = format!("access-{n}");
        state.access.push(access.clone());
        let mut fields = self.config.fields.clone();
        fields.insert("access_token".into(), access.into());
        fields.insert("token_type".into(), "Bearer".into());
        fields.insert("expires_in".into(), self.config.expires_in.as_secs().into());
        let mut body = serde_json::Value::Object(fields);
        if refresh {
            let token = format!("refresh-{n}");
            state.valid_refresh.push(token.clone());
            body["refresh_token"] = token.into();
        }
        wiremock::ResponseTemplate::new(200).set_body_json(body)
    }
}
