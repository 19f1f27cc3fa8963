//! Every Rust name the generator produces is chosen here: case conversion
//! (`heck`), keywords, names that are not identifiers, and deterministic
//! disambiguation of collisions.

use heck::{ToSnakeCase, ToUpperCamelCase};
use indexmap::IndexSet;

/// Words Rust reserves; as a field or method name they become raw
/// identifiers, except the few that cannot be raw, which get a `_` suffix.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern", "false", "fn",
    "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self",
    "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where", "while", "abstract",
    "become", "box", "do", "final", "macro", "override", "priv", "typeof", "unsized", "virtual", "yield", "try",
    "union",
];
const NOT_RAW: &[&str] = &["crate", "self", "Self", "super", "_"];

// ---- names the generated code defines -----------------------------------------
//
// A user's name (operationId, parameter, server variable, security scheme,
// schema) lands in one of the scopes below; each scope starts with every
// name the generated code or the runtime already defines there, so a
// colliding user name gets a numbered suffix instead of failing to compile.
// `tests/fixtures/naming.yaml` uses each of these names, and
// `tests/fixtures/mock_names.yaml` the test kit's: a drift fails to compile
// there.

/// Type names: what the generated module defines (`Client`,
/// `ClientBuilder`) and the prelude names its code and the runtime's macros
/// refer to unqualified (`Result<..>`, `Option<..>`, `+ Send`...).
pub const RESERVED_TYPES: &[&str] = &[
    "Client",
    "ClientBuilder",
    // Re-exported by modules whose multipart bodies have file parts.
    "FilePart",
    "Response",
    "Error",
    "Result",
    "Ok",
    "Err",
    "Option",
    "Some",
    "None",
    "Vec",
    "String",
    "Box",
    "Default",
    "From",
    "Into",
    "Send",
    "Sync",
    "Sized",
    "Clone",
    "Copy",
    "Eq",
    "PartialEq",
    "Ord",
    "PartialOrd",
    "Iterator",
    "IntoIterator",
    "ToString",
    "ToOwned",
    "AsRef",
    "AsMut",
    "Drop",
    "Fn",
    "FnMut",
    "FnOnce",
    "Extend",
    "TryFrom",
    "TryInto",
    "Unpin",
    // What the test kit's `testing` module defines beside the imported
    // names of its API (`runtime::mock_server!`).
    "MockServer",
    "TestWebhook",
];

/// Methods of the generated `Client` besides one per operation: its own
/// (`builder`, `runtime`, `with_options`), `ApiClient::from_runtime`, and the
/// derived traits' methods, which an inherent method would shadow.
pub const CLIENT_METHODS: &[&str] = &["builder", "runtime", "from_runtime", "with_options", "new", "clone", "fmt"];

/// Methods of the test kit's `testing::MockServer` that
/// `runtime::mock_server!` defines besides one per operation, named as the
/// client method: an operation takes none of these either (checked against
/// the macro by a test below; `fmt`, of `#[derive(Debug)]`, is a client
/// method already).
pub const MOCK_SERVER_METHODS: &[&str] = &["start", "client", "client_builder", "uri", "server"];

/// The scope of operation method names: a name there is both the client's
/// method and the mock server's.
pub fn operation_methods() -> Scope {
    let mut scope = Scope::with_reserved(CLIENT_METHODS);
    for name in MOCK_SERVER_METHODS {
        scope.claim(name);
    }
    scope
}

/// Methods of the generated `ClientBuilder` that `runtime::client_builder!`
/// defines; the spec's credential and server-variable methods come after
/// them (checked against the macro by a test below).
pub const CLIENT_BUILDER_METHODS: &[&str] = &[
    "base_url",
    "server_variable",
    "credential",
    "credential_source",
    "timeout",
    "no_timeout",
    "retry",
    "body_limit",
    "no_body_limit",
    "hook",
    "rate_limit",
    "no_rate_limit",
    "rate_limiter",
    "rate_limit_key",
    "user_agent",
    "http_client",
    "build",
    // `#[derive(Debug)]`
    "fmt",
];

/// Fields and methods of every request builder. Parameters become fields,
/// and optional ones setters too, so a parameter may take none of these:
/// the `client` and `body` fields, the `body` setter, `request`, `decode`,
/// `send`, `stream`, `send_page`, `send_streaming`, the `PAGINATION`
/// constant, `IntoFuture::into_future`, and derived `clone`/`fmt`.
pub const REQUEST_BUILDER_MEMBERS: &[&str] = &[
    "client",
    "body",
    "request",
    "decode",
    "send",
    "stream",
    "send_page",
    "send_streaming",
    "into_future",
    "new",
    "clone",
    "fmt",
];

