//! The Rust generators we compare against, pinned: the one list of them,
//! how to install, find and run them, and how to turn their output into a
//! crate `cargo` accepts. The benchmark and the corpus both use this.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A peer generator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Peer {
    Progenitor,
    OpenapiToRust,
}

impl Peer {
    /// Every peer, in declaration order.
    pub const ALL: [Peer; 2] = [Peer::Progenitor, Peer::OpenapiToRust];

    /// The name reports use (and the corpus's directory and log name).
    pub fn key(self) -> &'static str {
        match self {
            Peer::Progenitor => "progenitor",
            Peer::OpenapiToRust => "openapi-to-rust",
        }
    }

    /// The crate `cargo install` installs.
    pub fn package(self) -> &'static str {
        match self {
            Peer::Progenitor => "cargo-progenitor",
            Peer::OpenapiToRust => "openapi-to-rust",
        }
    }

    /// The version every comparison is pinned to.
    pub fn version(self) -> &'static str {
        match self {
            Peer::Progenitor => "0.15.1",
            Peer::OpenapiToRust => "0.23.0",
        }
    }

    /// The installed binary's file name.
    pub fn binary(self) -> &'static str {
        match self {
            Peer::Progenitor => "cargo-progenitor",
            Peer::OpenapiToRust => "openapi-to-rust",
        }
    }

    /// How to install the pinned version by hand.
    pub fn install_command(self) -> String {
        format!("cargo install --locked {}@{}", self.package(), self.version())
    }
}

/// A located peer binary and the version `cargo install --list` reports.
#[derive(Debug, Clone)]
pub struct Installed {
    pub peer: Peer,
    pub path: PathBuf,
    /// `"unknown"` when `cargo install --list` does not list the package.
    pub version: String,
}

impl Installed {
    /// Whether this is the pinned version.
    pub fn is_pinned(&self) -> bool {
        self.version == self.peer.version()
    }
}

/// Finds the peer's binary (in `$CARGO_HOME/bin`, then on `PATH`) and its
/// installed version.
pub fn locate(peer: Peer) -> Result<Installed, String> {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    let mut candidates: Vec<PathBuf> = cargo_home.into_iter().map(|h| h.join("bin").join(peer.binary())).collect();
    if let Some(path) = std::env::var_os("PATH") {
        candidates.extend(std::env::split_paths(&path).map(|d| d.join(peer.binary())));
    }
    let path = candidates
        .into_iter()
        .find(|p| p.is_file())
        .ok_or_else(|| format!("{} is not installed: {}", peer.binary(), peer.install_command()))?;
    let version = installed_version(peer).unwrap_or_else(|| "unknown".into());
    Ok(Installed { peer, path, version })
}

/// The version of `peer`'s package in `cargo install --list`.
fn installed_version(peer: Peer) -> Option<String> {
    let out = Command::new(cargo()).args(["install", "--list"]).output().ok()?;
    let list = String::from_utf8_lossy(&out.stdout);
    let prefix = format!("{} v", peer.package());
    list.lines().find_map(|line| {
        let rest = line.strip_prefix(&prefix)?;
        Some(rest.trim_end_matches(':').split(' ').next().unwrap_or(rest).to_string())
    })
}

/// The pinned version of `peer`, installed with `cargo install --locked`
/// when it is missing or another version is installed.
pub fn ensure(peer: Peer) -> Result<Installed, String> {
    if let Ok(found) = locate(peer) {
        if found.is_pinned() {
            return Ok(found);
        }
    }
    eprintln!("installing {} {} ({}), once", peer.package(), peer.version(), peer.install_command());
    let status = Command::new(cargo())
        .args(["install", "--locked", &format!("{}@{}", peer.package(), peer.version())])
        .status()
        .map_err(|e| format!("cannot run cargo install: {e}"))?;
    if !status.success() {
        return Err(format!("`{}` failed", peer.install_command()));
    }
    match locate(peer)? {
        found if found.is_pinned() => Ok(found),
        found => Err(format!("{} is {} after `{}`", peer.package(), found.version, peer.install_command())),
    }
}

/// The command that makes `peer`'s crate (named `name`) for `spec` in
/// `dir`. Peers run as their own binaries, not through `cargo <sub>`, so no
/// cargo start-up is counted against them. openapi-to-rust writes a module
/// only: [`wrap_module`] makes it a crate afterwards.
pub fn command(peer: Peer, bin: &Path, spec: &Path, dir: &Path, name: &str) -> Command {
    let mut cmd = Command::new(bin);
    match peer {
        Peer::Progenitor => {
            cmd.arg("progenitor").arg("-i").arg(spec).arg("-o").arg(dir).args(["-n", name, "-v", "0.1.0"]);
        }
        Peer::OpenapiToRust => {
            cmd.arg("generate").arg(spec).arg("--output-dir").arg(module_dir(peer, dir)).args([
                "--module-name",
                "api",
                "--quiet",
            ]);
        }
    }
    cmd
}

/// Where the peer writes its generated Rust files inside `dir`.
pub fn module_dir(peer: Peer, dir: &Path) -> PathBuf {
    match peer {
        Peer::Progenitor => dir.join("src"),
        Peer::OpenapiToRust => dir.join("src/generated"),
    }
}

/// openapi-to-rust writes a module (`src/generated/{mod,types,client}.rs`)
/// and the dependencies it needs (`REQUIRED_DEPS.toml`): wrap them in a
/// package named `name`. Its own lints are not the question, so the crate
/// allows them. Progenitor writes a crate already: nothing to do.
pub fn wrap_module(peer: Peer, dir: &Path, name: &str) -> Result<(), String> {
    if peer != Peer::OpenapiToRust {
        return Ok(());
    }
    let deps = std::fs::read_to_string(module_dir(peer, dir).join("REQUIRED_DEPS.toml"))
        .unwrap_or_else(|_| "[dependencies]\n".into());
    let manifest =
        format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n{deps}");
    write(&dir.join("Cargo.toml"), &manifest)?;
    write(&dir.join("src/lib.rs"), "#![allow(warnings)]\npub mod generated;\n")
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn cargo() -> std::ffi::OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn install_commands_name_the_pinned_versions() {
        assert_eq!(Peer::Progenitor.install_command(), "cargo install --locked cargo-progenitor@0.15.1");
        assert_eq!(Peer::OpenapiToRust.install_command(), "cargo install --locked openapi-to-rust@0.23.0");
    }

    #[test]
    fn openapi_to_rust_output_becomes_a_package() {
        let dir = std::env::temp_dir().join(format!("xtask-research-wrap-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        write(&module_dir(Peer::OpenapiToRust, &dir).join("REQUIRED_DEPS.toml"), "[dependencies]\nserde = \"1\"\n")
            .unwrap();
        wrap_module(Peer::OpenapiToRust, &dir, "o2r-pets").unwrap();
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
        assert!(manifest.contains("name = \"o2r-pets\""), "{manifest}");
        assert!(manifest.contains("serde = \"1\""), "{manifest}");
        assert!(std::fs::read_to_string(dir.join("src/lib.rs")).unwrap().contains("pub mod generated;"));
        // Progenitor's output is a crate already: left alone.
        let other = dir.join("progenitor");
        wrap_module(Peer::Progenitor, &other, "p").unwrap();
        assert!(!other.exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
