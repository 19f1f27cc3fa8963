//! Request bodies and responses: media types, status variants, success and error types.

use indexmap::{IndexMap, IndexSet};
use openapiv3 as oa;

use crate::error::{escape_pointer, Error, Result};
use crate::model::{
    Body, ContentKind, ErrorSet, Form, FormPart, PartKind, ResponseCase, StatusMatch, Success, Ty, TypeDef, TypeKind,
};
use crate::naming::{self, pascal, Scope};

use super::{boxed_ref, refs::component_key, schema_ref, shape::Shape, Resolver, SchemaRef};

impl<'a> Resolver<'a> {
    pub(super) fn request_body(
        &mut self,
        b: &'a oa::ReferenceOr<oa::RequestBody>,
        pointer: &str,
        op_pascal: &str,
    ) -> Result<Option<Body>> {
        let body = match b {
            oa::ReferenceOr::Item(b) => b,
            oa::ReferenceOr::Reference { reference } => {
                let key = component_key(reference, "requestBodies", pointer)?;
                match self.doc.components.as_ref().and_then(|c| c.request_bodies.get(key)) {
                    Some(oa::ReferenceOr::Item(b)) => b,
                    Some(_) => {
                        return Err(Error::unsupported(pointer, "a `$ref` to a `$ref` request body is not supported"))
                    }
                    None => return Err(Error::invalid(pointer, format!("`$ref: {reference}` points to nothing"))),
                }
            }
        };
        let Some((content_type, media)) = pick_content(&body.content) else {
            if body.content.is_empty() {
                self.warn(pointer, "request body has no content; it is ignored");
                return Ok(None);
            }
            return Err(Error::unsupported(pointer, "request body has no supported media type"));
        };
        let mut kind = content_kind(content_type);
        let ptr = format!("{pointer}/content/{}/schema", escape_pointer(content_type));
        if kind == ContentKind::Multipart {
            match self.multipart_form(media, &ptr, op_pascal)? {
                Some(ty) => {
                    return Ok(Some(Body {
                        kind,
                        content_type: content_type.clone(),
                        ty,
                        required: body.required,
                        description: body.description.clone(),
                        example: None,
                    }))
                }
                None => {
                    self.warn(
                        &ptr,
                        "a multipart body without an object schema is sent as bytes the caller encodes (boundary included)",
                    );
                    kind = ContentKind::Binary;
                }
            }
        }
        let ty = match (&media.schema, kind) {
            (_, ContentKind::Binary | ContentKind::Multipart) => Ty::Bytes,
            (_, ContentKind::Text) => Ty::String,
            (None, _) => Ty::Value,
            (Some(s), _) => self.schema_ty(schema_ref(s), &format!("{op_pascal}Body"), &ptr, 0)?,
        };
        Ok(Some(Body {
            kind,
            content_type: content_type.clone(),
            ty,
            required: body.required,
            description: body.description.clone(),
            example: self.example(media.example.as_ref(), &media.examples, media.schema.as_ref().map(schema_ref)),
        }))
    }

