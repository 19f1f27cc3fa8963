//! Mutated specs never make the generator panic: each mutation of a valid
//! spec gives either a module (which parsed as Rust, `format` checks that)
//! or an error with a location.

use std::panic::{AssertUnwindSafe, catch_unwind};

use proptest::prelude::*;
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
    ]
}

fn apply(doc: &mut Value, at: usize, m: &Mutation) {
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
        Mutation::Delete => return,
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

proptest! {
    // A fixed seed: the same 256 mutations on every run, so CI time is stable.
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, rng_seed: proptest::test_runner::RngSeed::Fixed(20261123), ..ProptestConfig::default() })]

    #[test]
    fn mutated_specs_never_panic(seed in any::<usize>(), edits in proptest::collection::vec((any::<usize>(), mutation()), 1..4), as_yaml in any::<bool>()) {
        let seeds = seeds();
        let mut doc = seeds[seed % seeds.len()].clone();
        for (at, m) in &edits {
            apply(&mut doc, *at, m);
        }
        let text = if as_yaml { serde_yaml::to_string(&doc).unwrap() } else { serde_json::to_string_pretty(&doc).unwrap() };
        let outcome = catch_unwind(AssertUnwindSafe(|| crmgen::generate_str(&text, &options())));
        match outcome {
            Err(_) => prop_assert!(false, "the generator panicked on a spec mutated by {edits:?}"),
            Ok(Ok(generated)) => prop_assert!(generated.code.contains("@generated")),
            Ok(Err(e)) => prop_assert!(e.location().is_some(), "error without a location: {e}"),
        }
    }
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
