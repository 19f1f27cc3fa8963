//! One expectation: the request an operation sends, how often, and the answer.

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Duration;

use super::matching::{Answer, Expected, Matcher, Responder};
use super::pages::Pages;
use super::{MockOperation, MockPaged, MockServer, Mounted, Reply, Times};

/// An expected call of one operation, made by the generated mock server's
/// method of that operation: set optional parameters with
/// [`with`](Self::with), the answer ([`returns`](Self::returns),
/// [`fails`](Self::fails), [`example`](Self::example),
/// [`status`](Self::status), [`pages`](Self::pages)) and the count
/// ([`times`](Self::times)), then `.await` it to mount it.
///
/// Without an answer, the spec's example is sent (or the success status
/// alone). Without a count, the operation must be called at least once. Several
/// expectations of one request answer in the order they were mounted, each
/// while its count lasts: `status(503).times(1)` then `returns(x)` is a
/// failure followed by a success.
#[must_use = "an expectation is mounted by `.await`"]
pub struct Expect<'a, B: MockOperation> {
    server: &'a MockServer,
    builder: B,
    name: &'static str,
    example: Option<&'static str>,
    answer: Option<Answer>,
    times: Times,
    headers: Vec<(String, String)>,
    delay: Option<Duration>,
}

impl<B: MockOperation> std::fmt::Debug for Expect<'_, B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Expect").field("operation", &self.name).field("times", &self.times).finish_non_exhaustive()
    }
}

impl<'a, B: MockOperation> Expect<'a, B> {
    pub(crate) fn new(server: &'a MockServer, builder: B, name: &'static str, example: Option<&'static str>) -> Self {
        Expect {
            server,
            builder,
            name,
            example,
            answer: None,
            times: Times::AtLeastOnce,
            headers: Vec::new(),
            delay: None,
        }
    }

    /// Sets the optional parameters the call must carry, with the
    /// builder's own setters: `.with(|b| b.fetch_properties(true))`.
    pub fn with(mut self, set: impl FnOnce(B) -> B) -> Self {
        self.builder = set(self.builder);
        self
    }

    /// The call must also carry this header (an `Authorization` the token
    /// endpoint issued, say).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Answers with this success value, with the status the spec declares for it.
    pub fn returns(mut self, value: B::Ok) -> Self {
        self.answer = Some(Answer::Reply(B::ok_reply(&value)));
        self
    }

    /// Answers with this declared error, with its status.
    pub fn fails(mut self, error: B::Err) -> Self {
        self.answer = Some(Answer::Reply(B::err_reply(&error)));
        self
    }

    /// Answers with the spec's example of the success body.
    ///
    /// # Panics
    ///
    /// When the spec has no example for this operation.
    pub fn example(mut self) -> Self {
        let example = self.example.unwrap_or_else(|| {
            panic!("`{}` has no example of its success body in the spec", self.server.operation_name(self.name))
        });
        let mut reply = Reply::empty(B::ok_status());
        reply.content_type = Some("application/json");
        reply.body = example.as_bytes().to_vec();
        self.answer = Some(Answer::Reply(reply));
        self
    }

    /// Whether the spec has an example of the success body.
    pub fn has_example(&self) -> bool {
        self.example.is_some()
    }

    /// Answers with this status and no body (a 429 or 503, with
    /// [`retry_after`](Self::retry_after)).
    pub fn status(mut self, status: u16) -> Self {
        self.answer = Some(Answer::Reply(Reply::empty(status)));
        self
    }

    /// Adds `Retry-After: <seconds>` to the answer.
    pub fn retry_after(mut self, seconds: u64) -> Self {
        if let Some(Answer::Reply(reply)) = self.answer.take() {
            self.answer = Some(Answer::Reply(reply.header("Retry-After", seconds.to_string())));
        } else {
            panic!("`retry_after` follows the answer it is added to (`status(429)`)");
        }
        self
    }

    /// Answers with this response as it is.
    pub fn reply(mut self, reply: Reply) -> Self {
        self.answer = Some(Answer::Reply(reply));
        self
    }

    /// Waits this long before answering (a timeout).
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = Some(delay);
        self
    }

    /// The call must arrive exactly `n` times; after the `n`-th, the next
    /// expectation of the same request answers.
    pub fn times(mut self, n: u64) -> Self {
        self.times = Times::Exactly(n);
        self
    }

    /// The call may arrive any number of times, none included.
    pub fn any_times(mut self) -> Self {
        self.times = Times::Any;
        self
    }

    /// Mounts the expectation.
    pub async fn mount(self) {
        // No answer set: the spec's example, else the success status alone.
        let this = if self.answer.is_some() {
            self
        } else if self.example.is_some() {
            self.example()
        } else {
            let status = B::ok_status();
            self.status(status)
        };
        let Expect { server, builder, name, answer, times, headers, delay, .. } = this;
        let operation = server.operation_name(name);
        let answer = answer.expect("an answer is set above");
        let pagination = match &answer {
            Answer::Pages(_) => B::pagination(),
            Answer::Reply(_) => None,
        };
        let expected = Arc::new(Expected::new(builder.mock_request(), headers, pagination.as_ref()));
        let calls = Arc::new(AtomicU64::new(0));
        let responder = Responder { answer, calls: calls.clone(), delay };
        let mut mock =
            wiremock::Mock::given(Matcher(expected.clone())).respond_with(responder).named(operation.clone());
        if let Times::Exactly(n) = times {
            mock = mock.up_to_n_times(n);
        }
        mock.mount(server.wiremock()).await;
        server.state().mounted.lock().unwrap_or_else(|e| e.into_inner()).push(Mounted {
            operation,
            expected,
            times,
            calls,
        });
    }
}

impl<B: MockPaged> Expect<'_, B> {
    /// Serves `items` as pages of `page_size` (or of the page size the
    /// request sends), in the operation's own style: offsets, page numbers,
    /// cursors, or page numbers that give way to a page token. Every page
    /// request counts as a call; the paging parameters are not matched.
    pub fn pages(mut self, items: Vec<B::Item>, page_size: usize) -> Self {
        let pagination = B::pagination().expect("a paginated operation declares its pagination");
        let items = items.iter().map(|i| serde_json::to_value(i).expect("a page item serializes to JSON")).collect();
        self.answer = Some(Answer::Pages(Arc::new(Pages::new(pagination, items, page_size))));
        self
    }
}

impl<'a, B: MockOperation + Send + 'a> IntoFuture for Expect<'a, B> {
    type Output = ();
    type IntoFuture = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.mount())
    }
}
