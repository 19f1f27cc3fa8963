//! Following `$ref`s: to component schemas, parameters and responses.

use openapiv3 as oa;

use crate::error::{Error, Result};

use super::{schema_ref, Resolver, SchemaRef, MAX_DEPTH};

impl<'a> Resolver<'a> {
    /// The parameter a position holds; `None` (with a warning) for a `$ref`
    /// into the document outside `#/components/parameters/`.
    pub(super) fn parameter(
        &mut self,
        p: &'a oa::ReferenceOr<oa::Parameter>,
        pointer: &str,
    ) -> Result<Option<&'a oa::Parameter>> {
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

    /// The response a position holds; `None` (with a warning) for a `$ref`
    /// into the document outside `#/components/responses/`.
    pub(super) fn response(
        &mut self,
        r: &'a oa::ReferenceOr<oa::Response>,
        pointer: &str,
    ) -> Result<Option<&'a oa::Response>> {
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

    pub(super) fn deref_schema(&self, s: SchemaRef<'a>) -> Result<&'a oa::Schema> {
        let mut current = s;
        for _ in 0..MAX_DEPTH {
            match current {
                SchemaRef::Item(s) => return Ok(s),
                SchemaRef::Ref(r) => current = self.component_schema(r, "#")?.1,
            }
        }
        Err(Error::invalid("#/components/schemas", "a `$ref` chain between schemas is circular"))
    }

    pub(super) fn component_schema(&self, reference: &str, pointer: &str) -> Result<(&'a str, SchemaRef<'a>)> {
        let key = component_key(reference, "schemas", pointer)?;
        let doc: &'a oa::OpenAPI = self.doc;
        let (k, s) = doc
            .components
            .as_ref()
            .and_then(|c| c.schemas.get_key_value(key))
            .ok_or_else(|| Error::invalid(pointer, format!("`$ref: {reference}` points to nothing")))?;
        Ok((k.as_str(), schema_ref(s)))
    }

    pub(super) fn component_name(&self, key: &str, pointer: &str) -> Result<String> {
        self.components
            .get(key)
            .cloned()
            .ok_or_else(|| Error::invalid(pointer, format!("no schema `{key}` in `#/components/schemas`")))
    }
}

pub(super) fn component_key<'r>(reference: &'r str, section: &str, pointer: &str) -> Result<&'r str> {
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
