//! The vendors' own published documents (`tests/fixtures/vendor/`, sources
//! in its README) generate, through the library and through the `crmgen`
//! binary, with every warning located at a node that exists in the
//! document. CI builds the generated crates (`cargo xtask generate`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

const VENDOR_SPECS: &[&str] =
    &["highlevel-objects.json", "highlevel-conversations.json", "zoho-crm-records.json", "attio.json"];

fn spec(name: &str) -> PathBuf {
    xtask::codegen::workspace_root().join("tests/fixtures/vendor").join(name)
}

fn options(name: &str) -> crmgen::Options {
    crmgen::Options { module_path: "api".into(), spec_label: name.into(), command: "test".into(), strict: false }
}

/// The node a JSON pointer (`#/a/b~1c/0`) names in `doc`.
fn node<'a>(doc: &'a Value, pointer: &str) -> Option<&'a Value> {
    doc.pointer(pointer.strip_prefix('#')?)
}

#[test]
fn every_vendor_document_generates_with_located_warnings() {
    for name in VENDOR_SPECS {
        let path = spec(name);
        let generated = crmgen::generate_file(&path, &options(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(generated.code.contains("@generated"), "{name}");
        assert!(!generated.api.operations.is_empty(), "{name}: no operations");
        let text = std::fs::read_to_string(&path).unwrap();
        let doc: Value = serde_json::from_str(&text).unwrap();
        for w in &generated.warnings {
            assert!(node(&doc, &w.pointer).is_some(), "{name}: warning at a pointer the document lacks: {w}");
        }
        let pointers: Vec<&str> = generated.warnings.iter().map(|w| w.pointer.as_str()).collect();
        for (w, line_col) in generated.warnings.iter().zip(crmgen::locate::line_cols(&text, &pointers)) {
            assert!(line_col.is_some_and(|(line, _)| line > 1), "{name}: warning without a line: {w}");
        }
    }
}

/// HighLevel's Conversations document breaks the rules in three ways; each
/// is repaired, with a warning that says where and what.
#[test]
fn highlevel_conversations_is_repaired_where_it_breaks_the_rules() {
    let name = "highlevel-conversations.json";
    let generated = crmgen::generate_file(&spec(name), &options(name)).unwrap();
    let warned =
        |pointer: &str, says: &str| generated.warnings.iter().any(|w| w.pointer == pointer && w.message.contains(says));
    let search = "#/paths/~1conversations~1search/get/parameters/8";
    assert!(warned(&format!("{search}/anyOf"), "read as part of its schema"), "{:#?}", generated.warnings);
    assert!(warned(&format!("{search}/schema/type"), "`type: any`"), "{:#?}", generated.warnings);
    let recording =
        "#/paths/~1conversations~1messages~1{messageId}~1locations~1{locationId}~1recording/get/responses/200/headers";
    assert!(warned(&format!("{recording}/Content-Type"), "no schema"), "{:#?}", generated.warnings);
    // The query parameter keeps its two shapes, from the `anyOf`.
    let op = generated.api.operations.iter().find(|o| o.path == "/conversations/search").expect("the search");
    assert!(op.params.iter().any(|p| p.wire_name == "startAfterDate"), "startAfterDate is kept");
}

#[test]
fn highlevel_objects_warns_about_optional_path_parameters() {
    let name = "highlevel-objects.json";
    let generated = crmgen::generate_file(&spec(name), &options(name)).unwrap();
    let pointer = "#/paths/~1objects~1{schemaKey}~1records~1search/post/parameters/1";
    assert!(
        generated.warnings.iter().any(|w| w.pointer == pointer && w.message.contains("required: false")),
        "{:#?}",
        generated.warnings
    );
}

/// Strict mode refuses the first warning, located by line and column.
#[test]
fn strict_mode_refuses_with_a_location() {
    let name = "highlevel-conversations.json";
    let mut opts = options(name);
    opts.strict = true;
    let err = crmgen::generate_file(&spec(name), &opts).expect_err("strict refuses a repaired document");
    let location = err.location().expect("located");
    assert!(location.line_col.is_some() && location.pointer.is_some(), "{err}");
}

/// The `crmgen` binary, built once for these tests.
fn crmgen_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let out = Command::new(cargo)
            .args(["build", "--quiet", "-p", "crmgen", "--bin", "crmgen", "--message-format=json"])
            .current_dir(xtask::codegen::workspace_root())
            .output()
            .expect("cargo runs");
        assert!(out.status.success(), "building crmgen failed:\n{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|m| m["target"]["name"] == "crmgen" && m["reason"] == "compiler-artifact")
            .find_map(|m| m["executable"].as_str().map(PathBuf::from))
            .expect("cargo names the crmgen executable")
    })
}

#[test]
fn the_cli_generates_every_vendor_document() {
    for name in VENDOR_SPECS {
        let out = Command::new(crmgen_binary()).arg("check").arg(spec(name)).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{name}: {stderr}");
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        // Every warning line names the file, a line and a column.
        let prefix = format!("warning: {}:", spec(name).display());
        for line in stderr.lines().filter(|l| l.starts_with("warning:")) {
            let rest = line.strip_prefix(&prefix).unwrap_or_else(|| panic!("{name}: {line}"));
            let mut parts = rest.splitn(3, ':');
            let (l, c) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            assert!(l.parse::<usize>().is_ok() && c.split(' ').next().unwrap_or("").parse::<usize>().is_ok(), "{line}");
        }
    }
}
