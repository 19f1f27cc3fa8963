//! Enum variant names: string and integer enums, and the allowed values of
//! server variables. Every generated enum is open, so `Unknown` is taken.

use indexmap::IndexSet;

use crate::model::{EnumVariant, TypeKind};
use crate::naming::{self, pascal, Scope};

use super::Resolver;

/// The variant names of one enum, claimed in the order of its values.
pub(super) struct VariantNames(Scope);

impl VariantNames {
    pub(super) fn new() -> Self {
        VariantNames(Scope::with_reserved(naming::ENUM_RESERVED))
    }

    /// The variant for a string value (`in-progress` -> `InProgress`).
    pub(super) fn string(&mut self, wire: &str) -> EnumVariant {
        EnumVariant { ident: self.0.claim(&pascal(wire, "V")), wire: wire.to_string() }
    }

    /// The variant for an integer value (`-1` -> `Minus1`, `2` -> `V2`).
    pub(super) fn int(&mut self, value: i64) -> String {
        let wire = if value < 0 { format!("minus {}", value.unsigned_abs()) } else { value.to_string() };
        self.0.claim(&pascal(&wire, "V"))
    }
}

impl<'a> Resolver<'a> {
    /// An open string enum; a repeated value is reported and kept once.
    pub(super) fn string_enum<'v>(&mut self, values: impl Iterator<Item = &'v String>, pointer: &str) -> TypeKind {
        let mut names = VariantNames::new();
        let mut seen = IndexSet::new();
        let mut variants = Vec::new();
        for v in values {
            if !seen.insert(v.clone()) {
                self.warn(pointer, format!("enum value `{v}` is repeated; keeping the first"));
                continue;
            }
            variants.push(names.string(v));
        }
        TypeKind::Enum { variants }
    }
}

/// An open integer enum; a repeated value is kept once.
pub(super) fn int_enum<'v>(values: impl Iterator<Item = &'v i64>) -> TypeKind {
    let mut names = VariantNames::new();
    let mut seen = IndexSet::new();
    let variants = values.filter(|v| seen.insert(**v)).map(|v| (names.int(*v), *v)).collect();
    TypeKind::IntEnum { variants }
}
