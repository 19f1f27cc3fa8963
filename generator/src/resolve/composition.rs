//! `allOf`, `oneOf` and `anyOf`.

use indexmap::{IndexMap, IndexSet};
use openapiv3 as oa;

use crate::error::{escape_pointer, Error, Result};
use crate::model::{Struct, Ty, Union, UnionVariant};
use crate::naming::{self, pascal, Scope};

use super::{
    boxed_ref,
    refs::component_key,
    schema_ref,
    shape::{is_plain_any, is_plain_any_object},
    Resolver, SchemaRef, MAX_DEPTH,
};

impl<'a> Resolver<'a> {
    /// What the members of an `allOf` are: all objects (merged into one
    /// struct), one schema plus annotations, or a mix with no Rust meaning.
    pub(super) fn all_of_shape(&self, members: &[oa::ReferenceOr<oa::Schema>]) -> AllOfShape {
        let mut shaped = Vec::new();
        let mut objects = 0;
        for (i, m) in members.iter().enumerate() {
            let Ok(schema) = self.deref_schema(schema_ref(m)) else { return AllOfShape::Objects };
            match &schema.schema_kind {
                oa::SchemaKind::Any(a) if is_annotation_only(a) => continue,
                oa::SchemaKind::Type(oa::Type::Object(_)) | oa::SchemaKind::AllOf { .. } => objects += 1,
                oa::SchemaKind::Any(a) if !a.properties.is_empty() || a.typ.as_deref() == Some("object") => {
                    objects += 1
                }
                _ => {}
            }
            shaped.push(i);
        }
        match shaped.as_slice() {
            [only]
                if objects == 0
                    || members.len() > 1
                    || matches!(members.get(*only), Some(oa::ReferenceOr::Reference { .. })) =>
            {
                AllOfShape::Single(*only)
            }
            _ if objects == shaped.len() => AllOfShape::Objects,
            _ => AllOfShape::Mixed,
        }
    }

    pub(super) fn is_object_like(&self, m: &oa::ReferenceOr<oa::Schema>) -> bool {
        match self.deref_schema(schema_ref(m)).map(|s| &s.schema_kind) {
            Ok(oa::SchemaKind::Type(oa::Type::Object(_)) | oa::SchemaKind::AllOf { .. }) => true,
            Ok(oa::SchemaKind::Any(a)) => !a.properties.is_empty() || a.typ.as_deref() == Some("object"),
            _ => false,
        }
    }

    pub(super) fn all_of_with_own(
        &mut self,
        any: &'a oa::AnySchema,
        name: &str,
        pointer: &str,
        depth: usize,
    ) -> Result<Struct> {
        let mut merged = Merged { additional: any.additional_properties.as_ref(), ..Merged::default() };
        for (i, m) in any.all_of.iter().enumerate() {
            self.collect_object(schema_ref(m), &format!("{pointer}/allOf/{i}"), &mut merged, depth + 1)?;
        }
        for (k, v) in &any.properties {
            merged.props.insert(k.clone(), (boxed_ref(v), format!("{pointer}/properties/{}", escape_pointer(k))));
        }
        merged.required.extend(any.required.iter().cloned());
        self.merged_fields(merged, name, pointer, depth)
    }

    fn merged_fields(&mut self, merged: Merged<'a>, name: &str, pointer: &str, depth: usize) -> Result<Struct> {
        let props = merged.props.into_iter().map(|(k, (s, p))| (k, s, p)).collect();
        self.fields(props, &merged.required, merged.additional, name, pointer, depth)
    }

    pub(super) fn all_of(
        &mut self,
        members: &'a [oa::ReferenceOr<oa::Schema>],
        name: &str,
        pointer: &str,
        depth: usize,
    ) -> Result<Struct> {
        let mut merged = Merged::default();
        for (i, m) in members.iter().enumerate() {
            self.collect_object(schema_ref(m), &format!("{pointer}/allOf/{i}"), &mut merged, depth + 1)?;
        }
        self.merged_fields(merged, name, pointer, depth)
    }

    /// Adds the properties of one `allOf` member (and of its own `allOf`s).
    fn collect_object(&mut self, s: SchemaRef<'a>, pointer: &str, merged: &mut Merged<'a>, depth: usize) -> Result<()> {
        if depth > MAX_DEPTH {
            return Err(Error::unsupported(pointer, "`allOf` nested too deeply"));
        }
        let (schema, base) = match s {
            SchemaRef::Ref(r) if r.starts_with('#') && component_key(r, "schemas", pointer).is_err() => {
                self.warn(pointer, format!("`$ref: {r}` does not name a schema of `#/components/schemas/`; this `allOf` member is left out"));
                return Ok(());
            }
            SchemaRef::Ref(r) => {
                let (key, target) = self.component_schema(r, pointer)?;
                if merged.visiting.iter().any(|k| k == key) {
                    return Err(Error::invalid(pointer, format!("`allOf` includes `{key}` inside itself")));
                }
                merged.visiting.push(key.to_string());
                (self.deref_schema(target)?, format!("#/components/schemas/{}", escape_pointer(key)))
            }
            SchemaRef::Item(s) => (s, pointer.to_string()),
        };
        let result = self.collect_members(schema, &base, pointer, merged, depth);
        if matches!(s, SchemaRef::Ref(_)) {
            merged.visiting.pop();
        }
        result
    }

