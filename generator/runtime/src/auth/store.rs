//! Where tokens outlive the process: the [`TokenStore`] trait, an in-memory
//! store and a file-backed one (the Postgres and Redis stores are behind
//! the `postgres` and `redis` features).
//!
//! A store must keep the latest refresh token: when the API rotates refresh
//! tokens (HighLevel returns a new one on every refresh and the old one
//! stops working), losing the new one locks the user out. That is why a
//! refresh only counts as done once the store saved it.
//!
//! Several processes may share one store (workers of one CRM sync). The
//! contract that makes that safe has three parts, each with a default that
//! keeps a single process correct:
//! - a **lease** ([`TokenStore::try_lease`]): one refresh at a time across
//!   processes, with an expiry so that a process that dies holding it does
//!   not stop the others;
//! - a **compare-and-save** ([`TokenStore::save_if`]): tokens are saved only
//!   if the stored refresh token is still the one they were refreshed from;
//! - **re-reads**: a refresher loads the store after waiting for the lease
//!   and before reporting a rejected grant, because another process may have
//!   rotated the refresh token and saved a fresh access token meanwhile.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::secret::Secret;

/// The error of a [`TokenStore`]: what the application's storage reported.
/// It is a `std::error::Error`, so it converts with `?` into
/// `Box<dyn Error>` (with or without `Send + Sync`) and into `anyhow`-style
/// errors; build one from any error, a `String` or a `&str`.
pub struct StoreError(Box<dyn std::error::Error + Send + Sync>);

impl StoreError {
    /// Wraps the storage's own error.
    pub fn new(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        StoreError(error.into())
    }

    /// The storage's own error.
    pub fn into_inner(self) -> Box<dyn std::error::Error + Send + Sync> {
        self.0
    }
}

impl fmt::Debug for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

impl From<String> for StoreError {
    fn from(message: String) -> Self {
        StoreError(message.into())
    }
}

impl From<&str> for StoreError {
    fn from(message: &str) -> Self {
        StoreError(message.into())
    }
}

impl From<std::io::Error> for StoreError {
    fn from(error: std::io::Error) -> Self {
        StoreError(Box::new(error))
    }
}

impl From<Box<dyn std::error::Error + Send + Sync>> for StoreError {
    fn from(error: Box<dyn std::error::Error + Send + Sync>) -> Self {
        StoreError(error)
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(error: serde_json::Error) -> Self {
        StoreError(Box::new(error))
    }
}

/// The tokens of one grant, as a store keeps them.
#[derive(Clone, Default, PartialEq)]
pub struct TokenSet {
    /// The current access token.
    pub access_token: Option<Secret>,
    /// When the access token expires (from `expires_in`).
    pub expires_at: Option<SystemTime>,
    /// The refresh token: the one secret that must never be lost.
    pub refresh_token: Option<Secret>,
    /// The API domain the token response named (Zoho's `api_domain`).
    pub api_domain: Option<String>,
    /// The scopes granted (`scope`).
    pub scope: Option<String>,
    /// The other, non-secret fields of the token response (HighLevel's
    /// `userType`, `locationId`, `companyId`).
    pub fields: serde_json::Map<String, serde_json::Value>,
    /// The authorization server rejected `refresh_token` (`invalid_grant`):
    /// no process sends it again; only a new authorization (a token set
    /// with another refresh token) clears this.
    pub refresh_token_rejected: bool,
}

impl fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSet")
            .field("access_token", &self.access_token)
            .field("expires_at", &self.expires_at)
            .field("refresh_token", &self.refresh_token)
            .field("api_domain", &self.api_domain)
            .field("scope", &self.scope)
            .field("fields", &self.fields)
            .field("refresh_token_rejected", &self.refresh_token_rejected)
            .finish()
    }
}

/// The JSON form of a [`TokenSet`] (secrets in clear: only stores see it).
#[derive(Serialize, Deserialize)]
struct Stored {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    access_token: Option<String>,
    /// Seconds since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expires_at: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    api_domain: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scope: Option<String>,
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    fields: serde_json::Map<String, serde_json::Value>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    refresh_token_rejected: bool,
}

