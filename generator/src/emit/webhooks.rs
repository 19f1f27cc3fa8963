//! The receiving side of a module: the event enum, the envelope events
//! arrive in, and the `Webhook` type that verifies a delivery and decodes it.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::{SignatureScheme, TimestampFormat, WebhookField, Webhooks};

use super::{doc, doc3, ident, ty, EmitOptions};

/// Everything a module emits for its webhooks.
pub(super) fn receiver(w: &Webhooks, opts: &EmitOptions) -> TokenStream {
    let events = event_enum(w);
    let envelope = envelope(w);
    let webhook = webhook_type(w, opts);
    quote! {
        #events
        #envelope
        #webhook
    }
}

fn event_enum(w: &Webhooks) -> TokenStream {
    let name = ident(&w.enum_name);
    let tag = &w.discriminator;
    let list: Vec<String> = w
        .events
        .iter()
        .map(|e| {
            let tags = e.tags.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", ");
            let summary = e.summary.as_deref().map(|s| format!(": {s}")).unwrap_or_default();
            let link = e.doc_url.as_deref().map(|u| format!(" ([reference]({u}))")).unwrap_or_default();
            format!("- `{}` ({tags}){summary}{link}", e.variant)
        })
        .collect();
    let docs = doc3(
        &format!(
            "The webhook events of this API, told apart by their `{tag}` property. An event type this \
             version does not know decodes into `Unknown` with its JSON, so a vendor adding an event \
             never breaks a deployed receiver."
        ),
        Some(&list.join("\n")),
        "",
    );
    let variants = w.events.iter().map(|e| {
        let v = ident(&e.variant);
        let t = ty(&e.ty);
        let tags = &e.tags;
        quote!(#[tags(#(#tags),*)] #v(#t))
    });
    quote! {
        runtime::tagged_union! {
            #[tag = #tag]
            #docs
            pub enum #name {
                #(#variants,)*
            }
        }
    }
}

