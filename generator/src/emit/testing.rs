//! The module's test kit: one `runtime::mock_server!` call, with a line
//! per operation (its client method's required parameters, its builder,
//! the spec's example of its success body) and the checks of the webhook
//! receiver. The runtime expands it only with its `testing` feature.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use crate::model::{Api, SignatureScheme, TimestampFormat, WebhookField, Webhooks};

use super::{arg, doc, ident, required_args, ty};

pub(super) fn mock_server(api: &Api) -> TokenStream {
    let schemes = api.security_schemes.iter().map(|s| Literal::string(&s.key));
    let ops = api.operations.iter().map(|op| {
        let m = ident(&op.method_name);
        let b = ident(&op.builder_name);
        let mut params: Vec<TokenStream> = required_args(op)
            .map(|p| {
                let i = ident(&p.ident);
                let (t, _) = arg(&p.ty);
                quote!(#i: #t)
            })
            .collect();
        if let Some(body) = op.body.as_ref().filter(|b| b.required) {
            let t = ty(&body.ty);
            params.push(quote!(body: #t));
        }
        let example = op.success.example.as_ref().map(|v| {
            let text = Literal::string(&serde_json::to_string(v).unwrap_or_default());
            quote!(= #text)
        });
        quote!(#m(#(#params),*) -> #b #example;)
    });
    let webhook = api.webhooks.as_ref().map(webhook);
    let docs =
        doc("The test kit of this API (the `testing` feature): [`testing::MockServer`] with a typed method per \
         operation, and the deliveries of [`testing::TestWebhook`] where the API sends webhooks.");
    quote! {
        runtime::mock_server! {
            #docs
            mod testing for Client(ClientBuilder) [#(#schemes),*] {
                #(#ops)*
            }
            #webhook
        }
    }
}

fn place(f: &WebhookField) -> (TokenStream, Literal) {
    let p = if f.in_header { quote!(Header) } else { quote!(Body) };
    (p, Literal::string(&f.name))
}

fn webhook(w: &Webhooks) -> TokenStream {
    let receiver = ident(&w.receiver_name);
    let payload = ident(w.envelope.as_ref().map(|e| e.name.as_str()).unwrap_or(&w.enum_name));
    let mut checks = Vec::new();
    for s in &w.signatures {
        let header = Literal::string(&s.header);
        checks.push(match s.scheme {
            SignatureScheme::Ed25519 => quote!(ed25519(#header);),
            SignatureScheme::RsaSha256 => quote!(rsa_sha256(#header);),
            SignatureScheme::HmacSha256Hex => quote!(hmac_sha256_hex(#header);),
        });
    }
    if let Some(t) = &w.token {
        let field = Literal::string(&t.field);
        checks.push(quote!(token(#field);));
    }
    if let Some(ts) = &w.timestamp {
        let (p, name) = place(&ts.field);
        let format = match ts.format {
            TimestampFormat::Rfc3339 => quote!(Rfc3339),
            TimestampFormat::UnixSeconds => quote!(UnixSeconds),
            TimestampFormat::UnixMillis => quote!(UnixMillis),
        };
        checks.push(if ts.required {
            quote!(required_timestamp(#p, #name, #format);)
        } else {
            quote!(timestamp(#p, #name, #format);)
        });
    }
    if let Some(id) = &w.delivery_id {
        let (p, name) = place(id);
        checks.push(quote!(id(#p, #name);));
    }
    quote!(webhook #receiver(#payload) { #(#checks)* })
}
