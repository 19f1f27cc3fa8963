//! The keys and secrets a verifier holds. Public keys are read from PEM
//! (SubjectPublicKeyInfo, as vendors publish them); secrets never appear
//! in `Debug` output, and an empty one cannot be made.

use std::fmt;

// One trait for both key types: `ed25519-dalek` and `rsa` share `pkcs8`.
use rsa::pkcs8::DecodePublicKey as _;

use super::error::KeyError;

/// The smallest RSA modulus trusted, in bits.
const MIN_RSA_BITS: usize = 2048;

/// An Ed25519 public key.
#[derive(Clone, PartialEq, Eq)]
pub struct Ed25519Key(pub(crate) ed25519_dalek::VerifyingKey);

impl Ed25519Key {
    /// Reads a `-----BEGIN PUBLIC KEY-----` PEM block.
    pub fn from_public_key_pem(pem: &str) -> Result<Self, KeyError> {
        ed25519_dalek::VerifyingKey::from_public_key_pem(pem.trim())
            .map_err(invalid("Ed25519 public key"))
            .and_then(Self::checked)
    }

    /// From the 32 bytes of the key.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, KeyError> {
        ed25519_dalek::VerifyingKey::from_bytes(bytes).map_err(invalid("Ed25519 public key")).and_then(Self::checked)
    }

    /// A key of small order verifies signatures anyone can make.
    fn checked(key: ed25519_dalek::VerifyingKey) -> Result<Self, KeyError> {
        if key.is_weak() {
            return Err(KeyError::Invalid { what: "Ed25519 public key", message: "a weak (small-order) key".into() });
        }
        Ok(Self(key))
    }
}

fn invalid<E: fmt::Display>(what: &'static str) -> impl Fn(E) -> KeyError {
    move |e| KeyError::Invalid { what, message: e.to_string() }
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
    /// Reads a `-----BEGIN PUBLIC KEY-----` PEM block. Keys under 2048 bits
    /// are refused.
    pub fn from_public_key_pem(pem: &str) -> Result<Self, KeyError> {
        use rsa::traits::PublicKeyParts as _;
        let key = rsa::RsaPublicKey::from_public_key_pem(pem.trim()).map_err(invalid("RSA public key"))?;
        let bits = key.size() * 8;
        if bits < MIN_RSA_BITS {
            return Err(KeyError::Invalid {
                what: "RSA public key",
                message: format!("{bits} bits, under the {MIN_RSA_BITS} trusted"),
            });
        }
        Ok(Self(rsa::pkcs1v15::VerifyingKey::new(key)))
    }
}

impl fmt::Debug for RsaKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use rsa::traits::PublicKeyParts as _;
        let key: &rsa::RsaPublicKey = self.0.as_ref();
        write!(f, "RsaKey({} bits)", key.size() * 8)
    }
}

/// A shared secret (an HMAC key, a channel token). Never empty or only
/// whitespace: anyone could sign with the empty key or echo an empty token.
/// Its `Debug` output is redacted; it is compared in constant time (it has
/// no `PartialEq`, so that no comparison can leak it through timing).
#[derive(Clone)]
pub struct Secret(Vec<u8>);

impl Secret {
    /// A secret from its text, as the vendor shows it; refused with
    /// [`KeyError::EmptySecret`] when it is empty or only whitespace.
    pub fn new(secret: impl Into<String>) -> Result<Self, KeyError> {
        let secret = secret.into();
        if secret.trim().is_empty() {
            return Err(KeyError::EmptySecret);
        }
        Ok(Self(secret.into_bytes()))
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl TryFrom<String> for Secret {
    type Error = KeyError;
    fn try_from(secret: String) -> Result<Self, KeyError> {
        Self::new(secret)
    }
}

impl TryFrom<&str> for Secret {
    type Error = KeyError;
    fn try_from(secret: &str) -> Result<Self, KeyError> {
        Self::new(secret)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}
