//! What our generated lines are made of: the client with its method per
//! operation, each operation's request builder, error enum and success
//! enum, the types, and the rest; how many of each are doc comments; and
//! how many error-enum lines would be left with one enum per distinct error
//! set. Measured in-process on the emitter's items, formatted as the CLI
//! writes them (the file header aside).

use std::collections::BTreeSet;
use std::path::Path;

/// Lines of one kind of generated code.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Part {
    pub lines: usize,
    /// Of which doc comments.
    pub docs: usize,
}

impl Part {
    fn add(&mut self, text: &str) {
        for line in text.lines() {
            self.lines += 1;
            let t = line.trim_start();
            if t.starts_with("///") || t.starts_with("//!") || t.starts_with("#[doc") {
                self.docs += 1;
            }
        }
    }
}

/// The generated module of one spec, by kind of code.
#[derive(Debug, Clone, Default)]
pub struct Composition {
    pub operations: usize,
    pub types: usize,
    /// The `Client` type, its builder, and one method per operation.
    pub client: Part,
    /// Per operation: the request builder (struct, setters, request,
    /// decode, send, `IntoFuture`, paging).
    pub builders: Part,
    /// Per operation: the error enum and its `Display`.
    pub error_enums: Part,
    /// Error-enum lines if each distinct error set had one enum.
    pub error_enum_lines_shared: usize,
    /// Distinct error sets among the operations.
    pub error_sets: usize,
    /// Per operation: the enum of several success responses.
    pub success_enums: Part,
    /// Schemas and inline types.
    pub types_part: Part,
    /// Imports, server types, credentials, webhooks.
    pub other: Part,
}

impl Composition {
    pub fn total(&self) -> Part {
        let parts = [self.client, self.builders, self.error_enums, self.success_enums, self.types_part, self.other];
        Part { lines: parts.iter().map(|p| p.lines).sum(), docs: parts.iter().map(|p| p.docs).sum() }
    }

    /// Lines that exist once per operation: its client method, builder and enums.
    pub fn per_operation(&self) -> Part {
        let parts = [self.client, self.builders, self.error_enums, self.success_enums];
        Part { lines: parts.iter().map(|p| p.lines).sum(), docs: parts.iter().map(|p| p.docs).sum() }
    }
}

/// The first line of an item that is not a doc comment or an attribute.
fn head(text: &str) -> &str {
    text.lines()
        .map(str::trim_start)
        .find(|l| !(l.starts_with("///") || l.starts_with("//") || l.starts_with("#[") || l.starts_with("#![")))
        .unwrap_or("")
}

/// Whether the item starting with `head` declares the type `name` or is an
/// `impl` of it (not merely one that mentions it).
fn names(head: &str, name: &str) -> bool {
    let h = head.trim_end_matches('{').trim_end();
    h.strip_prefix("pub ").unwrap_or(h).strip_prefix("enum ").is_some_and(|rest| rest == name)
        || (h.starts_with("impl") && (h.ends_with(&format!(" {name}")) || h.ends_with(&format!("::{name}"))))
}

/// Whether the item is the `runtime::error_enum!` defining `name`, or the
/// alias `name` of another operation's error enum.
fn defines_error_enum(text: &str, name: &str) -> bool {
    let h = head(text);
    (h.starts_with("runtime::error_enum!") && text.contains(&format!("pub enum {name} ")))
        || h.strip_prefix("pub type ").is_some_and(|rest| rest.starts_with(&format!("{name} =")))
}

/// Generates `spec` in-process and sorts its lines.
pub fn measure(spec: &Path) -> Result<Composition, String> {
    let source = crmgen::Source::read(spec, &[]).map_err(|e| e.to_string())?;
    let (openapi, _) = crmgen::source::load(&source).map_err(|e| e.to_string())?.into_document();
    drop(source);
    let (api, _warnings) = crmgen::resolve::resolve(&openapi).map_err(|e| e.to_string())?;
    drop(openapi);
    let opts = crmgen::emit::EmitOptions { module_path: "api".into() };
    let ops = api.operations.len();
    let mut c = Composition { operations: ops, types: api.types.len(), ..Composition::default() };
    let mut distinct_error_enums = BTreeSet::new();
    // Item chunks in `emit::items` order: import, client, builder, servers,
    // one per operation, one per type, webhooks; the client's methods come
    // as member chunks after the client.
    let mut i = 0;
    for chunk in crmgen::emit::items(&api, &opts) {
        let stream = match chunk {
            crmgen::emit::Chunk::Members(_) => {
                crmgen::format::chunk(chunk, "composition")
                    .map_err(|e| e.to_string())?
                    .iter()
                    .for_each(|t| c.client.add(t));
                continue;
            }
            crmgen::emit::Chunk::Items(stream) => stream,
        };
        let texts = crmgen::format::items(stream, "composition").map_err(|e| e.to_string())?;
        match i {
            1 => texts.iter().for_each(|t| c.client.add(t)),
            n if (4..4 + ops).contains(&n) => {
                let op = &api.operations[n - 4];
                for t in &texts {
                    let h = head(t);
                    match (&op.errors.enum_name, &op.success.enum_name) {
                        (Some(e), _) if names(h, e) || defines_error_enum(t, e) => {
                            c.error_enums.add(t);
                            // An alias of another operation's enum is not a set of its own.
                            if !h.starts_with("pub type") {
                                // The same enum for another operation: its name and the operation it names aside.
                                let generic = t.replace(e.as_str(), "_").replace(op.method_name.as_str(), "_");
                                distinct_error_enums.insert(generic);
                            }
                        }
                        (_, Some(s)) if names(h, s) => c.success_enums.add(t),
                        _ => c.builders.add(t),
                    }
                }
            }
            n if (4 + ops..4 + ops + api.types.len()).contains(&n) => texts.iter().for_each(|t| c.types_part.add(t)),
            _ => texts.iter().for_each(|t| c.other.add(t)),
        }
        i += 1;
    }
    c.error_enum_lines_shared = distinct_error_enums.iter().map(|t| t.lines().count()).sum();
    // An enum and its `Display` may be two items: count sets, not items.
    c.error_sets = distinct_error_enums.iter().filter(|t| !head(t).starts_with("impl")).count();
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_parts_add_up_to_the_module() {
        let dir = std::env::temp_dir().join(format!("crmgen-composition-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let spec = dir.join("crud-50.yaml");
        std::fs::write(&spec, super::super::synth::crud_spec(50)).unwrap();
        let c = measure(&spec).unwrap();
        let module = crmgen::generate_file(
            &spec,
            &crmgen::Options {
                module_path: "api".into(),
                spec_label: "crud-50.yaml".into(),
                command: "test".into(),
                strict: false,
            },
        )
        .unwrap()
        .code;
        // Everything from the import on (the header aside) is in some part.
        let body = &module[module.find("use crate::runtime;").unwrap()..];
        assert_eq!(c.total().lines, body.lines().count());
        assert_eq!(c.operations, 50);
        // Every CRUD operation declares the same one error: one distinct set.
        assert_eq!(c.error_sets, 1);
        // The first operation defines it; the 49 others alias it with `as`
        // in their `operation!` call, which counts with the builders.
        assert!(c.error_enum_lines_shared > 2);
        assert_eq!(c.error_enums.lines, c.error_enum_lines_shared);
        assert_eq!(module.matches("Error as ").count(), 49);
        assert!(c.builders.lines > c.types_part.lines);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
