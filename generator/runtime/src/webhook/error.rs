//! Why a delivery was refused, and why a key could not be used.

use std::fmt;
use std::time::Duration;

/// Why a webhook delivery was refused or could not be decoded. Every
/// variant names the header or field concerned; none carries a secret, a
/// signature or the body.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WebhookError {
    /// The body is larger than the receiver's limit; nothing of it was read.
    BodyTooLarge {
        /// The body's length in bytes.
        len: usize,
        /// The limit ([`VerifierBuilder::body_limit`](super::VerifierBuilder::body_limit)).
        limit: usize,
    },
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
    /// The signature header is repeated, or sent under its other name too,
    /// with different values: which one the vendor sent cannot be told, so
    /// none is trusted.
    ConflictingSignatures {
        /// The signature's header.
        header: &'static str,
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
    /// A header or payload field the verifier reads (token, timestamp,
    /// delivery id) is there more than once, with values that may differ.
    ConflictingField {
        /// Where it was read.
        field: String,
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
            Self::BodyTooLarge { len, limit } => {
                write!(f, "webhook refused: the body has {len} bytes, over the {limit} byte limit")
            }
            Self::MissingSignature { headers } => {
                write!(f, "webhook refused: no signature header (expected one of {})", headers.join(", "))
            }
            Self::MalformedSignature { header, reason } => {
                write!(f, "webhook refused: the `{header}` header is malformed: {reason}")
            }
            Self::ConflictingSignatures { header } => {
                write!(f, "webhook refused: the `{header}` signature is sent more than once with different values")
            }
            Self::BadSignature { header } => {
                write!(f, "webhook refused: the `{header}` signature does not match the body")
            }
            Self::MissingToken { field } => write!(f, "webhook refused: the payload has no `{field}` token"),
            Self::TokenMismatch { field } => {
                write!(f, "webhook refused: the payload's `{field}` token is not the expected one")
            }
            Self::ConflictingField { field } => write!(f, "webhook refused: {field} is sent more than once"),
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
    /// `true` when the delivery was not taken as authentic (authentication,
    /// the replay check, or a body over the limit); `false` when it was
    /// authentic but did not decode.
    pub fn is_refusal(&self) -> bool {
        !matches!(self, Self::Decode { .. })
    }

    /// The HTTP status to answer with: 413 for a body over the limit, 400
    /// for an authentic body that does not decode, 401 otherwise. None of
    /// them makes HighLevel deliver again; Attio retries any status but 200
    /// and 202.
    pub fn status(&self) -> u16 {
        match self {
            Self::BodyTooLarge { .. } => 413,
            Self::Decode { .. } => 400,
            _ => 401,
        }
    }
}

/// A public key, secret or verifier configuration that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// A public key that does not parse, or is too weak to trust.
    Invalid {
        /// The kind of key.
        what: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// A secret or token that is empty or only whitespace: anyone can sign
    /// with the empty HMAC key or send an empty token.
    EmptySecret,
    /// A signature header configured with no key at all.
    NoKeys {
        /// The header.
        header: &'static str,
    },
    /// The configuration contradicts itself (one header with two schemes,
    /// two payload fields for the token, an alias of an unknown header).
    Conflict {
        /// What contradicts what.
        message: String,
    },
    /// The verifier would authenticate nothing: no signature header and no
    /// payload token.
    NothingToCheck,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Invalid { what, message } => write!(f, "invalid {what}: {message}"),
            Self::EmptySecret => f.write_str("invalid secret: it is empty or only whitespace"),
            Self::NoKeys { header } => write!(f, "invalid webhook verifier: no key for the `{header}` signature"),
            Self::Conflict { message } => write!(f, "invalid webhook verifier: {message}"),
            Self::NothingToCheck => {
                f.write_str("invalid webhook verifier: it needs a signature header or a payload token to check")
            }
        }
    }
}

impl std::error::Error for KeyError {}
