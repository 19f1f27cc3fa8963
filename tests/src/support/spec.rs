//! The specs under test, read from `specs/` at test time, and their
//! operations located by method and path template.

use std::fmt;
use std::path::Path;
use std::sync::OnceLock;

use serde_json::Value;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockBuilder, ResponseTemplate};

use super::matchers::{EmptyBody, MultipartContentType};

const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// One API under test: a spec of `specs/` and the headers every request to
/// it must carry (its credential, constant headers the spec requires).
pub struct Api {
    spec_file: &'static str,
    headers: &'static [(&'static str, &'static str)],
    spec: OnceLock<Value>,
}

impl fmt::Debug for Api {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.spec_file)
    }
}

impl Api {
    /// The API of `specs/<spec_file>`, whose requests carry each of
    /// `headers` (`(name, exact value)`).
    pub const fn new(spec_file: &'static str, headers: &'static [(&'static str, &'static str)]) -> Api {
        Api { spec_file, headers, spec: OnceLock::new() }
    }

    /// The spec's file, relative to `specs/`.
    pub fn name(&self) -> &'static str {
        self.spec_file
    }

    /// The spec as JSON.
    pub fn spec(&self) -> &Value {
        self.spec.get_or_init(|| {
            let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs").join(self.spec_file);
            let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
        })
    }

    /// `node`, or the node its local `$ref` points at.
    pub fn resolve<'a>(&'a self, node: &'a Value) -> &'a Value {
        match node.get("$ref").and_then(Value::as_str) {
            Some(reference) => {
                let pointer = reference
                    .strip_prefix('#')
                    .unwrap_or_else(|| panic!("{}: only local references are supported: {reference}", self.spec_file));
                self.spec()
                    .pointer(pointer)
                    .unwrap_or_else(|| panic!("{}: dangling reference {reference}", self.spec_file))
            }
            None => node,
        }
    }

    /// Every operation the spec declares, in the spec's order.
    pub fn operations(&self) -> Vec<SpecOperation> {
        let paths = self.spec()["paths"].as_object().unwrap_or_else(|| panic!("{}: no `paths`", self.spec_file));
        let mut operations = Vec::new();
        for (template, item) in paths {
            for verb in METHODS {
                if let Some(operation) = item.get(verb) {
                    let id = operation["operationId"]
                        .as_str()
                        .unwrap_or_else(|| panic!("{}: {verb} {template} has no operationId", self.spec_file));
                    operations.push(SpecOperation {
                        id: id.to_owned(),
                        method: verb.to_ascii_uppercase(),
                        template: template.clone(),
                    });
                }
            }
        }
        operations
    }
}

/// An operation as the spec declares it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SpecOperation {
    /// The operationId.
    pub id: String,
    /// The method, upper case.
    pub method: String,
    /// The path template (`/objects/{object}/records`).
    pub template: String,
}

impl SpecOperation {
    /// Whether a request with `method` and (still percent-encoded) `path`
    /// is a call of this operation: `Some(number of literal segments)`,
    /// by which the most specific of several matching templates wins, as
    /// OpenAPI prescribes. A template parameter matches one non-empty
    /// segment.
    pub fn matches(&self, method: &str, path: &str) -> Option<usize> {
        if !self.method.eq_ignore_ascii_case(method) {
            return None;
        }
        let template: Vec<&str> = self.template.split('/').collect();
        let wire: Vec<&str> = path.split('/').collect();
        if template.len() != wire.len() {
            return None;
        }
        let mut literal = 0;
        for (t, w) in template.iter().zip(&wire) {
            if t.starts_with('{') && t.ends_with('}') {
                if w.is_empty() {
                    return None;
                }
            } else if t == w {
                literal += 1;
            } else {
                return None;
            }
        }
        Some(literal)
    }
}

/// One operation of an API, located by method and path template; checked
/// against the spec (its operationId) whenever the spec is read through it.
#[derive(Debug, Clone, Copy)]
pub struct Op {
    /// The API the operation belongs to.
    pub api: &'static Api,
    /// The operationId.
    pub id: &'static str,
    /// The method, upper case.
    pub method: &'static str,
    /// The path template.
    pub template: &'static str,
}