impl TokenSet {
    /// The token set as JSON, for stores that keep text (a database column,
    /// a secrets manager). The text holds the secrets in clear.
    pub fn to_json(&self) -> String {
        let stored = Stored {
            access_token: self.access_token.as_ref().map(|s| s.expose().to_string()),
            expires_at: self.expires_at.and_then(|t| t.duration_since(UNIX_EPOCH).ok()).map(|d| d.as_secs()),
            refresh_token: self.refresh_token.as_ref().map(|s| s.expose().to_string()),
            api_domain: self.api_domain.clone(),
            scope: self.scope.clone(),
            fields: self.fields.clone(),
            refresh_token_rejected: self.refresh_token_rejected,
        };
        // A struct of strings, numbers and JSON values always serializes.
        serde_json::to_string_pretty(&stored).unwrap_or_default()
    }

    /// Reads what [`TokenSet::to_json`] wrote.
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        let stored: Stored = serde_json::from_str(text)?;
        Ok(TokenSet {
            access_token: stored.access_token.map(Secret::new),
            expires_at: stored.expires_at.map(|s| UNIX_EPOCH + Duration::from_secs(s)),
            refresh_token: stored.refresh_token.map(Secret::new),
            api_domain: stored.api_domain,
            scope: stored.scope,
            fields: stored.fields,
            refresh_token_rejected: stored.refresh_token_rejected,
        })
    }

    /// This token response over the tokens it replaces: what the response
    /// omits is kept from `previous`. Servers that do not rotate refresh
    /// tokens (Zoho; many authorization-code servers) answer a refresh
    /// with an access token alone, and the refresh token must survive it;
    /// so do the API domain, the scope and the other fields.
    pub fn over(mut self, previous: &TokenSet) -> TokenSet {
        if self.refresh_token.is_none() {
            self.refresh_token = previous.refresh_token.clone();
        }
        if self.api_domain.is_none() {
            self.api_domain = previous.api_domain.clone();
        }
        if self.scope.is_none() {
            self.scope = previous.scope.clone();
        }
        for (k, v) in &previous.fields {
            self.fields.entry(k.clone()).or_insert_with(|| v.clone());
        }
        // A token response is an accepted grant: whatever was rejected before is not this one.
        self.refresh_token_rejected = false;
        self
    }
}

/// A hold on the right to refresh one grant, taken with
/// [`TokenStore::try_lease`] and given back with [`TokenStore::release`].
/// The `fencing` value tells this holder from any other (a later holder of
/// an expired lease has another); `guard` is whatever must live as long as
/// the lease (an open locked file).
pub struct RefreshLease {
    fencing: String,
    _guard: Option<Box<dyn std::any::Any + Send + Sync>>,
}

impl RefreshLease {
    /// A lease known by its fencing value.
    pub fn new(fencing: impl Into<String>) -> Self {
        RefreshLease { fencing: fencing.into(), _guard: None }
    }

    /// A lease that holds `guard` until it is released or dropped.
    pub fn with_guard(fencing: impl Into<String>, guard: impl std::any::Any + Send + Sync) -> Self {
        RefreshLease { fencing: fencing.into(), _guard: Some(Box::new(guard)) }
    }

    /// The fencing value of this holder.
    pub fn fencing(&self) -> &str {
        &self.fencing
    }

    /// A fencing value no other lease of this or another process has: the
    /// process id, the time and a random number.
    pub fn unique_fencing() -> String {
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        format!("{}-{nanos:x}-{:016x}", std::process::id(), fastrand::u64(..))
    }
}

impl fmt::Debug for RefreshLease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshLease").field("fencing", &self.fencing).finish_non_exhaustive()
    }
}

