//! The generator's webhook support: 3.1 `webhooks` and 3.0 `x-webhooks`
//! become one open event enum and a `Webhook` receiver configured from
//! `x-webhook-receiver`; a wrong receiver section is refused with its place.

use crmgen::model::{SignatureScheme, TimestampFormat, Ty};

fn options(strict: bool) -> crmgen::Options {
    crmgen::Options {
        module_path: "api".into(),
        spec_label: "webhooks.yaml".into(),
        command: "crmgen module".into(),
        strict,
    }
}

const RECEIVER: &str = r#"
x-webhook-receiver:
  discriminator: kind
  signatures:
    - scheme: hmac-sha256-hex
      header: X-Signature
  timestamp: {in: header, name: X-Timestamp, format: unix-seconds, required: true}
  delivery-id: {in: header, name: X-Delivery}
"#;

fn spec_31(receiver: &str) -> String {
    format!(
        r#"openapi: 3.1.0
info: {{title: Pets, version: '1'}}
paths: {{}}
components:
  schemas:
    Adopted:
      type: object
      required: [kind, pet]
      properties:
        kind: {{type: string}}
        pet: {{type: string}}
        at: {{type: [string, 'null'], format: date-time}}
webhooks:
  pet.adopted:
    post:
      summary: A pet was adopted
      requestBody:
        content:
          application/json:
            schema: {{$ref: '#/components/schemas/Adopted'}}
      responses: {{'200': {{description: ok}}}}
  pet.renamed:
    post:
      x-webhook-event-types: [renamed, pet.renamed]
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                kind: {{type: string}}
                name: {{type: string}}
      responses: {{'200': {{description: ok}}}}
{receiver}"#
    )
}

#[test]
fn openapi_31_webhooks_become_an_event_enum_and_a_receiver() {
    let generated = crmgen::generate_str(&spec_31(RECEIVER), &options(true)).unwrap();
    let w = generated.api.webhooks.as_ref().expect("webhooks kept");
    assert_eq!(
        (w.enum_name.as_str(), w.receiver_name.as_str(), w.discriminator.as_str()),
        ("WebhookEvent", "Webhook", "kind")
    );
    let events: Vec<(&str, Vec<&str>)> =
        w.events.iter().map(|e| (e.variant.as_str(), e.tags.iter().map(String::as_str).collect())).collect();
    assert_eq!(events, [("PetAdopted", vec!["pet.adopted"]), ("PetRenamed", vec!["renamed", "pet.renamed"])]);
    assert_eq!(w.events[0].ty, Ty::Named("Adopted".into()));
    assert_eq!(w.signatures[0].scheme, SignatureScheme::HmacSha256Hex);
    assert_eq!(w.signatures[0].param, "x_signature");
    let ts = w.timestamp.as_ref().unwrap();
    assert!(ts.field.in_header && ts.required && ts.format == TimestampFormat::UnixSeconds);
    assert!(generated.api.uses.webhooks && generated.api.uses.chrono);

    // Compared without whitespace: the formatter decides the line breaks.
    // and where a trailing comma goes.
    let code: String = generated.code.split_whitespace().collect::<String>().replace(",)", ")");
    for expected in [
        "#[tag = \"kind\"]",
        "#[tags(\"pet.adopted\")]",
        "PetAdopted(Adopted)",
        "#[tags(\"renamed\", \"pet.renamed\")]",
        ".hmac_sha256_hex(\"X-Signature\", runtime::webhook::Secret::new(x_signature)?)",
        ".timestamp(runtime::webhook::Field::Header(\"X-Timestamp\"), runtime::webhook::TimestampFormat::UnixSeconds)",
        ".require_timestamp(true)",
        ".delivery_id(runtime::webhook::Field::Header(\"X-Delivery\"))",
        "runtime::webhook::Delivery<WebhookEvent>",
    ] {
        let expected: String = expected.split_whitespace().collect();
        assert!(code.contains(&expected), "missing `{expected}` in:\n{}", generated.code);
    }
}

