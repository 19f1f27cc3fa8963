//! The webhook verifier on deliveries signed in the test: Ed25519 and
//! HMAC keys generated here, an RSA key generated once with openssl
//! (`tests/fixtures/rsa-test-key.pem`; RSA key generation is slow in debug
//! builds).

#![cfg(feature = "webhooks")]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use crmgen_runtime::webhook::{
    Delivery, Ed25519Key, Field, HeaderMap, KeyError, RsaKey, Secret, TimestampFormat, Verifier, WebhookError,
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
        .hmac_sha256_hex("Attio-Signature", Secret::new("whsec-test").unwrap())
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
        .payload_token("token", Secret::new("TOKEN_FOR_VERIFICATION_OF_1000000068001").unwrap())
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
    let verifier = Verifier::builder().hmac_sha256_hex("Attio-Signature", Secret::new("s").unwrap()).build().unwrap();
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
        .hmac_sha256_hex("Attio-Signature", Secret::new("super-secret-value").unwrap())
        .payload_token("token", Secret::new("token-secret-value").unwrap())
        .build()
        .unwrap();
    let debug = format!("{verifier:?}");
    assert!(!debug.contains("super-secret-value") && !debug.contains("token-secret-value"), "{debug}");
    let sig = hmac_hex("super-secret-value", b"{}");
    let err = verifier.parse::<Value>(&headers(&[("attio-signature", sig.clone())]), b"{}").unwrap_err();
    assert!(!err.to_string().contains(&sig) && !format!("{err:?}").contains(&sig));
}

#[test]
fn during_a_key_rotation_either_key_of_a_header_verifies() {
    let (old, old_public) = ed25519_pair();
    let (new, new_public) = ed25519_pair();
    let (stranger, _) = ed25519_pair();
    let verifier = Verifier::builder()
        .ed25519("x-ghl-signature", old_public)
        .ed25519("x-ghl-signature", new_public)
        .build()
        .unwrap();
    for (signer, name) in [(&old, "old"), (&new, "new")] {
        let sig = headers(&[("x-ghl-signature", b64(&signer.sign(BODY).to_bytes()))]);
        let delivery = verifier.parse_at::<Value>(&sig, BODY, sent_at());
        assert!(delivery.is_ok(), "signed with the {name} key: {delivery:?}");
    }
    let sig = headers(&[("x-ghl-signature", b64(&stranger.sign(BODY).to_bytes()))]);
    assert_eq!(
        verifier.parse_at::<Value>(&sig, BODY, sent_at()).unwrap_err(),
        WebhookError::BadSignature { header: "x-ghl-signature" }
    );
    // A signature made by one key over another body is still refused.
    let sig = headers(&[("x-ghl-signature", b64(&new.sign(BODY).to_bytes()))]);
    assert!(verifier.parse_at::<Value>(&sig, &flip_one_byte(BODY), sent_at()).is_err());
}

#[test]
fn empty_or_blank_secrets_cannot_be_made() {
    for blank in ["", " ", "\t", "\r\n  "] {
        assert_eq!(Secret::new(blank).unwrap_err(), KeyError::EmptySecret, "{blank:?}");
        assert!(Secret::try_from(blank).is_err());
        assert!(Secret::try_from(blank.to_string()).is_err());
    }
    assert!(Secret::new(" s ").is_ok(), "a secret with spaces around it is still a secret");
}

