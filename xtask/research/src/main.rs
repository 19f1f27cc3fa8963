//! `xtask-research <command>`: the benchmark and the corpus run, reached as
//! `cargo xtask bench|corpus` (xtask forwards the arguments here).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use xtask::codegen;
use xtask_research::{bench, corpus};

#[derive(Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run our generator (and the peers) on a sample of real-world specs
    /// (APIs.guru); write the table to CORPUS.md. Fails if ours panics.
    Corpus {
        /// How many OpenAPI 3.x documents to sample.
        #[arg(long, default_value_t = corpus::DEFAULT_SAMPLE)]
        sample: usize,
        #[arg(long, default_value_t = corpus::DEFAULT_SEED)]
        seed: u64,
        /// Skip openapi-to-rust and progenitor.
        #[arg(long)]
        no_peers: bool,
        /// Skip compiling the generated crates.
        #[arg(long)]
        no_build: bool,
        /// How many specs every generator generated to compile, for each.
        #[arg(long, default_value_t = corpus::DEFAULT_BUILD_SAMPLE)]
        build_sample: usize,
        /// Compile our crates for those specs only (default: for every spec we generated).
        #[arg(long)]
        build_common_only: bool,
        /// Seconds per spec and generator.
        #[arg(long, default_value_t = corpus::DEFAULT_TIMEOUT_SECS)]
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
        /// CI smoke run: a few small specs, only our crates built, peers only if installed, no figures asserted.
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
        Command::Corpus { sample, seed, no_peers, no_build, build_sample, build_common_only, timeout, jobs, out } => {
            let defaults = corpus::Options::default();
            let opts = corpus::Options {
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
            match corpus::run(&root, &opts) {
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
            match bench::run(&root, &bench::Options { quick, no_peers, no_build, runs }) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(&e),
            }
        }
        Command::CorpusWorker { spec, crate_dir, name } => {
            corpus::worker::main(&spec, crate_dir.as_deref(), name.as_deref())
        }
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::FAILURE
}
