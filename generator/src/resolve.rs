//! Stage 2: from `openapiv3::OpenAPI` to the resolved [`model::Api`].
//!
//! Every `$ref` is followed here, every name is chosen here (through
//! [`crate::naming`]), and every decision about the Rust shape of a schema
//! is taken here, so that `emit` only translates the model into tokens.

use indexmap::{IndexMap, IndexSet};
use openapiv3 as oa;
use serde::Deserialize;

use crate::error::{escape_pointer, Error, Result};
use crate::model::*;
use crate::naming::{pascal, snake, Scope};

/// Inline schemas nested deeper than this are refused (a runaway spec, or a
/// generator loop).
const MAX_DEPTH: usize = 64;

/// A problem the generator worked around; `--strict` makes it an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub pointer: String,
    pub message: String,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.pointer, self.message)
    }
}

/// Names the generated module defines besides the spec's types.
const RESERVED_TYPES: &[&str] = &[
    "Client",
    "ClientBuilder",
    "Response",
    "Error",
    "Result",
    "Ok",
    "Err",
    "Option",
    "Some",
    "None",
    "Vec",
    "String",
    "Box",
    "Default",
    "From",
    "Into",
    "Send",
    "Sync",
    "Sized",
    "Clone",
    "Copy",
    "Eq",
    "PartialEq",
    "Ord",
    "PartialOrd",
    "Iterator",
    "IntoIterator",
    "ToString",
    "ToOwned",
    "AsRef",
    "AsMut",
    "Drop",
    "Fn",
    "FnMut",
    "FnOnce",
    "Extend",
    "TryFrom",
    "TryInto",
    "Unpin",
];

/// Resolves a document into the model.
pub fn resolve(doc: &oa::OpenAPI) -> Result<(Api, Vec<Warning>)> {
    let mut r = Resolver {
        doc,
        types: IndexMap::new(),
        names: Scope::with_reserved(RESERVED_TYPES),
        components: IndexMap::new(),
        warnings: Vec::new(),
    };
    // Component schemas claim their names first, in spec order.
    if let Some(components) = &doc.components {
        for key in components.schemas.keys() {
            let name = r.names.claim(&pascal(key, "T"));
            r.components.insert(key.clone(), name);
        }
    }
    let servers = r.servers()?;
    let security_schemes = r.security_schemes()?;
    if let Some(components) = &doc.components {
        for (key, schema) in &components.schemas {
            let name = r.component_name(key, "#/components/schemas")?;
            let pointer = format!("#/components/schemas/{}", escape_pointer(key));
            r.define_named(&name, schema_ref(schema), &pointer, 0)?;
        }
    }
    let operations = r.operations()?;
    let mut types: Vec<TypeDef> = r.types.into_values().collect();
    recursive_aliases(&mut types)?;
    box_cycles(&mut types);
    let uses = find_uses(&types, &operations);
    let api = Api {
        title: doc.info.title.clone(),
        version: doc.info.version.clone(),
        description: doc.info.description.clone(),
        servers,
        security_schemes,
        operations,
        types,
        uses,
    };
    Ok((api, r.warnings))
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
    names: Scope,
    /// Component schema key -> Rust type name.
    components: IndexMap<String, String>,
    warnings: Vec<Warning>,
}

/// The `x-pagination` extension as written in a spec.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct PaginationExt {
    style: String,
    #[serde(rename = "in", default)]
    location: Option<String>,
    param: String,
    #[serde(default)]
    limit: Option<String>,
    items: String,
    #[serde(default)]
    has_more: Option<String>,
    #[serde(default)]
    next: Option<String>,
}

impl<'a> Resolver<'a> {
    fn warn(&mut self, pointer: &str, message: impl Into<String>) {
        self.warnings.push(Warning { pointer: pointer.to_string(), message: message.into() });
    }

    // ---- servers and security -------------------------------------------------

    fn servers(&mut self) -> Result<Vec<Server>> {
        let mut out = Vec::new();
        for (i, s) in self.doc.servers.iter().enumerate() {
            let mut variables = Vec::new();
            if let Some(vars) = &s.variables {
                for (name, v) in vars {
                    let pointer = format!("#/servers/{i}/variables/{}", escape_pointer(name));
                    let mut scope = Scope::with_reserved(&["Unknown"]);
                    let values: Vec<EnumVariant> = v
                        .enumeration
                        .iter()
                        .map(|w| EnumVariant { ident: scope.claim(&pascal(w, "V")), wire: w.clone() })
                        .collect();
                    let mut values = values;
                    if !values.is_empty() && !v.enumeration.contains(&v.default) {
                        self.warn(
                            &pointer,
                            format!("default `{}` is not one of the allowed values; it is added to them", v.default),
                        );
                        values.push(EnumVariant {
                            ident: scope.claim(&pascal(&v.default, "V")),
                            wire: v.default.clone(),
                        });
                    }
                    let type_name =
                        if values.is_empty() || i > 0 { None } else { Some(self.names.claim(&pascal(name, "T"))) };
                    variables.push(ServerVariable {
                        name: name.clone(),
                        method: snake(name),
                        type_name,
                        default: v.default.clone(),
                        values,
                        description: v.description.clone(),
                    });
                }
            }
            out.push(Server { url: s.url.clone(), description: s.description.clone(), variables });
        }
        Ok(out)
    }

    fn security_schemes(&mut self) -> Result<Vec<SecurityScheme>> {
        let mut out = Vec::new();
        let Some(components) = &self.doc.components else { return Ok(out) };
        let mut methods = Scope::with_reserved(&[
            "base_url",
            "timeout",
            "retry",
            "user_agent",
            "http_client",
            "build",
            "header",
            "server_variable",
        ]);
        for (key, scheme) in &components.security_schemes {
            let pointer = format!("#/components/securitySchemes/{}", escape_pointer(key));
            let oa::ReferenceOr::Item(scheme) = scheme else {
                return Err(Error::unsupported(&pointer, "a `$ref` to a security scheme is not supported"));
            };
            let (kind, method, description) = match scheme {
                oa::SecurityScheme::APIKey { location, name, description, .. } => {
                    let kind = match location {
                        oa::APIKeyLocation::Header => SecurityKind::ApiKeyHeader { name: name.clone() },
                        oa::APIKeyLocation::Query => SecurityKind::ApiKeyQuery { name: name.clone() },
                        oa::APIKeyLocation::Cookie => {
                            self.warn(&pointer, "API keys in cookies are not supported; the scheme is ignored");
                            continue;
                        }
                    };
                    (kind, "api_key", description)
                }
                oa::SecurityScheme::HTTP { scheme, description, extensions, .. } => {
                    match scheme.to_ascii_lowercase().as_str() {
                        "basic" => (SecurityKind::Basic, "basic_auth", description),
                        "bearer" => (
                            SecurityKind::Token { prefix: token_prefix(extensions, "Bearer") },
                            "bearer_token",
                            description,
                        ),
                        other => {
                            (SecurityKind::Token { prefix: token_prefix(extensions, other) }, "token", description)
                        }
                    }
                }
                oa::SecurityScheme::OAuth2 { description, extensions, .. } => {
                    (SecurityKind::Token { prefix: token_prefix(extensions, "Bearer") }, "access_token", description)
                }
                oa::SecurityScheme::OpenIDConnect { description, extensions, .. } => {
                    (SecurityKind::Token { prefix: token_prefix(extensions, "Bearer") }, "access_token", description)
                }
            };
            let method = if methods.contains(method) { methods.claim(&snake(key)) } else { methods.claim(method) };
            out.push(SecurityScheme { key: key.clone(), method, kind, description: description.clone() });
        }
        Ok(out)
    }

