//! Client-side rate limits: the vendor's published limits (carried in the
//! spec as `x-rate-limit`) kept before a request leaves, shared by every
//! clone of a client, and the rate-limit headers servers send, parsed into
//! [`RateLimitInfo`] and fed back into the limiter.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use tokio::time::Instant;

use super::retry::retry_after;

mod backend;
#[cfg(feature = "file-lock")]
mod file;
#[cfg(any(feature = "redis", feature = "postgres", feature = "file-lock"))]
mod lease;
mod memory;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "redis")]
mod redis;

pub(crate) use backend::SharedBackend;
pub use backend::{Gcra, Lease, RateLimitBackend, RateLimitError};
#[cfg(feature = "file-lock")]
pub use file::FileRateLimiter;
pub use memory::MemoryRateLimiter;
#[cfg(feature = "postgres")]
pub use postgres::PostgresRateLimiter;
#[cfg(feature = "redis")]
pub use redis::RedisRateLimiter;

/// The requests a [`RateRule`] counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Methods {
    /// Every request.
    All,
    /// `GET`, `HEAD` and `OPTIONS` requests.
    Reads,
    /// Every other request (`POST`, `PUT`, `PATCH`, `DELETE`).
    Writes,
}

impl Methods {
    fn matches(self, method: &Method) -> bool {
        let read = matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
        match self {
            Methods::All => true,
            Methods::Reads => read,
            Methods::Writes => !read,
        }
    }
}

/// At most `requests` requests in any window of `per`.
///
/// With the default burst of 1 the requests are spaced evenly (one every
/// `per / requests`), which keeps every window, wherever it starts, within
/// the limit. A larger burst lets that many requests go at once and spaces
/// the rest further apart, so that any window still holds at most
/// `requests`: the interval becomes `per / (requests - burst + 1)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateRule {
    /// Requests allowed in one window.
    pub requests: u32,
    /// The window's length.
    pub per: Duration,
    /// Requests that may go at once (1 to `requests`).
    pub burst: u32,
    /// Which requests the rule counts.
    pub methods: Methods,
}

impl RateRule {
    /// `requests` requests per `per`, counting every request, evenly spaced.
    pub const fn new(requests: u32, per: Duration) -> Self {
        RateRule { requests, per, burst: 1, methods: Methods::All }
    }

    /// Lets `burst` requests go at once (clamped to `1..=requests`).
    pub const fn burst(mut self, burst: u32) -> Self {
        self.burst = burst;
        self
    }

    /// Counts only these requests.
    pub const fn methods(mut self, methods: Methods) -> Self {
        self.methods = methods;
        self
    }

    /// The rule as a GCRA bucket: `burst` at once, then one request every
    /// `per / (requests - burst + 1)`; `None` for a rule with no window.
    pub fn gcra(&self) -> Option<Gcra> {
        let requests = self.requests.max(1);
        let burst = self.burst.clamp(1, requests);
        let interval = self.per / (requests - burst + 1);
        (!interval.is_zero()).then_some(Gcra { interval, burst })
    }
}

/// The limits a client keeps: rate rules and a cap on requests in flight.
/// Generated `builder()`s start with the spec's limits; set others with
/// `ClientBuilder::rate_limit`, or none with `ClientBuilder::no_rate_limit`.
///
/// ```
/// use std::time::Duration;
/// use crmgen_runtime::{Methods, RateLimit, RateRule};
///
/// // Attio: 100 reads and 25 writes per second.
/// let attio = RateLimit::new()
///     .rule(RateRule::new(100, Duration::from_secs(1)).methods(Methods::Reads))
///     .rule(RateRule::new(25, Duration::from_secs(1)).methods(Methods::Writes));
/// // Zoho CRM, Enterprise edition: 20 requests in flight.
/// let zoho = RateLimit::new().concurrency(20);
/// # let _ = (attio, zoho);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RateLimit {
    /// Rate rules, each kept on its own.
    pub rules: Vec<RateRule>,
    /// The most requests in flight at once (a response's body being read
    /// counts, a retry's wait does not).
    pub concurrency: Option<usize>,
}

impl RateLimit {
    /// No limits yet.
    pub fn new() -> Self {
        RateLimit::default()
    }

    /// Adds a rate rule.
    pub fn rule(mut self, rule: RateRule) -> Self {
        self.rules.push(rule);
        self
    }

