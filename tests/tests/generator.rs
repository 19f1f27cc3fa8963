//! The generator's output: snapshots (the review surface for generator
//! changes), freshness of `generated/`, determinism, refusals with located
//! errors, and serde round trips of the fixture types.

use std::path::{Path, PathBuf};

use xtask::codegen;

fn root() -> PathBuf {
    codegen::workspace_root()
}

fn options(label: &str) -> crmgen::Options {
    crmgen::Options {
        module_path: "api".into(),
        spec_label: label.into(),
        command: "crmgen module".into(),
        strict: true,
    }
}

fn generate(spec: &Path) -> String {
    let label = spec.strip_prefix(root()).unwrap_or(spec).display().to_string();
    match crmgen::generate_file(spec, &options(&label)) {
        Ok(g) => g.code,
        Err(e) => panic!("{label} does not generate: {e}"),
    }
}

#[test]
fn generated_is_fresh() {
    let staleness = codegen::check(&root()).expect("specs generate");
    assert!(staleness.is_fresh(), "\n{}", staleness.report());
}

#[test]
fn snapshots_of_every_spec() {
    for entry in codegen::specs(&root()).unwrap() {
        let code = generate(&root().join(&entry.spec));
        insta::assert_snapshot!(format!("spec__{}__{}", entry.vendor, entry.api), code);
    }
}

#[test]
fn snapshots_of_every_fixture() {
    for spec in codegen::fixtures(&root()).unwrap() {
        let name = spec.file_stem().unwrap().to_string_lossy().to_string();
        insta::assert_snapshot!(format!("fixture__{name}"), generate(&spec));
    }
}

#[test]
fn output_is_deterministic() {
    let first = codegen::plan(&root()).unwrap();
    let second = codegen::plan(&root()).unwrap();
    assert_eq!(first.len(), second.len());
    for ((p1, t1), (p2, t2)) in first.iter().zip(&second) {
        assert_eq!(p1, p2);
        assert!(t1 == t2, "{} differs between two runs", p1.display());
    }
}

/// Each refused input gives a located error (never a panic).
#[test]
fn refusals_are_located() {
    let dir = root().join("tests/fixtures/refused");
    let mut specs: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.path()).collect();
    specs.sort();
    assert!(specs.len() >= 7);
    let mut report = String::new();
    for spec in specs {
        let label = format!("tests/fixtures/refused/{}", spec.file_name().unwrap().to_string_lossy());
        let text = std::fs::read_to_string(&spec).unwrap();
        let err = match crmgen::generate_str(&text, &options(&label)) {
            Ok(_) => panic!("{label} should be refused"),
            Err(e) => e.with_file(&label),
        };
        let located = err.location().is_some_and(|l| l.line_col.is_some() || l.pointer.is_some());
        assert!(located, "{label}: error without a line, column or pointer: {err}");
        report.push_str(&format!("{err}\n"));
    }
    insta::assert_snapshot!("refusals", report);
}

/// Editing a spec makes `--check` fail until codegen runs again.
#[test]
fn spec_edit_is_detected_then_regenerated() {
    let tmp = tempfile::tempdir().unwrap();
    let copy = |rel: &str| {
        let from = root().join(rel);
        let to = tmp.path().join(rel);
        copy_dir(&from, &to);
    };
    for rel in ["specs", "generated", "tests/fixtures", "tests/src/fixtures"] {
        copy(rel);
    }
    assert!(codegen::check(tmp.path()).unwrap().is_fresh());
    let spec = tmp.path().join("specs/highlevel/objects.yaml");
    let text = std::fs::read_to_string(&spec).unwrap();
    let edited = text.replacen("description: Record id.", "description: The record's id.", 1);
    assert!(text != edited, "the spec no longer has the text this test edits");
    std::fs::write(&spec, edited).unwrap();
    let stale = codegen::check(tmp.path()).unwrap();
    assert_eq!(stale.stale, vec![PathBuf::from("generated/src/highlevel/objects.rs")], "{}", stale.report());
    assert!(stale.report().contains("cargo xtask codegen"));
    let written = codegen::write(tmp.path()).unwrap();
    assert_eq!(written, vec![PathBuf::from("generated/src/highlevel/objects.rs")]);
    assert!(codegen::check(tmp.path()).unwrap().is_fresh());
    let module = std::fs::read_to_string(tmp.path().join("generated/src/highlevel/objects.rs")).unwrap();
    assert!(module.contains("The record's id."));
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// Specs as vendors publish them: generated anyway, each workaround
/// reported as a warning with its location; `--strict` refuses them.
#[test]
fn sloppy_specs_generate_with_located_warnings() {
    let text = std::fs::read_to_string(root().join("tests/fixtures/lenient/sloppy.yaml")).unwrap();
    let mut lenient = options("tests/fixtures/lenient/sloppy.yaml");
    lenient.strict = false;
    let generated = crmgen::generate_str(&text, &lenient).unwrap_or_else(|e| panic!("{e}"));
    let warnings: Vec<String> = generated.warnings.iter().map(|w| w.to_string()).collect();
    insta::assert_snapshot!("sloppy_warnings", warnings.join("\n"));
    insta::assert_snapshot!("sloppy_module", generated.code);
    let strict = crmgen::generate_str(&text, &options("tests/fixtures/lenient/sloppy.yaml")).unwrap_err();
    assert!(strict.to_string().contains("strict mode"), "{strict}");
    assert!(strict.location().and_then(|l| l.line_col).is_some(), "{strict}");
}
