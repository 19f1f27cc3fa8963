//! `cargo xtask <command>`: the project's chores, in Rust.

use std::path::PathBuf;
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
    },
    /// Summarise the API changes between OLD_SPEC and NEW_SPEC, or of every
    /// spec in `specs/` since a git revision, as Markdown: breaking or not
    /// for users of the generated crate.
    ApiDiff {
        /// The old version of the spec (with NEW_SPEC; without both, compare `specs/` with git).
        #[arg(requires = "new_spec", conflicts_with = "git_rev")]
        old_spec: Option<PathBuf>,
        new_spec: Option<PathBuf>,
        /// Compare each spec in `specs/` with its version at REV (default: the merge base with `main`).
        #[arg(long, value_name = "REV")]
        git_rev: Option<String>,
        /// Exit non-zero when any change is breaking.
        #[arg(long)]
        deny_breaking: bool,
    },
    /// Run our generator (and the peers) on a sample of real-world specs
    /// (APIs.guru); write the table to CORPUS.md. Fails if ours panics.
    Corpus {
        /// How many OpenAPI 3.x documents to sample.
        #[arg(long, default_value_t = xtask::corpus::DEFAULT_SAMPLE)]
        sample: usize,
        #[arg(long, default_value_t = xtask::corpus::DEFAULT_SEED)]
        seed: u64,
        /// Skip openapi-to-rust and progenitor.
        #[arg(long)]
        no_peers: bool,
        /// Skip compiling the generated crates.
        #[arg(long)]
        no_build: bool,
        /// How many specs every generator generated to compile, for each.
        #[arg(long, default_value_t = xtask::corpus::DEFAULT_BUILD_SAMPLE)]
        build_sample: usize,
        /// Compile our crates for those specs only (default: for every spec we generated).
        #[arg(long)]
        build_common_only: bool,
        /// Seconds per spec and generator.
        #[arg(long, default_value_t = xtask::corpus::DEFAULT_TIMEOUT_SECS)]
        timeout: u64,
        /// Parallel jobs (default: the CPUs).
        #[arg(long)]
        jobs: Option<usize>,
        /// The report (default: CORPUS.md for a full run, else target/corpus/CORPUS.md).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Benchmark generation time, peak memory, generated lines, build time
    /// and runtime overhead against progenitor and openapi-to-rust; write
    /// BENCHMARKS.md and bench/generation-time.svg.
    Bench {
        /// CI smoke run: two small specs, only our crates built, peers only if installed, no figures asserted.
        #[arg(long)]
        quick: bool,
        /// Skip progenitor and openapi-to-rust.
        #[arg(long)]
        no_peers: bool,
        /// Skip building the generated crates (and the runtime comparison).
        #[arg(long)]
        no_build: bool,
        /// Best of how many runs (default: 7 for small specs down to 2 for the largest).
        #[arg(long)]
        runs: Option<usize>,
    },
    /// One spec through our generator, for `corpus` (in-process, catch_unwind).
    #[command(hide = true)]
    CorpusWorker {
        spec: PathBuf,
        #[arg(long)]
        crate_dir: Option<PathBuf>,
        #[arg(long)]
        name: Option<String>,
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
        Command::Generate { spec, out_dir, name, strict } => {
            // Inside this repository the runtime is a path dependency.
            let runtime = crmgen::standalone::RuntimeDep::Path(root.join("generator/runtime"));
            match crmgen::write_crate(&spec, &out_dir, name.as_deref(), strict, "cargo xtask generate", &runtime) {
                Ok(()) => {
                    println!("wrote a crate to {}", out_dir.display());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("{}", e.render_from_file());
                    ExitCode::FAILURE
                }
            }
        }
        Command::ApiDiff { old_spec, new_spec, git_rev, deny_breaking } => {
            api_diff(&root, old_spec, new_spec, git_rev, deny_breaking)
        }
        Command::Corpus { sample, seed, no_peers, no_build, build_sample, build_common_only, timeout, jobs, out } => {
            let defaults = xtask::corpus::Options::default();
            let opts = xtask::corpus::Options {
                sample,
                seed,
                peers: !no_peers,
                build: !no_build,
                build_sample,
                build_all_ours: !build_common_only,
                timeout: std::time::Duration::from_secs(timeout),
                jobs: jobs.unwrap_or(defaults.jobs),
                out,
            };
            match xtask::corpus::run(&root, &opts) {
                Ok(summary) => {
                    println!("{}", summary.brief());
                    eprintln!("wrote {}", summary.written_to.display());
                    if summary.panics.is_empty() {
                        ExitCode::SUCCESS
                    } else {
                        fail(&format!(
                            "our generator panicked on {} spec(s): {}",
                            summary.panics.len(),
                            summary.panics.join(", ")
                        ))
                    }
                }
                Err(e) => fail(&e),
            }
        }
        Command::Bench { quick, no_peers, no_build, runs } => {
            match xtask::bench::run(&root, &xtask::bench::Options { quick, no_peers, no_build, runs }) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(&e),
            }
        }
        Command::CorpusWorker { spec, crate_dir, name } => {
            xtask::corpus::worker::main(&spec, crate_dir.as_deref(), name.as_deref())
        }
    }
}

fn api_diff(
    root: &std::path::Path,
    old: Option<PathBuf>,
    new: Option<PathBuf>,
    rev: Option<String>,
    deny_breaking: bool,
) -> ExitCode {
    use xtask::api_diff;
    let (markdown, breaking) = match (old, new) {
        (Some(old), Some(new)) => {
            let report = match (api_diff::resolve_file(&old), api_diff::resolve_file(&new)) {
                (Ok(o), Ok(n)) => api_diff::diff(&o, &n),
                (Err(e), _) | (_, Err(e)) => return fail(&e),
            };
            let title = format!("## API changes: `{}` -> `{}`\n\n", old.display(), new.display());
            (title + &report.to_markdown(), report.has_breaking())
        }
        _ => {
            let rev = match rev.map(Ok).unwrap_or_else(|| api_diff::default_rev(root)) {
                Ok(rev) => rev,
                Err(e) => return fail(&e),
            };
            match api_diff::diff_git(root, &rev) {
                Ok(diffs) => (api_diff::specs_markdown(&rev, &diffs), diffs.iter().any(|d| d.has_breaking())),
                Err(e) => return fail(&e),
            }
        }
    };
    print!("{markdown}");
    if deny_breaking && breaking {
        fail("breaking API changes (--deny-breaking)")
    } else {
        ExitCode::SUCCESS
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::FAILURE
}
