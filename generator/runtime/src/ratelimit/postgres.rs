//! Rate limits kept in PostgreSQL, shared by every process that reaches the
//! database: a bucket is one row moved on by one upsert, times are the
//! server's clock, and a concurrency cap is a table of leases with expiries.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::{PgPool, PgPoolOptions};

use super::backend::{Gcra, Lease, RateLimitBackend, RateLimitError};
use super::lease::{poll_lease, LeaseStore};

/// The server's clock in microseconds since the Unix epoch.
macro_rules! now_us {
    () => {
        "(extract(epoch FROM clock_timestamp()) * 1000000)::bigint"
    };
}

/// The tables, made when missing (under a lock, as several processes may
/// connect at once).
const SCHEMA: &[&str] = &[
    "SELECT pg_advisory_xact_lock(7243021598342411)",
    "CREATE TABLE IF NOT EXISTS crmgen_rate_limit_buckets (
        name text PRIMARY KEY,
        tat_us bigint NOT NULL,
        seen_us bigint NOT NULL,
        allowed boolean NOT NULL
    )",
    "CREATE TABLE IF NOT EXISTS crmgen_rate_limit_pauses (
        scope text PRIMARY KEY,
        until_us bigint NOT NULL
    )",
    "CREATE TABLE IF NOT EXISTS crmgen_rate_limit_leases (
        scope text NOT NULL,
        id text NOT NULL,
        expires_us bigint NOT NULL,
        PRIMARY KEY (scope, id)
    )",
];

