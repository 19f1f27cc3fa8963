//! Any text, as a spec: the generator writes a module or refuses with a
//! location, and the refusal renders; nothing panics. Seed the corpus with
//! real specs (see `generator/fuzz/README.md`); libFuzzer mutates them, and
//! its `-timeout` catches inputs that take more than linear time.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let options = crmgen::Options {
        module_path: "api".into(),
        spec_label: "fuzz.yaml".into(),
        command: "fuzz".into(),
        strict: false,
    };
    match crmgen::generate_str(text, &options) {
        Ok(generated) => {
            let _ = crmgen::render::warnings(None, Some(text), &generated.warnings);
        }
        Err(error) => {
            let located = error.location().is_some_and(|l| l.line_col.is_some() || l.pointer.is_some());
            assert!(located, "a refusal without a line, column or pointer: {error}");
            let _ = error.render(Some(text));
        }
    }
});
