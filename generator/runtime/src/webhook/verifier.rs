//! The verifier: authenticity first (signature over the raw bytes, or the
//! payload's token), then the replay window, then decoding.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use hmac::Mac as _;
use serde::de::DeserializeOwned;
use serde_json::Value;
use subtle::ConstantTimeEq as _;

use super::error::{KeyError, WebhookError};
use super::keys::{Ed25519Key, RsaKey, Secret};

/// The replay window when a spec names none: five minutes, the window
/// HighLevel's webhook authentication guide suggests.
pub const DEFAULT_REPLAY_WINDOW: Duration = Duration::from_secs(300);

/// Where a value of a delivery is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// An HTTP header (case-insensitive).
    Header(&'static str),
    /// A top-level field of the JSON body.
    Body(&'static str),
}

impl Field {
    fn describe(&self) -> String {
        match self {
            Self::Header(name) => format!("header `{name}`"),
            Self::Body(name) => format!("payload field `{name}`"),
        }
    }
}

/// How a delivery's timestamp is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimestampFormat {
    /// `2025-02-10T08:26:05.961Z`
    Rfc3339,
    /// Seconds since the Unix epoch, as a number or a string.
    UnixSeconds,
    /// Milliseconds since the Unix epoch, as a number or a string.
    UnixMillis,
}

#[derive(Debug, Clone)]
enum Signature {
    /// Base64 Ed25519 signature of the body.
    Ed25519 { header: &'static str, key: Ed25519Key },
    /// Base64 RSASSA-PKCS1-v1_5 SHA-256 signature of the body.
    RsaSha256 { header: &'static str, key: RsaKey },
    /// Hex HMAC-SHA256 of the body, keyed with a shared secret.
    HmacSha256Hex { header: &'static str, secret: Secret },
}

impl Signature {
    fn header(&self) -> &'static str {
        match self {
            Self::Ed25519 { header, .. } | Self::RsaSha256 { header, .. } | Self::HmacSha256Hex { header, .. } => {
                header
            }
        }
    }

    fn check(&self, value: &str, body: &[u8]) -> Result<(), WebhookError> {
        let header = self.header();
        let malformed = |reason| WebhookError::MalformedSignature { header, reason };
        let bad = WebhookError::BadSignature { header };
        match self {
            Self::Ed25519 { key, .. } => {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(value.trim())
                    .map_err(|_| malformed("not base64"))?;
                let signature = ed25519_dalek::Signature::from_slice(&bytes).map_err(|_| malformed("not 64 bytes"))?;
                key.0.verify_strict(body, &signature).map_err(|_| bad)
            }
            Self::RsaSha256 { key, .. } => {
                use rsa::signature::Verifier as _;
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(value.trim())
                    .map_err(|_| malformed("not base64"))?;
                let signature =
                    rsa::pkcs1v15::Signature::try_from(bytes.as_slice()).map_err(|_| malformed("not a signature"))?;
                key.0.verify(body, &signature).map_err(|_| bad)
            }
            Self::HmacSha256Hex { secret, .. } => {
                let expected = hex::decode(value.trim()).map_err(|_| malformed("not hex"))?;
                let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes())
                    .map_err(|_| malformed("unusable secret"))?;
                mac.update(body);
                // `verify_slice` compares in constant time.
                mac.verify_slice(&expected).map_err(|_| bad)
            }
        }
    }
}

/// A delivery that passed verification, with its decoded payload.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery<T> {
    /// The vendor's id of this delivery, the same across retries (Attio's
    /// `Idempotency-Key`, HighLevel's `webhookId`): the key to deduplicate on.
    pub id: Option<String>,
    /// When the vendor sent it, if it says.
    pub timestamp: Option<SystemTime>,
    /// The decoded body.
    pub payload: T,
}

impl<T> std::ops::Deref for Delivery<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.payload
    }
}