    /// Caps the requests in flight at once.
    pub fn concurrency(mut self, max: usize) -> Self {
        self.concurrency = Some(max.max(1));
        self
    }
}

/// The rate-limit headers of a response, as far as the server sent them.
///
/// Read from `X-RateLimit-Limit`/`X-RateLimit-Max`, `X-RateLimit-Remaining`,
/// `X-RateLimit-Reset`, `X-RateLimit-Interval-Milliseconds`,
/// `X-RateLimit-Limit-Daily`, `X-RateLimit-Daily-Remaining` (HighLevel,
/// Zoho CRM) and `Retry-After` (every vendor); header names are matched
/// case-insensitively.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RateLimitInfo {
    /// Requests allowed in the current window.
    pub limit: Option<u64>,
    /// Requests left in the current window.
    pub remaining: Option<u64>,
    /// Time until the current window resets, from `X-RateLimit-Reset`: a
    /// Unix time (seconds or milliseconds, told apart by size) or, for
    /// small values, seconds from now.
    pub reset: Option<Duration>,
    /// The window's length (`X-RateLimit-Interval-Milliseconds`).
    pub interval: Option<Duration>,
    /// Requests allowed per day.
    pub daily_limit: Option<u64>,
    /// Requests left today.
    pub daily_remaining: Option<u64>,
    /// How long the server asks to wait (`Retry-After`).
    pub retry_after: Option<Duration>,
}

impl RateLimitInfo {
    /// Reads the rate-limit headers; `None` when there are none.
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        let number = |name: &str| headers.get(name)?.to_str().ok()?.trim().parse::<u64>().ok();
        let info = RateLimitInfo {
            limit: number("x-ratelimit-limit").or_else(|| number("x-ratelimit-max")),
            remaining: number("x-ratelimit-remaining"),
            reset: number("x-ratelimit-reset").map(reset_from_now),
            interval: number("x-ratelimit-interval-milliseconds").map(Duration::from_millis),
            daily_limit: number("x-ratelimit-limit-daily"),
            daily_remaining: number("x-ratelimit-daily-remaining"),
            retry_after: retry_after(headers),
        };
        (info != RateLimitInfo::default()).then_some(info)
    }

    /// How long to hold every request back, if the server says the window
    /// is used up (`remaining` 0, or a `429` with `Retry-After`).
    fn pause(&self, status: StatusCode) -> Option<Duration> {
        if status == StatusCode::TOO_MANY_REQUESTS {
            if let Some(wait) = self.retry_after {
                return Some(wait);
            }
        }
        if self.remaining == Some(0) {
            return self.reset.or(self.retry_after).or(self.interval);
        }
        None
    }
}

/// `X-RateLimit-Reset` as a wait: Unix milliseconds, Unix seconds, or
/// seconds from now.
fn reset_from_now(value: u64) -> Duration {
    const UNIX_SECONDS_FROM: u64 = 1_000_000_000;
    const UNIX_MILLIS_FROM: u64 = 1_000_000_000_000;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    if value >= UNIX_MILLIS_FROM {
        Duration::from_millis(value).saturating_sub(now)
    } else if value >= UNIX_SECONDS_FROM {
        Duration::from_secs(value).saturating_sub(now)
    } else {
        Duration::from_secs(value)
    }
}

/// The longest pause a server's headers can impose on every request; a
/// longer one (a bogus reset time) is cut to this.
const MAX_SERVER_PAUSE: Duration = Duration::from_secs(60);

/// The limiter a client and all its clones share: the names of the
/// client's buckets in its backend, and the backend.
pub(crate) struct Limiter {
    rules: Vec<(RateRule, Gcra, String)>,
    concurrency: Option<(usize, String)>,
    pause_scope: String,
    backend: SharedBackend,
    /// Keeps the limits in this process while a shared backend fails.
    fallback: MemoryRateLimiter,
    degraded: AtomicBool,
}

impl fmt::Debug for Limiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Limiter")
            .field("rules", &self.rules.iter().map(|(r, _, _)| r).collect::<Vec<_>>())
            .field("concurrency", &self.concurrency.as_ref().map(|(n, _)| n))
            .field("scope", &self.pause_scope)
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

/// What a request holds while it is in flight.
pub(crate) type Permit = Option<Lease>;

