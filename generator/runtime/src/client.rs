//! The client shared by generated modules: configuration, credentials, and
//! sending a request with timeouts, retries, rate limits, hooks, a body
//! limit and a tracing span.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderName, HeaderValue, CONTENT_TYPE, COOKIE};
use tracing::Instrument;

use super::auth::{rebase, Authorization, AuthorizeError, BindContext, Credential};
use super::body::{read_limited, Download, DEFAULT_BODY_LIMIT};
use super::error::{Error, NoErrorBody};
use super::hooks::{Attempt, Hook};
use super::options::RequestOptions;
use super::ratelimit::{Limiter, MemoryRateLimiter, Permit, RateLimit, RateLimitBackend, SharedBackend, Waited};
use super::request::{push_encoded, Request};
use super::response::{RawResponse, Response};
use super::retry::RetryPolicy;

/// A generated API client: built from the runtime client.
pub trait ApiClient {
    /// Wraps the runtime client.
    fn from_runtime(client: Client) -> Self;
}

/// What a generated request builder's `send()` (and `.await` on the
/// builder) gives: the response decoded into the operation's types.
pub type Pending<T, E> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<Response<T>, Error<E>>> + Send + 'static>>;

/// The shared, cheaply cloned HTTP client of one API. Clones share the
/// connection pool, credentials, hooks and rate limiter.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
    options: Arc<RequestOptions>,
}

struct Inner {
    http: reqwest::Client,
    base_url: String,
    credentials: Vec<(&'static str, Credential)>,
    retry: RetryPolicy,
    timeout: Option<Duration>,
    body_limit: Option<u64>,
    hooks: Vec<Arc<dyn Hook>>,
    limiter: Option<Limiter>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("credentials", &self.inner.credentials)
            .field("retry", &self.inner.retry)
            .field("timeout", &self.inner.timeout)
            .field("body_limit", &self.inner.body_limit)
            .field("hooks", &self.inner.hooks.len())
            .field("limiter", &self.inner.limiter)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// Why a client could not be built.
#[derive(Debug)]
pub enum BuildError {
    /// The base URL (after filling server variables) does not parse.
    InvalidBaseUrl {
        /// The URL as built.
        url: String,
        /// Why it does not parse.
        message: String,
    },
    /// The HTTP client could not be created (TLS backend).
    Http(reqwest::Error),
    /// A credential cannot be used (no token URL for the chosen data centre).
    Credential {
        /// The security scheme.
        scheme: &'static str,
        /// What is wrong.
        message: String,
    },
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::InvalidBaseUrl { url, message } => write!(f, "invalid base URL `{url}`: {message}"),
            BuildError::Http(e) => write!(f, "cannot create the HTTP client: {e}"),
            BuildError::Credential { scheme, message } => write!(f, "security scheme `{scheme}`: {message}"),
        }
    }
}

impl std::error::Error for BuildError {}

/// Configures a client. Generated modules add their credential and server
/// variable methods to `ClientBuilder<TheirClient>`.
///
/// Only the type the builder makes depends on `C`: the configuration and
/// the work of [`build`](ClientBuilder::build) are in a non-generic
/// private `Config`, compiled once in this crate rather than in every generated
/// crate that names its own client.
pub struct ClientBuilder<C> {
    config: Config,
    _client: PhantomData<fn() -> C>,
}

/// What a [`ClientBuilder`] holds, whatever client it makes.
struct Config {
    url_template: &'static str,
    variables: Vec<(&'static str, String)>,
    base_url: Option<String>,
    credentials: Vec<(&'static str, Credential)>,
    retry: RetryPolicy,
    timeout: Option<Duration>,
    body_limit: Option<u64>,
    hooks: Vec<Arc<dyn Hook>>,
    rate_limit: Option<RateLimit>,
    rate_limiter: Option<SharedBackend>,
    rate_limit_key: Option<String>,
    user_agent: String,
    http: Option<reqwest::Client>,
}

impl<C> fmt::Debug for ClientBuilder<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.config;
        f.debug_struct("ClientBuilder")
            .field("url_template", &c.url_template)
            .field("variables", &c.variables)
            .field("base_url", &c.base_url)
            .field("credentials", &c.credentials)
            .field("retry", &c.retry)
            .field("timeout", &c.timeout)
            .field("body_limit", &c.body_limit)
            .field("hooks", &c.hooks.len())
            .field("rate_limit", &c.rate_limit)
            .field("rate_limiter", &c.rate_limiter)
            .field("rate_limit_key", &c.rate_limit_key)
            .finish_non_exhaustive()
    }
}

