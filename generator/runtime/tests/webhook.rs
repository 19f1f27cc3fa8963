//! The webhook verifier on deliveries signed in the test: Ed25519 and
//! HMAC keys generated here, an RSA key generated once with openssl
//! (`tests/fixtures/rsa-test-key.pem`; RSA key generation is slow in debug
//! builds).

#![cfg(feature = "webhooks")]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use crmgen_runtime::webhook::{
    Delivery, Ed25519Key, Field, HeaderMap, RsaKey, Secret, TimestampFormat, Verifier, WebhookError,
};
use ed25519_dalek::Signer as _;
use hmac::Mac as _;
use rsa::pkcs8::DecodePrivateKey as _;
use serde_json::{json, Value};

const RSA_PRIVATE: &str = include_str!("fixtures/rsa-test-key.pem");
const RSA_PUBLIC: &str = include_str!("fixtures/rsa-test-key.pub.pem");

/// HighLevel's published keys (marketplace.gohighlevel.com, Webhook
/// Integration Guide and Webhook Authentication Guide).
const HIGHLEVEL_ED25519: &str = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAi2HR1srL4o18O8BRa7gVJY7G7bupbN3H9AwJrHCDiOg=\n-----END PUBLIC KEY-----\n";

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn headers(pairs: &[(&'static str, String)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.insert(*name, value.parse().unwrap());
    }
    map
}

fn ed25519_pair() -> (ed25519_dalek::SigningKey, Ed25519Key) {
    let signing = ed25519_dalek::SigningKey::generate(&mut rand_core::OsRng);
    let public = Ed25519Key::from_bytes(signing.verifying_key().as_bytes()).unwrap();
    (signing, public)
}

fn rsa_sign(body: &[u8]) -> String {
    use rsa::signature::{SignatureEncoding as _, Signer as _};
    let key = rsa::RsaPrivateKey::from_pkcs8_pem(RSA_PRIVATE).unwrap();
    let signing = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(key);
    b64(&signing.sign(body).to_bytes())
}

fn hmac_hex(secret: &str, body: &[u8]) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

fn flip_one_byte(body: &[u8]) -> Vec<u8> {
    let mut changed = body.to_vec();
    let i = changed.iter().position(|&b| b == b'1').expect("a digit to change");
    changed[i] = b'2';
    changed
}

/// HighLevel's scheme: Ed25519 preferred, the legacy RSA header accepted.
fn highlevel_like(ed: Ed25519Key) -> Verifier {
    Verifier::builder()
        .ed25519("x-ghl-signature", ed)
        .rsa_sha256("x-wh-signature", RsaKey::from_public_key_pem(RSA_PUBLIC).unwrap())
        .timestamp(Field::Body("timestamp"), TimestampFormat::Rfc3339)
        .delivery_id(Field::Body("webhookId"))
        .build()
        .unwrap()
}

const BODY: &[u8] = br#"{"type":"RecordCreate","webhookId":"wh-1","timestamp":"2025-02-10T08:26:05.961Z","id":"679b8f9bde6a0c356a0311b3"}"#;

fn sent_at() -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(1_739_175_965_961)
}

#[test]
fn ed25519_signature_is_verified_over_the_raw_body() {
    let (signing, public) = ed25519_pair();
    let verifier = highlevel_like(public);
    let sig = b64(&signing.sign(BODY).to_bytes());
    let delivery: Delivery<Value> =
        verifier.parse_at(&headers(&[("x-ghl-signature", sig.clone())]), BODY, sent_at()).unwrap();
    assert_eq!(delivery.payload["id"], "679b8f9bde6a0c356a0311b3");
    assert_eq!(delivery.id.as_deref(), Some("wh-1"));
    assert_eq!(delivery.timestamp, Some(sent_at()));

    let changed = flip_one_byte(BODY);
    let err = verifier.parse_at::<Value>(&headers(&[("x-ghl-signature", sig)]), &changed, sent_at()).unwrap_err();
    assert_eq!(err, WebhookError::BadSignature { header: "x-ghl-signature" });
}

#[test]
fn a_signature_from_another_key_is_refused() {
    let (_, public) = ed25519_pair();
    let (other, _) = ed25519_pair();
    let sig = b64(&other.sign(BODY).to_bytes());
    let err = highlevel_like(public).parse_at::<Value>(&headers(&[("x-ghl-signature", sig)]), BODY, sent_at());
    assert_eq!(err.unwrap_err(), WebhookError::BadSignature { header: "x-ghl-signature" });
}