    pub(super) fn responses(
        &mut self,
        responses: &'a oa::Responses,
        pointer: &str,
        op_pascal: &str,
    ) -> Result<(Success, ErrorSet)> {
        let mut all: Vec<(StatusMatch, Option<&oa::Response>, String)> = Vec::new();
        for (code, r) in &responses.responses {
            let (status, key) = match code {
                oa::StatusCode::Code(c) => (StatusMatch::Code(*c), c.to_string()),
                oa::StatusCode::Range(r) => (StatusMatch::Range(*r), format!("{r}XX")),
            };
            let ptr = format!("{pointer}/{key}");
            all.push((status, self.response(r, &ptr)?, ptr));
        }
        if let Some(d) = &responses.default {
            let ptr = format!("{pointer}/default");
            all.push((StatusMatch::Default, self.response(d, &ptr)?, ptr));
        }
        let is_success = |s: &StatusMatch| match s {
            StatusMatch::Code(c) => (200..300).contains(c),
            StatusMatch::Range(r) => *r == 2,
            StatusMatch::Default => false,
        };
        let n_success_bodies = all
            .iter()
            .filter(|(s, r, _)| is_success(s) && r.is_some_and(|r| pick_content(&r.content).is_some()))
            .count();
        let mut ok_cases = Vec::new();
        let mut err_cases = Vec::new();
        let mut example = None;
        let mut variants = Scope::with_reserved(naming::ENUM_RESERVED);
        let mut err_variants = Scope::with_reserved(naming::ENUM_RESERVED);
        for (status, r, ptr) in &all {
            let success = is_success(status);
            let variant = if success {
                variants.claim(&status_variant(status))
            } else {
                err_variants.claim(&status_variant(status))
            };
            let hint = if success && n_success_bodies <= 1 {
                format!("{op_pascal}Response")
            } else if success {
                format!("{op_pascal}{variant}Response")
            } else {
                format!("{op_pascal}{variant}Error")
            };
            let body = match r.and_then(|r| pick_content(&r.content)) {
                None => None,
                Some((ct, media)) => {
                    // A multipart response is kept as the bytes received.
                    let kind = match content_kind(ct) {
                        ContentKind::Multipart => ContentKind::Binary,
                        k => k,
                    };
                    let sptr = format!("{ptr}/content/{}/schema", escape_pointer(ct));
                    if success && ok_cases.is_empty() && kind == ContentKind::Json {
                        example = self.example(
                            media.example.as_ref(),
                            &media.examples,
                            media.schema.as_ref().map(schema_ref),
                        );
                    }
                    let ty = match (&media.schema, kind) {
                        (_, ContentKind::Binary | ContentKind::Multipart) => Ty::Bytes,
                        (_, ContentKind::Text) => Ty::String,
                        (None, _) => Ty::Value,
                        (Some(s), _) => self.schema_ty(schema_ref(s), &hint, &sptr, 0)?,
                    };
                    Some((kind, ty))
                }
            };
            let description = r.map(|r| r.description.clone()).filter(|d| !d.is_empty());
            let case = ResponseCase { status: status.clone(), variant, body, description };
            if success {
                ok_cases.push(case);
            } else {
                err_cases.push(case);
            }
        }
        if ok_cases.is_empty() {
            ok_cases.push(ResponseCase {
                status: StatusMatch::Range(2),
                variant: "Success".into(),
                body: None,
                description: None,
            });
        }
        let distinct: IndexSet<Option<&Ty>> = ok_cases.iter().map(|c| c.body.as_ref().map(|(_, t)| t)).collect();
        let (ty, enum_name) = if distinct.len() == 1 {
            (ok_cases.first().and_then(|c| c.body.as_ref()).map(|(_, t)| t.clone()).unwrap_or(Ty::Unit), None)
        } else {
            let name = self.claim_type(&format!("{op_pascal}Success"));
            (Ty::Named(name.clone()), Some(name))
        };
        let err_name = if err_cases.is_empty() { None } else { Some(self.claim_type(&format!("{op_pascal}Error"))) };
        Ok((Success { ty, cases: ok_cases, enum_name, example }, ErrorSet { enum_name: err_name, cases: err_cases }))
    }
}

impl<'a> Resolver<'a> {
    /// The form type of a `multipart/form-data` body whose schema is an
    /// object: each property a part, `format: binary` ones files, the
    /// `encoding` object's `contentType` kept per part. `None` when the
    /// schema is not an object with properties.
    fn multipart_form(&mut self, media: &'a oa::MediaType, pointer: &str, op_pascal: &str) -> Result<Option<Ty>> {
        let Some(schema) = media.schema.as_ref().map(schema_ref) else { return Ok(None) };
        let (properties, required, obj_ptr) = match self.shape(schema, pointer)? {
            Shape::Struct { properties, required, .. } => (properties, required, pointer.to_string()),
            Shape::Component(key) => {
                let (_, target) = self.component_schema(&format!("#/components/schemas/{key}"), pointer)?;
                match self.shape(target, pointer)? {
                    Shape::Struct { properties, required, .. } => {
                        (properties, required, format!("#/components/schemas/{}", escape_pointer(key)))
                    }
                    _ => return Ok(None),
                }
            }
            _ => return Ok(None),
        };
        for name in media.encoding.keys() {
            if !properties.contains_key(name) {
                self.warn(
                    &format!("{}/encoding/{}", pointer.trim_end_matches("/schema"), escape_pointer(name)),
                    format!("`encoding` names `{name}`, which is not a property of the body; ignored"),
                );
            }
        }
        let name = self.claim_type(&format!("{op_pascal}Form"));
        let fields = self.object(properties, required, None, &name, &obj_ptr, 0)?.fields;
        let mut parts = Vec::new();
        for (mut field, (wire, prop)) in fields.into_iter().zip(properties.iter()) {
            let prop = boxed_ref(prop);
            let (file, list) = self.file_shape(prop)?;
            let base = match (file, list) {
                (true, true) => Ty::Vec(Box::new(Ty::File)),
                (true, false) => Ty::File,
                (false, _) => strip_option(field.ty.clone()),
            };
            // A part is sent or not: `null` has no multipart form.
            field.ty = if field.required && !matches!(field.ty, Ty::Option(_)) { base } else { base.option() };
            field.double_option = false;
            let kind = if file {
                PartKind::File
            } else {
                let item = match strip_option(field.ty.clone()) {
                    Ty::Vec(item) => *item,
                    other => other,
                };
                if self.is_text(&item) {
                    PartKind::Text
                } else {
                    PartKind::Json
                }
            };
            let list = list || (kind == PartKind::Text && matches!(strip_option(field.ty.clone()), Ty::Vec(_)));
            let content_type = media.encoding.get(wire).and_then(|e| e.content_type.clone());
            parts.push(FormPart { field, kind, list, content_type });
        }
        let default = parts.iter().all(|p| matches!(p.field.ty, Ty::Option(_)));
        let doc = self.deref_schema(schema).ok().and_then(|s| s.schema_data.description.clone());
        self.insert(TypeDef {
            name: name.clone(),
            doc,
            pointer: obj_ptr,
            deprecated: false,
            kind: TypeKind::Multipart(Form { parts, default }),
        });
        Ok(Some(Ty::Named(name)))
    }

