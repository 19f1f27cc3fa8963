//! Tokens in PostgreSQL: one row per grant, shared by every process that
//! reaches the database. The refresh lease is a pair of columns of that row
//! (its holder's fencing value and its expiry, on the server's clock) taken
//! with one conditional upsert, so it needs no session-level advisory lock:
//! such a lock belongs to one pooled connection, outlives the task that
//! took it when the connection goes back to the pool, and is lost with a
//! connection that drops; a lease row is none of that.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::{PgPool, PgPoolOptions};

use super::secret::Secret;
use super::store::{RefreshLease, StoreError, TokenSet, TokenStore};

/// The schema's versions, applied in order, once each, under a transaction
/// lock (several processes may start at once). Applications that run their
/// own migrations can apply these statements themselves and skip
/// [`PostgresTokenStore::migrate`].
pub const POSTGRES_TOKEN_STORE_MIGRATIONS: &[(i32, &str)] = &[(
    1,
    "CREATE TABLE crmgen_token_grants (
        grant_id text PRIMARY KEY,
        tokens jsonb NOT NULL DEFAULT '{}'::jsonb,
        lease_fencing text,
        lease_until timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now()
    )",
)];

const LOAD: &str = "SELECT tokens::text FROM crmgen_token_grants WHERE grant_id = $1";

const SAVE: &str = "INSERT INTO crmgen_token_grants (grant_id, tokens) VALUES ($1, $2::jsonb)
     ON CONFLICT (grant_id) DO UPDATE SET tokens = EXCLUDED.tokens, updated_at = now()";

/// The upsert happens only while the row holds no refresh token or the
/// expected one ($3); the row is locked by the upsert, so two writers never
/// both pass the check.
const SAVE_IF: &str = "INSERT INTO crmgen_token_grants AS g (grant_id, tokens) VALUES ($1, $2::jsonb)
     ON CONFLICT (grant_id) DO UPDATE SET tokens = EXCLUDED.tokens, updated_at = now()
     WHERE g.tokens->>'refresh_token' IS NULL OR g.tokens->>'refresh_token' = $3";

const LEASE: &str = "INSERT INTO crmgen_token_grants AS g (grant_id, lease_fencing, lease_until)
     VALUES ($1, $2, clock_timestamp() + $3 * interval '1 millisecond')
     ON CONFLICT (grant_id) DO UPDATE SET lease_fencing = EXCLUDED.lease_fencing, lease_until = EXCLUDED.lease_until
     WHERE g.lease_until IS NULL OR g.lease_until < clock_timestamp()";

const RELEASE: &str = "UPDATE crmgen_token_grants SET lease_fencing = NULL, lease_until = NULL
     WHERE grant_id = $1 AND lease_fencing = $2";

/// A [`TokenStore`] in PostgreSQL (feature `postgres`), for several
/// processes sharing one grant: the table `crmgen_token_grants` holds a row
/// per grant, named by the application (`"zoho:org-20250101"`).
///
/// ```no_run
/// # async fn f(client_id: String, client_secret: String) -> Result<(), Box<dyn std::error::Error>> {
/// use crmgen_runtime::{OAuth2, PostgresTokenStore};
///
/// let store = PostgresTokenStore::connect("postgres://sync@db/crm", "highlevel:agency-1").await?;
/// let oauth = OAuth2::refresh_token_from_store(client_id, client_secret, store);
/// # let _ = oauth; Ok(()) }
/// ```
#[derive(Clone)]
pub struct PostgresTokenStore {
    pool: PgPool,
    grant: String,
}

impl fmt::Debug for PostgresTokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The pool's options hold the database password.
        f.debug_struct("PostgresTokenStore").field("grant", &self.grant).finish_non_exhaustive()
    }
}

fn db(what: &str, e: sqlx::Error) -> StoreError {
    // sqlx's errors name the statement and the server's message, never the connection URL.
    format!("PostgreSQL token store: {what}: {e}").into()
}

