//! Tokens in Redis: one key per grant for the token set and one for the
//! refresh lease (`SET NX PX` with a fencing value), with the two
//! compare-then-write steps done by Lua scripts, which Redis runs whole.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use redis::aio::ConnectionManager;

use super::secret::Secret;
use super::store::{RefreshLease, StoreError, TokenSet, TokenStore};

/// Saves ARGV[1] unless the stored set names a refresh token other than
/// ARGV[2] (empty: none was expected).
const SAVE_IF: &str = r#"
local current = redis.call('GET', KEYS[1])
if current then
  local ok, set = pcall(cjson.decode, current)
  if ok and type(set) == 'table' and type(set['refresh_token']) == 'string' and set['refresh_token'] ~= ARGV[2] then
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[1])
return 1
"#;

/// Deletes the lease only if it is still this holder's.
const RELEASE: &str = r#"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"#;

/// A [`TokenStore`] in Redis (feature `redis`), for several processes
/// sharing one grant: keys `crmgen:tokens:{grant}` and
/// `crmgen:tokens:{grant}:lease`.
///
/// ```no_run
/// # async fn f(client_id: String, client_secret: String) -> Result<(), Box<dyn std::error::Error>> {
/// use crmgen_runtime::{OAuth2, RedisTokenStore};
///
/// let store = RedisTokenStore::connect("redis://cache:6379/", "zoho:org-20250101").await?;
/// let oauth = OAuth2::refresh_token_from_store(client_id, client_secret, store);
/// # let _ = oauth; Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisTokenStore {
    connection: ConnectionManager,
    key: String,
    lease_key: String,
    save_if: redis::Script,
    release: redis::Script,
}

impl fmt::Debug for RedisTokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The connection's URL may hold a password.
        f.debug_struct("RedisTokenStore").field("key", &self.key).finish_non_exhaustive()
    }
}

fn failed(what: &str, e: redis::RedisError) -> StoreError {
    format!("Redis token store: {what}: {e}").into()
}

impl RedisTokenStore {
    /// Connects and keeps the grant named `grant`.
    pub async fn connect(url: &str, grant: &str) -> Result<Self, StoreError> {
        let client = redis::Client::open(url).map_err(|e| failed("not a Redis URL", e))?;
        let connection = ConnectionManager::new(client).await.map_err(|e| failed("cannot connect", e))?;
        Ok(RedisTokenStore::new(connection, grant))
    }

    /// On the application's connection.
    pub fn new(connection: ConnectionManager, grant: &str) -> Self {
        let key = format!("crmgen:tokens:{grant}");
        RedisTokenStore {
            connection,
            lease_key: format!("{key}:lease"),
            key,
            save_if: redis::Script::new(SAVE_IF),
            release: redis::Script::new(RELEASE),
        }
    }
}

#[async_trait]
impl TokenStore for RedisTokenStore {
    async fn load(&self) -> Result<Option<TokenSet>, StoreError> {
        let mut connection = self.connection.clone();
        let text: Option<String> = redis::cmd("GET")
            .arg(&self.key)
            .query_async(&mut connection)
            .await
            .map_err(|e| failed("cannot load the tokens", e))?;
        match text {
            None => Ok(None),
            Some(text) => TokenSet::from_json(&text)
                .map(Some)
                .map_err(|e| StoreError::from(format!("Redis token store: `{}` does not parse: {e}", self.key))),
        }
    }

    async fn save(&self, tokens: &TokenSet) -> Result<(), StoreError> {
        let mut connection = self.connection.clone();
        redis::cmd("SET")
            .arg(&self.key)
            .arg(tokens.to_json())
            .query_async::<()>(&mut connection)
            .await
            .map_err(|e| failed("cannot save the tokens", e))
    }

    async fn save_if(&self, expected: Option<&Secret>, tokens: &TokenSet) -> Result<bool, StoreError> {
        let mut connection = self.connection.clone();
        let saved: i64 = self
            .save_if
            .key(&self.key)
            .arg(tokens.to_json())
            .arg(expected.map(Secret::expose).unwrap_or(""))
            .invoke_async(&mut connection)
            .await
            .map_err(|e| failed("cannot save the tokens", e))?;
        Ok(saved == 1)
    }

    async fn try_lease(&self, ttl: Duration) -> Result<Option<RefreshLease>, StoreError> {
        let mut connection = self.connection.clone();
        let fencing = RefreshLease::unique_fencing();
        let millis = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        let taken: Option<String> = redis::cmd("SET")
            .arg(&self.lease_key)
            .arg(&fencing)
            .arg("NX")
            .arg("PX")
            .arg(millis)
            .query_async(&mut connection)
            .await
            .map_err(|e| failed("cannot take the refresh lease", e))?;
        Ok(taken.map(|_| RefreshLease::new(fencing)))
    }

    async fn release(&self, lease: RefreshLease) -> Result<(), StoreError> {
        let mut connection = self.connection.clone();
        self.release
            .key(&self.lease_key)
            .arg(lease.fencing())
            .invoke_async::<i64>(&mut connection)
            .await
            .map_err(|e| failed("cannot release the refresh lease", e))?;
        Ok(())
    }
}