/// Authenticates and decodes webhook deliveries. Cheap to clone; share one
/// per receiver.
#[derive(Debug, Clone)]
pub struct Verifier {
    signatures: Vec<Signature>,
    token: Option<(&'static str, Secret)>,
    timestamp: Option<(Field, TimestampFormat)>,
    require_timestamp: bool,
    window: Option<Duration>,
    delivery_id: Option<Field>,
}

/// Configures a [`Verifier`].
#[derive(Debug, Clone)]
#[must_use]
pub struct VerifierBuilder(Verifier);

impl VerifierBuilder {
    /// Checks a base64 Ed25519 signature of the body in `header`.
    pub fn ed25519(mut self, header: &'static str, key: Ed25519Key) -> Self {
        self.0.signatures.push(Signature::Ed25519 { header, key });
        self
    }

    /// Checks a base64 RSA (PKCS#1 v1.5, SHA-256) signature of the body in `header`.
    pub fn rsa_sha256(mut self, header: &'static str, key: RsaKey) -> Self {
        self.0.signatures.push(Signature::RsaSha256 { header, key });
        self
    }

    /// Checks a hex HMAC-SHA256 of the body in `header`, keyed with `secret`.
    pub fn hmac_sha256_hex(mut self, header: &'static str, secret: Secret) -> Self {
        self.0.signatures.push(Signature::HmacSha256Hex { header, secret });
        self
    }

    /// Checks that the payload's top-level `field` holds `token`.
    pub fn payload_token(mut self, field: &'static str, token: Secret) -> Self {
        self.0.token = Some((field, token));
        self
    }

    /// Reads the delivery's timestamp from `field`, for the replay window.
    /// A delivery without one is accepted unless [`require_timestamp`] is set.
    ///
    /// [`require_timestamp`]: Self::require_timestamp
    pub fn timestamp(mut self, field: Field, format: TimestampFormat) -> Self {
        self.0.timestamp = Some((field, format));
        self
    }

    /// Refuses deliveries that carry no timestamp.
    pub fn require_timestamp(mut self, required: bool) -> Self {
        self.0.require_timestamp = required;
        self
    }

    /// How far a delivery's timestamp may be from the receiver's clock
    /// (default [`DEFAULT_REPLAY_WINDOW`]).
    pub fn replay_window(mut self, window: Duration) -> Self {
        self.0.window = Some(window);
        self
    }

    /// Accepts deliveries of any age (a receiver replaying stored deliveries).
    pub fn no_replay_window(mut self) -> Self {
        self.0.window = None;
        self
    }

    /// Reads the vendor's delivery id from `field`.
    pub fn delivery_id(mut self, field: Field) -> Self {
        self.0.delivery_id = Some(field);
        self
    }

    /// The verifier; refused when it would authenticate nothing.
    pub fn build(self) -> Result<Verifier, KeyError> {
        if self.0.signatures.is_empty() && self.0.token.is_none() {
            return Err(KeyError {
                what: "webhook verifier",
                message: "it needs a signature header or a payload token to check".into(),
            });
        }
        Ok(self.0)
    }
}

impl Verifier {
    /// An empty configuration: add at least one signature or token.
    pub fn builder() -> VerifierBuilder {
        VerifierBuilder(Verifier {
            signatures: Vec::new(),
            token: None,
            timestamp: None,
            require_timestamp: false,
            window: Some(DEFAULT_REPLAY_WINDOW),
            delivery_id: None,
        })
    }

    /// The same verifier with another replay window; `None` accepts
    /// deliveries of any age.
    pub fn with_replay_window(mut self, window: Option<Duration>) -> Self {
        self.window = window;
        self
    }

    /// Verifies a delivery against the receiver's clock and decodes it.
    pub fn parse<T: DeserializeOwned>(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
    ) -> Result<Delivery<T>, WebhookError> {
        self.parse_at(headers, body, SystemTime::now())
    }

