//! OpenAPI Overlays (Overlay Specification 1.0.0, and 1.1's `copy`): an
//! ordered list of actions, each a JSONPath `target` with an `update`, a
//! `remove` or a `copy`, applied one after another to the document.
//!
//! Applied strictly: an action whose target selects nothing is an error
//! located in the overlay (file, line, the action's pointer, the target).
//! Every action should carry `x-curation-note` (optional in the format;
//! our curated specs require one): an action without one is a warning.
//!
//! While applying, [`Provenance`] records where each inserted node was
//! written (the overlay and the pointer of its `update` value, or where a
//! `copy` took it from), so that an error in the effective document points
//! at the line someone wrote.
//!
//! JSONPath (RFC 9535) is `serde_json_path`: maintained, it follows the
//! RFC (with its compliance suite), works on the `serde_json::Value` the
//! loader already reads, and gives each selected node's normalized path,
//! which the provenance needs. The overlay crates we looked at apply a
//! whole overlay at once and do not say where each inserted node came
//! from, so the actions (a few dozen lines) are applied here.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;
use serde_json_path::JsonPath;

use crate::error::{escape_pointer, Error, Location, Result};
use crate::Warning;

/// Where a node of the effective document was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// In the spec, at this pointer.
    Spec(String),
    /// In overlay number `overlay` (in the order applied), at this pointer.
    Overlay { overlay: usize, pointer: String },
}

impl Origin {
    fn child(&self, rest: &[String]) -> Origin {
        let extend = |p: &str| {
            let mut p = p.to_string();
            for s in rest {
                p.push('/');
                p.push_str(&escape_pointer(s));
            }
            p
        };
        match self {
            Origin::Spec(p) => Origin::Spec(extend(p)),
            Origin::Overlay { overlay, pointer } => Origin::Overlay { overlay: *overlay, pointer: extend(pointer) },
        }
    }
}

/// For each subtree an overlay wrote or moved: where it was written. A
/// node without an entry on its path is where the spec wrote it.
#[derive(Debug, Default, Clone)]
pub struct Provenance {
    entries: BTreeMap<Vec<String>, Origin>,
}

impl Provenance {
    /// Where the node at `path` (segments of the effective document) was written.
    pub fn origin(&self, path: &[String]) -> Origin {
        for k in (0..=path.len()).rev() {
            if let Some(origin) = self.entries.get(&path[..k]) {
                return origin.child(&path[k..]);
            }
        }
        Origin::Spec(pointer_of(path))
    }

    /// [`Provenance::origin`] of a pointer (`#/paths/~1x`).
    pub fn origin_of_pointer(&self, pointer: &str) -> Origin {
        self.origin(&segments(pointer))
    }

    fn clear_under(&mut self, path: &[String]) {
        self.entries.retain(|k, _| !k.starts_with(path));
    }

    fn set(&mut self, path: Vec<String>, origin: Origin) {
        self.clear_under(&path);
        self.entries.insert(path, origin);
    }

    /// Element `index` of the array at `parent` is removed: the elements
    /// after it move down by one and keep where they were written.
    fn remove_element(&mut self, parent: &[String], index: usize, len: usize) {
        let mut at = parent.to_vec();
        at.push(String::new());
        for j in index + 1..len {
            at[parent.len()] = j.to_string();
            if !self.entries.contains_key(&at) {
                let origin = self.origin(&at);
                self.entries.insert(at.clone(), origin);
            }
        }
        at[parent.len()] = index.to_string();
        self.clear_under(&at);
        let moved: Vec<(Vec<String>, Origin)> = self
            .entries
            .iter()
            .filter(|(k, _)| {
                k.len() > parent.len()
                    && k.starts_with(parent)
                    && k[parent.len()].parse::<usize>().is_ok_and(|j| j > index)
            })
            .map(|(k, o)| (k.clone(), o.clone()))
            .collect();
        for (k, _) in &moved {
            self.entries.remove(k);
        }
        for (mut k, o) in moved {
            let j: usize = k[parent.len()].parse().unwrap_or(index + 1);
            k[parent.len()] = (j - 1).to_string();
            self.entries.insert(k, o);
        }
    }
}

