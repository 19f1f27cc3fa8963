//! Clean build time of a generated crate alone: its dependencies are built
//! first (in a target directory shared by every crate of the run), then
//! only the crate's own package is cleaned and rebuilt, timed.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use super::measure;

/// Builds `dir`'s dependencies, then times a clean build of the crate itself.
///
/// Dependencies are warmed by building the crate once with an empty
/// `lib.rs` (same manifest, same lock file, same features), so the timed
/// build compiles exactly one package: the generated one.
pub fn time_crate_build(dir: &Path, name: &str, target_dir: &Path, release: bool) -> Result<Duration, String> {
    time_crate(dir, name, target_dir, release, "build")
}

/// [`time_crate_build`] for `cargo check`: the front end alone (parsing,
/// macro expansion, type and borrow checking), no code generation.
pub fn time_crate_check(dir: &Path, name: &str, target_dir: &Path) -> Result<Duration, String> {
    time_crate(dir, name, target_dir, false, "check")
}

fn time_crate(dir: &Path, name: &str, target_dir: &Path, release: bool, verb: &str) -> Result<Duration, String> {
    let lib = dir.join("src/lib.rs");
    let real = std::fs::read_to_string(&lib).map_err(|e| format!("{}: {e}", lib.display()))?;
    std::fs::write(&lib, "").map_err(|e| e.to_string())?;
    let warm = cargo(dir, target_dir, release, &[verb, "-q"]).output();
    std::fs::write(&lib, &real).map_err(|e| e.to_string())?;
    let warm = warm.map_err(|e| format!("cargo build: {e}"))?;
    if !warm.status.success() {
        return Err(format!(
            "warming dependencies failed:\n{}",
            measure::first_lines(&String::from_utf8_lossy(&warm.stderr), 12)
        ));
    }
    let clean = cargo(dir, target_dir, release, &["clean", "-q", "-p", name]).output().map_err(|e| e.to_string())?;
    if !clean.status.success() {
        return Err(format!("cargo clean -p {name} failed: {}", String::from_utf8_lossy(&clean.stderr)));
    }
    let mut cmd = cargo(dir, target_dir, release, &[verb, "-q", "--offline"]);
    let (run, stderr) = measure::run(&mut cmd, None)?;
    if !run.success {
        return Err(format!("does not build: {}", first_errors(&stderr)));
    }
    Ok(run.wall)
}

/// `cargo <args>` for the crate in `dir`, in the shared target directory,
/// without incremental compilation (a clean build, as CI and users get).
pub fn cargo(dir: &Path, target_dir: &Path, release: bool, args: &[&str]) -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.args(args)
        .arg("--manifest-path")
        .arg(dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", target_dir)
        .env("CARGO_INCREMENTAL", "0")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_BUILD_RUSTFLAGS");
    if release {
        cmd.arg("--release");
    }
    cmd
}

/// The first compiler errors of a failed build, for the report.
pub fn first_errors(stderr: &str) -> String {
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error")).take(3).collect();
    if errors.is_empty() {
        measure::first_lines(stderr, 6)
    } else {
        errors.join("; ")
    }
}
