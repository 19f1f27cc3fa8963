//! The verifier: the body limit, then authenticity (signature over the raw
//! bytes, or the payload's token read by a scan that builds nothing), then
//! the replay window, then decoding.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use hmac::Mac as _;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::error::{KeyError, WebhookError};
use super::keys::{Ed25519Key, RsaKey, Secret};
use super::scan::{scan, Scan, ScanError, Scanned};

/// The replay window when a spec names none: five minutes, the window
/// HighLevel's webhook authentication guide suggests. A vendor that
/// redelivers with the original timestamp needs a window that covers its
/// retries (the generated receivers set it from the spec).
pub const DEFAULT_REPLAY_WINDOW: Duration = Duration::from_secs(300);

/// The largest body a verifier reads when none is set: 1 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

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

/// The keys one signature header is checked with: any one verifying is
/// enough (a vendor rotating its key signs with the old or the new one).
#[derive(Debug, Clone)]
enum Keys {
    /// Base64 Ed25519 signature of the body.
    Ed25519(Vec<Ed25519Key>),
    /// Base64 RSASSA-PKCS1-v1_5 SHA-256 signature of the body.
    RsaSha256(Vec<RsaKey>),
    /// Hex HMAC-SHA256 of the body, keyed with a shared secret.
    HmacSha256Hex(Vec<Secret>),
}

impl Keys {
    fn scheme(&self) -> &'static str {
        match self {
            Self::Ed25519(_) => "Ed25519",
            Self::RsaSha256(_) => "RSA-SHA256",
            Self::HmacSha256Hex(_) => "hex HMAC-SHA256",
        }
    }

    fn is_empty(&self) -> bool {
        match self {
            Self::Ed25519(k) => k.is_empty(),
            Self::RsaSha256(k) => k.is_empty(),
            Self::HmacSha256Hex(k) => k.is_empty(),
        }
    }

    /// Adds `other`'s keys when it is the same scheme; gives it back otherwise.
    fn extend(&mut self, other: Keys) -> Result<(), Keys> {
        match (self, other) {
            (Self::Ed25519(a), Self::Ed25519(b)) => a.extend(b),
            (Self::RsaSha256(a), Self::RsaSha256(b)) => a.extend(b),
            (Self::HmacSha256Hex(a), Self::HmacSha256Hex(b)) => a.extend(b),
            (_, other) => return Err(other),
        }
        Ok(())
    }
}

#[derive(Debug, Clone)]
struct Signature {
    header: &'static str,
    /// Other headers the vendor sends the same value in.
    aliases: Vec<&'static str>,
    keys: Keys,
}

impl Signature {
    /// The signature's value: absent, or the one value of every copy of its
    /// header and its aliases. Copies that differ are refused whatever their
    /// order, so no header order decides acceptance.
    fn value<'h>(&self, headers: &'h http::HeaderMap) -> Result<Option<&'h str>, WebhookError> {
        let header = self.header;
        let mut found: Option<&'h [u8]> = None;
        for name in std::iter::once(&self.header).chain(&self.aliases) {
            for value in headers.get_all(*name) {
                let value = value.as_bytes().trim_ascii();
                match found {
                    Some(seen) if seen != value => return Err(WebhookError::ConflictingSignatures { header }),
                    _ => found = Some(value),
                }
            }
        }
        found
            .map(|v| {
                std::str::from_utf8(v).map_err(|_| WebhookError::MalformedSignature { header, reason: "not ASCII" })
            })
            .transpose()
    }

    fn check(&self, value: &str, body: &[u8]) -> Result<(), WebhookError> {
        let header = self.header;
        let malformed = |reason| WebhookError::MalformedSignature { header, reason };
        let verified = match &self.keys {
            Keys::Ed25519(keys) => {
                let bytes =
                    base64::engine::general_purpose::STANDARD.decode(value).map_err(|_| malformed("not base64"))?;
                let signature = ed25519_dalek::Signature::from_slice(&bytes).map_err(|_| malformed("not 64 bytes"))?;
                keys.iter().any(|key| key.0.verify_strict(body, &signature).is_ok())
            }
            Keys::RsaSha256(keys) => {
                use rsa::signature::Verifier as _;
                let bytes =
                    base64::engine::general_purpose::STANDARD.decode(value).map_err(|_| malformed("not base64"))?;
                let signature =
                    rsa::pkcs1v15::Signature::try_from(bytes.as_slice()).map_err(|_| malformed("not a signature"))?;
                keys.iter().any(|key| key.0.verify(body, &signature).is_ok())
            }
            Keys::HmacSha256Hex(secrets) => {
                let expected = hex::decode(value).map_err(|_| malformed("not hex"))?;
                if expected.len() != 32 {
                    return Err(malformed("not 32 bytes"));
                }
                secrets.iter().any(|secret| {
                    // A key of any length is accepted by HMAC; `Secret` is never empty.
                    let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()) else {
                        return false;
                    };
                    mac.update(body);
                    // `verify_slice` compares in constant time.
                    mac.verify_slice(&expected).is_ok()
                })
            }
        };
        if verified {
            Ok(())
        } else {
            Err(WebhookError::BadSignature { header })
        }
    }
}

