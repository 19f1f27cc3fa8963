//! Stage 2: from `openapiv3::OpenAPI` to the resolved [`model::Api`].
//!
//! Every `$ref` is followed here, every name is chosen here (through
//! [`crate::naming`]), and every decision about the Rust shape of a schema
//! is taken here, so that `emit` only translates the model into tokens.
//! One file per concern, each holding its part of `impl Resolver`:
//!
//! - [`refs`]: following `$ref`s to component schemas, parameters, responses;
//! - [`servers`], [`security`]: the client builder's URL and credentials;
//! - [`operations`]: paths and methods, operation method and builder names;
//! - [`parameters`]: parameter location, style (query, path, header) and type;
//! - [`bodies`]: request bodies, responses, success and error types;
//! - [`pagination`]: the `x-pagination` extension;
//! - [`shape`]: what Rust shape a schema takes (type, alias, struct, enum...);
//! - [`objects`], [`composition`], [`enums`]: structs, `allOf`/`oneOf`/`anyOf`, enum variants;
//! - [`cycles`]: boxing recursive references, newtypes for recursive aliases.

mod bodies;
mod composition;
mod cycles;
mod enums;
mod examples;
mod objects;
mod operations;
mod pagination;
mod parameters;
mod ratelimit;
mod refs;
mod security;
mod servers;
mod shape;
mod webhooks;

use std::collections::HashSet;

use indexmap::{IndexMap, IndexSet};
use openapiv3 as oa;

pub use crate::error::Warning;
use crate::error::{escape_pointer, Result};
use crate::model::{Api, Operation, Struct, Ty, TypeDef, TypeKind, Uses};
use crate::naming::{self, pascal, Scope};

use cycles::{box_cycles, direct_tys, recursive_aliases};

/// Inline schemas nested deeper than this are refused (a runaway spec, or a
/// generator loop).
const MAX_DEPTH: usize = 64;

/// Resolves a document into the model.
///
/// Names never move when a spec grows: an inline type keeps the name it
/// derives from where it is, and a component schema wanting the same name
/// takes the suffix. A pass that finds such a clash starts over with the
/// inline types' names held for them.
pub fn resolve(doc: &oa::OpenAPI) -> Result<(Api, Vec<Warning>)> {
    // Read before the resolver, which borrows the webhooks' schemas.
    let mut early_warnings = Vec::new();
    let hooks = webhooks::parse(doc, &mut early_warnings)?;
    let mut held = IndexSet::new();
    let components = doc.components.as_ref().map_or(0, |c| c.schemas.len());
    let mut pass = 0;
    loop {
        let (api, warnings, clashes) = resolve_pass(doc, &hooks, early_warnings.clone(), &held)?;
        let before = held.len();
        held.extend(clashes);
        // Each pass holds at least one more component name, so this ends.
        pass += 1;
        if held.len() == before || pass > components {
            return Ok((api, warnings));
        }
    }
}

/// One resolution with the type names in `held` kept for inline types.
fn resolve_pass(
    doc: &oa::OpenAPI,
    hooks: &Option<webhooks::Parsed>,
    early_warnings: Vec<Warning>,
    held: &IndexSet<String>,
) -> Result<(Api, Vec<Warning>, Vec<String>)> {
    let mut names = Scope::with_reserved(naming::RESERVED_TYPES);
    for name in held {
        names.hold(name);
    }
    let mut r = Resolver {
        doc,
        types: IndexMap::new(),
        names,
        builder_methods: Scope::with_reserved(naming::CLIENT_BUILDER_METHODS),
        components: IndexMap::new(),
        component_names: HashSet::new(),
        clashes: Vec::new(),
        warnings: early_warnings,
    };
    // Component schemas claim their names first, in spec order.
    if let Some(components) = &doc.components {
        for key in components.schemas.keys() {
            let name = r.names.claim(&pascal(key, "T"));
            r.component_names.insert(name.clone());
            r.components.insert(key.clone(), name);
        }
    }
    // Credentials claim their builder methods before server variables do.
    let security_schemes = r.security_schemes()?;
    let servers = r.servers()?;
    if let Some(components) = &doc.components {
        for (key, schema) in &components.schemas {
            let name = r.component_name(key, "#/components/schemas")?;
            let pointer = format!("#/components/schemas/{}", escape_pointer(key));
            r.define_named(&name, schema_ref(schema), &pointer, 0)?;
        }
    }
    let operations = r.operations()?;
    let webhooks = match &hooks {
        Some(parsed) => Some(r.webhooks(parsed)?),
        None => None,
    };
    let mut types: Vec<TypeDef> = r.types.into_values().collect();
    recursive_aliases(&mut types)?;
    box_cycles(&mut types);
    let mut uses = find_uses(&types, &operations);
    uses.webhooks = webhooks.is_some();
    let api = Api {
        title: doc.info.title.clone(),
        version: doc.info.version.clone(),
        description: doc.info.description.clone(),
        servers,
        security_schemes,
        operations,
        types,
        webhooks,
        rate_limit: ratelimit::rate_limit(&doc.extensions)?,
        uses,
    };
    Ok((api, r.warnings, r.clashes))
}

