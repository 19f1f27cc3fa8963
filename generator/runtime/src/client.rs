//! The client shared by generated modules: configuration, credentials, and
//! sending a request with timeouts, retries and a tracing span.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderName, HeaderValue, CONTENT_TYPE, COOKIE};
use tracing::Instrument;

use super::auth::{Credential, Kind};
use super::error::{Error, NoErrorBody};
use super::request::{encode, Request};
use super::response::{RawResponse, Response};
use super::retry::RetryPolicy;

/// A generated API client: built from the runtime client.
pub trait ApiClient {
    fn from_runtime(client: Client) -> Self;
}

/// The shared, cheaply cloned HTTP client of one API.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base_url: String,
    credentials: Vec<(&'static str, Credential)>,
    retry: RetryPolicy,
    timeout: Option<Duration>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("credentials", &self.inner.credentials)
            .field("retry", &self.inner.retry)
            .field("timeout", &self.inner.timeout)
            .finish_non_exhaustive()
    }
}

/// Why a client could not be built.
#[derive(Debug)]
pub enum BuildError {
    /// The base URL (after filling server variables) does not parse.
    InvalidBaseUrl { url: String, message: String },
    /// The HTTP client could not be created (TLS backend).
    Http(reqwest::Error),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::InvalidBaseUrl { url, message } => write!(f, "invalid base URL `{url}`: {message}"),
            BuildError::Http(e) => write!(f, "cannot create the HTTP client: {e}"),
        }
    }
}

impl std::error::Error for BuildError {}

/// Configures a client. Generated modules add their credential and server
/// variable methods to `ClientBuilder<TheirClient>`.
pub struct ClientBuilder<C> {
    url_template: &'static str,
    variables: Vec<(&'static str, String)>,
    base_url: Option<String>,
    credentials: Vec<(&'static str, Credential)>,
    retry: RetryPolicy,
    timeout: Option<Duration>,
    user_agent: String,
    http: Option<reqwest::Client>,
    _client: PhantomData<fn() -> C>,
}

impl<C> fmt::Debug for ClientBuilder<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("url_template", &self.url_template)
            .field("variables", &self.variables)
            .field("base_url", &self.base_url)
            .field("credentials", &self.credentials)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl<C: ApiClient> ClientBuilder<C> {
    /// A builder for a server URL template with its variables' defaults.
    pub fn new(url_template: &'static str, defaults: &[(&'static str, &'static str)]) -> Self {
        ClientBuilder {
            url_template,
            variables: defaults.iter().map(|(k, v)| (*k, v.to_string())).collect(),
            base_url: None,
            credentials: Vec::new(),
            retry: RetryPolicy::default(),
            timeout: Some(Duration::from_secs(30)),
            user_agent: concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION")).to_string(),
            http: None,
            _client: PhantomData,
        }
    }

    /// Overrides the base URL entirely (a proxy, a test server).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Sets a variable of the server URL template.
    pub fn server_variable(mut self, name: &'static str, value: impl Into<String>) -> Self {
        let value = value.into();
        match self.variables.iter_mut().find(|(k, _)| *k == name) {
            Some(slot) => slot.1 = value,
            None => self.variables.push((name, value)),
        }
        self
    }

    /// Sets the credential of a security scheme (generated methods call this).
    pub fn credential(mut self, scheme: &'static str, credential: Credential) -> Self {
        self.credentials.retain(|(k, _)| *k != scheme);
        self.credentials.push((scheme, credential));
        self
    }

    /// Per-attempt timeout (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// No timeout at all.
    pub fn no_timeout(mut self) -> Self {
        self.timeout = None;
        self
    }

    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Uses this `reqwest::Client` (its own settings apply; the user agent
    /// set here is then not used).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    pub fn build(self) -> Result<C, BuildError> {
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
            None => reqwest::Client::builder().user_agent(self.user_agent).build().map_err(BuildError::Http)?,
        };
        Ok(C::from_runtime(Client {
            inner: Arc::new(Inner {
                http,
                base_url: url,
                credentials: self.credentials,
                retry: self.retry,
                timeout: self.timeout,
            }),
        }))
    }
}

impl Client {
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    fn credentials_for<'a>(&'a self, request: &'a Request) -> impl Iterator<Item = &'a Credential> + 'a {
        self.inner.credentials.iter().filter(|(k, _)| request.security.contains(k)).map(|(_, c)| c)
    }

