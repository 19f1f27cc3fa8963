//! Clean build time of a generated crate alone: its dependencies are built
//! first (in a target directory shared by every crate of the run), then
//! only the crate's own package is cleaned and rebuilt, timed.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use super::measure;

/// A timed clean build (or check) of one crate, and its floor.
#[derive(Debug, Clone, Copy)]
pub struct Timed {
    pub wall: Duration,
    /// The same package with an empty `lib.rs`, timed the same way: what
    /// any crate with this manifest pays (cargo's start-up and fingerprint
    /// walk of the dependency graph, rustc's start-up), whatever its code.
    pub floor: Duration,
}

/// Builds `dir`'s dependencies, then times a clean build of the crate itself.
///
/// Dependencies are warmed by building the crate once with an empty
/// `lib.rs` (same manifest, same lock file, same features), so the timed
/// build compiles exactly one package: the generated one. That empty crate
/// is then timed too, as the floor.
pub fn time_crate_build(dir: &Path, name: &str, target_dir: &Path, release: bool) -> Result<Timed, String> {
    time_crate(dir, name, target_dir, release, "build")
}

/// [`time_crate_build`] for `cargo check`: the front end alone (parsing,
/// macro expansion, type and borrow checking), no code generation.
pub fn time_crate_check(dir: &Path, name: &str, target_dir: &Path) -> Result<Timed, String> {
    time_crate(dir, name, target_dir, false, "check")
}

fn time_crate(dir: &Path, name: &str, target_dir: &Path, release: bool, verb: &str) -> Result<Timed, String> {
    let lib = dir.join("src/lib.rs");
    let real = std::fs::read_to_string(&lib).map_err(|e| format!("{}: {e}", lib.display()))?;
    std::fs::write(&lib, "").map_err(|e| e.to_string())?;
    let floor = (|| {
        let warm = cargo(dir, target_dir, release, &[verb, "-q"]).output().map_err(|e| format!("cargo build: {e}"))?;
        if !warm.status.success() {
            return Err(format!(
                "warming dependencies failed:\n{}",
                measure::first_lines(&String::from_utf8_lossy(&warm.stderr), 12)
            ));
        }
        timed_clean(dir, name, target_dir, release, verb)
    })();
    // The crate's own code goes back whatever happened.
    std::fs::write(&lib, &real).map_err(|e| e.to_string())?;
    let floor = floor.map_err(|e| format!("the crate with an empty lib.rs: {e}"))?;
    let wall = timed_clean(dir, name, target_dir, release, verb)?;
    Ok(Timed { wall, floor })
}

/// Cleans the package alone and times `cargo <verb>` of it.
fn timed_clean(dir: &Path, name: &str, target_dir: &Path, release: bool, verb: &str) -> Result<Duration, String> {
    let clean = cargo(dir, target_dir, release, &["clean", "-q", "-p", name]).output().map_err(|e| e.to_string())?;
    if !clean.status.success() {
        return Err(format!("cargo clean -p {name} failed: {}", String::from_utf8_lossy(&clean.stderr)));
    }
    let cmd = cargo(dir, target_dir, release, &[verb, "-q", "--offline"]);
    let (run, stderr) = measure::run(cmd, None, None)?;
    if !run.success {
        return Err(format!("does not build: {}", first_errors(&stderr)));
    }
    Ok(run.wall)
}

/// Clean build time of the runtime crate at `runtime` alone, with the
/// features the synthetic crates enable (chrono, uuid): a crate in `dir` that depends on it
/// and has no code is built once (the runtime's dependencies), then only
/// the runtime package is cleaned and the crate rebuilt, timed.
pub fn time_runtime_build(runtime: &Path, dir: &Path, target_dir: &Path) -> Result<Duration, String> {
    let runtime = runtime.canonicalize().map_err(|e| format!("{}: {e}", runtime.display()))?;
    let manifest = format!(
        "[package]\nname = \"{RUNTIME_ALONE}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\n{} = {{ path = \"{}\", features = [{}] }}\n\n[workspace]\n",
        crmgen::standalone::RUNTIME_CRATE,
        runtime.to_string_lossy().replace('\\', "/"),
        crmgen::standalone::features_for(crmgen::model::Uses { chrono: true, uuid: true, ..Default::default() })
            .iter()
            .map(|f| format!("\"{f}\""))
            .collect::<Vec<_>>()
            .join(", "),
    );
    std::fs::create_dir_all(dir.join("src")).map_err(|e| format!("{}: {e}", dir.display()))?;
    std::fs::write(dir.join("Cargo.toml"), manifest).map_err(|e| format!("{}: {e}", dir.display()))?;
    std::fs::write(dir.join("src/lib.rs"), "").map_err(|e| format!("{}: {e}", dir.display()))?;
    let warm = cargo(dir, target_dir, false, &["build", "-q"]).output().map_err(|e| format!("cargo build: {e}"))?;
    if !warm.status.success() {
        return Err(format!(
            "the runtime crate does not build:\n{}",
            measure::first_lines(&String::from_utf8_lossy(&warm.stderr), 12)
        ));
    }
    let package = crmgen::standalone::RUNTIME_CRATE;
    let clean = cargo(dir, target_dir, false, &["clean", "-q", "-p", package]).output().map_err(|e| e.to_string())?;
    if !clean.status.success() {
        return Err(format!("cargo clean -p {package} failed: {}", String::from_utf8_lossy(&clean.stderr)));
    }
    let (run, stderr) = measure::run(cargo(dir, target_dir, false, &["build", "-q", "--offline"]), None, None)?;
    if !run.success {
        return Err(format!("does not build: {}", first_errors(&stderr)));
    }
    Ok(run.wall)
}

/// The package [`time_runtime_build`] builds around the runtime.
const RUNTIME_ALONE: &str = "ours-runtime-alone";

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
