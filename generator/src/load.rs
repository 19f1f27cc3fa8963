//! Stage 1: read a YAML or JSON document into `openapiv3::OpenAPI`.
//!
//! OpenAPI 3.0 documents are deserialized directly. OpenAPI 3.1 documents
//! are first rewritten into their 3.0 meaning by [`crate::normalize`];
//! what has no 3.0 meaning is refused there, with its JSON pointer.

use std::path::Path;

use crate::error::{Error, Location, Result};
use crate::resolve::Warning;

/// A loaded document, with what loading had to work around.
pub struct Loaded {
    pub openapi: openapiv3::OpenAPI,
    pub warnings: Vec<Warning>,
}

/// Reads and parses a spec file; errors carry the file and, when it can be
/// found, the line and column of the offending node.
pub fn load_file(path: &Path) -> Result<Loaded> {
    let text = read(path)?;
    load_str(&text).map_err(|e| crate::locate::fill(e, &text).with_file(path))
}

pub(crate) fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|source| Error::Io { path: path.to_path_buf(), source })
}

/// What the document says it is, found without a full parse.
#[derive(Debug, PartialEq, Eq)]
enum Kind {
    OpenApi(String),
    Swagger,
    Unknown,
}

/// Finds the top-level `openapi:` / `"openapi":` (or `swagger`) key.
fn sniff(text: &str) -> Kind {
    let find = |key: &str| -> Option<(usize, String)> {
        let mut from = 0;
        while let Some(i) = text[from..].find(key) {
            let at = from + i;
            from = at + key.len();
            let before = text[..at].chars().next_back();
            if !matches!(before, None | Some('"' | '\'' | '\n' | '{' | ' ' | '\t' | ',')) {
                continue;
            }
            let rest = text[at + key.len()..].trim_start_matches(['"', '\'']).trim_start_matches([' ', '\t']);
            let Some(rest) = rest.strip_prefix(':') else { continue };
            let value: String = rest
                .trim_start()
                .trim_start_matches(['"', '\''])
                .chars()
                .take_while(|c| !matches!(c, '"' | '\'' | '\n' | '\r' | ',' | '}' | ' ' | '#'))
                .collect();
            return Some((at, value));
        }
        None
    };
    match (find("openapi"), find("swagger")) {
        (Some((a, v)), Some((b, _))) if a < b => Kind::OpenApi(v),
        (Some((_, v)), None) => Kind::OpenApi(v),
        (_, Some(_)) => Kind::Swagger,
        (None, None) => Kind::Unknown,
    }
}

/// The deepest nesting accepted. The deepest of the 2,639 APIs.guru specs
/// nests 35 levels; the OpenAPI model's deserializer backtracks through
/// untagged enums at every level of an invalid schema, which costs time
/// exponential in depth, so the depth is checked before deserializing.
pub const MAX_DOCUMENT_DEPTH: usize = 40;

/// Parses a spec from text (YAML, of which JSON is a subset).
pub fn load_str(text: &str) -> Result<Loaded> {
    if text.trim().is_empty() {
        return Err(parse_error(None, None, "the document is empty".into()));
    }
    if let Some(line) = too_deep(text, MAX_DOCUMENT_DEPTH) {
        return Err(Error::Unsupported {
            location: Location { line_col: Some((line, 1)), ..Location::default() },
            message: format!("the document nests deeper than {MAX_DOCUMENT_DEPTH} levels"),
        });
    }
    match sniff(text) {
        Kind::OpenApi(v) if v.starts_with("3.0") && text.trim_start().starts_with('{') => {
            // JSON: serde_json is faster than a YAML parser, and reads numbers
            // outside the 64-bit range as floats instead of failing.
            let mut de = serde_json::Deserializer::from_str(text);
            match serde_path_to_error::deserialize(&mut de) {
                Ok(openapi) => Ok(Loaded { openapi, warnings: Vec::new() }),
                Err(e) => {
                    let pointer = path_to_pointer(e.path());
                    let inner = e.into_inner();
                    let strict_error =
                        parse_error(Some((inner.line(), inner.column())), Some(pointer), inner.to_string());
                    load_slow(text).map_err(|_| strict_error)
                }
            }
        }
        Kind::OpenApi(v) if v.starts_with("3.0") => {
            let de = serde_yaml::Deserializer::from_str(text);
            match serde_path_to_error::deserialize(de) {
                Ok(openapi) => Ok(Loaded { openapi, warnings: Vec::new() }),
                Err(e) => {
                    let pointer = path_to_pointer(e.path());
                    let inner = e.into_inner();
                    let lc = inner.location().map(|l| (l.line(), l.column()));
                    let strict_error = parse_error(lc, Some(pointer), strip_location(&inner.to_string()));
                    // A document that breaks the rules in a small way may be
                    // repairable: the slow path tries, else this error stands.
                    load_slow(text).map_err(|_| strict_error)
                }
            }
        }
        _ => load_slow(text),
    }
}

