//! API changes between two versions of a spec, classified as breaking or
//! not for users of the generated crate (`crmgen diff OLD NEW`).
//!
//! Both versions are resolved into [`crate::model::Api`] and compared:
//! operations by `operationId`, parameters by wire name, types by Rust name,
//! struct fields by wire name, enum values by wire value. Whether a change of
//! a type breaks depends on where the type is used: in a request, users
//! build it (a new required field breaks them); in a response, they read it
//! (a new field does not). A type used in neither is treated as both.
//!
//! Rules (the README's "Review workflow" summarises them):
//! - operations added: non-breaking; removed: breaking;
//! - parameters added: breaking when required (a new argument), else not;
//!   removed, retyped, or moved between argument and builder method: breaking;
//! - request bodies and request fields likewise; response fields added:
//!   non-breaking; removed or retyped: breaking;
//! - enum values added: non-breaking (enums are open); removed: breaking;
//! - security schemes or an operation's security changed: breaking;
//! - servers changed: non-breaking, except removed server variables or
//!   variable values (builder methods and enum values disappear).
//!
//! A [`Report`] renders as Markdown ([`Report::to_markdown`]) and serialises
//! with serde (the CLI's `--format json`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use crate::error::Result;
use crate::model::*;

/// What kind of change, for tests and tools; the Markdown says it in words.
/// Serialised in snake case (`"operation_added"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    OperationAdded,
    OperationRemoved,
    /// Endpoint, deprecation, request builder name, pagination.
    OperationChanged,
    ParamAdded,
    ParamRemoved,
    ParamChanged,
    BodyAdded,
    BodyRemoved,
    BodyChanged,
    /// Success type, declared statuses, error enum.
    ResponseChanged,
    TypeAdded,
    TypeRemoved,
    TypeChanged,
    FieldAdded,
    FieldRemoved,
    FieldChanged,
    EnumValueAdded,
    EnumValueRemoved,
    EnumValueChanged,
    UnionVariantAdded,
    UnionVariantRemoved,
    UnionVariantChanged,
    AuthChanged,
    ServersChanged,
}

/// One API change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// What kind of change.
    pub kind: Kind,
    /// Whether code written against the old generated crate may stop compiling
    /// or change meaning.
    pub breaking: bool,
    /// What changed, in Markdown (`` `getPet` parameter `limit` ``).
    pub subject: String,
    /// How, in Markdown.
    pub detail: String,
}

/// Every API change between two versions of one spec, in a stable order:
/// servers and auth, operations (in the new spec's order, removed ones
/// last), then types.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The changes, in that order.
    pub changes: Vec<Change>,
}

impl Report {
    /// No API change at all (documentation changes are not API changes).
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// The breaking changes.
    pub fn breaking(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| c.breaking)
    }

    /// The other changes.
    pub fn non_breaking(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| !c.breaking)
    }

    /// Whether any change is breaking.
    pub fn has_breaking(&self) -> bool {
        self.breaking().next().is_some()
    }

    /// The changes of one kind.
    pub fn of_kind(&self, kind: Kind) -> Vec<&Change> {
        self.changes.iter().filter(|c| c.kind == kind).collect()
    }

    /// A Markdown summary: counts, then the breaking changes, then the others.
    pub fn to_markdown(&self) -> String {
        if self.is_empty() {
            return "No API changes.\n".to_string();
        }
        let n_breaking = self.breaking().count();
        let n_other = self.changes.len() - n_breaking;
        let mut out = format!("**{n_breaking} breaking**, {n_other} non-breaking.\n");
        for (title, breaking) in [("Breaking", true), ("Non-breaking", false)] {
            let items: Vec<&Change> = self.changes.iter().filter(|c| c.breaking == breaking).collect();
            if items.is_empty() {
                continue;
            }
            let _ = write!(out, "\n#### {title}\n\n");
            for c in items {
                let _ = writeln!(out, "- {}: {}", c.subject, c.detail);
            }
        }
        out
    }

    fn push(&mut self, kind: Kind, breaking: bool, subject: impl Into<String>, detail: impl Into<String>) {
        self.changes.push(Change { kind, breaking, subject: subject.into(), detail: detail.into() });
    }
}