#[test]
fn published_public_keys_are_embedded_as_constants() {
    let receiver = r#"
x-webhook-receiver:
  discriminator: kind
  signatures:
    - scheme: ed25519
      header: x-sig
      public-key: |
        -----BEGIN PUBLIC KEY-----
        MCowBQYDK2VwAyEAi2HR1srL4o18O8BRa7gVJY7G7bupbN3H9AwJrHCDiOg=
        -----END PUBLIC KEY-----
"#;
    let code = crmgen::generate_str(&spec_31(receiver), &options(true)).unwrap().code;
    let flat: String = code.split_whitespace().collect::<String>().replace(",)", ")");
    for expected in [
        "pub const X_SIG_PUBLIC_KEY: &str = \"-----BEGIN PUBLIC KEY-----\\nMCowBQYDK2VwAyEA",
        "pub fn new() -> Result<Self, runtime::webhook::KeyError>",
        "pub fn with_keys(x_sig: impl IntoIterator<Item = runtime::webhook::Ed25519Key>) -> Result<Self, runtime::webhook::KeyError>",
    ] {
        let expected: String = expected.split_whitespace().collect();
        assert!(flat.contains(&expected), "missing `{expected}` in:\n{code}");
    }
}

#[test]
fn webhooks_without_a_receiver_section_are_ignored_with_a_warning() {
    let generated = crmgen::generate_str(&spec_31(""), &options(false)).unwrap();
    assert!(generated.api.webhooks.is_none());
    let warning = generated.warnings.iter().find(|w| w.pointer == "#/webhooks").expect("a warning");
    assert!(warning.message.contains("x-webhook-receiver"), "{warning}");
    assert!(crmgen::generate_str(&spec_31(""), &options(true)).is_err(), "strict mode refuses it");
}

#[test]
fn a_wrong_receiver_section_is_refused_with_its_pointer() {
    let cases = [
        (RECEIVER.replace("hmac-sha256-hex", "md5"), "#/x-webhook-receiver/signatures/0/scheme", "md5"),
        (
            RECEIVER.replace("X-Signature", "bad header"),
            "#/x-webhook-receiver/signatures/0/header",
            "not a header name",
        ),
        (RECEIVER.replace("unix-seconds", "weekday"), "#/x-webhook-receiver/timestamp/format", "weekday"),
        (
            RECEIVER.replace("{in: header, name: X-Delivery}", "{in: query, name: d}"),
            "#/x-webhook-receiver/delivery-id",
            "in: query",
        ),
        (
            RECEIVER.replace("  discriminator: kind\n", "  discriminator: kind\n  sigantures: []\n"),
            "#/x-webhook-receiver/sigantures",
            "unknown key",
        ),
        (
            "\nx-webhook-receiver:\n  discriminator: kind\n".to_string(),
            "#/x-webhook-receiver",
            "must check a signature or a payload token",
        ),
        (
            RECEIVER.replace("      header: X-Signature\n", "      header: X-Signature\n      public-key: abc\n"),
            "#/x-webhook-receiver/signatures/0/public-key",
            "secret, not a public key",
        ),
        (
            RECEIVER.replace("      header: X-Signature\n", "      header: X-Signature\n      deprecated: true\n"),
            "#/x-webhook-receiver",
            "a deprecated signature is opt-in",
        ),
        (
            RECEIVER.replace(
                "      header: X-Signature\n",
                "      header: X-Signature\n      alias-headers: [x-signature]\n",
            ),
            "#/x-webhook-receiver/signatures/0/header",
            "read twice",
        ),
        (
            RECEIVER
                .replace("      header: X-Signature\n", "      header: X-Signature\n      alias-headers: ['a b']\n"),
            "#/x-webhook-receiver/signatures/0/alias-headers/0",
            "not a header name",
        ),
        (
            RECEIVER.replace("      header: X-Signature\n", "      header: X-Signature\n      sunset: '2026-07-01'\n"),
            "#/x-webhook-receiver/signatures/0/sunset",
            "needs `deprecated: true`",
        ),
        (
            RECEIVER.replace("required: true}", "required: true, window-seconds: 0}"),
            "#/x-webhook-receiver/timestamp/window-seconds",
            "refuses every delivery",
        ),
        (format!("{RECEIVER}  retry-status: 200\n"), "#/x-webhook-receiver/retry-status", "not an error status"),
    ];
    for (receiver, pointer, message) in cases {
        let err = crmgen::generate_str(&spec_31(&receiver), &options(true)).unwrap_err();
        let location = err.location().and_then(|l| l.pointer.clone());
        assert_eq!(location.as_deref(), Some(pointer), "{err}");
        assert!(err.to_string().contains(message), "`{message}` not in: {err}");
    }
}

