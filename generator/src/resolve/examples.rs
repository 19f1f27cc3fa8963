//! Example values for the generated docs: the spec's own `example`, the
//! first of its `examples`, else one built from the schema (its `example`,
//! its first enum value, or its required properties' examples).

use indexmap::IndexMap;
use openapiv3 as oa;
use serde_json::{Map, Value};

use super::{boxed_ref, schema_ref, Resolver, SchemaRef};

impl<'a> Resolver<'a> {
    /// The example of a parameter or a media type, falling back on its schema.
    pub(super) fn example(
        &self,
        example: Option<&Value>,
        examples: &IndexMap<String, oa::ReferenceOr<oa::Example>>,
        schema: Option<SchemaRef<'a>>,
    ) -> Option<Value> {
        let named = examples.values().find_map(|e| match e {
            oa::ReferenceOr::Item(e) => e.value.as_ref(),
            oa::ReferenceOr::Reference { .. } => None,
        });
        example.or(named).cloned().or_else(|| self.schema_example(schema?, 0))
    }

    /// The schema's example; for an object without one, an object of its
    /// required properties' examples (else of the properties that have one).
    fn schema_example(&self, s: SchemaRef<'a>, depth: usize) -> Option<Value> {
        let schema = self.deref_schema(s).ok()?;
        if let Some(example) = &schema.schema_data.example {
            return Some(example.clone());
        }
        if depth > MAX_EXAMPLE_DEPTH {
            return None;
        }
        let (properties, required) = match &schema.schema_kind {
            oa::SchemaKind::Type(oa::Type::String(st)) => {
                return st.enumeration.iter().flatten().next().cloned().map(Value::from)
            }
            oa::SchemaKind::Type(oa::Type::Integer(it)) => {
                return it.enumeration.iter().flatten().next().copied().map(Value::from)
            }
            oa::SchemaKind::AllOf { all_of } => {
                let mut merged = Map::new();
                for member in all_of {
                    match self.schema_example(schema_ref(member), depth + 1)? {
                        Value::Object(fields) => merged.extend(fields),
                        _ => return None,
                    }
                }
                return Some(Value::Object(merged));
            }
            oa::SchemaKind::Type(oa::Type::Object(o)) => (&o.properties, &o.required),
            oa::SchemaKind::Any(a) => (&a.properties, &a.required),
            _ => return None,
        };
        if properties.is_empty() {
            return None;
        }
        let mut fields = Map::new();
        for key in required {
            let property = properties.get(key)?;
            fields.insert(key.clone(), self.schema_example(boxed_ref(property), depth + 1)?);
        }
        if fields.is_empty() {
            for (key, property) in properties {
                if let Some(example) = self.schema_example(boxed_ref(property), MAX_EXAMPLE_DEPTH + 1) {
                    fields.insert(key.clone(), example);
                }
            }
        }
        (!fields.is_empty()).then_some(Value::Object(fields))
    }
}

/// How deep an example is assembled from nested properties.
const MAX_EXAMPLE_DEPTH: usize = 6;
