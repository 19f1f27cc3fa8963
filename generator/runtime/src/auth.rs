//! Credentials: how a security scheme's secret reaches the request. Secrets
//! never appear in `Debug` output and are marked sensitive in headers.

use std::fmt;

/// A credential for one security scheme.
#[derive(Clone)]
pub struct Credential(pub(crate) Kind);

#[derive(Clone)]
pub(crate) enum Kind {
    /// A header whose whole value is secret (`Authorization: Bearer ...`).
    Header { name: &'static str, value: String },
    /// A query parameter.
    Query { name: &'static str, value: String },
    /// HTTP basic auth.
    Basic { user: String, password: String },
}

impl Credential {
    /// `Authorization: <prefix> <token>`.
    pub fn token(prefix: &str, token: impl Into<String>) -> Self {
        Credential(Kind::Header { name: "authorization", value: format!("{prefix} {}", token.into()) })
    }

    /// An API key in a header.
    pub fn header(name: &'static str, value: impl Into<String>) -> Self {
        Credential(Kind::Header { name, value: value.into() })
    }

    /// An API key in the query string.
    pub fn query(name: &'static str, value: impl Into<String>) -> Self {
        Credential(Kind::Query { name, value: value.into() })
    }

    /// HTTP basic auth.
    pub fn basic(user: impl Into<String>, password: impl Into<String>) -> Self {
        Credential(Kind::Basic { user: user.into(), password: password.into() })
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Kind::Header { name, .. } => write!(f, "Credential(header {name}: <redacted>)"),
            Kind::Query { name, .. } => write!(f, "Credential(query {name}: <redacted>)"),
            Kind::Basic { .. } => f.write_str("Credential(basic: <redacted>)"),
        }
    }
}
