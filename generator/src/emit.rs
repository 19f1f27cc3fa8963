//! Stage 3: the model as Rust tokens. One small function per construct;
//! every decision was taken in `resolve`, so this module only translates.

use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::{format_ident, quote};

use crate::model::*;

mod shared;
mod testing;
mod webhooks;

use shared::{Shared, SharedErrors, SharedTypes};

/// What the emitter needs to know about where the code will live.
#[derive(Debug, Clone)]
pub struct EmitOptions {
    /// Path users write to reach the module, for doc examples
    /// (`crm_clients::highlevel::objects`).
    pub module_path: String,
}

/// A piece of a module: whole items, or members that continue the `impl`
/// block the previous piece ended with. The client's `impl` is written
/// method by method this way, so a 10,000-operation client is never one
/// syntax tree (see [`crate::format::file`]).
#[derive(Debug, Clone)]
pub enum Chunk {
    /// One or more items.
    Items(TokenStream),
    /// Associated items of the `impl` block the previous chunk ended with.
    Members(TokenStream),
}

/// The whole module for one API, in file order: one chunk per construct
/// (the client, each of its methods, each operation, each type, ...). See
/// [`items`] for the same chunks made one at a time.
pub fn module(api: &Api, opts: &EmitOptions) -> Vec<Chunk> {
    items(api, opts).collect()
}

/// The chunks of [`module`], each made when asked for: `format` writes and
/// drops one before the next is made, so the module's tokens are never all
/// in memory at once.
pub fn items<'a>(api: &'a Api, opts: &'a EmitOptions) -> impl Iterator<Item = Chunk> + 'a {
    let module = Module::new(api, opts);
    (0..).map_while(move |i| module.chunk(i))
}

/// A module's chunks by index, for making them in any order (on several
/// threads: the shared tables are read-only once built). Chunk `i` is the
/// `i`-th of [`items`].
pub struct Module<'a> {
    api: &'a Api,
    opts: &'a EmitOptions,
    types: shared::SharedTypes,
    shared: shared::SharedErrors,
}

impl<'a> Module<'a> {
    pub fn new(api: &'a Api, opts: &'a EmitOptions) -> Self {
        let types = shared::types(&api.types);
        let shared = shared::errors(api, &types);
        Module { api, opts, types, shared }
    }

    /// How many chunks the module has.
    pub fn chunk_count(&self) -> usize {
        // The import, the client, a method per operation, the builder
        // extension, the server types, an item per operation and per type,
        // the webhook receiver, the test kit.
        6 + 2 * self.api.operations.len() + self.api.types.len()
    }

    /// Chunk `i`, in file order; `None` past the last.
    pub fn chunk(&self, i: usize) -> Option<Chunk> {
        let (api, opts, ops) = (self.api, self.opts, self.api.operations.len());
        let last = self.chunk_count() - 1;
        Some(match i {
            0 => {
                let file_part = api.types.iter().any(
                    |t| matches!(&t.kind, TypeKind::Multipart(f) if f.parts.iter().any(|p| p.kind == PartKind::File)),
                );
                let re_export = file_part.then(|| {
                    quote!(
                        pub use crate::runtime::FilePart;
                    )
                });
                Chunk::Items(quote! { use crate::runtime; #re_export })
            }
            1 => Chunk::Items(client(api, opts)),
            i if i < 2 + ops => Chunk::Members(op_method(&api.operations[i - 2], api, opts)),
            i if i == 2 + ops => Chunk::Items(builder_ext(api)),
            i if i == 3 + ops => Chunk::Items(api.servers.first().map(server_types).unwrap_or_default()),
            i if i < 4 + 2 * ops => Chunk::Items(operation(&api.operations[i - 4 - ops], &self.shared)),
            i if i < last - 1 => Chunk::Items(type_def(&api.types[i - 4 - 2 * ops], &self.types)),
            i if i == last => Chunk::Items(testing::mock_server(api)),
            i if i == last - 1 => {
                Chunk::Items(api.webhooks.as_ref().map(|w| webhooks::receiver(w, opts)).unwrap_or_default())
            }
            _ => return None,
        })
    }
}

pub(crate) fn ident(name: &str) -> Ident {
    match name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(name, Span::call_site()),
    }
}

/// `#[doc = "..."]` attributes for text the generator wrote itself.
pub(crate) fn doc(text: &str) -> TokenStream {
    doc3(text, None, "")
}

/// Doc attributes from three paragraphs: the generator's `prefix`, the
/// spec's prose (`vendor`, made safe for rustdoc), the generator's `suffix`.
pub(crate) fn doc3(prefix: &str, vendor: Option<&str>, suffix: &str) -> TokenStream {
    let vendor = vendor.map(|v| sanitize_doc(v.trim()));
    let parts: Vec<&str> =
        [prefix.trim(), vendor.as_deref().unwrap_or(""), suffix.trim()].into_iter().filter(|p| !p.is_empty()).collect();
    if parts.is_empty() {
        return TokenStream::new();
    }
    let text = parts.join("\n\n");
    let lines = text.lines().map(|l| {
        let l = if l.is_empty() { String::new() } else { format!(" {l}") };
        quote!(#[doc = #l])
    });
    quote!(#(#lines)*)
}

/// Vendor prose is Markdown of uneven quality: keep it readable and free of
/// rustdoc warnings (bare URLs, stray HTML, accidental intra-doc links).
fn sanitize_doc(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut in_code = false;
    // An indented code block (CommonMark: four spaces after a blank line,
    // outside a list) would be compiled by rustdoc as a Rust doctest.
    let mut in_indented = false;
    let mut prev_blank = true;
    let mut in_list = false;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_end();
        let indent = trimmed.len() - trimmed.trim_start().len();
        if in_indented && !trimmed.is_empty() && indent < 4 {
            out.push_str("\n```");
            in_indented = false;
        }
        if i > 0 {
            out.push('\n');
        }
        if !in_indented && trimmed.trim_start().starts_with("```") {
            in_code = !in_code;
            // Vendor code blocks are not Rust.
            out.push_str(if in_code { "```text" } else { "```" });
            prev_blank = false;
            continue;
        }
        if in_code || in_indented {
            out.push_str(trimmed);
            continue;
        }
        if indent >= 4 && prev_blank && !in_list && !trimmed.is_empty() {
            out.push_str("```text\n");
            out.push_str(trimmed);
            in_indented = true;
            continue;
        }
        if !trimmed.is_empty() && indent < 4 {
            let item = trimmed.trim_start();
            in_list = item.starts_with("- ")
                || item.starts_with("* ")
                || item.starts_with("+ ")
                || item.split_once(". ").is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
        }
        prev_blank = trimmed.is_empty();
        out.push_str(&sanitize_line(trimmed));
    }
    if in_code || in_indented {
        out.push_str("\n```");
    }
    out
}

/// One line of prose: Markdown links pass through, bare URLs become
/// autolinks, and `<`, `>`, `[`, `]` are escaped everywhere else.
fn sanitize_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let mut i = 0;
    while i < line.len() {
        let rest = &line[i..];
        if let Some(len) = markdown_link_len(rest) {
            out.push_str(&rest[..len]);
            i += len;
            continue;
        }
        if let Some(code) = rest.strip_prefix('`') {
            // Inline code is literal.
            let len = code.find('`').map(|n| n + 2).unwrap_or(rest.len());
            out.push_str(&rest[..len]);
            i += len;
            continue;
        }
        if rest.starts_with("https://") || rest.starts_with("http://") {
            let end = rest
                .find(|c: char| c.is_whitespace() || matches!(c, ')' | '>' | '"' | '\'' | ']' | '`'))
                .unwrap_or(rest.len());
            let url = rest[..end].trim_end_matches(['.', ',', ';', ':']);
            out.push('<');
            out.push_str(url);
            out.push('>');
            i += url.len();
            continue;
        }
        let c = rest.chars().next().unwrap_or(' ');
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '[' => out.push_str("\\["),
            ']' => out.push_str("\\]"),
            _ => out.push(c),
        }
        i += c.len_utf8();
    }
    out
}