/// One GCRA step in one statement: $1 the bucket, $2 the interval and $3
/// the tolerance (µs). The row is locked by the upsert, and the clock read
/// once, after the lock; returns whether the request may go and, if not,
/// the µs to wait.
const TAKE: &str = concat!(
    "INSERT INTO crmgen_rate_limit_buckets AS b (name, tat_us, seen_us, allowed)
     SELECT $1, x.n + $2, x.n, true FROM (SELECT ",
    now_us!(),
    " AS n) x
     ON CONFLICT (name) DO UPDATE SET (allowed, tat_us, seen_us) = (
         SELECT d.ok, CASE WHEN d.ok THEN greatest(b.tat_us, d.n) + $2 ELSE b.tat_us END, d.n
         FROM (SELECT x.n, greatest(b.tat_us, x.n) - $3 <= x.n AS ok FROM (SELECT ",
    now_us!(),
    " AS n) x) d)
     RETURNING allowed, tat_us - $3 - seen_us"
);

const PAUSE: &str = concat!(
    "INSERT INTO crmgen_rate_limit_pauses AS p (scope, until_us) SELECT $1, ",
    now_us!(),
    " + $2
     ON CONFLICT (scope) DO UPDATE SET until_us = greatest(p.until_us, excluded.until_us)"
);

const PAUSED_FOR: &str = concat!("SELECT until_us - ", now_us!(), " FROM crmgen_rate_limit_pauses WHERE scope = $1");

const EXPIRE_LEASES: &str =
    concat!("DELETE FROM crmgen_rate_limit_leases WHERE scope = $1 AND expires_us <= ", now_us!());

const TRY_LEASE: &str = concat!(
    "INSERT INTO crmgen_rate_limit_leases (scope, id, expires_us) SELECT $1, $2, ",
    now_us!(),
    " + $4 WHERE (SELECT count(*) FROM crmgen_rate_limit_leases WHERE scope = $1) < $3"
);

const RENEW: &str =
    concat!("UPDATE crmgen_rate_limit_leases SET expires_us = ", now_us!(), " + $3 WHERE scope = $1 AND id = $2");

/// Rate limits kept in PostgreSQL: every process whose clients use the same
/// database, API and rate-limit key shares one quota, one pause and one
/// concurrency cap.
///
/// Its three tables (`crmgen_rate_limit_buckets`, `_pauses`, `_leases`)
/// are created on connect when missing. A bucket is one row whose GCRA
/// state one upsert moves on; a concurrency cap is rows of leases with an
/// expiry, renewed while held, so a killed process's leases free
/// themselves after [`lease_ttl`](Self::lease_ttl).
///
/// ```no_run
/// # async fn f() -> Result<(), Box<dyn std::error::Error>> {
/// use crmgen_runtime::PostgresRateLimiter;
/// let limiter = PostgresRateLimiter::connect("postgres://app@db/app").await?;
/// // Given to each client's builder: `.rate_limiter(limiter.clone())`.
/// # let _ = limiter; Ok(()) }
/// ```
#[derive(Clone)]
pub struct PostgresRateLimiter {
    pool: PgPool,
    lease_ttl: Duration,
}

impl fmt::Debug for PostgresRateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The pool (and its URL's password) stays out.
        f.debug_struct("PostgresRateLimiter").field("lease_ttl", &self.lease_ttl).finish_non_exhaustive()
    }
}

fn failed(e: sqlx::Error) -> RateLimitError {
    RateLimitError::new(format!("postgres: {e}"))
}

fn micros(d: Duration) -> i64 {
    d.as_micros().try_into().unwrap_or(i64::MAX)
}

impl PostgresRateLimiter {
    /// Connects to the database at `url` (a small pool) and creates the
    /// tables when missing.
    pub async fn connect(url: &str) -> Result<Self, RateLimitError> {
        let pool = PgPoolOptions::new().max_connections(8).connect(url).await.map_err(failed)?;
        PostgresRateLimiter::new(pool).await
    }

    /// Uses a pool the application already has, creating the tables when
    /// missing.
    pub async fn new(pool: PgPool) -> Result<Self, RateLimitError> {
        let mut tx = pool.begin().await.map_err(failed)?;
        for statement in SCHEMA {
            sqlx::query(statement).execute(&mut *tx).await.map_err(failed)?;
        }
        tx.commit().await.map_err(failed)?;
        Ok(PostgresRateLimiter { pool, lease_ttl: Duration::from_secs(15) })
    }

    /// How long a concurrency lease outlives a holder that stopped
    /// renewing it (a killed process); 15 s by default. Held leases are
    /// renewed every third of it.
    pub fn lease_ttl(mut self, ttl: Duration) -> Self {
        self.lease_ttl = ttl.max(Duration::from_millis(30));
        self
    }
}

#[async_trait]
impl RateLimitBackend for PostgresRateLimiter {
    async fn take(&self, bucket: &str, gcra: Gcra) -> Result<Option<Duration>, RateLimitError> {
        let (allowed, wait): (bool, i64) = sqlx::query_as(TAKE)
            .bind(bucket)
            .bind(micros(gcra.interval))
            .bind(micros(gcra.tolerance()))
            .fetch_one(&self.pool)
            .await
            .map_err(failed)?;
        Ok((!allowed).then(|| Duration::from_micros(wait.max(1) as u64)))
    }

    async fn pause(&self, scope: &str, pause: Duration) -> Result<(), RateLimitError> {
        sqlx::query(PAUSE).bind(scope).bind(micros(pause)).execute(&self.pool).await.map(drop).map_err(failed)
    }

    async fn paused_for(&self, scope: &str) -> Result<Option<Duration>, RateLimitError> {
        let left: Option<(i64,)> =
            sqlx::query_as(PAUSED_FOR).bind(scope).fetch_optional(&self.pool).await.map_err(failed)?;
        Ok(left.filter(|(us,)| *us > 0).map(|(us,)| Duration::from_micros(us as u64)))
    }

    async fn lease(&self, scope: &str, max: usize) -> Result<Lease, RateLimitError> {
        poll_lease(self, scope, max, self.lease_ttl).await
    }
}

impl LeaseStore for PostgresRateLimiter {
    async fn try_lease(&self, scope: &str, id: &str, max: usize, ttl: Duration) -> Result<bool, RateLimitError> {
        let mut tx = self.pool.begin().await.map_err(failed)?;
        // One taker per cap at a time: counting and inserting are then one step.
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind(scope)
            .execute(&mut *tx)
            .await
            .map_err(failed)?;
        sqlx::query(EXPIRE_LEASES).bind(scope).execute(&mut *tx).await.map_err(failed)?;
        let taken = sqlx::query(TRY_LEASE)
            .bind(scope)
            .bind(id)
            .bind(i64::try_from(max).unwrap_or(i64::MAX))
            .bind(micros(ttl))
            .execute(&mut *tx)
            .await
            .map_err(failed)?
            .rows_affected();
        tx.commit().await.map_err(failed)?;
        Ok(taken == 1)
    }

    async fn renew(&self, scope: &str, id: &str, ttl: Duration) -> Result<(), RateLimitError> {
        sqlx::query(RENEW).bind(scope).bind(id).bind(micros(ttl)).execute(&self.pool).await.map(drop).map_err(failed)
    }

    async fn release(&self, scope: &str, id: &str) -> Result<(), RateLimitError> {
        sqlx::query("DELETE FROM crmgen_rate_limit_leases WHERE scope = $1 AND id = $2")
            .bind(scope)
            .bind(id)
            .execute(&self.pool)
            .await
            .map(drop)
            .map_err(failed)
    }
}
