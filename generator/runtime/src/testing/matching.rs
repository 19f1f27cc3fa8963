//! Whether a request that arrived is the one an operation sends, and why
//! not; the responders of expectations and of unmatched requests.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use percent_encoding::percent_decode_str;
use serde_json::Value;

use super::pages::Pages;
use super::{Reply, State};
use crate::{Pagination, Request};

/// The request an expectation matches, as the client sends it.
#[derive(Debug)]
pub(crate) struct Expected {
    method: String,
    template: &'static str,
    path: String,
    /// Decoded `name=value` pairs, sorted.
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: Option<ExpectedBody>,
    /// Paging parameters, not matched: query names, body fields.
    skip_query: Vec<String>,
    skip_body: Vec<String>,
}

#[derive(Debug)]
enum ExpectedBody {
    Json(Value),
    Bytes(Vec<u8>),
    Multipart,
}

fn decode(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

impl Expected {
    pub(crate) fn new(request: Request, headers: Vec<(String, String)>, pagination: Option<&Pagination>) -> Expected {
        let mut ignored = Vec::new();
        if let Some(p) = pagination {
            ignored.push(p.param.to_string());
            ignored.extend(p.limit.map(str::to_string));
            ignored.extend(p.token.map(|t| t.param.to_string()));
        }
        let in_body = pagination.is_some_and(|p| p.in_body);
        let mut query: Vec<(String, String)> = request
            .query
            .iter()
            .map(|(k, v)| (decode(k), decode(v)))
            .filter(|(k, _)| in_body || !ignored.contains(k))
            .collect();
        query.sort();
        let mut all_headers: Vec<(String, String)> =
            request.headers.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.clone())).collect();
        all_headers.extend(headers.into_iter().map(|(k, v)| (k.to_ascii_lowercase(), v)));
        let body = if request.multipart.is_some() {
            Some(ExpectedBody::Multipart)
        } else {
            request.body.as_ref().map(|b| {
                if b.content_type.contains("json") {
                    match serde_json::from_slice::<Value>(&b.bytes) {
                        Ok(mut v) => {
                            if in_body {
                                if let Some(map) = v.as_object_mut() {
                                    for name in &ignored {
                                        map.remove(name);
                                    }
                                }
                            }
                            ExpectedBody::Json(v)
                        }
                        Err(_) => ExpectedBody::Bytes(b.bytes.to_vec()),
                    }
                } else {
                    ExpectedBody::Bytes(b.bytes.to_vec())
                }
            })
        };
        Expected {
            method: request.method.as_str().to_string(),
            template: request.template,
            path: decode(&request.path),
            query,
            headers: all_headers,
            body,
            skip_query: if in_body { Vec::new() } else { ignored.clone() },
            skip_body: if in_body { ignored } else { Vec::new() },
        }
    }

    /// `GET /path?query` and the body, for messages.
    pub(crate) fn summary(&self) -> String {
        let mut s = format!("{} {}", self.method, self.path);
        if !self.query.is_empty() {
            let q: Vec<String> = self.query.iter().map(|(k, v)| format!("{k}={v}")).collect();
            s.push('?');
            s.push_str(&q.join("&"));
        }
        s.push_str(&format!(" (`{}`)", self.template));
        match &self.body {
            Some(ExpectedBody::Json(v)) => s.push_str(&format!(" body {v}")),
            Some(ExpectedBody::Bytes(b)) => s.push_str(&format!(" body of {} bytes", b.len())),
            Some(ExpectedBody::Multipart) => s.push_str(" multipart body"),
            None => {}
        }
        s
    }

    /// Why `request` is not this one; `None` when it is.
    pub(crate) fn mismatch(&self, request: &wiremock::Request) -> Option<String> {
        if request.method.as_str() != self.method {
            return Some(format!("method {} instead of {}", request.method, self.method));
        }
        let path = decode(request.url.path());
        if path != self.path {
            return Some(format!("path {path} instead of {}", self.path));
        }
        let mut query: Vec<(String, String)> = request
            .url
            .query()
            .unwrap_or("")
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                (decode(k), decode(v))
            })
            .filter(|(k, _)| !self.skip_query.contains(k))
            .collect();
        query.sort();
        if query != self.query {
            let sent: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let want: Vec<String> = self.query.iter().map(|(k, v)| format!("{k}={v}")).collect();
            return Some(format!("query [{}] instead of [{}]", sent.join("&"), want.join("&")));
        }
        for (name, value) in &self.headers {
            let sent = request.headers.get(name.as_str()).and_then(|v| v.to_str().ok());
            if sent != Some(value.as_str()) {
                return Some(match sent {
                    Some(s) => format!("header {name}: {s} instead of {value}"),
                    None => format!("header {name} missing (expected {value})"),
                });
            }
        }
        match &self.body {
            None => None,
            Some(ExpectedBody::Json(want)) => match serde_json::from_slice::<Value>(&request.body) {
                Ok(mut sent) => {
                    if let Some(map) = sent.as_object_mut() {
                        for name in &self.skip_body {
                            map.remove(name);
                        }
                    }
                    (sent != *want).then(|| format!("body {sent} instead of {want}"))
                }
                Err(_) => Some(format!("body is not JSON: {}", String::from_utf8_lossy(&request.body))),
            },
            Some(ExpectedBody::Bytes(want)) => (request.body != *want)
                .then(|| format!("body of {} bytes differs from the {} expected", request.body.len(), want.len())),
            Some(ExpectedBody::Multipart) => {
                let ct = request.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
                (!ct.starts_with("multipart/form-data"))
                    .then(|| format!("content type {ct:?}, not multipart/form-data"))
            }
        }
    }
}

