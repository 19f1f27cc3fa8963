//! Where tokens outlive the process: the [`TokenStore`] trait, an in-memory
//! store and a file-backed one.
//!
//! A store must keep the latest refresh token: when the API rotates refresh
//! tokens (HighLevel returns a new one on every refresh and the old one
//! stops working), losing the new one locks the user out. That is why a
//! refresh only counts as done once [`TokenStore::save`] returned `Ok`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::secret::Secret;

/// The error of a [`TokenStore`]: anything the application's storage reports.
pub type StoreError = Box<dyn std::error::Error + Send + Sync>;

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
        })
    }
}

/// Keeps the tokens of one grant where the application wants them (a file,
/// a database row, a secrets manager). `save` is called after every token
/// request, before the new access token is used; `load` before a refresh,
/// so tokens another process saved are picked up instead of minting more.
#[async_trait]
pub trait TokenStore: Send + Sync + fmt::Debug {
    /// The saved tokens, or `None` when nothing was saved yet.
    async fn load(&self) -> Result<Option<TokenSet>, StoreError>;
    /// Saves the tokens durably; `Err` fails the refresh.
    async fn save(&self, tokens: &TokenSet) -> Result<(), StoreError>;
}

#[async_trait]
impl<T: TokenStore + ?Sized> TokenStore for Arc<T> {
    async fn load(&self) -> Result<Option<TokenSet>, StoreError> {
        (**self).load().await
    }
    async fn save(&self, tokens: &TokenSet) -> Result<(), StoreError> {
        (**self).save(tokens).await
    }
}

/// A store in memory: tokens last as long as the process. Clones share the
/// same tokens.
#[derive(Debug, Clone, Default)]
pub struct MemoryTokenStore {
    tokens: Arc<Mutex<Option<TokenSet>>>,
}

impl MemoryTokenStore {
    /// An empty store.
    pub fn new() -> Self {
        MemoryTokenStore::default()
    }

    /// A store holding these tokens.
    pub fn with(tokens: TokenSet) -> Self {
        MemoryTokenStore { tokens: Arc::new(Mutex::new(Some(tokens))) }
    }

    /// What the store holds now.
    pub fn get(&self) -> Option<TokenSet> {
        self.tokens.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

#[async_trait]
impl TokenStore for MemoryTokenStore {
    async fn load(&self) -> Result<Option<TokenSet>, StoreError> {
        Ok(self.get())
    }
    async fn save(&self, tokens: &TokenSet) -> Result<(), StoreError> {
        *self.tokens.lock().unwrap_or_else(|e| e.into_inner()) = Some(tokens.clone());
        Ok(())
    }
}

/// A store in one JSON file. Saving writes a temporary file in the same
/// directory, flushes it to disk and renames it over the old one, so the
/// file always holds a complete token set, whatever the moment the process
/// dies. On Unix the file is created readable by its owner only (mode 0600).
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
}

fn located(path: &Path, what: &str, e: impl fmt::Display) -> StoreError {
    format!("{what} {}: {e}", path.display()).into()
}

#[async_trait]
impl TokenStore for FileTokenStore {
    async fn load(&self) -> Result<Option<TokenSet>, StoreError> {
        let path = self.path.clone();
        let read = tokio::task::spawn_blocking(move || match std::fs::read_to_string(&path) {
            Ok(text) => TokenSet::from_json(&text).map(Some).map_err(|e| located(&path, "cannot parse", e)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(located(&path, "cannot read", e)),
        });
        read.await.map_err(|e| located(&self.path, "cannot read", e))?
    }

    async fn save(&self, tokens: &TokenSet) -> Result<(), StoreError> {
        let path = self.path.clone();
        let json = tokens.to_json();
        let write = tokio::task::spawn_blocking(move || {
            let dir = match path.parent() {
                Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
                _ => PathBuf::from("."),
            };
            let mut file = tempfile::NamedTempFile::new_in(&dir).map_err(|e| located(&dir, "cannot write in", e))?;
            std::io::Write::write_all(&mut file, json.as_bytes()).map_err(|e| located(&path, "cannot write", e))?;
            file.as_file().sync_all().map_err(|e| located(&path, "cannot flush", e))?;
            file.persist(&path).map_err(|e| located(&path, "cannot replace", e.error))?;
            Ok(())
        });
        write.await.map_err(|e| located(&self.path, "cannot write", e))?
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
        // Only the file itself is left: the temporary file was renamed.
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from("tokens.json")]);
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
}