impl<C: ApiClient> ClientBuilder<C> {
    /// A builder for a server URL template with its variables' defaults.
    pub fn new(url_template: &'static str, defaults: &[(&'static str, &'static str)]) -> Self {
        ClientBuilder { config: Config::new(url_template, defaults), _client: PhantomData }
    }

    /// Overrides the base URL entirely (a proxy, a test server).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.config.base_url = Some(url.into());
        self
    }

    /// Sets a variable of the server URL template.
    pub fn server_variable(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.config.server_variable(name, value.into());
        self
    }

    /// Sets the credential of a security scheme (generated methods call this).
    pub fn credential(mut self, scheme: &'static str, credential: Credential) -> Self {
        self.config.credential(scheme, credential);
        self
    }

    /// Per-attempt timeout (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.config.timeout = Some(timeout);
        self
    }

    /// No timeout at all.
    pub fn no_timeout(mut self) -> Self {
        self.config.timeout = None;
        self
    }

    /// When and how often failed requests are sent again.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.config.retry = policy;
        self
    }

    /// The largest response body read into memory, in bytes (default
    /// 32 MiB); a larger one is refused with [`Error::BodyTooLarge`].
    /// Downloads streamed with `send_streaming` are not bounded.
    pub fn body_limit(mut self, bytes: u64) -> Self {
        self.config.body_limit = Some(bytes);
        self
    }

    /// No body limit at all (only for servers you trust).
    pub fn no_body_limit(mut self) -> Self {
        self.config.body_limit = None;
        self
    }

    /// Adds a hook that sees every attempt of every request, retries
    /// included. Hooks run in the order they were added.
    pub fn hook(mut self, hook: impl Hook) -> Self {
        self.config.hooks.push(Arc::new(hook));
        self
    }

    /// Keeps these rate limits, in place of any set before (generated
    /// `builder()`s set the limits the spec publishes).
    pub fn rate_limit(mut self, limits: RateLimit) -> Self {
        self.config.rate_limit = Some(limits);
        self
    }

    /// Keeps no client-side rate limits (the server's `429`s are still
    /// retried as the retry policy allows).
    pub fn no_rate_limit(mut self) -> Self {
        self.config.rate_limit = None;
        self
    }

    /// Keeps the rate limits in `backend`, shared with every client (in
    /// this process or another) that uses the same backend, API and
    /// [rate-limit key](Self::rate_limit_key). The limits themselves stay
    /// those of [`rate_limit`](Self::rate_limit) (the spec's by default).
    /// A `429` with `Retry-After`, or a response saying the window is used
    /// up, then holds back the requests of all of them.
    ///
    /// Without this call, each client built keeps its limits in a
    /// [`MemoryRateLimiter`] of its own, shared by its clones only.
    ///
    /// ```no_run
    /// # #[cfg(feature = "redis")]
    /// # async fn f() -> Result<(), Box<dyn std::error::Error>> {
    /// # struct Api;
    /// # impl crmgen_runtime::ApiClient for Api { fn from_runtime(_: crmgen_runtime::Client) -> Self { Api } }
    /// use crmgen_runtime::{ClientBuilder, RedisRateLimiter};
    ///
    /// let limiter = RedisRateLimiter::connect("redis://127.0.0.1/").await?;
    /// let client = ClientBuilder::<Api>::new("https://api.example.com", &[])
    ///     .rate_limiter(limiter.clone())
    ///     .rate_limit_key("location-123")
    ///     .build()?;
    /// # let _ = client; Ok(()) }
    /// ```
    pub fn rate_limiter(mut self, backend: impl RateLimitBackend) -> Self {
        self.config.rate_limiter = Some(Arc::new(backend));
        self
    }

    /// The account the rate limits count against: clients with different
    /// keys keep separate buckets, pauses and concurrency caps in the same
    /// backend (one per HighLevel location or company, say). Buckets are
    /// also kept apart per API (its server URL). Without a key, every
    /// client of one API on one backend shares one bucket.
    pub fn rate_limit_key(mut self, key: impl Into<String>) -> Self {
        self.config.rate_limit_key = Some(key.into());
        self
    }

    /// The `User-Agent` header of every request.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.config.user_agent = user_agent.into();
        self
    }

    /// Uses this `reqwest::Client` (its own settings apply; the user agent
    /// set here is then not used). The default client follows redirects
    /// within the request's origin only, so that credentials never follow
    /// a redirect elsewhere; a client given here follows its own policy.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.config.http = Some(client);
        self
    }

    /// Checks the configuration and makes the client.
    pub fn build(self) -> Result<C, BuildError> {
        self.config.build().map(C::from_runtime)
    }
}