/// The API changes from `old` to `new`.
pub fn diff(old: &Api, new: &Api) -> Report {
    let mut r = Report::default();
    servers(&mut r, old, new);
    security_schemes(&mut r, old, new);
    operations(&mut r, old, new);
    types(&mut r, old, new);
    r
}

// ---- rendering ---------------------------------------------------------------

/// A model type as Rust readers of the generated code see it.
pub fn ty_str(t: &Ty) -> String {
    match t {
        Ty::String => "String".into(),
        Ty::Bool => "bool".into(),
        Ty::I32 => "i32".into(),
        Ty::I64 => "i64".into(),
        Ty::F32 => "f32".into(),
        Ty::F64 => "f64".into(),
        Ty::DateTime => "DateTime<FixedOffset>".into(),
        Ty::Date => "NaiveDate".into(),
        Ty::Uuid => "Uuid".into(),
        Ty::Value => "serde_json::Value".into(),
        Ty::Object => "serde_json::Map<String, Value>".into(),
        Ty::Unit => "()".into(),
        Ty::Bytes => "Bytes".into(),
        Ty::File => "FilePart".into(),
        Ty::Vec(i) => format!("Vec<{}>", ty_str(i)),
        Ty::Map(i) => format!("BTreeMap<String, {}>", ty_str(i)),
        Ty::Option(i) => format!("Option<{}>", ty_str(i)),
        Ty::Box(i) => format!("Box<{}>", ty_str(i)),
        Ty::Named(n) => n.clone(),
    }
}

fn code(s: &str) -> String {
    format!("`{s}`")
}

fn retyped(old: &Ty, new: &Ty) -> String {
    format!("retyped `{}` -> `{}`", ty_str(old), ty_str(new))
}

fn location(l: ParamLocation) -> &'static str {
    match l {
        ParamLocation::Path => "path",
        ParamLocation::Query => "query",
        ParamLocation::Header => "header",
        ParamLocation::Cookie => "cookie",
    }
}

// ---- servers and auth --------------------------------------------------------

fn servers(r: &mut Report, old: &Api, new: &Api) {
    let old_urls: Vec<&str> = old.servers.iter().map(|s| s.url.as_str()).collect();
    let new_urls: Vec<&str> = new.servers.iter().map(|s| s.url.as_str()).collect();
    if old_urls.first() != new_urls.first() {
        let show = |u: Option<&&str>| u.map(|u| code(u)).unwrap_or_else(|| "none (set with `base_url`)".into());
        r.push(
            Kind::ServersChanged,
            false,
            "servers",
            format!("default base URL {} -> {}", show(old_urls.first()), show(new_urls.first())),
        );
    }
    for u in new_urls.iter().skip(1).filter(|u| !old_urls.contains(u)) {
        r.push(Kind::ServersChanged, false, "servers", format!("server {} added", code(u)));
    }
    for u in old_urls.iter().skip(1).filter(|u| !new_urls.contains(u)) {
        r.push(Kind::ServersChanged, false, "servers", format!("server {} removed", code(u)));
    }
    // Server variables become builder methods (and enums when they have values).
    let vars = |api: &Api| -> BTreeMap<String, ServerVariable> {
        let mut m = BTreeMap::new();
        for s in &api.servers {
            for v in &s.variables {
                m.entry(v.name.clone()).or_insert_with(|| v.clone());
            }
        }
        m
    };
    let (ov, nv) = (vars(old), vars(new));
    for (name, v) in &nv {
        let subject = format!("server variable {}", code(name));
        let Some(o) = ov.get(name) else {
            r.push(Kind::ServersChanged, false, subject, format!("added (builder method `{}`)", v.method));
            continue;
        };
        let old_values: BTreeSet<&str> = o.values.iter().map(|v| v.wire.as_str()).collect();
        let new_values: BTreeSet<&str> = v.values.iter().map(|v| v.wire.as_str()).collect();
        for w in new_values.difference(&old_values) {
            r.push(Kind::ServersChanged, false, subject.clone(), format!("value {} added", code(w)));
        }
        for w in old_values.difference(&new_values) {
            r.push(Kind::ServersChanged, true, subject.clone(), format!("value {} removed", code(w)));
        }
        if o.default != v.default {
            r.push(
                Kind::ServersChanged,
                false,
                subject.clone(),
                format!("default {} -> {}", code(&o.default), code(&v.default)),
            );
        }
    }
    for name in ov.keys().filter(|n| !nv.contains_key(*n)) {
        r.push(Kind::ServersChanged, true, format!("server variable {}", code(name)), "removed");
    }
}

