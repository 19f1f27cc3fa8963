//! The document checked element by element against the OpenAPI model,
//! innermost first, on the generic value and before the typed model is
//! built from it.
//!
//! The model's deserializer (`openapiv3`) reads `ReferenceOr` and the schema
//! kinds through untagged enums: on a failure it tries again, at every
//! level, so one invalid schema nested `n` levels deep costs `2^n`, and the
//! error names only the outermost element. Here each element (path item,
//! operation, parameter, request body, response, header, media type,
//! schema, ...) is checked once, children first, with the model's own
//! deserializer applied to the element alone: its already-checked children
//! are replaced by a `$ref` (or an empty element), so no check ever descends
//! into a child. The work is linear in the document, and the first failure
//! is the innermost element that does not fit, with its JSON pointer.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::escape_pointer;

/// An element that does not fit the model: where, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Misfit {
    pub pointer: String,
    pub message: String,
}

/// Checks every element of `doc`, innermost first; `Err` is the first
/// element that does not fit.
pub fn check(doc: &Value, lenient_scalars: bool) -> Result<(), Misfit> {
    let checker = Checker { lenient_scalars };
    let Some(root) = doc.as_object() else { return Ok(()) };
    if let Some(Value::Object(paths)) = root.get("paths") {
        for (path, item) in paths.iter().filter(|(k, _)| k.starts_with('/')) {
            checker.element(item, Kind::PathItem, true, &format!("#/paths/{}", escape_pointer(path)))?;
        }
    }
    if let Some(Value::Object(components)) = root.get("components") {
        for (section, kind) in COMPONENTS {
            if let Some(Value::Object(entries)) = components.get(*section) {
                for (name, entry) in entries {
                    let pointer = format!("#/components/{section}/{}", escape_pointer(name));
                    checker.element(entry, *kind, true, &pointer)?;
                }
            }
        }
    }
    Ok(())
}

/// What [`visit_mut`] calls on each element: its kind, pointer and members.
pub type Visitor<'a> = dyn FnMut(Kind, &str, &mut Map<String, Value>) + 'a;

/// Calls `f` on every element of `doc` that is written out (not a `$ref`),
/// parents before children, with its kind and pointer; `f` may repair the
/// element, and its children are visited as repaired.
pub fn visit_mut(doc: &mut Value, f: &mut Visitor<'_>) {
    let Some(root) = doc.as_object_mut() else { return };
    if let Some(Value::Object(paths)) = root.get_mut("paths") {
        for (path, item) in paths.iter_mut().filter(|(k, _)| k.starts_with('/')) {
            visit_element(item, Kind::PathItem, true, &format!("#/paths/{}", escape_pointer(path)), f);
        }
    }
    if let Some(Value::Object(components)) = root.get_mut("components") {
        for (section, kind) in COMPONENTS {
            if let Some(Value::Object(entries)) = components.get_mut(*section) {
                for (name, entry) in entries.iter_mut() {
                    let pointer = format!("#/components/{section}/{}", escape_pointer(name));
                    visit_element(entry, *kind, true, &pointer, f);
                }
            }
        }
    }
}

fn visit_element(value: &mut Value, kind: Kind, refable: bool, pointer: &str, f: &mut Visitor<'_>) {
    if refable && value.get("$ref").is_some_and(Value::is_string) {
        return;
    }
    let Some(map) = value.as_object_mut() else { return };
    f(kind, pointer, map);
    if kind == Kind::Callback {
        for (expression, item) in map.iter_mut() {
            visit_element(item, Kind::PathItem, false, &format!("{pointer}/{}", escape_pointer(expression)), f);
        }
        return;
    }
    for c in kind.children() {
        let Some(slot) = map.get_mut(c.key) else { continue };
        let at = format!("{pointer}/{}", escape_pointer(c.key));
        match (c.slot, slot) {
            (Slot::One(k), slot) => visit_element(slot, k, c.refable, &at, f),
            (Slot::Map(k), Value::Object(entries)) => {
                for (name, entry) in entries.iter_mut() {
                    visit_element(entry, k, c.refable, &format!("{at}/{}", escape_pointer(name)), f);
                }
            }
            (Slot::List(k), Value::Array(items)) => {
                for (i, item) in items.iter_mut().enumerate() {
                    visit_element(item, k, c.refable, &format!("{at}/{i}"), f);
                }
            }
            (Slot::Responses, Value::Object(entries)) => {
                for (code, entry) in entries.iter_mut().filter(|(code, _)| is_response_key(code)) {
                    visit_element(entry, Kind::Response, true, &format!("{at}/{}", escape_pointer(code)), f);
                }
            }
            _ => {}
        }
    }
}

