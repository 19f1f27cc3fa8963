//! `crmgen`: typed async Rust clients from OpenAPI descriptions.
//!
//! `crmgen generate SPEC OUT` writes a crate, `crmgen check SPEC` validates
//! and prints warnings without writing anything, `crmgen diff OLD NEW`
//! lists the API changes between two versions of a spec. Each takes
//! `--overlay FILE` (repeated: applied in order) and, but `diff`,
//! `--write-effective PATH` (the document generated from, for review).
//!
//! Exit status: 0 on success, 1 on an error (the message says what and
//! where), 2 on a usage error, 3 when `diff --deny-breaking` finds a
//! breaking change.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use crmgen::diff::{Change, Report};
use crmgen::standalone::RuntimeDep;
use crmgen::Source;
use serde::Serialize;

/// mimalloc, not the system allocator: glibc's `malloc` slows down as the
/// live heap grows (its share of a generation's samples went from 8% at
/// 1,000 operations to 20% at 10,000), which made generation time grow
/// faster than the spec. Built without transparent huge pages (`no_thp`):
/// with them, a small spec's generation took 13 MiB instead of 7. The
/// library does not choose an allocator for its users.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The exit status of `diff --deny-breaking` when a change is breaking.
const BREAKING: u8 = 3;

#[derive(Parser)]
#[command(name = "crmgen", version, about = "Typed async Rust clients from OpenAPI 3.0 and 3.1 descriptions")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write a crate (Cargo.toml + src/) for SPEC into OUT, on top of the runtime crate.
    Generate {
        /// The OpenAPI document (YAML or JSON).
        spec: PathBuf,
        /// The crate's directory (created if missing).
        out: PathBuf,
        /// Crate name (default: from the spec's file name).
        #[arg(long)]
        name: Option<String>,
        /// Refuse the spec on the first warning.
        #[arg(long)]
        strict: bool,
        /// Depend on the runtime crate at this path instead of the published version.
        #[arg(long, value_name = "DIR", conflicts_with = "vendor_runtime")]
        runtime_path: Option<PathBuf>,
        /// Write a copy of the runtime crate into OUT/crmgen-runtime and depend on it.
        #[arg(long)]
        vendor_runtime: bool,
        /// An OpenAPI Overlay (1.0 or 1.1) to apply to SPEC; repeat to apply several, in order.
        #[arg(long = "overlay", value_name = "FILE")]
        overlays: Vec<PathBuf>,
        /// Also write the effective document (SPEC with the overlays applied) to PATH.
        #[arg(long, value_name = "PATH")]
        write_effective: Option<PathBuf>,
    },
    /// Validate SPEC and print its warnings; writes nothing.
    Check {
        /// The OpenAPI document (YAML or JSON).
        spec: PathBuf,
        /// Fail on the first warning.
        #[arg(long)]
        strict: bool,
        /// An OpenAPI Overlay (1.0 or 1.1) to apply to SPEC; repeat to apply several, in order.
        #[arg(long = "overlay", value_name = "FILE")]
        overlays: Vec<PathBuf>,
        /// Also write the effective document (SPEC with the overlays applied) to PATH.
        #[arg(long, value_name = "PATH")]
        write_effective: Option<PathBuf>,
    },
    /// List the API changes from OLD to NEW, breaking or not for users of
    /// the generated crate; exit status 3 with --deny-breaking when any is.
    Diff {
        /// The old version of the spec.
        old: PathBuf,
        /// The new version of the spec.
        new: PathBuf,
        /// Exit with status 3 when any change is breaking (after printing the report).
        #[arg(long)]
        deny_breaking: bool,
        /// How to print the report.
        #[arg(long, value_enum, default_value_t = Format::Markdown)]
        format: Format,
        /// An overlay applied to both OLD and NEW (repeat: in order), as the
        /// curated specs apply theirs to each pinned vendor document.
        #[arg(long = "overlay", value_name = "FILE")]
        overlays: Vec<PathBuf>,
    },
    /// Print the generated module for SPEC on stdout.
    Module {
        /// The OpenAPI document (YAML or JSON).
        spec: PathBuf,
        /// Refuse the spec on the first warning.
        #[arg(long)]
        strict: bool,
        /// An OpenAPI Overlay (1.0 or 1.1) to apply to SPEC; repeat to apply several, in order.
        #[arg(long = "overlay", value_name = "FILE")]
        overlays: Vec<PathBuf>,
        /// Also write the effective document (SPEC with the overlays applied) to PATH.
        #[arg(long, value_name = "PATH")]
        write_effective: Option<PathBuf>,
    },
}

