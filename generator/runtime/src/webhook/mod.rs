//! Receiving webhooks: a delivery is held to a body limit, authenticated
//! from its raw bytes (signature header, or a shared token echoed in the
//! payload and read without building the body), checked against a replay
//! window where the vendor sends a timestamp, and only then decoded into
//! the generated event type. Deduplicate on [`Delivery::id`]: a retried
//! delivery verifies again.
//!
//! Generated modules whose spec declares webhooks configure a [`Verifier`]
//! from the spec's `x-webhook-receiver` extension and expose it as
//! `Webhook::verify_and_parse(&headers, body)`. The verifier is
//! framework-agnostic: it takes an [`http::HeaderMap`] and the body bytes
//! exactly as received.
//!
//! Cryptography comes from well-kept crates: `ed25519-dalek` (Ed25519),
//! `rsa` (RSASSA-PKCS1-v1_5 with SHA-256), `hmac` + `sha2` (HMAC-SHA256)
//! and `subtle` (constant-time comparison of tokens and MACs).
//!
//! ```
//! use crmgen_runtime::webhook::{Secret, Verifier};
//! use hmac::{Hmac, Mac};
//!
//! let verifier = Verifier::builder()
//!     .hmac_sha256_hex("Attio-Signature", Secret::new("whsec")?)
//!     .build()?;
//! let body = br#"{"webhook_id":"w1","events":[]}"#;
//! let mut mac = Hmac::<sha2::Sha256>::new_from_slice(b"whsec").unwrap();
//! mac.update(body);
//! let mut headers = http::HeaderMap::new();
//! headers.insert("attio-signature", hex::encode(mac.finalize().into_bytes()).parse()?);
//! let delivery = verifier.parse::<serde_json::Value>(&headers, body)?;
//! assert_eq!(delivery.payload["webhook_id"], "w1");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod error;
mod keys;
mod scan;
mod verifier;

pub use error::{KeyError, WebhookError};
pub use http::HeaderMap;
pub use keys::{Ed25519Key, RsaKey, Secret};
pub use verifier::{
    Delivery, Field, TimestampFormat, Verifier, VerifierBuilder, DEFAULT_BODY_LIMIT, DEFAULT_REPLAY_WINDOW,
};