/// An expectation's matcher.
pub(crate) struct Matcher(pub(crate) Arc<Expected>);

impl wiremock::Match for Matcher {
    fn matches(&self, request: &wiremock::Request) -> bool {
        self.0.mismatch(request).is_none()
    }
}

/// A request as one line: method, path and query, and the body.
pub(crate) fn describe(request: &wiremock::Request) -> String {
    let mut s = format!("{} {}", request.method, request.url.path());
    if let Some(q) = request.url.query() {
        s.push('?');
        s.push_str(&decode(q));
    }
    if !request.body.is_empty() {
        match std::str::from_utf8(&request.body) {
            Ok(text) if text.len() <= 2000 => s.push_str(&format!(" body {text}")),
            _ => s.push_str(&format!(" body of {} bytes", request.body.len())),
        }
    }
    s
}

/// An expectation's answer.
pub(crate) enum Answer {
    Reply(Reply),
    Pages(Arc<Pages>),
}

/// Answers the requests of one expectation, counting them.
pub(crate) struct Responder {
    pub(crate) answer: Answer,
    pub(crate) calls: Arc<AtomicU64>,
    pub(crate) delay: Option<Duration>,
}

impl wiremock::Respond for Responder {
    fn respond(&self, request: &wiremock::Request) -> wiremock::ResponseTemplate {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let template = match &self.answer {
            Answer::Reply(reply) => reply.template(),
            Answer::Pages(pages) => pages.page(request).template(),
        };
        match self.delay {
            Some(d) => template.set_delay(d),
            None => template,
        }
    }
}

/// Answers a request no expectation matched with 404, and remembers it.
pub(crate) struct Unmatched(pub(crate) Arc<State>);

impl wiremock::Respond for Unmatched {
    fn respond(&self, request: &wiremock::Request) -> wiremock::ResponseTemplate {
        self.0.unmatched.lock().unwrap_or_else(|e| e.into_inner()).push(request.clone());
        wiremock::ResponseTemplate::new(404)
            .set_body_raw(format!("no expectation of the mock server matched {}", describe(request)), "text/plain")
    }
}
