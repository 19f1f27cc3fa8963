//! Rate limits kept in Redis, shared by every process that reaches it: each
//! step is one Lua script, so it is atomic, and times are Redis's own
//! clock (`TIME`), so the workers' clocks do not matter.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use redis::aio::ConnectionManager;
use redis::Script;

use super::backend::{Gcra, Lease, RateLimitBackend, RateLimitError};
use super::lease::{poll_lease, LeaseStore};

/// The prefix of every key this backend writes.
const PREFIX: &str = "crmgen:ratelimit:";

/// Redis's clock in microseconds, at the start of each script.
macro_rules! lua_now {
    () => {
        "local t = redis.call('TIME')\nlocal now = tonumber(t[1]) * 1000000 + tonumber(t[2])\n"
    };
}

/// One GCRA step. KEYS[1]: the bucket's TAT (µs); ARGV: interval and
/// tolerance (µs). Returns 0 when the request may go (the TAT moves on),
/// or the µs to wait.
const TAKE: &str = concat!(
    lua_now!(),
    r#"
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local allowed_at = tat - tonumber(ARGV[2])
if allowed_at > now then return allowed_at - now end
local next_tat = tat + tonumber(ARGV[1])
redis.call('SET', KEYS[1], string.format('%.0f', next_tat), 'PX', math.ceil((next_tat - now) / 1000) + 1000)
return 0
"#
);

/// KEYS[1]: the pause's end (µs); ARGV[1]: the pause (µs). A later end
/// already set is kept.
const PAUSE: &str = concat!(
    lua_now!(),
    r#"
local till = now + tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]))
if current == nil or current < till then
  redis.call('SET', KEYS[1], string.format('%.0f', till), 'PX', math.ceil(tonumber(ARGV[1]) / 1000) + 1)
end
return 0
"#
);

/// KEYS[1]: the pause's end (µs). Returns the µs left, or 0.
const PAUSED_FOR: &str = concat!(
    lua_now!(),
    r#"
local till = tonumber(redis.call('GET', KEYS[1]))
if till == nil or till <= now then return 0 end
return till - now
"#
);

/// KEYS[1]: a sorted set of lease ids scored by expiry (µs); ARGV: the id,
/// the cap, the lease's time to live (µs). Returns 1 when the lease is
/// taken, 0 when the cap is reached.
const TRY_LEASE: &str = concat!(
    lua_now!(),
    r#"
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], math.ceil(tonumber(ARGV[3]) / 1000) + 1000)
return 1
"#
);

/// KEYS[1]: the leases; ARGV: the id and the time to live (µs). Only a
/// lease still there is renewed.
const RENEW: &str = concat!(
    lua_now!(),
    r#"
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2]) / 1000) + 1000)
return 0
"#
);

/// Rate limits kept in Redis: every process (queue workers, replicas, a
/// cron job) whose clients use the same Redis, API and rate-limit key
/// shares one quota, one pause and one concurrency cap.
///
/// Buckets are GCRA states (one key each), pauses are keys with an expiry,
/// and a concurrency cap is a sorted set of leases scored by expiry: a
/// lease is renewed while its request is in flight, and a killed process's
/// leases expire after [`lease_ttl`](Self::lease_ttl). Keys start with
/// `crmgen:ratelimit:` and expire when unused.
///
/// ```no_run
/// # async fn f() -> Result<(), Box<dyn std::error::Error>> {
/// use crmgen_runtime::RedisRateLimiter;
/// let limiter = RedisRateLimiter::connect("redis://127.0.0.1/").await?;
/// // Given to each client's builder: `.rate_limiter(limiter.clone())`.
/// # let _ = limiter; Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisRateLimiter {
    connection: ConnectionManager,
    scripts: Arc<Scripts>,
    lease_ttl: Duration,
}

struct Scripts {
    take: Script,
    pause: Script,
    paused_for: Script,
    try_lease: Script,
    renew: Script,
}

impl fmt::Debug for RedisRateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The connection (and its URL's password) stays out.
        f.debug_struct("RedisRateLimiter").field("lease_ttl", &self.lease_ttl).finish_non_exhaustive()
    }
}