    // ---- operations -----------------------------------------------------------

    fn operations(&mut self) -> Result<Vec<Operation>> {
        let mut out = Vec::new();
        let mut ids: IndexMap<String, String> = IndexMap::new();
        let mut methods = Scope::with_reserved(&["builder", "new", "base_url", "clone", "fmt"]);
        for (path, item) in &self.doc.paths.paths {
            let path_pointer = format!("#/paths/{}", escape_pointer(path));
            let item = match item {
                oa::ReferenceOr::Item(item) => item,
                oa::ReferenceOr::Reference { .. } => {
                    return Err(Error::unsupported(&path_pointer, "a `$ref` to a path item is not supported"))
                }
            };
            for (method, op) in item.iter() {
                let pointer = format!("{path_pointer}/{method}");
                let op_id = match &op.operation_id {
                    Some(id) if !id.trim().is_empty() => id.clone(),
                    _ => {
                        let synth = synth_operation_id(method, path);
                        self.warn(&pointer, format!("no operationId; using `{synth}`"));
                        synth
                    }
                };
                if let Some(first) = ids.insert(op_id.clone(), pointer.clone()) {
                    self.warn(
                        &pointer,
                        format!("operationId `{op_id}` is also used at {first}; this one gets a numbered method name"),
                    );
                }
                let method_name = methods.claim(&snake(&op_id));
                out.push(self.operation(path, method, &item.parameters, op, &op_id, method_name, &pointer)?);
            }
        }
        Ok(out)
    }

    #[allow(clippy::too_many_arguments)]
    fn operation(
        &mut self,
        path: &str,
        method: &str,
        path_params: &'a [oa::ReferenceOr<oa::Parameter>],
        op: &'a oa::Operation,
        op_id: &str,
        method_name: String,
        pointer: &str,
    ) -> Result<Operation> {
        let op_pascal = pascal(op_id, "Op");
        let builder_name = self.names.claim(&op_pascal);

        // Parameters: path-level first, overridden by operation-level ones.
        let mut raw: IndexMap<(String, &'static str), (&'a oa::Parameter, String)> = IndexMap::new();
        for (i, p) in path_params.iter().enumerate() {
            let ptr = format!("#/paths/{}/parameters/{i}", escape_pointer(path));
            let Some(p) = self.parameter(p, &ptr)? else { continue };
            raw.insert((p.parameter_data_ref().name.clone(), param_in(p)), (p, ptr));
        }
        for (i, p) in op.parameters.iter().enumerate() {
            let ptr = format!("{pointer}/parameters/{i}");
            let Some(p) = self.parameter(p, &ptr)? else { continue };
            raw.insert((p.parameter_data_ref().name.clone(), param_in(p)), (p, ptr));
        }
        let mut idents = Scope::with_reserved(&["client", "send", "stream", "body", "request", "into_future"]);
        let mut params = Vec::new();
        for (p, ptr) in raw.values() {
            params.extend(self.param(p, ptr, &op_pascal, &mut idents)?);
        }
        // Path parameters used in the template but never declared.
        for name in path_template_names(path) {
            if !params.iter().any(|p| p.location == ParamLocation::Path && p.wire_name == name) {
                self.warn(pointer, format!("path parameter `{name}` is used in the path but not declared; treating it as a required string"));
                params.push(Param {
                    wire_name: name.clone(),
                    ident: idents.claim(&snake(&name)),
                    location: ParamLocation::Path,
                    required: true,
                    ty: Ty::String,
                    list_style: None,
                    constant: None,
                    description: None,
                    deprecated: false,
                });
            }
        }
        for p in &params {
            if p.location == ParamLocation::Path && !path.contains(&format!("{{{}}}", p.wire_name)) {
                return Err(Error::invalid(
                    pointer,
                    format!("path parameter `{}` does not appear in the path `{path}`", p.wire_name),
                ));
            }
        }
        // Path parameters come first, in the order of the path template.
        let order = path_template_names(path);
        params.sort_by_key(|p| match p.location {
            ParamLocation::Path => order.iter().position(|n| *n == p.wire_name).unwrap_or(usize::MAX),
            _ => usize::MAX,
        });

        let body = match &op.request_body {
            None => None,
            Some(b) => self.request_body(b, &format!("{pointer}/requestBody"), &op_pascal)?,
        };
        let (success, errors) = self.responses(&op.responses, &format!("{pointer}/responses"), &op_pascal)?;
        let security = self.op_security(op);
        let pagination = match op.extensions.get("x-pagination") {
            None => None,
            Some(v) => {
                Some(self.pagination(v, &format!("{pointer}/x-pagination"), &params, body.as_ref(), &success)?)
            }
        };
        let mut description = op.description.clone();
        if let Some(note) = op.extensions.get("x-curation-note").and_then(|v| v.as_str()) {
            let text = format!("Curation note: {note}");
            description = Some(match description {
                Some(d) => format!("{d}\n\n{text}"),
                None => text,
            });
        }
        Ok(Operation {
            method_name,
            builder_name,
            operation_id: op_id.to_string(),
            http_method: method.to_ascii_uppercase(),
            path: path.to_string(),
            summary: op.summary.clone(),
            description,
            doc_url: op.external_docs.as_ref().map(|d| d.url.clone()),
            deprecated: op.deprecated,
            params,
            body,
            success,
            errors,
            security,
            pagination,
        })
    }

    fn op_security(&self, op: &oa::Operation) -> Vec<String> {
        let reqs = op.security.as_ref().or(self.doc.security.as_ref());
        let mut out: IndexSet<String> = IndexSet::new();
        for req in reqs.into_iter().flatten() {
            for key in req.keys() {
                out.insert(key.clone());
            }
        }
        out.into_iter().collect()
    }

