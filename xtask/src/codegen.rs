//! `cargo xtask codegen`: every spec in `specs/<vendor>/<api>.yaml` becomes
//! `generated/src/<vendor>/<api>.rs`, behind the cargo feature
//! `<vendor>-<api>`; the crate's `lib.rs` and `Cargo.toml` are generated
//! from the same list. `--check` compares instead of writing.
//!
//! A spec may have overlays: `specs/<vendor>/<api>.overlays` lists them,
//! one path a line relative to that directory (`#` starts a comment),
//! applied in that order (strictly, and every action needs an
//! `x-curation-note`: codegen runs strict). Keep the overlay files out of
//! `specs/<vendor>/` itself (in `specs/<vendor>/overlays/`, say): every
//! YAML file there is a spec.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crmgen::standalone::{
    feature_entries, features_for, runtime_dependency, RuntimeDep, MODULE_DEPENDENCIES, OPTIONAL_DEPENDENCIES,
    RUNTIME_REEXPORT,
};

pub const COMMAND: &str = "cargo xtask codegen";

/// The hand-written examples in `generated/examples/` and the features each needs.
const EXAMPLES: &[(&str, &[&str])] = &[
    ("attio", &["attio-records"]),
    ("attio_oauth", &["attio-records"]),
    ("highlevel", &["highlevel-objects", "highlevel-conversations"]),
    ("highlevel_oauth", &["highlevel-objects", "highlevel-conversations"]),
    ("zoho", &["zoho-crm-records"]),
    ("zoho_oauth", &["zoho-crm-records"]),
];

/// One spec and where its module goes.
#[derive(Debug, Clone)]
pub struct SpecEntry {
    /// `specs/highlevel/objects.yaml`, relative to the workspace root.
    pub spec: PathBuf,
    /// `highlevel`
    pub vendor: String,
    /// `objects`
    pub api: String,
    /// The overlays applied to the spec, in order, relative to the
    /// workspace root (from `specs/<vendor>/<api>.overlays`).
    pub overlays: Vec<PathBuf>,
}

impl SpecEntry {
    pub fn vendor_mod(&self) -> String {
        self.vendor.replace('-', "_")
    }
    pub fn api_mod(&self) -> String {
        self.api.replace('-', "_")
    }
    pub fn feature(&self) -> String {
        format!("{}-{}", self.vendor, self.api)
    }
    /// The spec with its overlays, read from under `root`.
    pub fn source(&self, root: &Path) -> crmgen::Result<crmgen::Source> {
        let overlays: Vec<PathBuf> = self.overlays.iter().map(|o| root.join(o)).collect();
        crmgen::Source::read(&root.join(&self.spec), &overlays)
    }
    pub fn module_file(&self) -> PathBuf {
        PathBuf::from("generated/src").join(self.vendor_mod()).join(format!("{}.rs", self.api_mod()))
    }
}

/// The workspace root (the parent of `xtask/`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."))
}

/// Every spec under `specs/`, sorted by path.
pub fn specs(root: &Path) -> Result<Vec<SpecEntry>, String> {
    let dir = root.join("specs");
    let mut out = Vec::new();
    let vendors = std::fs::read_dir(&dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    for vendor in vendors {
        let vendor = vendor.map_err(|e| e.to_string())?.path();
        if !vendor.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&vendor).map_err(|e| e.to_string())? {
            let file = file.map_err(|e| e.to_string())?.path();
            let ext = file.extension().and_then(|e| e.to_str());
            if !matches!(ext, Some("yaml" | "yml" | "json")) {
                continue;
            }
            let rel = file.strip_prefix(root).map_err(|e| e.to_string())?.to_path_buf();
            let api = file.file_stem().and_then(|s| s.to_str()).ok_or("bad file name")?.to_string();
            let overlays = overlay_list(root, &vendor.join(format!("{api}.overlays")))?;
            out.push(SpecEntry { spec: rel, vendor: name_of(&vendor)?, api, overlays });
        }
    }
    out.sort_by(|a, b| a.spec.cmp(&b.spec));
    Ok(out)
}

/// The overlays a sidecar list names (none when there is no list), as
/// paths relative to the workspace root.
pub fn overlay_list(root: &Path, list: &Path) -> Result<Vec<PathBuf>, String> {
    let text = match std::fs::read_to_string(list) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("cannot read {}: {e}", list.display())),
    };
    let dir = list.parent().unwrap_or(root);
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let path = dir.join(line);
        if !path.is_file() {
            return Err(format!("{}: the overlay {line} does not exist", list.display()));
        }
        out.push(path.strip_prefix(root).map(Path::to_path_buf).unwrap_or(path));
    }
    Ok(out)
}

fn name_of(p: &Path) -> Result<String, String> {
    p.file_name().and_then(|s| s.to_str()).map(str::to_string).ok_or_else(|| format!("bad name {}", p.display()))
}