/// The segments of a JSON pointer (`#/a/b~1c` -> `a`, `b/c`).
pub fn segments(pointer: &str) -> Vec<String> {
    pointer.trim_start_matches('#').split('/').skip(1).map(|s| s.replace("~1", "/").replace("~0", "~")).collect()
}

/// The JSON pointer of `path` (`#` for the root).
pub fn pointer_of(path: &[String]) -> String {
    let mut p = String::from("#");
    for s in path {
        p.push('/');
        p.push_str(&escape_pointer(s));
    }
    p
}

/// An overlay document, as read.
#[derive(Debug, Clone)]
pub struct Overlay {
    /// The file it was read from.
    pub file: PathBuf,
    /// Its text (for lines of errors and warnings).
    pub text: String,
    actions: Vec<Value>,
}

/// A problem in an overlay file, located there.
fn located(file: &std::path::Path, text: &str, pointer: String, message: String) -> Error {
    let line_col = crate::locate::line_col(text, &pointer);
    Error::Invalid { location: Location { file: Some(file.to_path_buf()), line_col, pointer: Some(pointer) }, message }
}

impl Overlay {
    /// Reads an overlay document (YAML or JSON) and checks its shape.
    pub fn parse(file: PathBuf, text: String) -> Result<Overlay> {
        let value: Value = if text.trim_start().starts_with('{') {
            serde_json::from_str(&text).map_err(|e| Error::Parse {
                location: Location { file: Some(file.clone()), line_col: Some((e.line(), e.column())), pointer: None },
                message: format!("the overlay is not valid JSON: {e}"),
            })?
        } else {
            serde_yaml::from_str(&text).map_err(|e| Error::Parse {
                location: Location {
                    file: Some(file.clone()),
                    line_col: e.location().map(|l| (l.line(), l.column())),
                    pointer: None,
                },
                message: format!("the overlay is not valid YAML/JSON: {e}"),
            })?
        };
        let bad = |pointer: &str, message: String| located(&file, &text, pointer.to_string(), message);
        let Some(object) = value.as_object() else {
            return Err(bad("#", "an overlay is an object with `overlay`, `info` and `actions`".into()));
        };
        match object.get("overlay").and_then(Value::as_str) {
            Some(v) if v.starts_with("1.0.") || v.starts_with("1.1.") => {}
            Some(v) => {
                return Err(bad("#/overlay", format!("overlay version {v} is not supported; expected 1.0.x or 1.1.x")))
            }
            None => return Err(bad("#", "not an overlay: the `overlay` version (1.0.0 or 1.1.0) is missing".into())),
        }
        let Some(actions) = object.get("actions").and_then(Value::as_array) else {
            return Err(bad("#/actions", "an overlay needs a list of `actions`".into()));
        };
        for (i, action) in actions.iter().enumerate() {
            let at = format!("#/actions/{i}");
            let Some(action) = action.as_object() else {
                return Err(bad(&at, "an action is an object with a `target`".into()));
            };
            match action.get("target") {
                Some(Value::String(t)) => {
                    if let Err(e) = JsonPath::parse(t) {
                        return Err(bad(&format!("{at}/target"), format!("the target `{t}` is not a JSONPath: {e}")));
                    }
                }
                _ => return Err(bad(&at, "the action has no `target` (a JSONPath string)".into())),
            }
            let remove = match action.get("remove") {
                None => false,
                Some(Value::Bool(b)) => *b,
                Some(_) => return Err(bad(&format!("{at}/remove"), "`remove` is true or false".into())),
            };
            let copy = match action.get("copy") {
                None => false,
                Some(Value::String(c)) => {
                    if let Err(e) = JsonPath::parse(c) {
                        return Err(bad(&format!("{at}/copy"), format!("`copy` `{c}` is not a JSONPath: {e}")));
                    }
                    true
                }
                Some(_) => return Err(bad(&format!("{at}/copy"), "`copy` is a JSONPath string".into())),
            };
            let update = action.contains_key("update");
            if usize::from(remove) + usize::from(copy) + usize::from(update) != 1 {
                return Err(bad(&at, "an action has exactly one of `update`, `remove: true` or `copy`".into()));
            }
        }
        Ok(Overlay { file, actions: actions.clone(), text })
    }

