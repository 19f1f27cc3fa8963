//! Webhook deliveries a receiver accepts, made from a typed payload:
//! signed with a test Ed25519 key (made for each signer) or HMAC with a
//! test secret, carrying the payload token, a timestamp and a delivery id
//! where the receiver checks them. The signer also makes the receiver's
//! [`Verifier`] that trusts those keys, configured as the spec's receiver
//! is.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use ed25519_dalek::Signer as _;
use hmac::Mac as _;
use http::{HeaderMap, HeaderName, HeaderValue};
use serde::Serialize;
use serde_json::Value;

use crate::webhook::{Ed25519Key, Field, RsaKey, Secret, TimestampFormat, Verifier};

/// The secret (HMAC key, payload token) test deliveries use unless told
/// another.
pub const TEST_SECRET: &str = "test-webhook-secret";

/// An RSA public key nobody signs with: the receiver is given it for the
/// legacy RSA header, which test deliveries leave out (the Ed25519 header
/// the vendor prefers decides).
const UNUSED_RSA_KEY: &str = "-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAnss2jgI0XX6vrQhn2fvx
4AwtuXVq49MDycx92d6Qzsg2vAJ3yJTOSiC0g4WLHaInKmECvyTzQB+IpeT+J4D0
tZT9B8DbW65m658GxeMqDaOUpItY0OzerbcYajWADmySJgvTJCBNGijdVphkVbcq
pq8TOHjVSq9xhQxKQBLbo94ux+K2zCp413vTj01/FYKWAHSejOIfx6aPCBVBGLvS
KZ+OTqINGCHGz4Ojq/Kk+NRUpWAse3qTZwvqM4TcRgIveqdJvlUcS5PisGKisT99
7/EOv8ALzkQUVO8NavbEBRk3xjvwsNeTdhWAZVcKkjK9HEtMQbKCFTaH/qH9HgmW
KQIDAQAB
-----END PUBLIC KEY-----
";

/// A delivery as the vendor would post it: headers and raw body.
#[derive(Debug, Clone)]
pub struct TestDelivery {
    /// Signature, timestamp, delivery-id and content-type headers.
    pub headers: HeaderMap,
    /// The JSON body, exactly as signed.
    pub body: Vec<u8>,
}

