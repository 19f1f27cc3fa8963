//! What the generated module defines once and names many times: error
//! enums shared by operations declaring the same errors, and types whose
//! definitions are identical (vendor documents repeat inline schemas: the
//! vendor Attio document has 858 inline enums with 61 distinct value sets).
//! A later copy of an inline schema is emitted as an alias of the first, so
//! every name stays and the code is compiled once.

use std::collections::HashMap;

use crate::model::*;

/// How an operation's error enum is shared with operations declaring the
/// same errors (statuses, variants, bodies and descriptions alike).
pub(super) enum Shared {
    /// The first of them: defines the enum, used by this many others.
    Canonical(usize),
    /// A later one: an alias of the first one's enum.
    Alias(String),
}

pub(super) type SharedErrors = std::collections::HashMap<String, Shared>;

/// Groups the operations by their declared errors (body types compared
/// through the types' sharing): only groups of two or more are shared.
pub(super) fn errors(api: &Api, types: &SharedTypes) -> SharedErrors {
    let mut first: indexmap::IndexMap<String, (String, usize)> = indexmap::IndexMap::new();
    let mut out = SharedErrors::new();
    for op in &api.operations {
        let Some(name) = &op.errors.enum_name else { continue };
        let mut cases = op.errors.cases.clone();
        for c in &mut cases {
            if let Some((_, ty)) = &mut c.body {
                types.canonical_ty(ty);
            }
        }
        let key = format!("{cases:?}");
        match first.get_mut(&key) {
            Some((canonical, count)) => {
                *count += 1;
                out.insert(name.clone(), Shared::Alias(canonical.clone()));
            }
            None => {
                first.insert(key, (name.clone(), 0));
            }
        }
    }
    for (canonical, count) in first.into_values() {
        if count > 0 {
            out.insert(canonical, Shared::Canonical(count));
        }
    }
    out
}

/// The types emitted as aliases of an identical earlier type: name -> the
/// earlier type's name (which may have become an alias in a later round).
#[derive(Debug, Default)]
pub(super) struct SharedTypes {
    alias_of: HashMap<String, String>,
}

impl SharedTypes {
    /// The defined type `name` is emitted as an alias of, if any.
    pub(super) fn alias_of(&self, name: &str) -> Option<&str> {
        let next = self.alias_of.get(name)?;
        Some(self.canonical(next))
    }

    /// The name a definition refers to `name` by, once shared types are
    /// followed to the one defined.
    fn canonical<'a>(&'a self, mut name: &'a str) -> &'a str {
        while let Some(next) = self.alias_of.get(name) {
            name = next;
        }
        name
    }

    /// `ty` with every named type replaced by the one defined.
    pub(super) fn canonical_ty(&self, ty: &mut Ty) {
        match ty {
            Ty::Named(n) => {
                let c = self.canonical(n);
                if c != n {
                    *n = c.to_string();
                }
            }
            Ty::Vec(t) | Ty::Map(t) | Ty::Option(t) | Ty::Box(t) => self.canonical_ty(t),
            _ => {}
        }
    }

    /// What two types must share to be one: their kind, with every type
    /// they refer to replaced by the one defined. Docs of fields and
    /// variants are part of it; a type's own docs are not (an alias keeps them).
    fn key(&self, kind: &TypeKind) -> Option<String> {
        let mut kind = kind.clone();
        match &mut kind {
            TypeKind::Struct(s) => {
                for f in &mut s.fields {
                    self.canonical_ty(&mut f.ty);
                }
                if let Some(a) = &mut s.additional {
                    self.canonical_ty(&mut a.ty);
                }
            }
            TypeKind::Union(u) => {
                for v in &mut u.variants {
                    self.canonical_ty(&mut v.ty);
                }
            }
            TypeKind::Enum { .. } | TypeKind::IntEnum { .. } => {}
            // Aliases are already one line; a newtype refers to itself;
            // a form is its operation's own.
            TypeKind::Alias(_) | TypeKind::Newtype(_) | TypeKind::Multipart(_) => return None,
        }
        Some(format!("{kind:?}"))
    }
}

/// Finds the inline types identical to another type. A component (a name
/// the vendor gave, `#/components/schemas/Name`) is never made an alias,
/// even of an identical component: two names the vendor chose stay two
/// types. An inline schema identical to a component aliases the component;
/// else the first inline copy, in the order given, is defined and the later
/// ones alias it. Types that refer to shared ones can become identical in
/// turn (two structs whose fields were two copies of one enum), so the
/// search repeats until nothing new is found.
pub(super) fn types(types: &[TypeDef]) -> SharedTypes {
    let component = |t: &TypeDef| {
        t.pointer.strip_prefix("#/components/schemas/").is_some_and(|rest| !rest.is_empty() && !rest.contains('/'))
    };
    let mut shared = SharedTypes::default();
    loop {
        let mut first: HashMap<String, &str> = HashMap::new();
        let mut found = Vec::new();
        for components in [true, false] {
            for t in types.iter().filter(|t| component(t) == components) {
                if shared.alias_of.contains_key(&t.name) {
                    continue;
                }
                let Some(key) = shared.key(&t.kind) else { continue };
                match first.get(&key) {
                    Some(canonical) if !components => found.push((t.name.clone(), canonical.to_string())),
                    Some(_) => {}
                    None => {
                        first.insert(key, &t.name);
                    }
                }
            }
        }
        if found.is_empty() {
            return shared;
        }
        shared.alias_of.extend(found);
    }
}