    /// Whether a property is a file (`type: string, format: binary`), and
    /// whether it is a list of them.
    fn file_shape(&self, s: SchemaRef<'a>) -> Result<(bool, bool)> {
        let schema = self.deref_schema(s)?;
        if is_binary(schema) {
            return Ok((true, false));
        }
        if let oa::SchemaKind::Type(oa::Type::Array(a)) = &schema.schema_kind {
            if let Some(items) = &a.items {
                return Ok((is_binary(self.deref_schema(boxed_ref(items))?), true));
            }
        }
        Ok((false, false))
    }

    /// A type sent as text: a scalar or an enum of scalars.
    fn is_text(&self, t: &Ty) -> bool {
        match t {
            Ty::String | Ty::Bool | Ty::I32 | Ty::I64 | Ty::F32 | Ty::F64 | Ty::DateTime | Ty::Date | Ty::Uuid => true,
            Ty::Named(n) => match self.types.get(n).map(|t| &t.kind) {
                Some(TypeKind::Enum { .. } | TypeKind::IntEnum { .. }) => true,
                Some(TypeKind::Alias(inner)) => self.is_text(&inner.clone()),
                _ => false,
            },
            _ => false,
        }
    }
}

fn strip_option(t: Ty) -> Ty {
    match t {
        Ty::Option(inner) => strip_option(*inner),
        other => other,
    }
}

fn is_binary(s: &oa::Schema) -> bool {
    matches!(
        &s.schema_kind,
        oa::SchemaKind::Type(oa::Type::String(oa::StringType {
            format: oa::VariantOrUnknownOrEmpty::Item(oa::StringFormat::Binary),
            ..
        }))
    )
}

fn pick_content(content: &IndexMap<String, oa::MediaType>) -> Option<(&String, &oa::MediaType)> {
    let rank = |ct: &str| {
        let ct = ct.to_ascii_lowercase();
        if ct == "application/json" || ct.ends_with("+json") || ct.starts_with("application/json;") {
            0
        } else if ct.starts_with("application/x-www-form-urlencoded") {
            1
        } else if ct.starts_with("text/") {
            2
        } else if ct == "*/*" {
            3
        } else {
            4
        }
    };
    content.iter().min_by_key(|(ct, _)| rank(ct))
}

fn content_kind(ct: &str) -> ContentKind {
    let ct = ct.to_ascii_lowercase();
    if ct.contains("json") || ct == "*/*" {
        ContentKind::Json
    } else if ct.starts_with("application/x-www-form-urlencoded") {
        ContentKind::Form
    } else if ct.starts_with("multipart/form-data") {
        ContentKind::Multipart
    } else if ct.starts_with("text/") {
        ContentKind::Text
    } else {
        ContentKind::Binary
    }
}

fn status_variant(s: &StatusMatch) -> String {
    match s {
        StatusMatch::Code(c) => match http::StatusCode::from_u16(*c).ok().and_then(|s| s.canonical_reason()) {
            Some(reason) => pascal(reason, "S"),
            None => format!("Status{c}"),
        },
        StatusMatch::Range(2) => "Success".into(),
        StatusMatch::Range(3) => "Redirection".into(),
        StatusMatch::Range(4) => "ClientError".into(),
        StatusMatch::Range(5) => "ServerError".into(),
        StatusMatch::Range(r) => format!("Status{r}xx"),
        StatusMatch::Default => "Default".into(),
    }
}
