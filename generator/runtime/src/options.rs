//! Options for some requests only: a timeout, extra headers, a retry
//! policy, a body limit. Set on a cheap clone of a client
//! (`client.with_options(..)`), which shares the connection pool, the
//! credentials, the hooks and the rate limiter with the original.

use std::fmt;
use std::time::Duration;

use reqwest::header::{HeaderName, HeaderValue};

use super::retry::RetryPolicy;

/// Per-request settings that override the client's. Unset fields keep the
/// client's value.
///
/// ```
/// use std::time::Duration;
/// use crmgen_runtime::reqwest::header::{HeaderName, HeaderValue};
/// use crmgen_runtime::{RequestOptions, RetryPolicy};
///
/// let options = RequestOptions::new()
///     .timeout(Duration::from_secs(120))
///     .header(HeaderName::from_static("x-request-id"), HeaderValue::from_static("sync-42"))
///     .retry(RetryPolicy::none())
///     .body_limit(256 * 1024 * 1024);
/// # let _ = options;
/// ```
#[derive(Clone, Default)]
pub struct RequestOptions {
    pub(crate) timeout: Option<Option<Duration>>,
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
    pub(crate) retry: Option<RetryPolicy>,
    pub(crate) body_limit: Option<Option<u64>>,
}

impl fmt::Debug for RequestOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Header values may be secrets (a signature, a token): names only.
        f.debug_struct("RequestOptions")
            .field("timeout", &self.timeout)
            .field("headers", &self.headers.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>())
            .field("retry", &self.retry)
            .field("body_limit", &self.body_limit)
            .finish()
    }
}

impl RequestOptions {
    /// Options that change nothing.
    pub fn new() -> Self {
        RequestOptions::default()
    }

    /// The timeout of each attempt, in place of the client's.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(Some(timeout));
        self
    }

    /// No timeout for attempts, whatever the client's.
    pub fn no_timeout(mut self) -> Self {
        self.timeout = Some(None);
        self
    }

    /// A header sent with every request, replacing one of the same name the
    /// operation sets (credentials excepted: they are set last).
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.retain(|(n, _)| *n != name);
        self.headers.push((name, value));
        self
    }

    /// The retry policy, in place of the client's.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// The largest response body read into memory, in bytes, in place of
    /// the client's.
    pub fn body_limit(mut self, bytes: u64) -> Self {
        self.body_limit = Some(Some(bytes));
        self
    }

    /// No body limit at all (only for servers you trust).
    pub fn no_body_limit(mut self) -> Self {
        self.body_limit = Some(None);
        self
    }

    /// These options with `over`'s set fields taking precedence.
    pub(crate) fn merged(&self, over: RequestOptions) -> RequestOptions {
        let mut merged = RequestOptions {
            timeout: over.timeout.or(self.timeout),
            headers: self.headers.clone(),
            retry: over.retry.or_else(|| self.retry.clone()),
            body_limit: over.body_limit.or(self.body_limit),
        };
        for (name, value) in over.headers {
            merged = merged.header(name, value);
        }
        merged
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_options_win_and_headers_accumulate() {
        let a = RequestOptions::new()
            .timeout(Duration::from_secs(1))
            .header(HeaderName::from_static("x-a"), HeaderValue::from_static("1"))
            .header(HeaderName::from_static("x-b"), HeaderValue::from_static("1"));
        let b = RequestOptions::new()
            .no_timeout()
            .header(HeaderName::from_static("x-b"), HeaderValue::from_static("2"))
            .body_limit(10);
        let m = a.merged(b);
        assert_eq!(m.timeout, Some(None));
        assert_eq!(m.body_limit, Some(Some(10)));
        assert_eq!(m.retry, None);
        let headers: Vec<_> = m.headers.iter().map(|(n, v)| (n.as_str(), v.to_str().unwrap())).collect();
        assert_eq!(headers, [("x-a", "1"), ("x-b", "2")]);
        // Unset fields keep what was there.
        let kept = m.merged(RequestOptions::new());
        assert_eq!((kept.timeout, kept.body_limit), (Some(None), Some(Some(10))));
    }

    #[test]
    fn debug_shows_header_names_not_values() {
        let o =
            RequestOptions::new().header(HeaderName::from_static("x-signature"), HeaderValue::from_static("s3cr3t"));
        let text = format!("{o:?}");
        assert!(text.contains("x-signature") && !text.contains("s3cr3t"), "{text}");
    }
}
