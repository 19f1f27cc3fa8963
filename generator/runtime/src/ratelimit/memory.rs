//! The default backend: limits kept in this process with `governor`, a
//! semaphore per concurrency cap, pauses as instants.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, Quota};
use tokio::sync::Semaphore;
use tokio::time::Instant;

use super::backend::{Gcra, Lease, RateLimitBackend, RateLimitError};

/// Rate limits kept in this process: shared by a client's clones and by
/// every client given the same `MemoryRateLimiter` (a clone shares its
/// state), one bucket per rate-limit key. What a client uses when no other
/// backend is set.
///
/// ```
/// use crmgen_runtime::MemoryRateLimiter;
/// // One limiter, one bucket per location, for the clients of one process.
/// let limiter = MemoryRateLimiter::new();
/// # let _ = limiter;
/// ```
#[derive(Debug, Clone, Default)]
pub struct MemoryRateLimiter {
    state: Arc<State>,
}

#[derive(Debug, Default)]
struct State {
    buckets: Mutex<HashMap<String, Arc<DefaultDirectRateLimiter>>>,
    pauses: Mutex<HashMap<String, Instant>>,
    caps: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl MemoryRateLimiter {
    /// An empty limiter.
    pub fn new() -> Self {
        MemoryRateLimiter::default()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[async_trait]
impl RateLimitBackend for MemoryRateLimiter {
    async fn take(&self, bucket: &str, gcra: Gcra) -> Result<Option<Duration>, RateLimitError> {
        let limiter = {
            let mut buckets = lock(&self.state.buckets);
            match buckets.get(bucket) {
                Some(l) => l.clone(),
                None => {
                    let quota = Quota::with_period(gcra.interval)
                        .ok_or_else(|| RateLimitError::new("a rate rule with no interval"))?
                        .allow_burst(NonZeroU32::new(gcra.burst).unwrap_or(NonZeroU32::MIN));
                    let l = Arc::new(DefaultDirectRateLimiter::direct(quota));
                    buckets.insert(bucket.to_string(), l.clone());
                    l
                }
            }
        };
        Ok(limiter.check().err().map(|not_until| not_until.wait_time_from(DefaultClock::default().now())))
    }

    async fn pause(&self, scope: &str, pause: Duration) -> Result<(), RateLimitError> {
        let until = Instant::now() + pause;
        let mut pauses = lock(&self.state.pauses);
        let slot = pauses.entry(scope.to_string()).or_insert(until);
        if *slot < until {
            *slot = until;
        }
        Ok(())
    }

    async fn paused_for(&self, scope: &str) -> Result<Option<Duration>, RateLimitError> {
        let until = lock(&self.state.pauses).get(scope).copied();
        Ok(until.map(|u| u.saturating_duration_since(Instant::now())).filter(|d| !d.is_zero()))
    }

    async fn lease(&self, scope: &str, max: usize) -> Result<Lease, RateLimitError> {
        let semaphore =
            lock(&self.state.caps).entry(scope.to_string()).or_insert_with(|| Arc::new(Semaphore::new(max))).clone();
        // The semaphore is never closed, so acquiring cannot fail.
        let permit = semaphore.acquire_owned().await.map_err(|e| RateLimitError::new(e.to_string()))?;
        Ok(Lease::new(permit))
    }
}
