//! The test kit for code built on the generated clients (feature
//! `testing`): a mock server per generated module with a typed method per
//! operation (`<module>::testing::MockServer`), pages served in the
//! operation's own style, a fake OAuth2 token endpoint ([`TokenServer`]),
//! and, with `webhooks`, deliveries a receiver accepts
//! ([`DeliverySigner`], `<module>::testing::TestWebhook`).
//!
//! The mock server runs on loopback (`wiremock`). An expectation matches
//! the request the client itself would send for the parameters given:
//! method, path, every query parameter (no more, no fewer), the headers the
//! operation sets and the body (JSON compared as values). Dropping the
//! server checks every expectation's count and that no request went
//! unmatched; a failure names the operation and lists what arrived, with
//! why each request did not match.

mod expect;
mod matching;
mod pages;
mod token;

#[cfg(feature = "webhooks")]
mod delivery;

use std::fmt;
use std::sync::{Arc, Mutex};

use serde::Serialize;

pub use expect::Expect;
pub use token::{TokenFailure, TokenServer, TokenServerBuilder};

#[cfg(feature = "webhooks")]
pub use delivery::{DeliverySigner, TestDelivery, TEST_SECRET};

use crate::{Pagination, Request};
use matching::{describe, Expected};

/// One operation as the kit sees it; implemented for every request builder
/// by the generated code (through `operation!`).
pub trait MockOperation: Sized {
    /// The success type.
    type Ok;
    /// The declared error type.
    type Err;
    /// The request this builder sends.
    fn mock_request(&self) -> Request;
    /// `value` as the response that decodes into it.
    fn ok_reply(value: &Self::Ok) -> Reply;
    /// `error` as the response that decodes into it.
    fn err_reply(error: &Self::Err) -> Reply;
    /// The status of the first declared success (what an example is sent with).
    fn ok_status() -> u16;
    /// How the operation pages, if it does.
    fn pagination() -> Option<Pagination> {
        None
    }
}

/// A paginated operation: the type of its items.
pub trait MockPaged: MockOperation {
    /// One item of a page.
    type Item: Serialize;
}

/// A response: status, content type and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub(crate) status: u16,
    pub(crate) content_type: Option<&'static str>,
    pub(crate) body: Vec<u8>,
    pub(crate) headers: Vec<(String, String)>,
}

impl Reply {
    /// `value` as JSON.
    pub fn json<T: Serialize + ?Sized>(status: u16, value: &T) -> Reply {
        let body = serde_json::to_vec(value).expect("a mock response body serializes to JSON");
        Reply { status, content_type: Some("application/json"), body, headers: Vec::new() }
    }

    /// A text body.
    pub fn text(status: u16, text: impl AsRef<str>) -> Reply {
        Reply {
            status,
            content_type: Some("text/plain; charset=utf-8"),
            body: text.as_ref().as_bytes().to_vec(),
            headers: Vec::new(),
        }
    }

    /// A binary body.
    pub fn bytes(status: u16, bytes: impl AsRef<[u8]>) -> Reply {
        Reply {
            status,
            content_type: Some("application/octet-stream"),
            body: bytes.as_ref().to_vec(),
            headers: Vec::new(),
        }
    }

    /// No body.
    pub fn empty(status: u16) -> Reply {
        Reply { status, content_type: None, body: Vec::new(), headers: Vec::new() }
    }

    /// The same response with one more header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    pub(crate) fn template(&self) -> wiremock::ResponseTemplate {
        let mut t = wiremock::ResponseTemplate::new(self.status);
        for (k, v) in &self.headers {
            t = t.insert_header(k.as_str(), v.as_str());
        }
        match self.content_type {
            Some(ct) => t.set_body_raw(self.body.clone(), ct),
            None => t,
        }
    }
}

/// The first status from `from` on (then from 100) that `matches`: the
/// status a response-table arm is answered with.
#[doc(hidden)]
pub fn status_matching(matches: impl Fn(u16) -> bool, from: u16) -> u16 {
    (from..600).chain(100..from).find(|s| matches(*s)).unwrap_or(from)
}

/// How many calls an expectation wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Times {
    AtLeastOnce,
    Exactly(u64),
    Any,
}

impl Times {
    fn met(self, calls: u64) -> bool {
        match self {
            Times::AtLeastOnce => calls >= 1,
            Times::Exactly(n) => calls == n,
            Times::Any => true,
        }
    }
}

impl fmt::Display for Times {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Times::AtLeastOnce => f.write_str("at least one call"),
            Times::Exactly(1) => f.write_str("exactly 1 call"),
            Times::Exactly(n) => write!(f, "exactly {n} calls"),
            Times::Any => f.write_str("any number of calls"),
        }
    }
}

/// What the server remembers of a mounted expectation.
pub(crate) struct Mounted {
    pub(crate) operation: String,
    pub(crate) expected: Arc<Expected>,
    pub(crate) times: Times,
    pub(crate) calls: Arc<std::sync::atomic::AtomicU64>,
}

#[derive(Default)]
pub(crate) struct State {
    pub(crate) mounted: Mutex<Vec<Mounted>>,
    /// Requests no expectation matched, described.
    pub(crate) unmatched: Mutex<Vec<wiremock::Request>>,
}

