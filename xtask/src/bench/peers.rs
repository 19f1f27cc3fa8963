//! The Rust peers we compare against, pinned: how to install them, run
//! them, and turn their output into a crate that `cargo build` accepts.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A generator the benchmark runs: ours (the release CLI) or a peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tool {
    Ours,
    Progenitor,
    OpenapiToRust,
}

impl Tool {
    pub const PEERS: [Tool; 2] = [Tool::Progenitor, Tool::OpenapiToRust];

    pub fn label(self) -> &'static str {
        match self {
            Tool::Ours => "crmgen",
            Tool::Progenitor => "progenitor",
            Tool::OpenapiToRust => "openapi-to-rust",
        }
    }

    /// Short prefix for crate names and directories.
    pub fn slug(self) -> &'static str {
        match self {
            Tool::Ours => "ours",
            Tool::Progenitor => "progenitor",
            Tool::OpenapiToRust => "o2r",
        }
    }

    /// `(crate to install, pinned version, binary)`.
    pub fn package(self) -> Option<(&'static str, &'static str, &'static str)> {
        match self {
            Tool::Ours => None,
            Tool::Progenitor => Some(("cargo-progenitor", "0.15.1", "cargo-progenitor")),
            Tool::OpenapiToRust => Some(("openapi-to-rust", "0.23.0", "openapi-to-rust")),
        }
    }
}

fn cargo_bin_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        return PathBuf::from(home).join("bin");
    }
    std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default().join(".cargo/bin")
}

/// The installed binary of a peer, if `cargo install --list` shows the pinned version.
pub fn installed(tool: Tool) -> Option<PathBuf> {
    let (krate, version, bin) = tool.package()?;
    let out = Command::new("cargo").args(["install", "--list"]).output().ok()?;
    let list = String::from_utf8_lossy(&out.stdout);
    let wanted = format!("{krate} v{version}:");
    if !list.lines().any(|l| l.trim() == wanted) {
        return None;
    }
    let path = cargo_bin_dir().join(bin);
    path.exists().then_some(path)
}

/// Installs the pinned peer with `cargo install --locked` when it is missing.
pub fn ensure(tool: Tool) -> Result<PathBuf, String> {
    if let Some(p) = installed(tool) {
        return Ok(p);
    }
    let (krate, version, _) = tool.package().ok_or("not a peer")?;
    eprintln!("bench: installing {krate} {version} (cargo install --locked), once");
    let status = Command::new("cargo")
        .args(["install", "--locked", &format!("{krate}@{version}")])
        .status()
        .map_err(|e| format!("cargo install {krate}: {e}"))?;
    if !status.success() {
        return Err(format!("cargo install --locked {krate}@{version} failed"));
    }
    installed(tool).ok_or_else(|| format!("{krate} {version} is still not installed"))
}

/// The command that makes `tool`'s crate for `spec` in `dir` (named `name`).
/// Peers are run as their own binaries (not through `cargo <sub>`), so no
/// cargo start-up is counted against them.
pub fn command(tool: Tool, bin: &Path, spec: &Path, dir: &Path, name: &str) -> Command {
    let mut cmd = Command::new(bin);
    match tool {
        Tool::Ours => {
            cmd.arg("crate").arg(spec).arg(dir).args(["--name", name]);
        }
        Tool::Progenitor => {
            cmd.arg("progenitor").arg("-i").arg(spec).arg("-o").arg(dir).args(["-n", name, "-v", "0.1.0"]);
        }
        Tool::OpenapiToRust => {
            cmd.arg("generate").arg(spec).arg("--output-dir").arg(dir.join("src/generated")).args([
                "--module-name",
                "api",
                "--quiet",
            ]);
        }
    }
    cmd
}

/// After generation: make the output a standalone crate outside the
/// workspace (`[workspace]`), wrapping openapi-to-rust's module and its
/// `REQUIRED_DEPS.toml` in a package.
pub fn finish_crate(tool: Tool, dir: &Path, name: &str) -> Result<(), String> {
    let manifest = dir.join("Cargo.toml");
    match tool {
        Tool::Ours | Tool::Progenitor => {
            let mut text = std::fs::read_to_string(&manifest).map_err(|e| format!("{}: {e}", manifest.display()))?;
            if !text.contains("\n[workspace]") {
                text.push_str("\n[workspace]\n");
            }
            write(&manifest, &text)
        }
        Tool::OpenapiToRust => {
            let deps_file = dir.join("src/generated/REQUIRED_DEPS.toml");
            let deps = std::fs::read_to_string(&deps_file).unwrap_or_else(|_| "[dependencies]\n".into());
            let text = format!(
                "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n{deps}\n[workspace]\n"
            );
            write(&manifest, &text)?;
            write(&dir.join("src/lib.rs"), "#![allow(warnings)]\npub mod generated;\n")
        }
    }
}

/// The generated Rust files of a crate (ours: the module only, not the
/// runtime copied beside it, which is hand-written and fixed-size).
pub fn generated_files(tool: Tool, dir: &Path) -> Vec<PathBuf> {
    match tool {
        Tool::Ours => vec![dir.join("src/api.rs")],
        Tool::Progenitor => rust_files(&dir.join("src")),
        Tool::OpenapiToRust => rust_files(&dir.join("src/generated")),
    }
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
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

fn write(path: &Path, text: &str) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Line counts of generated code: `(total, doc-comment lines)`.
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
