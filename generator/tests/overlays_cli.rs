//! `crmgen generate|check|diff --overlay`: each command applies the
//! overlays (each test fails if its command dropped them), and `check`
//! prints the located warning for an action without `x-curation-note`.
//! The fixtures are the workspace's, in `tests/fixtures/overlays/`.

use std::path::PathBuf;
use std::process::{Command, Output};

fn fixture(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/overlays");
    dir.canonicalize().unwrap_or(dir).join(name)
}

fn crmgen(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_crmgen")).args(args).output().expect("crmgen runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn generate_applies_the_overlays_and_writes_the_effective_document() {
    let dir = tempfile::tempdir().unwrap();
    let (out, effective) = (dir.path().join("pets"), dir.path().join("effective.yaml"));
    let o = crmgen(&[
        "generate".as_ref(),
        fixture("pets.yaml").as_os_str(),
        out.as_os_str(),
        "--overlay".as_ref(),
        fixture("add-nickname.yaml").as_os_str(),
        "--write-effective".as_ref(),
        effective.as_os_str(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let lib = std::fs::read_to_string(out.join("src/api.rs")).unwrap();
    assert!(lib.contains("nickname"), "generate dropped the overlay");
    assert!(std::fs::read_to_string(effective).unwrap().contains("What the owner calls the pet."));
}

#[test]
fn check_applies_the_overlays_strictly_and_warns_without_a_note() {
    // An overlay whose target selects nothing: refused, located in the overlay.
    let o = crmgen(&[
        "check".as_ref(),
        fixture("pets.yaml").as_os_str(),
        "--overlay".as_ref(),
        fixture("selects-nothing.yaml").as_os_str(),
    ]);
    assert_eq!(o.status.code(), Some(1), "check dropped the overlay");
    let err = text(&o.stderr);
    assert!(err.contains("selects-nothing.yaml:7:") && err.contains("#/actions/1"), "{err}");
    // An action without a note: a located warning, not a failure.
    let o = crmgen(&[
        "check".as_ref(),
        fixture("pets.yaml").as_os_str(),
        "--overlay".as_ref(),
        fixture("no-note.yaml").as_os_str(),
    ]);
    let err = text(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("warning: ") && err.contains("no-note.yaml:7:") && err.contains("x-curation-note"), "{err}");
}

#[test]
fn diff_applies_the_overlays_to_both_versions() {
    // v2 makes a pet's name an integer: breaking, unless an overlay made it
    // one in version 1 already (the overlay applies to both).
    let args = |overlay: bool| {
        let mut a: Vec<std::ffi::OsString> =
            vec!["diff".into(), fixture("pets.yaml").into(), fixture("pets-v2.yaml").into(), "--deny-breaking".into()];
        if overlay {
            a.push("--overlay".into());
            a.push(fixture("name-is-an-integer.yaml").into());
        }
        a
    };
    let run = |overlay: bool| {
        let a = args(overlay);
        crmgen(&a.iter().map(|s| s.as_os_str()).collect::<Vec<_>>())
    };
    assert_eq!(run(false).status.code(), Some(3), "without the overlay, the name's new type is breaking");
    let o = run(true);
    assert!(o.status.success(), "diff dropped the overlay: {}{}", text(&o.stdout), text(&o.stderr));
}
