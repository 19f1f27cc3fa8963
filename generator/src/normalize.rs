//! OpenAPI 3.1 documents rewritten into their OpenAPI 3.0 meaning, before
//! the 3.0 model is built. Constructs with no 3.0 meaning are refused with
//! their JSON pointer.
//!
//! | 3.1 | 3.0 |
//! |---|---|
//! | `type: [T, "null"]` | `type: T`, `nullable: true` |
//! | `type: [A, B]` | `oneOf: [{type: A}, {type: B}]` |
//! | `const: v` | `enum: [v]` |
//! | `examples: [a, ...]` in a schema | `example: a` |
//! | `exclusiveMinimum: n` (a number) | `minimum: n`, `exclusiveMinimum: true` |
//! | `$ref` with siblings | `allOf: [{$ref}]` with the siblings |
//! | `webhooks` | `x-webhooks` (read by the resolver) |
//! | `jsonSchemaDialect`, `$schema`, `$id`, ... | dropped |

use serde_json::{Map, Value};

use crate::error::{escape_pointer, Error, Result};
use crate::load::shape::Kind;
use crate::Warning;

/// Schema keywords with no 3.0 meaning.
const REFUSED: &[&str] = &[
    "$dynamicRef",
    "$dynamicAnchor",
    "prefixItems",
    "if",
    "then",
    "else",
    "dependentSchemas",
    "unevaluatedProperties",
    "unevaluatedItems",
    "contentSchema",
    "patternProperties",
];

/// Keywords 3.1 allows that 3.0 tools reject or ignore: dropped.
const DROPPED: &[&str] = &[
    "$schema",
    "$id",
    "$anchor",
    "$comment",
    "$defs",
    "contentMediaType",
    "contentEncoding",
    "dependentRequired",
    "propertyNames",
    "minContains",
    "maxContains",
    "contains",
];

/// Small rule breaks of published specs, repaired where the intent is
/// clear: a parameter or header with neither `schema` nor `content` gets a
/// string schema; `allOf`/`oneOf`/`anyOf` written beside a parameter's
/// `schema` move into it; `type: any` (no OpenAPI type) is dropped, which
/// means any value; a boolean schema (`true`/`false`) becomes `{}`. Example
/// Only elements are repaired, found by the document's structure (a
/// property named `properties` is no `properties` keyword); example values
/// and extensions are data, and left alone.
pub fn repair(doc: &mut Value) -> Vec<Warning> {
    let mut warnings = Vec::new();
    crate::load::shape::visit_mut(doc, &mut |kind, pointer, element| match kind {
        Kind::Parameter => repair_parameter(element, pointer, "parameter", &mut warnings),
        Kind::Header => repair_parameter(element, pointer, "header", &mut warnings),
        Kind::MediaType => boolean_schemas(element, pointer, &["schema"], &mut warnings),
        Kind::Schema => {
            if element.get("type").and_then(Value::as_str) == Some("any") {
                element.shift_remove("type");
                warnings.push(Warning {
                    pointer: format!("{pointer}/type"),
                    message: "`type: any` is no OpenAPI type; read as any value".into(),
                });
            }
            boolean_schemas(element, pointer, &["items", "not"], &mut warnings);
            if let Some(Value::Object(properties)) = element.get_mut("properties") {
                for (name, schema) in properties.iter_mut() {
                    boolean_schema(schema, &format!("{pointer}/properties/{}", escape_pointer(name)), &mut warnings);
                }
            }
        }
        _ => {}
    });
    warnings
}

fn boolean_schemas(element: &mut Map<String, Value>, pointer: &str, keys: &[&str], warnings: &mut Vec<Warning>) {
    for key in keys {
        if let Some(schema) = element.get_mut(*key) {
            boolean_schema(schema, &format!("{pointer}/{}", escape_pointer(key)), warnings);
        }
    }
}

/// A boolean schema (`true`: anything, `false`: nothing) read as `{}`.
fn boolean_schema(schema: &mut Value, pointer: &str, warnings: &mut Vec<Warning>) {
    if schema.is_boolean() {
        *schema = Value::Object(Map::new());
        warnings.push(Warning {
            pointer: pointer.to_string(),
            message: "a boolean schema is read as `{}` (any value)".into(),
        });
    }
}

