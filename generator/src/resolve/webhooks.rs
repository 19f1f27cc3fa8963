//! Webhooks: the events an API sends (OpenAPI 3.1 `webhooks`, kept by the
//! normalizer as `x-webhooks`, or `x-webhooks` in a 3.0 spec: event name ->
//! Path Item whose `post` request body is the event's payload) and how a
//! delivery is authenticated (the `x-webhook-receiver` extension).
//!
//! ```yaml
//! x-webhook-receiver:
//!   discriminator: type            # the event property naming its type
//!   envelope: {id: webhook_id, events: events}   # optional: batched events
//!   signatures:                    # headers in order of preference
//!     - {scheme: ed25519, header: x-ghl-signature, public-key: "-----BEGIN PUBLIC KEY-----..."}
//!     - {scheme: rsa-sha256, header: x-wh-signature, deprecated: true, sunset: 2026-07-01}
//!     - {scheme: hmac-sha256-hex, header: Attio-Signature, alias-headers: [X-Attio-Signature]}
//!   token: {field: token}          # a shared token echoed in the payload
//!   timestamp: {in: body, name: server_time, format: unix-millis, required: true,
//!               window-seconds: 4500}   # must cover retries that keep the first timestamp
//!   delivery-id: {in: header, name: Idempotency-Key}
//!   retry-status: 429              # the status the vendor delivers again after
//! ```
//!
//! A `deprecated` signature is trusted only when the receiver opts in.
//!
//! An event's post operation may list the discriminator values selecting
//! it in `x-webhook-event-types` (default: the webhook's name).

use indexmap::{IndexMap, IndexSet};
use openapiv3 as oa;
use serde::Deserialize;
use serde_json::Value;

use crate::error::{escape_pointer, Error, Result};
use crate::model::{
    ContentKind, SignatureScheme, TimestampFormat, WebhookEnvelope, WebhookEvent, WebhookField, WebhookSecretParam,
    WebhookSignature, WebhookTimestamp, Webhooks,
};
use crate::naming::{pascal, snake, Scope};

use super::Resolver;

const WEBHOOKS: &str = "x-webhooks";
const RECEIVER: &str = "x-webhook-receiver";