/// Keeps the tokens of one grant where the application wants them (a file,
/// a database row, a secrets manager). `save` is called after every token
/// request, before the new access token is used; `load` before a refresh,
/// so tokens another process saved are picked up instead of minting more.
///
/// Stores shared by several processes also implement [`try_lease`],
/// [`release`] and [`save_if`] (each method says what it must do); the
/// defaults suit a store only one process uses.
///
/// [`try_lease`]: TokenStore::try_lease
/// [`release`]: TokenStore::release
/// [`save_if`]: TokenStore::save_if
#[async_trait]
pub trait TokenStore: Send + Sync + fmt::Debug {
    /// The saved tokens, or `None` when nothing was saved yet.
    async fn load(&self) -> Result<Option<TokenSet>, StoreError>;

    /// Saves the tokens durably; `Err` fails the refresh.
    async fn save(&self, tokens: &TokenSet) -> Result<(), StoreError>;

    /// Saves `tokens` unless the store holds a refresh token other than
    /// `expected` (the one they were refreshed from), atomically; `false`
    /// when another writer changed it first (nothing is written then). A
    /// store holding no refresh token is saved to. The default compares and
    /// saves in two steps: atomic only in one process.
    async fn save_if(&self, expected: Option<&Secret>, tokens: &TokenSet) -> Result<bool, StoreError> {
        let stored = self.load().await?;
        if !still(stored.as_ref(), expected) {
            return Ok(false);
        }
        self.save(tokens).await.map(|()| true)
    }

    /// Takes the right to refresh for `ttl` (it expires by itself after
    /// that, if the holder died), or `None` when another holder has it:
    /// the caller waits, re-reads the store, and tries again. The default
    /// always grants it (a refresher already refreshes once at a time in
    /// its own process).
    async fn try_lease(&self, ttl: Duration) -> Result<Option<RefreshLease>, StoreError> {
        let _ = ttl;
        Ok(Some(RefreshLease::new("local")))
    }

    /// Gives a lease back early (a lease whose `ttl` passed needs nothing).
    /// Releasing a lease another holder has since taken does nothing.
    async fn release(&self, lease: RefreshLease) -> Result<(), StoreError> {
        drop(lease);
        Ok(())
    }
}

#[async_trait]
impl<T: TokenStore + ?Sized> TokenStore for Arc<T> {
    async fn load(&self) -> Result<Option<TokenSet>, StoreError> {
        (**self).load().await
    }
    async fn save(&self, tokens: &TokenSet) -> Result<(), StoreError> {
        (**self).save(tokens).await
    }
    async fn save_if(&self, expected: Option<&Secret>, tokens: &TokenSet) -> Result<bool, StoreError> {
        (**self).save_if(expected, tokens).await
    }
    async fn try_lease(&self, ttl: Duration) -> Result<Option<RefreshLease>, StoreError> {
        (**self).try_lease(ttl).await
    }
    async fn release(&self, lease: RefreshLease) -> Result<(), StoreError> {
        (**self).release(lease).await
    }
}

/// A store in memory: tokens last as long as the process. Clones share the
/// same tokens and the same lease, so refreshers of one process that share
/// a grant through it refresh one at a time.
#[derive(Debug, Clone, Default)]
pub struct MemoryTokenStore {
    inner: Arc<Mutex<Memory>>,
}

#[derive(Debug, Default)]
struct Memory {
    tokens: Option<TokenSet>,
    lease: Option<(String, Instant)>,
}

impl MemoryTokenStore {
    /// An empty store.
    pub fn new() -> Self {
        MemoryTokenStore::default()
    }

    /// A store holding these tokens.
    pub fn with(tokens: TokenSet) -> Self {
        let store = MemoryTokenStore::default();
        store.lock().tokens = Some(tokens);
        store
    }