    fn url(&self, request: &Request) -> String {
        let mut url = String::with_capacity(self.inner.base_url.len() + request.path.len() + 32);
        url.push_str(&self.inner.base_url);
        url.push_str(&request.path);
        let mut sep = '?';
        let creds = self.credentials_for(request).filter_map(|c| match &c.0 {
            Kind::Query { name, value } => Some((encode(name), encode(value))),
            _ => None,
        });
        let pairs: Vec<(String, String)> = creds.collect();
        for (k, v) in request.query.iter().chain(pairs.iter()) {
            url.push(sep);
            sep = '&';
            url.push_str(k);
            url.push('=');
            url.push_str(v);
        }
        url
    }

    fn build(&self, request: &Request) -> Result<reqwest::Request, Error<NoErrorBody>> {
        let url = reqwest::Url::parse(&self.url(request))
            .map_err(|e| Error::InvalidRequest(format!("bad URL for `{}`: {e}", request.template)))?;
        let mut rb = self.inner.http.request(request.method.clone(), url);
        if let Some(t) = self.inner.timeout {
            rb = rb.timeout(t);
        }
        for (name, value) in &request.headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|e| Error::InvalidRequest(format!("header name `{name}`: {e}")))?;
            let value =
                HeaderValue::from_str(value).map_err(|e| Error::InvalidRequest(format!("header `{name}`: {e}")))?;
            rb = rb.header(name, value);
        }
        if !request.cookies.is_empty() {
            let cookie = request.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
            let value = HeaderValue::from_str(&cookie).map_err(|e| Error::InvalidRequest(format!("cookie: {e}")))?;
            rb = rb.header(COOKIE, value);
        }
        for c in self.credentials_for(request) {
            match &c.0 {
                Kind::Header { name, value } => {
                    let mut value = HeaderValue::from_str(value).map_err(|_| {
                        Error::InvalidRequest(format!("the credential for header `{name}` is not a valid header value"))
                    })?;
                    value.set_sensitive(true);
                    rb = rb.header(*name, value);
                }
                Kind::Basic { user, password } => rb = rb.basic_auth(user, Some(password)),
                Kind::Query { .. } => {}
            }
        }
        if let Some(body) = &request.body {
            rb = rb.header(CONTENT_TYPE, body.content_type).body(body.bytes.clone());
        }
        rb.build().map_err(|e| Error::InvalidRequest(e.without_url().to_string()))
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

    /// Sends a request with retries; any status comes back as a response.
    /// Not generic: one copy of the transport code serves every operation.
    pub async fn execute(&self, request: &Request) -> Result<RawResponse, Error<NoErrorBody>> {
        if let Some(message) = &request.error {
            return Err(Error::InvalidRequest(message.clone()));
        }
        let policy = &self.inner.retry;
        let may_retry = policy.method_allowed(&request.method);
        let span = tracing::debug_span!(
            "http_request",
            method = %request.method,
            path = request.template,
            attempt = tracing::field::Empty,
            status = tracing::field::Empty,
        );
        let started = Instant::now();
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            span.record("attempt", attempt);
            let built = self.build(request)?;
            let outcome = self.inner.http.execute(built).instrument(span.clone()).await;
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
                tracing::debug!(parent: &span, ?delay, "retrying");
                tokio::time::sleep(delay).await;
                continue;
            }
            let resp = outcome.map_err(transport)?;
            let status = resp.status();
            span.record("status", status.as_u16());
            let headers = resp.headers().clone();
            let body = resp.bytes().instrument(span.clone()).await.map_err(transport)?;
            return Ok(RawResponse { status, headers, body });
        }
    }
}

fn transport(e: reqwest::Error) -> Error<NoErrorBody> {
    if e.is_timeout() {
        Error::Timeout
    } else {
        Error::Transport(e.without_url())
    }
}