/// The variant every generated enum and union adds for values it does not
/// know (`open_enum!`, `open_int_enum!`, `tagged_union!`).
pub const ENUM_RESERVED: &[&str] = &["Unknown"];

/// The struct field that keeps undeclared properties (`#[serde(flatten)]`);
/// it is claimed after the declared fields.
pub const ADDITIONAL_FIELD: &str = "additional_properties";

/// Replaces characters that cannot appear in an identifier by word breaks,
/// keeping a leading sign as a word (`-created_at` -> `minus created_at`).
fn words(raw: &str) -> String {
    let mut s = String::with_capacity(raw.len() + 8);
    let trimmed = raw.trim();
    let rest = if let Some(r) = trimmed.strip_prefix('-') {
        s.push_str("minus ");
        r
    } else if let Some(r) = trimmed.strip_prefix('+') {
        s.push_str("plus ");
        r
    } else {
        trimmed
    };
    for c in rest.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c);
        } else if c == '_' {
            s.push('_');
        } else {
            s.push(' ');
        }
    }
    s
}

/// `PascalCase` name for a type or enum variant. Never empty, never starts
/// with a digit (`prefix` is put in front then, e.g. `V` for variants).
pub fn pascal(raw: &str, prefix: &str) -> String {
    let mut name = words(raw).to_upper_camel_case();
    if name.is_empty() {
        name = "Empty".to_string();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name = format!("{prefix}{name}");
    }
    if name == "Self" {
        // Not `Self_`: names are built on (`{name}Item`), and an inner
        // underscore is not camel case.
        name.push_str("Value");
    }
    name
}

/// `snake_case` name for a field, parameter or method; keywords become raw
/// identifiers (`r#type`) or get a suffix (`self_`).
pub fn snake(raw: &str) -> String {
    let mut name = words(raw).to_snake_case();
    if name.is_empty() {
        name = "value".to_string();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name = format!("n{name}");
    }
    if NOT_RAW.contains(&name.as_str()) {
        name.push('_');
    } else if KEYWORDS.contains(&name.as_str()) {
        name = format!("r#{name}");
    }
    name
}

/// A set of names already taken in one scope; `claim` returns the name
/// itself or, on a collision, the first free `name2`, `name3`, ...
#[derive(Debug, Default, Clone)]
pub struct Scope {
    taken: IndexSet<String>,
    /// Taken names kept for one [`Scope::claim_held`].
    held: IndexSet<String>,
}

impl Scope {
    pub fn new() -> Self {
        Scope::default()
    }

    /// A scope with some names reserved up front.
    pub fn with_reserved(names: &[&str]) -> Self {
        Scope { taken: names.iter().map(|s| s.to_string()).collect(), held: IndexSet::new() }
    }

    pub fn claim(&mut self, name: &str) -> String {
        let key = name.trim_start_matches("r#").to_string();
        if self.taken.insert(key.clone()) {
            return name.to_string();
        }
        let mut i = 2usize;
        loop {
            let candidate = format!("{key}{i}");
            if self.taken.insert(candidate.clone()) {
                return candidate;
            }
            i += 1;
        }
    }

    /// Takes `name` now for whoever later asks for it with
    /// [`Scope::claim_held`]; [`Scope::claim`] sees it as taken.
    pub fn hold(&mut self, name: &str) {
        let key = name.trim_start_matches("r#");
        if self.taken.insert(key.to_string()) {
            self.held.insert(key.to_string());
        }
    }

    /// [`Scope::claim`], except that a held name is handed out (once).
    pub fn claim_held(&mut self, name: &str) -> String {
        if self.held.shift_remove(name.trim_start_matches("r#")) {
            return name.to_string();
        }
        self.claim(name)
    }

    pub fn is_held(&self, name: &str) -> bool {
        self.held.contains(name.trim_start_matches("r#"))
    }

