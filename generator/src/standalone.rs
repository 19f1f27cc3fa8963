//! A standalone crate for one spec: `Cargo.toml`, a `lib.rs` and the
//! generated module, on top of the runtime crate (`crmgen-runtime`).
//!
//! The runtime is a dependency, not a copy: a runtime fix reaches every
//! generated client through `cargo update`. Where a project cannot depend
//! on it, [`RuntimeDep::Vendor`] writes a copy of the runtime crate beside
//! the client and depends on that by path.

use std::path::{Path, PathBuf};

use crate::model::Uses;

/// The runtime crate's name, as a dependency and as a Rust path.
pub const RUNTIME_CRATE: &str = "crmgen-runtime";

/// The runtime version generated code is written for.
pub const RUNTIME_VERSION: &str = "0.1.0";

/// How a standalone crate reaches the runtime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuntimeDep {
    /// `crmgen-runtime = "0.1.0"` from the registry (the default).
    Version,
    /// A path dependency (inside this repository, say), with the version.
    Path(PathBuf),
    /// A copy of the runtime crate written into `<out>/crmgen-runtime/`.
    Vendor,
}

/// The runtime's source files, as `(path under src/, text)`: what
/// [`RuntimeDep::Vendor`] copies.
pub const RUNTIME_FILES: &[(&str, &str)] = &[
    ("lib.rs", include_str!("../runtime/src/lib.rs")),
    ("auth.rs", include_str!("../runtime/src/auth.rs")),
    ("client.rs", include_str!("../runtime/src/client.rs")),
    ("double_option.rs", include_str!("../runtime/src/double_option.rs")),
    ("error.rs", include_str!("../runtime/src/error.rs")),
    ("macros.rs", include_str!("../runtime/src/macros.rs")),
    ("pagination.rs", include_str!("../runtime/src/pagination.rs")),
    ("param.rs", include_str!("../runtime/src/param.rs")),
    ("request.rs", include_str!("../runtime/src/request.rs")),
    ("response.rs", include_str!("../runtime/src/response.rs")),
    ("retry.rs", include_str!("../runtime/src/retry.rs")),
];

/// The runtime crate's manifest, as written for a vendored copy. A test
/// checks that its dependencies are those of `generator/runtime/Cargo.toml`.
pub const RUNTIME_MANIFEST: &str = r#"[package]
name = "crmgen-runtime"
version = "0.1.0"
edition = "2021"
publish = false

[features]
default = []
chrono = ["dep:chrono"]
uuid = ["dep:uuid"]

[dependencies]
bytes = "1"
fastrand = "2"
futures-core = "0.3"
futures-util = { version = "0.3", default-features = false }
httpdate = "1"
percent-encoding = "2"
reqwest = { version = "0.12", default-features = false, features = ["rustls-tls"] }
serde = { version = "1", features = ["derive"] }
serde_json = "1"
serde_path_to_error = "0.1"
tokio = { version = "1", features = ["time"] }
tracing = "0.1"
chrono = { version = "0.4", default-features = false, features = ["serde", "std"], optional = true }
uuid = { version = "1", features = ["serde"], optional = true }
"#;

/// What a generated module itself names besides the runtime, one
/// `Cargo.toml` line each: shared by standalone crates and the
/// `generated/` crate's manifest.
pub const MODULE_DEPENDENCIES: &[&str] =
    &[r#"serde = { version = "1", features = ["derive"] }"#, r#"serde_json = "1""#];

/// Optional dependencies, enabled by the APIs whose types need them.
pub const OPTIONAL_DEPENDENCIES: &[&str] = &[
    r#"chrono = { version = "0.4", default-features = false, features = ["serde", "std"], optional = true }"#,
    r#"uuid = { version = "1", features = ["serde"], optional = true }"#,
];

/// The optional dependencies an API needs (each also a runtime feature of
/// the same name).
pub fn features_for(uses: Uses) -> Vec<&'static str> {
    let mut out = Vec::new();
    if uses.chrono {
        out.push("chrono");
    }
    if uses.uuid {
        out.push("uuid");
    }
    out
}

