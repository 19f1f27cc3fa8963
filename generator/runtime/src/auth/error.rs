//! Why no token could be had: each case says what to do about it.

use std::fmt;

/// What kind of failure an [`AuthError`] is.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthErrorKind {
    /// The authorization server rejected the refresh token or the
    /// authorization code (`invalid_grant`): it expired, was revoked, or was
    /// already used. Only a new authorization by the user helps.
    InvalidGrant,
    /// The authorization server rejected the client id or secret (`invalid_client`).
    InvalidClient,
    /// Another OAuth 2.0 error code (`invalid_scope`, `unauthorized_client`, ...).
    Refused {
        /// The `error` code of the response.
        error: String,
    },
    /// The authorization server could not be reached, or the connection broke.
    Network,
    /// The authorization server refused to mint more tokens for now (HTTP
    /// 429, `slow_down`, or a vendor's code for it: Zoho answers HTTP 200
    /// "Access Denied" past its limit of new access tokens per refresh
    /// token). The grant is fine: a later request tries again after a
    /// back-off.
    TooManyRequests,
    /// The authorization server answered with a server error (5xx).
    Server {
        /// The HTTP status.
        status: u16,
    },
    /// The token response is not an OAuth 2.0 token response.
    MalformedResponse,
    /// The token store failed to load or save the tokens.
    Store,
    /// No grant is left to get a token with (no refresh token; the
    /// authorization code was already exchanged): the user must authorize
    /// the application.
    NotAuthorized,
    /// A credential source of the application failed.
    Source,
}

/// A failure to get an access token. Refresh failures are never retried in
/// a loop: a later request tries again once the back-off has passed, and
/// grants the server rejected are not sent again.
#[derive(Debug, Clone)]
pub struct AuthError {
    kind: AuthErrorKind,
    /// The token endpoint (never carries secrets).
    endpoint: Option<String>,
    detail: Option<String>,
}

impl AuthError {
    /// An error of this kind; `detail` says what happened.
    pub fn new(kind: AuthErrorKind, detail: impl Into<String>) -> Self {
        AuthError { kind, endpoint: None, detail: Some(detail.into()) }
    }

    pub(crate) fn at(kind: AuthErrorKind, endpoint: &str, detail: Option<String>) -> Self {
        AuthError { kind, endpoint: Some(endpoint.to_string()), detail }
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> &AuthErrorKind {
        &self.kind
    }

    /// The token endpoint that failed, if the failure came from one.
    pub fn endpoint(&self) -> Option<&str> {
        self.endpoint.as_deref()
    }

    /// Whether only a new authorization by the user can fix this.
    pub fn needs_reauthorization(&self) -> bool {
        matches!(self.kind, AuthErrorKind::InvalidGrant | AuthErrorKind::NotAuthorized)
    }

    /// Whether a later request may succeed without anyone doing anything.
    pub fn is_transient(&self) -> bool {
        matches!(
            self.kind,
            AuthErrorKind::Network
                | AuthErrorKind::Server { .. }
                | AuthErrorKind::Store
                | AuthErrorKind::TooManyRequests
        )
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = self.endpoint.as_deref().map(|e| format!(" at {e}")).unwrap_or_default();
        let detail = self.detail.as_deref().map(|d| format!(": {d}")).unwrap_or_default();
        match &self.kind {
            AuthErrorKind::InvalidGrant => write!(
                f,
                "the authorization server{at} rejected the grant (invalid_grant{detail}); the refresh token expired, \
                 was revoked or was already used: authorize the application again and save the new refresh token in \
                 the token store"
            ),
            AuthErrorKind::InvalidClient => write!(
                f,
                "the authorization server{at} rejected the client credentials (invalid_client{detail}); check the \
                 client id and secret of the application"
            ),
            AuthErrorKind::Refused { error } => {
                write!(f, "the authorization server{at} refused the token request ({error}{detail})")
            }
            AuthErrorKind::TooManyRequests => write!(
                f,
                "the authorization server{at} refused to mint more access tokens for now{detail}; the grant is \
                 still good, and a later request tries again after a back-off"
            ),
            AuthErrorKind::Network => write!(
                f,
                "cannot reach the authorization server{at}{detail}; a later request tries again after a back-off"
            ),
            AuthErrorKind::Server { status } => write!(
                f,
                "the authorization server{at} answered HTTP {status}{detail}; a later request tries again after a \
                 back-off"
            ),
            AuthErrorKind::MalformedResponse => {
                write!(f, "the token response{at} is not an OAuth 2.0 token response{detail}")
            }
            AuthErrorKind::Store => write!(
                f,
                "the token store failed{detail}; new tokens are kept in memory, and no request uses them until the \
                 store has saved them"
            ),
            AuthErrorKind::NotAuthorized => write!(
                f,
                "no grant is left to get an access token with{detail}: authorize the application and save its \
                 tokens in the token store"
            ),
            AuthErrorKind::Source => write!(f, "the credential source failed{detail}"),
        }
    }
}

impl std::error::Error for AuthError {}
