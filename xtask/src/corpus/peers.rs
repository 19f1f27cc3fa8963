//! The peer generators, run as installed binaries (`cargo install --locked
//! cargo-progenitor@0.15.1 openapi-to-rust@0.23.0`), one child process per
//! spec, each writing a crate we can compile.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use super::process::{self, Exit};

/// A peer generator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Peer {
    OpenApiToRust,
    Progenitor,
}

impl Peer {
    pub const ALL: [Peer; 2] = [Peer::OpenApiToRust, Peer::Progenitor];

    /// Directory and log name.
    pub fn key(self) -> &'static str {
        match self {
            Peer::OpenApiToRust => "openapi-to-rust",
            Peer::Progenitor => "progenitor",
        }
    }

    /// The installed package and the version the comparison is pinned to.
    pub fn package(self) -> (&'static str, &'static str) {
        match self {
            Peer::OpenApiToRust => ("openapi-to-rust", "0.23.0"),
            Peer::Progenitor => ("cargo-progenitor", "0.15.1"),
        }
    }

    fn binary(self) -> &'static str {
        match self {
            Peer::OpenApiToRust => "openapi-to-rust",
            Peer::Progenitor => "cargo-progenitor",
        }
    }
}

/// A located peer binary and its installed version.
#[derive(Debug, Clone)]
pub struct Installed {
    pub peer: Peer,
    pub path: PathBuf,
    pub version: String,
}

/// Finds the peer's binary (in `$CARGO_HOME/bin`, then `PATH`) and its
/// version from `cargo install --list`.
pub fn locate(peer: Peer) -> Result<Installed, String> {
    let (package, pinned) = peer.package();
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
        .ok_or_else(|| format!("{} is not installed: cargo install --locked {package}@{pinned}", peer.binary()))?;
    let list = Command::new("cargo")
        .args(["install", "--list"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned());
    let version = list
        .ok()
        .and_then(|l| {
            l.lines().find_map(|line| {
                line.strip_prefix(&format!("{package} v"))
                    .map(|v| v.trim_end_matches(':').split(' ').next().unwrap_or(v).to_string())
            })
        })
        .unwrap_or_else(|| "unknown".into());
    Ok(Installed { peer, path, version })
}

/// How a peer did on one spec.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub status: Status,
    /// Why it failed: the panic message or the first error line.
    pub reason: String,
    pub elapsed: Duration,
    /// The crate it wrote, when it generated.
    pub crate_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Generated,
    Failed,
    Panic,
    Crash,
    Timeout,
}

/// Runs `peer` on `spec`, writing a crate named `name` into `dir`.
pub fn run(
    tool: &Installed,
    spec: &Path,
    name: &str,
    dir: &Path,
    timeout: Duration,
    log: &Path,
) -> Result<Outcome, String> {
    let _ = std::fs::remove_dir_all(dir);
    let mut cmd = Command::new(&tool.path);
    match tool.peer {
        Peer::Progenitor => {
            cmd.args(["progenitor", "-i"]).arg(spec).arg("-o").arg(dir).args(["-n", name, "-v", "0.1.0"]);
        }
        Peer::OpenApiToRust => {
            std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            cmd.arg("generate").arg(spec).arg("--output-dir").arg(dir.join("src/generated")).args([
                "--module-name",
                "api",
                "--quiet",
            ]);
        }
    }
    cmd.env("RUST_BACKTRACE", "0");
    let f = process::run(cmd, timeout, log)?;
    let text = format!("{}\n{}", f.stderr, f.stdout);
    let (status, reason) = match f.exit {
        Exit::Timeout => (Status::Timeout, format!("no result after {}s", timeout.as_secs())),
        Exit::Signal(sig) => (Status::Crash, format!("killed by signal {sig}: {}", last_line(&f.stderr))),
        _ if text.contains("panicked at") => (Status::Panic, panic_message(&text)),
        Exit::Code(0) => (Status::Generated, String::new()),
        Exit::Code(_) => (Status::Failed, error_line(&text)),
    };
    let mut crate_dir = None;
    if status == Status::Generated {
        if tool.peer == Peer::OpenApiToRust {
            wrap_module(name, dir)?;
        }
        crate_dir = Some(dir.to_path_buf());
    }
    Ok(Outcome { status, reason, elapsed: f.elapsed, crate_dir })
}

/// openapi-to-rust writes a module (`src/generated/{mod,types,client}.rs`)
/// and the dependencies it needs (`REQUIRED_DEPS.toml`): wrap them in a crate.
fn wrap_module(name: &str, dir: &Path) -> Result<(), String> {
    let gen = dir.join("src/generated");
    let deps = std::fs::read_to_string(gen.join("REQUIRED_DEPS.toml")).unwrap_or_else(|_| "[dependencies]\n".into());
    let manifest =
        format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n{deps}");
    let write = |p: PathBuf, t: &str| std::fs::write(&p, t).map_err(|e| format!("cannot write {}: {e}", p.display()));
    write(dir.join("Cargo.toml"), &manifest)?;
    write(dir.join("src/lib.rs"), "pub mod generated;\n")
}

/// The panic message (the line after `panicked at <location>:`).
fn panic_message(text: &str) -> String {
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some(at) = line.find("panicked at") {
            let rest = line[at + "panicked at".len()..].trim();
            let location = rest.trim_end_matches(':');
            // `~/.cargo/registry/src/index.../progenitor-impl-0.15.1/src/x.rs` -> `progenitor-impl-0.15.1/src/x.rs`
            let location = match location.find("/registry/src/") {
                Some(at) => location[at + "/registry/src/".len()..].split_once('/').map_or(location, |(_, p)| p),
                None => location,
            };
            // Rust >= 1.73: the message is on the next line.
            if rest.ends_with(':') {
                let msg = lines.next().unwrap_or("").trim();
                return clip(&format!("{msg} (at {location})"), 300);
            }
            return clip(rest, 300);
        }
    }
    "panicked".into()
}

/// The most telling line of a failure: progenitor's `gen fail:` detail,
/// else the first that says error, else the last.
fn error_line(text: &str) -> String {
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let pick = lines
        .iter()
        .find(|l| l.starts_with("gen fail:"))
        .or_else(|| lines.iter().find(|l| l.to_ascii_lowercase().starts_with("error") || l.contains("Error:")))
        .or(lines.last())
        .copied()
        .unwrap_or("failed without a message");
    clip(pick, 300)
}

fn last_line(text: &str) -> String {
    clip(text.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or(""), 300)
}

pub fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons() {
        let t = "thread 'main' panicked at src/lib.rs:3:5:\nboom\nnote: run with `RUST_BACKTRACE=1`";
        assert_eq!(panic_message(t), "boom (at src/lib.rs:3:5)");
        assert_eq!(error_line("warn\nError: bad thing\nmore"), "Error: bad thing");
        assert_eq!(error_line("Error: generation experienced errors\ngen fail: X"), "gen fail: X");
        let t = "thread 'main' panicked at /h/.cargo/registry/src/index.crates.io-1/p-0.1/src/m.rs:1:2:\nboom";
        assert_eq!(panic_message(t), "boom (at p-0.1/src/m.rs:1:2)");
    }
}