fn scheme_str(s: &SecurityScheme) -> String {
    match &s.kind {
        SecurityKind::Token { prefix } => format!("`Authorization: {prefix} <token>` (`{}`)", s.method),
        SecurityKind::Basic => format!("HTTP basic (`{}`)", s.method),
        SecurityKind::ApiKeyHeader { name } => format!("API key in header `{name}` (`{}`)", s.method),
        SecurityKind::ApiKeyQuery { name } => format!("API key in query parameter `{name}` (`{}`)", s.method),
        SecurityKind::OAuth2 { prefix, oauth } => {
            format!(
                "OAuth 2.0 `Authorization: {prefix} <token>` from {} (`{}`, `{}`)",
                oauth.token_url, s.method, oauth.method
            )
        }
    }
}

fn security_schemes(r: &mut Report, old: &Api, new: &Api) {
    for s in &new.security_schemes {
        let subject = format!("security scheme {}", code(&s.key));
        match old.security_schemes.iter().find(|o| o.key == s.key) {
            None => r.push(Kind::AuthChanged, true, subject, format!("added: {}", scheme_str(s))),
            Some(o) if o.kind != s.kind || o.method != s.method => {
                r.push(Kind::AuthChanged, true, subject, format!("{} -> {}", scheme_str(o), scheme_str(s)))
            }
            Some(_) => {}
        }
    }
    for o in old.security_schemes.iter().filter(|o| !new.security_schemes.iter().any(|s| s.key == o.key)) {
        r.push(
            Kind::AuthChanged,
            true,
            format!("security scheme {}", code(&o.key)),
            format!("removed: {}", scheme_str(o)),
        );
    }
}

// ---- operations --------------------------------------------------------------

fn op_subject(op: &Operation) -> String {
    code(&op.operation_id)
}

fn endpoint(op: &Operation) -> String {
    format!("`{} {}`", op.http_method, op.path)
}

fn operations(r: &mut Report, old: &Api, new: &Api) {
    for n in &new.operations {
        match old.operations.iter().find(|o| o.operation_id == n.operation_id) {
            None => r.push(
                Kind::OperationAdded,
                false,
                format!("operation {}", op_subject(n)),
                format!("added: {} (`Client::{}`)", endpoint(n), n.method_name),
            ),
            Some(o) => operation(r, o, n),
        }
    }
    for o in old.operations.iter().filter(|o| !new.operations.iter().any(|n| n.operation_id == o.operation_id)) {
        r.push(
            Kind::OperationRemoved,
            true,
            format!("operation {}", op_subject(o)),
            format!("removed: {} (`Client::{}`)", endpoint(o), o.method_name),
        );
    }
}

fn operation(r: &mut Report, o: &Operation, n: &Operation) {
    let subject = op_subject(n);
    if o.http_method != n.http_method || o.path != n.path {
        r.push(Kind::OperationChanged, false, subject.clone(), format!("endpoint {} -> {}", endpoint(o), endpoint(n)));
    }
    if o.method_name != n.method_name {
        r.push(
            Kind::OperationChanged,
            true,
            subject.clone(),
            format!("method `Client::{}` renamed `Client::{}`", o.method_name, n.method_name),
        );
    }
    if o.builder_name != n.builder_name {
        r.push(
            Kind::OperationChanged,
            true,
            subject.clone(),
            format!("request builder `{}` renamed `{}`", o.builder_name, n.builder_name),
        );
    }
    if !o.deprecated && n.deprecated {
        r.push(Kind::OperationChanged, false, subject.clone(), "deprecated");
    }
    params(r, o, n);
    body(r, o, n);
    responses(r, o, n);
    let (os, ns): (BTreeSet<&String>, BTreeSet<&String>) = (o.security.iter().collect(), n.security.iter().collect());
    if os != ns {
        let show = |s: &BTreeSet<&String>| {
            if s.is_empty() {
                "none".to_string()
            } else {
                s.iter().map(|k| code(k)).collect::<Vec<_>>().join(" or ")
            }
        };
        r.push(Kind::AuthChanged, true, subject.clone(), format!("security {} -> {}", show(&os), show(&ns)));
    }
    match (&o.pagination, &n.pagination) {
        (None, Some(_)) => r.push(Kind::OperationChanged, false, subject, "paginated: `.stream()` added"),
        (Some(_), None) => r.push(Kind::OperationChanged, true, subject, "no longer paginated: `.stream()` removed"),
        (Some(a), Some(b)) if a.item_ty != b.item_ty => r.push(
            Kind::OperationChanged,
            true,
            subject,
            format!("`.stream()` items {}", retyped(&a.item_ty, &b.item_ty)),
        ),
        (Some(a), Some(b)) if a != b => r.push(Kind::OperationChanged, false, subject, "pagination settings changed"),
        _ => {}
    }
}