const COMPONENTS: &[(&str, Kind)] = &[
    ("schemas", Kind::Schema),
    ("responses", Kind::Response),
    ("parameters", Kind::Parameter),
    ("examples", Kind::Example),
    ("requestBodies", Kind::RequestBody),
    ("headers", Kind::Header),
    ("securitySchemes", Kind::SecurityScheme),
    ("links", Kind::Link),
    ("callbacks", Kind::Callback),
];

/// The kinds of element, as the model reads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    PathItem,
    Operation,
    Parameter,
    RequestBody,
    Response,
    Header,
    MediaType,
    Encoding,
    Example,
    Link,
    Callback,
    SecurityScheme,
    Schema,
}

/// How a child slot holds its elements.
#[derive(Clone, Copy)]
enum Slot {
    One(Kind),
    /// A map of elements (every entry).
    Map(Kind),
    List(Kind),
    /// `responses`: `default` and the status codes.
    Responses,
}

/// One child slot: its key in the parent, how it holds elements, and
/// whether those are written as `ReferenceOr` (a `$ref` may stand for them).
struct Child {
    key: &'static str,
    slot: Slot,
    refable: bool,
}

const fn child(key: &'static str, slot: Slot, refable: bool) -> Child {
    Child { key, slot, refable }
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::PathItem => "path item",
            Kind::Operation => "operation",
            Kind::Parameter => "parameter",
            Kind::RequestBody => "request body",
            Kind::Response => "response",
            Kind::Header => "header",
            Kind::MediaType => "media type",
            Kind::Encoding => "encoding",
            Kind::Example => "example",
            Kind::Link => "link",
            Kind::Callback => "callback",
            Kind::SecurityScheme => "security scheme",
            Kind::Schema => "schema",
        }
    }

    fn children(self) -> &'static [Child] {
        use Slot::*;
        const PATH_ITEM: &[Child] = &[
            child("get", One(Kind::Operation), false),
            child("put", One(Kind::Operation), false),
            child("post", One(Kind::Operation), false),
            child("delete", One(Kind::Operation), false),
            child("options", One(Kind::Operation), false),
            child("head", One(Kind::Operation), false),
            child("patch", One(Kind::Operation), false),
            child("trace", One(Kind::Operation), false),
            child("parameters", List(Kind::Parameter), true),
        ];
        const OPERATION: &[Child] = &[
            child("parameters", List(Kind::Parameter), true),
            child("requestBody", One(Kind::RequestBody), true),
            child("responses", Responses, true),
            child("callbacks", Map(Kind::Callback), false),
        ];
        const PARAMETER: &[Child] = &[
            child("schema", One(Kind::Schema), true),
            child("content", Map(Kind::MediaType), false),
            child("examples", Map(Kind::Example), true),
        ];
        const REQUEST_BODY: &[Child] = &[child("content", Map(Kind::MediaType), false)];
        const RESPONSE: &[Child] = &[
            child("headers", Map(Kind::Header), true),
            child("content", Map(Kind::MediaType), false),
            child("links", Map(Kind::Link), true),
        ];
        const MEDIA_TYPE: &[Child] = &[
            child("schema", One(Kind::Schema), true),
            child("examples", Map(Kind::Example), true),
            child("encoding", Map(Kind::Encoding), false),
        ];
        const ENCODING: &[Child] = &[child("headers", Map(Kind::Header), true)];
        const SCHEMA: &[Child] = &[
            child("properties", Map(Kind::Schema), true),
            child("items", One(Kind::Schema), true),
            child("additionalProperties", One(Kind::Schema), true),
            child("not", One(Kind::Schema), true),
            child("allOf", List(Kind::Schema), true),
            child("oneOf", List(Kind::Schema), true),
            child("anyOf", List(Kind::Schema), true),
        ];
        match self {
            Kind::PathItem => PATH_ITEM,
            Kind::Operation => OPERATION,
            Kind::Parameter | Kind::Header => PARAMETER,
            Kind::RequestBody => REQUEST_BODY,
            Kind::Response => RESPONSE,
            Kind::MediaType => MEDIA_TYPE,
            Kind::Encoding => ENCODING,
            Kind::Schema => SCHEMA,
            // A callback's entries are path items (see `Checker::element`).
            Kind::Callback | Kind::Example | Kind::Link | Kind::SecurityScheme => &[],
        }
    }

    /// A minimal valid element, standing in for a checked child that is not
    /// written as `ReferenceOr`.
    fn placeholder(self) -> Value {
        match self {
            Kind::Operation => serde_json::json!({"responses": {}}),
            _ => Value::Object(Map::new()),
        }
    }

    /// The element alone, deserialized with the model's own types.
    fn fits(self, value: &Value) -> Result<(), String> {
        fn de<T: DeserializeOwned>(value: &Value) -> Result<(), String> {
            match serde_path_to_error::deserialize::<_, T>(value) {
                Ok(_) => Ok(()),
                Err(e) => {
                    let path = e.path().to_string();
                    let inner = e.into_inner().to_string();
                    Err(if path == "." || path.is_empty() { inner } else { format!("{path}\u{0}{inner}") })
                }
            }
        }
        use openapiv3 as oa;
        match self {
            Kind::PathItem => de::<oa::PathItem>(value),
            Kind::Operation => de::<oa::Operation>(value),
            Kind::Parameter => de::<oa::Parameter>(value),
            Kind::RequestBody => de::<oa::RequestBody>(value),
            Kind::Response => de::<oa::Response>(value),
            Kind::Header => de::<oa::Header>(value),
            Kind::MediaType => de::<oa::MediaType>(value),
            Kind::Encoding => de::<oa::Encoding>(value),
            Kind::Example => de::<oa::Example>(value),
            Kind::Link => de::<oa::Link>(value),
            Kind::Callback => de::<oa::Callback>(value),
            Kind::SecurityScheme => de::<oa::SecurityScheme>(value),
            Kind::Schema => de::<oa::Schema>(value),
        }
    }
}