#[test]
fn missing_and_malformed_signatures_are_refused_with_their_header() {
    let (_, public) = ed25519_pair();
    let verifier = highlevel_like(public);
    let err = verifier.parse_at::<Value>(&HeaderMap::new(), BODY, sent_at()).unwrap_err();
    assert_eq!(err, WebhookError::MissingSignature { headers: vec!["x-ghl-signature", "x-wh-signature"] });
    assert!(err.to_string().contains("x-ghl-signature, x-wh-signature"), "{err}");
    assert!(err.is_refusal());

    let err = verifier.parse_at::<Value>(&headers(&[("x-ghl-signature", "N/A".into())]), BODY, sent_at());
    assert!(matches!(err, Err(WebhookError::MalformedSignature { header: "x-ghl-signature", .. })), "{err:?}");
    let short = b64(&[7; 63]);
    let err = verifier.parse_at::<Value>(&headers(&[("x-ghl-signature", short)]), BODY, sent_at());
    assert_eq!(
        err.unwrap_err(),
        WebhookError::MalformedSignature { header: "x-ghl-signature", reason: "not 64 bytes" }
    );
}

#[test]
fn legacy_rsa_signature_is_accepted_when_it_is_the_only_header() {
    let (_, public) = ed25519_pair();
    let verifier = highlevel_like(public);
    let sig = rsa_sign(BODY);
    let delivery = verifier.parse_at::<Value>(&headers(&[("x-wh-signature", sig.clone())]), BODY, sent_at());
    assert_eq!(delivery.unwrap().payload["type"], "RecordCreate");

    let err = verifier.parse_at::<Value>(&headers(&[("x-wh-signature", sig)]), &flip_one_byte(BODY), sent_at());
    assert_eq!(err.unwrap_err(), WebhookError::BadSignature { header: "x-wh-signature" });
}

#[test]
fn a_failed_preferred_signature_never_falls_back_to_the_legacy_one() {
    let (_, public) = ed25519_pair();
    let (other, _) = ed25519_pair();
    let both = headers(&[("x-ghl-signature", b64(&other.sign(BODY).to_bytes())), ("x-wh-signature", rsa_sign(BODY))]);
    let err = highlevel_like(public).parse_at::<Value>(&both, BODY, sent_at()).unwrap_err();
    assert_eq!(err, WebhookError::BadSignature { header: "x-ghl-signature" });
}

#[test]
fn hmac_signature_and_idempotency_key() {
    let verifier = Verifier::builder()
        .hmac_sha256_hex("Attio-Signature", Secret::new("whsec-test"))
        .delivery_id(Field::Header("Idempotency-Key"))
        .build()
        .unwrap();
    let body = br#"{"webhook_id":"5d4b3a2c-1111-4222-8333-944455556666","events":[]}"#;
    let good = headers(&[("attio-signature", hmac_hex("whsec-test", body)), ("idempotency-key", "k-1".into())]);
    let delivery: Delivery<Value> = verifier.parse(&good, body).unwrap();
    assert_eq!(delivery.id.as_deref(), Some("k-1"));
    assert_eq!(delivery.timestamp, None);
    // Upper-case hex is the same signature.
    let upper = headers(&[("attio-signature", hmac_hex("whsec-test", body).to_uppercase())]);
    assert!(verifier.parse::<Value>(&upper, body).is_ok());

    let wrong_secret = headers(&[("attio-signature", hmac_hex("another", body))]);
    assert_eq!(
        verifier.parse::<Value>(&wrong_secret, body).unwrap_err(),
        WebhookError::BadSignature { header: "Attio-Signature" }
    );
    assert_eq!(
        verifier.parse::<Value>(&good, &flip_one_byte(body)).unwrap_err(),
        WebhookError::BadSignature { header: "Attio-Signature" }
    );
    let not_hex = headers(&[("attio-signature", "zz".into())]);
    assert!(matches!(verifier.parse::<Value>(&not_hex, body), Err(WebhookError::MalformedSignature { .. })));
}

