//! A secret string: an access token, a refresh token, a client secret.

use std::fmt;
use std::sync::Arc;

/// A secret value. Its `Debug` output is redacted and it has no `Display`,
/// so it cannot reach a log line, a tracing span or an error message by
/// accident; [`Secret::expose`] is the one way to read it. Clones share the
/// same allocation.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Arc<str>);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(Arc::from(value.into()))
    }

    /// The secret itself, for the one place that sends or stores it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret::new(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted_and_expose_reads_the_value() {
        let secret = Secret::new("tok-123456");
        assert_eq!(format!("{secret:?}"), "Secret(<redacted>)");
        assert_eq!(format!("{:#?}", Some(secret.clone())), "Some(\n    Secret(<redacted>),\n)");
        assert_eq!(secret.expose(), "tok-123456");
        assert_eq!(secret, Secret::from("tok-123456"));
    }
}