/// How a parameter shows in the Rust API ([`Param::role`], as emit reads it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// A required argument of the `Client` method.
    Argument,
    /// A builder method.
    Optional,
    /// A required parameter with one allowed value, sent automatically.
    Automatic,
}

fn role(p: &Param) -> Role {
    match p.role {
        ParamRole::Argument => Role::Argument,
        ParamRole::Setter => Role::Optional,
        ParamRole::Constant(_) => Role::Automatic,
    }
}

fn role_str(r: Role) -> &'static str {
    match r {
        Role::Argument => "required (an argument)",
        Role::Optional => "optional (a builder method)",
        Role::Automatic => "constant (sent automatically)",
    }
}

fn params(r: &mut Report, o: &Operation, n: &Operation) {
    // Match by wire name, preferring the same location.
    let mut matched: Vec<Option<usize>> = vec![None; o.params.len()];
    let mut taken = vec![false; n.params.len()];
    for same_location in [true, false] {
        for (i, op) in o.params.iter().enumerate() {
            if matched[i].is_some() {
                continue;
            }
            let found = n.params.iter().enumerate().position(|(j, np)| {
                !taken[j] && np.wire_name == op.wire_name && (!same_location || np.location == op.location)
            });
            if let Some(j) = found {
                matched[i] = Some(j);
                taken[j] = true;
            }
        }
    }
    let subject = |p: &Param| format!("{} parameter `{}` ({})", op_subject(n), p.wire_name, location(p.location));
    for np in n.params.iter().zip(&taken).filter(|(_, t)| !**t).map(|(p, _)| p) {
        let detail = match role(np) {
            Role::Argument => format!("added, required: a new argument of `Client::{}`", n.method_name),
            Role::Optional => format!("added, optional: builder method `.{}()`", np.ident),
            Role::Automatic => {
                format!("added, constant `{}` sent automatically", np.role.constant().unwrap_or_default())
            }
        };
        r.push(Kind::ParamAdded, role(np) == Role::Argument, subject(np), format!("{detail} (`{}`)", ty_str(&np.ty)));
    }
    for (i, op) in o.params.iter().enumerate() {
        let Some(j) = matched[i] else {
            r.push(Kind::ParamRemoved, role(op) != Role::Automatic, subject(op), "removed");
            continue;
        };
        let np = &n.params[j];
        let s = subject(np);
        let (ro, rn) = (role(op), role(np));
        if ro != rn {
            r.push(Kind::ParamChanged, true, s.clone(), format!("{} -> {}", role_str(ro), role_str(rn)));
        } else if ro == Role::Automatic && op.role != np.role {
            let c = |p: &Param| code(p.role.constant().unwrap_or_default());
            r.push(Kind::ParamChanged, false, s.clone(), format!("constant {} -> {}", c(op), c(np)));
        }
        if op.ty != np.ty && !(ro == Role::Automatic && rn == Role::Automatic) {
            r.push(Kind::ParamChanged, true, s.clone(), retyped(&op.ty, &np.ty));
        }
        if op.location != np.location {
            r.push(
                Kind::ParamChanged,
                false,
                s.clone(),
                format!("now sent in the {} (was {})", location(np.location), location(op.location)),
            );
        }
        if op.list_style != np.list_style && op.ty == np.ty {
            r.push(Kind::ParamChanged, false, s.clone(), "list serialisation style changed");
        }
        if !op.deprecated && np.deprecated {
            r.push(Kind::ParamChanged, false, s, "deprecated");
        }
    }
}

