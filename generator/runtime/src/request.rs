//! A request being built by a generated operation: path parameters are
//! percent-encoded into the template, query values joined by their style.

use std::borrow::Cow;
use std::sync::Arc;

use bytes::Bytes;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::Method;
use serde::Serialize;

use super::multipart::{Multipart, MultipartBody};
use super::param::{ListStyle, ToParam};

/// Everything but RFC 3986 unreserved characters is encoded, so a value can
/// never add a path segment or end the query.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

pub(crate) fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    push_encoded(&mut out, value);
    out
}

/// Appends `value`, percent-encoded, to `out` (no formatting machinery, no
/// intermediate string).
pub(crate) fn push_encoded(out: &mut String, value: &str) {
    out.extend(utf8_percent_encode(value, COMPONENT));
}

/// `value` percent-encoded, as it is when nothing needs encoding.
fn encoded(value: Cow<'_, str>) -> Cow<'_, str> {
    if value.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')) {
        value
    } else {
        Cow::Owned(encode(&value))
    }
}

/// Where `{name}` is in `path`, from byte `from` on.
fn placeholder(path: &str, name: &str, from: usize) -> Option<usize> {
    let bytes = path.as_bytes();
    let mut at = from;
    while let Some(i) = bytes.get(at..)?.iter().position(|&b| b == b'{') {
        let start = at + i;
        let rest = &bytes[start + 1..];
        if rest.starts_with(name.as_bytes()) && rest.get(name.len()) == Some(&b'}') {
            return Some(start);
        }
        at = start + 1;
    }
    None
}

/// A request body, serialized once.
#[derive(Debug, Clone)]
pub(crate) struct Body {
    pub(crate) content_type: &'static str,
    pub(crate) bytes: Bytes,
}

/// One HTTP request, described independently of the transport.
#[derive(Debug, Clone)]
pub struct Request {
    pub(crate) method: Method,
    /// The spec's path template (for traces: never holds values).
    pub(crate) template: &'static str,
    pub(crate) path: String,
    /// Already-encoded `name=value` pairs.
    pub(crate) query: Vec<(String, String)>,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) cookies: Vec<(&'static str, String)>,
    pub(crate) body: Option<Body>,
    /// A `multipart/form-data` body, turned into one for each attempt.
    pub(crate) multipart: Option<Arc<Multipart>>,
    /// Security schemes any of which authorise the call.
    pub(crate) security: &'static [&'static str],
    /// A problem found while building (reported when sent).
    pub(crate) error: Option<String>,
}