/// A schema position, whether it was `ReferenceOr<Schema>` or `ReferenceOr<Box<Schema>>`.
#[derive(Clone, Copy)]
enum SchemaRef<'a> {
    Ref(&'a str),
    Item(&'a oa::Schema),
}

fn schema_ref(s: &oa::ReferenceOr<oa::Schema>) -> SchemaRef<'_> {
    match s {
        oa::ReferenceOr::Reference { reference } => SchemaRef::Ref(reference),
        oa::ReferenceOr::Item(s) => SchemaRef::Item(s),
    }
}

fn boxed_ref(s: &oa::ReferenceOr<Box<oa::Schema>>) -> SchemaRef<'_> {
    match s {
        oa::ReferenceOr::Reference { reference } => SchemaRef::Ref(reference),
        oa::ReferenceOr::Item(s) => SchemaRef::Item(s),
    }
}

struct Resolver<'a> {
    doc: &'a oa::OpenAPI,
    types: IndexMap<String, TypeDef>,
    /// Type names of the module.
    names: Scope,
    /// Methods of the generated `ClientBuilder`.
    builder_methods: Scope,
    /// Component schema key -> Rust type name.
    components: IndexMap<String, String>,
    /// The values of `components`, to look a name up without a scan.
    component_names: HashSet<String>,
    /// Type names inline types wanted but found taken by a component.
    clashes: Vec<String>,
    warnings: Vec<Warning>,
}

impl<'a> Resolver<'a> {
    fn warn(&mut self, pointer: &str, message: impl Into<String>) {
        self.warnings.push(Warning { pointer: pointer.to_string(), message: message.into() });
    }

    /// A type name for an inline schema or an operation's own type (builder,
    /// success or error enum), derived from where it is.
    fn claim_type(&mut self, hint: &str) -> String {
        if !self.names.is_held(hint) && self.component_names.contains(hint) {
            self.clashes.push(hint.to_string());
        }
        self.names.claim_held(hint)
    }

    fn insert(&mut self, t: TypeDef) {
        self.types.insert(t.name.clone(), t);
    }
}

fn find_uses(types: &[TypeDef], ops: &[Operation]) -> Uses {
    let mut uses = Uses::default();
    let mut visit = |ty: &Ty| {
        visit_ty(ty, &mut |t| match t {
            Ty::DateTime | Ty::Date => uses.chrono = true,
            Ty::Uuid => uses.uuid = true,
            _ => {}
        })
    };
    for t in types {
        for ty in direct_tys(&t.kind) {
            visit(ty);
        }
        if let TypeKind::Struct(Struct { additional: Some(a), .. }) = &t.kind {
            visit(&a.ty);
        }
    }
    for op in ops {
        for p in &op.params {
            visit(&p.ty);
        }
        if let Some(b) = &op.body {
            visit(&b.ty);
        }
        for c in op.success.cases.iter().chain(&op.errors.cases) {
            if let Some((_, t)) = &c.body {
                visit(t);
            }
        }
    }
    uses
}

fn visit_ty(ty: &Ty, f: &mut impl FnMut(&Ty)) {
    f(ty);
    match ty {
        Ty::Vec(i) | Ty::Map(i) | Ty::Option(i) | Ty::Box(i) => visit_ty(i, f),
        _ => {}
    }
}