fn body(r: &mut Report, o: &Operation, n: &Operation) {
    let subject = format!("{} request body", op_subject(n));
    match (&o.body, &n.body) {
        (None, None) => {}
        (None, Some(b)) if b.required => {
            r.push(Kind::BodyAdded, true, subject, format!("added, required: a new argument `body: {}`", ty_str(&b.ty)))
        }
        (None, Some(b)) => {
            r.push(Kind::BodyAdded, false, subject, format!("added, optional: `.body({})`", ty_str(&b.ty)))
        }
        (Some(b), None) => r.push(Kind::BodyRemoved, true, subject, format!("removed (was `{}`)", ty_str(&b.ty))),
        (Some(a), Some(b)) => {
            if a.ty != b.ty {
                r.push(Kind::BodyChanged, true, subject.clone(), retyped(&a.ty, &b.ty));
            }
            if a.required != b.required {
                let how = if b.required { "now required (an argument)" } else { "now optional (`.body()`)" };
                r.push(Kind::BodyChanged, true, subject.clone(), how);
            }
            if a.content_type != b.content_type {
                r.push(
                    Kind::BodyChanged,
                    false,
                    subject,
                    format!("sent as `{}` (was `{}`)", b.content_type, a.content_type),
                );
            }
        }
    }
}

fn status_str(s: &StatusMatch) -> String {
    match s {
        StatusMatch::Code(c) => c.to_string(),
        StatusMatch::Range(r) => format!("{r}XX"),
        StatusMatch::Default => "default".into(),
    }
}

fn case_body(c: &ResponseCase) -> Option<&Ty> {
    c.body.as_ref().map(|(_, t)| t)
}

fn responses(r: &mut Report, o: &Operation, n: &Operation) {
    let subject = format!("{} response", op_subject(n));
    if o.success.ty != n.success.ty {
        r.push(
            Kind::ResponseChanged,
            true,
            subject.clone(),
            format!("success type {}", retyped(&o.success.ty, &n.success.ty)),
        );
    } else {
        // Same type: a new or removed 2xx status only matters with a success enum.
        let statuses = |op: &Operation| op.success.cases.iter().map(|c| status_str(&c.status)).collect::<BTreeSet<_>>();
        let (os, ns) = (statuses(o), statuses(n));
        for s in ns.difference(&os) {
            r.push(
                Kind::ResponseChanged,
                n.success.enum_name.is_some(),
                subject.clone(),
                format!("success status {s} added"),
            );
        }
        for s in os.difference(&ns) {
            r.push(
                Kind::ResponseChanged,
                o.success.enum_name.is_some(),
                subject.clone(),
                format!("success status {s} removed"),
            );
        }
    }
    let subject = format!("{} errors", op_subject(n));
    match (&o.errors.enum_name, &n.errors.enum_name) {
        (Some(a), Some(b)) if a != b => {
            r.push(Kind::ResponseChanged, true, subject.clone(), format!("error enum `{a}` renamed `{b}`"));
        }
        (None, Some(b)) => {
            r.push(
                Kind::ResponseChanged,
                true,
                subject.clone(),
                format!("error type of `.send()` `runtime::NoErrorBody` -> `{b}`"),
            );
        }
        (Some(a), None) => {
            r.push(
                Kind::ResponseChanged,
                true,
                subject.clone(),
                format!("error type of `.send()` `{a}` -> `runtime::NoErrorBody`"),
            );
        }
        _ => {}
    }
    for c in &n.errors.cases {
        let status = status_str(&c.status);
        match o.errors.cases.iter().find(|oc| oc.status == c.status) {
            None => r.push(
                Kind::ResponseChanged,
                false,
                subject.clone(),
                format!("error status {status} declared (variant `{}`)", c.variant),
            ),
            Some(oc) => {
                if case_body(oc) != case_body(c) {
                    let show = |t: Option<&Ty>| t.map(ty_str).unwrap_or_else(|| "no body".into());
                    r.push(
                        Kind::ResponseChanged,
                        true,
                        subject.clone(),
                        format!("error status {status} body `{}` -> `{}`", show(case_body(oc)), show(case_body(c))),
                    );
                } else if oc.variant != c.variant {
                    r.push(
                        Kind::ResponseChanged,
                        true,
                        subject.clone(),
                        format!("error variant `{}` renamed `{}`", oc.variant, c.variant),
                    );
                }
            }
        }
    }
    for oc in o.errors.cases.iter().filter(|oc| !n.errors.cases.iter().any(|c| c.status == oc.status)) {
        r.push(
            Kind::ResponseChanged,
            true,
            subject.clone(),
            format!("error status {} removed (variant `{}`)", status_str(&oc.status), oc.variant),
        );
    }
}

