//! `crmgen`: generate a client module or a standalone crate from a spec.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "crmgen", version, about = "Typed async Rust clients from OpenAPI 3.0 descriptions")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write a standalone crate (Cargo.toml + src/) for SPEC into OUT_DIR.
    Crate {
        spec: PathBuf,
        out_dir: PathBuf,
        /// Crate name (default: from the spec's file name).
        #[arg(long)]
        name: Option<String>,
        /// Turn warnings into errors.
        #[arg(long)]
        strict: bool,
    },
    /// Print the generated module for SPEC on stdout.
    Module {
        spec: PathBuf,
        #[arg(long)]
        strict: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Crate { spec, out_dir, name, strict } => crmgen::write_crate(&spec, &out_dir, name.as_deref(), strict, "crmgen crate"),
        Command::Module { spec, strict } => {
            let opts = crmgen::Options {
                module_path: "api".into(),
                spec_label: spec.display().to_string(),
                command: "crmgen module".into(),
                strict,
            };
            crmgen::generate_file(&spec, &opts).map(|g| {
                for w in &g.warnings {
                    eprintln!("warning: {}: {w}", spec.display());
                }
                print!("{}", g.code);
            })
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