/// The `x-webhook-receiver` extension as written in a spec.
#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct ReceiverExt {
    discriminator: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(rename = "externalDocs", default)]
    external_docs: Option<oa::ExternalDocumentation>,
    #[serde(default)]
    envelope: Option<EnvelopeExt>,
    #[serde(default)]
    signatures: Vec<SignatureExt>,
    #[serde(default)]
    token: Option<TokenExt>,
    #[serde(default)]
    timestamp: Option<TimestampExt>,
    #[serde(default)]
    delivery_id: Option<FieldExt>,
    #[serde(default)]
    retry_status: Option<u16>,
    /// Only `x-` annotations besides the keys above.
    #[serde(flatten)]
    rest: IndexMap<String, Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EnvelopeExt {
    #[serde(default)]
    id: Option<String>,
    events: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct SignatureExt {
    scheme: String,
    header: String,
    #[serde(default)]
    public_key: Option<String>,
    #[serde(default)]
    deprecated: bool,
    #[serde(default)]
    sunset: Option<String>,
    #[serde(default)]
    alias_headers: Vec<String>,
    #[serde(flatten)]
    rest: IndexMap<String, Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenExt {
    field: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FieldExt {
    #[serde(rename = "in")]
    location: String,
    name: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TimestampExt {
    #[serde(rename = "in")]
    location: String,
    name: String,
    format: String,
    #[serde(default)]
    required: bool,
    #[serde(rename = "window-seconds", default)]
    window_seconds: Option<u64>,
}

/// The webhook sections of a document, read before resolution so that the
/// resolver can borrow their schemas.
pub(super) struct Parsed {
    receiver: ReceiverExt,
    hooks: IndexMap<String, oa::PathItem>,
    /// The document's key for its webhooks (`webhooks` in 3.1), for pointers.
    key: String,
}

/// Reads `x-webhooks` and `x-webhook-receiver`. Webhooks without a receiver
/// section are ignored with a warning (how to authenticate them is unknown).
pub(super) fn parse(doc: &oa::OpenAPI, warnings: &mut Vec<crate::error::Warning>) -> Result<Option<Parsed>> {
    let hooks = doc.extensions.get(WEBHOOKS);
    let receiver = doc.extensions.get(RECEIVER);
    let key = doc.extensions.get(crate::normalize::WEBHOOKS_SOURCE_KEY).and_then(Value::as_str).unwrap_or(WEBHOOKS);
    let (hooks, receiver) = match (hooks, receiver) {
        (None, None) => return Ok(None),
        (Some(_), None) => {
            warnings.push(crate::error::Warning {
                pointer: format!("#/{key}"),
                message: format!("webhooks are ignored: no `{RECEIVER}` says how their deliveries are verified"),
            });
            return Ok(None);
        }
        (None, Some(_)) => {
            return Err(Error::invalid(&format!("#/{RECEIVER}"), format!("`{RECEIVER}` without `{WEBHOOKS}`")))
        }
        (Some(h), Some(r)) => (h, r),
    };
    let receiver: ReceiverExt = serde_path_to_error::deserialize(receiver).map_err(|e| {
        let at = e.path().to_string();
        Error::invalid(&format!("#/{RECEIVER}"), format!("at `{at}`: {}", e.into_inner()))
    })?;
    if let Some(key) = receiver.rest.keys().find(|k| !k.starts_with("x-")) {
        return Err(Error::invalid(&format!("#/{RECEIVER}/{}", escape_pointer(key)), format!("unknown key `{key}`")));
    }
    let Value::Object(map) = hooks else {
        return Err(Error::invalid(&format!("#/{key}"), "expected a map of event names to Path Items"));
    };
    let mut parsed = IndexMap::new();
    for (name, item) in map {
        let pointer = format!("#/{key}/{}", escape_pointer(name));
        if item.get("$ref").is_some() {
            return Err(Error::unsupported(&pointer, "a `$ref` to a path item is not supported"));
        }
        let item: oa::PathItem = serde_path_to_error::deserialize(item).map_err(|e| {
            let at = e.path().to_string();
            Error::invalid(&pointer, format!("not a Path Item (at `{at}`): {}", e.into_inner()))
        })?;
        parsed.insert(name.clone(), item);
    }
    Ok(Some(Parsed { receiver, hooks: parsed, key: key.to_string() }))
}

impl<'a> Resolver<'a> {
    /// The model of the receiving side: event types (defined like request
    /// bodies), the event enum and the verification scheme.
    pub(super) fn webhooks(&mut self, parsed: &'a Parsed) -> Result<Webhooks> {
        let root = format!("#/{RECEIVER}");
        let key = &parsed.key;
        let r = &parsed.receiver;
        let receiver_name = self.names.claim("Webhook");
        let enum_name = self.names.claim("WebhookEvent");
        let mut variants = Scope::with_reserved(&["Unknown"]);
        let mut seen_tags: IndexMap<String, String> = IndexMap::new();
        let mut events = Vec::new();
        for (name, item) in &parsed.hooks {
            let pointer = format!("#/{key}/{}", escape_pointer(name));
            let Some(op) = &item.post else {
                return Err(Error::invalid(
                    &pointer,
                    "a webhook needs a `post` operation whose request body is the event",
                ));
            };
            let Some(body) = &op.request_body else {
                return Err(Error::invalid(&format!("{pointer}/post"), "a webhook needs a request body (the event)"));
            };
            let variant = variants.claim(&pascal(name, "E"));
            let body_pointer = format!("{pointer}/post/requestBody");
            let Some(body) = self.request_body(body, &body_pointer, &variant)? else {
                return Err(Error::invalid(&body_pointer, "the event's request body has no content"));
            };
            if body.kind != ContentKind::Json {
                return Err(Error::unsupported(&body_pointer, "webhook events must be JSON"));
            }
            let tags = match op.extensions.get("x-webhook-event-types") {
                None => vec![name.clone()],
                Some(v) => serde_json::from_value::<Vec<String>>(v.clone()).ok().filter(|t| !t.is_empty()).ok_or_else(
                    || Error::invalid(&format!("{pointer}/post/x-webhook-event-types"), "expected a list of strings"),
                )?,
            };
            for tag in &tags {
                if let Some(first) = seen_tags.insert(tag.clone(), name.clone()) {
                    return Err(Error::invalid(
                        &pointer,
                        format!("event type `{tag}` also selects webhook `{first}`; each type selects one event"),
                    ));
                }
            }
            events.push(WebhookEvent {
                name: name.clone(),
                variant,
                tags,
                ty: body.ty,
                summary: op.summary.clone(),
                doc_url: op.external_docs.as_ref().map(|d| d.url.clone()),
            });
        }
        if events.is_empty() {
            return Err(Error::invalid(&format!("#/{key}"), "no webhook events"));
        }

        let envelope = r.envelope.as_ref().map(|e| {
            let mut fields = Scope::new();
            let id = e.id.as_ref().map(|wire| (wire.clone(), fields.claim(&snake(wire))));
            let events = (e.events.clone(), fields.claim(&snake(&e.events)));
            WebhookEnvelope { name: self.names.claim("WebhookEnvelope"), id, events }
        });

        let mut params = Scope::with_reserved(&["self"]);
        let mut consts = IndexSet::new();
        let mut signatures = Vec::new();
        let mut headers_seen = IndexSet::new();
        for (i, s) in r.signatures.iter().enumerate() {
            let pointer = format!("{root}/signatures/{i}");
            if let Some(key) = s.rest.keys().find(|k| !k.starts_with("x-")) {
                return Err(Error::invalid(
                    &format!("{pointer}/{}", escape_pointer(key)),
                    format!("unknown key `{key}`"),
                ));
            }
            let scheme = match s.scheme.as_str() {
                "ed25519" => SignatureScheme::Ed25519,
                "rsa-sha256" => SignatureScheme::RsaSha256,
                "hmac-sha256-hex" => SignatureScheme::HmacSha256Hex,
                other => {
                    return Err(Error::unsupported(
                        &format!("{pointer}/scheme"),
                        format!("signature scheme `{other}` (expected ed25519, rsa-sha256 or hmac-sha256-hex)"),
                    ))
                }
            };
            if http::HeaderName::from_bytes(s.header.as_bytes()).is_err() {
                return Err(Error::invalid(
                    &format!("{pointer}/header"),
                    format!("`{}` is not a header name", s.header),
                ));
            }
            for (j, alias) in s.alias_headers.iter().enumerate() {
                let alias_pointer = format!("{pointer}/alias-headers/{j}");
                if http::HeaderName::from_bytes(alias.as_bytes()).is_err() {
                    return Err(Error::invalid(&alias_pointer, format!("`{alias}` is not a header name")));
                }
                if !headers_seen.insert(alias.to_ascii_lowercase()) {
                    return Err(Error::invalid(&alias_pointer, format!("header `{alias}` is read twice")));
                }
            }
            if !headers_seen.insert(s.header.to_ascii_lowercase()) {
                return Err(Error::invalid(
                    &format!("{pointer}/header"),
                    format!("header `{}` is read twice", s.header),
                ));
            }
            if s.sunset.is_some() && !s.deprecated {
                return Err(Error::invalid(&format!("{pointer}/sunset"), "a `sunset` needs `deprecated: true`"));
            }
            let public_key = match (&s.public_key, scheme) {
                (Some(_), SignatureScheme::HmacSha256Hex) => {
                    return Err(Error::invalid(
                        &format!("{pointer}/public-key"),
                        "an HMAC scheme has a secret, not a public key",
                    ))
                }
                (Some(pem), _) => {
                    let pem = pem.trim();
                    if !pem.starts_with("-----BEGIN PUBLIC KEY-----") || !pem.ends_with("-----END PUBLIC KEY-----") {
                        return Err(Error::invalid(
                            &format!("{pointer}/public-key"),
                            "expected a PEM `-----BEGIN PUBLIC KEY-----` block",
                        ));
                    }
                    Some(format!("{pem}\n"))
                }
                (None, _) => None,
            };
            let param = params.claim(&snake(&s.header));
            let key_const = public_key.as_ref().map(|_| {
                let base = format!("{}_PUBLIC_KEY", param.trim_start_matches("r#").to_ascii_uppercase());
                let mut name = base.clone();
                let mut n = 2;
                while !consts.insert(name.clone()) {
                    name = format!("{base}_{n}");
                    n += 1;
                }
                name
            });
            signatures.push(WebhookSignature {
                scheme,
                header: s.header.clone(),
                param,
                public_key,
                key_const,
                aliases: s.alias_headers.clone(),
                deprecated: s.deprecated,
                sunset: s.sunset.clone(),
            });
        }
        let token = r
            .token
            .as_ref()
            .map(|t| WebhookSecretParam { field: t.field.clone(), param: params.claim(&snake(&t.field)) });
        if signatures.iter().all(|s| s.deprecated) && token.is_none() {
            return Err(Error::invalid(
                &root,
                "the receiver must check a signature or a payload token (a deprecated signature is opt-in: it \
                 does not count)",
            ));
        }
        if let Some(status) = r.retry_status {
            if !(400..=599).contains(&status) {
                return Err(Error::invalid(
                    &format!("{root}/retry-status"),
                    format!("{status} is not an error status (expected 400 to 599)"),
                ));
            }
        }
        let field = |f: &FieldExt, pointer: &str| -> Result<WebhookField> {
            match f.location.as_str() {
                "header" => Ok(WebhookField { in_header: true, name: f.name.clone() }),
                "body" => Ok(WebhookField { in_header: false, name: f.name.clone() }),
                other => Err(Error::invalid(pointer, format!("`in: {other}` (expected header or body)"))),
            }
        };
        let timestamp = match &r.timestamp {
            None => None,
            Some(t) => {
                let pointer = format!("{root}/timestamp");
                let format = match t.format.as_str() {
                    "date-time" | "rfc3339" => TimestampFormat::Rfc3339,
                    "unix-seconds" => TimestampFormat::UnixSeconds,
                    "unix-millis" => TimestampFormat::UnixMillis,
                    other => {
                        return Err(Error::unsupported(
                            &format!("{pointer}/format"),
                            format!("timestamp format `{other}` (expected date-time, unix-seconds or unix-millis)"),
                        ))
                    }
                };
                if t.window_seconds == Some(0) {
                    return Err(Error::invalid(
                        &format!("{pointer}/window-seconds"),
                        "a window of 0 seconds refuses every delivery",
                    ));
                }
                let f = FieldExt { location: t.location.clone(), name: t.name.clone() };
                Some(WebhookTimestamp {
                    field: field(&f, &pointer)?,
                    format,
                    required: t.required,
                    window_secs: t.window_seconds,
                })
            }
        };
        let delivery_id = match &r.delivery_id {
            None => None,
            Some(f) => Some(field(f, &format!("{root}/delivery-id"))?),
        };
        Ok(Webhooks {
            receiver_name,
            enum_name,
            discriminator: r.discriminator.clone(),
            events,
            envelope,
            signatures,
            token,
            timestamp,
            delivery_id,
            retry_status: r.retry_status,
            description: r.description.clone(),
            doc_url: r.external_docs.as_ref().map(|d| d.url.clone()),
        })
    }
}