impl Config {
    fn new(url_template: &'static str, defaults: &[(&'static str, &'static str)]) -> Config {
        Config {
            url_template,
            variables: defaults.iter().map(|(k, v)| (*k, v.to_string())).collect(),
            base_url: None,
            credentials: Vec::new(),
            retry: RetryPolicy::default(),
            timeout: Some(Duration::from_secs(30)),
            body_limit: Some(DEFAULT_BODY_LIMIT),
            hooks: Vec::new(),
            rate_limit: None,
            rate_limiter: None,
            rate_limit_key: None,
            user_agent: concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION")).to_string(),
            http: None,
        }
    }

    fn server_variable(&mut self, name: &'static str, value: String) {
        match self.variables.iter_mut().find(|(k, _)| *k == name) {
            Some(slot) => slot.1 = value,
            None => self.variables.push((name, value)),
        }
    }

    fn credential(&mut self, scheme: &'static str, credential: Credential) {
        self.credentials.retain(|(k, _)| *k != scheme);
        self.credentials.push((scheme, credential));
    }

    fn build(self) -> Result<Client, BuildError> {
        let mut url = self.base_url.clone().unwrap_or_else(|| {
            let mut url = self.url_template.to_string();
            for (k, v) in &self.variables {
                url = url.replace(&format!("{{{k}}}"), v);
            }
            url
        });
        reqwest::Url::parse(&url)
            .map_err(|e| BuildError::InvalidBaseUrl { url: url.clone(), message: e.to_string() })?;
        while url.ends_with('/') {
            url.pop();
        }
        let http = match self.http {
            Some(http) => http,
            None => reqwest::Client::builder()
                .user_agent(&self.user_agent)
                .redirect(same_origin_redirects())
                .build()
                .map_err(BuildError::Http)?,
        };
        // OAuth 2.0 credentials learn their token URL (it may follow a server
        // variable); tokens name the API domain unless the base URL was set.
        let mut spec_url = self.url_template.to_string();
        for (k, v) in &self.variables {
            spec_url = spec_url.replace(&format!("{{{k}}}"), v);
        }
        let bind = BindContext {
            variables: &self.variables,
            timeout: self.timeout,
            user_agent: &self.user_agent,
            spec_url: &spec_url,
            base_url: self.base_url.as_deref(),
        };
        let follow_api_domain = self.base_url.is_none();
        let credentials = self
            .credentials
            .into_iter()
            .map(|(scheme, c)| {
                let c =
                    c.bind(&bind, follow_api_domain).map_err(|message| BuildError::Credential { scheme, message })?;
                Ok((scheme, c))
            })
            .collect::<Result<Vec<_>, BuildError>>()?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base_url: url,
                credentials,
                retry: self.retry,
                timeout: self.timeout,
                body_limit: self.body_limit,
                hooks: self.hooks,
                limiter: self.rate_limit.as_ref().map(|limits| {
                    let backend = self.rate_limiter.unwrap_or_else(|| Arc::new(MemoryRateLimiter::new()));
                    let key = self.rate_limit_key.as_deref().unwrap_or("default");
                    Limiter::new(limits, backend, &format!("{}|{key}", self.url_template))
                }),
            }),
            options: Arc::default(),
        })
    }
}