/// A delivery that passed verification, with its decoded payload.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery<T> {
    /// The vendor's id of this delivery, the same across retries (Attio's
    /// `Idempotency-Key`, HighLevel's `webhookId`): **the key to deduplicate
    /// on**. The replay window only bounds how old a delivery may be; within
    /// it, a retried or replayed delivery verifies again, so a receiver that
    /// must act once records the ids it has handled.
    pub id: Option<String>,
    /// When the vendor sent it, if it says (a retry keeps the first attempt's).
    pub timestamp: Option<SystemTime>,
    /// The decoded body. A payload token has been checked and removed.
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
    token: Option<(&'static str, Vec<Secret>)>,
    timestamp: Option<(Field, TimestampFormat)>,
    require_timestamp: bool,
    window: Option<Duration>,
    delivery_id: Option<Field>,
    body_limit: usize,
}

/// Configures a [`Verifier`].
#[derive(Debug, Clone)]
#[must_use]
pub struct VerifierBuilder {
    verifier: Verifier,
    /// The first contradiction met, reported by [`build`](Self::build).
    conflict: Option<KeyError>,
}

impl VerifierBuilder {
    fn signature(mut self, header: &'static str, keys: Keys) -> Self {
        let same = |h: &&'static str| h.eq_ignore_ascii_case(header);
        let existing = self.verifier.signatures.iter_mut().find(|s| same(&s.header) || s.aliases.iter().any(same));
        match existing {
            None => self.verifier.signatures.push(Signature { header, aliases: Vec::new(), keys }),
            Some(s) if !s.header.eq_ignore_ascii_case(header) => {
                let message = format!("`{header}` is both an alias of `{}` and a signature header", s.header);
                self.conflict.get_or_insert(KeyError::Conflict { message });
            }
            Some(s) => {
                if let Err(keys) = s.keys.extend(keys) {
                    let message = format!("`{header}` is checked as {} and as {}", s.keys.scheme(), keys.scheme());
                    self.conflict.get_or_insert(KeyError::Conflict { message });
                }
            }
        }
        self
    }

    /// Checks a base64 Ed25519 signature of the body in `header`. Called
    /// again for the same header, adds a key: any one verifying is enough.
    pub fn ed25519(self, header: &'static str, key: Ed25519Key) -> Self {
        self.signature(header, Keys::Ed25519(vec![key]))
    }

    /// Checks a base64 Ed25519 signature of the body in `header` against a
    /// set of keys (the old and the new one during a vendor's rotation):
    /// any one verifying is enough. An empty set is refused by
    /// [`build`](Self::build).
    pub fn ed25519_keys(self, header: &'static str, keys: impl IntoIterator<Item = Ed25519Key>) -> Self {
        self.signature(header, Keys::Ed25519(keys.into_iter().collect()))
    }

    /// Checks a base64 RSA (PKCS#1 v1.5, SHA-256) signature of the body in
    /// `header`. Called again for the same header, adds a key.
    pub fn rsa_sha256(self, header: &'static str, key: RsaKey) -> Self {
        self.signature(header, Keys::RsaSha256(vec![key]))
    }

    /// As [`rsa_sha256`](Self::rsa_sha256), with a set of keys, any one of
    /// which may verify.
    pub fn rsa_sha256_keys(self, header: &'static str, keys: impl IntoIterator<Item = RsaKey>) -> Self {
        self.signature(header, Keys::RsaSha256(keys.into_iter().collect()))
    }

    /// Checks a hex HMAC-SHA256 of the body in `header`, keyed with `secret`.
    /// Called again for the same header, adds a secret (a rotation).
    pub fn hmac_sha256_hex(self, header: &'static str, secret: Secret) -> Self {
        self.signature(header, Keys::HmacSha256Hex(vec![secret]))
    }