// ---- types -------------------------------------------------------------------

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Usage {
    request: bool,
    response: bool,
    /// The type of a constant parameter (sent automatically).
    constant: bool,
}

impl Usage {
    fn label(self) -> &'static str {
        match (self.request, self.response) {
            (true, true) => "request and response",
            (true, false) => "request",
            (false, true) => "response",
            (false, false) => "unused",
        }
    }

    /// Only the type of constant parameters: users never touch it.
    fn internal(self) -> bool {
        self.constant && !self.request && !self.response
    }

    fn or(self, other: Usage) -> Usage {
        Usage {
            request: self.request || other.request,
            response: self.response || other.response,
            constant: self.constant || other.constant,
        }
    }
}

#[derive(Clone, Copy)]
enum Side {
    Request,
    Response,
    Constant,
}

/// Where each named type is reachable from: request (parameters, bodies),
/// response (success and error bodies) or constant parameters.
fn usage(api: &Api) -> BTreeMap<String, Usage> {
    let by_name: BTreeMap<&str, &TypeDef> = api.types.iter().map(|t| (t.name.as_str(), t)).collect();
    let mut out: BTreeMap<String, Usage> = BTreeMap::new();
    let mut mark = |roots: Vec<&Ty>, side: Side| {
        let mut stack: Vec<&Ty> = roots;
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        while let Some(t) = stack.pop() {
            match t {
                Ty::Vec(i) | Ty::Map(i) | Ty::Option(i) | Ty::Box(i) => stack.push(i),
                Ty::Named(n) => {
                    if !seen.insert(n.as_str()) {
                        continue;
                    }
                    let u = out.entry(n.clone()).or_default();
                    match side {
                        Side::Request => u.request = true,
                        Side::Response => u.response = true,
                        Side::Constant => u.constant = true,
                    }
                    if let Some(def) = by_name.get(n.as_str()) {
                        stack.extend(kind_tys(&def.kind));
                    }
                }
                _ => {}
            }
        }
    };
    let (mut req, mut resp, mut constant) = (Vec::new(), Vec::new(), Vec::new());
    for op in &api.operations {
        for p in &op.params {
            if role(p) == Role::Automatic {
                constant.push(&p.ty);
            } else {
                req.push(&p.ty);
            }
        }
        req.extend(op.body.iter().map(|b| &b.ty));
        resp.push(&op.success.ty);
        resp.extend(op.success.cases.iter().filter_map(case_body));
        resp.extend(op.errors.cases.iter().filter_map(case_body));
    }
    mark(req, Side::Request);
    mark(resp, Side::Response);
    mark(constant, Side::Constant);
    out
}

/// The types a type refers to directly.
fn kind_tys(kind: &TypeKind) -> Vec<&Ty> {
    match kind {
        TypeKind::Struct(s) => s.fields.iter().map(|f| &f.ty).chain(s.additional.iter().map(|a| &a.ty)).collect(),
        TypeKind::Union(u) => u.variants.iter().map(|v| &v.ty).collect(),
        TypeKind::Alias(t) | TypeKind::Newtype(t) => vec![t],
        TypeKind::Multipart(f) => f.parts.iter().map(|p| &p.field.ty).collect(),
        TypeKind::Enum { .. } | TypeKind::IntEnum { .. } => Vec::new(),
    }
}

fn kind_name(kind: &TypeKind) -> &'static str {
    match kind {
        TypeKind::Struct(_) => "struct",
        TypeKind::Enum { .. } => "string enum",
        TypeKind::IntEnum { .. } => "integer enum",
        TypeKind::Union(_) => "union enum",
        TypeKind::Alias(_) => "type alias",
        TypeKind::Newtype(_) => "newtype",
        TypeKind::Multipart(_) => "multipart form",
    }
}

