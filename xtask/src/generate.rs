//! `cargo xtask generate SPEC OUT_DIR`: a standalone crate for any spec,
//! depending on this repository's runtime crate by path.

use std::path::{Path, PathBuf};

/// What `cargo xtask generate` was asked for.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub spec: PathBuf,
    /// Overlays applied to the spec, in order.
    pub overlays: Vec<PathBuf>,
    pub out_dir: PathBuf,
    pub name: Option<String>,
    pub strict: bool,
    /// Where to write the effective document, if anywhere.
    pub write_effective: Option<PathBuf>,
}

pub const COMMAND: &str = "cargo xtask generate";

/// Writes the crate (and the effective document when asked).
pub fn run(root: &Path, request: &Request) -> crmgen::Result<crmgen::Generated> {
    // Inside this repository the runtime is a path dependency.
    let runtime = crmgen::standalone::RuntimeDep::Path(root.join("generator/runtime"));
    let source = crmgen::Source::read(&request.spec, &request.overlays)?;
    let generated =
        crmgen::write_crate(&source, &request.out_dir, request.name.as_deref(), request.strict, COMMAND, &runtime)?;
    if let Some(path) = &request.write_effective {
        crmgen::write_effective(&source, &generated, path)?;
    }
    Ok(generated)
}