    pub fn contains(&self, name: &str) -> bool {
        self.taken.contains(name.trim_start_matches("r#"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_from_wire_names() {
        assert_eq!(pascal("in-progress", "V"), "InProgress");
        assert_eq!(pascal("2021-07-28", "V"), "V20210728");
        assert_eq!(pascal("-created_at", "V"), "MinusCreatedAt");
        assert_eq!(pascal("custom_objects.pet", "T"), "CustomObjectsPet");
        assert_eq!(pascal("", "V"), "Empty");
        assert_eq!(pascal("self", "T"), "SelfValue");
        assert_eq!(snake("type"), "r#type");
        assert_eq!(snake("self"), "self_");
        assert_eq!(snake("crate"), "crate_");
        assert_eq!(snake("createdAt"), "created_at");
        assert_eq!(snake("Created_Time"), "created_time");
        assert_eq!(snake("$se_module"), "se_module");
        assert_eq!(snake("2fa"), "n2fa");
        assert_eq!(snake("my_textbox_list.option_a"), "my_textbox_list_option_a");
    }

    #[test]
    fn collisions_are_numbered_in_order() {
        let mut scope = Scope::new();
        assert_eq!(scope.claim(&pascal("archived", "V")), "Archived");
        assert_eq!(scope.claim(&pascal("ARCHIVED", "V")), "Archived2");
        assert_eq!(scope.claim(&pascal("Archived", "V")), "Archived3");
        let mut fields = Scope::new();
        assert_eq!(fields.claim(&snake("camelCase")), "camel_case");
        assert_eq!(fields.claim(&snake("camel_case")), "camel_case2");
        assert_eq!(fields.claim(&snake("type")), "r#type");
    }

    /// The methods `runtime::client_builder!` defines, read from its source.
    fn client_builder_macro_methods() -> Vec<String> {
        let source = include_str!("../runtime/src/macros.rs");
        let start = source.find("macro_rules! client_builder").expect("the runtime defines `client_builder!`");
        let body = &source[start..];
        let body = &body[..body[1..].find("macro_rules!").map_or(body.len(), |end| end + 1)];
        body.split("pub fn ")
            .skip(1)
            .filter_map(|rest| rest.split(|c: char| !(c.is_alphanumeric() || c == '_')).next())
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn client_builder_methods_are_the_macros() {
        let mut from_macro = client_builder_macro_methods();
        assert!(from_macro.len() >= 9, "{from_macro:?}");
        from_macro.push("fmt".into());
        from_macro.sort();
        let mut reserved: Vec<String> = CLIENT_BUILDER_METHODS.iter().map(|s| s.to_string()).collect();
        reserved.sort();
        assert_eq!(reserved, from_macro, "CLIENT_BUILDER_METHODS must list what `client_builder!` defines");
    }

    /// The methods `runtime::mock_server!` gives `MockServer` besides the
    /// operations' (the `impl MockServer` block up to the operations' `fn $op`).
    fn mock_server_macro_methods() -> Vec<String> {
        let source = include_str!("../runtime/src/testing_macros.rs");
        let start = source.find("macro_rules! mock_server").expect("the runtime defines `mock_server!`");
        let body = &source[start..];
        let block = &body[body.find("impl MockServer {").expect("the macro implements `MockServer`")..];
        let block = &block[..block.find("fn $op").expect("the operations' methods")];
        block
            .split("fn ")
            .skip(1)
            .filter_map(|rest| rest.split(|c: char| !(c.is_alphanumeric() || c == '_')).next())
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn mock_server_methods_are_the_macros() {
        let mut from_macro = mock_server_macro_methods();
        assert!(from_macro.len() >= 5, "{from_macro:?}");
        from_macro.sort();
        let mut reserved: Vec<String> = MOCK_SERVER_METHODS.iter().map(|s| s.to_string()).collect();
        reserved.sort();
        assert_eq!(reserved, from_macro, "MOCK_SERVER_METHODS must list what `mock_server!` defines");
        let mut scope = operation_methods();
        assert_eq!(scope.claim(&snake("start")), "start2");
        assert_eq!(scope.claim(&snake("clientBuilder")), "client_builder2");
        assert_eq!(scope.claim(&snake("runtime")), "runtime2");
    }

    #[test]
    fn a_held_name_goes_to_its_holder_only() {
        let mut scope = Scope::with_reserved(RESERVED_TYPES);
        scope.hold("PetSpecies");
        assert!(scope.is_held("PetSpecies"));
        assert_eq!(scope.claim("PetSpecies"), "PetSpecies2");
        assert_eq!(scope.claim_held("PetSpecies"), "PetSpecies");
        assert!(!scope.is_held("PetSpecies"));
        assert_eq!(scope.claim_held("PetSpecies"), "PetSpecies3");
        // Holding a reserved name keeps it reserved.
        scope.hold("Client");
        assert_eq!(scope.claim_held("Client"), "Client2");
    }
}
