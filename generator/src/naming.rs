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
        name.push('_');
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
}

impl Scope {
    pub fn new() -> Self {
        Scope::default()
    }

    /// A scope with some names reserved up front.
    pub fn with_reserved(names: &[&str]) -> Self {
        Scope { taken: names.iter().map(|s| s.to_string()).collect() }
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
        assert_eq!(pascal("self", "T"), "Self_");
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
}