    /// One warning per action without an `x-curation-note`.
    pub fn curation_warnings(&self) -> Vec<Warning> {
        self.actions
            .iter()
            .enumerate()
            .filter(|(_, a)| a.get("x-curation-note").is_none_or(|n| n.as_str().is_none_or(|s| s.trim().is_empty())))
            .map(|(i, _)| Warning {
                pointer: format!("#/actions/{i}"),
                message: "the action has no `x-curation-note`; each curated change says why it is made".into(),
            })
            .collect()
    }

    /// Applies the actions, in order, to `doc`; `index` is this overlay's
    /// place in the list applied (for [`Origin::Overlay`]).
    pub fn apply(&self, index: usize, doc: &mut Value, provenance: &mut Provenance) -> Result<()> {
        for (a, action) in self.actions.iter().enumerate() {
            let at = format!("#/actions/{a}");
            let fail =
                |message: String| located(&self.file, &self.text, format!("{at}/target"), message).with_pointer(&at);
            let target = action.get("target").and_then(Value::as_str).unwrap_or_default();
            let path =
                JsonPath::parse(target).map_err(|e| fail(format!("the target `{target}` is not a JSONPath: {e}")))?;
            let mut targets: Vec<Vec<String>> = path
                .query_located(doc)
                .locations()
                .map(|l| {
                    l.iter()
                        .map(|e| {
                            e.as_name()
                                .map(str::to_string)
                                .or_else(|| e.as_index().map(|i| i.to_string()))
                                .unwrap_or_default()
                        })
                        .collect()
                })
                .collect();
            targets.dedup();
            if targets.is_empty() {
                return Err(fail(format!(
                    "the target `{target}` selects nothing (overlays are applied strictly: every action must change the document)"
                )));
            }
            if action.get("remove").and_then(Value::as_bool) == Some(true) {
                // From the last to the first, so that array indices stay right.
                targets.sort_by(|x, y| compare_paths(y, x));
                for t in &targets {
                    remove(doc, t, provenance).map_err(&fail)?;
                }
            } else if let Some(source) = action.get("copy").and_then(Value::as_str) {
                let from = JsonPath::parse(source).map_err(|e| fail(format!("`copy` is not a JSONPath: {e}")))?;
                let found = from.query_located(doc).all();
                let [one] = found.as_slice() else {
                    return Err(located(
                        &self.file,
                        &self.text,
                        format!("{at}/copy"),
                        format!("`copy` `{source}` must select exactly one node; it selects {}", found.len()),
                    )
                    .with_pointer(&at));
                };
                let source_path: Vec<String> = one
                    .location()
                    .iter()
                    .map(|e| {
                        e.as_name()
                            .map(str::to_string)
                            .or_else(|| e.as_index().map(|i| i.to_string()))
                            .unwrap_or_default()
                    })
                    .collect();
                let value = one.node().clone();
                let origin = provenance.origin(&source_path);
                for t in &targets {
                    update(doc, t, &value, &origin, provenance);
                }
            } else {
                let value = action.get("update").cloned().unwrap_or(Value::Null);
                let origin = Origin::Overlay { overlay: index, pointer: format!("{at}/update") };
                for t in &targets {
                    update(doc, t, &value, &origin, provenance);
                }
            }
        }
        Ok(())
    }
}

impl Error {
    fn with_pointer(mut self, pointer: &str) -> Error {
        if let Error::Invalid { location, .. } = &mut self {
            location.pointer = Some(pointer.to_string());
        }
        self
    }
}

/// Document order of two paths (array indices compared as numbers).
fn compare_paths(x: &[String], y: &[String]) -> std::cmp::Ordering {
    for (a, b) in x.iter().zip(y) {
        let o = match (a.parse::<usize>(), b.parse::<usize>()) {
            (Ok(a), Ok(b)) => a.cmp(&b),
            _ => a.cmp(b),
        };
        if o != std::cmp::Ordering::Equal {
            return o;
        }
    }
    x.len().cmp(&y.len())
}

fn node_mut<'a>(doc: &'a mut Value, path: &[String]) -> Option<&'a mut Value> {
    path.iter().try_fold(doc, |v, s| match v {
        Value::Object(m) => m.get_mut(s),
        Value::Array(a) => s.parse::<usize>().ok().and_then(|i| a.get_mut(i)),
        _ => None,
    })
}

