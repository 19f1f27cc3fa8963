//! The `x-pagination` extension.

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::model::{Body, ContentKind, PageStyle, PageToken, Pagination, Param, ParamLocation, Success, Ty, TypeKind};

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
    #[serde(default)]
    token: Option<TokenExt>,
}

/// `x-pagination.token`: page numbers (or offsets) while the items they
/// reach stay within `after`, then the token found at `next` in each page,
/// sent in the query parameter `param` instead of the page number.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenExt {
    param: String,
    next: String,
    #[serde(default)]
    after: u64,
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
        for (key, value) in
            [("items", Some(&ext.items)), ("has-more", ext.has_more.as_ref()), ("next", ext.next.as_ref())]
        {
            if let Some(value) = value {
                check_pointer(&format!("{pointer}/{key}"), key, value)?;
            }
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
        let token = match ext.token {
            Some(token) => Some(self.page_token(
                token,
                &format!("{pointer}/token"),
                &ext.param,
                style,
                in_body,
                params,
                &page_ty,
            )?),
            None => None,
        };
        Ok(Pagination {
            style,
            in_body,
            param: ext.param,
            limit: ext.limit,
            items: ext.items,
            has_more: ext.has_more,
            next: ext.next,
            token,
            item_ty,
        })
    }

    /// Checks `x-pagination.token`: offset or page pagination in the query,
    /// a query parameter of the operation other than the page parameter, and
    /// a pointer to a string (or number) of the success response.
    #[allow(clippy::too_many_arguments)]
    fn page_token(
        &self,
        token: TokenExt,
        pointer: &str,
        page_param: &str,
        style: PageStyle,
        in_body: bool,
        params: &[Param],
        page_ty: &Ty,
    ) -> Result<PageToken> {
        if style == PageStyle::Cursor {
            return Err(Error::invalid(
                pointer,
                "`token` applies to offset or page pagination (cursor pagination already follows `next`)",
            ));
        }
        if in_body {
            return Err(Error::invalid(pointer, "`token` needs query pagination (`in: query`), not `in: body`"));
        }
        let param_pointer = format!("{pointer}/param");
        if token.param == page_param {
            return Err(Error::invalid(
                &param_pointer,
                format!("the token parameter `{}` is the page parameter itself; it must be another one", token.param),
            ));
        }
        if !params.iter().any(|p| p.location == ParamLocation::Query && p.wire_name == token.param) {
            return Err(Error::invalid(
                &param_pointer,
                format!("token parameter `{}` is not a query parameter of this operation", token.param),
            ));
        }
        let next_pointer = format!("{pointer}/next");
        check_pointer(&next_pointer, "token.next", &token.next)?;
        if token.next.is_empty() {
            return Err(Error::invalid(&next_pointer, "`token.next` must point into the page, not be the whole page"));
        }
        match self.pointee(page_ty, &token.next) {
            Some(ty) if self.token_like(&ty) => {}
            Some(_) => {
                return Err(Error::invalid(
                    &next_pointer,
                    format!("`token.next: {}` does not point to a string or integer field", token.next),
                ))
            }
            None => {
                return Err(Error::invalid(
                    &next_pointer,
                    format!("`token.next: {}` does not point to a field of the success response", token.next),
                ))
            }
        }
        Ok(PageToken { param: token.param, next: token.next, after: token.after })
    }

    /// Follows a JSON pointer through the model's types to an array's item type.
    fn item_ty(&self, root: &Ty, pointer: &str) -> Option<Ty> {
        match strip(&self.pointee(root, pointer)?) {
            Ty::Vec(inner) => Some(*inner),
            Ty::Value => Some(Ty::Value),
            _ => None,
        }
    }

    /// A type a page token can have: a string, an integer, any JSON value.
    fn token_like(&self, ty: &Ty) -> bool {
        match strip(ty) {
            Ty::String | Ty::I32 | Ty::I64 | Ty::Value => true,
            Ty::Named(name) => match self.types.get(&name).map(|t| &t.kind) {
                Some(TypeKind::Alias(t) | TypeKind::Newtype(t)) => self.token_like(t),
                _ => false,
            },
            _ => false,
        }
    }

    /// Follows a JSON pointer through the model's types to the type it
    /// points to (`Ty::Value` past a free-form value).
    fn pointee(&self, root: &Ty, pointer: &str) -> Option<Ty> {
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
        Some(ty)
    }
}

/// A JSON pointer (RFC 6901): empty, or `/`-separated segments in which `~`
/// only starts `~0` or `~1`.
fn check_pointer(pointer: &str, key: &str, value: &str) -> Result<()> {
    let bad_escape = value.split('/').any(|seg| {
        let mut chars = seg.chars();
        while let Some(c) = chars.next() {
            if c == '~' && !matches!(chars.next(), Some('0' | '1')) {
                return true;
            }
        }
        false
    });
    if !(value.is_empty() || value.starts_with('/')) || bad_escape {
        return Err(Error::invalid(
            pointer,
            format!(
                "`{key}: {value}` is not a JSON pointer (such as `/info/next_page_token`; `~` only as `~0` or `~1`)"
            ),
        ));
    }
    Ok(())
}

