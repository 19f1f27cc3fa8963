//! Parameters: the location, the serialization style and the Rust type of each.

use openapiv3 as oa;

use crate::error::{Error, Result};
use crate::model::{ListStyle, Param, ParamLocation, ParamRole, Ty, TypeKind};
use crate::naming::{pascal, snake, Scope};

use super::{schema_ref, Resolver, SchemaRef};

impl<'a> Resolver<'a> {
    pub(super) fn param(
        &mut self,
        p: &'a oa::Parameter,
        pointer: &str,
        op_pascal: &str,
        idents: &mut Scope,
    ) -> Result<Option<Param>> {
        let data = p.parameter_data_ref();
        let (location, list_style) = match p {
            oa::Parameter::Query { style, .. } => {
                let explode = data.explode.unwrap_or(matches!(style, oa::QueryStyle::Form));
                let style = match style {
                    oa::QueryStyle::Form if explode => ListStyle::Exploded,
                    oa::QueryStyle::Form => ListStyle::Comma,
                    oa::QueryStyle::SpaceDelimited => ListStyle::Space,
                    oa::QueryStyle::PipeDelimited => ListStyle::Pipe,
                    oa::QueryStyle::DeepObject => {
                        self.warn(
                            pointer,
                            format!("`style: deepObject` is not supported; the parameter `{}` is left out", data.name),
                        );
                        return Ok(None);
                    }
                };
                (ParamLocation::Query, style)
            }
            oa::Parameter::Path { .. } => (ParamLocation::Path, ListStyle::Comma),
            oa::Parameter::Header { .. } => (ParamLocation::Header, ListStyle::Comma),
            oa::Parameter::Cookie { .. } => (ParamLocation::Cookie, ListStyle::Comma),
        };
        let schema = match &data.format {
            oa::ParameterSchemaOrContent::Schema(s) => Some(s),
            oa::ParameterSchemaOrContent::Content(c) => c.values().next().and_then(|m| m.schema.as_ref()),
        };
        let hint = format!("{op_pascal}{}", pascal(&data.name, "P"));
        let (ty, constant) = match schema {
            None => {
                self.warn(pointer, "parameter has no schema; treating it as a string");
                (Ty::String, None)
            }
            Some(s) => match self.single_string_value(schema_ref(s)).filter(|_| data.required) {
                // A constant the client sends by itself: no type for users.
                Some(constant) => (Ty::String, Some(constant)),
                None => (self.schema_ty(schema_ref(s), &hint, &format!("{pointer}/schema"), 0)?, None),
            },
        };
        // A nullable parameter is simply one that may be left out.
        let ty = match ty {
            Ty::Option(inner) => *inner,
            Ty::Vec(item) => match *item {
                Ty::Option(inner) => Ty::Vec(inner),
                other => Ty::Vec(Box::new(other)),
            },
            other => other,
        };
        let mut required = data.required;
        if location == ParamLocation::Path && !required {
            self.warn(pointer, "path parameters are always required; `required: false` is ignored");
            required = true;
        }
        if matches!(ty, Ty::Object | Ty::Map(_))
            || matches!(&ty, Ty::Named(n) if matches!(self.types.get(n).map(|t| &t.kind), Some(TypeKind::Struct(_))))
        {
            if required {
                return Err(Error::unsupported(pointer, "required object-valued parameters are not supported"));
            }
            self.warn(
                pointer,
                format!(
                    "object-valued parameters are not supported; the optional parameter `{}` is left out",
                    data.name
                ),
            );
            return Ok(None);
        }
        // Every other shape either has a serialization of its own in the
        // runtime (`ToParam`) or is refused here, located, so that no
        // generated module fails to compile on a parameter.
        let serializable = match &ty {
            Ty::Vec(item) => self.param_value_serializable(item, 0),
            other => self.param_value_serializable(other, 0),
        };
        if !serializable {
            let what = "its schema (an array of objects or maps, a nested array, a map, a discriminated union or a recursive alias) has no parameter serialization";
            if required {
                return Err(Error::unsupported(pointer, format!("parameter `{}`: {what}", data.name)));
            }
            self.warn(pointer, format!("parameter `{}`: {what}; the optional parameter is left out", data.name));
            return Ok(None);
        }
        let is_list = matches!(ty, Ty::Vec(_));
        let role = match constant {
            Some(value) if required => ParamRole::Constant(value),
            _ if required => ParamRole::Argument,
            _ => ParamRole::Setter,
        };
        Ok(Some(Param {
            wire_name: data.name.clone(),
            // A constant is neither a field nor a method: its name takes no room.
            ident: if role.constant().is_some() { snake(&data.name) } else { idents.claim(&snake(&data.name)) },
            location,
            required,
            ty,
            list_style: if is_list { Some(list_style) } else { None },
            role,
            description: data.description.clone(),
            deprecated: data.deprecated.unwrap_or(false),
            example: self.example(data.example.as_ref(), &data.examples, schema.map(schema_ref)),
        }))
    }

    /// Whether a single parameter value of type `ty` can be written into a
    /// query string, path segment or header: the types the runtime's
    /// `ToParam` covers (scalars, dates, UUIDs, any JSON value) and the
    /// generated types that implement it (open enums, untagged unions).
    fn param_value_serializable(&self, ty: &Ty, depth: usize) -> bool {
        match ty {
            Ty::String | Ty::Bool | Ty::I32 | Ty::I64 | Ty::F32 | Ty::F64 | Ty::DateTime | Ty::Date | Ty::Uuid => true,
            Ty::Value => true,
            Ty::Named(name) => match self.types.get(name).map(|t| &t.kind) {
                Some(TypeKind::Enum { .. } | TypeKind::IntEnum { .. }) => true,
                Some(TypeKind::Union(u)) => u.discriminator.is_none(),
                // An alias is its target; a chain of aliases is bounded.
                Some(TypeKind::Alias(target)) if depth < 16 => self.param_value_serializable(target, depth + 1),
                _ => false,
            },
            Ty::Object | Ty::Map(_) | Ty::Vec(_) | Ty::Option(_) | Ty::Box(_) | Ty::Unit | Ty::Bytes | Ty::File => {
                false
            }
        }
    }

    /// `Some(value)` for a string schema with exactly one allowed value.
    fn single_string_value(&self, s: SchemaRef<'_>) -> Option<String> {
        let schema = self.deref_schema(s).ok()?;
        match &schema.schema_kind {
            oa::SchemaKind::Type(oa::Type::String(st)) => match st.enumeration.as_slice() {
                [only] => only.clone(),
                _ => None,
            },
            _ => None,
        }
    }
}
