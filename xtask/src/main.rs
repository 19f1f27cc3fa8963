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
            match crmgen::write_crate(&spec, &out_dir, name.as_deref(), strict, "cargo xtask generate") {
                Ok(()) => {
                    println!("wrote a crate to {}", out_dir.display());
                    ExitCode::SUCCESS
                }
                Err(e) => fail(&e.to_string()),
            }
        }
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::FAILURE
}
