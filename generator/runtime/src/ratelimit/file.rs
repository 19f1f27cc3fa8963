//! Rate limits kept in a state file that processes on one machine share:
//! each step reads, changes and writes the file under an exclusive OS file
//! lock (`flock`, `LockFileEx`), with the machine's clock.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::backend::{Gcra, Lease, RateLimitBackend, RateLimitError};
use super::lease::{poll_lease, LeaseStore};

/// Rate limits kept in a file that every process on the machine opens: no
/// server, a quota shared by a cron job and a webhook receiver, say.
///
/// The file holds the buckets' GCRA states, the pauses and the leases of
/// the concurrency caps (JSON; entries that no longer matter are dropped).
/// Each step locks `<path>.lock`, reads the state, and renames a new state
/// over it, so a process killed mid-step leaves the last state whole.
/// Leases are renewed while held, so a killed process's leases free
/// themselves after [`lease_ttl`](Self::lease_ttl).
///
/// ```no_run
/// use crmgen_runtime::FileRateLimiter;
/// let limiter = FileRateLimiter::new("/var/lib/app/crm-rate-limits.json");
/// // Given to each client's builder: `.rate_limiter(limiter.clone())`.
/// # let _ = limiter;
/// ```
#[derive(Debug, Clone)]
pub struct FileRateLimiter {
    path: Arc<PathBuf>,
    lease_ttl: Duration,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct State {
    /// Each bucket's TAT (µs since the Unix epoch).
    #[serde(default)]
    buckets: BTreeMap<String, u64>,
    /// Each scope's pause end (µs).
    #[serde(default)]
    pauses: BTreeMap<String, u64>,
    /// Each cap's leases and their expiries (µs).
    #[serde(default)]
    leases: BTreeMap<String, BTreeMap<String, u64>>,
}

fn micros(d: Duration) -> u64 {
    d.as_micros().try_into().unwrap_or(u64::MAX)
}

impl FileRateLimiter {
    /// Keeps the limits in the file at `path` (created when missing; its
    /// directory must exist).
    pub fn new(path: impl AsRef<Path>) -> Self {
        FileRateLimiter { path: Arc::new(path.as_ref().to_path_buf()), lease_ttl: Duration::from_secs(15) }
    }

    /// How long a concurrency lease outlives a holder that stopped
    /// renewing it (a killed process); 15 s by default. Held leases are
    /// renewed every third of it.
    pub fn lease_ttl(mut self, ttl: Duration) -> Self {
        self.lease_ttl = ttl.max(Duration::from_millis(30));
        self
    }

    /// Runs `step` on the state under the file's lock, with the time the
    /// lock was taken, and writes the state back.
    async fn step<T: Send + 'static>(
        &self,
        step: impl FnOnce(&mut State, u64) -> T + Send + 'static,
    ) -> Result<T, RateLimitError> {
        let path = self.path.clone();
        let failed = |e: std::io::Error| RateLimitError::new(format!("state file: {e}"));
        tokio::task::spawn_blocking(move || {
            // The lock is on a file of its own, never replaced; the state is
            // written beside it and renamed over the old one, so a process
            // killed while writing leaves the previous state whole.
            let mut lock_path = path.as_os_str().to_owned();
            lock_path.push(".lock");
            let lock: File = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(lock_path)
                .map_err(failed)?;
            fs4::FileExt::lock(&lock).map_err(failed)?;
            let text = match std::fs::read_to_string(&*path) {
                Ok(text) => text,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
                Err(e) => return Err(failed(e)),
            };
            let mut state: State = serde_json::from_str(&text).unwrap_or_default();
            let now = micros(SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default());
            let out = step(&mut state, now);
            state.buckets.retain(|_, tat| *tat > now);
            state.pauses.retain(|_, till| *till > now);
            state.leases.retain(|_, leases| {
                leases.retain(|_, expiry| *expiry > now);
                !leases.is_empty()
            });
            let text = serde_json::to_string(&state).map_err(|e| RateLimitError::new(e.to_string()))?;
            let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
            let mut next = tempfile::NamedTempFile::new_in(dir).map_err(failed)?;
            next.write_all(text.as_bytes()).map_err(failed)?;
            next.persist(&*path).map_err(|e| failed(e.error))?;
            // The lock goes with its handle.
            Ok(out)
        })
        .await
        .map_err(|e| RateLimitError::new(e.to_string()))?
    }
}

#[async_trait]
impl RateLimitBackend for FileRateLimiter {
    async fn take(&self, bucket: &str, gcra: Gcra) -> Result<Option<Duration>, RateLimitError> {
        let bucket = bucket.to_string();
        let (interval, tolerance) = (micros(gcra.interval), micros(gcra.tolerance()));
        self.step(move |state, now| {
            let tat = state.buckets.get(&bucket).copied().unwrap_or(now).max(now);
            let allowed_at = tat.saturating_sub(tolerance);
            if allowed_at > now {
                return Some(Duration::from_micros(allowed_at - now));
            }
            state.buckets.insert(bucket, tat + interval);
            None
        })
        .await
    }

    async fn pause(&self, scope: &str, pause: Duration) -> Result<(), RateLimitError> {
        let scope = scope.to_string();
        self.step(move |state, now| {
            let till = state.pauses.entry(scope).or_insert(0);
            *till = (*till).max(now + micros(pause));
        })
        .await
    }

    async fn paused_for(&self, scope: &str) -> Result<Option<Duration>, RateLimitError> {
        let scope = scope.to_string();
        self.step(move |state, now| {
            state.pauses.get(&scope).filter(|till| **till > now).map(|till| Duration::from_micros(till - now))
        })
        .await
    }

    async fn lease(&self, scope: &str, max: usize) -> Result<Lease, RateLimitError> {
        poll_lease(self, scope, max, self.lease_ttl).await
    }
}

impl LeaseStore for FileRateLimiter {
    async fn try_lease(&self, scope: &str, id: &str, max: usize, ttl: Duration) -> Result<bool, RateLimitError> {
        let (scope, id) = (scope.to_string(), id.to_string());
        self.step(move |state, now| {
            let leases = state.leases.entry(scope).or_default();
            leases.retain(|_, expiry| *expiry > now);
            if leases.len() >= max {
                return false;
            }
            leases.insert(id, now + micros(ttl));
            true
        })
        .await
    }

    async fn renew(&self, scope: &str, id: &str, ttl: Duration) -> Result<(), RateLimitError> {
        let (scope, id) = (scope.to_string(), id.to_string());
        self.step(move |state, now| {
            if let Some(expiry) = state.leases.get_mut(&scope).and_then(|l| l.get_mut(&id)) {
                *expiry = now + micros(ttl);
            }
        })
        .await
    }

    async fn release(&self, scope: &str, id: &str) -> Result<(), RateLimitError> {
        let (scope, id) = (scope.to_string(), id.to_string());
        self.step(move |state, _| {
            if let Some(leases) = state.leases.get_mut(&scope) {
                leases.remove(&id);
            }
        })
        .await
    }
}
