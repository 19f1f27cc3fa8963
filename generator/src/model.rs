//! The resolved model: everything `emit` needs, decided once. No `$ref`s,
//! no optional spec fields left to interpret; names are final Rust names.

/// One API: the input of `emit`.
#[derive(Debug, Clone, PartialEq)]
pub struct Api {
    pub title: String,
    pub version: String,
    pub description: Option<String>,
    pub servers: Vec<Server>,
    pub security_schemes: Vec<SecurityScheme>,
    pub operations: Vec<Operation>,
    pub types: Vec<TypeDef>,
    /// The webhook deliveries the API sends (`webhooks`, `x-webhooks`).
    pub webhooks: Option<Webhooks>,
    /// The rate limits the vendor publishes (`x-rate-limit`), kept by the
    /// client unless the user sets others.
    pub rate_limit: Option<RateLimit>,
    /// Which optional crates the generated code uses.
    pub uses: Uses,
}

/// Client-side rate limits: rules and a cap on requests in flight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimit {
    pub rules: Vec<RateRule>,
    pub concurrency: Option<u32>,
}

/// At most `requests` in any window of `per_ms` milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateRule {
    pub requests: u32,
    pub per_ms: u64,
    /// Requests that may go at once (1: evenly spaced).
    pub burst: u32,
    pub methods: RateMethods,
}