#[test]
fn a_header_with_no_key_or_two_schemes_is_refused_at_build() {
    let err = Verifier::builder().ed25519_keys("x-sig", []).build().unwrap_err();
    assert_eq!(err, KeyError::NoKeys { header: "x-sig" });
    let (_, public) = ed25519_pair();
    let err = Verifier::builder()
        .ed25519("x-sig", public)
        .hmac_sha256_hex("X-Sig", Secret::new("s").unwrap())
        .build()
        .unwrap_err();
    assert!(matches!(err, KeyError::Conflict { .. }), "{err:?}");
    let err = Verifier::builder()
        .payload_token("token", Secret::new("a").unwrap())
        .payload_token("secret", Secret::new("b").unwrap())
        .build()
        .unwrap_err();
    assert!(matches!(err, KeyError::Conflict { .. }), "{err:?}");
    let err = Verifier::builder()
        .hmac_sha256_hex("A-Sig", Secret::new("s").unwrap())
        .header_alias("B-Sig", "X-B-Sig")
        .build()
        .unwrap_err();
    assert!(matches!(err, KeyError::Conflict { .. }), "an alias of an unknown header: {err:?}");
    let err = Verifier::builder()
        .payload_token("token", Secret::new("a").unwrap())
        .timestamp(Field::Body("token"), TimestampFormat::UnixMillis)
        .build()
        .unwrap_err();
    assert!(matches!(err, KeyError::Conflict { .. }), "{err:?}");
}

#[test]
fn keys_that_verify_forgeries_are_refused() {
    // The identity point: small order, `verify_strict` would refuse its
    // signatures, but such a key is never a vendor's.
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let err = Ed25519Key::from_bytes(&identity).unwrap_err();
    assert!(err.to_string().contains("weak"), "{err}");
    let err = RsaKey::from_public_key_pem(include_str!("fixtures/rsa-1024.pub.pem")).unwrap_err();
    assert!(err.to_string().contains("1024 bits"), "{err}");
}

fn attio_like(secrets: &[&str]) -> Verifier {
    let mut builder = Verifier::builder();
    for s in secrets {
        builder = builder.hmac_sha256_hex("Attio-Signature", Secret::new(*s).unwrap());
    }
    builder.header_alias("Attio-Signature", "X-Attio-Signature").build().unwrap()
}

