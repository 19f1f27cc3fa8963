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
pub mod overlay;
pub mod render;
pub mod resolve;
pub mod source;
pub mod standalone;

use std::path::Path;

pub use error::{Error, Location, Result};
pub use resolve::Warning;
pub use source::Source;

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
    /// The warnings as the CLI prints them, each located in the file and
    /// at the line it is about (overlay actions without a note included).
    pub warning_lines: Vec<String>,
    /// The effective document's text, when overlays were applied.
    pub effective: Option<String>,
}

/// Generates a module from a [`Source`]: the one pipeline every entry
/// point runs. Errors name the file and, when the node can be found, its
/// line and column (an overlay's, for content the overlay inserted).
pub fn generate(source: &Source, opts: &Options) -> Result<Generated> {
    let front = source::load(source)?;
    // Strict: an overlay action without a note first, then (as before
    // overlays) the first warning of resolving, then the first of loading.
    if let Some(e) = front.strict_error(&[]).filter(|_| opts.strict) {
        return Err(e);
    }
    let mut generated = generate_openapi(&front.openapi, opts).map_err(|e| front.locate(e))?;
    let mut warnings = front.warnings.clone();
    warnings.append(&mut generated.warnings);
    if opts.strict {
        if let Some(e) = front.strict_error(&warnings) {
            return Err(e);
        }
    }
    generated.warning_lines = front.render_warnings(&warnings);
    generated.warnings = warnings;
    generated.effective = (!source.overlays.is_empty()).then(|| front.effective_text().to_string());
    Ok(generated)
}

/// Generates a module from a spec file, without overlays.
pub fn generate_file(path: &Path, opts: &Options) -> Result<Generated> {
    generate(&Source::read(path, &[])?, opts)
}

/// Generates a module from spec text, without overlays.
pub fn generate_str(text: &str, opts: &Options) -> Result<Generated> {
    generate(&Source::from_text(text), opts)
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
    Ok(Generated { code, api, warnings, warning_lines: Vec::new(), effective: None })
}

/// Writes a standalone crate for `source` into `out_dir`, printing warnings.
pub fn write_crate(
    source: &Source,
    out_dir: &Path,
    name: Option<&str>,
    strict: bool,
    command: &str,
    runtime: &standalone::RuntimeDep,
) -> Result<Generated> {
    let spec = source.file.as_deref().unwrap_or(Path::new("api.yaml"));
    let stem = spec.file_stem().and_then(|s| s.to_str()).unwrap_or("api");
    let name = name.map(str::to_string).unwrap_or_else(|| standalone::crate_name(stem));
    let opts = Options {
        module_path: name.replace('-', "_"),
        spec_label: spec.file_name().and_then(|s| s.to_str()).unwrap_or("spec").to_string(),
        command: command.to_string(),
        strict,
    };
    let generated = generate(source, &opts)?;
    // As `crmgen check` prints them: file, line and column, pointer.
    for line in &generated.warning_lines {
        eprintln!("{line}");
    }
    for (rel, text) in standalone::crate_files(&name, &generated.code, generated.api.uses, runtime) {
        let path = out_dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| Error::Io { path: parent.to_path_buf(), source })?;
        }
        std::fs::write(&path, text).map_err(|source| Error::Io { path: path.clone(), source })?;
    }
    Ok(generated)
}

/// Writes the effective document of `source` (its text as generated
/// from: the spec's own when there are no overlays) to `path`.
pub fn write_effective(source: &Source, generated: &Generated, path: &Path) -> Result<()> {
    let text = generated.effective.as_deref().unwrap_or(&source.text);
    std::fs::write(path, text).map_err(|e| Error::Io { path: path.to_path_buf(), source: e })
}
