//! The `crmgen` binary as users run it: `generate`, `check` and `diff`,
//! their output and their exit statuses.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const PETS: &str = r#"
openapi: 3.0.3
info: {title: Pets, version: "1"}
servers:
  - url: https://pets.example.com/v1
paths:
  /pets:
    get:
      operationId: listPets
      parameters:
        - {name: limit, in: query, schema: {type: integer, format: int32}}
      responses:
        '200':
          description: Pets.
          content:
            application/json:
              schema: {type: array, items: {$ref: '#/components/schemas/Pet'}}
  /pets/{id}:
    get:
      operationId: getPet
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        '200':
          description: The pet.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Pet'}
components:
  schemas:
    Pet:
      type: object
      required: [id]
      properties:
        id: {type: string}
        name: {type: string}
"#;

fn crmgen(args: &[&std::ffi::OsStr], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_crmgen")).args(args).current_dir(dir).output().expect("the crmgen binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A scratch directory with `files` written into it.
fn scratch(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, body) in files {
        std::fs::write(dir.path().join(name), body).unwrap();
    }
    dir
}

fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    out.sort();
    out
}

macro_rules! args {
    ($($a:expr),* $(,)?) => { &[$(std::ffi::OsStr::new($a)),*] };
}

#[test]
fn generate_writes_a_crate_on_the_runtime_crate() {
    let dir = scratch(&[("pets.yaml", PETS)]);
    let runtime = Path::new(env!("CARGO_MANIFEST_DIR")).join("runtime");
    let out = crmgen(
        args!["generate", "pets.yaml", "out", "--name", "pet-store", "--runtime-path", runtime.as_os_str()],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let crate_dir = dir.path().join("out");
    let manifest = std::fs::read_to_string(crate_dir.join("Cargo.toml")).unwrap();
    assert!(manifest.contains("name = \"pet-store\""), "{manifest}");
    let runtime_line = format!("crmgen-runtime = {{ path = \"{}\"", runtime.to_string_lossy().replace('\\', "/"));
    assert!(manifest.contains(&runtime_line), "{manifest}");
    let lib = std::fs::read_to_string(crate_dir.join("src/lib.rs")).unwrap();
    assert!(lib.contains("pub use crmgen_runtime as runtime;"), "{lib}");
    let api = std::fs::read_to_string(crate_dir.join("src/api.rs")).unwrap();
    assert!(api.contains("pub fn list_pets(") && api.contains("pub fn get_pet("), "{api}");
    // No runtime copy unless asked for.
    assert!(!crate_dir.join("crmgen-runtime").exists());
    assert!(text(&out.stderr).contains("wrote a crate to out"), "{}", text(&out.stderr));
}

#[test]
fn generate_can_vendor_the_runtime() {
    let dir = scratch(&[("pets.yaml", PETS)]);
    let out = crmgen(args!["generate", "pets.yaml", "out", "--vendor-runtime"], dir.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let manifest = std::fs::read_to_string(dir.path().join("out/Cargo.toml")).unwrap();
    assert!(manifest.contains("crmgen-runtime = { path = \"crmgen-runtime\" }"), "{manifest}");
    let vendored = std::fs::read_to_string(dir.path().join("out/crmgen-runtime/src/lib.rs")).unwrap();
    let real = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("runtime/src/lib.rs")).unwrap();
    assert_eq!(vendored, real);
}

#[test]
fn generate_refuses_a_broken_spec_and_says_where() {
    let broken = PETS.replace("#/components/schemas/Pet'}", "#/components/schemas/Missing'}");
    let dir = scratch(&[("pets.yaml", &broken)]);
    let out = crmgen(args!["generate", "pets.yaml", "out"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("pets.yaml") && stderr.contains("Missing"), "{stderr}");
    assert!(!dir.path().join("out").exists(), "nothing is written for a refused spec");
}

#[test]
fn check_prints_warnings_and_writes_nothing() {
    // An optional path parameter: the generator makes it required and warns.
    let sloppy = PETS.replace("{name: id, in: path, required: true,", "{name: id, in: path, required: false,");
    let dir = scratch(&[("pets.yaml", &sloppy)]);
    let before = entries(dir.path());

    let out = crmgen(args!["check", "pets.yaml"], dir.path());
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("warning") && stderr.contains("/paths/~1pets~1{id}"), "{stderr}");
    assert!(stderr.contains("2 operations"), "{stderr}");
    assert!(out.stdout.is_empty(), "check prints nothing on stdout: {}", text(&out.stdout));
    assert_eq!(entries(dir.path()), before, "check writes nothing");

    let strict = crmgen(args!["check", "pets.yaml", "--strict"], dir.path());
    assert_eq!(strict.status.code(), Some(1), "{}", text(&strict.stderr));
    assert!(text(&strict.stderr).contains("strict"), "{}", text(&strict.stderr));

    let clean = scratch(&[("pets.yaml", PETS)]);
    let out = crmgen(args!["check", "pets.yaml", "--strict"], clean.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!text(&out.stderr).contains("warning:"), "{}", text(&out.stderr));
}

#[test]
fn check_reports_an_unreadable_spec() {
    let dir = scratch(&[]);
    let out = crmgen(args!["check", "absent.yaml"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("absent.yaml"), "{}", text(&out.stderr));
}

/// `PETS` with `getPet` removed (breaking) and a `name` query parameter
/// on `listPets` (optional: not breaking).
fn pets_v2() -> String {
    let start = PETS.find("  /pets/{id}:").unwrap();
    let end = PETS.find("components:").unwrap();
    let without_get = format!("{}{}", &PETS[..start], &PETS[end..]);
    without_get.replace(
        "        - {name: limit, in: query, schema: {type: integer, format: int32}}\n",
        "        - {name: limit, in: query, schema: {type: integer, format: int32}}\n        - {name: name, in: query, schema: {type: string}}\n",
    )
}

#[test]
fn diff_prints_markdown_and_exits_3_on_breaking_changes_when_denied() {
    let new = pets_v2();
    let dir = scratch(&[("old.yaml", PETS), ("new.yaml", &new)]);

    let out = crmgen(args!["diff", "old.yaml", "new.yaml"], dir.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let md = text(&out.stdout);
    assert!(md.starts_with("## API changes: `old.yaml` -> `new.yaml`\n"), "{md}");
    assert!(md.contains("**1 breaking**, 1 non-breaking."), "{md}");
    assert!(md.contains("- operation `getPet`: removed: `GET /pets/{id}` (`Client::get_pet`)"), "{md}");
    assert!(md.contains("`listPets` parameter `name` (query): added, optional: builder method `.name()`"), "{md}");

    let denied = crmgen(args!["diff", "old.yaml", "new.yaml", "--deny-breaking"], dir.path());
    assert_eq!(denied.status.code(), Some(3), "{}", text(&denied.stderr));
    assert_eq!(text(&denied.stdout), md, "the report is printed either way");
    assert!(text(&denied.stderr).contains("1 breaking API change"), "{}", text(&denied.stderr));

    // Only additions: nothing to deny.
    let added = crmgen(args!["diff", "new.yaml", "new.yaml", "--deny-breaking"], dir.path());
    assert!(added.status.success(), "{}", text(&added.stderr));
    assert!(text(&added.stdout).contains("No API changes."), "{}", text(&added.stdout));
}

#[test]
fn diff_prints_json() {
    let new = pets_v2();
    let dir = scratch(&[("old.yaml", PETS), ("new.yaml", &new)]);
    let out = crmgen(args!["diff", "old.yaml", "new.yaml", "--format", "json"], dir.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    assert_eq!(json["old"], "old.yaml");
    assert_eq!(json["new"], "new.yaml");
    assert_eq!((json["breaking"].as_u64(), json["non_breaking"].as_u64()), (Some(1), Some(1)), "{json:#}");
    let changes = json["changes"].as_array().unwrap();
    let removed = changes.iter().find(|c| c["kind"] == "operation_removed").expect("a removal");
    assert_eq!(removed["breaking"], true);
    assert_eq!(removed["subject"], "operation `getPet`");
    let added = changes.iter().find(|c| c["kind"] == "param_added").expect("an added parameter");
    assert_eq!(added["breaking"], false);

    let denied = crmgen(args!["diff", "old.yaml", "new.yaml", "--format", "json", "--deny-breaking"], dir.path());
    assert_eq!(denied.status.code(), Some(3));
    assert_eq!(denied.stdout, out.stdout);
}

#[test]
fn diff_names_the_spec_it_cannot_read() {
    let dir = scratch(&[("old.yaml", PETS), ("bad.yaml", "openapi: 3.0.3\npaths: [\n")]);
    let out = crmgen(args!["diff", "old.yaml", "missing.yaml"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("missing.yaml"), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    let out = crmgen(args!["diff", "bad.yaml", "old.yaml"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("bad.yaml"), "{}", text(&out.stderr));
    let usage = crmgen(args!["diff", "old.yaml", "old.yaml", "--format", "yaml"], dir.path());
    assert_eq!(usage.status.code(), Some(2), "clap's usage error");
}