impl Op {
    /// The operation `id` at `method template` of `api`.
    pub const fn new(api: &'static Api, id: &'static str, method: &'static str, template: &'static str) -> Op {
        Op { api, id, method, template }
    }

    /// The operation object of the spec (checked to carry this operationId).
    pub fn spec_operation(&self) -> &'static Value {
        let op = &self.api.spec()["paths"][self.template][self.method.to_ascii_lowercase().as_str()];
        assert_eq!(op["operationId"], self.id, "{} {} in {:?}", self.method, self.template, self.api);
        op
    }

    /// The response the spec declares for `status` (references followed).
    fn response(&self, status: u16) -> &'static Value {
        let response = self.api.resolve(&self.spec_operation()["responses"][status.to_string().as_str()]);
        assert!(!response.is_null(), "{}: the spec declares no {status} response", self.id);
        response
    }

    /// The JSON example of the `status` response, `None` for a response
    /// without a body. The status must be declared.
    pub fn response_example_opt(&self, status: u16) -> Option<Value> {
        let example = &self.response(status)["content"]["application/json"]["example"];
        (!example.is_null()).then(|| example.clone())
    }

    /// The JSON example of the `status` response.
    pub fn response_example(&self, status: u16) -> Value {
        self.response_example_opt(status).unwrap_or_else(|| panic!("{}: no JSON example for status {status}", self.id))
    }

    /// The JSON example of the request body.
    pub fn request_example(&self) -> Value {
        let example = &self.spec_operation()["requestBody"]["content"]["application/json"]["example"];
        assert!(!example.is_null(), "{}: no request body example", self.id);
        example.clone()
    }

    /// The request body example decoded into the operation's body type.
    pub fn typed_request_example<T: serde::de::DeserializeOwned>(&self) -> T {
        serde_json::from_value(self.request_example())
            .unwrap_or_else(|e| panic!("{}: the request example does not fit the typed body: {e}", self.id))
    }

    /// Whether the operation declares a request body.
    pub fn has_body(&self) -> bool {
        !self.spec_operation()["requestBody"].is_null()
    }

    /// The statuses of the responses the spec declares outside 2xx (the
    /// generated error enum's variants), ascending.
    pub fn declared_error_statuses(&self) -> Vec<u16> {
        let responses =
            self.spec_operation()["responses"].as_object().unwrap_or_else(|| panic!("{}: no responses", self.id));
        let mut statuses: Vec<u16> = responses
            .keys()
            .map(|key| key.parse().unwrap_or_else(|_| panic!("{}: status `{key}` is not a number", self.id)))
            .filter(|status| !(200..300).contains(status))
            .collect();
        statuses.sort_unstable();
        statuses
    }

    /// The spec's `status` response: its example as a JSON body, no body
    /// when the spec gives none.
    pub fn reply(&self, status: u16) -> ResponseTemplate {
        match self.response_example_opt(status) {
            Some(example) => ResponseTemplate::new(status).set_body_json(example),
            None => ResponseTemplate::new(status),
        }
    }

    /// A mock of this operation at `wire_path` (the exact, percent-encoded
    /// path): the method, the API's headers, the body's declared content
    /// type (with any boundary, for multipart) when the operation has a
    /// body and an empty body otherwise. Tests add the
    /// query and body matchers.
    pub fn mock(&self, wire_path: &str) -> MockBuilder {
        let mut mock = Mock::given(method(self.method)).and(path(wire_path));
        for (name, value) in self.api.headers {
            mock = mock.and(header(*name, *value));
        }
        match self.body_media_type() {
            None => mock.and(EmptyBody),
            Some("multipart/form-data") => mock.and(MultipartContentType),
            Some(media) => mock.and(header("content-type", media)),
        }
    }

    /// The media type of the request body the spec declares (its first).
    pub fn body_media_type(&self) -> Option<&'static str> {
        self.spec_operation()["requestBody"]["content"].as_object()?.keys().next().map(String::as_str)
    }

    /// [`Op::mock`] that also requires the JSON body to equal `body`.
    pub fn mock_json(&self, wire_path: &str, body: Value) -> MockBuilder {
        assert!(self.has_body(), "{}: the operation has no request body", self.id);
        self.mock(wire_path).and(body_json(body))
    }
}