/// A parameter or header (`what`) without `schema` or `content` reads as a
/// string; composition keywords written beside its `schema` belong in it.
fn repair_parameter(p: &mut Map<String, Value>, pointer: &str, what: &str, warnings: &mut Vec<Warning>) {
    boolean_schemas(p, pointer, &["schema"], warnings);
    for keyword in ["allOf", "oneOf", "anyOf"] {
        let Some(list) = p.shift_remove(keyword) else { continue };
        let into_schema = match p.get_mut("schema") {
            Some(Value::Object(schema)) if !schema.contains_key("$ref") && !schema.contains_key(keyword) => {
                schema.insert(keyword.into(), list);
                true
            }
            Some(_) => false,
            None => {
                p.insert("schema".into(), Value::Object(Map::from_iter([(keyword.to_string(), list)])));
                true
            }
        };
        warnings.push(Warning {
            pointer: format!("{pointer}/{keyword}"),
            message: if into_schema {
                format!("`{keyword}` beside the {what}'s `schema` is read as part of its schema")
            } else {
                format!(
                    "`{keyword}` beside the {what}'s `schema` is ignored (the schema already has one, or is a `$ref`)"
                )
            },
        });
    }
    if !p.contains_key("schema") && !p.contains_key("content") {
        p.insert("schema".into(), serde_json::json!({"type": "string"}));
        warnings.push(Warning {
            pointer: pointer.to_string(),
            message: format!("{what} has no schema; treating it as a string"),
        });
    }
}

/// Set on a rewritten 3.1 document: the key its webhooks were under
/// (`webhooks`), so that the resolver's pointers name the original place.
pub const WEBHOOKS_SOURCE_KEY: &str = "x-crmgen-webhooks-key";

/// Rewrites a 3.1 document in place; returns what it dropped.
pub fn openapi_31(doc: &mut Value) -> Result<Vec<Warning>> {
    let mut warnings = Vec::new();
    let Some(root) = doc.as_object_mut() else { return Ok(warnings) };
    root.insert("openapi".into(), Value::String("3.0.3".into()));
    // Webhooks are kept, under the name 3.0 specs give them.
    if let Some(hooks) = root.remove("webhooks") {
        root.insert("x-webhooks".into(), hooks);
        // Diagnostics keep pointing at the key the document has.
        root.insert(WEBHOOKS_SOURCE_KEY.into(), Value::String("webhooks".into()));
    }
    for key in ["jsonSchemaDialect"] {
        if root.remove(key).is_some() {
            warnings
                .push(Warning { pointer: format!("#/{key}"), message: format!("`{key}` (OpenAPI 3.1) is ignored") });
        }
    }
    root.entry("paths").or_insert_with(|| Value::Object(Map::new()));
    if let Some(info) = root.get_mut("info").and_then(Value::as_object_mut) {
        info.remove("summary");
        if let Some(license) = info.get_mut("license").and_then(Value::as_object_mut) {
            license.remove("identifier");
        }
    }
    if let Some(components) = root.get_mut("components").and_then(Value::as_object_mut) {
        if components.remove("pathItems").is_some() {
            warnings.push(Warning {
                pointer: "#/components/pathItems".into(),
                message: "`components/pathItems` (OpenAPI 3.1) is ignored".into(),
            });
        }
    }
    walk(doc, "#", 0)?;
    Ok(warnings)
}

