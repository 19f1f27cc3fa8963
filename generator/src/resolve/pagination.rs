//! The `x-pagination` extension.

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::model::{Body, ContentKind, PageStyle, Pagination, Param, ParamLocation, Success, Ty, TypeKind};

use super::Resolver;

/// The `x-pagination` extension as written in a spec.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct PaginationExt {
    style: String,
    #[serde(rename = "in", default)]
    location: Option<String>,
    param: String,
    #[serde(default)]
    limit: Option<String>,
    items: String,
    #[serde(default)]
    has_more: Option<String>,
    #[serde(default)]
    next: Option<String>,
}

impl<'a> Resolver<'a> {
    pub(super) fn pagination(
        &mut self,
        v: &serde_json::Value,
        pointer: &str,
        params: &[Param],
        body: Option<&Body>,
        success: &Success,
    ) -> Result<Pagination> {
        let ext: PaginationExt = serde_json::from_value(v.clone())
            .map_err(|e| Error::invalid(pointer, format!("malformed `x-pagination`: {e}")))?;
        let style = match ext.style.as_str() {
            "offset" => PageStyle::Offset,
            "page" => PageStyle::Page,
            "cursor" => PageStyle::Cursor,
            other => {
                return Err(Error::invalid(
                    pointer,
                    format!("unknown pagination style `{other}` (expected offset, page or cursor)"),
                ))
            }
        };
        let in_body = match ext.location.as_deref() {
            None | Some("query") => false,
            Some("body") => true,
            Some(other) => {
                return Err(Error::invalid(
                    pointer,
                    format!("unknown pagination location `{other}` (expected query or body)"),
                ))
            }
        };
        if in_body {
            if !matches!(body, Some(b) if b.kind == ContentKind::Json) {
                return Err(Error::invalid(pointer, "`in: body` pagination needs a JSON request body"));
            }
        } else if !params.iter().any(|p| p.location == ParamLocation::Query && p.wire_name == ext.param) {
            return Err(Error::invalid(
                pointer,
                format!("pagination parameter `{}` is not a query parameter of this operation", ext.param),
            ));
        }
        if style == PageStyle::Cursor && ext.next.is_none() {
            return Err(Error::invalid(pointer, "cursor pagination needs `next`, the pointer to the next cursor"));
        }
        // With several 2xx statuses, the one JSON body among them is the page
        // (the others, such as Zoho's `204 No Content`, end the stream).
        let page_ty = success
            .cases
            .iter()
            .find_map(|c| match &c.body {
                Some((ContentKind::Json, t)) => Some(t.clone()),
                _ => None,
            })
            .unwrap_or(Ty::Value);
        let item_ty = self.item_ty(&page_ty, &ext.items).ok_or_else(|| {
            Error::invalid(
                pointer,
                format!("`items: {}` does not point to an array in the success response", ext.items),
            )
        })?;
        Ok(Pagination {
            style,
            in_body,
            param: ext.param,
            limit: ext.limit,
            items: ext.items,
            has_more: ext.has_more,
            next: ext.next,
            item_ty,
        })
    }

    /// Follows a JSON pointer through the model's types to an array's item type.
    fn item_ty(&self, root: &Ty, pointer: &str) -> Option<Ty> {
        let mut ty = root.clone();
        for seg in pointer.split('/').skip(1) {
            let seg = seg.replace("~1", "/").replace("~0", "~");
            ty = strip(&ty);
            ty = match ty {
                Ty::Value | Ty::Object => Ty::Value,
                Ty::Named(name) => match &self.types.get(&name)?.kind {
                    TypeKind::Struct(s) => s.fields.iter().find(|f| f.wire_name == seg)?.ty.clone(),
                    TypeKind::Alias(t) | TypeKind::Newtype(t) => t.clone(),
                    _ => return None,
                },
                Ty::Map(inner) => *inner,
                _ => return None,
            };
        }
        match strip(&ty) {
            Ty::Vec(inner) => Some(*inner),
            Ty::Value => Some(Ty::Value),
            _ => None,
        }
    }
}

fn strip(ty: &Ty) -> Ty {
    match ty {
        Ty::Option(inner) | Ty::Box(inner) => strip(inner),
        other => other.clone(),
    }
}