/// The mock server behind each generated `testing::MockServer`: a wiremock
/// server on loopback, the expectations mounted on it, and the requests
/// none of them matched. Dropping it checks them (see [`verify`](Self::verify)).
pub struct MockServer {
    server: wiremock::MockServer,
    module: &'static str,
    state: Arc<State>,
    /// A failed [`check`](MockServer::check) was returned to the caller:
    /// dropping the server does not report it again.
    reported: std::sync::atomic::AtomicBool,
}

impl fmt::Debug for MockServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockServer").field("uri", &self.server.uri()).field("module", &self.module).finish()
    }
}

impl MockServer {
    /// Starts a server on a loopback port, for the generated module `module`
    /// (named in failure messages).
    pub async fn start(module: &'static str) -> MockServer {
        let server = wiremock::MockServer::start().await;
        let state = Arc::new(State::default());
        // Answers what no expectation matched, and remembers it.
        wiremock::Mock::given(wiremock::matchers::any())
            .respond_with(matching::Unmatched(state.clone()))
            .with_priority(u8::MAX)
            .mount(&server)
            .await;
        MockServer {
            server,
            module: module.trim_end_matches("::testing"),
            state,
            reported: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// The base URL (`http://127.0.0.1:PORT`).
    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// Every request received, in order.
    pub async fn received_requests(&self) -> Vec<wiremock::Request> {
        self.server.received_requests().await.unwrap_or_default()
    }

    /// An expectation of the operation `builder` sends (`name` is its client
    /// method), to be given an answer and mounted.
    pub fn expect<B: MockOperation>(
        &self,
        builder: B,
        name: &'static str,
        example: Option<&'static str>,
    ) -> Expect<'_, B> {
        Expect::new(self, builder, name, example)
    }

    /// Answers 401 (`WWW-Authenticate: Bearer error="invalid_token"`), as
    /// the API does, to every request whose bearer token `tokens` did not
    /// issue or has revoked ([`TokenServer::revoke_access_tokens`]), before
    /// any expectation sees it. A client with `tokens.oauth2()` then
    /// refreshes and sends the request again.
    pub async fn require_tokens_from(&self, tokens: &TokenServer) {
        let answer =
            wiremock::ResponseTemplate::new(401).insert_header("www-authenticate", r#"Bearer error="invalid_token""#);
        wiremock::Mock::given(token::Unauthorized(tokens.shared()))
            .respond_with(answer)
            .with_priority(1)
            .named("an access token the token server did not issue or has revoked")
            .mount(&self.server)
            .await;
    }

    pub(crate) fn wiremock(&self) -> &wiremock::MockServer {
        &self.server
    }

    pub(crate) fn state(&self) -> &Arc<State> {
        &self.state
    }

    pub(crate) fn operation_name(&self, name: &str) -> String {
        format!("{}::{name}", self.module)
    }

    /// Checks every expectation mounted so far: each was called as often
    /// as it asked, and no request went unmatched. The message names each
    /// operation that failed, what it expected, and every request that
    /// arrived with why it did not match. A failure returned here is not
    /// reported again when the server is dropped.
    pub fn check(&self) -> Result<(), String> {
        let result = self.problems();
        if result.is_err() {
            self.reported.store(true, std::sync::atomic::Ordering::SeqCst);
        }
        result
    }

    fn problems(&self) -> Result<(), String> {
        let mounted = self.state.mounted.lock().unwrap_or_else(|e| e.into_inner());
        let unmatched = self.state.unmatched.lock().unwrap_or_else(|e| e.into_inner());
        let mut problems = Vec::new();
        for m in mounted.iter() {
            let calls = m.calls.load(std::sync::atomic::Ordering::SeqCst);
            if !m.times.met(calls) {
                let mut text = format!(
                    "`{}` expected {} but was called {calls} time{}\n    expected: {}",
                    m.operation,
                    m.times,
                    if calls == 1 { "" } else { "s" },
                    m.expected.summary()
                );
                if unmatched.is_empty() {
                    text.push_str("\n    no other request arrived");
                } else {
                    text.push_str("\n    requests that arrived instead:");
                    for r in unmatched.iter() {
                        let why = m
                            .expected
                            .mismatch(r)
                            .unwrap_or_else(|| "matches (but a later expectation's count was spent)".into());
                        text.push_str(&format!("\n    - {}\n      {why}", describe(r)));
                    }
                }
                problems.push(text);
            }
        }
        if !unmatched.is_empty() && problems.is_empty() {
            let mut text = String::from("requests no expectation matched:");
            for r in unmatched.iter() {
                text.push_str(&format!("\n    - {}", describe(r)));
                for m in mounted.iter() {
                    if let Some(why) = m.expected.mismatch(r) {
                        text.push_str(&format!("\n      not `{}`: {why}", m.operation));
                    }
                }
            }
            problems.push(text);
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!("mock server of {}:\n  {}", self.module, problems.join("\n  ")))
        }
    }

    /// Panics with the message of [`check`](Self::check) if it fails.
    pub fn verify(&self) {
        if let Err(message) = self.problems() {
            panic!("{message}");
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        if !std::thread::panicking() && !self.reported.load(std::sync::atomic::Ordering::SeqCst) {
            self.verify();
        }
    }
}