    /// What the store holds now.
    pub fn get(&self) -> Option<TokenSet> {
        self.lock().tokens.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Memory> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[async_trait]
impl TokenStore for MemoryTokenStore {
    async fn load(&self) -> Result<Option<TokenSet>, StoreError> {
        Ok(self.get())
    }
    async fn save(&self, tokens: &TokenSet) -> Result<(), StoreError> {
        self.lock().tokens = Some(tokens.clone());
        Ok(())
    }
    async fn save_if(&self, expected: Option<&Secret>, tokens: &TokenSet) -> Result<bool, StoreError> {
        let mut memory = self.lock();
        if !still(memory.tokens.as_ref(), expected) {
            return Ok(false);
        }
        memory.tokens = Some(tokens.clone());
        Ok(true)
    }
    async fn try_lease(&self, ttl: Duration) -> Result<Option<RefreshLease>, StoreError> {
        let mut memory = self.lock();
        if memory.lease.as_ref().is_some_and(|(_, until)| Instant::now() < *until) {
            return Ok(None);
        }
        let fencing = RefreshLease::unique_fencing();
        memory.lease = Some((fencing.clone(), Instant::now() + ttl));
        Ok(Some(RefreshLease::new(fencing)))
    }
    async fn release(&self, lease: RefreshLease) -> Result<(), StoreError> {
        let mut memory = self.lock();
        if memory.lease.as_ref().is_some_and(|(fencing, _)| *fencing == lease.fencing) {
            memory.lease = None;
        }
        Ok(())
    }
}

/// A store in one JSON file. Saving writes a temporary file in the same
/// directory, flushes it to disk and renames it over the old one, so the
/// file always holds a complete token set, whatever the moment the process
/// dies. On Unix the file is created readable by its owner only (mode 0600).
///
/// Several processes on one machine may share the file: the lease is an
/// exclusive OS lock on `<file>.lease` (released by the operating system
/// when its holder exits, however it exits), and each save holds an OS
/// lock on `<file>.lock` while it compares and replaces the file.
#[derive(Debug, Clone)]
pub struct FileTokenStore {
    path: PathBuf,
}

impl FileTokenStore {
    /// A store in the file at `path` (created on the first save).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileTokenStore { path: path.into() }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn sidecar(&self, suffix: &str) -> PathBuf {
        let mut name = self.path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
        name.push(suffix);
        self.path.with_file_name(name)
    }

    fn dir(path: &Path) -> PathBuf {
        match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }

    fn read(path: &Path) -> Result<Option<TokenSet>, StoreError> {
        match std::fs::read_to_string(path) {
            Ok(text) => TokenSet::from_json(&text).map(Some).map_err(|e| located(path, "cannot parse", e)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(located(path, "cannot read", e)),
        }
    }

    fn write(path: &Path, json: &str) -> Result<(), StoreError> {
        let dir = FileTokenStore::dir(path);
        let mut file = tempfile::NamedTempFile::new_in(&dir).map_err(|e| located(&dir, "cannot write in", e))?;
        std::io::Write::write_all(&mut file, json.as_bytes()).map_err(|e| located(path, "cannot write", e))?;
        file.as_file().sync_all().map_err(|e| located(path, "cannot flush", e))?;
        file.persist(path).map_err(|e| located(path, "cannot replace", e.error))?;
        Ok(())
    }

    /// Opens (creating) a lock file beside the token file, mode 0600.
    fn open_lock(path: &Path) -> Result<std::fs::File, StoreError> {
        let mut options = std::fs::OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        options.open(path).map_err(|e| located(path, "cannot open", e))
    }

    /// Runs `f` on a blocking thread with `<file>.lock` held.
    async fn locked<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Path) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let path = self.path.clone();
        let lock = self.sidecar(".lock");
        let run = tokio::task::spawn_blocking(move || {
            let file = FileTokenStore::open_lock(&lock)?;
            file.lock().map_err(|e| located(&lock, "cannot lock", e))?;
            f(&path)
            // Closing the file releases the lock.
        });
        run.await.map_err(|e| located(&self.path, "cannot use", e))?
    }
}

/// Whether a compare-and-save may write over `stored`: it holds no refresh
/// token, or the `expected` one.
pub(crate) fn still(stored: Option<&TokenSet>, expected: Option<&Secret>) -> bool {
    match stored.and_then(|s| s.refresh_token.as_ref()) {
        None => true,
        Some(current) => Some(current) == expected,
    }
}