#[test]
fn payload_token_is_compared_and_server_time_bounds_the_replay_window() {
    let verifier = Verifier::builder()
        .payload_token("token", Secret::new("TOKEN_FOR_VERIFICATION_OF_1000000068001"))
        .timestamp(Field::Body("server_time"), TimestampFormat::UnixMillis)
        .require_timestamp(true)
        .build()
        .unwrap();
    let at = UNIX_EPOCH + Duration::from_millis(1_589_444_677_584);
    let body = |token: &str, time: Value| {
        serde_json::to_vec(&json!({"server_time": time, "module": "Leads", "operation": "insert", "token": token}))
            .unwrap()
    };
    let ok = body("TOKEN_FOR_VERIFICATION_OF_1000000068001", json!(1_589_444_677_584u64));
    let delivery = verifier.parse_at::<Value>(&HeaderMap::new(), &ok, at + Duration::from_secs(299)).unwrap();
    assert_eq!(delivery.timestamp, Some(at));

    let wrong = body("TOKEN_FOR_VERIFICATION_OF_1000000068002", json!(1_589_444_677_584u64));
    assert_eq!(
        verifier.parse_at::<Value>(&HeaderMap::new(), &wrong, at).unwrap_err(),
        WebhookError::TokenMismatch { field: "token" }
    );
    let none = serde_json::to_vec(&json!({"server_time": 1_589_444_677_584u64})).unwrap();
    assert_eq!(
        verifier.parse_at::<Value>(&HeaderMap::new(), &none, at).unwrap_err(),
        WebhookError::MissingToken { field: "token" }
    );

    let stale = verifier.parse_at::<Value>(&HeaderMap::new(), &ok, at + Duration::from_secs(301)).unwrap_err();
    assert_eq!(stale, WebhookError::Stale { age: Duration::from_secs(301), window: Duration::from_secs(300) });
    let ahead = verifier.parse_at::<Value>(&HeaderMap::new(), &ok, at - Duration::from_secs(400)).unwrap_err();
    assert!(matches!(ahead, WebhookError::FromTheFuture { .. }), "{ahead:?}");

    let untimed = serde_json::to_vec(&json!({"token": "TOKEN_FOR_VERIFICATION_OF_1000000068001"})).unwrap();
    assert_eq!(
        verifier.parse_at::<Value>(&HeaderMap::new(), &untimed, at).unwrap_err(),
        WebhookError::MissingTimestamp { field: "payload field `server_time`".into() }
    );
    let garbled = body("TOKEN_FOR_VERIFICATION_OF_1000000068001", json!("yesterday"));
    assert!(matches!(
        verifier.parse_at::<Value>(&HeaderMap::new(), &garbled, at),
        Err(WebhookError::MalformedTimestamp { .. })
    ));
}

#[test]
fn stale_rfc3339_timestamps_are_refused_after_the_signature_passed() {
    let (signing, public) = ed25519_pair();
    let verifier = highlevel_like(public);
    let sig = headers(&[("x-ghl-signature", b64(&signing.sign(BODY).to_bytes()))]);
    let err = verifier.parse_at::<Value>(&sig, BODY, sent_at() + Duration::from_secs(3600)).unwrap_err();
    assert_eq!(err, WebhookError::Stale { age: Duration::from_secs(3600), window: Duration::from_secs(300) });
    assert!(err.is_refusal());
    // A receiver replaying stored deliveries turns the window off.
    let (signing, public) = ed25519_pair();
    let lenient = Verifier::builder()
        .ed25519("x-ghl-signature", public)
        .timestamp(Field::Body("timestamp"), TimestampFormat::Rfc3339)
        .no_replay_window()
        .build()
        .unwrap();
    let sig = headers(&[("x-ghl-signature", b64(&signing.sign(BODY).to_bytes()))]);
    assert!(lenient.parse::<Value>(&sig, BODY).is_ok());
}

#[test]
fn an_authentic_body_that_does_not_decode_names_the_path() {
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Event {
        id: u64,
    }
    let verifier = Verifier::builder().hmac_sha256_hex("Attio-Signature", Secret::new("s")).build().unwrap();
    let body = br#"{"id":"not a number"}"#;
    let err = verifier.parse::<Event>(&headers(&[("attio-signature", hmac_hex("s", body))]), body).unwrap_err();
    assert!(matches!(&err, WebhookError::Decode { path, .. } if path == "id"), "{err:?}");
    assert!(!err.is_refusal());
    let not_json = b"<html>";
    let err = verifier.parse::<Value>(&headers(&[("attio-signature", hmac_hex("s", not_json))]), not_json);
    assert!(matches!(err, Err(WebhookError::Decode { .. })));
}

#[test]
fn a_verifier_must_check_something_and_keys_must_parse() {
    let err = Verifier::builder().build().unwrap_err();
    assert!(err.to_string().contains("signature header or a payload token"), "{err}");
    let err = Ed25519Key::from_public_key_pem(RSA_PUBLIC).unwrap_err();
    assert!(err.to_string().starts_with("invalid Ed25519 public key"), "{err}");
    assert!(RsaKey::from_public_key_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----").is_err());
}

#[test]
fn highlevels_published_keys_parse() {
    let key = Ed25519Key::from_public_key_pem(HIGHLEVEL_ED25519).unwrap();
    assert_eq!(format!("{key:?}"), "Ed25519Key(8b61d1d6cacbe28d7c3bc0516bb815258ec6edbba96cddc7f40c09ac708388e8)");
}

#[test]
fn secrets_stay_out_of_debug_and_errors() {
    let verifier = Verifier::builder()
        .hmac_sha256_hex("Attio-Signature", Secret::new("super-secret-value"))
        .payload_token("token", Secret::new("token-secret-value"))
        .build()
        .unwrap();
    let debug = format!("{verifier:?}");
    assert!(!debug.contains("super-secret-value") && !debug.contains("token-secret-value"), "{debug}");
    let sig = hmac_hex("super-secret-value", b"{}");
    let err = verifier.parse::<Value>(&headers(&[("attio-signature", sig.clone())]), b"{}").unwrap_err();
    assert!(!err.to_string().contains(&sig) && !format!("{err:?}").contains(&sig));
}