impl Request {
    /// A request for the spec's path `template`, authorised by any of the
    /// `security` schemes.
    pub fn new(method: Method, template: &'static str, security: &'static [&'static str]) -> Self {
        Request {
            method,
            template,
            // Room for the values that replace the placeholders.
            path: {
                let mut path = String::with_capacity(template.len() + 64);
                path.push_str(template);
                path
            },
            query: Vec::new(),
            headers: Vec::new(),
            cookies: Vec::new(),
            body: None,
            multipart: None,
            security,
            error: None,
        }
    }

    fn fail(&mut self, message: String) {
        if self.error.is_none() {
            self.error = Some(message);
        }
    }

    /// Substitutes `{name}` in the path with the encoded value.
    pub fn path(mut self, name: &str, value: &impl ToParam) -> Self {
        let raw = value.as_param();
        if raw.is_empty() || raw == "." || raw == ".." {
            self.fail(format!("path parameter `{name}` cannot be {raw:?}: it would change the path"));
            return self;
        }
        let encoded = encoded(raw);
        // Every `{name}` of the template, in place.
        let mut from = 0;
        while let Some(start) = placeholder(&self.path, name, from) {
            self.path.replace_range(start..start + name.len() + 2, &encoded);
            from = start + encoded.len();
        }
        self
    }

    /// Adds a query parameter.
    pub fn query(mut self, name: &str, value: &impl ToParam) -> Self {
        self.query.push((encode(name), encoded(value.as_param()).into_owned()));
        self
    }

    /// Adds a query parameter when it is set.
    pub fn query_opt<T: ToParam>(self, name: &str, value: Option<&T>) -> Self {
        match value {
            Some(v) => self.query(name, v),
            None => self,
        }
    }

    /// Adds an array query parameter in its style.
    pub fn query_list<T: ToParam>(mut self, name: &str, values: &[T], style: ListStyle) -> Self {
        let name = encode(name);
        let sep = match style {
            ListStyle::Exploded => {
                for v in values {
                    self.query.push((name.clone(), encoded(v.as_param()).into_owned()));
                }
                return self;
            }
            ListStyle::Comma => ",",
            ListStyle::Space => "%20",
            ListStyle::Pipe => "|",
        };
        // One string for the joined values, each encoded into it.
        let mut joined = String::new();
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                joined.push_str(sep);
            }
            push_encoded(&mut joined, &v.as_param());
        }
        self.query.push((name, joined));
        self
    }

    /// Adds an array query parameter when it is set.
    pub fn query_list_opt<T: ToParam>(self, name: &str, values: Option<&[T]>, style: ListStyle) -> Self {
        match values {
            Some(v) => self.query_list(name, v, style),
            None => self,
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &'static str, value: &impl ToParam) -> Self {
        self.headers.push((name, value.to_param()));
        self
    }

    /// Adds a header when it is set.
    pub fn header_opt<T: ToParam>(self, name: &'static str, value: Option<&T>) -> Self {
        match value {
            Some(v) => self.header(name, v),
            None => self,
        }
    }

    /// Adds a cookie.
    pub fn cookie(mut self, name: &'static str, value: &impl ToParam) -> Self {
        self.cookies.push((name, value.to_param()));
        self
    }

    /// Adds a cookie when it is set.
    pub fn cookie_opt<T: ToParam>(self, name: &'static str, value: Option<&T>) -> Self {
        match value {
            Some(v) => self.cookie(name, v),
            None => self,
        }
    }

    /// Sets a JSON body.
    pub fn json<T: Serialize>(mut self, content_type: &'static str, body: &T) -> Self {
        match serde_json::to_vec(body) {
            Ok(bytes) => self.body = Some(Body { content_type, bytes: bytes.into() }),
            Err(e) => self.fail(format!("the request body does not serialize to JSON: {e}")),
        }
        self
    }

    /// Sets a JSON body when there is one.
    pub fn json_opt<T: Serialize>(self, content_type: &'static str, body: Option<&T>) -> Self {
        match body {
            Some(b) => self.json(content_type, b),
            None => self,
        }
    }

    /// Sets a form-encoded body from an object's fields.
    pub fn form<T: Serialize>(mut self, content_type: &'static str, body: &T) -> Self {
        let encoded = serde_json::to_value(body).map_err(|e| e.to_string()).and_then(|v| match v {
            serde_json::Value::Object(map) => Ok(map
                .iter()
                .map(|(k, v)| format!("{}={}", encode(k), encode(&v.to_param())))
                .collect::<Vec<_>>()
                .join("&")),
            _ => Err("a form body must be an object".to_string()),
        });
        match encoded {
            Ok(text) => self.body = Some(Body { content_type, bytes: text.into() }),
            Err(e) => self.fail(format!("the request body does not encode as a form: {e}")),
        }
        self
    }

    /// Sets a form-encoded body when there is one.
    pub fn form_opt<T: Serialize>(self, content_type: &'static str, body: Option<&T>) -> Self {
        match body {
            Some(b) => self.form(content_type, b),
            None => self,
        }
    }

    /// Sets a text body.
    pub fn text(mut self, content_type: &'static str, body: &str) -> Self {
        self.body = Some(Body { content_type, bytes: Bytes::copy_from_slice(body.as_bytes()) });
        self
    }

    /// Sets a text body when there is one.
    pub fn text_opt<T: AsRef<str>>(self, content_type: &'static str, body: Option<&T>) -> Self {
        match body {
            Some(b) => self.text(content_type, b.as_ref()),
            None => self,
        }
    }

    /// Sets a binary body.
    pub fn bytes(mut self, content_type: &'static str, body: &[u8]) -> Self {
        self.body = Some(Body { content_type, bytes: Bytes::copy_from_slice(body) });
        self
    }

    /// Sets a binary body when there is one.
    pub fn bytes_opt<T: AsRef<[u8]>>(self, content_type: &'static str, body: Option<&T>) -> Self {
        match body {
            Some(b) => self.bytes(content_type, b.as_ref()),
            None => self,
        }
    }

    /// Sets a `multipart/form-data` body from a generated form type.
    pub fn multipart<T: MultipartBody>(mut self, body: &T) -> Self {
        let mut form = body.to_multipart();
        if let Some(message) = form.take_error() {
            self.fail(message);
        }
        self.multipart = Some(Arc::new(form));
        self
    }

    /// Sets a `multipart/form-data` body when there is one.
    pub fn multipart_opt<T: MultipartBody>(self, body: Option<&T>) -> Self {
        match body {
            Some(b) => self.multipart(b),
            None => self,
        }
    }

    /// The value of a query parameter, decoded (pagination reads it back).
    pub(crate) fn query_value(&self, name: &str) -> Option<String> {
        let name = encode(name);
        self.query
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| percent_encoding::percent_decode_str(v).decode_utf8_lossy().into_owned())
    }

    pub(crate) fn set_query(&mut self, name: &str, value: &str) {
        let name = encode(name);
        self.query.retain(|(k, _)| *k != name);
        self.query.push((name, encode(value)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_parameters_replace_every_placeholder_of_their_name_only() {
        let r = Request::new(Method::GET, "/a/{id}/b/{idx}/{item_id}/{id}", &[])
            .path("id", &"x y/z")
            .path("idx", &"7")
            .path("item_id", &"caf\u{e9}");
        assert_eq!(r.path, "/a/x%20y%2Fz/b/7/caf%C3%A9/x%20y%2Fz");
        assert!(r.error.is_none());
        // A value that looks like a placeholder is encoded, not substituted again.
        let r = Request::new(Method::GET, "/{a}/{b}", &[]).path("a", &"{b}").path("b", &"1");
        assert_eq!(r.path, "/%7Bb%7D/1");
    }

    #[test]
    fn query_values_are_encoded_once_in_every_style() {
        let values = ["a b", "c,d", "e"];
        let r = Request::new(Method::GET, "/", &[])
            .query("q w", &"1&2")
            .query("plain", &"abc-._~")
            .query_list("c", &values, ListStyle::Comma)
            .query_list("s", &values, ListStyle::Space)
            .query_list("p", &values, ListStyle::Pipe)
            .query_list("x", &values, ListStyle::Exploded)
            .query_list("none", &[] as &[&str], ListStyle::Comma);
        let pairs: Vec<(&str, &str)> = r.query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(
            pairs,
            [
                ("q%20w", "1%262"),
                ("plain", "abc-._~"),
                ("c", "a%20b,c%2Cd,e"),
                ("s", "a%20b%20c%2Cd%20e"),
                ("p", "a%20b|c%2Cd|e"),
                ("x", "a%20b"),
                ("x", "c%2Cd"),
                ("x", "e"),
                ("none", ""),
            ]
        );
        assert_eq!(r.query_value("c").as_deref(), Some("a b,c,d,e"));
    }
}