/// What a `$ref` stands in for: valid wherever the model reads `ReferenceOr`.
fn reference() -> Value {
    serde_json::json!({"$ref": "#"})
}

struct Checker {
    /// YAML input: the typed model is read from the text, where a plain
    /// scalar (`version: 1.0`) is accepted where a string is expected.
    lenient_scalars: bool,
}

impl Checker {
    /// Checks one element of `kind` at `pointer`: its children first, then
    /// the element alone.
    fn element(&self, value: &Value, kind: Kind, refable: bool, pointer: &str) -> Result<(), Misfit> {
        if refable && value.get("$ref").is_some_and(Value::is_string) {
            // The model reads a `$ref` object as a reference and nothing
            // else: its other keys are never deserialized.
            return Ok(());
        }
        let Some(map) = value.as_object() else {
            return Err(Misfit { pointer: pointer.to_string(), message: expected(kind, value) });
        };
        if kind == Kind::Callback {
            for (expression, item) in map {
                self.element(item, Kind::PathItem, false, &format!("{pointer}/{}", escape_pointer(expression)))?;
            }
            let shallow = map.keys().map(|k| (k.clone(), Kind::PathItem.placeholder())).collect();
            return self.fits(kind, &Value::Object(shallow), pointer);
        }
        let mut shallow = map.clone_without(kind.children());
        for c in kind.children() {
            let Some(slot) = map.get(c.key) else { continue };
            let at = format!("{pointer}/{}", escape_pointer(c.key));
            let stand_in = |k: Kind| if c.refable { reference() } else { k.placeholder() };
            let replaced = match (c.slot, slot) {
                // `additionalProperties: true` is no schema, and is read as such.
                (Slot::One(Kind::Schema), Value::Bool(_)) if c.key == "additionalProperties" => slot.clone(),
                (Slot::One(k), _) => {
                    self.element(slot, k, c.refable, &at)?;
                    stand_in(k)
                }
                (Slot::Map(k), Value::Object(entries)) => {
                    let mut out = Map::new();
                    for (name, entry) in entries {
                        self.element(entry, k, c.refable, &format!("{at}/{}", escape_pointer(name)))?;
                        out.insert(name.clone(), stand_in(k));
                    }
                    Value::Object(out)
                }
                (Slot::List(k), Value::Array(items)) => {
                    for (i, item) in items.iter().enumerate() {
                        self.element(item, k, c.refable, &format!("{at}/{i}"))?;
                    }
                    Value::Array(vec![stand_in(k); items.len()])
                }
                (Slot::Responses, Value::Object(entries)) => {
                    let mut out = Map::new();
                    for (code, entry) in entries {
                        if is_response_key(code) {
                            self.element(entry, Kind::Response, true, &format!("{at}/{}", escape_pointer(code)))?;
                            out.insert(code.clone(), reference());
                        } else {
                            out.insert(code.clone(), entry.clone());
                        }
                    }
                    Value::Object(out)
                }
                // The wrong container: the element's own check says so.
                _ => slot.clone(),
            };
            shallow.insert(c.key.to_string(), replaced);
        }
        self.fits(kind, &Value::Object(shallow), pointer)
    }