fn strip(ty: &Ty) -> Ty {
    match ty {
        Ty::Option(inner) | Ty::Box(inner) => strip(inner),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{PageStyle, PageToken};
    use crate::Options;

    fn options() -> Options {
        Options { module_path: "api".into(), spec_label: "spec.yaml".into(), command: "test".into(), strict: true }
    }

    /// A page-numbered list whose `x-pagination` ends with `extra` (indented
    /// YAML lines), `style` and `in` as given.
    fn spec(style: &str, location: &str, extra: &str) -> String {
        format!(
            r#"openapi: 3.0.3
info: {{title: t, version: "1"}}
paths:
  /records:
    post:
      operationId: list_records
      parameters:
        - {{name: page, in: query, schema: {{type: integer}}}}
        - {{name: per_page, in: query, schema: {{type: integer}}}}
        - {{name: page_token, in: query, schema: {{type: string}}}}
        - {{name: X-Token, in: header, schema: {{type: string}}}}
      requestBody:
        content:
          application/json:
            schema: {{type: object, properties: {{page: {{type: integer}}}}}}
      x-pagination:
        style: {style}
        in: {location}
        param: page
        limit: per_page
        items: /data
        next: /info/next_page_token
{extra}
      responses:
        '200':
          description: A page.
          content:
            application/json:
              schema:
                type: object
                properties:
                  data: {{type: array, items: {{type: string}}}}
                  info:
                    type: object
                    properties:
                      more: {{type: boolean}}
                      next_page_token: {{type: string, nullable: true}}
                      count: {{type: integer}}
                      flags: {{type: array, items: {{type: string}}}}
"#
        )
    }

    fn refusal(style: &str, location: &str, extra: &str) -> String {
        match crate::generate_str(&spec(style, location, extra), &options()) {
            Ok(_) => panic!("accepted:\n{extra}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn the_token_is_read_into_the_model() {
        let extra = "        token: {param: page_token, next: /info/next_page_token, after: 2000}";
        let api = crate::generate_str(&spec("page", "query", extra), &options()).unwrap().api;
        let p = api.operations[0].pagination.as_ref().unwrap();
        assert_eq!(p.style, PageStyle::Page);
        assert_eq!(
            p.token,
            Some(PageToken { param: "page_token".into(), next: "/info/next_page_token".into(), after: 2000 })
        );
        // `after` defaults to 0 (the token from the second page on); offsets take a token too.
        let extra = "        token: {param: page_token, next: /info/next_page_token}";
        let api = crate::generate_str(&spec("offset", "query", extra), &options()).unwrap().api;
        assert_eq!(api.operations[0].pagination.as_ref().unwrap().token.as_ref().unwrap().after, 0);
    }

    #[test]
    fn a_bad_token_is_refused_at_its_key() {
        let at = "#/paths/~1records/post/x-pagination/token";
        for (style, location, token, pointer, message) in [
            ("cursor", "query", "{param: page_token, next: /info/next_page_token}", "", "applies to offset or page"),
            ("page", "body", "{param: page_token, next: /info/next_page_token}", "", "needs query pagination"),
            ("page", "query", "{param: page, next: /info/next_page_token}", "/param", "is the page parameter itself"),
            ("page", "query", "{param: X-Token, next: /info/next_page_token}", "/param", "`X-Token` is not a query"),
            ("page", "query", "{param: cursor, next: /info/next_page_token}", "/param", "`cursor` is not a query"),
            ("page", "query", "{param: page_token, next: info}", "/next", "`token.next: info` is not a JSON pointer"),
            ("page", "query", "{param: page_token, next: /info/~2}", "/next", "is not a JSON pointer"),
            ("page", "query", "{param: page_token, next: ''}", "/next", "not be the whole page"),
            ("page", "query", "{param: page_token, next: /info/next}", "/next", "does not point to a field"),
            ("page", "query", "{param: page_token, next: /info/more}", "/next", "not point to a string or integer"),
            ("page", "query", "{param: page_token, next: /info/flags}", "/next", "not point to a string or integer"),
            ("page", "query", "{param: page_token, next: /info/next_page_token, after: -1}", "", "malformed"),
            ("page", "query", "{param: page_token, next: /info/next_page_token, depth: 1}", "", "unknown field"),
        ] {
            let e = refusal(style, location, &format!("        token: {token}"));
            let location = if message == "malformed" || message == "unknown field" {
                "#/paths/~1records/post/x-pagination".to_string()
            } else {
                format!("{at}{pointer}")
            };
            assert!(e.contains(&format!("at {location}:")), "{token}: {e}");
            assert!(e.contains(message), "{token}: {e}");
        }
    }

    #[test]
    fn every_pointer_of_the_extension_must_be_a_json_pointer() {
        let e = refusal("page", "query", "        has-more: info/more");
        assert!(e.contains("at #/paths/~1records/post/x-pagination/has-more:"), "{e}");
        assert!(e.contains("`has-more: info/more` is not a JSON pointer"), "{e}");
    }
}