    fn collect_members(
        &mut self,
        schema: &'a oa::Schema,
        base: &str,
        pointer: &str,
        merged: &mut Merged<'a>,
        depth: usize,
    ) -> Result<()> {
        let (properties, req, ap) = match &schema.schema_kind {
            oa::SchemaKind::Type(oa::Type::Object(o)) => (&o.properties, &o.required, o.additional_properties.as_ref()),
            oa::SchemaKind::Any(a) if is_annotation_only(a) => return Ok(()),
            oa::SchemaKind::Any(a) if is_plain_any_object(a) => {
                (&a.properties, &a.required, a.additional_properties.as_ref())
            }
            oa::SchemaKind::AllOf { all_of } => {
                for (i, m) in all_of.iter().enumerate() {
                    self.collect_object(schema_ref(m), &format!("{base}/allOf/{i}"), merged, depth + 1)?;
                }
                return Ok(());
            }
            // An object with both its own properties and an `allOf`.
            oa::SchemaKind::Any(a) if !a.all_of.is_empty() && a.one_of.is_empty() && a.any_of.is_empty() => {
                for (i, m) in a.all_of.iter().enumerate() {
                    self.collect_object(schema_ref(m), &format!("{base}/allOf/{i}"), merged, depth + 1)?;
                }
                (&a.properties, &a.required, a.additional_properties.as_ref())
            }
            _ => return Err(Error::unsupported(pointer, "`allOf` members must be object schemas")),
        };
        for (k, v) in properties {
            merged.props.insert(k.clone(), (boxed_ref(v), format!("{base}/properties/{}", escape_pointer(k))));
        }
        merged.required.extend(req.iter().cloned());
        if ap.is_some() {
            merged.additional = ap;
        }
        Ok(())
    }

    pub(super) fn union(
        &mut self,
        schema: &'a oa::Schema,
        members: &'a [oa::ReferenceOr<oa::Schema>],
        key: &str,
        name: &str,
        pointer: &str,
        depth: usize,
    ) -> Result<Union> {
        let mut scope = Scope::with_reserved(naming::ENUM_RESERVED);
        let mut variants = Vec::new();
        let discriminator = schema.schema_data.discriminator.as_ref();
        for (i, m) in members.iter().enumerate() {
            let ptr = format!("{pointer}/{key}/{i}");
            let s = schema_ref(m);
            let (ident, tags) = match m {
                oa::ReferenceOr::Reference { reference } if component_key(reference, "schemas", &ptr).is_err() => {
                    (format!("Variant{i}"), Vec::new())
                }
                oa::ReferenceOr::Reference { reference } => {
                    let (comp, _) = self.component_schema(reference, &ptr)?;
                    let mut tags: Vec<String> = discriminator
                        .map(|d| d.mapping.iter().filter(|(_, r)| *r == reference).map(|(k, _)| k.clone()).collect())
                        .unwrap_or_default();
                    if tags.is_empty() && discriminator.is_some() {
                        tags.push(comp.to_string());
                    }
                    (self.component_name(comp, &ptr)?, tags)
                }
                oa::ReferenceOr::Item(item) => {
                    if discriminator.is_some() {
                        return Err(Error::unsupported(&ptr, "with a `discriminator`, every member must be a `$ref`"));
                    }
                    (
                        item.schema_data
                            .title
                            .as_deref()
                            .map(|t| pascal(t, "V"))
                            .unwrap_or_else(|| variant_kind_name(item, i)),
                        Vec::new(),
                    )
                }
            };
            let ty = self.schema_ty(s, &format!("{name}{ident}"), &ptr, depth + 1)?;
            variants.push(UnionVariant { ident: scope.claim(&ident), ty, tags });
        }
        if discriminator.is_none() {
            // Untagged variants are tried in order, and serde lets a struct
            // decode from an array of its fields: arrays go first.
            variants.sort_by_key(|v| !matches!(v.ty, Ty::Vec(_)));
        }
        Ok(Union { variants, discriminator: discriminator.map(|d| d.property_name.clone()) })
    }
}

/// The members of an `allOf` merged so far.
#[derive(Default)]
struct Merged<'a> {
    props: IndexMap<String, (SchemaRef<'a>, String)>,
    required: IndexSet<String>,
    additional: Option<&'a oa::AdditionalProperties>,
    /// Component schemas being merged (an `allOf` that includes itself).
    visiting: Vec<String>,
}

pub(super) enum AllOfShape {
    Objects,
    Single(usize),
    Mixed,
}

/// A schema that only annotates (`description`, `nullable`, `example`...).
fn is_annotation_only(a: &oa::AnySchema) -> bool {
    is_plain_any(a)
        && a.typ.is_none()
        && a.items.is_none()
        && a.enumeration.is_empty()
        && a.additional_properties.is_none()
        && a.format.is_none()
}

fn variant_kind_name(s: &oa::Schema, i: usize) -> String {
    match &s.schema_kind {
        oa::SchemaKind::Type(oa::Type::String(_)) => "String".into(),
        oa::SchemaKind::Type(oa::Type::Integer(_)) => "Integer".into(),
        oa::SchemaKind::Type(oa::Type::Number(_)) => "Number".into(),
        oa::SchemaKind::Type(oa::Type::Boolean(_)) => "Boolean".into(),
        oa::SchemaKind::Type(oa::Type::Array(_)) => "Array".into(),
        oa::SchemaKind::Type(oa::Type::Object(_)) => "Object".into(),
        _ => format!("Variant{i}"),
    }
}