/// Every file codegen owns, with its expected content.
pub fn plan(root: &Path) -> Result<Vec<(PathBuf, String)>, String> {
    let entries = specs(root)?;
    let mut files = Vec::new();
    let mut features = Vec::new();
    for e in &entries {
        let label = e.spec.to_string_lossy().replace('\\', "/");
        let opts = crmgen::Options {
            module_path: format!("crm_clients::{}::{}", e.vendor_mod(), e.api_mod()),
            spec_label: label.clone(),
            command: COMMAND.to_string(),
            strict: true,
        };
        let generated =
            e.source(root).and_then(|source| crmgen::generate(&source, &opts)).map_err(|err| err.render_from_file())?;
        features.push((e.clone(), features_for(generated.api.uses), generated.api.title.clone()));
        files.push((e.module_file(), generated.code));
    }
    files.extend(fixture_files(root)?);
    files.push((PathBuf::from("generated/src/lib.rs"), lib_rs(&features)));
    files.push((PathBuf::from("generated/Cargo.toml"), manifest(&features)));
    Ok(files)
}

/// The generator's small fixture specs (`tests/fixtures/*.yaml`, one per
/// construct), sorted by name.
pub fn fixtures(root: &Path) -> Result<Vec<PathBuf>, String> {
    let dir = root.join("tests/fixtures");
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().and_then(|e| e.to_str()) == Some("yaml"))
        .collect();
    out.sort();
    Ok(out)
}

/// Fixture modules are generated into the tests crate, which compiles them
/// against the same runtime and round-trips their examples.
fn fixture_files(root: &Path) -> Result<Vec<(PathBuf, String)>, String> {
    let mut files = Vec::new();
    let mut mods =
        String::from("// @generated by `cargo xtask codegen` from `tests/fixtures/`. Do not edit by hand.\n");
    for spec in fixtures(root)? {
        let stem = spec.file_stem().and_then(|s| s.to_str()).ok_or("bad fixture name")?.replace('-', "_");
        let rel = spec.strip_prefix(root).map_err(|e| e.to_string())?.to_string_lossy().replace('\\', "/");
        let opts = crmgen::Options {
            module_path: format!("tests::fixtures::{stem}"),
            spec_label: rel,
            command: COMMAND.to_string(),
            strict: true,
        };
        let generated = crmgen::Source::read(&spec, &[])
            .and_then(|source| crmgen::generate(&source, &opts))
            .map_err(|err| err.render_from_file())?;
        files.push((PathBuf::from(format!("tests/src/fixtures/{stem}.rs")), generated.code));
        mods.push_str(&format!("pub mod {stem};\n"));
    }
    files.push((PathBuf::from("tests/src/fixtures/mod.rs"), mods));
    Ok(files)
}

