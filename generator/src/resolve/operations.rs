//! `paths`: one [`Operation`] per path and method, its method and builder names.

use indexmap::IndexMap;
use openapiv3 as oa;

use crate::error::{escape_pointer, Error, Result};
use crate::model::{Operation, Param, ParamLocation, ParamRole, Ty};
use crate::naming::{self, pascal, snake, Scope};

use super::Resolver;

impl<'a> Resolver<'a> {
    pub(super) fn operations(&mut self) -> Result<Vec<Operation>> {
        let mut out = Vec::new();
        let mut ids: IndexMap<String, String> = IndexMap::new();
        let mut methods = naming::operation_methods();
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
    pub(super) fn operation(
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
        let builder_name = self.claim_type(&op_pascal);

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
        let mut idents = Scope::with_reserved(naming::REQUEST_BUILDER_MEMBERS);
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
                    role: ParamRole::Argument,
                    example: None,
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
}

fn param_in(p: &oa::Parameter) -> &'static str {
    match p {
        oa::Parameter::Query { .. } => "query",
        oa::Parameter::Header { .. } => "header",
        oa::Parameter::Path { .. } => "path",
        oa::Parameter::Cookie { .. } => "cookie",
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
