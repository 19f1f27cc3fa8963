//! `components/securitySchemes` and which schemes each operation accepts.

use indexmap::{IndexMap, IndexSet};
use openapiv3 as oa;

use crate::error::{escape_pointer, Error, Result};
use crate::model::{OAuth2, OAuth2Flow, SecurityKind, SecurityScheme, TokenExchange};
use crate::naming::{snake, Scope};

use super::Resolver;

impl<'a> Resolver<'a> {
    pub(super) fn security_schemes(&mut self) -> Result<Vec<SecurityScheme>> {
        let mut out = Vec::new();
        let Some(components) = &self.doc.components else { return Ok(out) };
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
                oa::SecurityScheme::OAuth2 { description, extensions, flows, .. } => {
                    let prefix = token_prefix(extensions, "Bearer");
                    match self.oauth2(&pointer, flows, extensions)? {
                        Some(oauth) => {
                            (SecurityKind::OAuth2 { prefix, oauth: Box::new(oauth) }, "access_token", description)
                        }
                        None => (SecurityKind::Token { prefix }, "access_token", description),
                    }
                }
                oa::SecurityScheme::OpenIDConnect { description, extensions, .. } => {
                    (SecurityKind::Token { prefix: token_prefix(extensions, "Bearer") }, "access_token", description)
                }
            };
            // The usual name (`bearer_token`); the scheme's key when it is taken.
            let methods = &mut self.builder_methods;
            let method = if methods.contains(method) { methods.claim(&snake(key)) } else { methods.claim(method) };
            out.push(SecurityScheme { key: key.clone(), method, kind, description: description.clone() });
        }
        Ok(out)
    }

    /// The flows and token endpoints of an `oauth2` scheme; `None` (a fixed
    /// token only) when no flow has a token URL.
    fn oauth2(
        &mut self,
        pointer: &str,
        flows: &oa::OAuth2Flows,
        ext: &IndexMap<String, serde_json::Value>,
    ) -> Result<Option<OAuth2>> {
        let scopes = |s: &IndexMap<String, String>| s.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        let mut list = Vec::new();
        let mut refresh_url = None;
        if let Some(f) = &flows.authorization_code {
            list.push(OAuth2Flow {
                name: "authorizationCode".into(),
                token_url: Some(f.token_url.clone()),
                scopes: scopes(&f.scopes),
            });
            refresh_url = refresh_url.or(f.refresh_url.clone());
        }
        if let Some(f) = &flows.client_credentials {
            list.push(OAuth2Flow {
                name: "clientCredentials".into(),
                token_url: Some(f.token_url.clone()),
                scopes: scopes(&f.scopes),
            });
            refresh_url = refresh_url.or(f.refresh_url.clone());
        }
        if let Some(f) = &flows.password {
            list.push(OAuth2Flow {
                name: "password".into(),
                token_url: Some(f.token_url.clone()),
                scopes: scopes(&f.scopes),
            });
            refresh_url = refresh_url.or(f.refresh_url.clone());
        }
        if let Some(f) = &flows.implicit {
            list.push(OAuth2Flow { name: "implicit".into(), token_url: None, scopes: scopes(&f.scopes) });
        }
        let Some(token_url) = list.iter().find_map(|f| f.token_url.clone()) else {
            self.warn(pointer, "no flow has a token URL: only a fixed access token can be set");
            return Ok(None);
        };
        let by_variable = match ext.get("x-token-url-by-server-variable") {
            None => None,
            Some(v) => Some(self.token_url_by_variable(&format!("{pointer}/x-token-url-by-server-variable"), v)?),
        };
        let api_domain_field = match ext.get("x-api-domain-field") {
            None => None,
            Some(serde_json::Value::String(f)) => Some(f.clone()),
            Some(_) => {
                return Err(Error::invalid(&format!("{pointer}/x-api-domain-field"), "must be a field name (a string)"))
            }
        };
        let api_domains = match (&api_domain_field, ext.get("x-api-domains")) {
            (None, _) => Vec::new(),
            (Some(_), extra) => {
                let mut origins = self.server_origins();
                match extra {
                    None => {}
                    Some(serde_json::Value::Array(items)) if items.iter().all(|i| i.is_string()) => {
                        origins.extend(items.iter().filter_map(|i| i.as_str()).map(str::to_string));
                    }
                    Some(_) => {
                        return Err(Error::invalid(
                            &format!("{pointer}/x-api-domains"),
                            "must list origins (`https://www.zohoapis.eu`)",
                        ))
                    }
                }
                origins.dedup();
                origins
            }
        };
        let error_aliases = match ext.get("x-token-error-aliases") {
            None => Vec::new(),
            Some(v) => string_map(v).ok_or_else(|| {
                Error::invalid(
                    &format!("{pointer}/x-token-error-aliases"),
                    "must map vendor error codes to standard ones (`invalid_code: invalid_grant`)",
                )
            })?,
        };
        let exchanges = match ext.get("x-token-exchange") {
            None => Vec::new(),
            Some(serde_json::Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, e)| self.token_exchange(&format!("{pointer}/x-token-exchange/{i}"), e))
                .collect::<Result<_>>()?,
            Some(e) => vec![self.token_exchange(&format!("{pointer}/x-token-exchange"), e)?],
        };
        let methods = &mut self.builder_methods;
        let method = methods.claim("oauth2");
        Ok(Some(OAuth2 {
            method,
            flows: list,
            token_url,
            refresh_url,
            token_url_by_variable: by_variable,
            api_domain_field,
            api_domains,
            error_aliases,
            exchanges,
        }))
    }

    /// The origin (`https://www.zohoapis.eu`) of every URL the spec's
    /// servers expand to, each variable taking each of its allowed values
    /// (or its default): the API domains a token response may name.
    fn server_origins(&self) -> Vec<String> {
        let mut origins = Vec::new();
        for server in &self.doc.servers {
            let mut urls = vec![server.url.clone()];
            for (name, var) in server.variables.iter().flatten() {
                let values: Vec<&String> =
                    if var.enumeration.is_empty() { vec![&var.default] } else { var.enumeration.iter().collect() };
                let placeholder = format!("{{{name}}}");
                let placeholder = placeholder.as_str();
                urls = urls.iter().flat_map(|u| values.iter().map(move |v| u.replace(placeholder, v))).collect();
            }
            for url in urls {
                let origin = url.split_once("://").map(|(scheme, rest)| {
                    let host = rest.split(['/', '?', '#']).next().unwrap_or(rest);
                    format!("{scheme}://{host}")
                });
                if let Some(origin) = origin.filter(|o| !origins.contains(o)) {
                    origins.push(origin);
                }
            }
        }
        origins
    }

    /// `x-token-url-by-server-variable: {variable: dc, urls: {com: https://...}}`.
    fn token_url_by_variable(
        &mut self,
        pointer: &str,
        v: &serde_json::Value,
    ) -> Result<(String, Vec<(String, String)>)> {
        let shape = "must be `{variable: <server variable>, urls: {<value>: <token URL>}}`";
        let variable = v.get("variable").and_then(|n| n.as_str()).ok_or_else(|| Error::invalid(pointer, shape))?;
        let urls = v.get("urls").and_then(string_map).ok_or_else(|| Error::invalid(pointer, shape))?;
        let declared = self.doc.servers.first().and_then(|s| s.variables.as_ref()).and_then(|vars| vars.get(variable));
        let Some(declared) = declared else {
            return Err(Error::invalid(pointer, format!("`{variable}` is not a variable of the first server")));
        };
        let missing: Vec<&str> = declared
            .enumeration
            .iter()
            .filter(|value| !urls.iter().any(|(k, _)| k == *value))
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            self.warn(
                pointer,
                format!("no token URL for `{variable}` = {}: building such a client fails", missing.join(", ")),
            );
        }
        Ok((variable.to_string(), urls))
    }

    /// `x-token-exchange: {method, url, headers, form: [field, ...]}`.
    fn token_exchange(&mut self, pointer: &str, v: &serde_json::Value) -> Result<TokenExchange> {
        let shape = "must be `{method: <builder method>, url: <URL>, headers: {<name>: <value>}, form: [<field>]}`";
        let method = v.get("method").and_then(|m| m.as_str()).ok_or_else(|| Error::invalid(pointer, shape))?;
        let url = v.get("url").and_then(|u| u.as_str()).ok_or_else(|| Error::invalid(pointer, shape))?;
        let headers = match v.get("headers") {
            None => Vec::new(),
            Some(h) => string_map(h).ok_or_else(|| Error::invalid(pointer, shape))?,
        };
        let fields = v.get("form").and_then(|f| f.as_array()).ok_or_else(|| Error::invalid(pointer, shape))?;
        let mut params = Scope::with_reserved(&["self", "parent"]);
        let mut form = Vec::new();
        for f in fields {
            let wire = f.as_str().ok_or_else(|| Error::invalid(pointer, shape))?;
            form.push((wire.to_string(), params.claim(&snake(wire))));
        }
        let method = self.builder_methods.claim(&snake(method));
        let description = v.get("description").and_then(|d| d.as_str()).map(str::to_string);
        Ok(TokenExchange { method, description, url: url.to_string(), headers, form })
    }

    pub(super) fn op_security(&self, op: &oa::Operation) -> Vec<String> {
        let reqs = op.security.as_ref().or(self.doc.security.as_ref());
        let mut out: IndexSet<String> = IndexSet::new();
        for req in reqs.into_iter().flatten() {
            for key in req.keys() {
                out.insert(key.clone());
            }
        }
        out.into_iter().collect()
    }
}

/// A map of strings to strings, in order.
fn string_map(v: &serde_json::Value) -> Option<Vec<(String, String)>> {
    v.as_object()?.iter().map(|(k, v)| Some((k.clone(), v.as_str()?.to_string()))).collect()
}

fn token_prefix(ext: &IndexMap<String, serde_json::Value>, default: &str) -> String {
    ext.get("x-token-prefix").and_then(|v| v.as_str()).unwrap_or(default).to_string()
}