fn located(path: &Path, what: &str, e: impl fmt::Display) -> StoreError {
    format!("{what} {}: {e}", path.display()).into()
}

#[async_trait]
impl TokenStore for FileTokenStore {
    async fn load(&self) -> Result<Option<TokenSet>, StoreError> {
        // The file is replaced by a rename: a reader sees the old or the new file whole, no lock needed.
        let path = self.path.clone();
        let read = tokio::task::spawn_blocking(move || FileTokenStore::read(&path));
        read.await.map_err(|e| located(&self.path, "cannot read", e))?
    }

    async fn save(&self, tokens: &TokenSet) -> Result<(), StoreError> {
        let json = tokens.to_json();
        self.locked(move |path| FileTokenStore::write(path, &json)).await
    }

    async fn save_if(&self, expected: Option<&Secret>, tokens: &TokenSet) -> Result<bool, StoreError> {
        let json = tokens.to_json();
        let expected = expected.cloned();
        self.locked(move |path| {
            let stored = FileTokenStore::read(path)?;
            if !still(stored.as_ref(), expected.as_ref()) {
                return Ok(false);
            }
            FileTokenStore::write(path, &json).map(|()| true)
        })
        .await
    }

    async fn try_lease(&self, ttl: Duration) -> Result<Option<RefreshLease>, StoreError> {
        // The OS lock lasts as long as its holder: `ttl` is not needed to recover from a dead one.
        let _ = ttl;
        let path = self.sidecar(".lease");
        let take = tokio::task::spawn_blocking(move || {
            let file = FileTokenStore::open_lock(&path)?;
            match file.try_lock() {
                Ok(()) => Ok(Some(RefreshLease::with_guard(RefreshLease::unique_fencing(), file))),
                Err(std::fs::TryLockError::WouldBlock) => Ok(None),
                Err(std::fs::TryLockError::Error(e)) => Err(located(&path, "cannot lock", e)),
            }
        });
        take.await.map_err(|e| located(&self.path, "cannot lock", e))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> TokenSet {
        let mut fields = serde_json::Map::new();
        fields.insert("locationId".into(), "loc-1".into());
        TokenSet {
            access_token: Some(Secret::new("access-xyz")),
            expires_at: Some(UNIX_EPOCH + Duration::from_secs(1_800_000_000)),
            refresh_token: Some(Secret::new("refresh-xyz")),
            api_domain: Some("https://www.zohoapis.eu".into()),
            scope: Some("a b".into()),
            fields,
            refresh_token_rejected: false,
        }
    }

    #[test]
    fn json_round_trip_and_redacted_debug() {
        let set = sample();
        assert_eq!(TokenSet::from_json(&set.to_json()).unwrap(), set);
        let debug = format!("{set:?}");
        assert!(!debug.contains("access-xyz") && !debug.contains("refresh-xyz"), "{debug}");
        assert!(debug.contains("loc-1"), "{debug}");
    }

    #[tokio::test]
    async fn file_store_saves_atomically_and_loads_back() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileTokenStore::new(dir.path().join("tokens.json"));
        assert!(store.load().await.unwrap().is_none());
        store.save(&sample()).await.unwrap();
        let mut rotated = sample();
        rotated.refresh_token = Some(Secret::new("refresh-2"));
        store.save(&rotated).await.unwrap();
        assert_eq!(store.load().await.unwrap(), Some(rotated));
        // Only the file and its lock file are left: the temporary file was renamed.
        let mut names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        names.sort();
        assert_eq!(names, ["tokens.json", "tokens.json.lock"].map(std::ffi::OsString::from));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(store.path()).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "the token file is readable by others: {mode:o}");
        }
    }

    #[tokio::test]
    async fn file_store_errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.json");
        std::fs::write(&path, "not json").unwrap();
        let err = FileTokenStore::new(&path).load().await.unwrap_err().to_string();
        assert!(err.starts_with("cannot parse ") && err.contains("tokens.json"), "{err}");
        let missing = FileTokenStore::new(dir.path().join("no/such/dir/tokens.json"));
        let err = missing.save(&sample()).await.unwrap_err().to_string();
        assert!(err.contains("no/such/dir"), "{err}");
    }

    #[test]
    fn a_response_over_the_tokens_it_replaces_keeps_what_it_omits() {
        let previous = sample();
        let mut response = TokenSet { access_token: Some(Secret::new("access-2")), ..TokenSet::default() };
        response.fields.insert("userType".into(), "Location".into());
        let merged = response.over(&previous);
        assert_eq!(merged.access_token, Some(Secret::new("access-2")));
        assert_eq!(merged.refresh_token, previous.refresh_token);
        assert_eq!(merged.api_domain, previous.api_domain);
        assert_eq!(merged.scope, previous.scope);
        assert_eq!(merged.fields.get("locationId"), previous.fields.get("locationId"));
        assert_eq!(merged.fields.get("userType").and_then(|v| v.as_str()), Some("Location"));
        // A rotated refresh token wins; a rejection is not carried over.
        let rejected = TokenSet { refresh_token_rejected: true, ..sample() };
        let rotated = TokenSet { refresh_token: Some(Secret::new("refresh-3")), ..TokenSet::default() };
        let merged = rotated.over(&rejected);
        assert_eq!(merged.refresh_token, Some(Secret::new("refresh-3")));
        assert!(!merged.refresh_token_rejected);
        let text = TokenSet { refresh_token_rejected: true, ..sample() }.to_json();
        assert!(TokenSet::from_json(&text).unwrap().refresh_token_rejected, "{text}");
    }

    async fn compare_and_save_contract(store: &dyn TokenStore) {
        let old = Secret::new("refresh-xyz");
        // An empty store is saved to.
        assert!(store.save_if(Some(&old), &sample()).await.unwrap());
        let mut next = sample();
        next.refresh_token = Some(Secret::new("refresh-2"));
        // The stored refresh token is the one refreshed from: saved.
        assert!(store.save_if(Some(&old), &next).await.unwrap());
        // It is not any more: refused, nothing written.
        let mut late = sample();
        late.refresh_token = Some(Secret::new("refresh-late"));
        assert!(!store.save_if(Some(&old), &late).await.unwrap());
        assert_eq!(store.load().await.unwrap().unwrap().refresh_token, Some(Secret::new("refresh-2")));
    }

    async fn lease_contract(a: &dyn TokenStore, b: &dyn TokenStore) {
        let ttl = Duration::from_secs(30);
        let held = a.try_lease(ttl).await.unwrap().expect("a free lease");
        assert!(b.try_lease(ttl).await.unwrap().is_none(), "two holders");
        assert!(a.try_lease(ttl).await.unwrap().is_none(), "two holders through one store");
        a.release(held).await.unwrap();
        let again = b.try_lease(ttl).await.unwrap().expect("a released lease is free");
        b.release(again).await.unwrap();
    }

    #[tokio::test]
    async fn the_memory_store_compares_and_saves_and_leases() {
        compare_and_save_contract(&MemoryTokenStore::new()).await;
        let store = MemoryTokenStore::new();
        lease_contract(&store, &store.clone()).await;
        // An expired lease is free again.
        let _held = store.try_lease(Duration::from_millis(1)).await.unwrap().unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
        assert!(store.try_lease(Duration::from_secs(1)).await.unwrap().is_some());
    }

    #[tokio::test]
    async fn the_file_store_compares_and_saves_and_leases_through_os_locks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.json");
        compare_and_save_contract(&FileTokenStore::new(&path)).await;
        // Two stores on one file: as two processes would be.
        lease_contract(&FileTokenStore::new(&path), &FileTokenStore::new(&path)).await;
        // A dropped lease (its holder died) is free at once.
        let held = FileTokenStore::new(&path).try_lease(Duration::from_secs(30)).await.unwrap().unwrap();
        drop(held);
        assert!(FileTokenStore::new(&path).try_lease(Duration::from_secs(30)).await.unwrap().is_some());
    }
}