    /// The parameter a position holds; `None` (with a warning) for a `$ref`
    /// into the document outside `#/components/parameters/`.
    fn parameter(&mut self, p: &'a oa::ReferenceOr<oa::Parameter>, pointer: &str) -> Result<Option<&'a oa::Parameter>> {
        let mut current = p;
        for _ in 0..MAX_DEPTH {
            match current {
                oa::ReferenceOr::Item(p) => return Ok(Some(p)),
                oa::ReferenceOr::Reference { reference }
                    if reference.starts_with('#') && component_key(reference, "parameters", pointer).is_err() =>
                {
                    self.warn(pointer, format!("`$ref: {reference}` does not name a parameter of `#/components/parameters/`; the parameter is left out"));
                    return Ok(None);
                }
                oa::ReferenceOr::Reference { reference } => {
                    let key = component_key(reference, "parameters", pointer)?;
                    current = self
                        .doc
                        .components
                        .as_ref()
                        .and_then(|c| c.parameters.get(key))
                        .ok_or_else(|| Error::invalid(pointer, format!("`$ref: {reference}` points to nothing")))?;
                }
            }
        }
        Err(Error::invalid(pointer, "the `$ref` chain of this parameter is circular"))
    }

    fn param(
        &mut self,
        p: &'a oa::Parameter,
        pointer: &str,
        op_pascal: &str,
        idents: &mut Scope,
    ) -> Result<Option<Param>> {
        let data = p.parameter_data_ref();
        let (location, list_style) = match p {
            oa::Parameter::Query { style, .. } => {
                let explode = data.explode.unwrap_or(matches!(style, oa::QueryStyle::Form));
                let style = match style {
                    oa::QueryStyle::Form if explode => ListStyle::Exploded,
                    oa::QueryStyle::Form => ListStyle::Comma,
                    oa::QueryStyle::SpaceDelimited => ListStyle::Space,
                    oa::QueryStyle::PipeDelimited => ListStyle::Pipe,
                    oa::QueryStyle::DeepObject => {
                        self.warn(
                            pointer,
                            format!("`style: deepObject` is not supported; the parameter `{}` is left out", data.name),
                        );
                        return Ok(None);
                    }
                };
                (ParamLocation::Query, style)
            }
            oa::Parameter::Path { .. } => (ParamLocation::Path, ListStyle::Comma),
            oa::Parameter::Header { .. } => (ParamLocation::Header, ListStyle::Comma),
            oa::Parameter::Cookie { .. } => (ParamLocation::Cookie, ListStyle::Comma),
        };
        let schema = match &data.format {
            oa::ParameterSchemaOrContent::Schema(s) => Some(s),
            oa::ParameterSchemaOrContent::Content(c) => c.values().next().and_then(|m| m.schema.as_ref()),
        };
        let hint = format!("{op_pascal}{}", pascal(&data.name, "P"));
        let (ty, constant) = match schema {
            None => {
                self.warn(pointer, "parameter has no schema; treating it as a string");
                (Ty::String, None)
            }
            Some(s) => match self.single_string_value(schema_ref(s)).filter(|_| data.required) {
                // A constant the client sends by itself: no type for users.
                Some(constant) => (Ty::String, Some(constant)),
                None => (self.schema_ty(schema_ref(s), &hint, &format!("{pointer}/schema"), 0)?, None),
            },
        };
        // A nullable parameter is simply one that may be left out.
        let ty = match ty {
            Ty::Option(inner) => *inner,
            Ty::Vec(item) => match *item {
                Ty::Option(inner) => Ty::Vec(inner),
                other => Ty::Vec(Box::new(other)),
            },
            other => other,
        };
        let mut required = data.required;
        if location == ParamLocation::Path && !required {
            self.warn(pointer, "path parameters are always required; `required: false` is ignored");
            required = true;
        }
        if matches!(ty, Ty::Object | Ty::Map(_))
            || matches!(&ty, Ty::Named(n) if matches!(self.types.get(n).map(|t| &t.kind), Some(TypeKind::Struct(_))))
        {
            if required {
                return Err(Error::unsupported(pointer, "required object-valued parameters are not supported"));
            }
            self.warn(
                pointer,
                format!(
                    "object-valued parameters are not supported; the optional parameter `{}` is left out",
                    data.name
                ),
            );
            return Ok(None);
        }
        let is_list = matches!(ty, Ty::Vec(_));
        let constant = if required { constant } else { None };
        Ok(Some(Param {
            wire_name: data.name.clone(),
            ident: if constant.is_some() { snake(&data.name) } else { idents.claim(&snake(&data.name)) },
            location,
            required,
            ty,
            list_style: if is_list { Some(list_style) } else { None },
            constant,
            description: data.description.clone(),
            deprecated: data.deprecated.unwrap_or(false),
        }))
    }

    /// `Some(value)` for a string schema with exactly one allowed value.
    fn single_string_value(&self, s: SchemaRef<'_>) -> Option<String> {
        let schema = self.deref_schema(s).ok()?;
        match &schema.schema_kind {
            oa::SchemaKind::Type(oa::Type::String(st)) => match st.enumeration.as_slice() {
                [only] => only.clone(),
                _ => None,
            },
            _ => None,
        }
    }

    fn request_body(
        &mut self,
        b: &'a oa::ReferenceOr<oa::RequestBody>,
        pointer: &str,
        op_pascal: &str,
    ) -> Result<Option<Body>> {
        let body = match b {
            oa::ReferenceOr::Item(b) => b,
            oa::ReferenceOr::Reference { reference } => {
                let key = component_key(reference, "requestBodies", pointer)?;
                match self.doc.components.as_ref().and_then(|c| c.request_bodies.get(key)) {
                    Some(oa::ReferenceOr::Item(b)) => b,
                    Some(_) => {
                        return Err(Error::unsupported(pointer, "a `$ref` to a `$ref` request body is not supported"))
                    }
                    None => return Err(Error::invalid(pointer, format!("`$ref: {reference}` points to nothing"))),
                }
            }
        };
        let Some((content_type, media)) = pick_content(&body.content) else {
            if body.content.is_empty() {
                self.warn(pointer, "request body has no content; it is ignored");
                return Ok(None);
            }
            return Err(Error::unsupported(pointer, "request body has no supported media type"));
        };
        let kind = content_kind(content_type);
        let ptr = format!("{pointer}/content/{}/schema", escape_pointer(content_type));
        let ty = match (&media.schema, kind) {
            (_, ContentKind::Binary) => Ty::Bytes,
            (_, ContentKind::Text) => Ty::String,
            (None, _) => Ty::Value,
            (Some(s), _) => self.schema_ty(schema_ref(s), &format!("{op_pascal}Body"), &ptr, 0)?,
        };
        Ok(Some(Body {
            kind,
            content_type: content_type.clone(),
            ty,
            required: body.required,
            description: body.description.clone(),
        }))
    }

    /// The response a position holds; `None` (with a warning) for a `$ref`
    /// into the document outside `#/components/responses/`.
    fn response(&mut self, r: &'a oa::ReferenceOr<oa::Response>, pointer: &str) -> Result<Option<&'a oa::Response>> {
        match r {
            oa::ReferenceOr::Item(r) => Ok(Some(r)),
            oa::ReferenceOr::Reference { reference }
                if reference.starts_with('#') && !reference.starts_with("#/components/responses/") =>
            {
                self.warn(
                    pointer,
                    format!(
                        "`$ref: {reference}` does not point into `#/components/responses/`; the body is not decoded"
                    ),
                );
                Ok(None)
            }
            oa::ReferenceOr::Reference { reference } => {
                let key = component_key(reference, "responses", pointer)?;
                match self.doc.components.as_ref().and_then(|c| c.responses.get(key)) {
                    Some(oa::ReferenceOr::Item(r)) => Ok(Some(r)),
                    Some(_) => Err(Error::unsupported(pointer, "a `$ref` to a `$ref` response is not supported")),
                    None => Err(Error::invalid(pointer, format!("`$ref: {reference}` points to nothing"))),
                }
            }
        }
    }

    fn responses(
        &mut self,
        responses: &'a oa::Responses,
        pointer: &str,
        op_pascal: &str,
    ) -> Result<(Success, ErrorSet)> {
        let mut all: Vec<(StatusMatch, Option<&oa::Response>, String)> = Vec::new();
        for (code, r) in &responses.responses {
            let (status, key) = match code {
                oa::StatusCode::Code(c) => (StatusMatch::Code(*c), c.to_string()),
                oa::StatusCode::Range(r) => (StatusMatch::Range(*r), format!("{r}XX")),
            };
            let ptr = format!("{pointer}/{key}");
            all.push((status, self.response(r, &ptr)?, ptr));
        }
        if let Some(d) = &responses.default {
            let ptr = format!("{pointer}/default");
            all.push((StatusMatch::Default, self.response(d, &ptr)?, ptr));
        }
        let is_success = |s: &StatusMatch| match s {
            StatusMatch::Code(c) => (200..300).contains(c),
            StatusMatch::Range(r) => *r == 2,
            StatusMatch::Default => false,
        };
        let n_success_bodies = all
            .iter()
            .filter(|(s, r, _)| is_success(s) && r.is_some_and(|r| pick_content(&r.content).is_some()))
            .count();
        let mut ok_cases = Vec::new();
        let mut err_cases = Vec::new();
        let mut variants = Scope::with_reserved(&["Unknown"]);
        let mut err_variants = Scope::with_reserved(&["Unknown"]);
        for (status, r, ptr) in &all {
            let success = is_success(status);
            let variant = if success {
                variants.claim(&status_variant(status))
            } else {
                err_variants.claim(&status_variant(status))
            };
            let hint = if success && n_success_bodies <= 1 {
                format!("{op_pascal}Response")
            } else if success {
                format!("{op_pascal}{variant}Response")
            } else {
                format!("{op_pascal}{variant}Error")
            };
            let body = match r.and_then(|r| pick_content(&r.content)) {
                None => None,
                Some((ct, media)) => {
                    let kind = content_kind(ct);
                    let sptr = format!("{ptr}/content/{}/schema", escape_pointer(ct));
                    let ty = match (&media.schema, kind) {
                        (_, ContentKind::Binary) => Ty::Bytes,
                        (_, ContentKind::Text) => Ty::String,
                        (None, _) => Ty::Value,
                        (Some(s), _) => self.schema_ty(schema_ref(s), &hint, &sptr, 0)?,
                    };
                    Some((kind, ty))
                }
            };
            let description = r.map(|r| r.description.clone()).filter(|d| !d.is_empty());
            let case = ResponseCase { status: status.clone(), variant, body, description };
            if success {
                ok_cases.push(case);
            } else {
                err_cases.push(case);
            }
        }
        if ok_cases.is_empty() {
            ok_cases.push(ResponseCase {
                status: StatusMatch::Range(2),
                variant: "Success".into(),
                body: None,
                description: None,
            });
        }
        let distinct: IndexSet<Option<&Ty>> = ok_cases.iter().map(|c| c.body.as_ref().map(|(_, t)| t)).collect();
        let (ty, enum_name) = if distinct.len() == 1 {
            (ok_cases.first().and_then(|c| c.body.as_ref()).map(|(_, t)| t.clone()).unwrap_or(Ty::Unit), None)
        } else {
            let name = self.names.claim(&format!("{op_pascal}Success"));
            (Ty::Named(name.clone()), Some(name))
        };
        let err_name = if err_cases.is_empty() { None } else { Some(self.names.claim(&format!("{op_pascal}Error"))) };
        Ok((Success { ty, cases: ok_cases, enum_name }, ErrorSet { enum_name: err_name, cases: err_cases }))
    }

    fn pagination(
        &mut self,
        v: &serde_json::Value,
        pointer: &str,
        params: &[Param],
        body: Option<&Body>,
        success: &Success,
    ) -> Result<Pagination> {
        let ext: PaginationExt = serde_json::from_value(v.clone())
            .map_err(|e| Error::invalid(pointer, format!("malformed `x-pagination`: {e}")))?;
        let style = match ext.style.as_str() {
            "offset" => PageStyle::Offset,
            "page" => PageStyle::Page,
            "cursor" => PageStyle::Cursor,
            other => {
                return Err(Error::invalid(
                    pointer,
                    format!("unknown pagination style `{other}` (expected offset, page or cursor)"),
                ))
            }
        };
        let in_body = match ext.location.as_deref() {
            None | Some("query") => false,
            Some("body") => true,
            Some(other) => {
                return Err(Error::invalid(
                    pointer,
                    format!("unknown pagination location `{other}` (expected query or body)"),
                ))
            }
        };
        if in_body {
            if !matches!(body, Some(b) if b.kind == ContentKind::Json) {
                return Err(Error::invalid(pointer, "`in: body` pagination needs a JSON request body"));
            }
        } else if !params.iter().any(|p| p.location == ParamLocation::Query && p.wire_name == ext.param) {
            return Err(Error::invalid(
                pointer,
                format!("pagination parameter `{}` is not a query parameter of this operation", ext.param),
            ));
        }
        if style == PageStyle::Cursor && ext.next.is_none() {
            return Err(Error::invalid(pointer, "cursor pagination needs `next`, the pointer to the next cursor"));
        }
        // With several 2xx statuses, the one JSON body among them is the page
        // (the others, such as Zoho's `204 No Content`, end the stream).
        let page_ty = success
            .cases
            .iter()
            .find_map(|c| match &c.body {
                Some((ContentKind::Json, t)) => Some(t.clone()),
                _ => None,
            })
            .unwrap_or(Ty::Value);
        let item_ty = self.item_ty(&page_ty, &ext.items).ok_or_else(|| {
            Error::invalid(
                pointer,
                format!("`items: {}` does not point to an array in the success response", ext.items),
            )
        })?;
        Ok(Pagination {
            style,
            in_body,
            param: ext.param,
            limit: ext.limit,
            items: ext.items,
            has_more: ext.has_more,
            next: ext.next,
            item_ty,
        })
    }

    /// Follows a JSON pointer through the model's types to an array's item type.
    fn item_ty(&self, root: &Ty, pointer: &str) -> Option<Ty> {
        let mut ty = root.clone();
        for seg in pointer.split('/').skip(1) {
            let seg = seg.replace("~1", "/").replace("~0", "~");
            ty = strip(&ty);
            ty = match ty {
                Ty::Value | Ty::Object => Ty::Value,
                Ty::Named(name) => match &self.types.get(&name)?.kind {
                    TypeKind::Struct(s) => s.fields.iter().find(|f| f.wire_name == seg)?.ty.clone(),
                    TypeKind::Alias(t) | TypeKind::Newtype(t) => t.clone(),
                    _ => return None,
                },
                Ty::Map(inner) => *inner,
                _ => return None,
            };
        }
        match strip(&ty) {
            Ty::Vec(inner) => Some(*inner),
            Ty::Value => Some(Ty::Value),
            _ => None,
        }
    }

    // ---- schemas --------------------------------------------------------------

    fn deref_schema(&self, s: SchemaRef<'a>) -> Result<&'a oa::Schema> {
        let mut current = s;
        for _ in 0..MAX_DEPTH {
            match current {
                SchemaRef::Item(s) => return Ok(s),
                SchemaRef::Ref(r) => current = self.component_schema(r, "#")?.1,
            }
        }
        Err(Error::invalid("#/components/schemas", "a `$ref` chain between schemas is circular"))
    }

    fn component_schema(&self, reference: &str, pointer: &str) -> Result<(&'a str, SchemaRef<'a>)> {
        let key = component_key(reference, "schemas", pointer)?;
        let doc: &'a oa::OpenAPI = self.doc;
        let (k, s) = doc
            .components
            .as_ref()
            .and_then(|c| c.schemas.get_key_value(key))
            .ok_or_else(|| Error::invalid(pointer, format!("`$ref: {reference}` points to nothing")))?;
        Ok((k.as_str(), schema_ref(s)))
    }

    /// The Rust type of a schema used somewhere (field, item, body...).
    /// Inline schemas that need a type of their own are defined with a name
    /// derived from `hint`.
    fn schema_ty(&mut self, s: SchemaRef<'a>, hint: &str, pointer: &str, depth: usize) -> Result<Ty> {
        if depth > MAX_DEPTH {
            return Err(Error::unsupported(
                pointer,
                format!("schemas nested deeper than {MAX_DEPTH} levels are not supported"),
            ));
        }
        let schema = match s {
            SchemaRef::Ref(r) if r.starts_with('#') && component_key(r, "schemas", pointer).is_err() => {
                self.warn(
                    pointer,
                    format!("`$ref: {r}` does not name a schema of `#/components/schemas/`; kept as JSON"),
                );
                return Ok(Ty::Value);
            }
            SchemaRef::Ref(r) => {
                let (key, _) = self.component_schema(r, pointer)?;
                return Ok(Ty::Named(self.component_name(key, pointer)?));
            }
            SchemaRef::Item(s) => s,
        };
        let ty = match &schema.schema_kind {
            oa::SchemaKind::Type(oa::Type::String(st)) => {
                let values: Vec<&str> = st.enumeration.iter().flatten().map(String::as_str).collect();
                if !values.is_empty() {
                    let name = self.names.claim(hint);
                    self.define_named(&name, s, pointer, depth)?;
                    Ty::Named(name)
                } else {
                    string_ty(&st.format)
                }
            }
            oa::SchemaKind::Type(oa::Type::Number(n)) => match &n.format {
                oa::VariantOrUnknownOrEmpty::Item(oa::NumberFormat::Float) => Ty::F32,
                _ => Ty::F64,
            },
            oa::SchemaKind::Type(oa::Type::Integer(i)) => {
                if !i.enumeration.is_empty() {
                    let name = self.names.claim(hint);
                    self.define_named(&name, s, pointer, depth)?;
                    Ty::Named(name)
                } else {
                    match &i.format {
                        oa::VariantOrUnknownOrEmpty::Item(oa::IntegerFormat::Int32) => Ty::I32,
                        _ => Ty::I64,
                    }
                }
            }
            oa::SchemaKind::Type(oa::Type::Boolean(_)) => Ty::Bool,
            oa::SchemaKind::Type(oa::Type::Array(a)) => match &a.items {
                None => Ty::Vec(Box::new(Ty::Value)),
                Some(items) => {
                    let item = self.schema_ty(
                        boxed_ref(items),
                        &format!("{hint}Item"),
                        &format!("{pointer}/items"),
                        depth + 1,
                    )?;
                    let item = if self.is_nullable(boxed_ref(items)) { item.option() } else { item };
                    Ty::Vec(Box::new(item))
                }
            },
            oa::SchemaKind::Type(oa::Type::Object(o)) if o.properties.is_empty() => {
                self.map_ty(o.additional_properties.as_ref(), hint, pointer, depth)?
            }
            oa::SchemaKind::Any(any) if is_plain_any(any) => {
                if any.additional_properties.is_some() || any.typ.as_deref() == Some("object") {
                    self.map_ty(any.additional_properties.as_ref(), hint, pointer, depth)?
                } else {
                    Ty::Value
                }
            }
            oa::SchemaKind::AllOf { all_of } => {
                match self.all_of_shape(all_of) {
                    AllOfShape::Objects => {
                        let name = self.names.claim(hint);
                        self.define_named(&name, s, pointer, depth)?;
                        Ty::Named(name)
                    }
                    // One schema refined by annotations (`description`, `nullable`...).
                    AllOfShape::Single(i) => match all_of.get(i) {
                        Some(only) => {
                            self.schema_ty(schema_ref(only), hint, &format!("{pointer}/allOf/{i}"), depth + 1)?
                        }
                        None => Ty::Value,
                    },
                    _ => {
                        self.warn(pointer, "`allOf` mixes object and non-object schemas; kept as JSON");
                        Ty::Value
                    }
                }
            }
            oa::SchemaKind::OneOf { one_of: list } | oa::SchemaKind::AnyOf { any_of: list } if list.len() == 1 => {
                let key = if matches!(schema.schema_kind, oa::SchemaKind::OneOf { .. }) { "oneOf" } else { "anyOf" };
                match list.as_slice() {
                    [only] => self.schema_ty(schema_ref(only), hint, &format!("{pointer}/{key}/0"), depth + 1)?,
                    _ => Ty::Value,
                }
            }
            oa::SchemaKind::Not { .. } => {
                return Err(Error::unsupported(pointer, "`not` schemas cannot be expressed as a Rust type"));
            }
            _ => {
                let name = self.names.claim(hint);
                self.define_named(&name, s, pointer, depth)?;
                Ty::Named(name)
            }
        };
        Ok(ty)
    }

    fn map_ty(
        &mut self,
        ap: Option<&'a oa::AdditionalProperties>,
        hint: &str,
        pointer: &str,
        depth: usize,
    ) -> Result<Ty> {
        Ok(match ap {
            None | Some(oa::AdditionalProperties::Any(_)) => Ty::Object,
            Some(oa::AdditionalProperties::Schema(s)) => {
                let inner = self.schema_ty(
                    schema_ref(s),
                    &format!("{hint}Value"),
                    &format!("{pointer}/additionalProperties"),
                    depth + 1,
                )?;
                Ty::Map(Box::new(inner))
            }
        })
    }

    fn is_nullable(&self, s: SchemaRef<'a>) -> bool {
        self.deref_schema(s).map(|s| s.schema_data.nullable).unwrap_or(false)
    }

    /// Defines a named type for a schema (component or inline).
    fn define_named(&mut self, name: &str, s: SchemaRef<'a>, pointer: &str, depth: usize) -> Result<()> {
        if self.types.contains_key(name) {
            return Ok(());
        }
        let schema = match s {
            SchemaRef::Ref(r) => {
                let target = match component_key(r, "schemas", pointer) {
                    Err(_) if r.starts_with('#') => {
                        self.warn(
                            pointer,
                            format!("`$ref: {r}` does not name a schema of `#/components/schemas/`; kept as JSON"),
                        );
                        Ty::Value
                    }
                    _ => {
                        let (key, _) = self.component_schema(r, pointer)?;
                        Ty::Named(self.component_name(key, pointer)?)
                    }
                };
                self.insert(TypeDef {
                    name: name.into(),
                    doc: None,
                    pointer: pointer.into(),
                    deprecated: false,
                    kind: TypeKind::Alias(target),
                });
                return Ok(());
            }
            SchemaRef::Item(s) => s,
        };
        // Reserve the slot first so that recursive references find it.
        let doc = schema_doc(schema);
        let placeholder = TypeDef {
            name: name.into(),
            doc: doc.clone(),
            pointer: pointer.into(),
            deprecated: schema.schema_data.deprecated,
            kind: TypeKind::Alias(Ty::Value),
        };
        self.insert(placeholder);
        let kind = match &schema.schema_kind {
            oa::SchemaKind::Type(oa::Type::String(st)) if !st.enumeration.is_empty() => {
                let mut scope = Scope::with_reserved(&["Unknown"]);
                let mut seen = IndexSet::new();
                let mut variants = Vec::new();
                for v in st.enumeration.iter().flatten() {
                    if !seen.insert(v.clone()) {
                        self.warn(pointer, format!("enum value `{v}` is repeated; keeping the first"));
                        continue;
                    }
                    variants.push(EnumVariant { ident: scope.claim(&pascal(v, "V")), wire: v.clone() });
                }
                TypeKind::Enum { variants }
            }
            oa::SchemaKind::Type(oa::Type::Integer(it)) if !it.enumeration.is_empty() => {
                let mut scope = Scope::with_reserved(&["Unknown"]);
                let mut seen = IndexSet::new();
                let variants = it
                    .enumeration
                    .iter()
                    .flatten()
                    .filter(|v| seen.insert(**v))
                    .map(|v| {
                        let wire = if *v < 0 { format!("minus {}", v.unsigned_abs()) } else { v.to_string() };
                        (scope.claim(&pascal(&wire, "V")), *v)
                    })
                    .collect();
                TypeKind::IntEnum { variants }
            }
            oa::SchemaKind::Type(oa::Type::Object(o)) if !o.properties.is_empty() => TypeKind::Struct(self.object(
                &o.properties,
                &o.required,
                o.additional_properties.as_ref(),
                name,
                pointer,
                depth,
            )?),
            oa::SchemaKind::Any(any) if !any.properties.is_empty() && is_plain_any_object(any) => TypeKind::Struct(
                self.object(&any.properties, &any.required, any.additional_properties.as_ref(), name, pointer, depth)?,
            ),
            oa::SchemaKind::AllOf { all_of } => match self.all_of_shape(all_of) {
                AllOfShape::Objects => TypeKind::Struct(self.all_of(all_of, name, pointer, depth)?),
                AllOfShape::Single(i) => match all_of.get(i) {
                    Some(only) => TypeKind::Alias(self.schema_ty(
                        schema_ref(only),
                        &format!("{name}Inner"),
                        &format!("{pointer}/allOf/{i}"),
                        depth + 1,
                    )?),
                    None => TypeKind::Alias(Ty::Value),
                },
                AllOfShape::Mixed => {
                    self.warn(pointer, "`allOf` mixes object and non-object schemas; kept as JSON");
                    TypeKind::Alias(Ty::Value)
                }
            },
            oa::SchemaKind::OneOf { one_of } => {
                TypeKind::Union(self.union(schema, one_of, "oneOf", name, pointer, depth)?)
            }
            oa::SchemaKind::AnyOf { any_of } => {
                TypeKind::Union(self.union(schema, any_of, "anyOf", name, pointer, depth)?)
            }
            oa::SchemaKind::Any(any) if !any.all_of.is_empty() => match self.all_of_shape(&any.all_of) {
                // `allOf` beside its own properties: they are one more member.
                AllOfShape::Objects => TypeKind::Struct(self.all_of_with_own(any, name, pointer, depth)?),
                AllOfShape::Single(i) if any.all_of.get(i).is_some_and(|m| self.is_object_like(m)) => {
                    TypeKind::Struct(self.all_of_with_own(any, name, pointer, depth)?)
                }
                _ => {
                    self.warn(pointer, "`allOf` mixes object and non-object schemas; kept as JSON");
                    TypeKind::Alias(Ty::Value)
                }
            },
            oa::SchemaKind::Any(any) if !any.one_of.is_empty() || !any.any_of.is_empty() => {
                let (list, key) = if any.one_of.is_empty() { (&any.any_of, "anyOf") } else { (&any.one_of, "oneOf") };
                if any.properties.is_empty() {
                    TypeKind::Union(self.union(schema, list, key, name, pointer, depth)?)
                } else {
                    self.warn(
                        pointer,
                        format!(
                            "`properties` beside `{key}`: the declared properties are typed, the rest is kept as JSON"
                        ),
                    );
                    TypeKind::Struct(self.object(
                        &any.properties,
                        &any.required,
                        Some(&ANY_TRUE),
                        name,
                        pointer,
                        depth,
                    )?)
                }
            }
            oa::SchemaKind::Not { .. } => {
                return Err(Error::unsupported(pointer, "`not` schemas cannot be expressed as a Rust type"));
            }
            _ => {
                // Primitive, array or free-form component: an alias.
                let ty = self.schema_ty(s, &format!("{name}Inner"), pointer, depth + 1)?;
                let ty = if matches!(&ty, Ty::Named(n) if n == name) { Ty::Value } else { ty };
                TypeKind::Alias(ty)
            }
        };
        if let Some(t) = self.types.get_mut(name) {
            t.kind = kind;
        }
        Ok(())
    }

    /// What the members of an `allOf` are: all objects (merged into one
    /// struct), one schema plus annotations, or a mix with no Rust meaning.
    fn all_of_shape(&self, members: &[oa::ReferenceOr<oa::Schema>]) -> AllOfShape {
        let mut shaped = Vec::new();
        let mut objects = 0;
        for (i, m) in members.iter().enumerate() {
            let Ok(schema) = self.deref_schema(schema_ref(m)) else { return AllOfShape::Objects };
            match &schema.schema_kind {
                oa::SchemaKind::Any(a) if is_annotation_only(a) => continue,
                oa::SchemaKind::Type(oa::Type::Object(_)) | oa::SchemaKind::AllOf { .. } => objects += 1,
                oa::SchemaKind::Any(a) if !a.properties.is_empty() || a.typ.as_deref() == Some("object") => {
                    objects += 1
                }
                _ => {}
            }
            shaped.push(i);
        }
        match shaped.as_slice() {
            [only]
                if objects == 0
                    || members.len() > 1
                    || matches!(members.get(*only), Some(oa::ReferenceOr::Reference { .. })) =>
            {
                AllOfShape::Single(*only)
            }
            _ if objects == shaped.len() => AllOfShape::Objects,
            _ => AllOfShape::Mixed,
        }
    }

    fn is_object_like(&self, m: &oa::ReferenceOr<oa::Schema>) -> bool {
        match self.deref_schema(schema_ref(m)).map(|s| &s.schema_kind) {
            Ok(oa::SchemaKind::Type(oa::Type::Object(_)) | oa::SchemaKind::AllOf { .. }) => true,
            Ok(oa::SchemaKind::Any(a)) => !a.properties.is_empty() || a.typ.as_deref() == Some("object"),
            _ => false,
        }
    }

    fn all_of_with_own(&mut self, any: &'a oa::AnySchema, name: &str, pointer: &str, depth: usize) -> Result<Struct> {
        let mut merged = Merged { additional: any.additional_properties.as_ref(), ..Merged::default() };
        for (i, m) in any.all_of.iter().enumerate() {
            self.collect_object(schema_ref(m), &format!("{pointer}/allOf/{i}"), &mut merged, depth + 1)?;
        }
        for (k, v) in &any.properties {
            merged.props.insert(k.clone(), (boxed_ref(v), format!("{pointer}/properties/{}", escape_pointer(k))));
        }
        merged.required.extend(any.required.iter().cloned());
        self.merged_fields(merged, name, pointer, depth)
    }

    fn merged_fields(&mut self, merged: Merged<'a>, name: &str, pointer: &str, depth: usize) -> Result<Struct> {
        let props = merged.props.into_iter().map(|(k, (s, p))| (k, s, p)).collect();
        self.fields(props, &merged.required, merged.additional, name, pointer, depth)
    }

    fn component_name(&self, key: &str, pointer: &str) -> Result<String> {
        self.components
            .get(key)
            .cloned()
            .ok_or_else(|| Error::invalid(pointer, format!("no schema `{key}` in `#/components/schemas`")))
    }

    fn insert(&mut self, t: TypeDef) {
        self.types.insert(t.name.clone(), t);
    }

    fn object(
        &mut self,
        properties: &'a IndexMap<String, oa::ReferenceOr<Box<oa::Schema>>>,
        required: &[String],
        additional: Option<&'a oa::AdditionalProperties>,
        name: &str,
        pointer: &str,
        depth: usize,
    ) -> Result<Struct> {
        let props: Vec<(String, SchemaRef<'a>, String)> = properties
            .iter()
            .map(|(k, v)| (k.clone(), boxed_ref(v), format!("{pointer}/properties/{}", escape_pointer(k))))
            .collect();
        let required: IndexSet<String> = required.iter().cloned().collect();
        self.fields(props, &required, additional, name, pointer, depth)
    }

    fn fields(
        &mut self,
        props: Vec<(String, SchemaRef<'a>, String)>,
        required: &IndexSet<String>,
        additional: Option<&'a oa::AdditionalProperties>,
        name: &str,
        pointer: &str,
        depth: usize,
    ) -> Result<Struct> {
        let mut scope = Scope::new();
        let mut fields = Vec::new();
        for (wire, s, ptr) in props {
            let ty = self.schema_ty(s, &format!("{name}{}", pascal(&wire, "F")), &ptr, depth + 1)?;
            // (`schema_ty` has already reported a `$ref` that does not resolve.)
            let nullable = self.deref_schema(s).map(|t| t.schema_data.nullable).unwrap_or(false);
            // A `$ref` cannot carry siblings in 3.0: docs and flags come from the inline schema only.
            let own = match s {
                SchemaRef::Item(s) => Some(&s.schema_data),
                SchemaRef::Ref(_) => None,
            };
            let is_required = required.contains(&wire);
            let (ty, double_option) = match (is_required, nullable) {
                (true, false) => (ty, false),
                (true, true) | (false, false) => (ty.option(), false),
                (false, true) => (Ty::Option(Box::new(ty.option())), true),
            };
            let mut doc = own.and_then(|d| d.description.clone().or(d.title.clone()));
            if let Some(note) = own.and_then(|d| d.extensions.get("x-curation-note")).and_then(|v| v.as_str()) {
                let text = format!("Curation note: {note}");
                doc = Some(match doc {
                    Some(d) => format!("{d}\n\n{text}"),
                    None => text,
                });
            }
            fields.push(Field {
                ident: scope.claim(&snake(&wire)),
                wire_name: wire,
                ty,
                required: is_required,
                double_option,
                doc,
                deprecated: own.map(|d| d.deprecated).unwrap_or(false),
                read_only: own.map(|d| d.read_only).unwrap_or(false),
                write_only: own.map(|d| d.write_only).unwrap_or(false),
                default: own.and_then(|d| d.default.clone()),
            });
        }
        for r in required {
            if !fields.iter().any(|f| &f.wire_name == r) {
                self.warn(pointer, format!("`{r}` is listed in `required` but is not a property; ignored"));
            }
        }
        let additional = match additional {
            None | Some(oa::AdditionalProperties::Any(false)) => None,
            Some(oa::AdditionalProperties::Any(true)) => Some(Ty::Value),
            Some(oa::AdditionalProperties::Schema(s)) => Some(self.schema_ty(
                schema_ref(s),
                &format!("{name}Value"),
                &format!("{pointer}/additionalProperties"),
                depth + 1,
            )?),
        };
        let default = fields.iter().all(|f| !f.required || matches!(f.ty, Ty::Option(_)));
        Ok(Struct { fields, additional, default })
    }

    fn all_of(
        &mut self,
        members: &'a [oa::ReferenceOr<oa::Schema>],
        name: &str,
        pointer: &str,
        depth: usize,
    ) -> Result<Struct> {
        let mut merged = Merged::default();
        for (i, m) in members.iter().enumerate() {
            self.collect_object(schema_ref(m), &format!("{pointer}/allOf/{i}"), &mut merged, depth + 1)?;
        }
        self.merged_fields(merged, name, pointer, depth)
    }

    /// Adds the properties of one `allOf` member (and of its own `allOf`s).
    fn collect_object(&mut self, s: SchemaRef<'a>, pointer: &str, merged: &mut Merged<'a>, depth: usize) -> Result<()> {
        if depth > MAX_DEPTH {
            return Err(Error::unsupported(pointer, "`allOf` nested too deeply"));
        }
        let (schema, base) = match s {
            SchemaRef::Ref(r) if r.starts_with('#') && component_key(r, "schemas", pointer).is_err() => {
                self.warn(pointer, format!("`$ref: {r}` does not name a schema of `#/components/schemas/`; this `allOf` member is left out"));
                return Ok(());
            }
            SchemaRef::Ref(r) => {
                let (key, target) = self.component_schema(r, pointer)?;
                if merged.visiting.iter().any(|k| k == key) {
                    return Err(Error::invalid(pointer, format!("`allOf` includes `{key}` inside itself")));
                }
                merged.visiting.push(key.to_string());
                (self.deref_schema(target)?, format!("#/components/schemas/{}", escape_pointer(key)))
            }
            SchemaRef::Item(s) => (s, pointer.to_string()),
        };
        let result = self.collect_members(schema, &base, pointer, merged, depth);
        if matches!(s, SchemaRef::Ref(_)) {
            merged.visiting.pop();
        }
        result
    }

    fn collect_members(
        &mut self,
        schema: &'a oa::Schema,
        base: &str,
        pointer: &str,
        merged: &mut Merged<'a>,
        depth: usize,
    ) -> Result<()> {
        let (properties, req, ap) = match &schema.schema_kind {
            oa::SchemaKind::Type(oa::Type::Object(o)) => (&o.properties, &o.required, o.additional_properties.as_ref()),
            oa::SchemaKind::Any(a) if is_annotation_only(a) => return Ok(()),
            oa::SchemaKind::Any(a) if is_plain_any_object(a) => {
                (&a.properties, &a.required, a.additional_properties.as_ref())
            }
            oa::SchemaKind::AllOf { all_of } => {
                for (i, m) in all_of.iter().enumerate() {
                    self.collect_object(schema_ref(m), &format!("{base}/allOf/{i}"), merged, depth + 1)?;
                }
                return Ok(());
            }
            // An object with both its own properties and an `allOf`.
            oa::SchemaKind::Any(a) if !a.all_of.is_empty() && a.one_of.is_empty() && a.any_of.is_empty() => {
                for (i, m) in a.all_of.iter().enumerate() {
                    self.collect_object(schema_ref(m), &format!("{base}/allOf/{i}"), merged, depth + 1)?;
                }
                (&a.properties, &a.required, a.additional_properties.as_ref())
            }
            _ => return Err(Error::unsupported(pointer, "`allOf` members must be object schemas")),
        };
        for (k, v) in properties {
            merged.props.insert(k.clone(), (boxed_ref(v), format!("{base}/properties/{}", escape_pointer(k))));
        }
        merged.required.extend(req.iter().cloned());
        if ap.is_some() {
            merged.additional = ap;
        }
        Ok(())
    }

    fn union(
        &mut self,
        schema: &'a oa::Schema,
        members: &'a [oa::ReferenceOr<oa::Schema>],
        key: &str,
        name: &str,
        pointer: &str,
        depth: usize,
    ) -> Result<Union> {
        let mut scope = Scope::with_reserved(&["Unknown"]);
        let mut variants = Vec::new();
        let discriminator = schema.schema_data.discriminator.as_ref();
        for (i, m) in members.iter().enumerate() {
            let ptr = format!("{pointer}/{key}/{i}");
            let s = schema_ref(m);
            let (ident, tags) = match m {
                oa::ReferenceOr::Reference { reference } if component_key(reference, "schemas", &ptr).is_err() => {
                    (format!("Variant{i}"), Vec::new())
                }
                oa::ReferenceOr::Reference { reference } => {
                    let (comp, _) = self.component_schema(reference, &ptr)?;
                    let mut tags: Vec<String> = discriminator
                        .map(|d| d.mapping.iter().filter(|(_, r)| *r == reference).map(|(k, _)| k.clone()).collect())
                        .unwrap_or_default();
                    if tags.is_empty() && discriminator.is_some() {
                        tags.push(comp.to_string());
                    }
                    (self.component_name(comp, &ptr)?, tags)
                }
                oa::ReferenceOr::Item(item) => {
                    if discriminator.is_some() {
                        return Err(Error::unsupported(&ptr, "with a `discriminator`, every member must be a `$ref`"));
                    }
                    (
                        item.schema_data
                            .title
                            .as_deref()
                            .map(|t| pascal(t, "V"))
                            .unwrap_or_else(|| variant_kind_name(item, i)),
                        Vec::new(),
                    )
                }
            };
            let ty = self.schema_ty(s, &format!("{name}{ident}"), &ptr, depth + 1)?;
            variants.push(UnionVariant { ident: scope.claim(&ident), ty, tags });
        }
        if discriminator.is_none() {
            // Untagged variants are tried in order, and serde lets a struct
            // decode from an array of its fields: arrays go first.
            variants.sort_by_key(|v| !matches!(v.ty, Ty::Vec(_)));
        }
        Ok(Union { variants, discriminator: discriminator.map(|d| d.property_name.clone()) })
    }
}

fn token_prefix(ext: &IndexMap<String, serde_json::Value>, default: &str) -> String {
    ext.get("x-token-prefix").and_then(|v| v.as_str()).unwrap_or(default).to_string()
}

fn param_in(p: &oa::Parameter) -> &'static str {
    match p {
        oa::Parameter::Query { .. } => "query",
        oa::Parameter::Header { .. } => "header",
        oa::Parameter::Path { .. } => "path",
        oa::Parameter::Cookie { .. } => "cookie",
    }
}

fn component_key<'r>(reference: &'r str, section: &str, pointer: &str) -> Result<&'r str> {
    let prefix = format!("#/components/{section}/");
    match reference.strip_prefix(&prefix) {
        Some(key) if !key.contains('/') => Ok(key),
        _ if !reference.starts_with('#') => Err(Error::unsupported(
            pointer,
            format!("external `$ref: {reference}` is not supported; bundle the spec first"),
        )),
        _ => Err(Error::unsupported(pointer, format!("`$ref: {reference}` must point into `#/components/{section}/`"))),
    }
}

fn path_template_names(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else { break };
        out.push(rest[start + 1..start + len].to_string());
        rest = &rest[start + len + 1..];
    }
    out
}

fn synth_operation_id(method: &str, path: &str) -> String {
    let mut s = method.to_string();
    for seg in path.split('/').filter(|s| !s.is_empty()) {
        s.push('_');
        s.push_str(seg.trim_start_matches('{').trim_end_matches('}'));
    }
    s
}

fn pick_content(content: &IndexMap<String, oa::MediaType>) -> Option<(&String, &oa::MediaType)> {
    let rank = |ct: &str| {
        let ct = ct.to_ascii_lowercase();
        if ct == "application/json" || ct.ends_with("+json") || ct.starts_with("application/json;") {
            0
        } else if ct.starts_with("application/x-www-form-urlencoded") {
            1
        } else if ct.starts_with("text/") {
            2
        } else if ct == "*/*" {
            3
        } else {
            4
        }
    };
    content.iter().min_by_key(|(ct, _)| rank(ct))
}

fn content_kind(ct: &str) -> ContentKind {
    let ct = ct.to_ascii_lowercase();
    if ct.contains("json") || ct == "*/*" {
        ContentKind::Json
    } else if ct.starts_with("application/x-www-form-urlencoded") {
        ContentKind::Form
    } else if ct.starts_with("text/") {
        ContentKind::Text
    } else {
        ContentKind::Binary
    }
}

fn status_variant(s: &StatusMatch) -> String {
    match s {
        StatusMatch::Code(c) => match http::StatusCode::from_u16(*c).ok().and_then(|s| s.canonical_reason()) {
            Some(reason) => pascal(reason, "S"),
            None => format!("Status{c}"),
        },
        StatusMatch::Range(2) => "Success".into(),
        StatusMatch::Range(3) => "Redirection".into(),
        StatusMatch::Range(4) => "ClientError".into(),
        StatusMatch::Range(5) => "ServerError".into(),
        StatusMatch::Range(r) => format!("Status{r}xx"),
        StatusMatch::Default => "Default".into(),
    }
}

fn string_ty(format: &oa::VariantOrUnknownOrEmpty<oa::StringFormat>) -> Ty {
    match format {
        oa::VariantOrUnknownOrEmpty::Item(oa::StringFormat::DateTime) => Ty::DateTime,
        oa::VariantOrUnknownOrEmpty::Item(oa::StringFormat::Date) => Ty::Date,
        oa::VariantOrUnknownOrEmpty::Unknown(f) if f == "uuid" => Ty::Uuid,
        _ => Ty::String,
    }
}

/// `additionalProperties: true`, for structs that keep undeclared fields.
static ANY_TRUE: oa::AdditionalProperties = oa::AdditionalProperties::Any(true);

/// The members of an `allOf` merged so far.
#[derive(Default)]
struct Merged<'a> {
    props: IndexMap<String, (SchemaRef<'a>, String)>,
    required: IndexSet<String>,
    additional: Option<&'a oa::AdditionalProperties>,
    /// Component schemas being merged (an `allOf` that includes itself).
    visiting: Vec<String>,
}

enum AllOfShape {
    Objects,
    Single(usize),
    Mixed,
}

/// A schema that only annotates (`description`, `nullable`, `example`...).
fn is_annotation_only(a: &oa::AnySchema) -> bool {
    is_plain_any(a)
        && a.typ.is_none()
        && a.items.is_none()
        && a.enumeration.is_empty()
        && a.additional_properties.is_none()
        && a.format.is_none()
}

fn is_plain_any(a: &oa::AnySchema) -> bool {
    a.properties.is_empty() && a.one_of.is_empty() && a.any_of.is_empty() && a.all_of.is_empty() && a.not.is_none()
}

fn is_plain_any_object(a: &oa::AnySchema) -> bool {
    a.one_of.is_empty() && a.any_of.is_empty() && a.all_of.is_empty() && a.not.is_none()
}

fn variant_kind_name(s: &oa::Schema, i: usize) -> String {
    match &s.schema_kind {
        oa::SchemaKind::Type(oa::Type::String(_)) => "String".into(),
        oa::SchemaKind::Type(oa::Type::Integer(_)) => "Integer".into(),
        oa::SchemaKind::Type(oa::Type::Number(_)) => "Number".into(),
        oa::SchemaKind::Type(oa::Type::Boolean(_)) => "Boolean".into(),
        oa::SchemaKind::Type(oa::Type::Array(_)) => "Array".into(),
        oa::SchemaKind::Type(oa::Type::Object(_)) => "Object".into(),
        _ => format!("Variant{i}"),
    }
}

fn schema_doc(s: &oa::Schema) -> Option<String> {
    let d = &s.schema_data;
    let mut parts: Vec<String> = Vec::new();
    if let Some(t) = &d.title {
        parts.push(t.clone());
    }
    if let Some(desc) = &d.description {
        parts.push(desc.clone());
    }
    if let Some(note) = d.extensions.get("x-curation-note").and_then(|v| v.as_str()) {
        parts.push(format!("Curation note: {note}"));
    }
    if parts.is_empty() {
        None
    } else {
        Some(parts.join("\n\n"))
    }
}

fn strip(ty: &Ty) -> Ty {
    match ty {
        Ty::Option(inner) | Ty::Box(inner) => strip(inner),
        other => other.clone(),
    }
}

/// Boxes every by-value reference that closes a cycle, so that recursive
/// types have a finite size.
fn box_cycles(types: &mut [TypeDef]) {
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
fn recursive_aliases(types: &mut [TypeDef]) -> Result<()> {
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

fn direct_tys(kind: &TypeKind) -> Vec<&Ty> {
    match kind {
        TypeKind::Struct(s) => s.fields.iter().map(|f| &f.ty).collect(),
        TypeKind::Union(u) => u.variants.iter().map(|v| &v.ty).collect(),
        TypeKind::Alias(t) | TypeKind::Newtype(t) => vec![t],
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
            visit(a);
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
