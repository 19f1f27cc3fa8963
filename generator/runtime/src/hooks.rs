//! Hooks a user adds once on the builder: they see (and may change) every
//! attempt of every request, retries included, and see what came back.

use std::time::Duration;

use reqwest::Method;

/// One attempt at sending a request, as a hook sees it.
#[derive(Debug, Clone, Copy)]
pub struct Attempt<'a> {
    /// The spec's path template (`/objects/{schemaKey}/records`): never
    /// holds parameter values, so it is safe as a metric label.
    pub template: &'static str,
    /// The HTTP method.
    pub method: &'a Method,
    /// 1 for the first attempt, 2 for the first retry, and so on.
    pub number: u32,
}

/// Observes or changes every attempt: tracing, metrics, request signing,
/// extra headers. Both methods default to doing nothing.
///
/// Hooks run in the order they were added, synchronously, around each
/// attempt (after the rate limiter let it go, so its time is not counted).
/// The request a hook sees carries the credentials, marked sensitive; a hook
/// that logs requests must keep them out of its output.
///
/// ```
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use crmgen_runtime::{reqwest, Attempt, Hook};
///
/// /// Counts attempts and failures.
/// #[derive(Default)]
/// struct Metrics { attempts: AtomicU64, failures: AtomicU64 }
///
/// impl Hook for Metrics {
///     fn before_attempt(&self, _: &Attempt<'_>, _: &mut reqwest::Request) {
///         self.attempts.fetch_add(1, Ordering::Relaxed);
///     }
///     fn after_attempt(&self, _: &Attempt<'_>, outcome: Result<&reqwest::Response, &reqwest::Error>, _: std::time::Duration) {
///         if outcome.map_or(true, |r| !r.status().is_success()) {
///             self.failures.fetch_add(1, Ordering::Relaxed);
///         }
///     }
/// }
/// ```
pub trait Hook: Send + Sync + 'static {
    /// Called just before an attempt is sent, with the request as it will
    /// go out (headers may be added or changed: a signature, say).
    fn before_attempt(&self, attempt: &Attempt<'_>, request: &mut reqwest::Request) {
        let _ = (attempt, request);
    }

    /// Called when an attempt's response head arrived (any status) or it
    /// failed (a timeout, a broken connection), with the attempt's time.
    /// The body is read after this call.
    fn after_attempt(
        &self,
        attempt: &Attempt<'_>,
        outcome: Result<&reqwest::Response, &reqwest::Error>,
        elapsed: Duration,
    ) {
        let _ = (attempt, outcome, elapsed);
    }
}

/// A shared hook: keep one `Arc` to read what the hook collected, add a
/// clone to the builder.
impl<H: Hook> Hook for std::sync::Arc<H> {
    fn before_attempt(&self, attempt: &Attempt<'_>, request: &mut reqwest::Request) {
        (**self).before_attempt(attempt, request);
    }

    fn after_attempt(
        &self,
        attempt: &Attempt<'_>,
        outcome: Result<&reqwest::Response, &reqwest::Error>,
        elapsed: Duration,
    ) {
        (**self).after_attempt(attempt, outcome, elapsed);
    }
}