fn types(r: &mut Report, old: &Api, new: &Api) {
    let (uo, un) = (usage(old), usage(new));
    let old_usage = |name: &str| uo.get(name).copied().unwrap_or_default();
    let new_usage = |name: &str| un.get(name).copied().unwrap_or_default();
    for t in &new.types {
        let Some(o) = old.types.iter().find(|o| o.name == t.name) else {
            let u = new_usage(&t.name);
            if u.internal() {
                continue;
            }
            r.push(
                Kind::TypeAdded,
                false,
                format!("type {} ({})", code(&t.name), u.label()),
                format!("added ({})", kind_name(&t.kind)),
            );
            continue;
        };
        let (a, b) = (old_usage(&t.name), new_usage(&t.name));
        if a.internal() && b.internal() {
            continue;
        }
        let mut u = a.or(b);
        if !u.request && !u.response {
            // Reachable from no operation: users may both build and read it.
            u = Usage { request: true, response: true, constant: false };
        }
        let subject = format!("type {} ({})", code(&t.name), u.label());
        match (&o.kind, &t.kind) {
            (TypeKind::Struct(a), TypeKind::Struct(b)) => struct_diff(r, &subject, u, a, b),
            (TypeKind::Multipart(a), TypeKind::Multipart(b)) => {
                struct_diff(r, &subject, u, &a.as_struct(), &b.as_struct())
            }
            (TypeKind::Enum { variants: a }, TypeKind::Enum { variants: b }) => {
                let a: Vec<(String, String)> = a.iter().map(|v| (v.wire.clone(), v.ident.clone())).collect();
                let b: Vec<(String, String)> = b.iter().map(|v| (v.wire.clone(), v.ident.clone())).collect();
                enum_diff(r, &subject, &a, &b);
            }
            (TypeKind::IntEnum { variants: a }, TypeKind::IntEnum { variants: b }) => {
                let a: Vec<(String, String)> = a.iter().map(|(i, v)| (v.to_string(), i.clone())).collect();
                let b: Vec<(String, String)> = b.iter().map(|(i, v)| (v.to_string(), i.clone())).collect();
                enum_diff(r, &subject, &a, &b);
            }
            (TypeKind::Union(a), TypeKind::Union(b)) => union_diff(r, &subject, a, b),
            (TypeKind::Alias(a), TypeKind::Alias(b)) | (TypeKind::Newtype(a), TypeKind::Newtype(b)) => {
                if a != b {
                    r.push(Kind::TypeChanged, true, subject, retyped(a, b));
                }
            }
            (a, b) => {
                if kind_name(a) != kind_name(b) {
                    r.push(
                        Kind::TypeChanged,
                        true,
                        subject,
                        format!("now a {} (was a {})", kind_name(b), kind_name(a)),
                    );
                } else if a != b {
                    r.push(Kind::TypeChanged, true, subject, "changed");
                }
            }
        }
    }
    for o in old.types.iter().filter(|o| !new.types.iter().any(|t| t.name == o.name)) {
        let u = old_usage(&o.name);
        if u.internal() {
            continue;
        }
        r.push(
            Kind::TypeRemoved,
            true,
            format!("type {} ({})", code(&o.name), u.label()),
            format!("removed ({})", kind_name(&o.kind)),
        );
    }
}

fn struct_diff(r: &mut Report, subject: &str, u: Usage, a: &Struct, b: &Struct) {
    for f in &b.fields {
        let field = format!("field `{}`", f.wire_name);
        let Some(of) = a.fields.iter().find(|of| of.wire_name == f.wire_name) else {
            let required = if f.required { "required" } else { "optional" };
            // Users build request types: a new required field must be supplied.
            r.push(
                Kind::FieldAdded,
                u.request && f.required,
                subject,
                format!("{field} added, {required} (`{}`)", ty_str(&f.ty)),
            );
            continue;
        };
        if of.ty != f.ty {
            let how = match (of.required, f.required) {
                (false, true) => "now required, ",
                (true, false) => "now optional, ",
                _ => "",
            };
            r.push(Kind::FieldChanged, true, subject, format!("{field} {how}{}", retyped(&of.ty, &f.ty)));
        } else if of.required != f.required {
            // Same Rust type (`Option` either way): only the wire contract changed.
            let (how, breaking) = if f.required { ("now required", u.request) } else { ("now optional", false) };
            r.push(Kind::FieldChanged, breaking, subject, format!("{field} {how}"));
        }
        if of.ident != f.ident {
            r.push(
                Kind::FieldChanged,
                true,
                subject,
                format!("{field} renamed in Rust `{}` -> `{}`", of.ident, f.ident),
            );
        }
        if !of.deprecated && f.deprecated {
            r.push(Kind::FieldChanged, false, subject, format!("{field} deprecated"));
        }
    }
    for of in a.fields.iter().filter(|of| !b.fields.iter().any(|f| f.wire_name == of.wire_name)) {
        r.push(
            Kind::FieldRemoved,
            true,
            subject,
            format!("field `{}` removed (was `{}`)", of.wire_name, ty_str(&of.ty)),
        );
    }
    match (a.additional.as_ref().map(|x| &x.ty), b.additional.as_ref().map(|x| &x.ty)) {
        (None, Some(t)) => {
            r.push(Kind::FieldAdded, u.request, subject, format!("additional properties allowed (`{}`)", ty_str(t)))
        }
        (Some(_), None) => r.push(Kind::FieldRemoved, true, subject, "additional properties no longer kept"),
        (Some(x), Some(y)) if x != y => {
            r.push(Kind::FieldChanged, true, subject, format!("additional properties {}", retyped(x, y)))
        }
        _ => {}
    }
}

