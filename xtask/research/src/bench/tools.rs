//! The generators the benchmark runs: ours (the CLI) and the pinned peers
//! of [`crate::peers`]; how each makes a crate `cargo build` accepts and
//! which of its files are generated.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::peers::{self, Peer};

/// A generator the benchmark runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tool {
    Ours,
    Peer(Peer),
}

impl Tool {
    pub const PEERS: [Tool; 2] = [Tool::Peer(Peer::Progenitor), Tool::Peer(Peer::OpenapiToRust)];

    pub fn label(self) -> &'static str {
        match self {
            Tool::Ours => "crmgen",
            Tool::Peer(p) => p.key(),
        }
    }

    /// Short prefix for crate names and directories.
    pub fn slug(self) -> &'static str {
        match self {
            Tool::Ours => "ours",
            Tool::Peer(Peer::Progenitor) => "progenitor",
            Tool::Peer(Peer::OpenapiToRust) => "o2r",
        }
    }

    /// The pinned version, for peers.
    pub fn pinned_version(self) -> Option<&'static str> {
        match self {
            Tool::Ours => None,
            Tool::Peer(p) => Some(p.version()),
        }
    }
}

/// The command that makes `tool`'s crate for `spec` in `dir` (named
/// `name`). Ours is `crmgen generate`, on the runtime crate at `runtime`
/// (a path dependency: the runtime is built once, as a dependency).
pub fn command(tool: Tool, bin: &Path, spec: &Path, dir: &Path, name: &str, runtime: &Path) -> Command {
    match tool {
        Tool::Ours => {
            let mut cmd = Command::new(bin);
            cmd.arg("generate").arg(spec).arg(dir).args(["--name", name]).arg("--runtime-path").arg(runtime);
            cmd
        }
        Tool::Peer(p) => peers::command(p, bin, spec, dir, name),
    }
}

/// After generation: make the output a standalone crate outside the
/// workspace (`[workspace]`), wrapping openapi-to-rust's module in a package.
pub fn finish_crate(tool: Tool, dir: &Path, name: &str) -> Result<(), String> {
    if let Tool::Peer(p) = tool {
        peers::wrap_module(p, dir, name)?;
    }
    let manifest = dir.join("Cargo.toml");
    let mut text = std::fs::read_to_string(&manifest).map_err(|e| format!("{}: {e}", manifest.display()))?;
    if !text.contains("\n[workspace]") {
        text.push_str("\n[workspace]\n");
        std::fs::write(&manifest, text).map_err(|e| format!("{}: {e}", manifest.display()))?;
    }
    Ok(())
}

/// The generated Rust files of a crate. Ours: the module only; the runtime
/// is a dependency (like the peers' runtimes), not part of the crate.
pub fn generated_files(tool: Tool, dir: &Path) -> Vec<PathBuf> {
    match tool {
        Tool::Ours => vec![dir.join("src/api.rs")],
        Tool::Peer(p) => rust_files(&peers::module_dir(p, dir)),
    }
}

/// The `.rs` files under `dir`, sorted.
pub fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Line counts of Rust files: `(total, doc-comment lines)`.
pub fn count_lines(files: &[PathBuf]) -> (usize, usize) {
    let mut total = 0;
    let mut docs = 0;
    for f in files {
        let Ok(text) = std::fs::read_to_string(f) else { continue };
        for line in text.lines() {
            total += 1;
            let t = line.trim_start();
            if t.starts_with("///") || t.starts_with("//!") || t.starts_with("#[doc") {
                docs += 1;
            }
        }
    }
    (total, docs)
}
