//! Credentials: how a security scheme's secret reaches the request.
//!
//! A [`Credential`] is either static (a token, an API key, basic auth) or
//! backed by a [`CredentialSource`] the client asks for a token before each
//! attempt: an [`OAuth2Refresher`] that refreshes before expiry and once on
//! a 401, or any source the application writes. Secrets are [`Secret`]s:
//! they never appear in `Debug` output, and header values carrying them are
//! marked sensitive.

mod error;
mod oauth2;
#[cfg(feature = "postgres")]
mod postgres_store;
#[cfg(feature = "redis")]
mod redis_store;
mod secret;
mod store;

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use reqwest::header::{HeaderName, HeaderValue};

pub use error::{AuthError, AuthErrorKind};
pub use oauth2::{ClientAuth, OAuth2, OAuth2Refresher, OAuth2Scheme, TokenExchange};
#[cfg(feature = "postgres")]
pub use postgres_store::{PostgresTokenStore, POSTGRES_TOKEN_STORE_MIGRATIONS};
#[cfg(feature = "redis")]
pub use redis_store::RedisTokenStore;
pub use secret::Secret;
pub use store::{FileTokenStore, MemoryTokenStore, RefreshLease, StoreError, TokenSet, TokenStore};

pub(crate) use oauth2::BindContext;

/// An access token handed out by a [`CredentialSource`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessToken {
    pub(crate) secret: Secret,
    pub(crate) api_domain: Option<String>,
}

impl AccessToken {
    /// A token.
    pub fn new(secret: impl Into<Secret>) -> Self {
        AccessToken { secret: secret.into(), api_domain: None }
    }

    /// The token, with the origin (`https://www.zohoapis.eu`) the API must be
    /// called at for it.
    pub fn with_api_domain(mut self, api_domain: impl Into<String>) -> Self {
        self.api_domain = Some(api_domain.into());
        self
    }

    /// The secret token.
    pub fn secret(&self) -> &Secret {
        &self.secret
    }

    /// The API origin this token belongs to, if its issuer said.
    pub fn api_domain(&self) -> Option<&str> {
        self.api_domain.as_deref()
    }
}

/// Where the client gets a token before each attempt. Object safe: a client
/// holds an `Arc<dyn CredentialSource>`. Implement it with
/// [`macro@async_trait`] for tokens the application manages itself.
#[async_trait]
pub trait CredentialSource: Send + Sync + fmt::Debug {
    /// The token for the next attempt.
    async fn token(&self) -> Result<AccessToken, AuthError>;

    /// The API answered 401 to a request sent with `rejected`: a new token
    /// to send the same request with once more, or `None` to hand the 401
    /// back to the caller. The default hands it back.
    async fn rejected(&self, rejected: &AccessToken) -> Result<Option<AccessToken>, AuthError> {
        let _ = rejected;
        Ok(None)
    }
}

/// A token that never changes, as a [`CredentialSource`].
#[derive(Debug, Clone)]
pub struct StaticToken(pub Secret);

#[async_trait]
impl CredentialSource for StaticToken {
    async fn token(&self) -> Result<AccessToken, AuthError> {
        Ok(AccessToken::new(self.0.clone()))
    }
}

/// A credential for one security scheme.
#[derive(Clone)]
pub struct Credential(pub(crate) Kind);