    /// Verifies a delivery as if received at `now`, and decodes it.
    pub fn parse_at<T: DeserializeOwned>(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
        now: SystemTime,
    ) -> Result<Delivery<T>, WebhookError> {
        self.check_signature(headers, body)?;
        let json: Value = serde_json::from_slice(body)
            .map_err(|e| WebhookError::Decode { path: String::new(), message: e.to_string() })?;
        if let Some((field, token)) = &self.token {
            let sent = json.get(*field).and_then(Value::as_str).ok_or(WebhookError::MissingToken { field })?;
            if !bool::from(sent.as_bytes().ct_eq(token.as_bytes())) {
                return Err(WebhookError::TokenMismatch { field });
            }
        }
        let timestamp = self.check_timestamp(headers, &json, now)?;
        let id = self.delivery_id.and_then(|field| text(headers, &json, field));
        let payload = serde_path_to_error::deserialize(json).map_err(|e| WebhookError::Decode {
            path: e.path().to_string().trim_start_matches('.').to_string(),
            message: e.into_inner().to_string(),
        })?;
        Ok(Delivery { id, timestamp, payload })
    }

    /// The first configured signature header present decides: a delivery
    /// is never checked against a weaker scheme because the preferred
    /// header failed.
    fn check_signature(&self, headers: &http::HeaderMap, body: &[u8]) -> Result<(), WebhookError> {
        if self.signatures.is_empty() {
            return Ok(());
        }
        for signature in &self.signatures {
            let Some(value) = headers.get(signature.header()) else { continue };
            let value = value
                .to_str()
                .map_err(|_| WebhookError::MalformedSignature { header: signature.header(), reason: "not ASCII" })?;
            return signature.check(value, body);
        }
        Err(WebhookError::MissingSignature { headers: self.signatures.iter().map(Signature::header).collect() })
    }

    fn check_timestamp(
        &self,
        headers: &http::HeaderMap,
        json: &Value,
        now: SystemTime,
    ) -> Result<Option<SystemTime>, WebhookError> {
        let Some((field, format)) = self.timestamp else { return Ok(None) };
        let raw = match field {
            Field::Header(name) => headers.get(name).map(|v| v.to_str().map(|s| Value::String(s.to_string()))),
            Field::Body(name) => json.get(name).filter(|v| !v.is_null()).map(|v| Ok(v.clone())),
        };
        let raw = match raw {
            None if self.require_timestamp => return Err(WebhookError::MissingTimestamp { field: field.describe() }),
            None => return Ok(None),
            Some(raw) => raw.map_err(|_| WebhookError::MalformedTimestamp { field: field.describe() })?,
        };
        let sent = parse_timestamp(&raw, format)
            .ok_or_else(|| WebhookError::MalformedTimestamp { field: field.describe() })?;
        if let Some(window) = self.window {
            match now.duration_since(sent) {
                Ok(age) if age > window => return Err(WebhookError::Stale { age, window }),
                Ok(_) => {}
                Err(ahead) if ahead.duration() > window => {
                    return Err(WebhookError::FromTheFuture { ahead: ahead.duration(), window })
                }
                Err(_) => {}
            }
        }
        Ok(Some(sent))
    }
}

fn text(headers: &http::HeaderMap, json: &Value, field: Field) -> Option<String> {
    match field {
        Field::Header(name) => headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string),
        Field::Body(name) => match json.get(name)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        },
    }
}

fn parse_timestamp(raw: &Value, format: TimestampFormat) -> Option<SystemTime> {
    let number = || -> Option<u64> {
        match raw {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    };
    match format {
        TimestampFormat::Rfc3339 => {
            let parsed = chrono::DateTime::parse_from_rfc3339(raw.as_str()?.trim()).ok()?;
            let millis = u64::try_from(parsed.timestamp_millis()).ok()?;
            UNIX_EPOCH.checked_add(Duration::from_millis(millis))
        }
        TimestampFormat::UnixSeconds => UNIX_EPOCH.checked_add(Duration::from_secs(number()?)),
        TimestampFormat::UnixMillis => UNIX_EPOCH.checked_add(Duration::from_millis(number()?)),
    }
}