/// `(wire, ident)` pairs; wire values identify variants.
fn enum_diff(r: &mut Report, subject: &str, a: &[(String, String)], b: &[(String, String)]) {
    for (wire, ident) in b {
        match a.iter().find(|(w, _)| w == wire) {
            None => r.push(Kind::EnumValueAdded, false, subject, format!("value `{wire}` added (`{ident}`)")),
            Some((_, oi)) if oi != ident => r.push(
                Kind::EnumValueChanged,
                true,
                subject,
                format!("variant of `{wire}` renamed `{oi}` -> `{ident}`"),
            ),
            Some(_) => {}
        }
    }
    for (wire, ident) in a.iter().filter(|(w, _)| !b.iter().any(|(nw, _)| nw == w)) {
        r.push(Kind::EnumValueRemoved, true, subject, format!("value `{wire}` removed (`{ident}`)"));
    }
}

fn union_diff(r: &mut Report, subject: &str, a: &Union, b: &Union) {
    if a.discriminator != b.discriminator {
        let show = |d: &Option<String>| d.as_deref().map(code).unwrap_or_else(|| "none".into());
        r.push(
            Kind::TypeChanged,
            true,
            subject,
            format!("discriminator {} -> {}", show(&a.discriminator), show(&b.discriminator)),
        );
    }
    for v in &b.variants {
        match a.variants.iter().find(|ov| ov.ident == v.ident) {
            None => r.push(
                Kind::UnionVariantAdded,
                false,
                subject,
                format!("variant `{}({})` added", v.ident, ty_str(&v.ty)),
            ),
            Some(ov) if ov.ty != v.ty => r.push(
                Kind::UnionVariantChanged,
                true,
                subject,
                format!("variant `{}` {}", v.ident, retyped(&ov.ty, &v.ty)),
            ),
            Some(ov) if ov.tags != v.tags => r.push(
                Kind::UnionVariantChanged,
                true,
                subject,
                format!("variant `{}` tags `{}` -> `{}`", v.ident, ov.tags.join("|"), v.tags.join("|")),
            ),
            Some(_) => {}
        }
    }
    for ov in a.variants.iter().filter(|ov| !b.variants.iter().any(|v| v.ident == ov.ident)) {
        r.push(Kind::UnionVariantRemoved, true, subject, format!("variant `{}({})` removed", ov.ident, ty_str(&ov.ty)));
    }
}

// ---- specs -------------------------------------------------------------------

/// Resolves spec text into the model. Warnings are dropped: generation
/// reports them, and a diff compares what would be generated.
pub fn resolve_str(text: &str) -> Result<Api> {
    resolve_source(&crate::Source::from_text(text))
}

/// Resolves a spec file into the model; errors name the file and, when the
/// node can be found, its line and column.
pub fn resolve_file(path: &Path) -> Result<Api> {
    resolve_source(&crate::Source::read(path, &[])?)
}

/// Resolves a [`crate::Source`] (the spec and its overlays) into the model,
/// through the same front end as generation.
pub fn resolve_source(source: &crate::Source) -> Result<Api> {
    let front = crate::source::load(source)?;
    crate::resolve::resolve(&front.openapi).map(|(api, _)| api).map_err(|e| front.locate(e))
}