/// The general path: a generic value first, for precise messages about what
/// the document is, and for 3.1 normalization.
fn load_slow(text: &str) -> Result<Loaded> {
    let mut value: serde_json::Value = serde_yaml::from_str(text).map_err(|e| {
        let lc = e.location().map(|l| (l.line(), l.column()));
        parse_error(lc, None, format!("not valid YAML/JSON: {}", strip_location(&e.to_string())))
    })?;
    let object = value
        .as_object()
        .ok_or_else(|| parse_error(None, Some("#".into()), "expected an OpenAPI object at the top level".into()))?;
    let version = object.get("openapi").and_then(|v| v.as_str()).map(str::to_string);
    let warnings = match version.as_deref() {
        Some(v) if v.starts_with("3.0") => crate::normalize::repair(&mut value),
        Some(v) if v.starts_with("3.1") => {
            let mut warnings = crate::normalize::openapi_31(&mut value)?;
            warnings.extend(crate::normalize::repair(&mut value));
            warnings
        }
        Some(v) => {
            return Err(Error::Unsupported {
                location: Location { pointer: Some("#/openapi".into()), ..Location::default() },
                message: format!("OpenAPI version {v} is not supported; expected 3.0.x or 3.1.x"),
            })
        }
        None if object.contains_key("swagger") => {
            return Err(Error::Unsupported {
                location: Location { pointer: Some("#/swagger".into()), ..Location::default() },
                message: "Swagger 2.0 documents are not supported; convert to OpenAPI 3.0 first".into(),
            })
        }
        None => return Err(parse_error(None, Some("#/openapi".into()), "missing the `openapi` version field".into())),
    };
    let openapi = serde_path_to_error::deserialize(value)
        .map_err(|e| parse_error(None, Some(path_to_pointer(e.path())), e.into_inner().to_string()))?;
    Ok(Loaded { openapi, warnings })
}

/// The first line (1-based) where the nesting exceeds `limit`, by a linear
/// scan: brackets outside strings for JSON and flow YAML, plus indentation
/// steps and sequence dashes for block YAML. An estimate, on the safe side.
fn too_deep(text: &str, limit: usize) -> Option<usize> {
    let json = text.trim_start().starts_with(['{', '[']);
    let unit = if json {
        0
    } else {
        text.lines().map(|l| l.len() - l.trim_start_matches(' ').len()).filter(|&n| n > 0).min().unwrap_or(2)
    };
    let mut flow = 0usize;
    let (mut in_string, mut escaped, mut quote) = (false, false, '"');
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start_matches(' ');
        let mut block = 0;
        if !json && flow == 0 && !trimmed.is_empty() && !trimmed.starts_with('#') {
            let indent = line.len() - trimmed.len();
            let dashes = trimmed.split_inclusive("- ").take_while(|p| *p == "- ").count();
            block = indent / unit.max(1) + dashes + 1;
        }
        for c in trimmed.chars() {
            if in_string {
                if escaped {
                    escaped = false;
                } else if c == '\\' && quote == '"' {
                    escaped = true;
                } else if c == quote {
                    in_string = false;
                }
                continue;
            }
            match c {
                '"' => (in_string, quote) = (true, '"'),
                '\'' if !json => (in_string, quote) = (true, '\''),
                '{' | '[' => flow += 1,
                '}' | ']' => flow = flow.saturating_sub(1),
                '#' if !json => break,
                _ => {}
            }
            if block + flow > limit {
                return Some(i + 1);
            }
        }
        if block + flow > limit {
            return Some(i + 1);
        }
    }
    None
}

fn parse_error(line_col: Option<(usize, usize)>, pointer: Option<String>, message: String) -> Error {
    Error::Parse { location: Location { file: None, line_col, pointer }, message }
}

/// serde_yaml appends "at line L column C" to its messages; the location is
/// reported separately.
fn strip_location(msg: &str) -> String {
    match msg.find(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

fn path_to_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::from("#");
    for seg in path.iter() {
        match seg {
            Segment::Seq { index } => out.push_str(&format!("/{index}")),
            Segment::Map { key } => {
                out.push('/');
                out.push_str(&crate::error::escape_pointer(key));
            }
            Segment::Enum { variant } => {
                out.push('/');
                out.push_str(&crate::error::escape_pointer(variant));
            }
            Segment::Unknown => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_versions() {
        assert_eq!(sniff("openapi: 3.0.3\ninfo: {}"), Kind::OpenApi("3.0.3".into()));
        assert_eq!(sniff("info: {}\nopenapi: '3.1.0'\n"), Kind::OpenApi("3.1.0".into()));
        assert_eq!(sniff(r#"{"openapi":"3.1.0","info":{}}"#), Kind::OpenApi("3.1.0".into()));
        assert_eq!(sniff("swagger: \"2.0\"\n"), Kind::Swagger);
        assert_eq!(sniff("info: {description: see openapi.yaml}\n"), Kind::Unknown);
    }

    #[test]
    fn depth_is_bounded_before_deserializing() {
        let nested = |n: usize| format!("{}1{}", "[".repeat(n), "]".repeat(n));
        assert_eq!(too_deep(&nested(10), 44), None);
        assert_eq!(too_deep(&nested(45), 44), Some(1));
        assert_eq!(too_deep("{\"a\": \"[[[[[[\"}", 3), None);
        let yaml: String = (0..50).map(|i| format!("{}k{i}:\n", "  ".repeat(i))).collect();
        assert_eq!(too_deep(&yaml, 44), Some(45));
        assert_eq!(too_deep("a:\n  b:\n    - c: 'it''s [[[['\n", 44), None);
    }
}