/// Redirects are followed within the origin of the request only (at most
/// ten): a redirect to another origin is the answer, so that no credential
/// (an API key header, a query key, a bearer token) goes where the API did
/// not send it. reqwest on its own drops only `Authorization` and cookies
/// when the host changes.
fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let same = attempt.previous().first().is_some_and(|first| first.origin() == attempt.url().origin());
        if attempt.previous().len() > 10 {
            attempt.error("more than ten redirects")
        } else if same {
            attempt.follow()
        } else {
            attempt.stop()
        }
    })
}

impl Client {
    /// The base URL requests are sent to.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The retry policy in force (the client's, or the options').
    pub fn retry_policy(&self) -> &RetryPolicy {
        self.options.retry.as_ref().unwrap_or(&self.inner.retry)
    }

    /// A clone whose requests use these options on top of this client's
    /// (later options win). Cheap: the clone shares the connection pool,
    /// credentials, hooks and rate limiter.
    pub fn with_options(&self, options: RequestOptions) -> Client {
        Client { inner: self.inner.clone(), options: Arc::new(self.options.merged(options)) }
    }

    /// The per-request options in force.
    pub fn options(&self) -> &RequestOptions {
        &self.options
    }

    fn timeout(&self) -> Option<Duration> {
        self.options.timeout.unwrap_or(self.inner.timeout)
    }

    fn body_limit(&self) -> Option<u64> {
        self.options.body_limit.unwrap_or(self.inner.body_limit)
    }

    fn url(&self, request: &Request, auth: &Authorization) -> String {
        let rebased = auth.api_domain.as_deref().and_then(|domain| rebase(&self.inner.base_url, domain));
        let base = rebased.as_deref().unwrap_or(&self.inner.base_url);
        let mut url = String::with_capacity(base.len() + request.path.len() + 32);
        url.push_str(base);
        url.push_str(&request.path);
        let mut sep = '?';
        for (k, v) in &request.query {
            url.push(sep);
            sep = '&';
            url.push_str(k);
            url.push('=');
            url.push_str(v);
        }
        // Credentials in the query, encoded straight into the URL.
        for (k, v) in auth.query() {
            url.push(sep);
            sep = '&';
            push_encoded(&mut url, k);
            url.push('=');
            push_encoded(&mut url, v);
        }
        url
    }

