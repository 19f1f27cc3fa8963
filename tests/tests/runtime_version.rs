//! The checked-in crate names the runtime it is written for, and that is
//! the runtime beside it: `generated/Cargo.toml` pins the version of
//! `generator/runtime/Cargo.toml`, the one the generator writes for
//! (`crmgen::standalone::RUNTIME_VERSION`), and every generated module's
//! header names it.

use std::path::{Path, PathBuf};

use crmgen::standalone::{RUNTIME_CRATE, RUNTIME_VERSION};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the workspace root").to_path_buf()
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The value of `key = "value"` inside an inline table or on its own line.
fn string_value<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    let start = text.find(&format!("{key} = \""))? + key.len() + 4;
    text[start..].split('"').next()
}

/// The `[package]` version of a manifest.
fn package_version(manifest: &str) -> String {
    let package = manifest.split("\n[").find(|s| s.starts_with("[package]") || s.starts_with("package]"));
    string_value(package.expect("a [package] table"), "version").expect("a package version").to_string()
}

/// The runtime dependency line of the generated crate's `[dependencies]`.
fn runtime_dependency(manifest: &str) -> String {
    let deps = manifest.split("\n[").find(|s| s.starts_with("dependencies]")).expect("a [dependencies] table");
    let lines: Vec<&str> = deps.lines().filter(|l| l.starts_with(&format!("{RUNTIME_CRATE} ="))).collect();
    assert_eq!(lines.len(), 1, "one {RUNTIME_CRATE} dependency in generated/Cargo.toml: {lines:?}");
    lines[0].to_string()
}

#[test]
fn the_generated_crate_pins_the_runtime_of_this_repository() {
    let runtime_version = package_version(&read("generator/runtime/Cargo.toml"));
    assert_eq!(
        runtime_version, RUNTIME_VERSION,
        "generator/runtime/Cargo.toml's version and crmgen::standalone::RUNTIME_VERSION differ"
    );

    let dependency = runtime_dependency(&read("generated/Cargo.toml"));
    assert_eq!(
        string_value(&dependency, "version"),
        Some(runtime_version.as_str()),
        "generated/Cargo.toml pins another runtime version: {dependency}"
    );
    let path = string_value(&dependency, "path").expect("the runtime by path inside the repository");
    let pinned = root().join("generated").join(path).canonicalize().expect("the runtime path exists");
    assert_eq!(pinned, root().join("generator/runtime").canonicalize().unwrap(), "{dependency}");
}

#[test]
fn every_generated_module_names_the_runtime_version_in_its_header() {
    let expected =
        format!("// Written in the macro grammar of {RUNTIME_CRATE} {RUNTIME_VERSION} (`runtime::grammar`).");
    let mut modules = 0;
    for vendor in std::fs::read_dir(root().join("generated/src")).unwrap().flatten().filter(|d| d.path().is_dir()) {
        for module in std::fs::read_dir(vendor.path()).unwrap().flatten() {
            let text = std::fs::read_to_string(module.path()).unwrap();
            let header: Vec<&str> = text.lines().take_while(|l| l.starts_with("//")).collect();
            assert!(header.contains(&expected.as_str()), "{}: header {header:#?}", module.path().display());
            modules += 1;
        }
    }
    assert!(modules >= 5, "the generated modules were found ({modules})");
}

#[test]
fn the_grammar_documented_is_the_pinned_runtime_minor_version() {
    let minor: Vec<&str> = RUNTIME_VERSION.split('.').take(2).collect();
    let heading = format!("//! # Grammar {}: what a generated module writes", minor.join("."));
    assert!(
        read("generator/runtime/src/macros.rs").contains(&heading),
        "runtime::grammar documents another version than {RUNTIME_VERSION}"
    );
}

/// The runtime `crm-clients` is compiled against (reached as
/// `crm_clients::runtime`) is the version the generator writes for.
#[test]
fn the_checked_in_crate_is_compiled_against_that_runtime() {
    assert_eq!(crm_clients::runtime::VERSION, RUNTIME_VERSION);
}
