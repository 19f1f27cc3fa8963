//! The Rust shape of a schema, decided once: [`Resolver::shape`] looks at
//! the schema, [`Resolver::schema_ty`] (a schema used somewhere) and
//! [`Resolver::define_named`] (a schema with a name of its own) both follow
//! what it says, so they cannot disagree.

use indexmap::IndexMap;
use openapiv3 as oa;

use crate::error::{Error, Result};
use crate::model::{Ty, TypeDef, TypeKind};

use super::{
    boxed_ref, composition::AllOfShape, enums::int_enum, objects::ANY_TRUE, refs::component_key, schema_ref, Resolver,
    SchemaRef, MAX_DEPTH,
};

/// What a schema becomes in Rust.
pub(super) enum Shape<'a> {
    /// A `$ref` to `#/components/schemas/<key>`: the component's type.
    Component(&'a str),
    /// A `$ref` into the document outside `#/components/schemas/`: kept as JSON.
    Elsewhere(&'a str),
    /// A type the generated code does not define (`String`, `i64`, `Value`...).
    Scalar(Ty),
    /// `Vec<item>`; no `items` means a list of JSON values.
    Array(Option<SchemaRef<'a>>),
    /// A map from `additionalProperties` (an object with no properties).
    Map(Option<&'a oa::AdditionalProperties>),
    StringEnum(Vec<&'a String>),
    IntEnum(Vec<&'a i64>),
    /// An object with properties.
    Struct {
        properties: &'a IndexMap<String, oa::ReferenceOr<Box<oa::Schema>>>,
        required: &'a [String],
        additional: Option<&'a oa::AdditionalProperties>,
    },
    /// `allOf`, with the schema's own object part when it has one beside it.
    AllOf {
        members: &'a [oa::ReferenceOr<oa::Schema>],
        own: Option<&'a oa::AnySchema>,
        shape: AllOfShape,
    },
    /// `oneOf` or `anyOf` (`key` says which).
    Union {
        members: &'a [oa::ReferenceOr<oa::Schema>],
        key: &'static str,
    },
    /// `properties` beside `oneOf` or `anyOf`: a struct of the declared
    /// properties that keeps the rest as JSON.
    PropertiesBesideUnion {
        any: &'a oa::AnySchema,
        key: &'static str,
    },
    /// No Rust type expresses it (`not`).
    Refused(&'static str),
}

impl<'a> Resolver<'a> {
    /// The shape of the schema at a position. Errors for a `$ref` that
    /// cannot be followed.
    pub(super) fn shape(&self, s: SchemaRef<'a>, pointer: &str) -> Result<Shape<'a>> {
        let schema = match s {
            SchemaRef::Ref(r) if r.starts_with('#') && component_key(r, "schemas", pointer).is_err() => {
                return Ok(Shape::Elsewhere(r))
            }
            SchemaRef::Ref(r) => return Ok(Shape::Component(self.component_schema(r, pointer)?.0)),
            SchemaRef::Item(s) => s,
        };
        const NOT: &str = "`not` schemas cannot be expressed as a Rust type";
        Ok(match &schema.schema_kind {
            oa::SchemaKind::Type(oa::Type::String(st)) => {
                let values: Vec<&String> = st.enumeration.iter().flatten().collect();
                if values.is_empty() {
                    Shape::Scalar(string_ty(&st.format))
                } else {
                    Shape::StringEnum(values)
                }
            }
            oa::SchemaKind::Type(oa::Type::Number(n)) => Shape::Scalar(match &n.format {
                oa::VariantOrUnknownOrEmpty::Item(oa::NumberFormat::Float) => Ty::F32,
                _ => Ty::F64,
            }),
            oa::SchemaKind::Type(oa::Type::Integer(i)) => {
                let values: Vec<&i64> = i.enumeration.iter().flatten().collect();
                if !values.is_empty() {
                    Shape::IntEnum(values)
                } else if let oa::VariantOrUnknownOrEmpty::Item(oa::IntegerFormat::Int32) = &i.format {
                    Shape::Scalar(Ty::I32)
                } else {
                    Shape::Scalar(Ty::I64)
                }
            }
            oa::SchemaKind::Type(oa::Type::Boolean(_)) => Shape::Scalar(Ty::Bool),
            oa::SchemaKind::Type(oa::Type::Array(a)) => Shape::Array(a.items.as_ref().map(boxed_ref)),
            oa::SchemaKind::Type(oa::Type::Object(o)) if o.properties.is_empty() => {
                Shape::Map(o.additional_properties.as_ref())
            }
            oa::SchemaKind::Type(oa::Type::Object(o)) => Shape::Struct {
                properties: &o.properties,
                required: &o.required,
                additional: o.additional_properties.as_ref(),
            },
            oa::SchemaKind::AllOf { all_of } => {
                Shape::AllOf { members: all_of, own: None, shape: self.all_of_shape(all_of) }
            }
            oa::SchemaKind::OneOf { one_of } => Shape::Union { members: one_of, key: "oneOf" },
            oa::SchemaKind::AnyOf { any_of } => Shape::Union { members: any_of, key: "anyOf" },
            oa::SchemaKind::Not { .. } => Shape::Refused(NOT),
            oa::SchemaKind::Any(any) if is_plain_any(any) => {
                if any.additional_properties.is_some() || any.typ.as_deref() == Some("object") {
                    Shape::Map(any.additional_properties.as_ref())
                } else {
                    Shape::Scalar(Ty::Value)
                }
            }
            oa::SchemaKind::Any(any) if is_plain_any_object(any) => Shape::Struct {
                properties: &any.properties,
                required: &any.required,
                additional: any.additional_properties.as_ref(),
            },
            oa::SchemaKind::Any(any) if !any.all_of.is_empty() => {
                Shape::AllOf { members: &any.all_of, own: Some(any), shape: self.all_of_shape(&any.all_of) }
            }
            oa::SchemaKind::Any(any) if !any.one_of.is_empty() || !any.any_of.is_empty() => {
                let (members, key) =
                    if any.one_of.is_empty() { (&any.any_of, "anyOf") } else { (&any.one_of, "oneOf") };
                if any.properties.is_empty() {
                    Shape::Union { members, key }
                } else {
                    Shape::PropertiesBesideUnion { any, key }
                }
            }
            oa::SchemaKind::Any(_) => Shape::Refused(NOT),
        })
    }

    /// The Rust type of a schema used somewhere (field, item, body...).
    /// Inline schemas that need a type of their own are defined with a name
    /// derived from `hint`.
    pub(super) fn schema_ty(&mut self, s: SchemaRef<'a>, hint: &str, pointer: &str, depth: usize) -> Result<Ty> {
        if depth > MAX_DEPTH {
            return Err(Error::unsupported(
                pointer,
                format!("schemas nested deeper than {MAX_DEPTH} levels are not supported"),
            ));
        }
        Ok(match self.shape(s, pointer)? {
            Shape::Component(key) => Ty::Named(self.component_name(key, pointer)?),
            Shape::Elsewhere(r) => {
                self.warn(pointer, elsewhere(r));
                Ty::Value
            }
            Shape::Scalar(ty) => ty,
            Shape::Array(None) => Ty::Vec(Box::new(Ty::Value)),
            Shape::Array(Some(items)) => {
                let item = self.schema_ty(items, &format!("{hint}Item"), &format!("{pointer}/items"), depth + 1)?;
                let item = if self.is_nullable(items) { item.option() } else { item };
                Ty::Vec(Box::new(item))
            }
            Shape::Map(additional) => self.map_ty(additional, hint, pointer, depth)?,
            // One schema refined by annotations (`description`, `nullable`...).
            Shape::AllOf { members, own: None, shape: AllOfShape::Single(i) } => match members.get(i) {
                Some(only) => self.schema_ty(schema_ref(only), hint, &format!("{pointer}/allOf/{i}"), depth + 1)?,
                None => Ty::Value,
            },
            Shape::AllOf { own: None, shape: AllOfShape::Mixed, .. } => {
                self.warn(pointer, MIXED_ALL_OF);
                Ty::Value
            }
            // A one-member union used in place is its member (a component
            // keeps its union type: users may already name it).
            Shape::Union { members: [only], key } => {
                self.schema_ty(schema_ref(only), hint, &format!("{pointer}/{key}/0"), depth + 1)?
            }
            Shape::Refused(message) => return Err(Error::unsupported(pointer, message)),
            Shape::StringEnum(_)
            | Shape::IntEnum(_)
            | Shape::Struct { .. }
            | Shape::AllOf { .. }
            | Shape::Union { .. }
            | Shape::PropertiesBesideUnion { .. } => {
                let name = self.claim_type(hint);
                self.define_named(&name, s, pointer, depth)?;
                Ty::Named(name)
            }
        })
    }

    fn map_ty(
        &mut self,
        ap: Option<&'a oa::AdditionalProperties>,
        hint: &str,
        pointer: &str,
        depth: usize,
    ) -> Result<Ty> {
        Ok(match ap {
            None | Some(oa::AdditionalProperties::Any(_)) => Ty::Object,
            Some(oa::AdditionalProperties::Schema(s)) => {
                let inner = self.schema_ty(
                    schema_ref(s),
                    &format!("{hint}Value"),
                    &format!("{pointer}/additionalProperties"),
                    depth + 1,
                )?;
                Ty::Map(Box::new(inner))
            }
        })
    }

    fn is_nullable(&self, s: SchemaRef<'a>) -> bool {
        self.deref_schema(s).map(|s| s.schema_data.nullable).unwrap_or(false)
    }

    /// Defines a named type for a schema (component or inline).
    pub(super) fn define_named(&mut self, name: &str, s: SchemaRef<'a>, pointer: &str, depth: usize) -> Result<()> {
        if self.types.contains_key(name) {
            return Ok(());
        }
        let SchemaRef::Item(schema) = s else {
            // A component that is a `$ref` to another: an alias.
            let target = self.schema_ty(s, name, pointer, depth)?;
            self.insert(TypeDef {
                name: name.into(),
                doc: None,
                pointer: pointer.into(),
                deprecated: false,
                kind: TypeKind::Alias(target),
            });
            return Ok(());
        };
        let shape = self.shape(s, pointer)?;
        // Reserve the slot first so that recursive references find it.
        self.insert(TypeDef {
            name: name.into(),
            doc: schema_doc(schema),
            pointer: pointer.into(),
            deprecated: schema.schema_data.deprecated,
            kind: TypeKind::Alias(Ty::Value),
        });
        let kind = match shape {
            Shape::StringEnum(values) => self.string_enum(values.into_iter(), pointer),
            Shape::IntEnum(values) => int_enum(values.into_iter()),
            Shape::Struct { properties, required, additional } => {
                TypeKind::Struct(self.object(properties, required, additional, name, pointer, depth)?)
            }
            Shape::AllOf { members, own: None, shape } => match shape {
                AllOfShape::Objects => TypeKind::Struct(self.all_of(members, name, pointer, depth)?),
                AllOfShape::Single(i) => match members.get(i) {
                    Some(only) => TypeKind::Alias(self.schema_ty(
                        schema_ref(only),
                        &format!("{name}Inner"),
                        &format!("{pointer}/allOf/{i}"),
                        depth + 1,
                    )?),
                    None => TypeKind::Alias(Ty::Value),
                },
                AllOfShape::Mixed => {
                    self.warn(pointer, MIXED_ALL_OF);
                    TypeKind::Alias(Ty::Value)
                }
            },
            // `allOf` beside its own properties: they are one more member.
            Shape::AllOf { members, own: Some(any), shape } => match shape {
                AllOfShape::Objects => TypeKind::Struct(self.all_of_with_own(any, name, pointer, depth)?),
                AllOfShape::Single(i) if members.get(i).is_some_and(|m| self.is_object_like(m)) => {
                    TypeKind::Struct(self.all_of_with_own(any, name, pointer, depth)?)
                }
                _ => {
                    self.warn(pointer, MIXED_ALL_OF);
                    TypeKind::Alias(Ty::Value)
                }
            },
            Shape::Union { members, key } => TypeKind::Union(self.union(schema, members, key, name, pointer, depth)?),
            Shape::PropertiesBesideUnion { any, key } => {
                self.warn(
                    pointer,
                    format!("`properties` beside `{key}`: the declared properties are typed, the rest is kept as JSON"),
                );
                TypeKind::Struct(self.object(&any.properties, &any.required, Some(&ANY_TRUE), name, pointer, depth)?)
            }
            Shape::Refused(message) => return Err(Error::unsupported(pointer, message)),
            // Primitive, array or free-form schema: an alias.
            Shape::Scalar(_) | Shape::Array(_) | Shape::Map(_) | Shape::Component(_) | Shape::Elsewhere(_) => {
                TypeKind::Alias(self.schema_ty(s, &format!("{name}Inner"), pointer, depth + 1)?)
            }
        };
        if let Some(t) = self.types.get_mut(name) {
            t.kind = kind;
        }
        Ok(())
    }
}

const MIXED_ALL_OF: &str = "`allOf` mixes object and non-object schemas; kept as JSON";

fn elsewhere(reference: &str) -> String {
    format!("`$ref: {reference}` does not name a schema of `#/components/schemas/`; kept as JSON")
}

fn string_ty(format: &oa::VariantOrUnknownOrEmpty<oa::StringFormat>) -> Ty {
    match format {
        oa::VariantOrUnknownOrEmpty::Item(oa::StringFormat::DateTime) => Ty::DateTime,
        oa::VariantOrUnknownOrEmpty::Item(oa::StringFormat::Date) => Ty::Date,
        oa::VariantOrUnknownOrEmpty::Unknown(f) if f == "uuid" => Ty::Uuid,
        _ => Ty::String,
    }
}

pub(super) fn is_plain_any(a: &oa::AnySchema) -> bool {
    a.properties.is_empty() && a.one_of.is_empty() && a.any_of.is_empty() && a.all_of.is_empty() && a.not.is_none()
}

pub(super) fn is_plain_any_object(a: &oa::AnySchema) -> bool {
    a.one_of.is_empty() && a.any_of.is_empty() && a.all_of.is_empty() && a.not.is_none()
}

fn schema_doc(s: &oa::Schema) -> Option<String> {
    let d = &s.schema_data;
    let mut parts: Vec<String> = Vec::new();
    if let Some(t) = &d.title {
        parts.push(t.clone());
    }
    if let Some(desc) = &d.description {
        parts.push(desc.clone());
    }
    if let Some(note) = d.extensions.get("x-curation-note").and_then(|v| v.as_str()) {
        parts.push(format!("Curation note: {note}"));
    }
    if parts.is_empty() {
        None
    } else {
        Some(parts.join("\n\n"))
    }
}
