//! What `object!`'s `Deserialize` calls: the parts that are the same for
//! every struct, compiled once here instead of once per generated type.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::ops::Deref;

use serde::de::{Deserialize, Deserializer, Error, MapAccess, Visitor};

/// A map key, borrowed from the input when the format can (serde_json's
/// `from_slice` and `from_str` do for keys without escapes).
#[derive(Debug)]
pub struct Key<'de>(Cow<'de, str>);

impl Key<'_> {
    /// The key as an owned string (for a struct's additional properties).
    pub fn into_owned(self) -> String {
        self.0.into_owned()
    }
}

impl Deref for Key<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_borrowed_str<E: Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
            fn visit_borrowed_bytes<E: Error>(self, v: &'de [u8]) -> Result<Key<'de>, E> {
                Ok(Key(String::from_utf8_lossy(v)))
            }
            fn visit_bytes<E: Error>(self, v: &[u8]) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(String::from_utf8_lossy(v).into_owned())))
            }
        }
        deserializer.deserialize_identifier(KeyVisitor)
    }
}

/// A field's value, read once: a second occurrence is `duplicate field`.
fn read_once<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
    map: &mut A,
    slot: &mut Option<T>,
    wire: &'static str,
) -> Result<(), A::Error> {
    if slot.is_some() {
        return Err(A::Error::duplicate_field(wire));
    }
    *slot = Some(map.next_value()?);
    Ok(())
}

/// A required field: `missing field` when absent. A nullable one
/// (`Option<T>`) holds `None` for `null` but must still be there.
pub mod required {
    use super::*;

    /// Reads the field's value.
    pub fn read<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
        map: &mut A,
        slot: &mut Option<T>,
        wire: &'static str,
    ) -> Result<(), A::Error> {
        read_once(map, slot, wire)
    }

    /// The value read, or `missing field`.
    pub fn done<'de, A: MapAccess<'de>, T>(_: &A, slot: Option<T>, wire: &'static str) -> Result<T, A::Error> {
        slot.ok_or_else(|| A::Error::missing_field(wire))
    }
}

/// An optional field (`Option<T>`): `None` when absent or `null`.
pub mod optional {
    use super::*;

    /// Reads the field's value (`null` is `None`).
    pub fn read<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
        map: &mut A,
        slot: &mut Option<Option<T>>,
        wire: &'static str,
    ) -> Result<(), A::Error> {
        read_once(map, slot, wire)
    }

    /// The value read, or `None`.
    pub fn done<'de, A: MapAccess<'de>, T>(
        _: &A,
        slot: Option<Option<T>>,
        _: &'static str,
    ) -> Result<Option<T>, A::Error> {
        Ok(slot.flatten())
    }
}

/// An optional, nullable field (`Option<Option<T>>`, as `double_option`
/// reads it): `None` when absent, `Some(None)` for `null`.
pub mod double_option {
    use super::*;

    /// Reads the field's value: present, `null` included, is `Some(..)`.
    pub fn read<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
        map: &mut A,
        slot: &mut Option<Option<Option<T>>>,
        wire: &'static str,
    ) -> Result<(), A::Error> {
        if slot.is_some() {
            return Err(A::Error::duplicate_field(wire));
        }
        *slot = Some(Some(map.next_value()?));
        Ok(())
    }

    /// The value read, or `None` when the field was absent.
    pub fn done<'de, A: MapAccess<'de>, T>(
        _: &A,
        slot: Option<Option<Option<T>>>,
        _: &'static str,
    ) -> Result<Option<Option<T>>, A::Error> {
        Ok(slot.flatten())
    }
}

/// Where a key the schema does not declare goes: `()` skips its value,
/// `(map,)` keeps it (a struct's additional properties).
pub trait Rest<'de> {
    /// Reads the value of `key` and keeps or drops it.
    fn keep<A: MapAccess<'de>>(&mut self, map: &mut A, key: Key<'de>) -> Result<(), A::Error>;
}

impl<'de> Rest<'de> for () {
    fn keep<A: MapAccess<'de>>(&mut self, map: &mut A, _: Key<'de>) -> Result<(), A::Error> {
        map.next_value::<serde::de::IgnoredAny>().map(drop)
    }
}

impl<'de> Rest<'de> for (serde_json::Map<String, serde_json::Value>,) {
    fn keep<A: MapAccess<'de>>(&mut self, map: &mut A, key: Key<'de>) -> Result<(), A::Error> {
        let value = map.next_value()?;
        self.0.insert(key.into_owned(), value);
        Ok(())
    }
}

impl<'de, V: Deserialize<'de>> Rest<'de> for (BTreeMap<String, V>,) {
    fn keep<A: MapAccess<'de>>(&mut self, map: &mut A, key: Key<'de>) -> Result<(), A::Error> {
        let value = map.next_value()?;
        self.0.insert(key.into_owned(), value);
        Ok(())
    }
}

/// `expecting` of every struct's visitor: `struct Name`.
pub fn expecting(f: &mut fmt::Formatter<'_>, name: &str) -> fmt::Result {
    write!(f, "struct {name}")
}
