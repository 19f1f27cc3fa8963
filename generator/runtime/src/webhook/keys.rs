//! The keys and secrets a verifier holds. Public keys are read from PEM
//! (SubjectPublicKeyInfo, as vendors publish them); secrets never appear
//! in `Debug` output.

use std::fmt;

// One trait for both key types: `ed25519-dalek` and `rsa` share `pkcs8`.
use rsa::pkcs8::DecodePublicKey as _;

use super::error::KeyError;

/// An Ed25519 public key.
#[derive(Clone, PartialEq, Eq)]
pub struct Ed25519Key(pub(crate) ed25519_dalek::VerifyingKey);

impl Ed25519Key {
    /// Reads a `-----BEGIN PUBLIC KEY-----` PEM block.
    pub fn from_public_key_pem(pem: &str) -> Result<Self, KeyError> {
        ed25519_dalek::VerifyingKey::from_public_key_pem(pem.trim())
            .map(Self)
            .map_err(|e| KeyError { what: "Ed25519 public key", message: e.to_string() })
    }

    /// From the 32 bytes of the key.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, KeyError> {
        ed25519_dalek::VerifyingKey::from_bytes(bytes)
            .map(Self)
            .map_err(|e| KeyError { what: "Ed25519 public key", message: e.to_string() })
    }
}

impl fmt::Debug for Ed25519Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Ed25519Key({})", hex::encode(self.0.as_bytes()))
    }
}

/// An RSA public key, for RSASSA-PKCS1-v1_5 signatures over SHA-256.
#[derive(Clone)]
pub struct RsaKey(pub(crate) rsa::pkcs1v15::VerifyingKey<sha2::Sha256>);

impl RsaKey {
    /// Reads a `-----BEGIN PUBLIC KEY-----` PEM block.
    pub fn from_public_key_pem(pem: &str) -> Result<Self, KeyError> {
        rsa::RsaPublicKey::from_public_key_pem(pem.trim())
            .map(|key| Self(rsa::pkcs1v15::VerifyingKey::new(key)))
            .map_err(|e| KeyError { what: "RSA public key", message: e.to_string() })
    }
}

impl fmt::Debug for RsaKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use rsa::traits::PublicKeyParts as _;
        let key: &rsa::RsaPublicKey = self.0.as_ref();
        write!(f, "RsaKey({} bits)", key.size() * 8)
    }
}

/// A shared secret (an HMAC key, a channel token). Its `Debug` output is
/// redacted; it is compared in constant time (it has no `PartialEq`, so
/// that no comparison can leak it through timing).
#[derive(Clone)]
pub struct Secret(Vec<u8>);

impl Secret {
    /// A secret from its text, as the vendor shows it.
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into().into_bytes())
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(secret: String) -> Self {
        Self::new(secret)
    }
}

impl From<&str> for Secret {
    fn from(secret: &str) -> Self {
        Self::new(secret)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}