#[derive(Clone)]
pub(crate) enum Kind {
    /// A header whose whole value is secret (`Authorization: Bearer ...`).
    /// Made once, when the credential is: each attempt shares these bytes
    /// (the value marked sensitive), or reports why they are no header.
    Header { name: &'static str, header: Result<(HeaderName, HeaderValue), String> },
    /// A query parameter.
    Query { name: &'static str, value: Secret },
    /// HTTP basic auth.
    Basic { user: String, password: Secret },
    /// `Authorization: <prefix> <token>` with the token from a source.
    Source { prefix: Cow<'static, str>, source: Arc<dyn CredentialSource>, follow_api_domain: bool },
    /// An OAuth 2.0 refresher not yet bound to its token endpoint (the
    /// client builder binds it: the URL may depend on server variables).
    OAuth2 { scheme: OAuth2Scheme, refresher: OAuth2Refresher },
    /// A token exchanged from a parent refresher's token, bound likewise.
    Exchange { scheme: OAuth2Scheme, exchange: TokenExchange, parent: OAuth2Refresher, form: Vec<(String, String)> },
}

impl Credential {
    /// `Authorization: <prefix> <token>`.
    pub fn token(prefix: &str, token: impl Into<String>) -> Self {
        Credential::header("authorization", format!("{prefix} {}", token.into()))
    }

    /// An API key in a header.
    pub fn header(name: &'static str, value: impl Into<String>) -> Self {
        let header = HeaderName::from_bytes(name.as_bytes())
            .map_err(|e| format!("credential header name `{name}`: {e}"))
            .and_then(|header| Ok((header, header_value(name, &value.into())?)));
        Credential(Kind::Header { name, header })
    }

    /// An API key in the query string.
    pub fn query(name: &'static str, value: impl Into<String>) -> Self {
        Credential(Kind::Query { name, value: Secret::new(value.into()) })
    }

    /// HTTP basic auth.
    pub fn basic(user: impl Into<String>, password: impl Into<String>) -> Self {
        Credential(Kind::Basic { user: user.into(), password: Secret::new(password.into()) })
    }

    /// `Authorization: <prefix> <token>`, asking `source` for the token
    /// before each attempt (and once more after a 401).
    pub fn source(prefix: impl Into<Cow<'static, str>>, source: Arc<dyn CredentialSource>) -> Self {
        Credential(Kind::Source { prefix: prefix.into(), source, follow_api_domain: false })
    }

    /// OAuth 2.0 tokens from `oauth` for the spec's `scheme`.
    pub fn oauth2(scheme: OAuth2Scheme, oauth: impl Into<OAuth2Refresher>) -> Self {
        Credential(Kind::OAuth2 { scheme, refresher: oauth.into() })
    }

    /// Tokens minted at `exchange` from the tokens of `parent` (an agency's
    /// OAuth 2.0 grant), with these form fields.
    pub fn oauth2_exchange(
        scheme: OAuth2Scheme,
        exchange: TokenExchange,
        parent: impl Into<OAuth2Refresher>,
        form: Vec<(&'static str, String)>,
    ) -> Self {
        let form = form.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        Credential(Kind::Exchange { scheme, exchange, parent: parent.into(), form })
    }

    /// Binds OAuth 2.0 credentials to their token endpoint.
    pub(crate) fn bind(self, ctx: &BindContext<'_>, follow_api_domain: bool) -> Result<Self, String> {
        let (prefix, refresher) = match self.0 {
            Kind::OAuth2 { scheme, refresher } => {
                refresher.bind(&scheme, ctx)?;
                (scheme.prefix(), refresher)
            }
            Kind::Exchange { scheme, exchange, parent, form } => {
                (scheme.prefix(), parent.exchange(&scheme, &exchange, form, ctx)?)
            }
            other => return Ok(Credential(other)),
        };
        let source: Arc<dyn CredentialSource> = Arc::new(refresher);
        Ok(Credential(Kind::Source { prefix: Cow::Borrowed(prefix), source, follow_api_domain }))
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Kind::Header { name, .. } => write!(f, "Credential(header {name}: <redacted>)"),
            Kind::Query { name, .. } => write!(f, "Credential(query {name}: <redacted>)"),
            Kind::Basic { .. } => f.write_str("Credential(basic: <redacted>)"),
            Kind::Source { prefix, source, .. } => write!(f, "Credential({prefix} <token from {source:?}>)"),
            Kind::OAuth2 { refresher, .. } => write!(f, "Credential(oauth2 {refresher:?})"),
            Kind::Exchange { parent, .. } => write!(f, "Credential(token exchange from {parent:?})"),
        }
    }
}

/// The credentials of one attempt, resolved: what goes in the headers and
/// the query, and which sources to ask again after a 401.
#[derive(Debug, Default)]
pub(crate) struct Authorization {
    headers: Vec<(HeaderName, HeaderValue)>,
    query: Vec<(&'static str, Secret)>,
    basic: Option<(String, Secret)>,
    /// The API origin the tokens belong to (Zoho's `api_domain`).
    pub(crate) api_domain: Option<String>,
    sources: Vec<(Arc<dyn CredentialSource>, AccessToken)>,
}

/// Why an attempt could not be authorized.
#[derive(Debug)]
pub(crate) enum AuthorizeError {
    /// No token could be had.
    Auth(AuthError),
    /// A credential is not a valid header value.
    Invalid(String),
}

fn header_value(name: &str, value: &str) -> Result<HeaderValue, String> {
    let mut value = HeaderValue::from_str(value)
        .map_err(|_| format!("the credential for header `{name}` is not a valid header value"))?;
    value.set_sensitive(true);
    Ok(value)
}

/// The credentials of the schemes that authorise a request.
fn in_play<'a>(
    credentials: &'a [(&'static str, Credential)],
    security: &'a [&str],
) -> impl Iterator<Item = &'a Credential> + 'a {
    credentials.iter().filter(|(k, _)| security.contains(k)).map(|(_, c)| c)
}

impl Authorization {
    /// Asks each credential the request accepts for its value.
    pub(crate) async fn resolve(
        credentials: &[(&'static str, Credential)],
        security: &[&str],
    ) -> Result<Self, AuthorizeError> {
        let mut out = Authorization::default();
        for credential in in_play(credentials, security) {
            if out.push_fixed(&credential.0)? {
                continue;
            }
            if let Kind::Source { prefix, source, follow_api_domain } = &credential.0 {
                let token = source.token().await.map_err(AuthorizeError::Auth)?;
                out.push_token(prefix, &token)?;
                if *follow_api_domain {
                    out.api_domain = out.api_domain.or_else(|| token.api_domain.clone());
                }
                out.sources.push((Arc::clone(source), token));
            }
        }
        Ok(out)
    }

    /// [`Authorization::resolve`] without waiting, when no credential in
    /// play is a token source (fixed keys and tokens: nothing to await).
    /// `None` when one is: then `resolve` runs.
    pub(crate) fn resolve_fixed(
        credentials: &[(&'static str, Credential)],
        security: &[&str],
    ) -> Option<Result<Self, AuthorizeError>> {
        let mut out = Authorization::default();
        for credential in in_play(credentials, security) {
            match out.push_fixed(&credential.0) {
                Ok(true) => {}
                Ok(false) => return None,
                Err(e) => return Some(Err(e)),
            }
        }
        Some(Ok(out))
    }

    /// Adds a credential that needs no waiting for; `false` for a token
    /// source, which does (and is not added).
    fn push_fixed(&mut self, kind: &Kind) -> Result<bool, AuthorizeError> {
        match kind {
            Kind::Header { header, .. } => {
                let (name, value) = header.as_ref().map_err(|message| AuthorizeError::Invalid(message.clone()))?;
                self.headers.push((name.clone(), value.clone()));
            }
            Kind::Query { name, value } => self.query.push((name, value.clone())),
            Kind::Basic { user, password } => self.basic = Some((user.clone(), password.clone())),
            Kind::Source { .. } => return Ok(false),
            Kind::OAuth2 { .. } | Kind::Exchange { .. } => {
                return Err(AuthorizeError::Invalid("an OAuth 2.0 credential was not bound to its client".into()))
            }
        }
        Ok(true)
    }

    fn push_token(&mut self, prefix: &str, token: &AccessToken) -> Result<(), AuthorizeError> {
        let value = header_value("authorization", &format!("{prefix} {}", token.secret.expose()))
            .map_err(AuthorizeError::Invalid)?;
        self.headers.push((reqwest::header::AUTHORIZATION, value));
        Ok(())
    }

    /// After a 401: whether any source gave a new token (then the request
    /// is sent again, once, with [`Authorization::resolve`] run anew).
    pub(crate) async fn renew_rejected(&self) -> Result<bool, AuthError> {
        let mut renewed = false;
        for (source, token) in &self.sources {
            renewed |= source.rejected(token).await?.is_some();
        }
        Ok(renewed)
    }

    /// Query parameters carrying credentials, unencoded.
    pub(crate) fn query(&self) -> impl Iterator<Item = (&'static str, &str)> + '_ {
        self.query.iter().map(|(k, v)| (*k, v.expose()))
    }

    /// Basic auth, encoded by reqwest's builder.
    pub(crate) fn apply_basic(&self, rb: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.basic {
            Some((user, password)) => rb.basic_auth(user, Some(password.expose())),
            None => rb,
        }
    }

    /// Moves the credential headers into a request's.
    pub(crate) fn move_headers(&mut self, headers: &mut reqwest::header::HeaderMap) {
        for (name, value) in self.headers.drain(..) {
            headers.append(name, value);
        }
    }
}

/// The base URL with its origin replaced by `api_domain` (Zoho: the data
/// centre the token was issued for). Only `https` origins are followed, and
/// `http` ones on the loopback interface (test servers).
pub(crate) fn rebase(base_url: &str, api_domain: &str) -> Option<String> {
    let domain = reqwest::Url::parse(api_domain).ok()?;
    let loopback = matches!(domain.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    if domain.scheme() != "https" && !(domain.scheme() == "http" && loopback) {
        return None;
    }
    let base = reqwest::Url::parse(base_url).ok()?;
    let origin = domain.origin().ascii_serialization();
    Some(format!("{origin}{}", base.path().trim_end_matches('/')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rebase_keeps_the_path_and_refuses_plain_http_elsewhere() {
        let base = "https://www.zohoapis.com/crm/v7";
        assert_eq!(rebase(base, "https://www.zohoapis.eu").as_deref(), Some("https://www.zohoapis.eu/crm/v7"));
        assert_eq!(rebase(base, "http://127.0.0.1:4000").as_deref(), Some("http://127.0.0.1:4000/crm/v7"));
        assert_eq!(rebase(base, "http://evil.example"), None);
        assert_eq!(rebase(base, "not a url"), None);
        assert_eq!(rebase("https://api.example", "https://eu.example").as_deref(), Some("https://eu.example"));
    }

    #[test]
    fn credential_debug_is_redacted() {
        let all = [
            Credential::token("Bearer", "tok-1"),
            Credential::header("x-api-key", "tok-2"),
            Credential::query("key", "tok-3"),
            Credential::basic("me", "tok-4"),
            Credential::source("Bearer", Arc::new(StaticToken(Secret::new("tok-5")))),
            Credential::oauth2(
                OAuth2Scheme::new("Bearer", "https://auth.test/token"),
                OAuth2::refresh_token("id", "tok-6", "tok-7"),
            ),
        ];
        for c in &all {
            let debug = format!("{c:?}");
            assert!(!debug.contains("tok-"), "{debug}");
        }
    }
}