    /// The vendor sends the signature of `header` in `alias` too (Attio's
    /// `X-Attio-Signature`): `alias` is read when `header` is absent. When
    /// both are present they must hold the same value; a wrong `header` is
    /// never rescued by `alias`. Add it after `header`'s signature.
    pub fn header_alias(mut self, header: &'static str, alias: &'static str) -> Self {
        let taken =
            self.verifier.signatures.iter().any(|s| {
                s.header.eq_ignore_ascii_case(alias) || s.aliases.iter().any(|a| a.eq_ignore_ascii_case(alias))
            });
        let target = self.verifier.signatures.iter_mut().find(|s| s.header.eq_ignore_ascii_case(header));
        match target {
            Some(s) if !taken => s.aliases.push(alias),
            _ => {
                let message =
                    format!("`{alias}` cannot be an alias of `{header}`: one of them is already taken or unknown");
                self.conflict.get_or_insert(KeyError::Conflict { message });
            }
        }
        self
    }

    /// Checks that the payload's top-level `field` holds `token`. Called
    /// again with the same field, adds a token any one of which may match
    /// (a channel re-enabled with a new token). The token is removed from
    /// the payload before it is decoded, so it cannot reach `Debug` output.
    pub fn payload_token(mut self, field: &'static str, token: Secret) -> Self {
        match &mut self.verifier.token {
            None => self.verifier.token = Some((field, vec![token])),
            Some((f, tokens)) if *f == field => tokens.push(token),
            Some((f, _)) => {
                let message = format!("the token is read from `{f}` and from `{field}`");
                self.conflict.get_or_insert(KeyError::Conflict { message });
            }
        }
        self
    }

    /// Reads the delivery's timestamp from `field`, for the replay window.
    /// A delivery without one is accepted unless [`require_timestamp`] is set.
    ///
    /// [`require_timestamp`]: Self::require_timestamp
    pub fn timestamp(mut self, field: Field, format: TimestampFormat) -> Self {
        self.verifier.timestamp = Some((field, format));
        self
    }

    /// Refuses deliveries that carry no timestamp.
    pub fn require_timestamp(mut self, required: bool) -> Self {
        self.verifier.require_timestamp = required;
        self
    }

    /// How far a delivery's timestamp may be from the receiver's clock
    /// (default [`DEFAULT_REPLAY_WINDOW`]). It must cover the vendor's
    /// retries when they keep the first attempt's timestamp.
    pub fn replay_window(mut self, window: Duration) -> Self {
        self.verifier.window = Some(window);
        self
    }

    /// Accepts deliveries of any age (a receiver replaying stored deliveries).
    pub fn no_replay_window(mut self) -> Self {
        self.verifier.window = None;
        self
    }

    /// Reads the vendor's delivery id from `field`.
    pub fn delivery_id(mut self, field: Field) -> Self {
        self.verifier.delivery_id = Some(field);
        self
    }

    /// The largest body accepted, in bytes (default [`DEFAULT_BODY_LIMIT`]);
    /// a larger one is refused with [`WebhookError::BodyTooLarge`] before
    /// anything of it is read. Give the same limit to the HTTP server, so
    /// that it stops reading there too.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.verifier.body_limit = bytes;
        self
    }

    /// The verifier; refused when it would authenticate nothing, when a
    /// signature has no key, or when the configuration contradicts itself.
    pub fn build(self) -> Result<Verifier, KeyError> {
        if let Some(conflict) = self.conflict {
            return Err(conflict);
        }
        let v = self.verifier;
        if v.signatures.is_empty() && v.token.is_none() {
            return Err(KeyError::NothingToCheck);
        }
        if let Some(s) = v.signatures.iter().find(|s| s.keys.is_empty()) {
            return Err(KeyError::NoKeys { header: s.header });
        }
        if let Some((Field::Body(name), _)) = v.timestamp {
            if v.token.as_ref().is_some_and(|(f, _)| *f == name) {
                let message = format!("`{name}` is both the token and the timestamp");
                return Err(KeyError::Conflict { message });
            }
        }
        Ok(v)
    }
}

impl Verifier {
    /// An empty configuration: add at least one signature or token.
    pub fn builder() -> VerifierBuilder {
        VerifierBuilder {
            verifier: Verifier {
                signatures: Vec::new(),
                token: None,
                timestamp: None,
                require_timestamp: false,
                window: Some(DEFAULT_REPLAY_WINDOW),
                delivery_id: None,
                body_limit: DEFAULT_BODY_LIMIT,
            },
            conflict: None,
        }
    }

    /// This verifier's configuration, to add to (a legacy signature the
    /// receiver opts into, another key).
    pub fn into_builder(self) -> VerifierBuilder {
        VerifierBuilder { verifier: self, conflict: None }
    }

