//! Request bodies and responses: media types, status variants, success and error types.

use indexmap::{IndexMap, IndexSet};
use openapiv3 as oa;

use crate::error::{escape_pointer, Error, Result};
use crate::model::{Body, ContentKind, ErrorSet, ResponseCase, StatusMatch, Success, Ty};
use crate::naming::{self, pascal, Scope};

use super::{refs::component_key, schema_ref, Resolver};

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
        let kind = content_kind(content_type);
        let ptr = format!("{pointer}/content/{}/schema", escape_pointer(content_type));
        let ty = match (&media.schema, kind) {
            (_, ContentKind::Binary) => Ty::Bytes,
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
                    let kind = content_kind(ct);
                    let sptr = format!("{ptr}/content/{}/schema", escape_pointer(ct));
                    let ty = match (&media.schema, kind) {
                        (_, ContentKind::Binary) => Ty::Bytes,
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
        Ok((Success { ty, cases: ok_cases, enum_name }, ErrorSet { enum_name: err_name, cases: err_cases }))
    }
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