    /// The shallow element fits, or the misfit with the failing member's
    /// pointer.
    fn fits(&self, kind: Kind, shallow: &Value, pointer: &str) -> Result<(), Misfit> {
        let Err(error) = kind.fits(shallow) else { return Ok(()) };
        let (at, message) = match error.split_once('\u{0}') {
            Some((path, message)) => (path_pointer(pointer, path), message.to_string()),
            None => (culprit(kind, shallow).map_or_else(|| pointer.to_string(), |p| format!("{pointer}{p}")), error),
        };
        if self.lenient_scalars && lenient_scalar(&message) {
            return Ok(());
        }
        Err(Misfit { pointer: at, message: explain(kind, &message) })
    }
}

trait CloneWithout {
    fn clone_without(&self, children: &[Child]) -> Map<String, Value>;
}

impl CloneWithout for Map<String, Value> {
    /// The map's members except the child slots (which are filled in
    /// afterwards, with stand-ins): the element's own data, copied once.
    fn clone_without(&self, children: &[Child]) -> Map<String, Value> {
        self.iter()
            .filter(|(k, _)| !children.iter().any(|c| c.key == k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

/// Keys of `responses` the model reads as responses.
fn is_response_key(key: &str) -> bool {
    key == "default" || serde_json::from_value::<openapiv3::StatusCode>(Value::String(key.to_string())).is_ok()
}

/// The member of `shallow` whose removal makes it fit, descending as long
/// as one is found: the pointer suffix (`/name/0`) of the failing member.
fn culprit(kind: Kind, shallow: &Value) -> Option<String> {
    let mut value = shallow.clone();
    let mut path: Vec<String> = Vec::new();
    while let Some(node) = node_at(&mut value, &path) {
        let keys: Vec<String> = match node {
            Value::Object(m) => m.keys().cloned().collect(),
            Value::Array(a) => (0..a.len()).map(|i| i.to_string()).collect(),
            _ => break,
        };
        let mut found = None;
        for key in keys {
            let mut trial = value.clone();
            if let Some(parent) = node_at(&mut trial, &path) {
                match parent {
                    Value::Object(m) => {
                        m.shift_remove(&key);
                    }
                    Value::Array(a) => {
                        if let Some(slot) = key.parse::<usize>().ok().and_then(|i| a.get_mut(i)) {
                            // Removing shifts the rest; a null keeps the indices.
                            *slot = Value::Null;
                        }
                    }
                    _ => {}
                }
            }
            if kind.fits(&trial).is_ok() {
                found = Some(key);
                break;
            }
        }
        match found {
            Some(key) => path.push(key),
            None => break,
        }
    }
    (!path.is_empty()).then(|| path.iter().map(|s| format!("/{}", escape_pointer(s))).collect())
}

fn node_at<'a>(value: &'a mut Value, path: &[String]) -> Option<&'a mut Value> {
    path.iter().try_fold(value, |v, seg| match v {
        Value::Object(m) => m.get_mut(seg),
        Value::Array(a) => seg.parse::<usize>().ok().and_then(|i| a.get_mut(i)),
        _ => None,
    })
}

/// `pointer` extended by a `serde_path_to_error` path (`a.b[0]`).
fn path_pointer(pointer: &str, path: &str) -> String {
    let mut out = pointer.to_string();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (key, rest) = part.split_once('[').unwrap_or((part, ""));
        if !key.is_empty() {
            out.push('/');
            out.push_str(&escape_pointer(key));
        }
        for index in rest.split('[') {
            let index = index.trim_end_matches(']');
            if !index.is_empty() {
                out.push('/');
                out.push_str(index);
            }
        }
    }
    out
}

/// A plain YAML scalar read as a number or boolean where the model wants a
/// string: the typed model, read from the YAML text, takes its text.
fn lenient_scalar(message: &str) -> bool {
    message.starts_with("invalid type: ")
        && ["integer", "floating point", "boolean"].iter().any(|t| message["invalid type: ".len()..].starts_with(t))
        && message.ends_with("expected a string")
}

fn expected(kind: Kind, value: &Value) -> String {
    let found = match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    format!("expected a {} object (or a `$ref`), found {found}", kind.name())
}

/// serde's messages for the model's enums, with the shapes that were tried.
fn explain(kind: Kind, message: &str) -> String {
    let tried = if message.contains("ParameterSchemaOrContent") {
        Some("a parameter or header needs `schema` (a schema or a `$ref`) or `content` (a map of one media type)")
    } else if message.contains("enum AdditionalProperties") {
        Some("`additionalProperties` is `true`, `false`, a schema or a `$ref`")
    } else if message.contains("enum VariantOrUnknown") {
        Some("`format` is a string")
    } else if message.contains("LinkOperation") {
        Some("a link needs `operationRef` or `operationId`")
    } else if message.contains("unknown variant") && kind == Kind::Parameter {
        Some("`in` is one of `query`, `header`, `path`, `cookie`")
    } else if message.contains("unknown variant") && kind == Kind::SecurityScheme {
        Some("`type` is one of `apiKey`, `http`, `oauth2`, `openIdConnect`")
    } else {
        None
    };
    match tried {
        Some(tried) => format!("not a valid {}: {message} ({tried})", kind.name()),
        None => format!("not a valid {}: {message}", kind.name()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(paths: Value, schemas: Value) -> Value {
        json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": paths, "components": {"schemas": schemas}})
    }

    #[test]
    fn placeholders_fit() {
        for kind in [Kind::PathItem, Kind::Operation, Kind::MediaType, Kind::Encoding] {
            assert_eq!(kind.fits(&kind.placeholder()), Ok(()), "{kind:?}");
        }
        for kind in [Kind::Schema, Kind::Parameter, Kind::Response] {
            assert_eq!(kind.fits(&json!({"items": reference()})).is_ok(), kind == Kind::Schema, "{kind:?}");
        }
    }

    #[test]
    fn the_innermost_failing_element_is_named() {
        let paths = json!({"/x": {"get": {"parameters": [
            {"name": "a", "in": "query", "schema": {"type": "string"}},
            {"name": "b", "in": "query"},
        ], "responses": {}}}});
        let misfit = check(&doc(paths, json!({})), false).unwrap_err();
        assert_eq!(misfit.pointer, "#/paths/~1x/get/parameters/1");
        assert!(misfit.message.contains("`schema`") && misfit.message.contains("`content`"), "{}", misfit.message);

        let schemas = json!({"A": {"type": "object", "properties": {"b": {"type": "array", "items": {"title": 5}}}}});
        let misfit = check(&doc(json!({}), schemas), false).unwrap_err();
        assert_eq!(misfit.pointer, "#/components/schemas/A/properties/b/items/title");
        assert!(misfit.message.contains("expected a string"), "{}", misfit.message);
    }

    #[test]
    fn references_and_ignored_members_are_not_checked() {
        let schemas = json!({"A": {"$ref": "#/components/schemas/B", "properties": 5}, "B": {"type": "string"}});
        let paths =
            json!({"/x": {"get": {"responses": {"200": {"description": "ok"}, "x-note": 5, "odd": 1}}}, "x-ext": 1});
        assert_eq!(check(&doc(paths, schemas), false), Ok(()));
    }

    #[test]
    fn yaml_scalars_may_stand_for_strings() {
        let schemas = json!({"A": {"type": "string", "title": 2024}});
        assert!(check(&doc(json!({}), schemas.clone()), false).is_err());
        assert_eq!(check(&doc(json!({}), schemas), true), Ok(()));
    }
}