impl TestDelivery {
    /// The body as text.
    pub fn body_text(&self) -> &str {
        std::str::from_utf8(&self.body).unwrap_or("")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    Ed25519,
    RsaSha256,
    HmacSha256Hex,
}

/// Signs test deliveries as a receiver's spec says they are checked; see
/// the module. Its keys and secret never appear in `Debug` output.
#[derive(Clone)]
pub struct DeliverySigner {
    key: Arc<ed25519_dalek::SigningKey>,
    secret: String,
    signatures: Vec<(Scheme, &'static str)>,
    token: Option<&'static str>,
    timestamp: Option<(Field, TimestampFormat)>,
    require_timestamp: bool,
    id: Option<Field>,
    count: Arc<AtomicU64>,
}

impl fmt::Debug for DeliverySigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeliverySigner")
            .field("signatures", &self.signatures)
            .field("token", &self.token)
            .field("timestamp", &self.timestamp)
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl Default for DeliverySigner {
    fn default() -> Self {
        Self::new()
    }
}

impl DeliverySigner {
    /// A signer with a new test Ed25519 key and [`TEST_SECRET`], checking nothing yet.
    pub fn new() -> Self {
        let mut seed = [0u8; 32];
        seed.iter_mut().for_each(|b| *b = fastrand::u8(..));
        DeliverySigner {
            key: Arc::new(ed25519_dalek::SigningKey::from_bytes(&seed)),
            secret: TEST_SECRET.to_string(),
            signatures: Vec::new(),
            token: None,
            timestamp: None,
            require_timestamp: false,
            id: None,
            count: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Signs with the test Ed25519 key in `header` (base64).
    pub fn ed25519(mut self, header: &'static str) -> Self {
        self.signatures.push((Scheme::Ed25519, header));
        self
    }

    /// The receiver also knows the legacy RSA `header`; deliveries leave it
    /// out (a receiver checks the first header present, and Ed25519 or
    /// HMAC come first).
    pub fn rsa_sha256(mut self, header: &'static str) -> Self {
        self.signatures.push((Scheme::RsaSha256, header));
        self
    }

    /// Signs with a hex HMAC-SHA256 of the body in `header`, keyed with the secret.
    pub fn hmac_sha256_hex(mut self, header: &'static str) -> Self {
        self.signatures.push((Scheme::HmacSha256Hex, header));
        self
    }

    /// Writes the secret into the payload field `field` (Zoho's channel token).
    pub fn payload_token(mut self, field: &'static str) -> Self {
        self.token = Some(field);
        self
    }

    /// Writes the time of the delivery at `field`, in `format`.
    pub fn timestamp(mut self, field: Field, format: TimestampFormat) -> Self {
        self.timestamp = Some((field, format));
        self
    }

    /// The receiver refuses deliveries without a timestamp.
    pub fn require_timestamp(mut self) -> Self {
        self.require_timestamp = true;
        self
    }

    /// Writes a delivery id at `field` (unless the payload has one).
    pub fn delivery_id(mut self, field: Field) -> Self {
        self.id = Some(field);
        self
    }

    /// Uses `secret` as the HMAC key and payload token in place of [`TEST_SECRET`].
    pub fn secret(mut self, secret: impl Into<String>) -> Self {
        self.secret = secret.into();
        self
    }

    /// The test secret, which a verifier takes only when it is not blank.
    fn test_secret(&self) -> Secret {
        Secret::new(self.secret.clone()).expect("the test secret is blank: give `secret` some text")
    }

    /// The public half of the test Ed25519 key.
    pub fn ed25519_key(&self) -> Ed25519Key {
        Ed25519Key::from_bytes(self.key.verifying_key().as_bytes()).expect("a key made by ed25519-dalek")
    }

    /// A verifier that trusts this signer's key and secret, with the checks configured here.
    pub fn verifier(&self) -> Verifier {
        let mut b = Verifier::builder();
        for (scheme, header) in &self.signatures {
            b = match scheme {
                Scheme::Ed25519 => b.ed25519(header, self.ed25519_key()),
                Scheme::RsaSha256 => {
                    b.rsa_sha256(header, RsaKey::from_public_key_pem(UNUSED_RSA_KEY).expect("a valid test RSA key"))
                }
                Scheme::HmacSha256Hex => b.hmac_sha256_hex(header, self.test_secret()),
            };
        }
        if let Some(field) = self.token {
            b = b.payload_token(field, self.test_secret());
        }
        if let Some((field, format)) = self.timestamp {
            b = b.timestamp(field, format).require_timestamp(self.require_timestamp);
        }
        if let Some(field) = self.id {
            b = b.delivery_id(field);
        }
        b.build().expect("the test keys and secret are valid")
    }

    /// A delivery of `payload` sent now.
    pub fn delivery<T: Serialize + ?Sized>(&self, payload: &T) -> TestDelivery {
        self.delivery_at(payload, SystemTime::now())
    }

    /// A delivery of `payload` sent at `at`: the timestamp is `at` and the
    /// token the signer's; a delivery id the payload has is kept.
    pub fn delivery_at<T: Serialize + ?Sized>(&self, payload: &T, at: SystemTime) -> TestDelivery {
        let mut json = serde_json::to_value(payload).expect("a webhook payload serializes to JSON");
        let mut headers = HeaderMap::new();
        headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        let n = self.count.fetch_add(1, Ordering::SeqCst) + 1;
        let mut put = |field: Field, value: Value, keep: bool, headers: &mut HeaderMap| match field {
            Field::Header(name) => {
                let text = match value {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                headers.insert(
                    header_name(name),
                    HeaderValue::from_str(&text).expect("a header value made here is ASCII"),
                );
            }
            Field::Body(name) => {
                if let Some(map) = json.as_object_mut() {
                    if !keep || matches!(map.get(name), None | Some(Value::Null)) {
                        map.insert(name.to_string(), value);
                    }
                }
            }
        };
        if let Some((field, format)) = self.timestamp {
            put(field, timestamp(at, format), false, &mut headers);
        }
        if let Some(field) = self.id {
            put(field, Value::String(format!("test-delivery-{n}")), true, &mut headers);
        }
        if let Some(field) = self.token {
            if let Some(map) = json.as_object_mut() {
                map.insert(field.to_string(), Value::String(self.secret.clone()));
            }
        }
        let body = serde_json::to_vec(&json).expect("JSON values serialize");
        for (scheme, header) in &self.signatures {
            let value = match scheme {
                Scheme::Ed25519 => base64::engine::general_purpose::STANDARD.encode(self.key.sign(&body).to_bytes()),
                Scheme::HmacSha256Hex => {
                    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(self.secret.as_bytes())
                        .expect("HMAC takes keys of any length");
                    mac.update(&body);
                    hex::encode(mac.finalize().into_bytes())
                }
                Scheme::RsaSha256 => continue,
            };
            headers.insert(header_name(header), HeaderValue::from_str(&value).expect("base64 and hex are ASCII"));
        }
        TestDelivery { headers, body }
    }
}

fn header_name(name: &str) -> HeaderName {
    HeaderName::from_bytes(name.to_ascii_lowercase().as_bytes()).expect("a header name from the spec")
}

fn timestamp(at: SystemTime, format: TimestampFormat) -> Value {
    let since = at.duration_since(UNIX_EPOCH).unwrap_or_default();
    match format {
        TimestampFormat::Rfc3339 => {
            let t = chrono::DateTime::<chrono::Utc>::from(at);
            Value::String(t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        }
        TimestampFormat::UnixSeconds => Value::from(since.as_secs()),
        TimestampFormat::UnixMillis => Value::from(since.as_millis() as u64),
    }
}
