//! `crmgen`: typed async Rust clients from OpenAPI 3.0 descriptions.
//!
//! The pipeline runs in one direction, one module per stage:
//! [`load`] (YAML/JSON to `openapiv3`) -> [`resolve`] (follow `$ref`s, choose
//! every name and type: the [`model`]) -> [`emit`] (tokens with `quote!`) ->
//! [`format`] (`prettyplease`, `@generated` header). [`naming`] is the one
//! place names are made; [`standalone`] writes a self-contained crate;
//! [`diff`] compares two versions of a spec for breaking changes.

pub mod diff;
pub mod emit;
pub mod error;
pub mod format;
pub mod load;
pub mod locate;
pub mod model;
pub mod naming;
pub mod normalize;
pub mod render;
pub mod resolve;
pub mod standalone;

use std::path::Path;

pub use error::{Error, Location, Result};
pub use resolve::Warning;

/// Options for one generation run.
#[derive(Debug, Clone)]
pub struct Options {
    /// How users reach the module (doc examples).
    pub module_path: String,
    /// Spec path as written in the `@generated` header.
    pub spec_label: String,
    /// The command written in the header.
    pub command: String,
    /// Treat warnings as errors.
    pub strict: bool,
}

/// The output of one run.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The formatted Rust module.
    pub code: String,
    /// The resolved model (for reports and tooling).
    pub api: model::Api,
    pub warnings: Vec<Warning>,
}

/// Generates a module from a spec file. Errors name the file and, when the
/// node can be found, its line and column.
pub fn generate_file(path: &Path, opts: &Options) -> Result<Generated> {
    let text = load::read(path)?;
    generate_str(&text, opts).map_err(|e| locate::fill(e, &text).with_file(path))
}

/// Generates a module from spec text.
pub fn generate_str(text: &str, opts: &Options) -> Result<Generated> {
    let loaded = load::load_str(text).map_err(|e| locate::fill(e, text))?;
    let mut generated = generate_openapi(&loaded.openapi, opts).map_err(|e| locate::fill(e, text))?;
    let mut warnings = loaded.warnings;
    warnings.append(&mut generated.warnings);
    if opts.strict {
        if let Some(w) = warnings.first() {
            return Err(locate::fill(
                Error::Invalid {
                    location: Location { pointer: Some(w.pointer.clone()), ..Location::default() },
                    message: format!("{} (strict mode)", w.message),
                },
                text,
            ));
        }
    }
    generated.warnings = warnings;
    Ok(generated)
}

/// Generates a module from a parsed document.
pub fn generate_openapi(doc: &openapiv3::OpenAPI, opts: &Options) -> Result<Generated> {
    let (api, warnings) = resolve::resolve(doc)?;
    if opts.strict {
        if let Some(w) = warnings.first() {
            return Err(Error::Invalid {
                location: Location { pointer: Some(w.pointer.clone()), ..Location::default() },
                message: format!("{} (strict mode)", w.message),
            });
        }
    }
    let emit_opts = emit::EmitOptions { module_path: opts.module_path.clone() };
    let header = format::Header { spec: &opts.spec_label, command: &opts.command };
    // Each item is emitted, formatted and dropped before the next, on as
    // many threads as there are cores (up to a few).
    let code = format::module(&emit::Module::new(&api, &emit_opts), &header, &opts.spec_label)?;
    Ok(Generated { code, api, warnings })
}

/// Writes a standalone crate for `spec` into `out_dir`, printing warnings.
pub fn write_crate(
    spec: &Path,
    out_dir: &Path,
    name: Option<&str>,
    strict: bool,
    command: &str,
    runtime: &standalone::RuntimeDep,
) -> Result<()> {
    let stem = spec.file_stem().and_then(|s| s.to_str()).unwrap_or("api");
    let name = name.map(str::to_string).unwrap_or_else(|| standalone::crate_name(stem));
    let opts = Options {
        module_path: name.replace('-', "_"),
        spec_label: spec.file_name().and_then(|s| s.to_str()).unwrap_or("spec").to_string(),
        command: command.to_string(),
        strict,
    };
    let generated = generate_file(spec, &opts)?;
    // As `crmgen check` prints them: file, line and column, pointer.
    let text = std::fs::read_to_string(spec).ok();
    for line in render::warnings(Some(spec), text.as_deref(), &generated.warnings) {
        eprintln!("{line}");
    }
    for (rel, text) in standalone::crate_files(&name, &generated.code, generated.api.uses, runtime) {
        let path = out_dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| Error::Io { path: parent.to_path_buf(), source })?;
        }
        std::fs::write(&path, text).map_err(|source| Error::Io { path: path.clone(), source })?;
    }
    Ok(())
}
