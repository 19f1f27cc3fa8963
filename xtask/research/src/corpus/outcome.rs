//! A peer generator on one corpus spec, one child process each (the
//! pinned peers and how to run them are [`crate::peers`]'s), and how it
//! ended: generated, failed, panic, crash or timeout, with the reason.

use std::path::Path;
use std::time::Duration;

use crate::peers::{self, Installed, Peer};
use crate::process::{self, Exit, Output};

/// How a peer did on one spec.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub status: Status,
    /// Why it failed: the panic message or the first error line.
    pub reason: String,
    pub elapsed: Duration,
    /// The crate it wrote, when it generated.
    pub crate_dir: Option<std::path::PathBuf>,
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
    if tool.peer == Peer::OpenapiToRust {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let mut cmd = peers::command(tool.peer, &tool.path, spec, dir, name);
    cmd.env("RUST_BACKTRACE", "0");
    let f =
        process::run(cmd, process::Options { timeout: Some(timeout), output: Output::Log(log), peak_memory: false })?;
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
        peers::wrap_module(tool.peer, dir, name)?;
        crate_dir = Some(dir.to_path_buf());
    }
    Ok(Outcome { status, reason, elapsed: f.wall, crate_dir })
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
