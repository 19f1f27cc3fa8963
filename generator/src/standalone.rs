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
/// [`RuntimeDep::Vendor`] copies. Read through `generator/runtime-src`, a
/// symbolic link to `runtime/src`: `cargo package` leaves the nested
/// runtime package out of this one but copies the files a link points to,
/// so the packaged generator carries the runtime it vendors.
pub const RUNTIME_FILES: &[(&str, &str)] = &[
    ("lib.rs", include_str!("../runtime-src/lib.rs")),
    ("auth/mod.rs", include_str!("../runtime-src/auth/mod.rs")),
    ("auth/error.rs", include_str!("../runtime-src/auth/error.rs")),
    ("auth/oauth2.rs", include_str!("../runtime-src/auth/oauth2.rs")),
    ("auth/postgres_store.rs", include_str!("../runtime-src/auth/postgres_store.rs")),
    ("auth/redis_store.rs", include_str!("../runtime-src/auth/redis_store.rs")),
    ("auth/secret.rs", include_str!("../runtime-src/auth/secret.rs")),
    ("auth/store.rs", include_str!("../runtime-src/auth/store.rs")),
    ("body.rs", include_str!("../runtime-src/body.rs")),
    ("client.rs", include_str!("../runtime-src/client.rs")),
    ("de.rs", include_str!("../runtime-src/de.rs")),
    ("double_option.rs", include_str!("../runtime-src/double_option.rs")),
    ("error.rs", include_str!("../runtime-src/error.rs")),
    ("hooks.rs", include_str!("../runtime-src/hooks.rs")),
    ("macros.rs", include_str!("../runtime-src/macros.rs")),
    ("multipart.rs", include_str!("../runtime-src/multipart.rs")),
    ("options.rs", include_str!("../runtime-src/options.rs")),
    ("pagination.rs", include_str!("../runtime-src/pagination.rs")),
    ("param.rs", include_str!("../runtime-src/param.rs")),
    ("ratelimit/mod.rs", include_str!("../runtime-src/ratelimit/mod.rs")),
    ("ratelimit/backend.rs", include_str!("../runtime-src/ratelimit/backend.rs")),
    ("ratelimit/file.rs", include_str!("../runtime-src/ratelimit/file.rs")),
    ("ratelimit/lease.rs", include_str!("../runtime-src/ratelimit/lease.rs")),
    ("ratelimit/memory.rs", include_str!("../runtime-src/ratelimit/memory.rs")),
    ("ratelimit/postgres.rs", include_str!("../runtime-src/ratelimit/postgres.rs")),
    ("ratelimit/redis.rs", include_str!("../runtime-src/ratelimit/redis.rs")),
    ("request.rs", include_str!("../runtime-src/request.rs")),
    ("response.rs", include_str!("../runtime-src/response.rs")),
    ("retry.rs", include_str!("../runtime-src/retry.rs")),
    ("ser.rs", include_str!("../runtime-src/ser.rs")),
    ("testing_macros.rs", include_str!("../runtime-src/testing_macros.rs")),
    ("testing/mod.rs", include_str!("../runtime-src/testing/mod.rs")),
    ("testing/delivery.rs", include_str!("../runtime-src/testing/delivery.rs")),
    ("testing/expect.rs", include_str!("../runtime-src/testing/expect.rs")),
    ("testing/matching.rs", include_str!("../runtime-src/testing/matching.rs")),
    ("testing/pages.rs", include_str!("../runtime-src/testing/pages.rs")),
    ("testing/token.rs", include_str!("../runtime-src/testing/token.rs")),
    ("webhook/mod.rs", include_str!("../runtime-src/webhook/mod.rs")),
    ("webhook/error.rs", include_str!("../runtime-src/webhook/error.rs")),
    ("webhook/keys.rs", include_str!("../runtime-src/webhook/keys.rs")),
    ("webhook/scan.rs", include_str!("../runtime-src/webhook/scan.rs")),
    ("webhook/verifier.rs", include_str!("../runtime-src/webhook/verifier.rs")),
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
webhooks = ["dep:ed25519-dalek", "dep:rsa", "dep:hmac", "dep:sha2", "dep:subtle", "dep:http", "dep:hex", "dep:base64", "dep:chrono"]
redis = ["dep:redis"]
postgres = ["dep:sqlx"]
file-lock = ["dep:fs4"]
testing = ["dep:wiremock", "dep:http", "tokio/sync"]

[dependencies]
async-trait = "0.1"
bytes = "1"
fastrand = "2"
futures-core = "0.3"
futures-util = { version = "0.3", default-features = false }
governor = { version = "0.10", default-features = false, features = ["std"] }
httpdate = "1"
percent-encoding = "2"
reqwest = { version = "0.13", default-features = false, features = ["rustls", "form", "multipart", "stream"] }
serde = { version = "1", features = ["derive"] }
serde_json = "1"
serde_path_to_error = "0.1"
tempfile = "3"
tokio = { version = "1", features = ["time", "sync", "rt"] }
tracing = "0.1"
chrono = { version = "0.4", default-features = false, features = ["serde", "std"], optional = true }
uuid = { version = "1", features = ["serde"], optional = true }
ed25519-dalek = { version = "2", default-features = false, features = ["std", "pkcs8", "pem"], optional = true }
rsa = { version = "0.9", default-features = false, features = ["std", "pem", "sha2"], optional = true }
hmac = { version = "0.12", optional = true }
sha2 = { version = "0.10", optional = true }
subtle = { version = "2", optional = true }
http = { version = "1", optional = true }
hex = { version = "0.4", optional = true }
base64 = { version = "0.22", optional = true }
redis = { version = "0.32", default-features = false, features = ["tokio-comp", "connection-manager", "script"], optional = true }
sqlx = { version = "0.8", default-features = false, features = ["runtime-tokio", "postgres"], optional = true }
fs4 = { version = "1", default-features = false, features = ["sync"], optional = true }
wiremock = { version = "0.6", optional = true }
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
    if uses.webhooks {
        out.push("webhooks");
    }
    out
}

/// Runtime features that bring no dependency of the generated crate's own.
const RUNTIME_ONLY_FEATURES: &[&str] = &["webhooks"];

/// The `[features]` entries that enable `feature` of [`features_for`]:
/// the optional dependency and the runtime feature of the same name.
pub fn feature_entries(feature: &str) -> Vec<String> {
    let runtime = format!("\"{RUNTIME_CRATE}/{feature}\"");
    if RUNTIME_ONLY_FEATURES.contains(&feature) {
        vec![runtime]
    } else {
        vec![format!("\"dep:{feature}\""), runtime]
    }
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
    let defaults = optional.iter().flat_map(|f| feature_entries(f)).collect::<Vec<_>>();
    let mut manifest =
        format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n",);
    manifest.push_str(&format!(
        "[features]\ndefault = [{}]\n# The test kit: `testing::MockServer` and friends.\ntesting = [\"{RUNTIME_CRATE}/testing\"]\n\n[dependencies]\n",
        defaults.join(", ")
    ));
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
        fn walk(dir: &Path, prefix: &str, out: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).unwrap().flatten() {
                let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
                if entry.path().is_dir() {
                    walk(&entry.path(), &format!("{name}/"), out);
                } else {
                    out.push(name);
                }
            }
        }
        let mut on_disk = Vec::new();
        walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("runtime/src"), "", &mut on_disk);
        on_disk.sort();
        let mut listed: Vec<String> = RUNTIME_FILES.iter().map(|(f, _)| f.to_string()).collect();
        listed.sort();
        assert_eq!(on_disk, listed);
    }
}
