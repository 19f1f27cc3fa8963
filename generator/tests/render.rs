//! The CLI never panics while printing a diagnostic, whatever the spec's
//! text: specs of several megabytes on one line (minified JSON), multi-byte
//! characters, problems at the end of the file. Run as users run it: the
//! built `crmgen` binary.

use std::path::Path;
use std::process::{Command, Output};

fn crmgen(args: &[&str], spec: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_crmgen")).args(args).arg(spec).output().expect("the crmgen binary runs")
}

/// Runs `crmgen check [--strict] SPEC` on `text`; returns the exit code and
/// stderr, after checking that nothing panicked and no line is a megabyte.
fn check(name: &str, text: &str, strict: bool) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join(name);
    std::fs::write(&spec, text).unwrap();
    let args: &[&str] = if strict { &["check", "--strict"] } else { &["check"] };
    let out = crmgen(args, &spec);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{name}: the CLI panicked:\n{}", cut(&stderr));
    let code = out.status.code().expect("exited, not killed by a signal");
    assert!(code == 0 || code == 1, "{name}: exit code {code}:\n{}", cut(&stderr));
    let longest = stderr.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    assert!(longest < 5_000, "{name}: a {longest}-character line on stderr:\n{}", cut(&stderr));
    (code, stderr.replace(&*dir.path().to_string_lossy(), "DIR"))
}

fn cut(s: &str) -> String {
    s.chars().take(3_000).collect()
}

/// A valid one-line JSON spec whose operation sits after `padding`
/// characters of description: `op` is the operation object's members.
fn one_line(padding: &str, op: &str) -> String {
    format!(
        r#"{{"openapi":"3.0.3","info":{{"title":"t","version":"1","description":"{padding}"}},"paths":{{"/x":{{"get":{{{op}"responses":{{"200":{{"description":"ok"}}}}}}}}}}}}"#
    )
}

#[test]
fn a_megabyte_line_with_a_warning() {
    // No operationId: a warning, located at the operation, after 3 MB of text
    // on the same line.
    let text = one_line(&"x".repeat(3_000_000), "");
    let (code, stderr) = check("warning.json", &text, false);
    assert_eq!(code, 0, "{}", cut(&stderr));
    assert!(stderr.contains("warning: DIR/warning.json:1:3000"), "{}", cut(&stderr));
    assert!(stderr.contains("#/paths/~1x/get: no operationId"), "{}", cut(&stderr));
    // Strict: the same warning is an error, drawn under its snippet.
    let (code, stderr) = check("warning.json", &text, true);
    assert_eq!(code, 1, "{}", cut(&stderr));
    assert!(stderr.contains("no operationId") && stderr.contains("#/paths/~1x/get"), "{}", cut(&stderr));
    assert!(stderr.contains("warning.json:1:3000"), "{}", cut(&stderr));
}

#[test]
fn a_megabyte_line_with_an_error() {
    let text =
        one_line(&"x".repeat(3_000_000), r#""parameters":[{"name":"q","in":"query","schema":{"maxLength":"x"}}],"#);
    let (code, stderr) = check("error.json", &text, false);
    assert_eq!(code, 1, "{}", cut(&stderr));
    assert!(stderr.contains("#/paths/~1x/get/parameters/0/schema/maxLength"), "{}", cut(&stderr));
    assert!(stderr.contains("error.json:1:3000"), "{}", cut(&stderr));
    assert!(stderr.contains(r#""maxLength":"x""#), "the snippet shows the failing member:\n{}", cut(&stderr));
}

#[test]
fn multibyte_text_on_a_long_line() {
    let text =
        one_line(&"ä😀ö".repeat(400_000), r#""parameters":[{"name":"q","in":"query","schema":{"maxLength":"x"}}],"#);
    let (code, stderr) = check("multibyte.json", &text, false);
    assert_eq!(code, 1, "{}", cut(&stderr));
    assert!(stderr.contains("#/paths/~1x/get/parameters/0/schema/maxLength"), "{}", cut(&stderr));
}

#[test]
fn problems_at_the_end_of_the_file() {
    for (name, text) in [
        ("truncated.json", format!(r#"{{"openapi":"3.0.3","info":{{"description":"{}""#, "ü".repeat(100_000))),
        ("truncated.yaml", "openapi: 3.0.3\ninfo:\n  title: \"never closed\n".to_string()),
        ("no-paths.yaml", "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents: {schemas: {A: {type: string, maxLength: x".to_string()),
        ("empty-last-line.yaml", "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /x: 7\n\n\n".to_string()),
    ] {
        let (code, stderr) = check(name, &text, false);
        assert_eq!(code, 1, "{name}: {}", cut(&stderr));
        assert!(stderr.contains(&format!("DIR/{name}:")), "{name}: no file:line:col:\n{}", cut(&stderr));
    }
}