/// The `Cargo.toml` line that makes the runtime a dependency.
pub fn runtime_dependency(dep: &RuntimeDep) -> String {
    match dep {
        RuntimeDep::Version => format!("{RUNTIME_CRATE} = \"{RUNTIME_VERSION}\""),
        RuntimeDep::Path(path) => {
            let path = path.to_string_lossy().replace('\\', "/");
            format!("{RUNTIME_CRATE} = {{ path = \"{path}\", version = \"{RUNTIME_VERSION}\" }}")
        }
        RuntimeDep::Vendor => format!("{RUNTIME_CRATE} = {{ path = \"{RUNTIME_CRATE}\" }}"),
    }
}

/// The `lib.rs` line every generated crate has: generated modules reach the
/// runtime as `crate::runtime`.
pub const RUNTIME_REEXPORT: &str = "pub use crmgen_runtime as runtime;";

/// The files of a standalone crate named `name` around `module_code`.
pub fn crate_files(name: &str, module_code: &str, uses: Uses, runtime: &RuntimeDep) -> Vec<(PathBuf, String)> {
    let optional = features_for(uses);
    let defaults =
        optional.iter().flat_map(|f| [format!("\"dep:{f}\""), format!("\"{RUNTIME_CRATE}/{f}\"")]).collect::<Vec<_>>();
    let mut manifest =
        format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n",);
    manifest.push_str(&format!("[features]\ndefault = [{}]\n\n[dependencies]\n", defaults.join(", ")));
    manifest.push_str(&runtime_dependency(runtime));
    manifest.push('\n');
    for line in MODULE_DEPENDENCIES.iter().chain(OPTIONAL_DEPENDENCIES) {
        manifest.push_str(line);
        manifest.push('\n');
    }
    let lib = format!(
        "//! @generated by crmgen: a typed client for one OpenAPI document.\n\n{RUNTIME_REEXPORT}\nmod api;\n\npub use api::*;\n"
    );
    let mut files = vec![
        (PathBuf::from("Cargo.toml"), manifest),
        (PathBuf::from("src/lib.rs"), lib),
        (PathBuf::from("src/api.rs"), module_code.to_string()),
    ];
    if runtime == &RuntimeDep::Vendor {
        let dir = Path::new(RUNTIME_CRATE);
        files.push((dir.join("Cargo.toml"), RUNTIME_MANIFEST.to_string()));
        for (file, text) in RUNTIME_FILES {
            files.push((dir.join("src").join(file), text.to_string()));
        }
    }
    files
}

/// A valid crate name from a file stem.
pub fn crate_name(stem: &str) -> String {
    let s = crate::naming::snake(stem).trim_start_matches("r#").replace('_', "-");
    if s.is_empty() {
        "api-client".into()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The vendored manifest lists the dependencies of the real one.
    #[test]
    fn vendored_manifest_matches_the_runtime_crate() {
        let real = include_str!("../runtime/Cargo.toml");
        let deps = |text: &str| -> Vec<String> {
            let start = text.find("[dependencies]\n").expect("a [dependencies] table") + "[dependencies]\n".len();
            text[start..]
                .lines()
                .take_while(|l| !l.starts_with('['))
                .filter(|l| !l.trim().is_empty())
                .map(str::to_string)
                .collect()
        };
        assert_eq!(deps(RUNTIME_MANIFEST), deps(real));
    }

    /// Every source file of the runtime crate is vendored.
    #[test]
    fn every_runtime_file_is_vendored() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("runtime/src");
        let mut on_disk: Vec<String> =
            std::fs::read_dir(dir).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
        on_disk.sort();
        let mut listed: Vec<String> = RUNTIME_FILES.iter().map(|(f, _)| f.to_string()).collect();
        listed.sort();
        assert_eq!(on_disk, listed);
    }
}