fn appended(pairs: &[(&'static str, String)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.append(*name, value.parse().unwrap());
    }
    map
}

#[test]
fn signature_copies_that_disagree_are_refused_in_any_order() {
    let body = br#"{"webhook_id":"w","events":[]}"#;
    let verifier = attio_like(&["whsec"]);
    let (right, wrong) = (hmac_hex("whsec", body), hmac_hex("other", body));
    let conflict = WebhookError::ConflictingSignatures { header: "Attio-Signature" };
    for pairs in [
        [("attio-signature", right.clone()), ("attio-signature", wrong.clone())],
        [("attio-signature", wrong.clone()), ("attio-signature", right.clone())],
        [("attio-signature", right.clone()), ("x-attio-signature", wrong.clone())],
        [("attio-signature", wrong.clone()), ("x-attio-signature", right.clone())],
        [("x-attio-signature", right.clone()), ("x-attio-signature", wrong.clone())],
    ] {
        assert_eq!(verifier.parse::<Value>(&appended(&pairs), body).unwrap_err(), conflict, "{pairs:?}");
    }
    // Copies of one value are one signature; an alias alone is read.
    let same = appended(&[("attio-signature", right.clone()), ("x-attio-signature", right.to_uppercase())]);
    assert_eq!(verifier.parse::<Value>(&same, body).unwrap_err(), conflict, "only byte-equal copies agree");
    let same = appended(&[("attio-signature", right.clone()), ("attio-signature", right.clone())]);
    assert!(verifier.parse::<Value>(&same, body).is_ok());
    let alias = appended(&[("x-attio-signature", right)]);
    assert!(verifier.parse::<Value>(&alias, body).is_ok());
    let alias = appended(&[("x-attio-signature", wrong)]);
    assert_eq!(
        verifier.parse::<Value>(&alias, body).unwrap_err(),
        WebhookError::BadSignature { header: "Attio-Signature" }
    );
}

#[test]
fn empty_and_truncated_signatures_are_malformed_not_compared() {
    let body = br#"{"webhook_id":"w","events":[]}"#;
    let verifier = attio_like(&["whsec"]);
    let full = hmac_hex("whsec", body);
    for value in [String::new(), full[..2].to_string(), full[..62].to_string(), format!("{full}00")] {
        let err = verifier.parse::<Value>(&headers(&[("attio-signature", value.clone())]), body).unwrap_err();
        assert!(matches!(err, WebhookError::MalformedSignature { .. }), "{value:?}: {err:?}");
    }
}

#[test]
fn during_a_secret_rotation_either_secret_verifies() {
    let body = br#"{"webhook_id":"w","events":[]}"#;
    let verifier = attio_like(&["old-secret", "new-secret"]);
    for secret in ["old-secret", "new-secret"] {
        assert!(verifier.parse::<Value>(&headers(&[("attio-signature", hmac_hex(secret, body))]), body).is_ok());
    }
    let forged = headers(&[("attio-signature", hmac_hex("third", body))]);
    assert!(verifier.parse::<Value>(&forged, body).is_err());
}

#[test]
fn fields_the_verifier_reads_twice_are_refused() {
    let verifier = Verifier::builder()
        .payload_token("token", Secret::new("right").unwrap())
        .timestamp(Field::Body("server_time"), TimestampFormat::UnixMillis)
        .no_replay_window()
        .build()
        .unwrap();
    for body in [
        r#"{"token":"wrong","token":"right","server_time":1}"#,
        r#"{"token":"right","token":"wrong","server_time":1}"#,
        r#"{"token":"right","server_time":1,"server_time":2}"#,
    ] {
        let err = verifier.parse::<Value>(&HeaderMap::new(), body.as_bytes()).unwrap_err();
        assert!(matches!(err, WebhookError::ConflictingField { .. }), "{body}: {err:?}");
        assert!(err.is_refusal());
    }
    // A token in a nested object is not the payload's token.
    let nested = br#"{"data":{"token":"right"},"server_time":1}"#;
    assert_eq!(
        verifier.parse::<Value>(&HeaderMap::new(), nested).unwrap_err(),
        WebhookError::MissingToken { field: "token" }
    );
    // A token with escapes is compared as the text it stands for.
    let escaped = br#"{"token":"r\u0069ght","server_time":1}"#;
    assert!(verifier.parse::<Value>(&HeaderMap::new(), escaped).is_ok());
    let not_json = b"token=right";
    assert_eq!(
        verifier.parse::<Value>(&HeaderMap::new(), not_json).unwrap_err(),
        WebhookError::MissingToken { field: "token" }
    );

    let by_header = Verifier::builder()
        .hmac_sha256_hex("X-Sig", Secret::new("s").unwrap())
        .timestamp(Field::Header("X-Timestamp"), TimestampFormat::UnixSeconds)
        .delivery_id(Field::Header("X-Delivery"))
        .no_replay_window()
        .build()
        .unwrap();
    let body = b"{}";
    let sig = hmac_hex("s", body);
    for (name, other) in [("x-timestamp", "2"), ("x-delivery", "d2")] {
        let map = appended(&[
            ("x-sig", sig.clone()),
            ("x-timestamp", "1".into()),
            ("x-delivery", "d1".into()),
            (name, other.into()),
        ]);
        let err = by_header.parse::<Value>(&map, body).unwrap_err();
        assert!(
            matches!(&err, WebhookError::ConflictingField { field } if field.to_ascii_lowercase().contains(name)),
            "{err:?}"
        );
    }
}

#[test]
fn the_token_is_removed_before_decoding() {
    let verifier = Verifier::builder().payload_token("token", Secret::new("channel-token").unwrap()).build().unwrap();
    let body = br#"{"operation":"restore","token":"channel-token"}"#;
    let delivery = verifier.parse::<Value>(&HeaderMap::new(), body).unwrap();
    assert_eq!(delivery.payload, json!({"operation": "restore"}));
    assert!(!format!("{delivery:?}").contains("channel-token"));
}
