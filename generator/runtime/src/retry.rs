//! Which failures are retried, and how long to wait: kept apart from the
//! transport so it can be tested on its own.

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Method, StatusCode};

/// Retries with exponential backoff and full jitter on 429, 502, 503, 504
/// and connection errors. Non-idempotent methods (POST, PATCH) are retried
/// only when [`RetryPolicy::retry_non_idempotent`] is set. `Retry-After`
/// (seconds or an HTTP date) is honoured, capped at `max_retry_after`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 disables retries).
    pub max_attempts: u32,
    /// The wait before the first retry (doubled for each one after).
    pub initial_backoff: Duration,
    /// The longest wait between attempts without `Retry-After`.
    pub max_backoff: Duration,
    /// The longest `Retry-After` honoured; longer waits are cut to this.
    pub max_retry_after: Duration,
    /// No retry starts after this much time since the first attempt.
    pub max_elapsed: Duration,
    /// Also retry POST and PATCH.
    pub retry_non_idempotent: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(10),
            max_retry_after: Duration::from_secs(60),
            max_elapsed: Duration::from_secs(120),
            retry_non_idempotent: false,
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        RetryPolicy { max_attempts: 1, ..RetryPolicy::default() }
    }

    /// Attempts in all, the first included (at least 1).
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// The wait before the first retry.
    pub fn initial_backoff(mut self, d: Duration) -> Self {
        self.initial_backoff = d;
        self
    }

    /// The longest wait between attempts without `Retry-After`.
    pub fn max_backoff(mut self, d: Duration) -> Self {
        self.max_backoff = d;
        self
    }

    /// The longest `Retry-After` honoured.
    pub fn max_retry_after(mut self, d: Duration) -> Self {
        self.max_retry_after = d;
        self
    }

    /// No retry starts after this much time since the first attempt.
    pub fn max_elapsed(mut self, d: Duration) -> Self {
        self.max_elapsed = d;
        self
    }

    /// Also retry POST and PATCH (only safe when the API deduplicates).
    pub fn retry_non_idempotent(mut self, yes: bool) -> Self {
        self.retry_non_idempotent = yes;
        self
    }

    pub(crate) fn method_allowed(&self, method: &Method) -> bool {
        self.retry_non_idempotent || !matches!(*method, Method::POST | Method::PATCH | Method::CONNECT)
    }

    pub(crate) fn status_retryable(status: StatusCode) -> bool {
        matches!(status.as_u16(), 429 | 502 | 503 | 504)
    }

    /// The wait before attempt `attempt + 1`, given the failed attempt's
    /// `Retry-After` header if any.
    pub(crate) fn delay(&self, attempt: u32, headers: Option<&HeaderMap>) -> Duration {
        if let Some(d) = headers.and_then(retry_after) {
            return d.min(self.max_retry_after);
        }
        let exp = self.initial_backoff.saturating_mul(1u32 << attempt.saturating_sub(1).min(20));
        let cap = exp.min(self.max_backoff);
        // Full jitter within [cap/2, cap].
        let half = cap / 2;
        half + half.mul_f64(fastrand::f64())
    }
}

/// Parses `Retry-After`: delay-seconds or an HTTP date.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(SystemTime::now()).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn retry_after_seconds_and_dates() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        let later = SystemTime::now() + Duration::from_secs(30);
        h.insert(RETRY_AFTER, HeaderValue::from_str(&httpdate::fmt_http_date(later)).unwrap());
        let d = retry_after(&h).unwrap();
        assert!(d <= Duration::from_secs(30) && d >= Duration::from_secs(28), "{d:?}");
        h.insert(RETRY_AFTER, HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"));
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
        h.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn delays_grow_are_jittered_and_capped() {
        let p =
            RetryPolicy::default().initial_backoff(Duration::from_millis(100)).max_backoff(Duration::from_millis(400));
        for attempt in 1..10 {
            let d = p.delay(attempt, None);
            let cap = Duration::from_millis(100 * (1 << (attempt - 1).min(2)));
            assert!(d >= cap / 2 && d <= cap, "attempt {attempt}: {d:?}");
        }
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("3600"));
        assert_eq!(p.clone().max_retry_after(Duration::from_secs(5)).delay(1, Some(&h)), Duration::from_secs(5));
    }

    #[test]
    fn methods_and_statuses() {
        let p = RetryPolicy::default();
        assert!(p.method_allowed(&Method::GET) && p.method_allowed(&Method::PUT) && p.method_allowed(&Method::DELETE));
        assert!(!p.method_allowed(&Method::POST) && !p.method_allowed(&Method::PATCH));
        assert!(p.retry_non_idempotent(true).method_allowed(&Method::POST));
        for s in [429, 502, 503, 504] {
            assert!(RetryPolicy::status_retryable(StatusCode::from_u16(s).unwrap()));
        }
        for s in [400, 401, 404, 500, 501] {
            assert!(!RetryPolicy::status_retryable(StatusCode::from_u16(s).unwrap()));
        }
    }
}
