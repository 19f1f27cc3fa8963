//! Stage 1: read a YAML or JSON document into `openapiv3::OpenAPI`.

use std::path::Path;

use crate::error::{Error, Location, Result};

/// A loaded document and where it came from.
pub struct Loaded {
    pub openapi: openapiv3::OpenAPI,
}

/// Reads and parses a spec file.
pub fn load_file(path: &Path) -> Result<Loaded> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    load_str(&text).map_err(|e| e.with_file(path))
}

/// Parses a spec from text (YAML, of which JSON is a subset).
pub fn load_str(text: &str) -> Result<Loaded> {
    if text.trim().is_empty() {
        return Err(parse_error(None, None, "the document is empty".into()));
    }
    // First as a generic value, to give precise messages about the document's kind.
    let value: serde_yaml::Value = serde_yaml::from_str(text).map_err(|e| {
        let lc = e.location().map(|l| (l.line(), l.column()));
        parse_error(lc, None, format!("not valid YAML/JSON: {e}"))
    })?;
    let mapping = value
        .as_mapping()
        .ok_or_else(|| parse_error(None, Some("#".into()), "expected an OpenAPI object at the top level".into()))?;
    let version = mapping.get("openapi").and_then(|v| v.as_str());
    match version {
        Some(v) if v.starts_with("3.0") => {}
        Some(v) => {
            return Err(Error::Unsupported {
                location: Location { pointer: Some("#/openapi".into()), ..Location::default() },
                message: format!("OpenAPI version {v} is not supported; expected 3.0.x"),
            })
        }
        None if mapping.contains_key("swagger") => {
            return Err(Error::Unsupported {
                location: Location { pointer: Some("#/swagger".into()), ..Location::default() },
                message: "Swagger 2.0 documents are not supported; convert to OpenAPI 3.0 first".into(),
            })
        }
        None => return Err(parse_error(None, Some("#/openapi".into()), "missing the `openapi` version field".into())),
    }
    let de = serde_yaml::Deserializer::from_str(text);
    let openapi: openapiv3::OpenAPI = serde_path_to_error::deserialize(de).map_err(|e| {
        let pointer = path_to_pointer(e.path());
        let inner = e.into_inner();
        let lc = inner.location().map(|l| (l.line(), l.column()));
        parse_error(lc, Some(pointer), strip_location(&inner.to_string()))
    })?;
    Ok(Loaded { openapi })
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