/// The report's format on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// A summary for a pull request: counts, breaking changes, the others.
    Markdown,
    /// One JSON object: the paths, the counts and every change.
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Generate { spec, out, name, strict, runtime_path, vendor_runtime, overlays, write_effective } => {
            let runtime = match (runtime_path, vendor_runtime) {
                (Some(path), _) => RuntimeDep::Path(path),
                (None, true) => RuntimeDep::Vendor,
                (None, false) => RuntimeDep::Version,
            };
            Source::read(&spec, &overlays).and_then(|source| {
                let g = crmgen::write_crate(&source, &out, name.as_deref(), strict, "crmgen generate", &runtime)?;
                effective(&source, &g, write_effective.as_deref())?;
                eprintln!("wrote a crate to {}", out.display());
                Ok(())
            })
        }
        Command::Check { spec, strict, overlays, write_effective } => {
            generate(&spec, &overlays, strict, "crmgen check", write_effective.as_deref()).map(|g| {
                let ops = g.api.operations.len();
                let types = g.api.types.len();
                eprintln!("{}: {ops} operations, {types} types, {} warnings", spec.display(), g.warning_lines.len());
            })
        }
        Command::Module { spec, strict, overlays, write_effective } => {
            generate(&spec, &overlays, strict, "crmgen module", write_effective.as_deref())
                .map(|g| print!("{}", g.code))
        }
        Command::Diff { old, new, deny_breaking, format, overlays } => {
            return diff(&old, &new, &overlays, deny_breaking, format);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}", e.render_from_file());
            ExitCode::FAILURE
        }
    }
}

/// Generates the module for `spec` with its overlays, printing its warnings on stderr.
fn generate(
    spec: &Path,
    overlays: &[PathBuf],
    strict: bool,
    command: &str,
    write_effective: Option<&Path>,
) -> crmgen::Result<crmgen::Generated> {
    let opts = crmgen::Options {
        module_path: "api".into(),
        spec_label: spec.display().to_string(),
        command: command.into(),
        strict,
    };
    let source = Source::read(spec, overlays)?;
    let generated = crmgen::generate(&source, &opts)?;
    for line in &generated.warning_lines {
        eprintln!("{line}");
    }
    effective(&source, &generated, write_effective)?;
    Ok(generated)
}

/// `--write-effective PATH`: the document generated from, for review.
fn effective(source: &Source, generated: &crmgen::Generated, path: Option<&Path>) -> crmgen::Result<()> {
    match path {
        Some(path) => {
            crmgen::write_effective(source, generated, path)?;
            eprintln!("wrote the effective document to {}", path.display());
            Ok(())
        }
        None => Ok(()),
    }
}

/// `crmgen diff`: prints the report, then fails when asked to on a breaking change.
fn diff(old: &Path, new: &Path, overlays: &[PathBuf], deny_breaking: bool, format: Format) -> ExitCode {
    let resolve = |spec: &Path| Source::read(spec, overlays).and_then(|s| crmgen::diff::resolve_source(&s));
    let report = match resolve(old).and_then(|o| Ok((o, resolve(new)?))) {
        Ok((o, n)) => crmgen::diff::diff(&o, &n),
        Err(e) => {
            eprintln!("{}", e.render_from_file());
            return ExitCode::FAILURE;
        }
    };
    match format {
        Format::Markdown => {
            print!("## API changes: `{}` -> `{}`\n\n{}", old.display(), new.display(), report.to_markdown());
        }
        Format::Json => match serde_json::to_string_pretty(&JsonReport::new(old, new, &report)) {
            Ok(json) => println!("{json}"),
            Err(e) => {
                eprintln!("error: cannot serialise the report: {e}");
                return ExitCode::FAILURE;
            }
        },
    }
    if deny_breaking && report.has_breaking() {
        eprintln!("error: {} breaking API change(s) (--deny-breaking)", report.breaking().count());
        return ExitCode::from(BREAKING);
    }
    ExitCode::SUCCESS
}

/// `crmgen diff --format json`.
#[derive(Serialize)]
struct JsonReport<'a> {
    old: String,
    new: String,
    breaking: usize,
    non_breaking: usize,
    changes: &'a [Change],
}

impl<'a> JsonReport<'a> {
    fn new(old: &Path, new: &Path, report: &'a Report) -> Self {
        let breaking = report.breaking().count();
        JsonReport {
            old: old.display().to_string(),
            new: new.display().to_string(),
            breaking,
            non_breaking: report.changes.len() - breaking,
            changes: &report.changes,
        }
    }
}