/// How long a request waited before it could go, and why.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Waited {
    /// For a pause the server asked for (here or in another process).
    pub(crate) pause: Duration,
    /// For a turn in the rate rules' buckets.
    pub(crate) rules: Duration,
    /// For a place in the concurrency cap.
    pub(crate) concurrency: Duration,
}

impl Limiter {
    /// The limiter of one client: `scope` names the API (its server URL
    /// template) and the rate-limit key, so that clients of different APIs
    /// or keys never share a bucket, and clients of the same pair do, in
    /// every process using the same backend.
    pub(crate) fn new(config: &RateLimit, backend: SharedBackend, scope: &str) -> Self {
        let rules = config
            .rules
            .iter()
            .filter_map(|r| {
                let gcra = r.gcra()?;
                let methods = match r.methods {
                    Methods::All => "all",
                    Methods::Reads => "reads",
                    Methods::Writes => "writes",
                };
                // The rule is part of the name: two rule sets never share a bucket.
                let bucket = format!("{scope}|{}/{}ms/{}/{methods}", r.requests, r.per.as_millis(), gcra.burst);
                Some((*r, gcra, bucket))
            })
            .collect();
        Limiter {
            rules,
            concurrency: config.concurrency.map(|n| (n, format!("{scope}|in-flight"))),
            pause_scope: format!("{scope}|pause"),
            backend,
            fallback: MemoryRateLimiter::new(),
            degraded: AtomicBool::new(false),
        }
    }

    /// Notes whether the backend answered: a warning when it stops, a
    /// note when it is back.
    fn backend_answered<T>(&self, outcome: Result<T, RateLimitError>) -> Option<T> {
        match outcome {
            Ok(value) => {
                if self.degraded.swap(false, Ordering::Relaxed) {
                    tracing::info!("rate limit backend reachable again: limits are shared again");
                }
                Some(value)
            }
            Err(e) => {
                if !self.degraded.swap(true, Ordering::Relaxed) {
                    tracing::warn!(error = %e, "rate limit backend failed: keeping the limits in this process");
                }
                None
            }
        }
    }

    async fn paused_for(&self) -> Option<Duration> {
        match self.backend_answered(self.backend.paused_for(&self.pause_scope).await) {
            Some(pause) => pause,
            None => self.fallback.paused_for(&self.pause_scope).await.ok().flatten(),
        }
    }

    async fn take(&self, bucket: &str, gcra: Gcra) -> Option<Duration> {
        match self.backend_answered(self.backend.take(bucket, gcra).await) {
            Some(wait) => wait,
            None => self.fallback.take(bucket, gcra).await.ok().flatten(),
        }
    }

    /// Waits until a request with this method may go: past any pause the
    /// server asked for, within every rule, and within the concurrency cap.
    pub(crate) async fn acquire(&self, method: &Method) -> (Permit, Waited) {
        let mut waited = Waited::default();
        let start = Instant::now();
        while let Some(pause) = self.paused_for().await {
            tokio::time::sleep(pause).await;
        }
        waited.pause = start.elapsed();
        let start = Instant::now();
        for (rule, gcra, bucket) in &self.rules {
            if rule.methods.matches(method) {
                while let Some(wait) = self.take(bucket, *gcra).await {
                    tokio::time::sleep(wait).await;
                }
            }
        }
        waited.rules = start.elapsed();
        let start = Instant::now();
        let permit = match &self.concurrency {
            Some((max, scope)) => match self.backend_answered(self.backend.lease(scope, *max).await) {
                Some(lease) => Some(lease),
                None => self.fallback.lease(scope, *max).await.ok(),
            },
            None => None,
        };
        waited.concurrency = start.elapsed();
        // A pause another request (or process) set while this one waited
        // holds it back too: checked last, just before it goes.
        let start = Instant::now();
        while let Some(pause) = self.paused_for().await {
            tokio::time::sleep(pause).await;
        }
        waited.pause += start.elapsed();
        (permit, waited)
    }

