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

/// A replay window as the docs say it.
fn human_duration(secs: u64) -> String {
    match secs {
        s if s % 3600 == 0 => format!("{} hour{}", s / 3600, if s == 3600 { "" } else { "s" }),
        s if s % 60 == 0 => format!("{} minutes", s / 60),
        s => format!("{s} seconds"),
    }
}

fn webhook_type(w: &Webhooks, opts: &EmitOptions) -> TokenStream {
    let name = ident(&w.receiver_name);
    let payload = ident(w.envelope.as_ref().map(|e| e.name.as_str()).unwrap_or(&w.enum_name));

    // Constructor arguments: a set of keys for each signature without a
    // published key, a secret for each HMAC signature and for the payload
    // token. Deprecated signatures are left out: opt-in methods add them.
    let mut all_params = Vec::new();
    let mut new_params = Vec::new();
    let mut new_args = Vec::new();
    let mut builder_calls = Vec::new();
    let mut consts = Vec::new();
    let mut opt_ins = Vec::new();
    let mut scheme_docs = Vec::new();
    let mut has_embedded = false;
    for s in &w.signatures {
        let p = ident(&s.param);
        let header = &s.header;
        let aliases = &s.aliases;
        let alias_calls = quote!(#(.header_alias(#header, #aliases))*);
        let (key_ty, method, label) = match s.scheme {
            SignatureScheme::Ed25519 => {
                (quote!(impl IntoIterator<Item = runtime::webhook::Ed25519Key>), quote!(ed25519_keys), "Ed25519")
            }
            SignatureScheme::RsaSha256 => {
                (quote!(impl IntoIterator<Item = runtime::webhook::RsaKey>), quote!(rsa_sha256_keys), "RSA-SHA256")
            }
            SignatureScheme::HmacSha256Hex => (quote!(impl Into<String>), quote!(hmac_sha256_hex), "hex HMAC-SHA256"),
        };
        let value = if s.scheme == SignatureScheme::HmacSha256Hex {
            quote!(runtime::webhook::Secret::new(#p)?)
        } else {
            quote!(#p)
        };
        let also = if aliases.is_empty() {
            String::new()
        } else {
            let names = aliases.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ");
            format!(" (also read from {names} when `{header}` is absent; copies that differ are refused)")
        };
        let published = match (&s.public_key, &s.key_const) {
            (Some(pem), Some(c)) => {
                let c = ident(c);
                let parse = match s.scheme {
                    SignatureScheme::Ed25519 => quote!(runtime::webhook::Ed25519Key::from_public_key_pem),
                    _ => quote!(runtime::webhook::RsaKey::from_public_key_pem),
                };
                let docs = doc(&format!("The vendor's published public key for `{header}` ({label}), from the spec."));
                consts.push(quote!(#docs pub const #c: &str = #pem;));
                Some(quote!([#parse(Self::#c)?]))
            }
            _ => None,
        };
        if s.deprecated {
            let sunset = s.sunset.as_deref().map(|d| format!(", to be retired on {d}")).unwrap_or_default();
            let bare = s.param.trim_start_matches("r#");
            let opt_in =
                if published.is_some() { format!("with_legacy_{bare}") } else { format!("with_legacy_{bare}_keys") };
            scheme_docs.push(format!(
                "- `{header}`: {label} over the raw body{also}; deprecated by the vendor{sunset}, so refused unless \
                 the receiver opts in with [`{opt_in}`](Self::{opt_in})"
            ));
            let with_keys = ident(&format!("with_legacy_{bare}_keys"));
            let with_published = ident(&format!("with_legacy_{bare}"));
            let (arg, arg_ty) = match s.scheme {
                SignatureScheme::HmacSha256Hex => (quote!(secret), quote!(impl Into<String>)),
                _ => (quote!(keys), key_ty.clone()),
            };
            let arg_value = if s.scheme == SignatureScheme::HmacSha256Hex {
                quote!(runtime::webhook::Secret::new(#arg)?)
            } else {
                quote!(#arg)
            };
            let keys_docs = doc3(
                &format!(
                    "Also trusts the legacy `{header}` signature ({label}) with these keys, after the preferred \
                     headers: a delivery carrying a preferred header is decided by it alone."
                ),
                Some(&format!(
                    "Off by default: the vendor deprecated this signature{sunset}. Opt in only for deliveries \
                     that carry nothing else."
                )),
                "",
            );
            opt_ins.push(quote! {
                #keys_docs
                pub fn #with_keys(self, #arg: #arg_ty) -> Result<Self, runtime::webhook::KeyError> {
                    let verifier = self.verifier.into_builder().#method(#header, #arg_value) #alias_calls .build()?;
                    Ok(Self { verifier })
                }
            });
            if let Some(published) = published {
                let docs = doc(&format!(
                    "Also trusts the legacy `{header}` signature ({label}) with the vendor's published key: see \
                     [`{with_keys}`](Self::{with_keys})."
                ));
                opt_ins.push(quote! {
                    #docs
                    pub fn #with_published(self) -> Result<Self, runtime::webhook::KeyError> {
                        self.#with_keys(#published)
                    }
                });
            }
            continue;
        }
        builder_calls.push(quote!(.#method(#header, #value) #alias_calls));
        all_params.push(quote!(#p: #key_ty));
        let set = if s.scheme == SignatureScheme::HmacSha256Hex { "" } else { " with any key of its set" };
        scheme_docs.push(format!("- `{header}`: {label} over the raw body{set}{also}"));
        match published {
            Some(published) => {
                has_embedded = true;
                new_args.push(published);
            }
            None => {
                new_params.push(quote!(#p: #key_ty));
                new_args.push(quote!(#p));
            }
        }
    }
    if let Some(t) = &w.token {
        let p = ident(&t.param);
        let field = &t.field;
        builder_calls.push(quote!(.payload_token(#field, runtime::webhook::Secret::new(#p)?)));
        all_params.push(quote!(#p: impl Into<String>));
        new_params.push(quote!(#p: impl Into<String>));
        new_args.push(quote!(#p));
        scheme_docs.push(format!(
            "- the payload's `{field}` must be the channel's token; it is read before the body is parsed and \
             removed from the payload, so it never reaches `Debug` output"
        ));
    }
    let mut window_const = TokenStream::new();
    let mut window_default = "default five minutes".to_string();
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
        let secs = ts.window_secs.unwrap_or(300);
        let secs_lit = proc_macro2::Literal::u64_unsuffixed(secs);
        builder_calls.push(quote!(.replay_window(Self::REPLAY_WINDOW)));
        let why = if ts.window_secs.is_some() {
            "; it covers the vendor's retries, which keep the first timestamp"
        } else {
            ""
        };
        scheme_docs.push(format!(
            "- replay window: the delivery's `{}` must be within {} of the receiver's clock{}{why}",
            ts.field.name,
            human_duration(secs),
            if ts.required { "" } else { " when present" }
        ));
        let docs = doc(&format!(
            "How far a delivery's timestamp may be from the receiver's clock by default ({}).",
            human_duration(secs)
        ));
        window_const = quote! {
            #docs
            pub const REPLAY_WINDOW: ::std::time::Duration = ::std::time::Duration::from_secs(#secs_lit);
        };
        window_default = "default [`REPLAY_WINDOW`](Self::REPLAY_WINDOW)".into();
    }
    if let Some(id) = &w.delivery_id {
        let f = field(id);
        builder_calls.push(quote!(.delivery_id(#f)));
        let place = if id.in_header { "header" } else { "payload field" };
        scheme_docs.push(format!(
            "- duplicates: [`Delivery::id`](runtime::webhook::Delivery::id) is the `{}` {place}, the same on every \
             retry: deduplicate on it (a retry within the replay window verifies again)",
            id.name
        ));
    }
    let retry = match w.retry_status {
        Some(status) => {
            let status = proc_macro2::Literal::u16_unsuffixed(status);
            quote!(Some(#status))
        }
        None => quote!(None),
    };
    let retry_docs = doc3(
        "The status to answer when a delivery cannot be taken now (a full queue): the vendor delivers it \
         again later.",
        Some(&match w.retry_status {
            Some(status) => format!(
                "The vendor delivers again after {status} (its retry policy is cited in the spec's \
                 `x-webhook-receiver`); another error status may lose the delivery."
            ),
            None => "`None`: the vendor documents no redelivery, so a delivery not taken is lost; take it \
                     (wait for room) rather than answer an error."
                .to_string(),
        }),
        "",
    );

    let root = opts.module_path.split("::").next().unwrap_or("crate");
    let example_args = new_params_example(w, root);
    let example = format!(
        "```no_run\n# fn receive(headers: &{m}::runtime::webhook::HeaderMap, body: &[u8]) -> Result<(), Box<dyn std::error::Error>> {{\nuse {path}::{n};\n\nlet webhook = {n}::new({example_args})?;\nlet delivery = webhook.verify_and_parse(headers, body)?;\n// Deduplicate on the delivery id: retries carry the same one.\nprintln!(\"delivery {{:?}}\", delivery.id);\n# Ok(()) }}\n```",
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
            "{}\n- body limit: {} by default ([`with_body_limit`](Self::with_body_limit)); a larger body is \
             refused unread{}\n\n{example}",
            scheme_docs.join("\n"),
            "1 MiB",
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

            /// A verifier with the given keys: each header takes a set, any one
            /// of which may verify (the old and the new key during a vendor's
            /// rotation), or test keys. An empty set is refused.
            pub fn with_keys(#(#all_params),*) -> Result<Self, runtime::webhook::KeyError> {
                #build
            }
        }
    } else {
        quote! {
            /// A verifier with the receiver's secrets, as the vendor shows them;
            /// an empty or blank secret is refused
            /// ([`KeyError::EmptySecret`](runtime::webhook::KeyError::EmptySecret)).
            pub fn new(#(#all_params),*) -> Result<Self, runtime::webhook::KeyError> {
                #build
            }
        }
    };
    let window_docs = doc(&format!(
        "How far a delivery's timestamp may be from the receiver's clock ({window_default}); `None` accepts \
         any age."
    ));
    quote! {
        #type_docs
        #[derive(Debug, Clone)]
        pub struct #name {
            verifier: runtime::webhook::Verifier,
        }

        impl #name {
            #(#consts)*

            #window_const

            #retry_docs
            pub const RETRY_STATUS: Option<u16> = #retry;

            #constructors

            #(#opt_ins)*

            /// A verifier configured by hand.
            pub fn from_verifier(verifier: runtime::webhook::Verifier) -> Self {
                Self { verifier }
            }

            #window_docs
            pub fn replay_window(self, window: Option<::std::time::Duration>) -> Self {
                Self { verifier: self.verifier.with_replay_window(window) }
            }

            /// The largest body accepted, in bytes (default 1 MiB); a larger one is
            /// refused with [`BodyTooLarge`](runtime::webhook::WebhookError::BodyTooLarge)
            /// before anything of it is read. Give the HTTP server the same limit.
            pub fn with_body_limit(self, bytes: usize) -> Self {
                Self { verifier: self.verifier.with_body_limit(bytes) }
            }

            /// The largest body accepted, in bytes.
            pub fn body_limit(&self) -> usize {
                self.verifier.body_limit()
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
        if s.public_key.is_some() || s.deprecated {
            continue;
        }
        args.push(match s.scheme {
            SignatureScheme::HmacSha256Hex => "std::env::var(\"WEBHOOK_SECRET\")?".to_string(),
            SignatureScheme::Ed25519 => format!(
                "[{root}::runtime::webhook::Ed25519Key::from_public_key_pem(&std::env::var(\"WEBHOOK_PUBLIC_KEY\")?)?]"
            ),
            SignatureScheme::RsaSha256 => format!(
                "[{root}::runtime::webhook::RsaKey::from_public_key_pem(&std::env::var(\"WEBHOOK_PUBLIC_KEY\")?)?]"
            ),
        });
    }
    if w.token.is_some() {
        args.push("std::env::var(\"CHANNEL_TOKEN\")?".into());
    }
    args.join(", ")
}
