//! Reads the few top-level fields a verifier needs (the token, the
//! timestamp, the delivery id) in one pass over the body, keeping nothing
//! else: every other value is skipped as it is read (`IgnoredAny`), and the
//! token is compared where it lies in the body, never copied. A body with a
//! wrong token is refused at the cost of reading it, not of building it.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer as _, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use subtle::ConstantTimeEq as _;

use super::keys::Secret;

/// Longest timestamp or delivery id kept, in bytes; a longer one is read
/// as absent (ids) or malformed (timestamps) without being copied.
const MAX_SMALL_VALUE: usize = 256;

/// What to look for.
pub(super) struct Scan<'a> {
    /// The token's field and the tokens it may match.
    pub token: Option<(&'static str, &'a [Secret])>,
    pub timestamp: Option<&'static str>,
    pub id: Option<&'static str>,
}

/// What was found.
#[derive(Default)]
pub(super) struct Scanned {
    /// `Some(true)` when the token field is a string equal to one of the
    /// tokens; `Some(false)` when it is anything else; `None` when absent.
    pub token: Option<bool>,
    pub timestamp: Option<Value>,
    pub id: Option<String>,
}

pub(super) enum ScanError {
    /// A field the verifier reads is there twice.
    Duplicate(&'static str),
    Json(serde_json::Error),
}

pub(super) fn scan(body: &[u8], wanted: &Scan<'_>) -> Result<Scanned, ScanError> {
    let mut duplicate = None;
    let mut de = serde_json::Deserializer::from_slice(body);
    let found = de.deserialize_any(TopLevel { wanted, duplicate: &mut duplicate });
    match (duplicate, found) {
        (Some(name), _) => Err(ScanError::Duplicate(name)),
        (None, Err(e)) => Err(ScanError::Json(e)),
        (None, Ok(found)) => Ok(found),
    }
}

struct TopLevel<'s, 'a> {
    wanted: &'s Scan<'a>,
    duplicate: &'s mut Option<&'static str>,
}

enum Key {
    Token,
    Timestamp,
    Id,
    Other,
}

impl<'de> Visitor<'de> for TopLevel<'_, '_> {
    type Value = Scanned;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scanned, A::Error> {
        let mut found = Scanned::default();
        let (mut token_seen, mut timestamp_seen, mut id_seen) = (false, false, false);
        while let Some(key) = map.next_key_seed(KeySeed(self.wanted))? {
            let mut once = |seen: &mut bool, name: &'static str| {
                if std::mem::replace(seen, true) {
                    *self.duplicate = Some(name);
                    return Err(de::Error::custom("duplicate field"));
                }
                Ok(())
            };
            match key {
                Key::Token => {
                    let (name, tokens) = self.wanted.token.expect("a token field");
                    once(&mut token_seen, name)?;
                    found.token = Some(map.next_value_seed(TokenSeed(tokens))?);
                }
                Key::Timestamp => {
                    once(&mut timestamp_seen, self.wanted.timestamp.unwrap_or_default())?;
                    found.timestamp = map.next_value_seed(SmallSeed)?;
                }
                Key::Id => {
                    once(&mut id_seen, self.wanted.id.unwrap_or_default())?;
                    found.id = match map.next_value_seed(SmallSeed)? {
                        Some(Value::String(s)) => Some(s),
                        Some(Value::Number(n)) => Some(n.to_string()),
                        _ => None,
                    };
                }
                Key::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(found)
    }

    // Anything but an object has no fields: skipped, nothing found.
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Scanned, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Scanned::default())
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Scanned, E> {
        Ok(Scanned::default())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Scanned, E> {
        Ok(Scanned::default())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Scanned, E> {
        Ok(Scanned::default())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Scanned, E> {
        Ok(Scanned::default())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Scanned, E> {
        Ok(Scanned::default())
    }
    fn visit_unit<E: de::Error>(self) -> Result<Scanned, E> {
        Ok(Scanned::default())
    }
}

/// Names a key without copying it.
struct KeySeed<'s, 'a>(&'s Scan<'a>);

impl<'de> DeserializeSeed<'de> for KeySeed<'_, '_> {
    type Value = Key;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_, '_> {
    type Value = Key;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }
    fn visit_str<E: de::Error>(self, key: &str) -> Result<Key, E> {
        let is = |name: Option<&str>| name == Some(key);
        Ok(if is(self.0.token.map(|t| t.0)) {
            Key::Token
        } else if is(self.0.timestamp) {
            Key::Timestamp
        } else if is(self.0.id) {
            Key::Id
        } else {
            Key::Other
        })
    }
}

/// Compares the token where it lies, in constant time per token.
struct TokenSeed<'a>(&'a [Secret]);

impl<'de> DeserializeSeed<'de> for TokenSeed<'_> {
    type Value = bool;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TokenSeed<'_> {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a token")
    }
    fn visit_str<E: de::Error>(self, sent: &str) -> Result<bool, E> {
        // Every token is compared, so the time taken does not say which matched.
        let matches = self.0.iter().fold(0u8, |any, token| any | sent.as_bytes().ct_eq(token.as_bytes()).unwrap_u8());
        Ok(matches == 1)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(false)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(false)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_unit<E: de::Error>(self) -> Result<bool, E> {
        Ok(false)
    }
}

/// A number, or a string of at most [`MAX_SMALL_VALUE`] bytes; anything
/// else is skipped and read as `Value::Bool(false)` (present, unusable).
struct SmallSeed;

impl<'de> DeserializeSeed<'de> for SmallSeed {
    type Value = Option<Value>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Option<Value>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for SmallSeed {
    type Value = Option<Value>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number or a short string")
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Option<Value>, E> {
        Ok(Some(if s.len() <= MAX_SMALL_VALUE { Value::String(s.to_string()) } else { Value::Bool(false) }))
    }
    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Option<Value>, E> {
        Ok(Some(Value::from(n)))
    }
    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Option<Value>, E> {
        Ok(Some(Value::from(n)))
    }
    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Option<Value>, E> {
        Ok(Some(Value::from(n)))
    }
    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Option<Value>, E> {
        Ok(Some(Value::Bool(b)))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Option<Value>, E> {
        Ok(None)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Option<Value>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Some(Value::Bool(false)))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<Value>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Some(Value::Bool(false)))
    }
}
