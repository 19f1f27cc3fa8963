//! Object schemas: struct fields, their optionality and additional properties.

use indexmap::{IndexMap, IndexSet};
use openapiv3 as oa;

use crate::error::{escape_pointer, Result};
use crate::model::{Additional, Field, Struct, Ty};
use crate::naming::{self, pascal, snake, Scope};

use super::{boxed_ref, schema_ref, Resolver, SchemaRef};

impl<'a> Resolver<'a> {
    pub(super) fn object(
        &mut self,
        properties: &'a IndexMap<String, oa::ReferenceOr<Box<oa::Schema>>>,
        required: &[String],
        additional: Option<&'a oa::AdditionalProperties>,
        name: &str,
        pointer: &str,
        depth: usize,
    ) -> Result<Struct> {
        let props: Vec<(String, SchemaRef<'a>, String)> = properties
            .iter()
            .map(|(k, v)| (k.clone(), boxed_ref(v), format!("{pointer}/properties/{}", escape_pointer(k))))
            .collect();
        let required: IndexSet<String> = required.iter().cloned().collect();
        self.fields(props, &required, additional, name, pointer, depth)
    }

    pub(super) fn fields(
        &mut self,
        props: Vec<(String, SchemaRef<'a>, String)>,
        required: &IndexSet<String>,
        additional: Option<&'a oa::AdditionalProperties>,
        name: &str,
        pointer: &str,
        depth: usize,
    ) -> Result<Struct> {
        let mut scope = Scope::new();
        let mut fields = Vec::new();
        for (wire, s, ptr) in props {
            let ty = self.schema_ty(s, &format!("{name}{}", pascal(&wire, "F")), &ptr, depth + 1)?;
            // (`schema_ty` has already reported a `$ref` that does not resolve.)
            let nullable = self.deref_schema(s).map(|t| t.schema_data.nullable).unwrap_or(false);
            // A `$ref` cannot carry siblings in 3.0: docs and flags come from the inline schema only.
            let own = match s {
                SchemaRef::Item(s) => Some(&s.schema_data),
                SchemaRef::Ref(_) => None,
            };
            let is_required = required.contains(&wire);
            let (ty, double_option) = match (is_required, nullable) {
                (true, false) => (ty, false),
                (true, true) | (false, false) => (ty.option(), false),
                (false, true) => (Ty::Option(Box::new(ty.option())), true),
            };
            let mut doc = own.and_then(|d| d.description.clone().or(d.title.clone()));
            if let Some(note) = own.and_then(|d| d.extensions.get("x-curation-note")).and_then(|v| v.as_str()) {
                let text = format!("Curation note: {note}");
                doc = Some(match doc {
                    Some(d) => format!("{d}\n\n{text}"),
                    None => text,
                });
            }
            // An inline schema made into a type of its own (an object, an
            // enum) is described on that type: said once, not again on the field.
            if let Ty::Named(n) = ty.unwrap_option() {
                if own.is_some() && doc.is_some() && self.types.get(n).is_some_and(|t| t.doc == doc) {
                    doc = None;
                }
            }
            fields.push(Field {
                ident: scope.claim(&snake(&wire)),
                wire_name: wire,
                ty,
                required: is_required,
                double_option,
                doc,
                deprecated: own.map(|d| d.deprecated).unwrap_or(false),
                read_only: own.map(|d| d.read_only).unwrap_or(false),
                write_only: own.map(|d| d.write_only).unwrap_or(false),
                default: own.and_then(|d| d.default.clone()),
            });
        }
        for r in required {
            if !fields.iter().any(|f| &f.wire_name == r) {
                self.warn(pointer, format!("`{r}` is listed in `required` but is not a property; ignored"));
            }
        }
        let ty = match additional {
            None | Some(oa::AdditionalProperties::Any(false)) => None,
            Some(oa::AdditionalProperties::Any(true)) => Some(Ty::Value),
            Some(oa::AdditionalProperties::Schema(s)) => Some(self.schema_ty(
                schema_ref(s),
                &format!("{name}Value"),
                &format!("{pointer}/additionalProperties"),
                depth + 1,
            )?),
        };
        let additional = ty.map(|ty| Additional { ident: scope.claim(naming::ADDITIONAL_FIELD), ty });
        let default = fields.iter().all(|f| !f.required || matches!(f.ty, Ty::Option(_)));
        Ok(Struct { fields, additional, default })
    }
}

/// `additionalProperties: true`, for structs that keep undeclared fields.
pub(super) static ANY_TRUE: oa::AdditionalProperties = oa::AdditionalProperties::Any(true);