    /// The transport's request for one attempt. Not `async`: the one slow
    /// part, opening a multipart body's files, happens before (`form`), so
    /// the attempt's future does not hold this function's state.
    fn build(
        &self,
        request: &Request,
        auth: &mut Authorization,
        form: Option<reqwest::multipart::Form>,
    ) -> Result<reqwest::Request, Error<NoErrorBody>> {
        let url = reqwest::Url::parse(&self.url(request, auth))
            .map_err(|e| Error::InvalidRequest(format!("bad URL for `{}`: {e}", request.template)))?;
        let mut rb = self.inner.http.request(request.method.clone(), url);
        // What reqwest has to make (basic auth's encoding, a multipart
        // boundary) goes through its builder; the rest is set on the built
        // request, not passed through a builder moved at every step.
        rb = auth.apply_basic(rb);
        if let Some(form) = form {
            rb = rb.multipart(form);
        }
        let mut built = rb.build().map_err(|e| Error::InvalidRequest(e.without_url().to_string()))?;
        *built.timeout_mut() = self.timeout();
        let headers = built.headers_mut();
        for (name, value) in &request.headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|e| Error::InvalidRequest(format!("header name `{name}`: {e}")))?;
            let value =
                HeaderValue::from_str(value).map_err(|e| Error::InvalidRequest(format!("header `{name}`: {e}")))?;
            headers.append(name, value);
        }
        if !request.cookies.is_empty() {
            let cookie = request.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
            let value = HeaderValue::from_str(&cookie).map_err(|e| Error::InvalidRequest(format!("cookie: {e}")))?;
            headers.append(COOKIE, value);
        }
        for (name, value) in &self.options.headers {
            headers.append(name.clone(), value.clone());
        }
        auth.move_headers(headers);
        if let Some(body) = &request.body {
            let content_type = HeaderValue::from_str(body.content_type)
                .map_err(|e| Error::InvalidRequest(format!("content type `{}`: {e}", body.content_type)))?;
            headers.append(CONTENT_TYPE, content_type);
            *built.body_mut() = Some(body.bytes.clone().into());
        }
        Ok(built)
    }

    /// Sends a request and decodes its response with the operation's
    /// `decode` function.
    pub async fn send<T, E>(
        &self,
        request: Request,
        decode: fn(RawResponse) -> Result<Response<T>, Error<E>>,
    ) -> Result<Response<T>, Error<E>> {
        let raw = self.execute(&request).await.map_err(Error::widen)?;
        decode(raw)
    }

    /// [`send`](Self::send) taking the client: the future a generated
    /// builder's `send()` returns. Generic here, so that an operation's
    /// module holds no future of its own to check and compile.
    #[doc(hidden)]
    pub fn send_owned<T: Send + 'static, E: Send + 'static>(
        self,
        request: Request,
        decode: fn(RawResponse) -> Result<Response<T>, Error<E>>,
    ) -> Pending<T, E> {
        // `execute` called here, not through `send`: the boxed future then
        // holds the request once (an async fn keeps its arguments).
        Box::pin(async move {
            let raw = self.execute(&request).await.map_err(Error::widen)?;
            decode(raw)
        })
    }

    /// Sends a request whose success body is streamed to the caller, not
    /// read into memory (no body limit applies). Other statuses are read
    /// within the body limit and decoded by the operation's `decode`.
    pub async fn send_streaming<T, E>(
        &self,
        request: Request,
        decode: fn(RawResponse) -> Result<Response<T>, Error<E>>,
    ) -> Result<Download, Error<E>> {
        let (response, permit) = self.send_attempts(&request).await.map_err(Error::widen)?;
        if response.status().is_success() {
            return Ok(Download::new(response, permit));
        }
        let raw = read_limited(response, self.body_limit()).await.map_err(Error::widen)?;
        drop(permit);
        match decode(raw.clone()) {
            Err(e) => Err(e),
            // A declared non-2xx success cannot be streamed: it is undeclared here.
            Ok(_) => Err(raw.unexpected_error()),
        }
    }

    /// Sends a request with retries; any status comes back as a response.
    /// Not generic: one copy of the transport code serves every operation.
    pub async fn execute(&self, request: &Request) -> Result<RawResponse, Error<NoErrorBody>> {
        let (response, permit) = self.send_attempts(request).await?;
        let raw = read_limited(response, self.body_limit()).await;
        drop(permit);
        raw
    }

    /// Sends attempts until one is not retried, each within the rate limits
    /// and seen by the hooks; the last one's response head comes back with
    /// its place in the concurrency cap.
    async fn send_attempts(&self, request: &Request) -> Result<(reqwest::Response, Permit), Error<NoErrorBody>> {
        if let Some(message) = &request.error {
            return Err(Error::InvalidRequest(message.clone()));
        }
        let policy = self.retry_policy();
        let may_retry = policy.method_allowed(&request.method);
        let started = Instant::now();
        let mut attempt = 0u32;
        let mut reauthorized = false;
        loop {
            attempt += 1;
            let (permit, waited) = match &self.inner.limiter {
                // Boxed, like the token sources: only clients with limits pay for its room.
                Some(limiter) => Box::pin(limiter.acquire(&request.method)).await,
                None => (None, Waited::default()),
            };
            // One span per attempt, made once the limiter let it go (its
            // waits are events in it), so that its time is the exchange's.
            let span = attempt_span(request, attempt);
            waited_events(&span, &waited);
            // The credential step: the current token for each attempt.
            // Token sources are awaited in a boxed future: the common case,
            // fixed credentials, then keeps no room for it in this one.
            let credentials = &self.inner.credentials;
            let resolved = match Authorization::resolve_fixed(credentials, request.security) {
                Some(fixed) => fixed,
                None => Box::pin(Authorization::resolve(credentials, request.security)).instrument(span.clone()).await,
            };
            let mut auth = resolved.map_err(|e| match e {
                AuthorizeError::Auth(e) => Error::Auth(e),
                AuthorizeError::Invalid(message) => Error::InvalidRequest(message),
            })?;
            // Files are opened for each attempt; boxed, as few requests have them.
            let form = match &request.multipart {
                Some(multipart) => Some(Box::pin(multipart.to_form()).await.map_err(Error::InvalidRequest)?),
                None => None,
            };
            // One attempt: the hooks before, the exchange, the hooks after
            // (written inline: the future awaited is the transport's own).
            let info = Attempt { template: request.template, method: &request.method, number: attempt };
            let exchange = {
                // Scoped, so the attempt's future does not keep room for it.
                let mut built = self.build(request, &mut auth, form)?;
                if !span.is_disabled() {
                    record_url(&span, built.url(), &auth);
                }
                for hook in &self.inner.hooks {
                    hook.before_attempt(&info, &mut built);
                }
                self.inner.http.execute(built)
            };
            let sent = Instant::now();
            let outcome = exchange.instrument(span.clone()).await;
            for hook in &self.inner.hooks {
                hook.after_attempt(&info, outcome.as_ref(), sent.elapsed());
            }
            record_outcome(&span, outcome.as_ref());
            if let (Ok(resp), Some(limiter)) = (&outcome, &self.inner.limiter) {
                if let Some(pause) = Box::pin(limiter.observe(resp.status(), resp.headers())).await {
                    tracing::info!(
                        parent: &span,
                        pause_ms = pause.as_millis() as u64,
                        "rate limit: the server asked to hold every request back"
                    );
                }
            }
            // A 401 means the request was not processed: with a renewed
            // token, the same request goes once more (POST included).
            if matches!(&outcome, Ok(resp) if resp.status() == reqwest::StatusCode::UNAUTHORIZED) && !reauthorized {
                reauthorized = true;
                if auth.renew_rejected().instrument(span.clone()).await.map_err(Error::Auth)? {
                    drop(permit);
                    tracing::debug!(parent: &span, "resending with a renewed token");
                    continue;
                }
            }
            let retry_delay = match &outcome {
                Ok(resp) if RetryPolicy::status_retryable(resp.status()) => {
                    Some(policy.delay(attempt, Some(resp.headers())))
                }
                Err(e) if e.is_connect() => Some(policy.delay(attempt, None)),
                _ => None,
            };
            let within_budget = |delay: &std::time::Duration| {
                may_retry && attempt < policy.max_attempts && started.elapsed() + *delay <= policy.max_elapsed
            };
            if let Some(delay) = retry_delay.filter(within_budget) {
                // Free the place in the concurrency cap while waiting.
                drop(permit);
                tracing::debug!(parent: &span, ?delay, "retrying");
                tokio::time::sleep(delay).await;
                continue;
            }
            let resp = outcome.map_err(transport)?;
            return Ok((resp, permit));
        }
    }
}

