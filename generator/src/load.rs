//! Stage 1: read a YAML or JSON document into `openapiv3::OpenAPI`.
//!
//! The text is read as a generic value, measured, normalized (OpenAPI 3.1
//! is rewritten into its 3.0 meaning by [`crate::normalize`], small rule
//! breaks are repaired with warnings) and checked element by element
//! before the typed model is built: every refusal carries the JSON pointer
//! of the innermost element that failed.

use std::path::Path;

use crate::error::{Error, Location, Result};
use crate::Warning;

pub(crate) mod shape;

/// A loaded document, with what loading had to work around.
#[derive(Debug)]
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

/// The deepest nesting accepted, in containers (objects and arrays) around a
/// value, as the parser reads them. The deepest of the 2,639 APIs.guru specs
/// nests 35 levels.
pub const MAX_DOCUMENT_DEPTH: usize = 40;

/// Parses a spec from text: YAML, or JSON (read by `serde_json`, which is
/// faster and reads numbers outside the 64-bit range as floats).
///
/// The document is read as a generic value first; its depth is measured,
/// 3.1 is rewritten and small rule breaks are repaired (with warnings), and
/// every element is checked against the model ([`shape`]) before the typed
/// model is built, so that a refusal names the innermost element that
/// failed and costs time linear in the document.
pub fn load_str(text: &str) -> Result<Loaded> {
    if text.trim().is_empty() {
        return Err(parse_error(Some((1, 1)), Some("#".into()), "the document is empty".into()));
    }
    let json = text.trim_start().starts_with(['{', '[']);
    let mut value: serde_json::Value = if json {
        serde_json::from_str(text).map_err(|e| {
            parse_error(
                Some((e.line(), e.column())),
                None,
                format!("not valid JSON: {}", strip_location(&e.to_string())),
            )
        })?
    } else {
        serde_yaml::from_str(text).map_err(|e| {
            let lc = e.location().map(|l| (l.line(), l.column()));
            parse_error(lc, None, format!("not valid YAML/JSON: {}", strip_location(&e.to_string())))
        })?
    };
    if let Some(pointer) = too_deep(&value, MAX_DOCUMENT_DEPTH) {
        return Err(Error::Unsupported {
            location: Location { pointer: Some(pointer), ..Location::default() },
            message: format!("the document nests deeper than {MAX_DOCUMENT_DEPTH} levels"),
        });
    }
    let object = value
        .as_object()
        .ok_or_else(|| parse_error(None, Some("#".into()), "expected an OpenAPI object at the top level".into()))?;
    let version = match object.get("openapi") {
        Some(serde_json::Value::String(v)) => v.clone(),
        Some(other) => {
            return Err(parse_error(
                None,
                Some("#/openapi".into()),
                format!("the `openapi` version is not a string: {other}"),
            ))
        }
        None if object.contains_key("swagger") => {
            return Err(Error::Unsupported {
                location: Location { pointer: Some("#/swagger".into()), ..Location::default() },
                message: "Swagger 2.0 documents are not supported; convert to OpenAPI 3.0 first".into(),
            })
        }
        None => return Err(parse_error(None, Some("#/openapi".into()), "missing the `openapi` version field".into())),
    };
    let warnings = if version.starts_with("3.0") {
        crate::normalize::repair(&mut value)
    } else if version.starts_with("3.1") {
        let mut warnings = crate::normalize::openapi_31(&mut value)?;
        warnings.extend(crate::normalize::repair(&mut value));
        warnings
    } else {
        return Err(Error::Unsupported {
            location: Location { pointer: Some("#/openapi".into()), ..Location::default() },
            message: format!("OpenAPI version {version} is not supported; expected 3.0.x or 3.1.x"),
        });
    };
    // A YAML 3.0 document nothing had to change in (every repair warns) may
    // write a plain scalar where the model expects a string (`version: 1.0`):
    // read from its text, the scalar is that string. The value read above is
    // tried first (most documents have no such scalar), the text only when
    // the value does not fit, so a document is parsed once, not twice.
    let from_text = !json && version.starts_with("3.0") && warnings.is_empty();
    // Plain deserialization first. Only a document that does not fit pays
    // for finding where: the element-by-element check (the innermost
    // element that does not fit, with its pointer), then, should every
    // element fit alone, a pass tracking the path (should that succeed too,
    // the first pass's error is reported unlocated).
    use serde::Deserialize as _;
    // Only a shallow document goes to the model first: the model's untagged
    // enums retry at every schema level on a failure, so a deep invalid
    // schema would cost 2^depth there; a deep document is checked first.
    let shallow = too_deep(&value, SHALLOW_DOCUMENT_DEPTH).is_none();
    let check = || shape::check(&value, from_text).map_err(|m| parse_error(None, Some(m.pointer), m.message));
    if !shallow {
        check()?;
    }
    let from_value = openapiv3::OpenAPI::deserialize(&value);
    if shallow && from_value.is_err() {
        check()?;
    }
    let openapi = match from_value {
        Ok(openapi) => openapi,
        Err(_) if from_text => {
            drop(value);
            openapiv3::OpenAPI::deserialize(serde_yaml::Deserializer::from_str(text)).map_err(|plain| {
                let yaml_error = |e: &serde_yaml::Error, pointer| {
                    parse_error(e.location().map(|l| (l.line(), l.column())), pointer, strip_location(&e.to_string()))
                };
                match serde_path_to_error::deserialize::<_, openapiv3::OpenAPI>(serde_yaml::Deserializer::from_str(
                    text,
                )) {
                    Err(e) => yaml_error(e.inner(), Some(path_to_pointer(e.path()))),
                    Ok(_) => yaml_error(&plain, None),
                }
            })?
        }
        Err(plain) => match serde_path_to_error::deserialize::<_, openapiv3::OpenAPI>(&value) {
            Err(e) => return Err(parse_error(None, Some(path_to_pointer(e.path())), e.inner().to_string())),
            Ok(_) => return Err(parse_error(None, None, plain.to_string())),
        },
    };
    Ok(Loaded { openapi, warnings })
}