    /// Holds every request back, in every process sharing the backend,
    /// when the server says its window is used up; the pause set, if any.
    pub(crate) async fn observe(&self, status: StatusCode, headers: &HeaderMap) -> Option<Duration> {
        let pause = RateLimitInfo::from_headers(headers).and_then(|i| i.pause(status))?.min(MAX_SERVER_PAUSE);
        if self.backend_answered(self.backend.pause(&self.pause_scope, pause).await).is_none() {
            let _ = self.fallback.pause(&self.pause_scope, pause).await;
        }
        Some(pause)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn highlevel_headers() {
        let info = RateLimitInfo::from_headers(&headers(&[
            ("X-RateLimit-Limit-Daily", "200000"),
            ("X-RateLimit-Daily-Remaining", "199990"),
            ("X-RateLimit-Interval-Milliseconds", "10000"),
            ("X-RateLimit-Max", "100"),
            ("X-RateLimit-Remaining", "0"),
        ]))
        .unwrap();
        assert_eq!(info.limit, Some(100));
        assert_eq!(info.remaining, Some(0));
        assert_eq!(info.interval, Some(Duration::from_secs(10)));
        assert_eq!(info.daily_limit, Some(200_000));
        assert_eq!(info.daily_remaining, Some(199_990));
        assert_eq!(info.pause(StatusCode::OK), Some(Duration::from_secs(10)));
    }

    #[test]
    fn zoho_headers_and_reset_forms() {
        let in_30s = SystemTime::now().duration_since(UNIX_EPOCH).unwrap() + Duration::from_secs(30);
        let info = RateLimitInfo::from_headers(&headers(&[
            ("X-RATELIMIT-LIMIT", "25"),
            ("X-RATELIMIT-REMAINING", "0"),
            ("X-RATELIMIT-RESET", &in_30s.as_millis().to_string()),
        ]))
        .unwrap();
        assert_eq!((info.limit, info.remaining), (Some(25), Some(0)));
        let reset = info.reset.unwrap();
        assert!(reset <= Duration::from_secs(30) && reset >= Duration::from_secs(28), "{reset:?}");
        let secs = reset_from_now(in_30s.as_secs());
        assert!(secs <= Duration::from_secs(30) && secs >= Duration::from_secs(28), "{secs:?}");
        assert_eq!(reset_from_now(12), Duration::from_secs(12));
        assert_eq!(reset_from_now(1_000_000_000), Duration::ZERO);
    }

    #[test]
    fn no_headers_no_info_and_no_pause_while_requests_remain() {
        assert_eq!(RateLimitInfo::from_headers(&HeaderMap::new()), None);
        assert_eq!(RateLimitInfo::from_headers(&headers(&[("X-RateLimit-Remaining", "soon")])), None);
        let info = RateLimitInfo::from_headers(&headers(&[("X-RateLimit-Remaining", "3")])).unwrap();
        assert_eq!(info.pause(StatusCode::OK), None);
        let limited = RateLimitInfo::from_headers(&headers(&[("Retry-After", "2")])).unwrap();
        assert_eq!(limited.pause(StatusCode::TOO_MANY_REQUESTS), Some(Duration::from_secs(2)));
        assert_eq!(limited.pause(StatusCode::OK), None);
    }

    #[test]
    fn methods_split_reads_and_writes() {
        assert!(Methods::Reads.matches(&Method::GET) && !Methods::Reads.matches(&Method::POST));
        assert!(Methods::Writes.matches(&Method::DELETE) && !Methods::Writes.matches(&Method::HEAD));
        assert!(Methods::All.matches(&Method::PATCH));
    }

    #[test]
    fn quotas_keep_every_window_within_the_limit() {
        let even = RateRule::new(100, Duration::from_secs(10)).gcra().unwrap();
        assert_eq!(even, Gcra { interval: Duration::from_millis(100), burst: 1 });
        assert_eq!(even.tolerance(), Duration::ZERO);
        let bursty = RateRule::new(100, Duration::from_secs(10)).burst(50).gcra().unwrap();
        // 50 at once, then one per interval: 50 + 10 s / interval - 1 <= 100.
        assert_eq!(bursty, Gcra { interval: Duration::from_secs(10) / 51, burst: 50 });
        assert_eq!(bursty.tolerance(), Duration::from_secs(10) / 51 * 49);
        let clamped = RateRule::new(5, Duration::from_secs(1)).burst(9).gcra().unwrap();
        assert_eq!(clamped, Gcra { interval: Duration::from_secs(1), burst: 5 });
        assert!(RateRule::new(0, Duration::ZERO).gcra().is_none());
    }
}