impl PostgresTokenStore {
    /// Connects (a small pool), applies the migrations and keeps the grant
    /// named `grant`.
    pub async fn connect(url: &str, grant: impl Into<String>) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await
            .map_err(|e| db("cannot connect", e))?;
        PostgresTokenStore::new(pool, grant).await
    }

    /// On the application's pool; applies the migrations.
    pub async fn new(pool: PgPool, grant: impl Into<String>) -> Result<Self, StoreError> {
        PostgresTokenStore::migrate(&pool).await?;
        Ok(PostgresTokenStore::without_migrations(pool, grant))
    }

    /// On the application's pool, trusting that
    /// [`POSTGRES_TOKEN_STORE_MIGRATIONS`] were applied.
    pub fn without_migrations(pool: PgPool, grant: impl Into<String>) -> Self {
        PostgresTokenStore { pool, grant: grant.into() }
    }

    /// Applies the migrations not applied yet (recorded in
    /// `crmgen_token_store_migrations`), in one transaction that holds an
    /// advisory transaction lock, so that processes starting together apply
    /// each once.
    pub async fn migrate(pool: &PgPool) -> Result<(), StoreError> {
        let mut tx = pool.begin().await.map_err(|e| db("cannot begin", e))?;
        sqlx::query("SELECT pg_advisory_xact_lock(7243021598342412)")
            .execute(&mut *tx)
            .await
            .map_err(|e| db("cannot lock the migrations", e))?;
        sqlx::query("CREATE TABLE IF NOT EXISTS crmgen_token_store_migrations (version integer PRIMARY KEY)")
            .execute(&mut *tx)
            .await
            .map_err(|e| db("cannot create the migrations table", e))?;
        for (version, statement) in POSTGRES_TOKEN_STORE_MIGRATIONS {
            let applied: Option<i32> =
                sqlx::query_scalar("SELECT version FROM crmgen_token_store_migrations WHERE version = $1")
                    .bind(version)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(|e| db("cannot read the migrations", e))?;
            if applied.is_some() {
                continue;
            }
            sqlx::query(statement).execute(&mut *tx).await.map_err(|e| db(&format!("migration {version}"), e))?;
            sqlx::query("INSERT INTO crmgen_token_store_migrations (version) VALUES ($1)")
                .bind(version)
                .execute(&mut *tx)
                .await
                .map_err(|e| db("cannot record the migration", e))?;
        }
        tx.commit().await.map_err(|e| db("cannot commit the migrations", e))
    }

    /// The grant's name (its row's key).
    pub fn grant(&self) -> &str {
        &self.grant
    }
}

#[async_trait]
impl TokenStore for PostgresTokenStore {
    async fn load(&self) -> Result<Option<TokenSet>, StoreError> {
        let text: Option<String> = sqlx::query_scalar(LOAD)
            .bind(&self.grant)
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| db("cannot load the tokens", e))?;
        match text {
            None => Ok(None),
            Some(text) => TokenSet::from_json(&text).map(Some).map_err(|e| {
                StoreError::from(format!("PostgreSQL token store: the tokens of `{}` do not parse: {e}", self.grant))
            }),
        }
    }

    async fn save(&self, tokens: &TokenSet) -> Result<(), StoreError> {
        sqlx::query(SAVE)
            .bind(&self.grant)
            .bind(tokens.to_json())
            .execute(&self.pool)
            .await
            .map_err(|e| db("cannot save the tokens", e))?;
        Ok(())
    }

    async fn save_if(&self, expected: Option<&Secret>, tokens: &TokenSet) -> Result<bool, StoreError> {
        let done = sqlx::query(SAVE_IF)
            .bind(&self.grant)
            .bind(tokens.to_json())
            .bind(expected.map(Secret::expose))
            .execute(&self.pool)
            .await
            .map_err(|e| db("cannot save the tokens", e))?;
        Ok(done.rows_affected() == 1)
    }

    async fn try_lease(&self, ttl: Duration) -> Result<Option<RefreshLease>, StoreError> {
        let fencing = RefreshLease::unique_fencing();
        let millis = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX);
        let taken = sqlx::query(LEASE)
            .bind(&self.grant)
            .bind(&fencing)
            .bind(millis as f64)
            .execute(&self.pool)
            .await
            .map_err(|e| db("cannot take the refresh lease", e))?;
        Ok((taken.rows_affected() == 1).then(|| RefreshLease::new(fencing)))
    }

    async fn release(&self, lease: RefreshLease) -> Result<(), StoreError> {
        sqlx::query(RELEASE)
            .bind(&self.grant)
            .bind(lease.fencing())
            .execute(&self.pool)
            .await
            .map_err(|e| db("cannot release the refresh lease", e))?;
        Ok(())
    }
}