/// The span of one attempt, named and attributed after OpenTelemetry's
/// semantic conventions for HTTP client spans (schema 1.42, the names of
/// `opentelemetry-semantic-conventions` 0.33, which a test checks): its name is
/// `{method} {url.template}` (in `otel.name`, as tracing's span names are
/// fixed), and it carries `http.request.method`, `url.template`,
/// `server.address`, `server.port`, `url.full` (credentials redacted),
/// `http.request.resend_count` (on resends), `http.response.status_code`
/// and `error.type`.
fn attempt_span(request: &Request, attempt: u32) -> tracing::Span {
    let span = tracing::info_span!(
        "http_request",
        otel.name = tracing::field::Empty,
        otel.kind = "client",
        otel.status_code = tracing::field::Empty,
        http.request.method = %request.method,
        url.template = request.template,
        server.address = tracing::field::Empty,
        server.port = tracing::field::Empty,
        url.full = tracing::field::Empty,
        http.request.resend_count = tracing::field::Empty,
        http.response.status_code = tracing::field::Empty,
        error.type = tracing::field::Empty,
    );
    if !span.is_disabled() {
        span.record("otel.name", format!("{} {}", request.method, request.template));
        if attempt > 1 {
            span.record("http.request.resend_count", attempt - 1);
        }
    }
    span
}