/// The requests a rule counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateMethods {
    All,
    /// GET, HEAD, OPTIONS.
    Reads,
    /// Every other method.
    Writes,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Uses {
    pub chrono: bool,
    pub uuid: bool,
    /// The runtime's webhook verifier (its `webhooks` feature).
    pub webhooks: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Server {
    /// URL template, `{name}` for variables.
    pub url: String,
    pub description: Option<String>,
    pub variables: Vec<ServerVariable>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ServerVariable {
    /// Wire name inside the URL template.
    pub name: String,
    /// Builder method name.
    pub method: String,
    /// Name of the generated enum when the variable has allowed values.
    pub type_name: Option<String>,
    pub default: String,
    pub values: Vec<EnumVariant>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SecurityScheme {
    /// Key in `components/securitySchemes`.
    pub key: String,
    /// Builder method that sets the credential.
    pub method: String,
    pub kind: SecurityKind,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SecurityKind {
    /// `Authorization: <prefix> <token>` (bearer, oauth2, openIdConnect).
    Token {
        prefix: String,
    },
    /// `Authorization: Basic base64(user:password)`.
    Basic,
    ApiKeyHeader {
        name: String,
    },
    ApiKeyQuery {
        name: String,
    },
    /// OAuth 2.0: a fixed access token (`method`) or tokens that renew
    /// themselves (`oauth.method`), both sent as `Authorization: <prefix> <token>`.
    OAuth2 {
        prefix: String,
        oauth: Box<OAuth2>,
    },
}

/// What an `oauth2` security scheme and its `x-` extensions say about
/// getting tokens.
#[derive(Debug, Clone, PartialEq)]
pub struct OAuth2 {
    /// Builder method taking a `runtime::OAuth2` (`oauth2`).
    pub method: String,
    /// The flows the spec declares (`authorizationCode`, `clientCredentials`, ...).
    pub flows: Vec<OAuth2Flow>,
    /// The token URL (of the first flow that has one).
    pub token_url: String,
    pub refresh_url: Option<String>,
    /// `x-token-url-by-server-variable`: the server variable and the token
    /// URL for each of its values (Zoho's accounts server per data centre).
    pub token_url_by_variable: Option<(String, Vec<(String, String)>)>,
    /// `x-api-domain-field`: the token response field naming the API origin.
    pub api_domain_field: Option<String>,
    /// The origins that field may name: every origin of the spec's servers,
    /// and those `x-api-domains` adds.
    pub api_domains: Vec<String>,
    /// `x-token-error-aliases`: vendor error codes and the standard code each means.
    pub error_aliases: Vec<(String, String)>,
    /// `x-token-exchange`: tokens minted from another token.
    pub exchanges: Vec<TokenExchange>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OAuth2Flow {
    /// `authorizationCode`, `clientCredentials`, `password`, `implicit`.
    pub name: String,
    pub token_url: Option<String>,
    /// Scope names and descriptions.
    pub scopes: Vec<(String, String)>,
}

/// A token endpoint minting an access token from another one (HighLevel's
/// location token from an agency token).
#[derive(Debug, Clone, PartialEq)]
pub struct TokenExchange {
    /// Builder method name.
    pub method: String,
    pub description: Option<String>,
    pub url: String,
    /// Constant headers of the exchange request.
    pub headers: Vec<(String, String)>,
    /// Form fields: wire name and the method's parameter name.
    pub form: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// Rust method name (snake case).
    pub method_name: String,
    /// Name of the request builder type.
    pub builder_name: String,
    pub operation_id: String,
    pub http_method: String,
    pub path: String,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub doc_url: Option<String>,
    pub deprecated: bool,
    pub params: Vec<Param>,
    pub body: Option<Body>,
    pub success: Success,
    pub errors: ErrorSet,
    /// Security schemes (keys) any one of which authorises the call.
    pub security: Vec<String>,
    pub pagination: Option<Pagination>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamLocation {
    Path,
    Query,
    Header,
    Cookie,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListStyle {
    /// `a=1&a=2`
    Exploded,
    /// `a=1,2`
    Comma,
    /// `a=1 2`
    Space,
    /// `a=1|2`
    Pipe,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub wire_name: String,
    pub ident: String,
    pub location: ParamLocation,
    pub required: bool,
    /// The value's type (not wrapped in `Option`).
    pub ty: Ty,
    /// For arrays: how the values are joined.
    pub list_style: Option<ListStyle>,
    /// How users give the value: argument, builder method or not at all.
    pub role: ParamRole,
    pub description: Option<String>,
    pub deprecated: bool,
    /// A value from the spec (its `example`, `examples` or schema), for docs.
    pub example: Option<serde_json::Value>,
}

/// How users give a parameter's value (decided in `resolve`; `emit` and the
/// API diff read it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamRole {
    /// Required: an argument of the `Client` method.
    Argument,
    /// Optional: a method of the request builder, named like the parameter.
    Setter,
    /// Required with one allowed value: the client sends it by itself.
    Constant(String),
}

impl ParamRole {
    /// The constant value, for [`ParamRole::Constant`].
    pub fn constant(&self) -> Option<&str> {
        match self {
            ParamRole::Constant(value) => Some(value),
            ParamRole::Argument | ParamRole::Setter => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentKind {
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
    /// `multipart/form-data` with an object schema: the body type is a
    /// [`TypeKind::Multipart`] form.
    Multipart,
    Text,
    Binary,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    pub kind: ContentKind,
    pub content_type: String,
    pub ty: Ty,
    pub required: bool,
    pub description: Option<String>,
    /// A value from the spec (its `example`, `examples` or schema), for docs.
    pub example: Option<serde_json::Value>,
}

/// What a successful call returns.
#[derive(Debug, Clone, PartialEq)]
pub struct Success {
    /// The Rust type of `Response<T>`'s body.
    pub ty: Ty,
    /// Per status: how to decode it, and the enum variant wrapping it when
    /// `ty` is a generated enum of several 2xx bodies.
    pub cases: Vec<ResponseCase>,
    /// `Some(name)` when several 2xx statuses have different bodies.
    pub enum_name: Option<String>,
    /// The spec's example of the first success body (JSON), for the test kit.
    pub example: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ErrorSet {
    /// Name of the generated error enum; `None` when no error is declared.
    pub enum_name: Option<String>,
    pub cases: Vec<ResponseCase>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum StatusMatch {
    Code(u16),
    /// `2XX` etc.
    Range(u16),
    Default,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ResponseCase {
    pub status: StatusMatch,
    /// Enum variant name (errors always, successes when there is an enum).
    pub variant: String,
    /// `None`: no body (or an ignored one).
    pub body: Option<(ContentKind, Ty)>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageStyle {
    Offset,
    Page,
    Cursor,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Pagination {
    pub style: PageStyle,
    /// `true`: the advancing parameter is a top-level field of the JSON body.
    pub in_body: bool,
    pub param: String,
    pub limit: Option<String>,
    pub items: String,
    pub has_more: Option<String>,
    pub next: Option<String>,
    /// A token that takes over from page numbers or offsets past a depth.
    pub token: Option<PageToken>,
    pub item_ty: Ty,
}

/// `x-pagination.token`: past `after` items, the next page is asked for with
/// the token found at `next` in `param` (a query parameter), and the page
/// number or offset is no longer sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageToken {
    pub param: String,
    pub next: String,
    pub after: u64,
}

/// A Rust type as used in a field, parameter or body.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Ty {
    String,
    Bool,
    I32,
    I64,
    F32,
    F64,
    DateTime,
    Date,
    Uuid,
    /// Any JSON value.
    Value,
    /// A free-form JSON object.
    Object,
    /// No body.
    Unit,
    /// Raw bytes (`application/octet-stream`).
    Bytes,
    /// A file part of a multipart body (`runtime::FilePart`).
    File,
    Vec(Box<Ty>),
    Map(Box<Ty>),
    Option(Box<Ty>),
    Box(Box<Ty>),
    Named(String),
}

impl Ty {
    /// The type inside `Option`s.
    pub fn unwrap_option(&self) -> &Ty {
        match self {
            Ty::Option(inner) => inner.unwrap_option(),
            other => other,
        }
    }

    pub fn option(self) -> Ty {
        match self {
            Ty::Option(_) => self,
            other => Ty::Option(Box::new(other)),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct TypeDef {
    pub name: String,
    pub doc: Option<String>,
    /// Where the schema is in the spec (for readers of the generated code).
    pub pointer: String,
    pub deprecated: bool,
    pub kind: TypeKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TypeKind {
    Struct(Struct),
    /// String enum, open: unknown values decode into `Unknown(String)`.
    Enum {
        variants: Vec<EnumVariant>,
    },
    /// Integer enum, open: unknown values decode into `Unknown(i64)`.
    IntEnum {
        variants: Vec<(String, i64)>,
    },
    Union(Union),
    /// `pub type Name = Ty;`
    Alias(Ty),
    /// `pub struct Name(pub Ty);`, serde-transparent: an alias that refers
    /// to itself (`Tree = Vec<Tree>`), which Rust aliases cannot express.
    Newtype(Ty),
    /// The body of a `multipart/form-data` operation: a struct whose fields
    /// are sent as parts, not a serde type.
    Multipart(Form),
}

/// A multipart body: its fields in the spec's order.
#[derive(Debug, Clone, PartialEq)]
pub struct Form {
    pub parts: Vec<FormPart>,
    /// Every field may be absent: the struct derives `Default`.
    pub default: bool,
}

impl Form {
    /// The form as a struct of its fields (how readers of a diff see it).
    pub fn as_struct(&self) -> Struct {
        Struct { fields: self.parts.iter().map(|p| p.field.clone()).collect(), additional: None, default: self.default }
    }
}

/// One field of a multipart form and how it is sent.
#[derive(Debug, Clone, PartialEq)]
pub struct FormPart {
    /// The field; its type is `T` (required) or `Option<T>`.
    pub field: Field,
    pub kind: PartKind,
    /// An array: one part per item, each under the field's name.
    pub list: bool,
    /// The `contentType` of the media type's `encoding` for this field.
    pub content_type: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartKind {
    /// A scalar in its text form.
    Text,
    /// A value serialized as JSON (objects, arrays of objects).
    Json,
    /// A file (`format: binary`).
    File,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Struct {
    pub fields: Vec<Field>,
    /// `additionalProperties` besides declared fields, flattened in.
    pub additional: Option<Additional>,
    /// Every field may be absent: the struct derives `Default`.
    pub default: bool,
}

/// The field that keeps a struct's undeclared properties.
#[derive(Debug, Clone, PartialEq)]
pub struct Additional {
    pub ident: String,
    /// The type of each value (`Ty::Value` for any JSON).
    pub ty: Ty,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub ident: String,
    pub wire_name: String,
    /// Final type (`Option` for optional fields).
    pub ty: Ty,
    pub required: bool,
    /// `Option<Option<T>>`: absent and `null` are different values.
    pub double_option: bool,
    pub doc: Option<String>,
    pub deprecated: bool,
    pub read_only: bool,
    pub write_only: bool,
    /// A spec `default` to use when the field is absent.
    pub default: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EnumVariant {
    pub ident: String,
    pub wire: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Union {
    pub variants: Vec<UnionVariant>,
    /// Property whose value picks the variant (`discriminator`).
    pub discriminator: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UnionVariant {
    pub ident: String,
    pub ty: Ty,
    /// Discriminator values that select this variant.
    pub tags: Vec<String>,
}

/// The receiving side of an API: its webhook events, decoded into one open
/// tagged enum, and how a delivery is authenticated.
#[derive(Debug, Clone, PartialEq)]
pub struct Webhooks {
    /// Name of the generated receiver type (`Webhook`).
    pub receiver_name: String,
    /// Name of the event enum.
    pub enum_name: String,
    /// The JSON property of an event that names its type.
    pub discriminator: String,
    pub events: Vec<WebhookEvent>,
    /// Events arrive batched in an envelope (Attio).
    pub envelope: Option<WebhookEnvelope>,
    /// Signature headers, in order of preference.
    pub signatures: Vec<WebhookSignature>,
    /// A payload field echoing a shared token (Zoho's channel token).
    pub token: Option<WebhookSecretParam>,
    pub timestamp: Option<WebhookTimestamp>,
    pub delivery_id: Option<WebhookField>,
    /// The status that makes the vendor deliver again later (`retry-status`);
    /// `None` when the vendor documents no redelivery.
    pub retry_status: Option<u16>,
    pub description: Option<String>,
    pub doc_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct WebhookEvent {
    /// The webhook's key in the spec.
    pub name: String,
    /// Enum variant.
    pub variant: String,
    /// Discriminator values that select it.
    pub tags: Vec<String>,
    pub ty: Ty,
    pub summary: Option<String>,
    pub doc_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct WebhookEnvelope {
    /// Struct name.
    pub name: String,
    /// Wire name and field ident of the envelope's id.
    pub id: Option<(String, String)>,
    /// Wire name and field ident of the events array.
    pub events: (String, String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureScheme {
    Ed25519,
    RsaSha256,
    HmacSha256Hex,
}

#[derive(Debug, Clone, PartialEq)]
pub struct WebhookSignature {
    pub scheme: SignatureScheme,
    /// Header name as the vendor writes it.
    pub header: String,
    /// Argument name of the key or secret in the constructors.
    pub param: String,
    /// The vendor's published public key (PEM), embedded when known.
    pub public_key: Option<String>,
    /// Name of the constant holding `public_key`.
    pub key_const: Option<String>,
    /// Headers the vendor sends the same value in (`alias-headers`), read
    /// when `header` is absent.
    pub aliases: Vec<String>,
    /// Deprecated by the vendor: trusted only when the receiver opts in.
    pub deprecated: bool,
    /// When the vendor retires it (`sunset`), as the vendor announced it.
    pub sunset: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct WebhookSecretParam {
    /// Payload field.
    pub field: String,
    /// Argument name in the constructors.
    pub param: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookField {
    pub in_header: bool,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimestampFormat {
    Rfc3339,
    UnixSeconds,
    UnixMillis,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookTimestamp {
    pub field: WebhookField,
    pub format: TimestampFormat,
    pub required: bool,
    /// The replay window in seconds (`window-seconds`): it must cover the
    /// vendor's retries when they keep the first attempt's timestamp.
    /// `None`: the runtime's default (five minutes).
    pub window_secs: Option<u64>,
}