fn envelope(w: &Webhooks) -> TokenStream {
    let Some(env) = &w.envelope else { return TokenStream::new() };
    let name = ident(&env.name);
    let events_enum = ident(&w.enum_name);
    let (events_wire, events_ident) = &env.events;
    let events_i = ident(events_ident);
    let events_rename =
        (events_ident.trim_start_matches("r#") != events_wire).then(|| quote!(#[serde(rename = #events_wire)]));
    let id = env.id.as_ref().map(|(wire, i)| {
        let rename = (i.trim_start_matches("r#") != wire).then(|| quote!(rename = #wire,));
        let i = ident(i);
        quote! {
            /// The id the vendor gives the webhook subscription that sent this delivery.
            #[serde(#rename default, skip_serializing_if = "Option::is_none")]
            pub #i: Option<String>,
        }
    });
    let docs = doc(&format!("One delivery: a batch of [`{}`]s.", w.enum_name));
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
        pub struct #name {
            #id
            /// The events, in the order they happened.
            #events_rename
            pub #events_i: Vec<#events_enum>,
        }
    }
}

fn field(f: &WebhookField) -> TokenStream {
    let name = &f.name;
    if f.in_header {
        quote!(runtime::webhook::Field::Header(#name))
    } else {
        quote!(runtime::webhook::Field::Body(#name))
    }
}

fn webhook_type(w: &Webhooks, opts: &EmitOptions) -> TokenStream {
    let name = ident(&w.receiver_name);
    let payload = ident(w.envelope.as_ref().map(|e| e.name.as_str()).unwrap_or(&w.enum_name));

    // Constructor arguments: a key for each signature without a published
    // key, a secret for each HMAC signature and for the payload token.
    let mut all_params = Vec::new();
    let mut new_params = Vec::new();
    let mut new_args = Vec::new();
    let mut builder_calls = Vec::new();
    let mut consts = Vec::new();
    let mut scheme_docs = Vec::new();
    for s in &w.signatures {
        let p = ident(&s.param);
        let header = &s.header;
        let (key_ty, method, label) = match s.scheme {
            SignatureScheme::Ed25519 => (quote!(runtime::webhook::Ed25519Key), quote!(ed25519), "Ed25519"),
            SignatureScheme::RsaSha256 => (quote!(runtime::webhook::RsaKey), quote!(rsa_sha256), "RSA-SHA256"),
            SignatureScheme::HmacSha256Hex => {
                (quote!(impl Into<runtime::webhook::Secret>), quote!(hmac_sha256_hex), "hex HMAC-SHA256")
            }
        };
        let value = if s.scheme == SignatureScheme::HmacSha256Hex { quote!(#p.into()) } else { quote!(#p) };
        builder_calls.push(quote!(.#method(#header, #value)));
        all_params.push(quote!(#p: #key_ty));
        let legacy = if s.deprecated { " (legacy, deprecated by the vendor)" } else { "" };
        scheme_docs.push(format!("- `{header}`: {label} over the raw body{legacy}"));
        match (&s.public_key, &s.key_const, s.scheme) {
            (Some(pem), Some(c), scheme) => {
                let c = ident(c);
                let parse = match scheme {
                    SignatureScheme::Ed25519 => quote!(runtime::webhook::Ed25519Key::from_public_key_pem),
                    _ => quote!(runtime::webhook::RsaKey::from_public_key_pem),
                };
                new_args.push(quote!(#parse(Self::#c)?));
                let docs = doc(&format!("The vendor's published public key for `{header}` ({label}), from the spec."));
                consts.push(quote!(#docs pub const #c: &str = #pem;));
            }
            _ => {
                new_params.push(quote!(#p: #key_ty));
                new_args.push(quote!(#p));
            }
        }
    }
    if let Some(t) = &w.token {
        let p = ident(&t.param);
        let field = &t.field;
        builder_calls.push(quote!(.payload_token(#field, #p.into())));
        all_params.push(quote!(#p: impl Into<runtime::webhook::Secret>));
        new_params.push(quote!(#p: impl Into<runtime::webhook::Secret>));
        new_args.push(quote!(#p));
        scheme_docs.push(format!("- the payload's `{field}` must be the channel's token"));
    }
    if let Some(ts) = &w.timestamp {
        let f = field(&ts.field);
        let format = match ts.format {
            TimestampFormat::Rfc3339 => quote!(Rfc3339),
            TimestampFormat::UnixSeconds => quote!(UnixSeconds),
            TimestampFormat::UnixMillis => quote!(UnixMillis),
        };
        builder_calls.push(quote!(.timestamp(#f, runtime::webhook::TimestampFormat::#format)));
        if ts.required {
            builder_calls.push(quote!(.require_timestamp(true)));
        }
        scheme_docs.push(format!(
            "- replay window: the delivery's `{}` must be within five minutes of the receiver's clock{}",
            ts.field.name,
            if ts.required { "" } else { " when present" }
        ));
    }
    if let Some(id) = &w.delivery_id {
        let f = field(id);
        builder_calls.push(quote!(.delivery_id(#f)));
        let place = if id.in_header { "header" } else { "payload field" };
        scheme_docs.push(format!(
            "- duplicates: [`Delivery::id`](runtime::webhook::Delivery::id) is the `{}` {place}",
            id.name
        ));
    }

    let has_embedded = !consts.is_empty();
    let root = opts.module_path.split("::").next().unwrap_or("crate");
    let example_args = new_params_example(w, root);
    let example = format!(
        "```no_run\n# fn receive(headers: &{m}::runtime::webhook::HeaderMap, body: &[u8]) -> Result<(), Box<dyn std::error::Error>> {{\nuse {path}::{n};\n\nlet webhook = {n}::new({example_args})?;\nlet delivery = webhook.verify_and_parse(headers, body)?;\nprintln!(\"{{:?}} {{:?}}\", delivery.id, delivery.payload);\n# Ok(()) }}\n```",
        m = root,
        path = opts.module_path,
        n = w.receiver_name,
    );
    let type_docs = doc3(
        &format!(
            "Verifies a webhook delivery, then decodes it into [`{}`]. Authenticity is checked on the raw \
             body before anything is parsed; secrets stay out of `Debug` output and errors.",
            w.envelope.as_ref().map(|e| e.name.as_str()).unwrap_or(&w.enum_name)
        ),
        w.description.as_deref(),
        &format!(
            "{}{}\n\n{example}",
            scheme_docs.join("\n"),
            w.doc_url.as_deref().map(|u| format!("\n\nVendor reference: <{u}>")).unwrap_or_default()
        ),
    );
    let build = quote! {
        let verifier = runtime::webhook::Verifier::builder()
            #(#builder_calls)*
            .build()?;
        Ok(Self { verifier })
    };
    let constructors = if has_embedded {
        quote! {
            /// A verifier with the vendor's published keys.
            pub fn new(#(#new_params),*) -> Result<Self, runtime::webhook::KeyError> {
                Self::with_keys(#(#new_args),*)
            }

            /// A verifier with the given keys: a rotated vendor key, or test keys.
            pub fn with_keys(#(#all_params),*) -> Result<Self, runtime::webhook::KeyError> {
                #build
            }
        }
    } else {
        quote! {
            /// A verifier with the receiver's secrets, as the vendor shows them.
            pub fn new(#(#all_params),*) -> Result<Self, runtime::webhook::KeyError> {
                #build
            }
        }
    };
    quote! {
        #type_docs
        #[derive(Debug, Clone)]
        pub struct #name {
            verifier: runtime::webhook::Verifier,
        }

        impl #name {
            #(#consts)*

            #constructors

            /// A verifier configured by hand.
            pub fn from_verifier(verifier: runtime::webhook::Verifier) -> Self {
                Self { verifier }
            }

            /// How far a delivery's timestamp may be from the receiver's clock
            /// (default five minutes); `None` accepts any age.
            pub fn replay_window(self, window: Option<::std::time::Duration>) -> Self {
                Self { verifier: self.verifier.with_replay_window(window) }
            }

            /// Verifies a delivery (headers and body exactly as received) and decodes it.
            // `#[inline]`, like the operations' methods: decoding the events
            // (serde, serde_json and serde_path_to_error instantiated for
            // them) is compiled in the crate that receives webhooks, not in
            // every build of the client.
            #[inline]
            pub fn verify_and_parse(
                &self,
                headers: &runtime::webhook::HeaderMap,
                body: &[u8],
            ) -> Result<runtime::webhook::Delivery<#payload>, runtime::webhook::WebhookError> {
                self.verifier.parse(headers, body)
            }

            /// As [`verify_and_parse`](Self::verify_and_parse), with the receiver's clock at `now`.
            #[inline]
            pub fn verify_and_parse_at(
                &self,
                headers: &runtime::webhook::HeaderMap,
                body: &[u8],
                now: ::std::time::SystemTime,
            ) -> Result<runtime::webhook::Delivery<#payload>, runtime::webhook::WebhookError> {
                self.verifier.parse_at(headers, body, now)
            }
        }
    }
}

/// The arguments of `new` in the doc example.
fn new_params_example(w: &Webhooks, root: &str) -> String {
    let mut args = Vec::new();
    for s in &w.signatures {
        if s.public_key.is_some() {
            continue;
        }
        args.push(match s.scheme {
            SignatureScheme::HmacSha256Hex => "std::env::var(\"WEBHOOK_SECRET\")?".to_string(),
            SignatureScheme::Ed25519 => format!(
                "{root}::runtime::webhook::Ed25519Key::from_public_key_pem(&std::env::var(\"WEBHOOK_PUBLIC_KEY\")?)?"
            ),
            SignatureScheme::RsaSha256 => format!(
                "{root}::runtime::webhook::RsaKey::from_public_key_pem(&std::env::var(\"WEBHOOK_PUBLIC_KEY\")?)?"
            ),
        });
    }
    if w.token.is_some() {
        args.push("std::env::var(\"CHANNEL_TOKEN\")?".into());
    }
    args.join(", ")
}
