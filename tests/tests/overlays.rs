//! OpenAPI Overlays through the one front end: update, remove and copy as
//! the Overlay Specification merges them, overlays applied in order,
//! strict refusal located in the overlay, the warning for an action
//! without `x-curation-note`, the effective document, errors located in
//! overlay-inserted content, and `cargo xtask generate` honouring them.
//! (The CLI's `generate`, `check` and `diff` are tested in
//! `generator/tests/overlays_cli.rs`, which runs the binary.)

use std::path::PathBuf;

use crmgen::Source;
use serde_json::{Value, json};

fn fixture(name: &str) -> PathBuf {
    xtask::codegen::workspace_root().join("tests/fixtures/overlays").join(name)
}

fn source(overlays: &[&str]) -> Source {
    let overlays: Vec<PathBuf> = overlays.iter().map(|o| fixture(o)).collect();
    Source::read(&fixture("pets.yaml"), &overlays).expect("fixtures read")
}

/// The effective document, as a value.
fn effective(overlays: &[&str]) -> Value {
    let source = source(overlays);
    let front = crmgen::source::load(&source).unwrap_or_else(|e| panic!("{e}"));
    serde_yaml::from_str(front.effective_text()).expect("the effective document is YAML")
}

fn options(strict: bool) -> crmgen::Options {
    crmgen::Options { module_path: "api".into(), spec_label: "pets.yaml".into(), command: "test".into(), strict }
}

#[test]
fn update_merges_objects_extends_arrays_and_replaces_scalars() {
    let doc = effective(&["merge.yaml"]);
    let pet = &doc["components"]["schemas"]["Pet"];
    assert_eq!(pet["description"], "A pet.");
    // `required` is an array in both: extended, not replaced.
    assert_eq!(pet["required"], json!(["id", "name"]));
    // `name` is an object in both: merged member by member.
    assert_eq!(pet["properties"]["name"], json!({"type": "string", "maxLength": 40}));
    assert_eq!(pet["properties"]["id"], json!({"type": "string"}));
    // A target that is an array gets the update appended.
    assert_eq!(doc["paths"]["/pets"]["get"]["tags"], json!(["pets", "animals"]));
    // A filter selected the element to remove.
    assert_eq!(doc["paths"]["/pets"]["get"]["parameters"], json!([]));
}

#[test]
fn remove_deletes_the_selected_node() {
    let doc = effective(&["remove-get-pet.yaml"]);
    assert!(doc["paths"].get("/pets/{id}").is_none());
    assert!(doc["paths"].get("/pets").is_some());
}

#[test]
fn copy_merges_the_source_node_into_the_target() {
    let doc = effective(&["copy.yaml"]);
    let owner = &doc["components"]["schemas"]["Owner"]["properties"];
    assert_eq!(owner["email"], json!({"type": "string"}));
    assert_eq!(owner["id"], json!({"type": "string"}));
    assert_eq!(owner["name"], json!({"type": "string"}));
}

#[test]
fn overlays_apply_in_order() {
    let doc = effective(&["order-first.yaml", "order-second.yaml"]);
    assert_eq!(doc["info"]["title"], "Second title");
    assert!(doc["components"]["schemas"]["Pet"]["properties"].get("temporary").is_none());
    // The other order: the second's removal selects nothing yet, refused.
    let err = crmgen::source::load(&source(&["order-second.yaml", "order-first.yaml"])).unwrap_err();
    assert!(err.to_string().contains("temporary"), "{err}");
}

#[test]
fn an_action_that_selects_nothing_is_refused_located() {
    let err = crmgen::source::load(&source(&["selects-nothing.yaml"])).unwrap_err();
    let location = err.location().expect("located").clone();
    assert!(location.file.as_ref().is_some_and(|f| f.ends_with("selects-nothing.yaml")), "{err}");
    // The second action and its target are on line 7 of the overlay.
    assert_eq!(location.line_col.map(|(l, _)| l), Some(7), "{err}");
    assert_eq!(location.pointer.as_deref(), Some("#/actions/1"), "{err}");
    let message = err.to_string();
    assert!(message.contains("$.paths['/owners'].get") && message.contains("selects nothing"), "{message}");
    // Generation refuses too, whatever the strictness.
    assert!(crmgen::generate(&source(&["selects-nothing.yaml"]), &options(false)).is_err());
}