fn failed(e: redis::RedisError) -> RateLimitError {
    RateLimitError::new(format!("redis: {e}"))
}

impl RedisRateLimiter {
    /// Connects to the Redis at `url` (`redis://[:password@]host[:port][/db]`),
    /// reconnecting by itself when the connection drops.
    pub async fn connect(url: &str) -> Result<Self, RateLimitError> {
        let client = redis::Client::open(url).map_err(|e| RateLimitError::new(format!("redis URL: {:?}", e.kind())))?;
        Ok(RedisRateLimiter::new(ConnectionManager::new(client).await.map_err(failed)?))
    }

    /// Uses a connection the application already has.
    pub fn new(connection: ConnectionManager) -> Self {
        let scripts = Scripts {
            take: Script::new(TAKE),
            pause: Script::new(PAUSE),
            paused_for: Script::new(PAUSED_FOR),
            try_lease: Script::new(TRY_LEASE),
            renew: Script::new(RENEW),
        };
        RedisRateLimiter { connection, scripts: Arc::new(scripts), lease_ttl: Duration::from_secs(15) }
    }

    /// How long a concurrency lease outlives a holder that stopped
    /// renewing it (a killed process); 15 s by default. Held leases are
    /// renewed every third of it.
    pub fn lease_ttl(mut self, ttl: Duration) -> Self {
        self.lease_ttl = ttl.max(Duration::from_millis(30));
        self
    }

    async fn run(&self, script: &Script, key: &str, args: &[u64]) -> Result<i64, RateLimitError> {
        let mut invocation = script.key(format!("{PREFIX}{key}"));
        for arg in args {
            invocation.arg(*arg);
        }
        invocation.invoke_async(&mut self.connection.clone()).await.map_err(failed)
    }
}

fn micros(d: Duration) -> u64 {
    d.as_micros().try_into().unwrap_or(u64::MAX)
}

#[async_trait]
impl RateLimitBackend for RedisRateLimiter {
    async fn take(&self, bucket: &str, gcra: Gcra) -> Result<Option<Duration>, RateLimitError> {
        let wait = self.run(&self.scripts.take, bucket, &[micros(gcra.interval), micros(gcra.tolerance())]).await?;
        Ok((wait > 0).then(|| Duration::from_micros(wait as u64)))
    }

    async fn pause(&self, scope: &str, pause: Duration) -> Result<(), RateLimitError> {
        self.run(&self.scripts.pause, scope, &[micros(pause)]).await.map(drop)
    }

    async fn paused_for(&self, scope: &str) -> Result<Option<Duration>, RateLimitError> {
        let left = self.run(&self.scripts.paused_for, scope, &[]).await?;
        Ok((left > 0).then(|| Duration::from_micros(left as u64)))
    }

    async fn lease(&self, scope: &str, max: usize) -> Result<Lease, RateLimitError> {
        poll_lease(self, scope, max, self.lease_ttl).await
    }
}

impl LeaseStore for RedisRateLimiter {
    async fn try_lease(&self, scope: &str, id: &str, max: usize, ttl: Duration) -> Result<bool, RateLimitError> {
        let mut invocation = self.scripts.try_lease.key(format!("{PREFIX}{scope}"));
        invocation.arg(id).arg(max).arg(micros(ttl));
        let taken: i64 = invocation.invoke_async(&mut self.connection.clone()).await.map_err(failed)?;
        Ok(taken == 1)
    }

    async fn renew(&self, scope: &str, id: &str, ttl: Duration) -> Result<(), RateLimitError> {
        let mut invocation = self.scripts.renew.key(format!("{PREFIX}{scope}"));
        invocation.arg(id).arg(micros(ttl));
        invocation.invoke_async::<i64>(&mut self.connection.clone()).await.map(drop).map_err(failed)
    }

    async fn release(&self, scope: &str, id: &str) -> Result<(), RateLimitError> {
        redis::cmd("ZREM")
            .arg(format!("{PREFIX}{scope}"))
            .arg(id)
            .query_async::<i64>(&mut self.connection.clone())
            .await
            .map(drop)
            .map_err(failed)
    }
}
