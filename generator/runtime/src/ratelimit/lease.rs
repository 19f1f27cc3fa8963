//! Concurrency caps shared by processes: a lease is an entry with an
//! expiry in the shared store, renewed while held, removed when dropped,
//! and left to expire when its holder dies.

use std::future::Future;
use std::time::Duration;

use super::backend::{Lease, RateLimitError};

/// The operations of a shared backend's concurrency leases: one lease is
/// an entry with an expiry, renewed while held.
pub(crate) trait LeaseStore: Clone + Send + Sync + 'static {
    /// Takes a place unless `max` unexpired leases exist; the lease's id.
    fn try_lease(
        &self,
        scope: &str,
        id: &str,
        max: usize,
        ttl: Duration,
    ) -> impl Future<Output = Result<bool, RateLimitError>> + Send;
    /// Moves an existing lease's expiry to `ttl` from now.
    fn renew(&self, scope: &str, id: &str, ttl: Duration) -> impl Future<Output = Result<(), RateLimitError>> + Send;
    /// Removes a lease.
    fn release(&self, scope: &str, id: &str) -> impl Future<Output = Result<(), RateLimitError>> + Send;
}

/// How often a waiting request asks a shared backend for a place again
/// (with jitter, so waiters do not ask in step).
const LEASE_POLL: Duration = Duration::from_millis(20);

/// Waits for a lease, keeps it alive every third of `ttl` while held, and
/// gives it back when dropped (the expiry frees it if the process dies).
pub(crate) async fn poll_lease<S: LeaseStore>(
    store: &S,
    scope: &str,
    max: usize,
    ttl: Duration,
) -> Result<Lease, RateLimitError> {
    let id = lease_id();
    while !store.try_lease(scope, &id, max, ttl).await? {
        let jitter = Duration::from_millis(fastrand::u64(0..=LEASE_POLL.as_millis() as u64));
        tokio::time::sleep(LEASE_POLL / 2 + jitter).await;
    }
    let keep_alive = {
        let (store, scope, id) = (store.clone(), scope.to_string(), id.clone());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(ttl / 3).await;
                if let Err(e) = store.renew(&scope, &id, ttl).await {
                    tracing::warn!(error = %e, "cannot renew a concurrency lease");
                }
            }
        })
    };
    Ok(Lease::new(HeldLease { store: store.clone(), scope: scope.to_string(), id, keep_alive }))
}

struct HeldLease<S: LeaseStore> {
    store: S,
    scope: String,
    id: String,
    keep_alive: tokio::task::JoinHandle<()>,
}

impl<S: LeaseStore> Drop for HeldLease<S> {
    fn drop(&mut self) {
        self.keep_alive.abort();
        // Given back at once when a runtime is there to do it; otherwise
        // the lease expires.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let (store, scope, id) =
                (self.store.clone(), std::mem::take(&mut self.scope), std::mem::take(&mut self.id));
            runtime.spawn(async move {
                if let Err(e) = store.release(&scope, &id).await {
                    tracing::warn!(error = %e, "cannot give back a concurrency lease (it will expire)");
                }
            });
        }
    }
}

/// A lease id unique across processes: the process id, a counter and
/// random bits.
fn lease_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!("{}-{}-{:016x}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed), fastrand::u64(..))
}