    /// The same verifier with another replay window; `None` accepts
    /// deliveries of any age.
    pub fn with_replay_window(mut self, window: Option<Duration>) -> Self {
        self.window = window;
        self
    }

    /// The same verifier with another body limit, in bytes.
    pub fn with_body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// The replay window; `None` when deliveries of any age are accepted.
    pub fn replay_window(&self) -> Option<Duration> {
        self.window
    }

    /// The largest body accepted, in bytes.
    pub fn body_limit(&self) -> usize {
        self.body_limit
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
    ///
    /// In order: the body limit; the signature over the raw bytes; a scan
    /// of the body's top-level fields that keeps only the token's
    /// comparison, the timestamp and the delivery id (nothing else of the
    /// body is kept, so an unauthenticated body costs no memory); the
    /// token; the replay window; and only then decoding.
    pub fn parse_at<T: DeserializeOwned>(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
        now: SystemTime,
    ) -> Result<Delivery<T>, WebhookError> {
        if body.len() > self.body_limit {
            return Err(WebhookError::BodyTooLarge { len: body.len(), limit: self.body_limit });
        }
        self.check_signature(headers, body)?;
        let body_field = |f: Option<Field>| match f {
            Some(Field::Body(name)) => Some(name),
            _ => None,
        };
        let wanted = Scan {
            token: self.token.as_ref().map(|(field, tokens)| (*field, tokens.as_slice())),
            timestamp: body_field(self.timestamp.map(|(f, _)| f)),
            id: body_field(self.delivery_id),
        };
        let scanned = match scan(body, &wanted) {
            Ok(scanned) => scanned,
            Err(ScanError::Duplicate(name)) => {
                return Err(WebhookError::ConflictingField { field: Field::Body(name).describe() })
            }
            // Not JSON: unauthenticated when a token was to be read from it.
            Err(ScanError::Json(_)) if self.token.is_some() => {
                return Err(WebhookError::MissingToken { field: self.token.as_ref().map_or("", |t| t.0) })
            }
            Err(ScanError::Json(e)) => {
                return Err(WebhookError::Decode { path: String::new(), message: e.to_string() })
            }
        };
        if let Some((field, _)) = &self.token {
            match scanned.token {
                Some(true) => {}
                Some(false) => return Err(WebhookError::TokenMismatch { field }),
                None => return Err(WebhookError::MissingToken { field }),
            }
        }
        let timestamp = self.check_timestamp(headers, &scanned, now)?;
        let id = match self.delivery_id {
            None => None,
            Some(Field::Header(name)) => {
                single_header(headers, name)?.and_then(|v| v.to_str().ok()).map(str::to_string)
            }
            Some(Field::Body(_)) => scanned.id,
        };
        let mut json: Value = serde_json::from_slice(body)
            .map_err(|e| WebhookError::Decode { path: String::new(), message: e.to_string() })?;
        if let (Some((field, _)), Value::Object(map)) = (&self.token, &mut json) {
            map.remove(*field);
        }
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
            if let Some(value) = signature.value(headers)? {
                return signature.check(value, body);
            }
        }
        Err(WebhookError::MissingSignature { headers: self.signatures.iter().map(|s| s.header).collect() })
    }

    fn check_timestamp(
        &self,
        headers: &http::HeaderMap,
        scanned: &Scanned,
        now: SystemTime,
    ) -> Result<Option<SystemTime>, WebhookError> {
        let Some((field, format)) = self.timestamp else { return Ok(None) };
        let malformed = || WebhookError::MalformedTimestamp { field: field.describe() };
        let raw = match field {
            Field::Header(name) => match single_header(headers, name)? {
                None => None,
                Some(v) => Some(Value::String(v.to_str().map_err(|_| malformed())?.to_string())),
            },
            Field::Body(_) => scanned.timestamp.clone().filter(|v| !v.is_null()),
        };
        let raw = match raw {
            None if self.require_timestamp => return Err(WebhookError::MissingTimestamp { field: field.describe() }),
            None => return Ok(None),
            Some(raw) => raw,
        };
        let sent = parse_timestamp(&raw, format).ok_or_else(malformed)?;
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

/// The one value of a header the verifier reads; copies that differ are refused.
fn single_header<'h>(
    headers: &'h http::HeaderMap,
    name: &'static str,
) -> Result<Option<&'h http::HeaderValue>, WebhookError> {
    let mut values = headers.get_all(name).iter();
    let first = values.next();
    if let Some(first) = first {
        if values.any(|v| v != first) {
            return Err(WebhookError::ConflictingField { field: Field::Header(name).describe() });
        }
    }
    Ok(first)
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
