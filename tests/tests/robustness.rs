//! Mutated specs never make the generator panic: each mutation of a valid
//! spec gives either a module or an error located by a line and column or a
//! JSON pointer. With `CRMGEN_COMPILE_PROPTEST=1` (CI), a longer run also
//! compiles what it generated, with the lenient fixture, as one crate.
//!
//! Adversarial nesting costs time linear in its depth.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, RngSeed, TestCaseError, TestRunner};
use serde_json::{Value, json};

fn seeds() -> &'static [Value] {
    static SEEDS: std::sync::OnceLock<Vec<Value>> = std::sync::OnceLock::new();
    SEEDS.get_or_init(load_seeds)
}

fn load_seeds() -> Vec<Value> {
    let root = xtask::codegen::workspace_root();
    let mut paths: Vec<_> = xtask::codegen::specs(&root).unwrap().into_iter().map(|e| root.join(e.spec)).collect();
    paths.extend(xtask::codegen::fixtures(&root).unwrap());
    paths.iter().map(|p| serde_yaml::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()).collect()
}

/// Every node's JSON pointer segments, in document order.
fn nodes(value: &Value, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    out.push(path.clone());
    match value {
        Value::Object(m) => {
            for (k, v) in m {
                path.push(k.clone());
                nodes(v, path, out);
                path.pop();
            }
        }
        Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                path.push(i.to_string());
                nodes(v, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

fn node_mut<'a>(value: &'a mut Value, path: &[String]) -> Option<&'a mut Value> {
    path.iter().try_fold(value, |v, seg| match v {
        Value::Object(m) => m.get_mut(seg),
        Value::Array(a) => seg.parse::<usize>().ok().and_then(|i| a.get_mut(i)),
        _ => None,
    })
}

#[derive(Debug, Clone)]
enum Mutation {
    Delete,
    Replace(Value),
    DanglingRef,
    SelfRef,
    WrapAllOf,
    DeepNest(usize),
    CopyFrom(usize),
    /// An operationId that names something the generated code defines.
    OperationId(&'static str),
    /// A parameter named like something the generated code defines, of a
    /// shape a query string, path or header cannot carry plainly.
    Parameter {
        name: &'static str,
        location: &'static str,
        shape: usize,
    },
    /// A server variable named like a builder method.
    ServerVariable(&'static str),
    /// A security scheme named like a builder method.
    SecurityScheme(&'static str),
    /// A self-referring array alias, used as a parameter.
    RecursiveAlias,
}

/// Names the generated code or the runtime defines.
const RESERVED: &[&str] = &[
    "runtime",
    "builder",
    "new",
    "match",
    "send",
    "into_future",
    "decode",
    "request",
    "timeout",
    "api_key",
    "baseUrl",
    "base_url",
    "credential",
    "client",
    "Client",
    "Error",
    "self",
    "type",
];

/// Parameter schemas beyond a scalar or an array of scalars.
fn shape(i: usize) -> Value {
    let shapes = [
        json!({"type": "array", "items": {"type": "object", "properties": {"a": {"type": "string"}}}}),
        json!({"type": "array", "items": {"type": "object", "additionalProperties": {"type": "string"}}}),
        json!({"type": "object", "additionalProperties": {"type": "integer"}}),
        json!({"oneOf": [{"$ref": "#/components/schemas/Nope"}, {"type": "string"}], "discriminator": {"propertyName": "kind"}}),
        json!({"type": "array", "items": {"type": "array", "items": {"type": "string"}}}),
        json!({"type": "string", "enum": ["a", "A", "-a", "1", ""]}),
    ];
    shapes[i % shapes.len()].clone()
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let scalar = prop_oneof![
        Just(Value::Null),
        any::<i64>().prop_map(Value::from),
        "[a-z{}/#$~ -]{0,12}".prop_map(Value::from),
        Just(json!([])),
        Just(json!({})),
        Just(json!({"type": "any"})),
        Just(json!({"type": ["string", "null"]})),
        Just(json!({"not": {}})),
        Just(json!({"enum": ["a", "a", "A", "-a", "1"]})),
        Just(json!({"oneOf": [{"type": "string"}, {"$ref": "#/components/schemas/Nope"}]})),
    ];
    prop_oneof![
        Just(Mutation::Delete),
        scalar.prop_map(Mutation::Replace),
        Just(Mutation::DanglingRef),
        Just(Mutation::SelfRef),
        Just(Mutation::WrapAllOf),
        (1usize..12).prop_map(Mutation::DeepNest),
        any::<usize>().prop_map(Mutation::CopyFrom),
        proptest::sample::select(RESERVED).prop_map(Mutation::OperationId),
        (proptest::sample::select(RESERVED), proptest::sample::select(&["query", "path", "header"][..]), 0usize..6)
            .prop_map(|(name, location, shape)| Mutation::Parameter { name, location, shape }),
        proptest::sample::select(RESERVED).prop_map(Mutation::ServerVariable),
        proptest::sample::select(RESERVED).prop_map(Mutation::SecurityScheme),
        Just(Mutation::RecursiveAlias),
    ]
}

/// The operations of a document, as pointer segments.
fn operations(doc: &Value) -> Vec<[String; 2]> {
    let methods = ["get", "put", "post", "delete", "patch"];
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else { return Vec::new() };
    paths
        .iter()
        .flat_map(|(p, item)| {
            methods.iter().filter(|m| item.get(**m).is_some_and(Value::is_object)).map(|m| [p.clone(), m.to_string()])
        })
        .collect()
}

/// Applies a mutation that adds a construct (rather than editing the node
/// at `at`); `false` when `m` is not one of those.
fn add(doc: &mut Value, at: usize, m: &Mutation) -> bool {
    let ops = operations(doc);
    let op = (!ops.is_empty()).then(|| ops[at % ops.len()].clone());
    fn operation<'a>(doc: &'a mut Value, op: &Option<[String; 2]>) -> Option<&'a mut serde_json::Map<String, Value>> {
        let [path, method] = op.as_ref()?;
        doc.get_mut("paths")?.get_mut(path)?.get_mut(method)?.as_object_mut()
    }
    match m {
        Mutation::OperationId(name) => {
            if let Some(op) = operation(doc, &op) {
                op.insert("operationId".into(), json!(name));
            }
        }
        Mutation::Parameter { name, location, shape: i } => {
            let path_template = op.as_ref().map(|[p, _]| p.clone());
            if let Some(op) = operation(doc, &op) {
                let param = json!({"name": name, "in": location, "required": *location == "path", "schema": shape(*i)});
                let list = op.entry("parameters").or_insert_with(|| json!([]));
                if let Some(list) = list.as_array_mut() {
                    list.push(param);
                }
            }
            // A path parameter belongs in the path template too.
            if let (Some(template), "path") = (path_template, *location)
                && let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut)
                && let Some(item) = paths.shift_remove(&template)
            {
                paths.insert(format!("{template}/{{{name}}}"), item);
            }
        }
        Mutation::ServerVariable(name) => {
            if let Some(root) = doc.as_object_mut() {
                root.insert(
                    "servers".into(),
                    json!([{"url": format!("https://{{{name}}}.example.com/{{BaseUrl}}"), "variables": {
                        *name: {"default": "api"}, "BaseUrl": {"default": "v1"}, "base_url": {"default": "v2"}}}]),
                );
            }
        }
        Mutation::SecurityScheme(name) => {
            if let Some(root) = doc.as_object_mut() {
                let components = root.entry("components").or_insert_with(|| json!({}));
                if let Some(components) = components.as_object_mut() {
                    components.insert(
                        "securitySchemes".into(),
                        json!({*name: {"type": "apiKey", "in": "header", "name": "X-Key"}}),
                    );
                }
                root.insert("security".into(), json!([{*name: []}]));
            }
        }
        Mutation::RecursiveAlias => {
            if let Some(root) = doc.as_object_mut() {
                let components = root.entry("components").or_insert_with(|| json!({}));
                if let Some(components) = components.as_object_mut() {
                    let schemas = components.entry("schemas").or_insert_with(|| json!({}));
                    if let Some(schemas) = schemas.as_object_mut() {
                        schemas.insert(
                            "Alias".into(),
                            json!({"type": "array", "items": {"$ref": "#/components/schemas/Alias"}}),
                        );
                    }
                }
            }
            if let Some(op) = operation(doc, &op) {
                let param = json!({"name": "alias", "in": "query", "schema": {"$ref": "#/components/schemas/Alias"}});
                if let Some(list) = op.entry("parameters").or_insert_with(|| json!([])).as_array_mut() {
                    list.push(param);
                }
            }
        }
        _ => return false,
    }
    true
}

fn apply(doc: &mut Value, at: usize, m: &Mutation) {
    if add(doc, at, m) {
        return;
    }
    let mut all = Vec::new();
    nodes(doc, &mut Vec::new(), &mut all);
    let path = all[at % all.len()].clone();
    let copied = match m {
        Mutation::CopyFrom(i) => node_mut(doc, &all[i % all.len()]).map(|v| v.clone()),
        _ => None,
    };
    let Some((last, parent_path)) = path.split_last() else { return };
    if let Mutation::Delete = m {
        match node_mut(doc, parent_path) {
            Some(Value::Object(map)) => {
                map.remove(last);
            }
            Some(Value::Array(list)) => {
                if let Some(i) = last.parse::<usize>().ok().filter(|i| *i < list.len()) {
                    list.remove(i);
                }
            }
            _ => {}
        }
        return;
    }
    let Some(node) = node_mut(doc, &path) else { return };
    *node = match m {
        Mutation::Replace(v) => v.clone(),
        Mutation::DanglingRef => json!({"$ref": "#/components/schemas/DoesNotExist"}),
        Mutation::SelfRef => json!({"$ref": format!("#/components/schemas/{last}")}),
        Mutation::WrapAllOf => json!({"allOf": [node.clone()], "nullable": true}),
        Mutation::DeepNest(n) => {
            (0..*n).fold(json!({"type": "string"}), |inner, _| json!({"type": "array", "items": inner}))
        }
        Mutation::CopyFrom(_) => copied.unwrap_or(Value::Null),
        _ => return,
    };
}

fn options() -> crmgen::Options {
    crmgen::Options {
        module_path: "api".into(),
        spec_label: "mutated.yaml".into(),
        command: "test".into(),
        strict: false,
    }
}

/// A mutated spec as text, and what was done to it.
#[derive(Debug, Clone)]
struct Case {
    text: String,
    edits: Vec<(usize, Mutation)>,
}

fn case() -> impl Strategy<Value = Case> {
    (any::<usize>(), proptest::collection::vec((any::<usize>(), mutation()), 1..4), any::<bool>()).prop_map(
        |(seed, edits, as_yaml)| {
            let seeds = seeds();
            let mut doc = seeds[seed % seeds.len()].clone();
            for (at, m) in &edits {
                apply(&mut doc, *at, m);
            }
            let text = if as_yaml {
                serde_yaml::to_string(&doc).unwrap()
            } else {
                serde_json::to_string_pretty(&doc).unwrap()
            };
            Case { text, edits }
        },
    )
}

/// Runs `cases` mutations (the same ones on every run: a fixed seed, so CI
/// time is stable); returns the modules generated, with their edits.
fn run(cases: u32) -> Vec<(String, String)> {
    let config = ProptestConfig {
        cases,
        failure_persistence: None,
        rng_seed: RngSeed::Fixed(20261123),
        ..ProptestConfig::default()
    };
    let generated = std::cell::RefCell::new(Vec::new());
    let result = TestRunner::new(config).run(&case(), |case| {
        let outcome = catch_unwind(AssertUnwindSafe(|| crmgen::generate_str(&case.text, &options())));
        match outcome {
            Err(_) => Err(TestCaseError::fail(format!("the generator panicked on a spec mutated by {:?}", case.edits))),
            Ok(Ok(g)) => {
                generated.borrow_mut().push((format!("{:?}", case.edits), g.code));
                Ok(())
            }
            Ok(Err(e)) => {
                let located = e.location().is_some_and(|l| l.line_col.is_some() || l.pointer.is_some());
                prop_assert!(located, "error without a line, column or pointer: {e} (edits {:?})", case.edits);
                Ok(())
            }
        }
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    generated.into_inner()
}

#[test]
fn mutated_specs_never_panic_and_refusals_are_located() {
    let generated = run(256);
    // The mutations must leave some specs valid, or the success branch is
    // never exercised.
    assert!(generated.len() >= 32, "only {} of 256 mutated specs generated", generated.len());
}

/// CI only (`CRMGEN_COMPILE_PROPTEST=1`): a longer run whose generated
/// modules, with the lenient fixture's, are compiled as one crate in
/// `target/standalone`. `CRMGEN_PROPTEST_CASES` sets the number of cases
/// (default 1024); at most [`MAX_COMPILED`] distinct modules are compiled.
#[test]
fn mutated_specs_that_generate_compile() {
    if std::env::var_os("CRMGEN_COMPILE_PROPTEST").is_none() {
        eprintln!("skipped: set CRMGEN_COMPILE_PROPTEST=1 to compile the generated modules");
        return;
    }
    let cases = std::env::var("CRMGEN_PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(1024);
    let mut modules = run(cases);
    modules.sort_by(|a, b| a.1.cmp(&b.1));
    modules.dedup_by(|a, b| a.1 == b.1);
    // Spread the sample over the run rather than keeping the first ones.
    let step = modules.len().div_ceil(MAX_COMPILED).max(1);
    let mut modules: Vec<_> = modules.into_iter().step_by(step).collect();
    let root = xtask::codegen::workspace_root();
    let sloppy = root.join("tests/fixtures/lenient/sloppy.yaml");
    let lenient = crmgen::generate_file(&sloppy, &options()).expect("the lenient fixture generates");
    modules.insert(0, ("tests/fixtures/lenient/sloppy.yaml".into(), lenient.code));
    compile(&root, &modules);
}

/// The most modules compiled in one run (time bound).
const MAX_COMPILED: usize = 48;

/// Builds the modules as one crate; panics with the compiler's output,
/// naming each failing module's edits, when it does not build.
fn compile(root: &Path, modules: &[(String, String)]) {
    let dir = tempfile::tempdir().unwrap();
    let uses = crmgen::model::Uses { chrono: true, uuid: true, webhooks: true };
    let runtime = crmgen::standalone::RuntimeDep::Path(root.join("generator/runtime"));
    let files = crmgen::standalone::crate_files("proptest-outputs", "", uses, &runtime);
    // Generated code compiles without warnings.
    let mut lib = format!("#![deny(warnings)]\n{}\n", crmgen::standalone::RUNTIME_REEXPORT);
    for (rel, text) in files.into_iter().filter(|(p, _)| p.ends_with("Cargo.toml")) {
        write(&dir.path().join(rel), &text);
    }
    for (i, (edits, code)) in modules.iter().enumerate() {
        lib.push_str(&format!("/// From: {}\npub mod m{i};\n", edits.replace('\n', " ")));
        write(&dir.path().join(format!("src/m{i}.rs")), code);
    }
    write(&dir.path().join("src/lib.rs"), &lib);
    let started = Instant::now();
    let output = std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "--quiet", "--manifest-path"])
        .arg(dir.path().join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", root.join("target/standalone"))
        .output()
        .expect("cargo runs");
    eprintln!("compiled {} modules in {:.1?}", modules.len(), started.elapsed());
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let failing: std::collections::BTreeSet<usize> =
            stderr.lines().filter_map(|l| l.split("src/m").nth(1)?.split('.').next()?.parse().ok()).collect();
        let which: Vec<String> = failing.iter().map(|&i| format!("m{i}: {}", modules[i].0)).collect();
        panic!(
            "{} of {} generated modules do not compile:\n{}\n\n{stderr}",
            which.len(),
            modules.len(),
            which.join("\n")
        );
    }
}

fn write(path: &PathBuf, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A schema nested `levels` deep (`items` in `items`) whose innermost
/// schema is invalid, and the time its refusal takes (the best of a few
/// runs, so that a busy machine does not decide the outcome).
fn refusal_time(levels: usize) -> Duration {
    let leaf = json!({"type": "string", "maxLength": "not a number"});
    let schema = (0..levels).fold(leaf, |inner, _| json!({"type": "array", "items": inner}));
    let doc = json!({
        "openapi": "3.0.3",
        "info": {"title": "deep", "version": "1"},
        "paths": {},
        "components": {"schemas": {"Deep": schema}},
    });
    let text = serde_json::to_string(&doc).unwrap();
    let pointer = format!("#/components/schemas/Deep{}/maxLength", "/items".repeat(levels));
    (0..9)
        .map(|_| {
            let started = Instant::now();
            let Err(err) = crmgen::load::load_str(&text) else { panic!("the invalid leaf is accepted") };
            let elapsed = started.elapsed();
            assert_eq!(err.location().and_then(|l| l.pointer.as_deref()), Some(pointer.as_str()), "{err}");
            elapsed
        })
        .min()
        .unwrap()
}

/// The model's deserializer retries at every level of an invalid nested
/// schema (time doubling per level); the element-wise check refuses the
/// innermost element first, so twice the depth costs about twice the time.
#[test]
fn refusing_a_deep_invalid_schema_takes_time_linear_in_its_depth() {
    let (shallow, deep) = (refusal_time(17), refusal_time(34));
    let ratio = deep.as_secs_f64() / shallow.as_secs_f64().max(1e-6);
    // Linear: about 2 (up to 4, the cost of copying each level once more);
    // exponential would be 2^17.
    assert!(ratio < 8.0, "17 levels: {shallow:?}, 34 levels: {deep:?} (ratio {ratio:.1})");
}

/// Inputs that are not specs at all.
#[test]
fn garbage_never_panics() {
    for text in [
        "",
        "   ",
        "null",
        "[]",
        "42",
        "openapi: 3.0.3",
        "openapi: [3]",
        "{\"openapi\": \"3.1.0\"}",
        "openapi: 3.0.3\npaths: 7",
        "\u{0}\u{1}",
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents: {schemas: {A: {$ref: '#/components/schemas/A'}}}",
    ] {
        let outcome = catch_unwind(|| crmgen::generate_str(text, &options()));
        assert!(outcome.is_ok(), "panic on {text:?}");
    }
}
