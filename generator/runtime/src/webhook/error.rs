//! Why a delivery was refused, and why a key could not be read.

use std::fmt;
use std::time::Duration;

/// Why a webhook delivery was refused or could not be decoded. Every
/// variant names the header or field concerned; none carries a secret, a
/// signature or the body.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WebhookError {
    /// None of the signature headers the verifier checks is present.
    MissingSignature {
        /// The headers looked for, in order of preference.
        headers: Vec<&'static str>,
    },
    /// The signature header is not valid base64/hex, or has the wrong length.
    MalformedSignature {
        /// The header.
        header: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The signature does not match the body: the body was altered, or it
    /// was signed with another key.
    BadSignature {
        /// The header whose signature failed.
        header: &'static str,
    },
    /// The payload carries no verification token in `field`.
    MissingToken {
        /// The payload field that should hold the token.
        field: &'static str,
    },
    /// The payload's verification token is not the expected one.
    TokenMismatch {
        /// The payload field holding the token.
        field: &'static str,
    },
    /// The delivery has no timestamp in `field`, and the verifier requires one.
    MissingTimestamp {
        /// Where the timestamp was looked for.
        field: String,
    },
    /// The timestamp does not parse in the expected format.
    MalformedTimestamp {
        /// Where the timestamp was read.
        field: String,
    },
    /// The delivery is older than the replay window.
    Stale {
        /// How old the delivery is.
        age: Duration,
        /// The replay window.
        window: Duration,
    },
    /// The delivery is dated further in the future than the replay window.
    FromTheFuture {
        /// How far ahead of the receiver's clock it is.
        ahead: Duration,
        /// The replay window.
        window: Duration,
    },
    /// The body is not JSON, or does not match the event types.
    Decode {
        /// Where in the body decoding failed (`events[0].id`); empty at the top.
        path: String,
        /// The decoder's message.
        message: String,
    },
}

impl fmt::Display for WebhookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingSignature { headers } => {
                write!(f, "webhook refused: no signature header (expected one of {})", headers.join(", "))
            }
            Self::MalformedSignature { header, reason } => {
                write!(f, "webhook refused: the `{header}` header is malformed: {reason}")
            }
            Self::BadSignature { header } => {
                write!(f, "webhook refused: the `{header}` signature does not match the body")
            }
            Self::MissingToken { field } => write!(f, "webhook refused: the payload has no `{field}` token"),
            Self::TokenMismatch { field } => {
                write!(f, "webhook refused: the payload's `{field}` token is not the expected one")
            }
            Self::MissingTimestamp { field } => write!(f, "webhook refused: no timestamp in {field}"),
            Self::MalformedTimestamp { field } => write!(f, "webhook refused: the timestamp in {field} does not parse"),
            Self::Stale { age, window } => write!(
                f,
                "webhook refused: the delivery is {}s old, outside the {}s replay window",
                age.as_secs(),
                window.as_secs()
            ),
            Self::FromTheFuture { ahead, window } => write!(
                f,
                "webhook refused: the delivery is dated {}s ahead, outside the {}s replay window",
                ahead.as_secs(),
                window.as_secs()
            ),
            Self::Decode { path, message } if path.is_empty() => write!(f, "webhook body does not decode: {message}"),
            Self::Decode { path, message } => write!(f, "webhook body does not decode at `{path}`: {message}"),
        }
    }
}

impl std::error::Error for WebhookError {}

impl WebhookError {
    /// `true` when the delivery failed authentication or the replay check
    /// (answer 401); `false` when it was authentic but did not decode.
    pub fn is_refusal(&self) -> bool {
        !matches!(self, Self::Decode { .. })
    }
}

/// A public key or secret that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyError {
    pub(crate) what: &'static str,
    pub(crate) message: String,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {}: {}", self.what, self.message)
    }
}

impl std::error::Error for KeyError {}
