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
    /// Which optional crates the generated code uses.
    pub uses: Uses,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Uses {
    pub chrono: bool,
    pub uuid: bool,
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
    /// A required parameter with one allowed value: sent automatically.
    pub constant: Option<String>,
    pub description: Option<String>,
    pub deprecated: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentKind {
    Json,
    Form,
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
    pub item_ty: Ty,
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
    Vec(Box<Ty>),
    Map(Box<Ty>),
    Option(Box<Ty>),
    Box(Box<Ty>),
    Named(String),
}

impl Ty {
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
}

#[derive(Debug, Clone, PartialEq)]
pub struct Struct {
    pub fields: Vec<Field>,
    /// `additionalProperties` besides declared fields, flattened in.
    pub additional: Option<Ty>,
    /// Every field may be absent: the struct derives `Default`.
    pub default: bool,
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