type FeatureRow = (SpecEntry, Vec<&'static str>, String);

fn lib_rs(features: &[FeatureRow]) -> String {
    let mut out = String::from(
        "// @generated by `cargo xtask codegen` from the specs in `specs/`. Do not edit by hand.\n\n#![doc = include_str!(\"../README.md\")]\n\n",
    );
    out.push_str(RUNTIME_REEXPORT);
    out.push('\n');
    let vendors: BTreeSet<&str> = features.iter().map(|(e, _, _)| e.vendor.as_str()).collect();
    for vendor in vendors {
        let rows: Vec<&FeatureRow> = features.iter().filter(|(e, _, _)| e.vendor == vendor).collect();
        let conds: Vec<String> = rows.iter().map(|(e, _, _)| format!("feature = \"{}\"", e.feature())).collect();
        let cond = if conds.len() == 1 { conds[0].clone() } else { format!("any({})", conds.join(", ")) };
        out.push_str(&format!(
            "\n/// APIs of {vendor}.\n#[cfg({cond})]\n#[rustfmt::skip]\npub mod {} {{\n",
            rows[0].0.vendor_mod()
        ));
        for (e, _, title) in rows {
            out.push_str(&format!(
                "    /// {title} (feature `{}`, spec `{}`).\n    #[cfg(feature = \"{}\")]\n    pub mod {};\n",
                e.feature(),
                e.spec.display(),
                e.feature(),
                e.api_mod()
            ));
        }
        out.push_str("}\n");
    }
    out
}

fn manifest(features: &[FeatureRow]) -> String {
    let mut out = String::from(
        "# @generated by `cargo xtask codegen` (xtask/src/codegen.rs). Do not edit by hand.\n\
[package]\n\
name = \"crm-clients\"\n\
version = \"0.1.0\"\n\
edition = \"2024\"\n\
rust-version = \"1.89\"\n\
description = \"Typed async clients for HighLevel, Attio and Zoho CRM, generated from curated OpenAPI specs\"\n\
license = \"MIT OR Apache-2.0\"\n\
repository = \"https://github.com/crmgen/crmgen\"\n\
readme = \"README.md\"\n\
keywords = [\"crm\", \"openapi\", \"highlevel\", \"attio\", \"zoho\"]\n\
categories = [\"api-bindings\", \"web-programming::http-client\"]\n\
\n\
[package.metadata.docs.rs]\n\
all-features = true\n\
\n\
[features]\n\
default = []\n",
    );
    let all = features.iter().map(|(e, _, _)| format!("\"{}\"", e.feature())).collect::<Vec<_>>().join(", ");
    out.push_str(&format!("# Every API.\nfull = [{all}]\n"));
    for (e, deps, _) in features {
        let deps = deps.iter().flat_map(|d| feature_entries(d)).collect::<Vec<_>>().join(", ");
        out.push_str(&format!("{} = [{deps}]\n", e.feature()));
    }
    out.push_str(
        "# Token stores and rate limits shared by several processes (`PostgresTokenStore`, `RedisTokenStore`, \
`rate_limiter` on a client builder).\n\
redis = [\"crmgen-runtime/redis\"]\n\
postgres = [\"crmgen-runtime/postgres\"]\n\
file-lock = [\"crmgen-runtime/file-lock\"]\n",
    );
    out.push_str("# The test kit: `<module>::testing` (mock servers, test deliveries, a fake token endpoint).\ntesting = [\"crmgen-runtime/testing\"]\n");
    out.push_str("\n[dependencies]\n");
    out.push_str(
        "# The runtime whose macro grammar the modules are written in (their headers name the same version):\n\
# by path inside this repository, by this version once published.\n",
    );
    out.push_str(&runtime_dependency(&RuntimeDep::Path("../generator/runtime".into())));
    out.push('\n');
    for d in MODULE_DEPENDENCIES.iter().chain(OPTIONAL_DEPENDENCIES) {
        out.push_str(d);
        out.push('\n');
    }
    out.push_str("\n[dev-dependencies]\nfutures-util = \"0.3\"\ntokio = { version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }\n");
    for (name, needs) in EXAMPLES {
        let needs = needs.iter().map(|f| format!("\"{f}\"")).collect::<Vec<_>>().join(", ");
        out.push_str(&format!("\n[[example]]\nname = \"{name}\"\nrequired-features = [{needs}]\n"));
    }
    out
}

/// Files under `generated/src/<vendor>/` that no spec produces any more.
fn leftovers(root: &Path, planned: &[(PathBuf, String)]) -> Vec<PathBuf> {
    let expected: BTreeSet<&PathBuf> = planned.iter().map(|(p, _)| p).collect();
    let mut out = Vec::new();
    let generated = std::fs::read_dir(root.join("generated/src")).into_iter().flatten().flatten().map(|d| d.path());
    let dirs: Vec<PathBuf> = generated.chain(std::iter::once(root.join("tests/src/fixtures"))).collect();
    for path in dirs {
        if !path.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&path).into_iter().flatten().flatten() {
            if let Ok(rel) = f.path().strip_prefix(root) {
                if !expected.contains(&rel.to_path_buf()) {
                    out.push(rel.to_path_buf());
                }
            }
        }
    }
    out.sort();
    out
}

/// Which files differ from what the specs produce.
#[derive(Debug, Default)]
pub struct Staleness {
    pub stale: Vec<PathBuf>,
    pub missing: Vec<PathBuf>,
    pub extra: Vec<PathBuf>,
}

impl Staleness {
    pub fn is_fresh(&self) -> bool {
        self.stale.is_empty() && self.missing.is_empty() && self.extra.is_empty()
    }

    pub fn report(&self) -> String {
        let mut out = String::new();
        for p in &self.stale {
            out.push_str(&format!("  stale:   {}\n", p.display()));
        }
        for p in &self.missing {
            out.push_str(&format!("  missing: {}\n", p.display()));
        }
        for p in &self.extra {
            out.push_str(&format!("  extra:   {}\n", p.display()));
        }
        out.push_str(&format!("generated/ is out of date with specs/; run `{COMMAND}` and commit the result.\n"));
        out
    }
}

/// Compares `generated/` with the specs, writing nothing.
pub fn check(root: &Path) -> Result<Staleness, String> {
    let planned = plan(root)?;
    let mut s = Staleness::default();
    for (rel, text) in &planned {
        match std::fs::read_to_string(root.join(rel)) {
            Ok(current) if current == *text => {}
            Ok(_) => s.stale.push(rel.clone()),
            Err(_) => s.missing.push(rel.clone()),
        }
    }
    s.extra = leftovers(root, &planned);
    Ok(s)
}

/// Regenerates `generated/`, writing only files whose content changed.
pub fn write(root: &Path) -> Result<Vec<PathBuf>, String> {
    let planned = plan(root)?;
    let mut changed = Vec::new();
    for (rel, text) in &planned {
        let path = root.join(rel);
        if std::fs::read_to_string(&path).ok().as_deref() == Some(text.as_str()) {
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        changed.push(rel.clone());
    }
    for extra in leftovers(root, &planned) {
        std::fs::remove_file(root.join(&extra)).map_err(|e| format!("{}: {e}", extra.display()))?;
        changed.push(extra);
    }
    Ok(changed)
}
