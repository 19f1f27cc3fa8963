//! Recursive types: boxing the references that close a cycle, newtypes for self-referring aliases.

use indexmap::{IndexMap, IndexSet};

use crate::error::{Error, Result};
use crate::model::{Ty, TypeDef, TypeKind};

use super::visit_ty;

/// Boxes every by-value reference that closes a cycle, so that recursive
/// types have a finite size.
pub(super) fn box_cycles(types: &mut [TypeDef]) {
    let index: IndexMap<String, usize> = types.iter().enumerate().map(|(i, t)| (t.name.clone(), i)).collect();
    let edges: Vec<Vec<usize>> = types
        .iter()
        .map(|t| {
            let mut out = Vec::new();
            for ty in direct_tys(&t.kind) {
                by_value_named(ty, &mut |n| {
                    if let Some(&j) = index.get(n) {
                        out.push(j);
                    }
                });
            }
            out
        })
        .collect();
    let reaches = |from: usize, to: usize| -> bool {
        let mut seen = vec![false; edges.len()];
        let mut stack = vec![from];
        while let Some(n) = stack.pop() {
            if n == to {
                return true;
            }
            if std::mem::replace(&mut seen[n], true) {
                continue;
            }
            stack.extend(edges[n].iter().copied());
        }
        false
    };
    let mut to_box: Vec<(usize, String)> = Vec::new();
    for (i, t) in types.iter().enumerate() {
        for ty in direct_tys(&t.kind) {
            by_value_named(ty, &mut |n| {
                if let Some(&j) = index.get(n) {
                    if reaches(j, i) {
                        to_box.push((i, n.to_string()));
                    }
                }
            });
        }
    }
    for (i, name) in to_box {
        let t = &mut types[i];
        match &mut t.kind {
            TypeKind::Struct(s) => {
                for f in &mut s.fields {
                    box_named(&mut f.ty, &name);
                }
            }
            TypeKind::Union(u) => {
                for v in &mut u.variants {
                    box_named(&mut v.ty, &name);
                }
            }
            TypeKind::Alias(ty) | TypeKind::Newtype(ty) => box_named(ty, &name),
            _ => {}
        }
    }
}

/// An alias that refers to itself through other aliases becomes a newtype;
/// a cycle made only of `$ref`s (`A: {$ref: B}`, `B: {$ref: A}`) is refused.
pub(super) fn recursive_aliases(types: &mut [TypeDef]) -> Result<()> {
    let aliases: IndexMap<String, Ty> = types
        .iter()
        .filter_map(|t| match &t.kind {
            TypeKind::Alias(ty) => Some((t.name.clone(), ty.clone())),
            _ => None,
        })
        .collect();
    for t in types.iter_mut() {
        let TypeKind::Alias(ty) = &t.kind else { continue };
        let mut seen = IndexSet::new();
        if !alias_reaches(ty, &t.name, &aliases, &mut seen) {
            continue;
        }
        // Only `$ref`s all the way round: there is no value of this type.
        let mut current = ty.clone();
        let mut pure = IndexSet::new();
        while let Ty::Named(n) = &current {
            if n == &t.name {
                return Err(Error::invalid(
                    &t.pointer,
                    "this `$ref` chain refers back to itself without ever defining a schema",
                ));
            }
            if !pure.insert(n.clone()) {
                break;
            }
            match aliases.get(n) {
                Some(next) => current = next.clone(),
                None => break,
            }
        }
        t.kind = TypeKind::Newtype(ty.clone());
    }
    Ok(())
}

fn alias_reaches(ty: &Ty, target: &str, aliases: &IndexMap<String, Ty>, seen: &mut IndexSet<String>) -> bool {
    let mut found = false;
    visit_ty(ty, &mut |t| {
        if let Ty::Named(n) = t {
            if n == target {
                found = true;
            } else if let Some(next) = aliases.get(n) {
                if seen.insert(n.clone()) && alias_reaches(next, target, aliases, seen) {
                    found = true;
                }
            }
        }
    });
    found
}

pub(super) fn direct_tys(kind: &TypeKind) -> Vec<&Ty> {
    match kind {
        TypeKind::Struct(s) => s.fields.iter().map(|f| &f.ty).collect(),
        TypeKind::Union(u) => u.variants.iter().map(|v| &v.ty).collect(),
        TypeKind::Alias(t) | TypeKind::Newtype(t) => vec![t],
        TypeKind::Multipart(f) => f.parts.iter().map(|p| &p.field.ty).collect(),
        _ => vec![],
    }
}

/// Calls `f` for each named type held by value (not behind `Vec`, map or `Box`).
fn by_value_named(ty: &Ty, f: &mut impl FnMut(&str)) {
    match ty {
        Ty::Named(n) => f(n),
        Ty::Option(inner) => by_value_named(inner, f),
        _ => {}
    }
}

fn box_named(ty: &mut Ty, name: &str) {
    match ty {
        Ty::Named(n) if n == name => *ty = Ty::Box(Box::new(Ty::Named(name.to_string()))),
        Ty::Option(inner) => box_named(inner, name),
        _ => {}
    }
}