/// Walks the whole document; every object that looks like a schema (it is
/// under a key that holds schemas) is normalized.
fn walk(value: &mut Value, pointer: &str, depth: usize) -> Result<()> {
    if depth > 256 {
        return Err(Error::unsupported(pointer, "the document nests deeper than 256 levels"));
    }
    match value {
        Value::Object(map) => {
            let keys: Vec<String> = map.keys().cloned().collect();
            for key in keys {
                let child = format!("{pointer}/{}", escape_pointer(&key));
                let is_schema_slot = matches!(key.as_str(), "schema" | "items" | "not" | "additionalProperties");
                let is_schema_map = matches!(key.as_str(), "schemas" | "properties");
                let is_schema_list = matches!(key.as_str(), "allOf" | "oneOf" | "anyOf");
                if let Some(v) = map.get_mut(&key) {
                    if is_schema_slot {
                        schema(v, &child)?;
                    } else if is_schema_map {
                        if let Some(m) = v.as_object_mut() {
                            for (name, s) in m.iter_mut() {
                                schema(s, &format!("{child}/{}", escape_pointer(name)))?;
                            }
                        }
                    } else if is_schema_list {
                        if let Some(list) = v.as_array_mut() {
                            for (i, s) in list.iter_mut().enumerate() {
                                schema(s, &format!("{child}/{i}"))?;
                            }
                        }
                    }
                    walk(v, &child, depth + 1)?;
                }
            }
        }
        Value::Array(list) => {
            for (i, v) in list.iter_mut().enumerate() {
                walk(v, &format!("{pointer}/{i}"), depth + 1)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Normalizes one schema object (not its children: `walk` reaches them).
fn schema(value: &mut Value, pointer: &str) -> Result<()> {
    let Some(map) = value.as_object_mut() else { return Ok(()) };
    for key in REFUSED {
        if map.contains_key(*key) {
            return Err(Error::unsupported(
                &format!("{pointer}/{}", escape_pointer(key)),
                format!("`{key}` (JSON Schema 2020-12) has no OpenAPI 3.0 meaning"),
            ));
        }
    }
    for key in DROPPED {
        map.remove(*key);
    }
    if map.contains_key("$ref") && map.len() > 1 {
        let reference = map.remove("$ref").unwrap_or(Value::Null);
        let mut wrapper = Map::new();
        wrapper.insert("$ref".into(), reference);
        map.insert("allOf".into(), Value::Array(vec![Value::Object(wrapper)]));
    }
    if let Some(Value::Array(types)) = map.get("type").cloned() {
        let nullable = types.iter().any(|t| t == "null");
        let rest: Vec<Value> = types.into_iter().filter(|t| t != "null").collect();
        map.remove("type");
        match rest.as_slice() {
            [] => {}
            [one] => {
                map.insert("type".into(), one.clone());
            }
            many => {
                let variants = many.iter().map(|t| {
                    let mut m = Map::new();
                    m.insert("type".into(), t.clone());
                    Value::Object(m)
                });
                map.insert("oneOf".into(), Value::Array(variants.collect()));
            }
        }
        if nullable {
            map.insert("nullable".into(), Value::Bool(true));
        }
    } else if map.get("type").and_then(Value::as_str) == Some("null") {
        map.remove("type");
        map.insert("nullable".into(), Value::Bool(true));
    }
    if let Some(c) = map.remove("const") {
        if c.is_null() {
            map.insert("nullable".into(), Value::Bool(true));
        } else {
            if !map.contains_key("type") {
                let ty = match &c {
                    Value::String(_) => Some("string"),
                    Value::Bool(_) => Some("boolean"),
                    Value::Number(n) if n.is_i64() || n.is_u64() => Some("integer"),
                    Value::Number(_) => Some("number"),
                    _ => None,
                };
                if let Some(ty) = ty {
                    map.insert("type".into(), Value::String(ty.into()));
                }
            }
            map.insert("enum".into(), Value::Array(vec![c]));
        }
    }
    if let Some(Value::Array(examples)) = map.remove("examples") {
        if let Some(first) = examples.into_iter().next() {
            map.entry("example").or_insert(first);
        }
    }
    for (exclusive, bound) in [("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")] {
        if let Some(n) = map.get(exclusive).filter(|v| v.is_number()).cloned() {
            map.insert(bound.into(), n);
            map.insert(exclusive.into(), Value::Bool(true));
        }
    }
    if let Some(Value::Array(values)) = map.get_mut("enum") {
        // `null` among enum values means nullable in 3.0 terms.
        if values.iter().any(Value::is_null) {
            values.retain(|v| !v.is_null());
            map.insert("nullable".into(), Value::Bool(true));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn norm(mut v: Value) -> Value {
        schema(&mut v, "#").unwrap();
        v
    }

    #[test]
    fn rewrites_31_schemas() {
        assert_eq!(norm(json!({"type": ["string", "null"]})), json!({"type": "string", "nullable": true}));
        assert_eq!(
            norm(json!({"type": ["string", "integer"]})),
            json!({"oneOf": [{"type": "string"}, {"type": "integer"}]})
        );
        assert_eq!(norm(json!({"const": "x"})), json!({"type": "string", "enum": ["x"]}));
        assert_eq!(norm(json!({"type": "string", "examples": ["a", "b"]})), json!({"type": "string", "example": "a"}));
        assert_eq!(
            norm(json!({"type": "number", "exclusiveMinimum": 0})),
            json!({"type": "number", "minimum": 0, "exclusiveMinimum": true})
        );
        assert_eq!(
            norm(json!({"$ref": "#/x", "description": "d"})),
            json!({"allOf": [{"$ref": "#/x"}], "description": "d"})
        );
        let err = schema(&mut json!({"prefixItems": []}), "#/components/schemas/T").unwrap_err();
        assert!(err.to_string().contains("#/components/schemas/T/prefixItems"), "{err}");
    }
}
