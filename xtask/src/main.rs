//! `cargo xtask <command>`: the project's chores, in Rust.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use xtask::codegen;

#[derive(Parser)]
#[command(name = "cargo xtask")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Regenerate `generated/` from every spec in `specs/`.
    Codegen {
        /// Write nothing; exit non-zero listing every stale or missing file.
        #[arg(long)]
        check: bool,
    },
    /// Write a standalone crate for any OpenAPI 3.0 SPEC into OUT_DIR.
    Generate {
        spec: PathBuf,
        out_dir: PathBuf,
        /// Crate name (default: from the spec's file name).
        #[arg(long)]
        name: Option<String>,
        /// Turn warnings into errors.
        #[arg(long)]
        strict: bool,
        /// An OpenAPI Overlay to apply to SPEC; repeat to apply several, in order.
        #[arg(long = "overlay", value_name = "FILE")]
        overlays: Vec<PathBuf>,
        /// Also write the effective document (SPEC with the overlays applied) to PATH.
        #[arg(long, value_name = "PATH")]
        write_effective: Option<PathBuf>,
    },
    /// Summarise the API changes of every spec in `specs/` since a git
    /// revision, as Markdown: breaking or not for users of the generated
    /// crate. Two files: `crmgen diff OLD NEW`.
    ApiDiff {
        /// Compare each spec in `specs/` with its version at REV (default: the merge base with `main`).
        #[arg(long, value_name = "REV")]
        git_rev: Option<String>,
        /// Exit non-zero when any change is breaking.
        #[arg(long)]
        deny_breaking: bool,
    },
    /// The benchmark against the peers (the `xtask-research` package; `cargo xtask bench --help`).
    #[command(disable_help_flag = true)]
    Bench {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<OsString>,
    },
    /// Every generator on real-world specs (the `xtask-research` package; `cargo xtask corpus --help`).
    #[command(disable_help_flag = true)]
    Corpus {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<OsString>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = codegen::workspace_root();
    match cli.command {
        Command::Codegen { check: true } => match codegen::check(&root) {
            Ok(s) if s.is_fresh() => {
                println!("generated/ is up to date");
                ExitCode::SUCCESS
            }
            Ok(s) => {
                eprint!("{}", s.report());
                ExitCode::FAILURE
            }
            Err(e) => fail(&e),
        },
        Command::Codegen { check: false } => match codegen::write(&root) {
            Ok(changed) => {
                if changed.is_empty() {
                    println!("generated/ is up to date");
                }
                for p in changed {
                    println!("wrote {}", p.display());
                }
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e),
        },
        Command::Generate { spec, out_dir, name, strict, overlays, write_effective } => {
            let request = xtask::generate::Request { spec, overlays, out_dir, name, strict, write_effective };
            match xtask::generate::run(&root, &request) {
                Ok(_) => {
                    println!("wrote a crate to {}", request.out_dir.display());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("{}", e.render_from_file());
                    ExitCode::FAILURE
                }
            }
        }
        Command::ApiDiff { git_rev, deny_breaking } => api_diff(&root, git_rev, deny_breaking),
        Command::Bench { args } => research(&root, "bench", &args),
        Command::Corpus { args } => research(&root, "corpus", &args),
    }
}

fn api_diff(root: &Path, rev: Option<String>, deny_breaking: bool) -> ExitCode {
    use xtask::api_diff;
    let rev = match rev.map(Ok).unwrap_or_else(|| api_diff::default_rev(root)) {
        Ok(rev) => rev,
        Err(e) => return fail(&e),
    };
    let diffs = match api_diff::diff_git(root, &rev) {
        Ok(diffs) => diffs,
        Err(e) => return fail(&e),
    };
    print!("{}", api_diff::specs_markdown(&rev, &diffs));
    if deny_breaking && diffs.iter().any(|d| d.has_breaking()) {
        fail("breaking API changes (--deny-breaking)")
    } else {
        ExitCode::SUCCESS
    }
}

/// Runs `xtask-research <command> <args>` (built on demand by `cargo run`),
/// so `cargo xtask codegen` never compiles the research tools.
fn research(root: &Path, command: &str, args: &[OsString]) -> ExitCode {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = std::process::Command::new(cargo)
        .current_dir(root)
        .args(["run", "--quiet", "--package", "xtask-research", "--", command])
        .args(args)
        .status();
    match status {
        Ok(s) if s.success() => ExitCode::SUCCESS,
        Ok(s) => s.code().and_then(|c| u8::try_from(c).ok()).map_or(ExitCode::FAILURE, ExitCode::from),
        Err(e) => fail(&format!("cannot run cargo for xtask-research: {e}")),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::FAILURE
}