/// The length of a `[text](http...)` link at the start of `s`.
fn markdown_link_len(s: &str) -> Option<usize> {
    let text_end = s.strip_prefix('[')?.find("](")? + 1;
    if s[1..text_end].contains('[') {
        return None;
    }
    let url = &s[text_end + 2..];
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return None;
    }
    let close = url.find(')')?;
    if url[..close].contains(char::is_whitespace) {
        return None;
    }
    Some(text_end + 2 + close + 1)
}

pub(crate) fn ty(t: &Ty) -> TokenStream {
    match t {
        Ty::String => quote!(String),
        Ty::Bool => quote!(bool),
        Ty::I32 => quote!(i32),
        Ty::I64 => quote!(i64),
        Ty::F32 => quote!(f32),
        Ty::F64 => quote!(f64),
        Ty::DateTime => quote!(::chrono::DateTime<::chrono::FixedOffset>),
        Ty::Date => quote!(::chrono::NaiveDate),
        Ty::Uuid => quote!(::uuid::Uuid),
        Ty::Value => quote!(::serde_json::Value),
        Ty::Object => quote!(::serde_json::Map<String, ::serde_json::Value>),
        Ty::Unit => quote!(()),
        Ty::Bytes => quote!(Vec<u8>),
        Ty::File => quote!(runtime::FilePart),
        Ty::Vec(inner) => {
            let inner = ty(inner);
            quote!(Vec<#inner>)
        }
        Ty::Map(inner) => {
            let inner = ty(inner);
            quote!(::std::collections::BTreeMap<String, #inner>)
        }
        Ty::Option(inner) => {
            let inner = ty(inner);
            quote!(Option<#inner>)
        }
        Ty::Box(inner) => {
            let inner = ty(inner);
            quote!(Box<#inner>)
        }
        Ty::Named(name) => {
            let name = ident(name);
            quote!(#name)
        }
    }
}

// ---- client ------------------------------------------------------------------

fn client(api: &Api, opts: &EmitOptions) -> TokenStream {
    let title = format!("Client for the {} (API version {}).", api.title, api.version);
    // The first scheme's builder method, called with the arguments it takes.
    let first_cred = api
        .security_schemes
        .first()
        .map(|s| match s.kind {
            SecurityKind::Basic => format!("\n    .{}(\"user\", \"password\")", s.method),
            _ => format!("\n    .{}(\"...\")", s.method),
        })
        .unwrap_or_default();
    let example = format!(
        "```no_run\n# fn main() -> Result<(), Box<dyn std::error::Error>> {{\nlet client = {}::Client::builder(){first_cred}\n    .build()?;\n# let _ = client;\n# Ok(()) }}\n```",
        opts.module_path
    );
    let docs = doc3(&title, api.description.as_deref(), &example);
    let (url, vars) = match api.servers.first() {
        Some(s) => (s.url.clone(), s.variables.iter().map(|v| (v.name.clone(), v.default.clone())).collect::<Vec<_>>()),
        None => (String::new(), Vec::new()),
    };
    let var_pairs = vars.iter().map(|(n, d)| quote!((#n, #d)));
    let builder_doc = doc(&if url.is_empty() {
        "Starts configuring a client. The spec declares no server: set one with `base_url`.".to_string()
    } else {
        format!("Starts configuring a client for `{url}`.")
    });
    let rate_limit = default_rate_limit(api);
    let with_options = with_options_method();
    quote! {
        #docs
        #[derive(Debug, Clone)]
        pub struct Client(runtime::Client);

        impl runtime::ApiClient for Client {
            fn from_runtime(client: runtime::Client) -> Self {
                Client(client)
            }
        }

        impl Client {
            #builder_doc
            pub fn builder() -> ClientBuilder {
                let builder = runtime::ClientBuilder::new(#url, &[#(#var_pairs),*]);
                // The crate this module is compiled in names itself.
                ClientBuilder(builder.user_agent(concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION")))#rate_limit)
            }

            /// The runtime client: base URL, credentials and policies.
            pub fn runtime(&self) -> &runtime::Client {
                &self.0
            }

            #with_options
        }
    }
}

/// `.rate_limit(..)` with the limits of `x-rate-limit`, appended to the
/// builder the generated `builder()` returns; nothing without them.
fn default_rate_limit(api: &Api) -> TokenStream {
    let Some(limit) = &api.rate_limit else { return TokenStream::new() };
    let rules = limit.rules.iter().map(|r| {
        let requests = Literal::u32_unsuffixed(r.requests);
        let per_ms = Literal::u64_unsuffixed(r.per_ms);
        let burst = Literal::u32_unsuffixed(r.burst);
        let methods = match r.methods {
            RateMethods::All => quote!(All),
            RateMethods::Reads => quote!(Reads),
            RateMethods::Writes => quote!(Writes),
        };
        quote! {
            .rule(
                runtime::RateRule::new(#requests, ::std::time::Duration::from_millis(#per_ms))
                    .burst(#burst)
                    .methods(runtime::Methods::#methods),
            )
        }
    });
    let concurrency = limit.concurrency.map(|n| {
        let n = Literal::usize_unsuffixed(n as usize);
        quote!(.concurrency(#n))
    });
    quote!(.rate_limit(runtime::RateLimit::new() #(#rules)* #concurrency))
}

/// `Client::with_options`: per-request options on a cheap clone.
fn with_options_method() -> TokenStream {
    quote! {
        /// A clone whose requests use these options (timeout, headers, retry
        /// policy, body limit) on top of this client's. Cheap: it shares the
        /// connection pool, credentials, hooks and rate limiter.
        pub fn with_options(&self, options: runtime::RequestOptions) -> Self {
            Client(self.0.with_options(options))
        }
    }
}

/// The `runtime::OAuth2Scheme` value of an `oauth2` scheme: everything the
/// spec says about its token endpoint.
fn oauth2_scheme(prefix: &str, oauth: &OAuth2) -> TokenStream {
    let token_url = &oauth.token_url;
    let mut scheme = quote!(runtime::OAuth2Scheme::new(#prefix, #token_url));
    if let Some(url) = &oauth.refresh_url {
        scheme = quote!(#scheme.refresh_url(#url));
    }
    if let Some((variable, urls)) = &oauth.token_url_by_variable {
        let pairs = urls.iter().map(|(value, url)| quote!((#value, #url)));
        scheme = quote!(#scheme.token_url_by_server_variable(#variable, &[#(#pairs),*]));
    }
    if let Some(field) = &oauth.api_domain_field {
        let domains = &oauth.api_domains;
        scheme = quote!(#scheme.api_domain_field(#field, &[#(#domains),*]));
    }
    if !oauth.error_aliases.is_empty() {
        let pairs = oauth.error_aliases.iter().map(|(alias, standard)| quote!((#alias, #standard)));
        scheme = quote!(#scheme.error_aliases(&[#(#pairs),*]));
    }
    scheme
}

/// `.oauth2(...)` and the token exchange methods of an `oauth2` scheme.
fn oauth2_methods(key: &str, prefix: &str, oauth: &OAuth2) -> TokenStream {
    let scheme = oauth2_scheme(prefix, oauth);
    let m = ident(&oauth.method);
    let flows: Vec<String> = oauth
        .flows
        .iter()
        .map(|f| {
            let scopes: Vec<String> = f.scopes.iter().map(|(s, _)| format!("`{s}`")).collect();
            let scopes = if scopes.is_empty() { String::new() } else { format!("; scopes {}", scopes.join(", ")) };
            format!("- `{}`{scopes}", f.name)
        })
        .collect();
    let token_url = match &oauth.token_url_by_variable {
        Some((variable, _)) => format!("from the token URL of the `{{{variable}}}` server variable's value"),
        None => format!("from `{}`", oauth.token_url),
    };
    let mut text = format!(
        "Authenticates with OAuth 2.0 tokens that renew themselves (scheme `{key}`), {token_url}: refreshed before \
         they expire and once when the API answers 401, one refresh at a time for every clone of the client. \
         Rotated refresh tokens are saved to the `runtime::OAuth2` value's token store before they are used."
    );
    if oauth.api_domain_field.is_some() {
        text.push_str(" The token response's API domain replaces the base URL's origin, unless `base_url` was set.");
    }
    let docs = doc3(&text, None, &format!("Flows the spec declares:\n\n{}", flows.join("\n")));
    let exchanges = oauth.exchanges.iter().map(|x| {
        let m = ident(&x.method);
        let url = &x.url;
        let headers = x.headers.iter().map(|(n, v)| quote!((#n, #v)));
        let params: Vec<Ident> = x.form.iter().map(|(_, p)| ident(p)).collect();
        let fields = x.form.iter().zip(&params).map(|((wire, _), p)| quote!((#wire, #p.into())));
        let names: Vec<String> = x.form.iter().map(|(w, _)| format!("`{w}`")).collect();
        let text = format!(
            "Authenticates with tokens minted at `{url}` from the tokens of `parent` (scheme `{key}`), with the form \
             fields {}; renewed like those of `{}`.",
            names.join(", "),
            oauth.method
        );
        let docs = doc3(&text, x.description.as_deref(), "");
        let scheme = &scheme;
        quote! {
            #docs
            pub fn #m(self, parent: impl Into<runtime::OAuth2Refresher>, #(#params: impl Into<String>),*) -> Self {
                let exchange = runtime::TokenExchange::new(#url, &[#(#headers),*]);
                self.credential(#key, runtime::Credential::oauth2_exchange(#scheme, exchange, parent, vec![#(#fields),*]))
            }
        }
    });
    quote! {
        #docs
        pub fn #m(self, oauth: impl Into<runtime::OAuth2Refresher>) -> Self {
            self.credential(#key, runtime::Credential::oauth2(#scheme, oauth))
        }
        #(#exchanges)*
    }
}

fn builder_ext(api: &Api) -> TokenStream {
    let creds = api.security_schemes.iter().map(|s| {
        let m = ident(&s.method);
        let key = &s.key;
        let text = match &s.kind {
            SecurityKind::Token { prefix } => {
                format!("Authenticates with a token sent as `Authorization: {prefix} <token>` (scheme `{key}`).")
            }
            SecurityKind::OAuth2 { prefix, oauth } => format!(
                "Authenticates with a fixed OAuth 2.0 access token sent as `Authorization: {prefix} <token>` (scheme \
                 `{key}`); `{}` renews tokens instead.",
                oauth.method
            ),
            SecurityKind::Basic => format!("Authenticates with HTTP basic auth (scheme `{key}`)."),
            SecurityKind::ApiKeyHeader { name } => {
                format!("Authenticates with an API key sent in the `{name}` header (scheme `{key}`).")
            }
            SecurityKind::ApiKeyQuery { name } => {
                format!("Authenticates with an API key sent as the `{name}` query parameter (scheme `{key}`).")
            }
        };
        let docs = doc3(&text, s.description.as_deref(), "");
        match &s.kind {
            SecurityKind::Token { prefix } => quote! {
                #docs
                pub fn #m(self, token: impl Into<String>) -> Self {
                    self.credential(#key, runtime::Credential::token(#prefix, token))
                }
            },
            SecurityKind::OAuth2 { prefix, oauth } => {
                let renewing = oauth2_methods(key, prefix, oauth);
                quote! {
                    #docs
                    pub fn #m(self, token: impl Into<String>) -> Self {
                        self.credential(#key, runtime::Credential::token(#prefix, token))
                    }
                    #renewing
                }
            }
            SecurityKind::Basic => quote! {
                #docs
                pub fn #m(self, user: impl Into<String>, password: impl Into<String>) -> Self {
                    self.credential(#key, runtime::Credential::basic(user, password))
                }
            },
            SecurityKind::ApiKeyHeader { name } => quote! {
                #docs
                pub fn #m(self, key: impl Into<String>) -> Self {
                    self.credential(#key, runtime::Credential::header(#name, key))
                }
            },
            SecurityKind::ApiKeyQuery { name } => quote! {
                #docs
                pub fn #m(self, key: impl Into<String>) -> Self {
                    self.credential(#key, runtime::Credential::query(#name, key))
                }
            },
        }
    });
    let vars = api.servers.first().into_iter().flat_map(|s| &s.variables).map(|v| {
        let m = ident(&v.method);
        let wire = &v.name;
        let text = format!("Sets the `{{{wire}}}` part of the base URL (default `{}`).", v.default);
        let docs = doc3(&text, v.description.as_deref(), "");
        match &v.type_name {
            Some(t) => {
                let t = ident(t);
                quote! {
                    #docs
                    pub fn #m(self, value: #t) -> Self {
                        self.server_variable(#wire, value.as_str())
                    }
                }
            }
            None => quote! {
                #docs
                pub fn #m(self, value: impl Into<String>) -> Self {
                    self.server_variable(#wire, value)
                }
            },
        }
    });
    quote! {
        runtime::client_builder!(ClientBuilder => Client);

        impl ClientBuilder {
            #(#creds)*
            #(#vars)*
        }
    }
}

fn server_types(server: &Server) -> TokenStream {
    let types = server.variables.iter().filter_map(|v| {
        let name = ident(v.type_name.as_ref()?);
        let docs =
            doc3(&format!("Allowed values of the `{{{}}}` server variable.", v.name), v.description.as_deref(), "");
        let variants = v.values.iter().map(|e| {
            let i = ident(&e.ident);
            let w = &e.wire;
            quote!(#i = #w)
        });
        Some(quote! {
            runtime::open_enum! {
                #docs
                pub enum #name { #(#variants),* }
            }
        })
    });
    quote!(#(#types)*)
}

// ---- operations --------------------------------------------------------------

fn required_args(op: &Operation) -> impl Iterator<Item = &Param> {
    op.params.iter().filter(|p| p.role == ParamRole::Argument)
}

fn optional_params(op: &Operation) -> impl Iterator<Item = &Param> {
    op.params.iter().filter(|p| p.role == ParamRole::Setter)
}

/// Argument type and conversion for a value the user passes.
fn arg(t: &Ty) -> (TokenStream, bool) {
    match t {
        Ty::String => (quote!(impl Into<String>), true),
        other => (ty(other), false),
    }
}

/// The operation's prose from the spec, and the generator's own part (the
/// route, the vendor link, an example).
/// A client method's docs: the spec's summary and description, then the
/// route, the vendor's page and an example. A one-line summary with no
/// example makes one line: `Get a record (`GET /records/{id}`)`.
fn op_doc(op: &Operation, api: &Api, opts: &EmitOptions) -> TokenStream {
    let mut vendor = op.summary.clone().unwrap_or_default();
    if let Some(d) = &op.description {
        if Some(d) != op.summary.as_ref() {
            vendor.push_str("\n\n");
            vendor.push_str(d);
        }
    }
    let route = format!("`{} {}`", op.http_method, op.path);
    let example = op_example(op, api, opts);
    let summary = sanitize_doc(vendor.trim());
    if example.is_none() && !summary.is_empty() && !summary.contains('\n') {
        let summary = summary.strip_suffix('.').unwrap_or(&summary);
        let line = match &op.doc_url {
            Some(url) => format!("{summary} ({route}, [vendor documentation]({url}))"),
            None => format!("{summary} ({route})"),
        };
        return doc(&line);
    }
    let mut text = route;
    if let Some(url) = &op.doc_url {
        text.push_str(&format!(" ([vendor documentation]({url}))"));
    }
    if let Some(example) = example {
        text.push_str(&example);
    }
    doc3("", Some(&vendor), &text)
}

/// A short example of the call, with the spec's example values; made only
/// when it shows what the signature does not (an example value, a form, a
/// stream), so that the docs say each thing once.
fn op_example(op: &Operation, api: &Api, opts: &EmitOptions) -> Option<String> {
    let mut informative = op.pagination.is_some() || required_args(op).any(|p| p.example.is_some());
    let mut setup = String::new();
    let mut args: Vec<String> = Vec::new();
    for p in required_args(op) {
        args.push(example_arg(&p.ty, &p.ident, p.example.as_ref(), &mut setup));
    }
    if let Some(b) = op.body.as_ref().filter(|b| b.required) {
        let form = match (&b.kind, &b.ty) {
            (ContentKind::Multipart, Ty::Named(n)) => api.types.iter().find(|t| &t.name == n),
            _ => None,
        };
        match form {
            Some(TypeDef { name, kind: TypeKind::Multipart(f), .. }) => {
                informative = true;
                setup.push_str(&form_example(name, f, &opts.module_path));
                args.push("body".into());
            }
            _ => args.push(example_arg(&b.ty, "body", b.example.as_ref(), &mut setup)),
        }
    }
    informative |= setup.lines().any(|l| !l.starts_with('#'));
    if !informative {
        return None;
    }
    // The method as called: a keyword stays raw (`client.r#match()`).
    let method = &op.method_name;
    let call = if op.pagination.is_some() {
        format!(
            "use futures_util::TryStreamExt;\nlet items: Vec<_> = client.{method}({}).stream().try_collect().await?;",
            args.join(", ")
        )
    } else {
        format!("let response = client.{method}({}).await?;", args.join(", "))
    };
    Some(format!(
        "\n\n```no_run\n# async fn example(client: {}::Client) -> Result<(), Box<dyn std::error::Error>> {{\n{setup}{call}\n# Ok(()) }}\n```",
        opts.module_path
    ))
}

/// A multipart form in a doc example: its required fields, files read
/// from paths named after them.
fn form_example(name: &str, f: &Form, module: &str) -> String {
    let mut lines = Vec::new();
    for p in f.parts.iter().filter(|p| !matches!(p.field.ty, Ty::Option(_))) {
        let wire = p.field.wire_name.as_str();
        let value = match &p.field.ty {
            Ty::File => format!("{module}::FilePart::from_path({wire:?})"),
            Ty::Vec(inner) if **inner == Ty::File => format!("vec![{module}::FilePart::from_path({wire:?})]"),
            Ty::String => format!("{wire:?}.into()"),
            Ty::Vec(inner) if **inner == Ty::String => format!("vec![{wire:?}.into()]"),
            Ty::Bool => "true".into(),
            Ty::I32 | Ty::I64 => "1".into(),
            // Any other field type is a serde type: decoded from JSON.
            _ => "serde_json::from_value(serde_json::json!(null))?".into(),
        };
        lines.push(format!(
            "    {}: {value},
",
            p.field.ident
        ));
    }
    if f.default {
        lines.push(
            "    ..Default::default()
"
            .into(),
        );
    } else {
        for p in f.parts.iter().filter(|p| matches!(p.field.ty, Ty::Option(_))) {
            lines.push(format!(
                "    {}: None,
",
                p.field.ident
            ));
        }
    }
    format!(
        "let body = {module}::{name} {{
{}}};
",
        lines.concat()
    )
}

/// Examples longer than this are left out of the docs (the call then
/// builds an empty value, hidden).
const MAX_EXAMPLE_LEN: usize = 160;

/// The argument `name` in a doc example: a literal for scalars, else a
/// variable decoded from the spec's example, on a line of its own.
fn example_arg(t: &Ty, name: &str, example: Option<&serde_json::Value>, setup: &mut String) -> String {
    use serde_json::Value;
    match (t, example) {
        (Ty::String, Some(Value::String(s))) => format!("{s:?}"),
        (Ty::String, Some(v @ (Value::Number(_) | Value::Bool(_)))) => format!("{:?}", v.to_string()),
        (Ty::String, _) => format!("{:?}", name.trim_start_matches("r#")),
        (Ty::I32 | Ty::I64, Some(Value::Number(n))) if n.is_i64() => n.to_string(),
        (Ty::I32 | Ty::I64, _) => "1".into(),
        (Ty::F32 | Ty::F64, Some(Value::Number(n))) if n.as_f64().is_some() => {
            format!("{:?}", n.as_f64().unwrap_or_default())
        }
        (Ty::F32 | Ty::F64, _) => "1.0".into(),
        (Ty::Bool, Some(Value::Bool(b))) => b.to_string(),
        (Ty::Bool, _) => "true".into(),
        _ => {
            let json = example.map(json_literal).filter(|j| j.len() <= MAX_EXAMPLE_LEN && is_rust_safe(j));
            let (hide, json) = match &json {
                Some(j) => ("", j.as_str()),
                None => ("# ", "{}"),
            };
            setup.push_str(&format!("{hide}let {name} = serde_json::from_value(serde_json::json!({json}))?;\n"));
            name.to_string()
        }
    }
}

/// JSON as written by hand: `{"name": "Rex", "tags": [1, 2]}`.
fn json_literal(v: &serde_json::Value) -> String {
    use serde_json::Value;
    match v {
        Value::Array(items) => format!("[{}]", items.iter().map(json_literal).collect::<Vec<_>>().join(", ")),
        Value::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!("{}: {}", Value::from(k.as_str()), json_literal(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        scalar => scalar.to_string(),
    }
}

/// `json!` takes JSON's string escapes except `\b`, `\f` and `\u`, which
/// are not Rust's.
fn is_rust_safe(json: &str) -> bool {
    !(json.contains("\\b") || json.contains("\\f") || json.contains("\\u"))
}

fn op_method(op: &Operation, api: &Api, opts: &EmitOptions) -> TokenStream {
    let m = ident(&op.method_name);
    let b = ident(&op.builder_name);
    let docs = op_doc(op, api, opts);
    let deprecated = op.deprecated.then(|| quote!(#[deprecated]));
    let mut params = Vec::new();
    let mut inits = Vec::new();
    for p in required_args(op) {
        let i = ident(&p.ident);
        let (t, into) = arg(&p.ty);
        params.push(quote!(#i: #t));
        inits.push(if into { quote!(#i: #i.into()) } else { quote!(#i) });
    }
    for p in optional_params(op) {
        let i = ident(&p.ident);
        inits.push(quote!(#i: None));
    }
    if let Some(body) = &op.body {
        if body.required {
            let t = ty(&body.ty);
            params.push(quote!(body: #t));
            inits.push(quote!(body));
        } else {
            inits.push(quote!(body: None));
        }
    }
    quote! {
        #docs
        #deprecated
        pub fn #m(&self, #(#params),*) -> #b {
            #b { client: self.0.clone(), #(#inits),* }
        }
    }
}

fn operation(op: &Operation, shared: &SharedErrors) -> TokenStream {
    let b = ident(&op.builder_name);
    // `operation!` writes the builder's first paragraph; a paginated
    // operation whose later pages go by token says how, after it.
    let struct_doc = op.pagination.as_ref().and_then(|p| p.token.as_ref().map(|t| (p, t))).map(|(p, t)| {
        let note = format!(
            "`stream()` asks for the pages past the first {} items with `{}` (the token at `{}` in each page) instead of `{}`.",
            t.after, t.param, t.next, p.param
        );
        let lines = ["", note.as_str()].map(|l| if l.is_empty() { String::new() } else { format!(" {l}") });
        quote!(#(#[doc = #lines])*)
    });
    let mut fields = Vec::new();
    for p in required_args(op) {
        let i = ident(&p.ident);
        let t = ty(&p.ty);
        fields.push(quote!(#i: #t));
    }
    for p in optional_params(op) {
        let i = ident(&p.ident);
        let t = ty(&p.ty);
        fields.push(quote!(#i: Option<#t>));
    }
    if let Some(body) = &op.body {
        let t = ty(&body.ty);
        fields.push(if body.required { quote!(body: #t) } else { quote!(body: Option<#t>) });
    }
    let setters = optional_params(op).map(|p| {
        let i = ident(&p.ident);
        let (t, _) = arg(&p.ty);
        let own = format!("Sent as the `{}` {} parameter.", p.wire_name, location_name(p.location));
        // One line where the description is one line: the parameter's
        // description, then where it is sent.
        let docs = match p.description.as_deref().map(str::trim) {
            Some(d) if !d.is_empty() && !d.contains('\n') => {
                let stop = if d.ends_with(['.', '!', '?']) { "" } else { "." };
                doc(&format!("{d}{stop} {own}"))
            }
            Some(d) => doc3("", Some(d), &own),
            None => doc(&own),
        };
        let dep = p.deprecated.then(|| quote!(#[deprecated]));
        quote!(#docs #dep #i: #t)
    });
    let body_setter = op.body.as_ref().filter(|b| !b.required).map(|body| {
        let t = ty(&body.ty);
        let docs = doc3("Sets the request body.", body.description.as_deref(), "");
        quote!(#docs body: #t)
    });
    let setters: Vec<TokenStream> = setters.chain(body_setter).collect();
    let setters = (!setters.is_empty()).then(|| quote!(set { #(#setters),* }));
    let request = request_clause(op);
    let decode = decode_table(op);
    let ok = ty(&op.success.ty);
    let (err, alias) = error_types(op, shared);
    let alias = alias.map(|a| quote!(as #a));
    let (pagination, paginate) = op.pagination.as_ref().map(pagination_parts).unzip();
    let streaming = streaming_clause(op);
    let success_enum = success_enum(op);
    let error_enum = error_enum(op, shared);
    let pagination = pagination.map(|p| quote!(impl #b { #p }));
    quote! {
        runtime::operation! {
            #struct_doc
            pub struct #b { #(#fields),* }
            #request
            #ok, #err #alias #decode
            #setters
            #paginate
            #streaming
        }

        #pagination
        #success_enum
        #error_enum
    }
}

fn location_name(l: ParamLocation) -> &'static str {
    match l {
        ParamLocation::Path => "path",
        ParamLocation::Query => "query",
        ParamLocation::Header => "header",
        ParamLocation::Cookie => "cookie",
    }
}

/// The error type an operation's `decode` returns, and the alias the
/// operation names it by when an earlier operation with the same declared
/// errors defined it (`operation!`'s `as Alias`).
fn error_types(op: &Operation, shared: &SharedErrors) -> (TokenStream, Option<Ident>) {
    match &op.errors.enum_name {
        Some(n) => match shared.get(n) {
            Some(Shared::Alias(of)) => {
                let of = ident(of);
                (quote!(#of), Some(ident(n)))
            }
            _ => {
                let n = ident(n);
                (quote!(#n), None)
            }
        },
        None => (quote!(runtime::NoErrorBody), None),
    }
}

fn list_style(s: ListStyle) -> TokenStream {
    match s {
        ListStyle::Exploded => quote!(runtime::ListStyle::Exploded),
        ListStyle::Comma => quote!(runtime::ListStyle::Comma),
        ListStyle::Space => quote!(runtime::ListStyle::Space),
        ListStyle::Pipe => quote!(runtime::ListStyle::Pipe),
    }
}

/// The request line of `operation!`: method, path template and security
/// schemes, then one `Request` call per parameter and the body, each
/// naming the builder's field (bound by reference in `request()`).
fn request_clause(op: &Operation) -> TokenStream {
    let method = ident(&op.http_method);
    let path = &op.path;
    let security = op.security.iter();
    let mut steps = Vec::new();
    for p in &op.params {
        let wire = &p.wire_name;
        let i = ident(&p.ident);
        let value = match &p.role {
            ParamRole::Constant(c) => quote!(&#c),
            ParamRole::Argument | ParamRole::Setter => quote!(#i),
        };
        let step = match (p.location, p.list_style, p.role != ParamRole::Setter) {
            (ParamLocation::Path, _, _) => quote!(.path(#wire, #value)),
            (ParamLocation::Query, Some(s), true) => {
                let s = list_style(s);
                quote!(.query_list(#wire, #value, #s))
            }
            (ParamLocation::Query, Some(s), false) => {
                let s = list_style(s);
                quote!(.query_list_opt(#wire, #i.as_deref(), #s))
            }
            (ParamLocation::Query, None, true) => quote!(.query(#wire, #value)),
            (ParamLocation::Query, None, false) => quote!(.query_opt(#wire, #i.as_ref())),
            (ParamLocation::Header, _, true) => quote!(.header(#wire, #value)),
            (ParamLocation::Header, _, false) => quote!(.header_opt(#wire, #i.as_ref())),
            (ParamLocation::Cookie, _, true) => quote!(.cookie(#wire, #value)),
            (ParamLocation::Cookie, _, false) => quote!(.cookie_opt(#wire, #i.as_ref())),
        };
        steps.push(step);
    }
    if let Some(body) = op.body.as_ref().filter(|b| b.kind == ContentKind::Multipart) {
        steps.push(if body.required { quote!(.multipart(body)) } else { quote!(.multipart_opt(body.as_ref())) });
    } else if let Some(body) = &op.body {
        let ct = &body.content_type;
        let f = match body.kind {
            ContentKind::Multipart => unreachable!("handled above"),
            ContentKind::Json => quote!(json),
            ContentKind::Form => quote!(form),
            ContentKind::Text => quote!(text),
            ContentKind::Binary => quote!(bytes),
        };
        steps.push(if body.required {
            quote!(.#f(#ct, body))
        } else {
            let f = format_ident!("{}_opt", f.to_string());
            quote!(.#f(#ct, body.as_ref()))
        });
    }
    quote!(#method #path [#(#security),*] #(#steps)*;)
}

fn status_pattern(s: &StatusMatch) -> TokenStream {
    match s {
        StatusMatch::Code(c) => {
            let c = Literal::u16_unsuffixed(*c);
            quote!(#c)
        }
        StatusMatch::Range(r) => {
            let lo = Literal::u16_unsuffixed(r * 100);
            let hi = Literal::u16_unsuffixed(r * 100 + 99);
            quote!(#lo..=#hi)
        }
        StatusMatch::Default => quote!(_),
    }
}

fn sorted_cases<'a>(cases: impl Iterator<Item = &'a ResponseCase>) -> Vec<&'a ResponseCase> {
    let mut v: Vec<&ResponseCase> = cases.collect();
    v.sort_by_key(|c| match c.status {
        StatusMatch::Code(_) => 0,
        StatusMatch::Range(_) => 1,
        StatusMatch::Default => 2,
    });
    v
}

/// The response table `operation!` makes the builder's `decode` from: one
/// arm per declared status (codes, then ranges, then `default`), each
/// naming the `RawResponse` method that decodes it; the macro decodes any
/// status the spec does not declare as unexpected.
fn decode_table(op: &Operation) -> TokenStream {
    let mut arms = Vec::new();
    let success_enum = op.success.enum_name.as_ref().map(|n| ident(n));
    for c in sorted_cases(op.success.cases.iter()) {
        let pat = status_pattern(&c.status);
        let call = match (&success_enum, &c.body) {
            (None, None) => quote!(empty()),
            (None, Some((kind, _))) => decode_call(*kind, None),
            (Some(e), None) => {
                let v = ident(&c.variant);
                quote!(empty_as(#e::#v))
            }
            (Some(e), Some((kind, _))) => {
                let v = ident(&c.variant);
                decode_call(*kind, Some(quote!(#e::#v)))
            }
        };
        arms.push((c.status != StatusMatch::Default, pat, call));
    }
    if let Some(e) = &op.errors.enum_name {
        let e = ident(e);
        for c in sorted_cases(op.errors.cases.iter()) {
            let pat = status_pattern(&c.status);
            let v = ident(&c.variant);
            let call = match &c.body {
                None => quote!(error_empty(#e::#v)),
                Some((ContentKind::Json | ContentKind::Form, _)) => quote!(error_json(#e::#v)),
                Some((ContentKind::Text, _)) => quote!(error_text(#e::#v)),
                Some((ContentKind::Binary | ContentKind::Multipart, _)) => quote!(error_bytes(#e::#v)),
            };
            arms.push((c.status != StatusMatch::Default, pat, call));
        }
    }
    // Neighbouring statuses decoded alike share an arm: `200 | 201 => json()`.
    let mut merged: Vec<(bool, TokenStream, TokenStream)> = Vec::new();
    for (joins, pat, call) in arms {
        match merged.last_mut() {
            Some((true, pats, last)) if joins && last.to_string() == call.to_string() => pats.extend(quote!(| #pat)),
            _ => merged.push((joins, pat, call)),
        }
    }
    let arms = merged.into_iter().map(|(_, pat, call)| quote!(#pat => #call,));
    quote!({ #(#arms)* })
}

fn decode_call(kind: ContentKind, wrap: Option<TokenStream>) -> TokenStream {
    match (kind, wrap) {
        (ContentKind::Json | ContentKind::Form, None) => quote!(json()),
        (ContentKind::Text, None) => quote!(text()),
        (ContentKind::Binary | ContentKind::Multipart, None) => quote!(bytes()),
        (ContentKind::Json | ContentKind::Form, Some(w)) => quote!(json_as(#w)),
        (ContentKind::Text, Some(w)) => quote!(text_as(#w)),
        (ContentKind::Binary | ContentKind::Multipart, Some(w)) => quote!(bytes_as(#w)),
    }
}

/// A paginated operation's `PAGINATION` constant, and the `operation!`
/// clause that gives it `stream()` and `send_page()`.
fn pagination_parts(p: &Pagination) -> (TokenStream, TokenStream) {
    let item = ty(&p.item_ty);
    let style = match p.style {
        PageStyle::Offset => quote!(runtime::PageStyle::Offset),
        PageStyle::Page => quote!(runtime::PageStyle::Page),
        PageStyle::Cursor => quote!(runtime::PageStyle::Cursor),
    };
    let in_body = p.in_body;
    let param = &p.param;
    let opt = |o: &Option<String>| match o {
        Some(s) => quote!(Some(#s)),
        None => quote!(None),
    };
    let limit = opt(&p.limit);
    let items = &p.items;
    let has_more = opt(&p.has_more);
    let next = opt(&p.next);
    let token = match &p.token {
        Some(t) => {
            let (param, next, after) = (&t.param, &t.next, proc_macro2::Literal::u64_unsuffixed(t.after));
            quote!(Some(runtime::PageToken { param: #param, next: #next, after: #after }))
        }
        None => quote!(None),
    };
    let constant = quote! {
        const PAGINATION: runtime::Pagination = runtime::Pagination {
            style: #style,
            in_body: #in_body,
            param: #param,
            limit: #limit,
            items: #items,
            has_more: #has_more,
            next: #next,
            token: #token,
        };
    };
    (constant, quote!(paginate #item;))
}

/// The `operation!` clause giving `send_streaming()` to an operation with a
/// binary or text success body: the body streamed to the caller instead of
/// read into memory.
fn streaming_clause(op: &Operation) -> Option<TokenStream> {
    let binary = op.success.cases.iter().any(|c| matches!(c.body, Some((ContentKind::Binary | ContentKind::Text, _))));
    binary.then(|| quote!(streaming;))
}

fn success_enum(op: &Operation) -> TokenStream {
    let Some(name) = &op.success.enum_name else { return TokenStream::new() };
    response_enum(
        name,
        &op.success.cases,
        &format!("The successful responses of [`Client::{}`].", op.method_name.trim_start_matches("r#")),
    )
}

/// The error enum of an operation, unless it is an alias of the one an
/// earlier operation with the same declared errors defined (`shared`):
/// `operation!` declares the alias.
fn error_enum(op: &Operation, shared: &SharedErrors) -> TokenStream {
    let Some(name) = &op.errors.enum_name else { return TokenStream::new() };
    let n = ident(name);
    let method = op.method_name.trim_start_matches("r#");
    let docs = match shared.get(name) {
        Some(Shared::Alias(_)) => return TokenStream::new(),
        Some(Shared::Canonical(others)) => doc(&format!(
            "The error responses declared for [`Client::{method}`] and {others} other operation{} declaring the same (their error types are aliases of this one).",
            if *others == 1 { "" } else { "s" }
        )),
        None => doc(&format!("The error responses declared for [`Client::{method}`].")),
    };
    error_enum_def(&n, docs, &op.errors.cases)
}

fn error_enum_def(n: &Ident, docs: TokenStream, cases: &[ResponseCase]) -> TokenStream {
    let variants = cases.iter().map(|c| {
        let v = ident(&c.variant);
        let (status, label) = match &c.status {
            StatusMatch::Code(code) => (format!("Status {code}"), format!("{code} {}", c.variant)),
            StatusMatch::Range(r) => (format!("Any {r}XX status"), format!("{r}XX {}", c.variant)),
            StatusMatch::Default => ("Any other status".to_string(), "error response".to_string()),
        };
        // `Status 404: Not found.` on one line when the spec's text is one line.
        let one_line =
            c.description.as_deref().map(|d| sanitize_doc(d.trim())).filter(|d| !d.is_empty() && !d.contains('\n'));
        let vd = match one_line {
            Some(d) => doc(&format!("{status}: {d}")),
            None => doc3(&format!("{status}."), c.description.as_deref(), ""),
        };
        match &c.body {
            Some((_, t)) => {
                let t = ty(t);
                quote!(#vd #v(#t) = #label)
            }
            None => quote!(#vd #v = #label),
        }
    });
    quote! {
        runtime::error_enum! {
            #docs
            pub enum #n {
                #(#variants),*
            }
        }
    }
}

fn response_enum(name: &str, cases: &[ResponseCase], doc_text: &str) -> TokenStream {
    let n = ident(name);
    let docs = doc(doc_text);
    let variants = cases.iter().map(|c| {
        let v = ident(&c.variant);
        let status = match &c.status {
            StatusMatch::Code(code) => format!("Status {code}"),
            StatusMatch::Range(r) => format!("Any {r}XX status"),
            StatusMatch::Default => "Any other status".to_string(),
        };
        // `Status 404: Not found.` on one line when the spec's text is one line.
        let one_line =
            c.description.as_deref().map(|d| sanitize_doc(d.trim())).filter(|d| !d.is_empty() && !d.contains('\n'));
        let vd = match one_line {
            Some(d) => doc(&format!("{status}: {d}")),
            None => doc3(&format!("{status}."), c.description.as_deref(), ""),
        };
        match &c.body {
            Some((_, t)) => {
                let t = ty(t);
                quote!(#vd #v(#t))
            }
            None => quote!(#vd #v),
        }
    });
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq)]
        pub enum #n {
            #(#variants),*
        }
    }
}

// ---- types -------------------------------------------------------------------

fn type_def(t: &TypeDef, shared: &SharedTypes) -> TokenStream {
    // Pointers with array indices (`parameters/2`, `allOf/0`) shift when the
    // spec gains an unrelated entry: only stable ones are shown.
    let stable = !t.pointer.split('/').any(|seg| seg.parse::<usize>().is_ok());
    let origin = if stable { format!("Schema: `{}`", t.pointer) } else { String::new() };
    let deprecated = t.deprecated.then(|| quote!(#[deprecated]));
    let name = ident(&t.name);
    if let Some(of) = shared.alias_of(&t.name) {
        let docs = doc3(
            "",
            t.doc.as_deref(),
            &format!("{origin}\n\nThe same definition as [`{of}`], of which this is an alias."),
        );
        let of = ident(of);
        return quote! {
            #docs
            #deprecated
            pub type #name = #of;
        };
    }
    let docs = doc3("", t.doc.as_deref(), &origin);
    match &t.kind {
        TypeKind::Struct(s) => struct_def(&name, docs, deprecated, s),
        TypeKind::Multipart(f) => form_def(&name, docs, f),
        TypeKind::Enum { variants } => {
            let vs = variants.iter().map(|v| {
                let i = ident(&v.ident);
                let w = &v.wire;
                quote!(#i = #w)
            });
            quote! {
                runtime::open_enum! {
                    #docs
                    #deprecated
                    pub enum #name { #(#vs,)* }
                }
            }
        }
        TypeKind::IntEnum { variants } => {
            let vs = variants.iter().map(|(i, v)| {
                let i = ident(i);
                let v = Literal::i64_unsuffixed(*v);
                quote!(#i = #v)
            });
            quote! {
                runtime::open_int_enum! {
                    #docs
                    #deprecated
                    pub enum #name { #(#vs,)* }
                }
            }
        }
        TypeKind::Union(u) => union_def(&name, docs, deprecated, u),
        TypeKind::Newtype(inner) => {
            let inner = ty(inner);
            quote! {
                #docs
                #deprecated
                #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
                #[serde(transparent)]
                pub struct #name(pub #inner);
            }
        }
        TypeKind::Alias(target) => {
            let target = ty(target);
            quote! {
                #docs
                pub type #name = #target;
            }
        }
    }
}

/// A field's docs: its description, then what the generated code adds.
fn field_docs(f: &Field) -> TokenStream {
    let mut notes = Vec::new();
    if f.read_only {
        notes.push("Read-only: sent by the server, ignored in requests.".to_string());
    }
    if f.write_only {
        notes.push("Write-only: accepted in requests, never returned.".to_string());
    }
    if f.double_option {
        notes.push("`None`: absent; `Some(None)`: explicitly `null`.".to_string());
    }
    if let Some(d) = &f.default {
        notes.push(format!("Default when absent: `{d}`."));
    }
    doc3("", f.doc.as_deref(), &notes.join("\n\n"))
}

/// A multipart form: a plain struct (files are not serde values) and the
/// parts it sends, in the spec's order.
fn form_def(name: &Ident, docs: TokenStream, f: &Form) -> TokenStream {
    let default = f.default.then(|| quote!(Default,));
    let fields = f.parts.iter().map(|p| {
        let i = ident(&p.field.ident);
        let t = ty(&p.field.ty);
        let docs = field_docs(&p.field);
        let dep = p.field.deprecated.then(|| quote!(#[deprecated]));
        quote! {
            #docs
            #dep
            pub #i: #t
        }
    });
    let steps = f.parts.iter().map(|p| {
        let i = ident(&p.field.ident);
        let wire = &p.field.wire_name;
        let ct = match &p.content_type {
            Some(c) => quote!(Some(#c)),
            None => quote!(None),
        };
        let optional = matches!(p.field.ty, Ty::Option(_));
        let method = match p.kind {
            PartKind::Text if p.list => "text_list",
            PartKind::Text => "text",
            PartKind::Json => "json",
            PartKind::File if p.list => "file_list",
            PartKind::File => "file",
        };
        let (method, value) = match (optional, p.list && p.kind != PartKind::Json) {
            (false, _) => (format_ident!("{method}"), quote!(&self.#i)),
            (true, true) => (format_ident!("{method}_opt"), quote!(self.#i.as_deref())),
            (true, false) => (format_ident!("{method}_opt"), quote!(self.#i.as_ref())),
        };
        quote!(.#method(#wire, #value, #ct))
    });
    let allow = f.parts.iter().any(|p| p.field.deprecated).then(|| quote!(#[allow(deprecated)]));
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, #default)]
        pub struct #name {
            #(#fields),*
        }

        impl runtime::MultipartBody for #name {
            #allow
            fn to_multipart(&self) -> runtime::Multipart {
                runtime::Multipart::new()
                    #(#steps)*
            }
        }
    }
}

/// A schema's struct as one `runtime::object!` call: each field with its
/// wire name and how it reads and writes (`required`, `optional`,
/// `double_option`); the macro writes the `Serialize` and `Deserialize`.
fn struct_def(name: &Ident, docs: TokenStream, deprecated: Option<TokenStream>, s: &Struct) -> TokenStream {
    let default = s.default.then(|| quote!(, Default));
    let fields = s.fields.iter().map(|f| {
        let i = ident(&f.ident);
        let t = ty(&f.ty);
        let wire = &f.wire_name;
        let mode = if f.double_option {
            quote!(double_option)
        } else if !f.required {
            quote!(optional)
        } else {
            // A required nullable field (`Option<T>`): `null` is a value, absence an error.
            quote!(required)
        };
        let docs = field_docs(f);
        let dep = f.deprecated.then(|| quote!(#[deprecated]));
        quote! {
            #docs
            #dep
            pub #i: #t = #wire #mode
        }
    });
    let additional = s.additional.as_ref().map(|a| {
        let i = ident(&a.ident);
        let t = match &a.ty {
            Ty::Value => quote!(::serde_json::Map<String, ::serde_json::Value>),
            other => {
                let inner = ty(other);
                quote!(::std::collections::BTreeMap<String, #inner>)
            }
        };
        quote!(..pub #i: #t)
    });
    quote! {
        runtime::object! {
            #docs
            #deprecated
            #[derive(Debug, Clone, PartialEq #default)]
            pub struct #name {
                #(#fields,)*
                #additional
            }
        }
    }
}

fn union_def(name: &Ident, docs: TokenStream, deprecated: Option<TokenStream>, u: &Union) -> TokenStream {
    match &u.discriminator {
        None => {
            let variants = u.variants.iter().map(|v| {
                let i = ident(&v.ident);
                let t = ty(&v.ty);
                quote!(#i(#t))
            });
            quote! {
            #docs
            #deprecated
            #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
            #[serde(untagged)]
            pub enum #name {
                #(#variants),*
            }
            impl runtime::ToParam for #name {
                fn to_param(&self) -> String {
                    runtime::json_param(self)
                }
            }
            }
        }
        Some(tag) => {
            let variants = u.variants.iter().map(|v| {
                let i = ident(&v.ident);
                let t = ty(&v.ty);
                let tags = &v.tags;
                quote!(#[tags(#(#tags),*)] #i(#t))
            });
            quote! {
                runtime::tagged_union! {
                    #[tag = #tag]
                    #docs
                    #deprecated
                    pub enum #name {
                        #(#variants,)*
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::sanitize_doc;

    #[test]
    fn indented_code_blocks_are_not_rust_doctests() {
        let text = "Send this body:\n\n    {\"a\": 1}\n    more\n\nThen wait.";
        assert_eq!(sanitize_doc(text), "Send this body:\n\n```text\n    {\"a\": 1}\n    more\n\n```\nThen wait.");
    }

    #[test]
    fn indented_list_continuations_stay_prose() {
        let text = "- item\n\n    continued\n- next";
        assert_eq!(sanitize_doc(text), text);
    }

    #[test]
    fn fenced_blocks_become_text() {
        assert_eq!(sanitize_doc("```js\nx()\n```"), "```text\nx()\n```");
    }
}