#[test]
fn two_events_selected_by_the_same_type_are_refused() {
    let spec = spec_31(RECEIVER).replace("[renamed, pet.renamed]", "[pet.adopted]");
    let err = crmgen::generate_str(&spec, &options(true)).unwrap_err();
    assert!(err.to_string().contains("event type `pet.adopted` also selects webhook `pet.adopted`"), "{err}");
}

#[test]
fn aliases_windows_retries_and_deprecated_signatures_reach_the_receiver() {
    let receiver = r#"
x-webhook-receiver:
  discriminator: kind
  signatures:
    - scheme: hmac-sha256-hex
      header: X-Signature
      alias-headers: [X-Legacy-Middleware-Signature]
    - scheme: ed25519
      header: x-old-sig
      deprecated: true
      sunset: '2026-07-01'
      public-key: |
        -----BEGIN PUBLIC KEY-----
        MCowBQYDK2VwAyEAi2HR1srL4o18O8BRa7gVJY7G7bupbN3H9AwJrHCDiOg=
        -----END PUBLIC KEY-----
  timestamp: {in: header, name: X-Timestamp, format: unix-seconds, window-seconds: 4500}
  retry-status: 429
"#;
    let generated = crmgen::generate_str(&spec_31(receiver), &options(true)).unwrap();
    let w = generated.api.webhooks.as_ref().unwrap();
    assert_eq!(w.signatures[0].aliases, ["X-Legacy-Middleware-Signature"]);
    assert!(w.signatures[1].deprecated && w.signatures[1].sunset.as_deref() == Some("2026-07-01"));
    assert_eq!(w.timestamp.as_ref().unwrap().window_secs, Some(4500));
    assert_eq!(w.retry_status, Some(429));
    let code = generated.code;
    let flat: String = code.split_whitespace().collect::<String>().replace(",)", ")");
    for expected in [
        ".header_alias(\"X-Signature\", \"X-Legacy-Middleware-Signature\")",
        "pub const REPLAY_WINDOW: ::std::time::Duration = ::std::time::Duration::from_secs(4500);",
        ".replay_window(Self::REPLAY_WINDOW)",
        "pub const RETRY_STATUS: Option<u16> = Some(429);",
        "pub fn new(x_signature: impl Into<String>) -> Result<Self, runtime::webhook::KeyError>",
        "pub fn with_legacy_x_old_sig(self) -> Result<Self, runtime::webhook::KeyError>",
        "pub fn with_legacy_x_old_sig_keys(self, keys: impl IntoIterator<Item = runtime::webhook::Ed25519Key>)",
        ".ed25519_keys(\"x-old-sig\", keys)",
    ] {
        let expected: String = expected.split_whitespace().collect();
        assert!(flat.contains(&expected), "missing `{expected}` in:\n{code}");
    }
    // The deprecated signature is not part of the default verifier.
    let new_body = flat.split("pubfnnew(").nth(1).unwrap().split("Ok(Self{verifier})").next().unwrap();
    assert!(!new_body.contains("x-old-sig"), "{code}");
}