#[test]
fn an_action_without_a_curation_note_is_a_located_warning() {
    let g = crmgen::generate(&source(&["no-note.yaml"]), &options(false)).expect("generates");
    let lines: Vec<&String> = g.warning_lines.iter().filter(|l| l.contains("x-curation-note")).collect();
    assert_eq!(lines.len(), 1, "{:?}", g.warning_lines);
    assert!(lines[0].contains("no-note.yaml:7:") && lines[0].contains("#/actions/1"), "{}", lines[0]);
    // Strict generation (as `cargo xtask codegen` runs) refuses it.
    let err = crmgen::generate(&source(&["no-note.yaml"]), &options(true)).unwrap_err();
    assert!(err.to_string().contains("no-note.yaml:7:"), "{err}");
    // Every action noted: no such warning.
    let g = crmgen::generate(&source(&["merge.yaml"]), &options(false)).expect("generates");
    assert!(!g.warning_lines.iter().any(|l| l.contains("x-curation-note")), "{:?}", g.warning_lines);
}

#[test]
fn an_error_inside_inserted_content_points_at_the_overlay() {
    let err = crmgen::generate(&source(&["bad-insert.yaml"]), &options(false)).unwrap_err();
    let location = err.location().expect("located").clone();
    assert!(location.file.as_ref().is_some_and(|f| f.ends_with("bad-insert.yaml")), "{err}");
    let line = location.line_col.map(|(l, _)| l);
    assert!(matches!(line, Some(8..=9)), "{err}");
    assert!(err.to_string().contains("Nobody"), "{err}");
}

#[test]
fn an_error_in_untouched_content_points_at_the_spec() {
    // The spec's own mistake (a dangling $ref on line 11), with an overlay applied.
    let spec = std::fs::read_to_string(fixture("pets.yaml"))
        .unwrap()
        .replace("{type: integer, format: int32}}", "{$ref: '#/components/schemas/Missing'}}");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pets.yaml");
    std::fs::write(&path, spec).unwrap();
    let source = Source::read(&path, &[fixture("add-nickname.yaml")]).unwrap();
    let err = crmgen::generate(&source, &options(false)).unwrap_err();
    let location = err.location().expect("located").clone();
    assert_eq!(location.file.as_deref(), Some(path.as_path()), "{err}");
    assert_eq!(location.line_col.map(|(l, _)| l), Some(11), "{err}");
}

#[test]
fn the_effective_document_is_what_was_generated_from() {
    let source = source(&["add-nickname.yaml"]);
    let g = crmgen::generate(&source, &options(true)).expect("generates");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("effective.yaml");
    crmgen::write_effective(&source, &g, &out).unwrap();
    let written = std::fs::read_to_string(&out).unwrap();
    let doc: Value = serde_yaml::from_str(&written).unwrap();
    assert_eq!(doc["components"]["schemas"]["Pet"]["properties"]["nickname"]["type"], "string");
    // Generating from the written document gives the same module.
    let again = crmgen::generate(&Source::read(&out, &[]).unwrap(), &options(true)).unwrap();
    assert_eq!(again.code, g.code);
    assert!(g.code.contains("nickname"));
}

#[test]
fn xtask_generate_applies_the_overlays() {
    let dir = tempfile::tempdir().unwrap();
    let request = xtask::generate::Request {
        spec: fixture("pets.yaml"),
        overlays: vec![fixture("add-nickname.yaml")],
        out_dir: dir.path().join("pets"),
        name: None,
        strict: true,
        write_effective: Some(dir.path().join("effective.yaml")),
    };
    xtask::generate::run(&xtask::codegen::workspace_root(), &request).expect("generates");
    let lib = std::fs::read_to_string(dir.path().join("pets/src/api.rs")).unwrap();
    assert!(lib.contains("nickname"), "the overlay's property is missing from the crate");
    let effective = std::fs::read_to_string(dir.path().join("effective.yaml")).unwrap();
    assert!(effective.contains("nickname"));
}

#[test]
fn codegen_reads_a_spec_s_overlay_list() {
    let dir = tempfile::tempdir().unwrap();
    let vendor = dir.path().join("specs/pets");
    std::fs::create_dir_all(vendor.join("overlays")).unwrap();
    std::fs::copy(fixture("pets.yaml"), vendor.join("store.yaml")).unwrap();
    std::fs::copy(fixture("add-nickname.yaml"), vendor.join("overlays/nickname.yaml")).unwrap();
    std::fs::write(vendor.join("store.overlays"), "# applied in order\noverlays/nickname.yaml\n").unwrap();
    let specs = xtask::codegen::specs(dir.path()).unwrap();
    assert_eq!(specs.len(), 1);
    assert_eq!(specs[0].overlays, vec![PathBuf::from("specs/pets/overlays/nickname.yaml")]);
    let source = specs[0].source(dir.path()).unwrap();
    let g = crmgen::generate(&source, &options(true)).unwrap();
    assert!(g.code.contains("nickname"));
}