/// The depth up to which a document is read by the model before the
/// element-by-element check (the curated specs nest 13 to 17 levels). The
/// worst invalid document this lets through, 13 nested `items` around a
/// bad leaf, costs the model's retries under 0.1 s before the check
/// locates it; one level deeper doubles that, hence the bound.
const SHALLOW_DOCUMENT_DEPTH: usize = 17;

/// The pointer of the first container nested deeper than `limit`, in
/// document order (`None`: the document nests within it; the walk stops
/// below `limit` and copies keys only on the way back from a find). The
/// parsers bound nesting (at 128), so the recursion is bounded too.
fn too_deep(value: &serde_json::Value, limit: usize) -> Option<String> {
    /// The path to the first container below `limit`, innermost segment
    /// first (keys are copied only on the way back from one).
    fn walk(value: &serde_json::Value, depth: usize, limit: usize) -> Option<Vec<String>> {
        let found = |key: String, mut path: Vec<String>| {
            path.push(key);
            path
        };
        match value {
            serde_json::Value::Object(_) | serde_json::Value::Array(_) if depth > limit => Some(Vec::new()),
            serde_json::Value::Object(m) => {
                m.iter().find_map(|(k, v)| walk(v, depth + 1, limit).map(|path| found(k.clone(), path)))
            }
            serde_json::Value::Array(a) => {
                a.iter().enumerate().find_map(|(i, v)| walk(v, depth + 1, limit).map(|path| found(i.to_string(), path)))
            }
            _ => None,
        }
    }
    walk(value, 1, limit).map(|path| {
        let mut pointer = String::from("#");
        for segment in path.iter().rev() {
            pointer.push('/');
            pointer.push_str(&crate::error::escape_pointer(segment));
        }
        pointer
    })
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

    fn depth_of(text: &str) -> Result<Loaded> {
        load_str(text)
    }

    #[test]
    fn depth_is_measured_from_the_parsed_document() {
        let nested = |n: usize| format!("{}1{}", "[".repeat(n), "]".repeat(n));
        assert_eq!(too_deep(&serde_json::from_str(&nested(40)).unwrap(), 40), None);
        assert_eq!(too_deep(&serde_json::from_str(&nested(41)).unwrap(), 40), Some(format!("#{}", "/0".repeat(40))));
        assert_eq!(too_deep(&serde_json::json!({"a": "[[[[[["}), 1), None);
        // Block YAML nested 21 levels, one line indented by a single space:
        // depth is what the parser reads, not what the indentation suggests.
        let mut yaml =
            String::from("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n schemas:\n");
        yaml.push_str("  A:\n");
        for i in 0..18 {
            yaml.push_str(&format!("{}p{i}:\n", "  ".repeat(i + 2)));
        }
        yaml.push_str(&format!("{}x: 1\n", "  ".repeat(20)));
        assert!(depth_of(&yaml).is_ok(), "{:?}", depth_of(&yaml).err());
        let deep: String = (0..45).map(|i| format!("{}k{i}:\n", "  ".repeat(i))).collect();
        let err = depth_of(&deep).unwrap_err();
        assert!(err.to_string().contains("nests deeper than 40"), "{err}");
        assert_eq!(err.location().and_then(|l| l.pointer.as_deref()).map(|p| p.matches('/').count()), Some(40));
    }

    #[test]
    fn plain_yaml_scalars_read_as_the_strings_the_model_expects() {
        // `title: 2024` and `version: 1.0` do not fit the value read first;
        // the document is then read from its text.
        let yaml = "openapi: 3.0.3\ninfo: {title: 2024, version: 1.0}\npaths: {}\n";
        let loaded = load_str(yaml).expect("plain scalars stand for strings");
        assert_eq!((loaded.openapi.info.title.as_str(), loaded.openapi.info.version.as_str()), ("2024", "1.0"));
        // The same document in JSON has numbers there: refused, located.
        let json = r#"{"openapi": "3.0.3", "info": {"title": "t", "version": 1.0}, "paths": {}}"#;
        let err = load_str(json).unwrap_err();
        assert_eq!(err.location().and_then(|l| l.pointer.as_deref()), Some("#/info/version"), "{err}");
    }
}
