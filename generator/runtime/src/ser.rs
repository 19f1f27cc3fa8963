//! What `object!`'s `Serialize` calls, one function per field mode,
//! compiled once here instead of once per generated type.

use serde::ser::SerializeMap;
use serde::Serialize;

/// A required field: always written (`null` for a nullable one's `None`).
pub fn required<M: SerializeMap, T: Serialize + ?Sized>(
    out: &mut M,
    wire: &'static str,
    value: &T,
) -> Result<(), M::Error> {
    out.serialize_entry(wire, value)
}

/// An optional field: not written when `None`.
pub fn optional<M: SerializeMap, T: Serialize>(
    out: &mut M,
    wire: &'static str,
    value: &Option<T>,
) -> Result<(), M::Error> {
    match value {
        Some(value) => out.serialize_entry(wire, value),
        None => Ok(()),
    }
}

/// An optional, nullable field: not written when `None`, `null` for
/// `Some(None)`.
pub fn double_option<M: SerializeMap, T: Serialize>(
    out: &mut M,
    wire: &'static str,
    value: &Option<Option<T>>,
) -> Result<(), M::Error> {
    match value {
        Some(value) => out.serialize_entry(wire, value),
        None => Ok(()),
    }
}

/// A struct's additional properties, after its fields.
pub fn additional<'a, M, K, V, I>(out: &mut M, entries: I) -> Result<(), M::Error>
where
    M: SerializeMap,
    K: Serialize + 'a,
    V: Serialize + 'a,
    I: IntoIterator<Item = (&'a K, &'a V)>,
{
    for (key, value) in entries {
        out.serialize_entry(key, value)?;
    }
    Ok(())
}
