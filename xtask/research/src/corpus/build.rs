//! "Does the output compile?": the crates one generator wrote become the
//! members of one temporary workspace, checked with one `cargo check
//! --keep-going` and a target directory shared by every generator's
//! workspace, so dependencies build once.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::process::{self, Exit, Output};

/// The result of checking one crate.
#[derive(Debug, Clone)]
pub struct Checked {
    pub compiled: bool,
    /// The first compiler error, when it did not compile.
    pub error: String,
}

/// Checks every crate in `crates` (`(name, dir)`, each dir directly under
/// `workspace`). Returns per-crate results keyed by name, or an error when
/// the workspace as a whole failed before compiling anything.
pub fn check(
    workspace: &Path,
    crates: &[(String, PathBuf)],
    target_dir: &Path,
    timeout: Duration,
) -> Result<BTreeMap<String, Checked>, String> {
    let mut members = String::new();
    for (_, dir) in crates {
        let rel = dir
            .strip_prefix(workspace)
            .map_err(|_| format!("{} is not under {}", dir.display(), workspace.display()))?;
        members.push_str(&format!("    \"{}\",\n", rel.display()));
    }
    let manifest = format!(
        "# Written by `cargo xtask corpus`: the generated crates, checked together.\n[workspace]\nresolver = \"2\"\nmembers = [\n{members}]\n"
    );
    std::fs::write(workspace.join("Cargo.toml"), manifest)
        .map_err(|e| format!("cannot write the workspace manifest: {e}"))?;
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.args(["check", "--workspace", "--keep-going", "--message-format=json"])
        .current_dir(workspace)
        .env("CARGO_TARGET_DIR", target_dir)
        .env("CARGO_TERM_COLOR", "never")
        // The generated code's own lints are not the question here.
        .env("RUSTFLAGS", "--cap-lints=allow");
    let log = workspace.join("cargo-check");
    let f =
        process::run(cmd, process::Options { timeout: Some(timeout), output: Output::Log(&log), peak_memory: false })?;
    if f.exit == Exit::Timeout {
        return Err(format!("cargo check did not finish in {}s", timeout.as_secs()));
    }
    let by_manifest: BTreeMap<PathBuf, &str> = crates.iter().map(|(n, d)| (d.join("Cargo.toml"), n.as_str())).collect();
    let mut out: BTreeMap<String, Checked> = BTreeMap::new();
    for line in f.stdout.lines() {
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(line) else { continue };
        let Some(manifest) = msg.get("manifest_path").and_then(|m| m.as_str()) else { continue };
        let Some(name) = by_manifest.get(Path::new(manifest)) else { continue };
        let entry = out.entry(name.to_string()).or_insert(Checked { compiled: false, error: String::new() });
        match msg.get("reason").and_then(|r| r.as_str()) {
            Some("compiler-artifact") if !entry_has_error(entry) => entry.compiled = true,
            Some("compiler-message") => {
                let m = &msg["message"];
                if m["level"].as_str() == Some("error") && entry.error.is_empty() {
                    let text = m["message"].as_str().unwrap_or("error");
                    let code = m["code"]["code"].as_str().map(|c| format!("[{c}] ")).unwrap_or_default();
                    let span = m["spans"]
                        .as_array()
                        .and_then(|s| s.first())
                        .map(|s| format!(" ({}:{})", s["file_name"].as_str().unwrap_or("?"), s["line_start"]))
                        .unwrap_or_default();
                    entry.error = format!("{code}{text}{span}");
                    entry.compiled = false;
                }
            }
            _ => {}
        }
    }
    if out.is_empty() && !f.exit.success() {
        let reason = f.stderr.lines().find(|l| l.starts_with("error")).unwrap_or_else(|| process::tail(&f.stderr, 500));
        return Err(format!("cargo check failed before compiling any generated crate: {reason}"));
    }
    for (name, _) in crates {
        out.entry(name.clone()).or_insert_with(|| Checked {
            compiled: false,
            error: "not compiled (cargo stopped before reaching it; see cargo-check.err)".into(),
        });
    }
    Ok(out)
}

fn entry_has_error(c: &Checked) -> bool {
    !c.error.is_empty()
}