/// The rate limiter's waits before an attempt, as events of its span.
fn waited_events(span: &tracing::Span, waited: &Waited) {
    const NOTABLE: Duration = Duration::from_millis(1);
    if waited.pause >= NOTABLE {
        tracing::info!(
            parent: span,
            wait_ms = waited.pause.as_millis() as u64,
            "rate limit: waited out a pause the server asked for"
        );
    }
    if waited.rules >= NOTABLE {
        tracing::debug!(parent: span, wait_ms = waited.rules.as_millis() as u64, "rate limit: waited for a turn");
    }
    if waited.concurrency >= NOTABLE {
        tracing::debug!(
            parent: span,
            wait_ms = waited.concurrency.as_millis() as u64,
            "rate limit: waited for a place among the requests in flight"
        );
    }
}

/// Query parameters whose values never reach a span, whatever the spec
/// calls them: OpenTelemetry's list (`AWSAccessKeyId`, `Signature`, `sig`,
/// `X-Goog-Signature`) and the usual names of credentials.
const SECRET_QUERY: &[&str] = &[
    "awsaccesskeyid",
    "signature",
    "sig",
    "x-goog-signature",
    "access_token",
    "refresh_token",
    "id_token",
    "token",
    "api_key",
    "apikey",
    "api-key",
    "key",
    "secret",
    "client_secret",
    "password",
    "code",
];

/// `server.address`, `server.port` and `url.full`, the latter with the
/// values of credentials in the query (and of parameters named like
/// credentials) replaced by `REDACTED`, and any user info dropped.
fn record_url(span: &tracing::Span, url: &reqwest::Url, auth: &Authorization) {
    if let Some(host) = url.host_str() {
        span.record("server.address", host);
    }
    if let Some(port) = url.port_or_known_default() {
        span.record("server.port", port);
    }
    let mut full = url.clone();
    if full.query().is_some() {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let secret =
                    auth.query().any(|(name, _)| name == k) || SECRET_QUERY.iter().any(|s| s.eq_ignore_ascii_case(&k));
                (k.into_owned(), if secret { "REDACTED".to_string() } else { v.into_owned() })
            })
            .collect();
        full.query_pairs_mut().clear().extend_pairs(pairs);
    }
    if !full.username().is_empty() || full.password().is_some() {
        let _ = full.set_username("REDACTED");
        let _ = full.set_password(Some("REDACTED"));
    }
    span.record("url.full", full.as_str());
}

/// `http.response.status_code`, and `error.type` for a status of 400 or
/// more (the status) or a failed exchange (what failed).
fn record_outcome(span: &tracing::Span, outcome: Result<&reqwest::Response, &reqwest::Error>) {
    if span.is_disabled() {
        return;
    }
    let error = match outcome {
        Ok(resp) => {
            let status = resp.status().as_u16();
            span.record("http.response.status_code", status);
            (status >= 400).then(|| status.to_string())
        }
        Err(e) => Some(
            if e.is_timeout() {
                "timeout"
            } else if e.is_connect() {
                "connect"
            } else if e.is_redirect() {
                "redirect"
            } else {
                "_OTHER"
            }
            .to_string(),
        ),
    };
    if let Some(error) = error {
        span.record("error.type", error.as_str());
        span.record("otel.status_code", "ERROR");
    }
}

pub(crate) fn transport(e: reqwest::Error) -> Error<NoErrorBody> {
    if e.is_timeout() {
        Error::Timeout
    } else {
        Error::Transport(e.without_url())
    }
}
