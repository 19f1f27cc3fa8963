//! `crmgen`: typed async Rust clients from OpenAPI descriptions.
//!
//! `crmgen generate SPEC OUT` writes a crate, `crmgen check SPEC` validates
//! and prints warnings without writing anything.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use crmgen::standalone::RuntimeDep;

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
    },
    /// Validate SPEC and print its warnings; writes nothing.
    Check {
        /// The OpenAPI document (YAML or JSON).
        spec: PathBuf,
        /// Fail on the first warning.
        #[arg(long)]
        strict: bool,
    },
    /// Print the generated module for SPEC on stdout.
    Module {
        /// The OpenAPI document (YAML or JSON).
        spec: PathBuf,
        /// Refuse the spec on the first warning.
        #[arg(long)]
        strict: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Generate { spec, out, name, strict, runtime_path, vendor_runtime } => {
            let runtime = match (runtime_path, vendor_runtime) {
                (Some(path), _) => RuntimeDep::Path(path),
                (None, true) => RuntimeDep::Vendor,
                (None, false) => RuntimeDep::Version,
            };
            crmgen::write_crate(&spec, &out, name.as_deref(), strict, "crmgen generate", &runtime).map(|()| {
                eprintln!("wrote a crate to {}", out.display());
            })
        }
        Command::Check { spec, strict } => generate(&spec, strict, "crmgen check").map(|g| {
            let ops = g.api.operations.len();
            let types = g.api.types.len();
            eprintln!("{}: {ops} operations, {types} types, {} warnings", spec.display(), g.warnings.len());
        }),
        Command::Module { spec, strict } => generate(&spec, strict, "crmgen module").map(|g| print!("{}", g.code)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}", e.render_from_file());
            ExitCode::FAILURE
        }
    }
}

/// Generates the module for `spec`, printing its warnings on stderr.
fn generate(spec: &std::path::Path, strict: bool, command: &str) -> crmgen::Result<crmgen::Generated> {
    let opts = crmgen::Options {
        module_path: "api".into(),
        spec_label: spec.display().to_string(),
        command: command.into(),
        strict,
    };
    let generated = crmgen::generate_file(spec, &opts)?;
    for w in &generated.warnings {
        eprintln!("warning: {}: {w}", spec.display());
    }
    Ok(generated)
}
