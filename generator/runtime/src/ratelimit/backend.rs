//! Where a rate limit's state lives: the contract every backend keeps
//! (in this process, Redis, PostgreSQL, a locked file), and the parts the
//! shared ones have in common (leases kept alive while held).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

/// One bucket of the generic cell rate algorithm: a request may go every
/// `interval`, up to `burst` of them at once.
///
/// The state is one instant per bucket, the theoretical arrival time
/// (TAT) of the next request: a request is let through when
/// `now >= TAT - (burst - 1) * interval`, and moves the TAT to
/// `max(TAT, now) + interval`. Every backend keeps exactly this.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gcra {
    /// The time one request uses up.
    pub interval: Duration,
    /// Requests that may go at once (at least 1).
    pub burst: u32,
}

impl Gcra {
    /// How far ahead of its TAT a request may go: `(burst - 1) * interval`.
    pub fn tolerance(&self) -> Duration {
        self.interval.saturating_mul(self.burst.max(1) - 1)
    }
}

/// A backend could not be reached or answered something unexpected.
///
/// The client then keeps the limits in this process alone (a warning
/// event says so) rather than failing the request: the server's own `429`s
/// still pause and retry it.
#[derive(Debug)]
pub struct RateLimitError {
    message: String,
}

impl RateLimitError {
    /// An error with this description. It must not carry secrets (a
    /// connection URL's password): it reaches logs.
    pub fn new(message: impl Into<String>) -> Self {
        RateLimitError { message: message.into() }
    }
}

impl fmt::Display for RateLimitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rate limit backend: {}", self.message)
    }
}

impl std::error::Error for RateLimitError {}

/// A place in a concurrency cap, held while a request is in flight and
/// given back when dropped. Shared backends keep it alive while it is held
/// and let it expire when its holder dies.
pub struct Lease {
    _held: Box<dyn Send + Sync>,
}

impl Lease {
    /// A lease given back when `held` is dropped.
    pub fn new(held: impl Send + Sync + 'static) -> Self {
        Lease { _held: Box::new(held) }
    }
}

impl fmt::Debug for Lease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Lease")
    }
}

/// Where the state of rate limits lives. The client asks it, before each
/// attempt, for any pause in force, then for a turn in every bucket the
/// request counts against, then for a place in the concurrency cap; it
/// tells it of pauses the server asks for.
///
/// Names (`bucket`, `scope`) are made by the client from the API and the
/// [rate-limit key](crate::ClientBuilder::rate_limit_key): a backend
/// stores them as they are, so every process using the same names shares
/// the same limits.
///
/// Implemented by [`MemoryRateLimiter`](crate::MemoryRateLimiter) (the
/// default, one process) and, behind cargo features, `RedisRateLimiter`
/// (`redis`), `PostgresRateLimiter` (`postgres`) and `FileRateLimiter`
/// (`file-lock`).
#[async_trait]
pub trait RateLimitBackend: fmt::Debug + Send + Sync + 'static {
    /// Takes a turn in `bucket`: `None` when the request may go now (the
    /// turn is used up), or how long to wait before asking again.
    async fn take(&self, bucket: &str, gcra: Gcra) -> Result<Option<Duration>, RateLimitError>;

    /// Holds back every request of `scope` for `pause` from now; a pause
    /// already in force that ends later is kept.
    async fn pause(&self, scope: &str, pause: Duration) -> Result<(), RateLimitError>;

    /// What is left of the pause in force for `scope`, if any.
    async fn paused_for(&self, scope: &str) -> Result<Option<Duration>, RateLimitError>;

    /// Waits for one of `max` places in `scope` and holds it until the
    /// lease is dropped.
    async fn lease(&self, scope: &str, max: usize) -> Result<Lease, RateLimitError>;
}

/// A shared backend behind an `Arc`, as the client holds it.
pub(crate) type SharedBackend = Arc<dyn RateLimitBackend>;