fn remove(doc: &mut Value, path: &[String], provenance: &mut Provenance) -> Result<(), String> {
    let Some((last, parent_path)) = path.split_last() else {
        return Err("`remove` cannot remove the whole document".into());
    };
    match node_mut(doc, parent_path) {
        Some(Value::Object(m)) => {
            m.shift_remove(last);
            provenance.clear_under(path);
        }
        Some(Value::Array(a)) => {
            let i: usize = last.parse().map_err(|_| format!("`{last}` is not an index"))?;
            if i < a.len() {
                provenance.remove_element(parent_path, i, a.len());
                a.remove(i);
            }
        }
        _ => {}
    }
    Ok(())
}

/// Merges `value` into the node at `path` (the Overlay Specification's
/// rules): objects merge member by member, recursively; an array target
/// gets `value` appended (an array nested in an object merge is extended
/// with the update's elements); anything else is replaced. `origin` is
/// where `value` was written.
fn update(doc: &mut Value, path: &[String], value: &Value, origin: &Origin, provenance: &mut Provenance) {
    let Some(node) = node_mut(doc, path) else { return };
    match (node, value) {
        (Value::Array(items), _) => {
            let mut at = path.to_vec();
            at.push(items.len().to_string());
            items.push(value.clone());
            provenance.set(at, origin.clone());
        }
        (node, _) => merge(node, path.to_vec(), value, origin, provenance),
    }
}

fn merge(node: &mut Value, path: Vec<String>, value: &Value, origin: &Origin, provenance: &mut Provenance) {
    match (node, value) {
        (Value::Object(target), Value::Object(members)) => {
            for (k, v) in members {
                let mut at = path.clone();
                at.push(k.clone());
                let from = origin.child(std::slice::from_ref(k));
                match target.get_mut(k) {
                    Some(existing @ Value::Object(_)) if v.is_object() => merge(existing, at, v, &from, provenance),
                    Some(Value::Array(items)) if v.is_array() => {
                        for (j, item) in v.as_array().into_iter().flatten().enumerate() {
                            let mut el = at.clone();
                            el.push(items.len().to_string());
                            items.push(item.clone());
                            provenance.set(el, from.child(&[j.to_string()]));
                        }
                    }
                    _ => {
                        target.insert(k.clone(), v.clone());
                        provenance.set(at, from);
                    }
                }
            }
        }
        (node, value) => {
            *node = value.clone();
            provenance.set(path, origin.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn overlay(yaml: &str) -> Overlay {
        Overlay::parse("o.yaml".into(), yaml.into()).unwrap_or_else(|e| panic!("{e}"))
    }

    /// After an array element is removed, the elements after it keep
    /// where they were written (the spec's index, an overlay's pointer).
    #[test]
    fn provenance_follows_elements_that_move_down() {
        let mut doc = serde_json::json!({"a": [0, 1, 2]});
        let mut p = Provenance::default();
        let o = overlay(
            "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n  - target: $.a\n    update: 3\n  - target: $.a[0]\n    remove: true\n",
        );
        o.apply(0, &mut doc, &mut p).unwrap();
        assert_eq!(doc, serde_json::json!({"a": [1, 2, 3]}));
        let at = |i: &str| p.origin(&["a".to_string(), i.to_string()]);
        assert_eq!(at("0"), Origin::Spec("#/a/1".into()));
        assert_eq!(at("1"), Origin::Spec("#/a/2".into()));
        assert_eq!(at("2"), Origin::Overlay { overlay: 0, pointer: "#/actions/0/update".into() });
    }

    #[test]
    fn malformed_actions_are_refused_located() {
        let err = Overlay::parse(
            "o.yaml".into(),
            "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n  - target: $.a\n    update: 1\n    remove: true\n"
                .into(),
        )
        .unwrap_err();
        assert_eq!(err.location().and_then(|l| l.line_col).map(|(l, _)| l), Some(4), "{err}");
        let err =
            Overlay::parse("o.yaml".into(), "overlay: 1.0.0\nactions:\n  - target: '$[?'\n    remove: true\n".into())
                .unwrap_err();
        assert_eq!(err.location().and_then(|l| l.pointer.as_deref()), Some("#/actions/0/target"), "{err}");
    }
}
