//! From a JSON pointer to a line and column in the YAML/JSON text, so that
//! every error can say where it is even when the parser did not.

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

use crate::error::Error;

/// Adds the line and column of the error's pointer, when it has one and
/// the text has that node.
pub fn fill(mut error: Error, text: &str) -> Error {
    if let Error::Parse { location, .. } | Error::Unsupported { location, .. } | Error::Invalid { location, .. } =
        &mut error
    {
        if location.line_col.is_none() {
            if let Some(p) = &location.pointer {
                location.line_col = line_col(text, p);
            }
        }
    }
    error
}

/// The 1-based line and column of the node at `pointer` (`#/paths/~1x/get`),
/// or of its closest ancestor present in the text.
pub fn line_col(text: &str, pointer: &str) -> Option<(usize, usize)> {
    line_cols(text, &[pointer]).pop().flatten()
}

/// [`line_col`] for many pointers, in one pass over the text.
pub fn line_cols(text: &str, pointers: &[&str]) -> Vec<Option<(usize, usize)>> {
    // Nothing to find: no walk (a spec without warnings is not parsed again).
    if pointers.is_empty() {
        return Vec::new();
    }
    // A JSON document is scanned by [`json_events`], several times faster
    // than a YAML parser reads JSON's flow style; both feed the same finder.
    // A syntax error ends either walk; what was found so far still helps.
    find(text, pointers, text.trim_start().starts_with(['{', '[']))
}

fn find(text: &str, pointers: &[&str], json: bool) -> Vec<Option<Pos>> {
    let targets: Vec<Vec<String>> = pointers.iter().map(|p| segments(p)).collect();
    let mut finder = Finder {
        best: vec![None; targets.len()],
        alive: vec![(0..targets.len()).collect()],
        targets,
        frames: Vec::new(),
    };
    if json {
        json_events(text, &mut finder);
    } else {
        let _ = Parser::new_from_str(text).load(&mut finder, false);
    }
    finder.best.into_iter().map(|b| b.map(|(at, _)| at)).collect()
}

fn segments(pointer: &str) -> Vec<String> {
    pointer.trim_start_matches('#').split('/').skip(1).map(|s| s.replace("~1", "/").replace("~0", "~")).collect()
}

enum Frame {
    /// `at`: where the current key is written (a node is reported at its key).
    Map {
        key: Option<String>,
        at: Option<Pos>,
    },
    Seq {
        index: usize,
    },
}

struct Finder {
    targets: Vec<Vec<String>>,
    /// Per open container (and the document root first): the targets whose
    /// path runs through it.
    alive: Vec<Vec<usize>>,
    frames: Vec<Frame>,
    /// Per target: the deepest node on its path seen so far, and its depth.
    best: Vec<Option<(Pos, usize)>>,
}

impl Finder {
    fn in_key_position(&self) -> bool {
        matches!(self.frames.last(), Some(Frame::Map { key: None, .. }))
    }

    /// A node starts at `mark`: the targets it lies on remember it, and
    /// the ones it may contain are returned.
    fn node(&mut self, mark: Pos) -> Vec<usize> {
        let depth = self.frames.len();
        let (segment, at) = match self.frames.last() {
            None => (None, mark),
            Some(Frame::Map { key: Some(k), at }) => (Some(k.clone()), at.unwrap_or(mark)),
            Some(Frame::Map { key: None, .. }) => return Vec::new(),
            Some(Frame::Seq { index }) => (Some(index.to_string()), mark),
        };
        let Some(parent) = self.alive.last() else { return Vec::new() };
        let on_path: Vec<usize> = match segment {
            None => parent.clone(),
            Some(segment) => parent
                .iter()
                .copied()
                .filter(|&t| self.targets[t].get(depth - 1).is_some_and(|s| *s == segment))
                .collect(),
        };
        for &t in &on_path {
            if !matches!(self.best[t], Some((_, d)) if d >= depth) {
                self.best[t] = Some((at, depth));
            }
        }
        on_path
    }

    fn node_done(&mut self) {
        match self.frames.last_mut() {
            Some(Frame::Map { key, at }) => {
                *key = None;
                *at = None;
            }
            Some(Frame::Seq { index }) => *index += 1,
            None => {}
        }
    }

    /// A scalar (or alias) at `mark`: a key when the innermost container
    /// is a mapping waiting for one (`key` is its text), a node otherwise.
    fn scalar(&mut self, key: impl FnOnce() -> String, mark: Pos) {
        if self.in_key_position() {
            if let Some(Frame::Map { key: slot, at }) = self.frames.last_mut() {
                *slot = Some(key());
                *at = Some(mark);
            }
        } else {
            self.node(mark);
            self.node_done();
        }
    }

    fn open(&mut self, frame: Frame, mark: Pos) {
        let inside = self.node(mark);
        self.alive.push(inside);
        self.frames.push(frame);
    }

    fn close(&mut self) {
        self.frames.pop();
        self.alive.pop();
        self.node_done();
    }
}

/// A 1-based line and column (in characters).
type Pos = (usize, usize);

impl MarkedEventReceiver for Finder {
    fn on_event(&mut self, event: Event, mark: Marker) {
        let at = (mark.line(), mark.col() + 1);
        match event {
            Event::Scalar(value, ..) => self.scalar(|| value, at),
            Event::Alias(_) => self.scalar(String::new, at),
            Event::MappingStart(..) => self.open(Frame::Map { key: None, at: None }, at),
            Event::SequenceStart(..) => self.open(Frame::Seq { index: 0 }, at),
            Event::MappingEnd | Event::SequenceEnd => self.close(),
            _ => {}
        }
    }
}

/// Feeds the structure of the JSON `text` to `finder`: containers, keys
/// and scalars with where each starts. It checks no more than it needs to
/// stay in step (the document was parsed before), and stops at the first
/// byte that fits no JSON token.
fn json_events(text: &str, finder: &mut Finder) {
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut lines = Lines { text, line: 1, counted: 0, col: 1 };
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'\n' => {
                i += 1;
                lines.new_line(i);
            }
            b' ' | b'\t' | b'\r' | b',' | b':' => i += 1,
            b'{' | b'[' => {
                let frame = if b == b'{' { Frame::Map { key: None, at: None } } else { Frame::Seq { index: 0 } };
                finder.open(frame, lines.at(i));
                i += 1;
            }
            b'}' | b']' => {
                finder.close();
                i += 1;
            }
            b'"' => {
                let start = i;
                i += 1;
                let mut escaped = false;
                while i < bytes.len() && bytes[i] != b'"' {
                    escaped |= bytes[i] == b'\\';
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
                let Some(raw) = text.get(start..i.min(bytes.len())) else { return };
                let key = || {
                    if escaped {
                        serde_json::from_str(raw).unwrap_or_default()
                    } else {
                        raw[1..raw.len().saturating_sub(1).max(1)].to_string()
                    }
                };
                finder.scalar(key, lines.at(start));
            }
            b'-' | b'0'..=b'9' | b't' | b'f' | b'n' => {
                finder.scalar(String::new, lines.at(i));
                while i < bytes.len() && !matches!(bytes[i], b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t') {
                    i += 1;
                }
            }
            _ => return,
        }
    }
}

/// Line and column of byte offsets that only grow: a line's characters are
/// counted once however many tokens it holds (a minified document is one
/// long line).
struct Lines<'a> {
    text: &'a str,
    line: usize,
    /// Characters before `counted` on the line put the column at `col`.
    counted: usize,
    col: usize,
}

impl Lines<'_> {
    fn new_line(&mut self, start: usize) {
        self.line += 1;
        (self.counted, self.col) = (start, 1);
    }

    fn at(&mut self, i: usize) -> Pos {
        self.col += self.text[self.counted..i].chars().count();
        self.counted = i;
        (self.line, self.col)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_nodes_in_yaml_and_json() {
        let yaml = "openapi: 3.0.3\npaths:\n  /things:\n    get:\n      parameters:\n        - name: a\n        - name: b\n          in: query\n";
        assert_eq!(line_col(yaml, "#/paths/~1things/get/parameters/1"), Some((7, 15)));
        // A value is reported where its key is written.
        assert_eq!(line_col(yaml, "#/paths/~1things/get/parameters/1/in"), Some((8, 11)));
        // A missing child points at its closest ancestor.
        assert_eq!(line_col(yaml, "#/paths/~1things/post"), Some((3, 3)));
        let json = "{\n  \"openapi\": \"3.0.3\",\n  \"paths\": {\"/x\": {\"get\": 1}}\n}";
        assert_eq!(line_col(json, "#/paths/~1x/get"), Some((3, 20)));
        assert_eq!(line_col(json, "#"), Some((1, 1)));
        assert_eq!(
            line_cols(yaml, &["#/paths/~1things/get/parameters/0", "#/nope", "#/paths/~1things/get/parameters/1/in"]),
            [Some((6, 15)), Some((1, 8)), Some((8, 11))]
        );
    }

    /// The JSON scanner finds every node where the YAML parser does, on a
    /// vendor's published document (every node's pointer), on escaped keys
    /// and on columns after multi-byte characters.
    #[test]
    fn json_scanner_agrees_with_the_yaml_parser() {
        fn pointers(value: &serde_json::Value, at: String, out: &mut Vec<String>) {
            let escape = |k: &str| k.replace('~', "~0").replace('/', "~1");
            match value {
                serde_json::Value::Object(map) => {
                    for (k, v) in map {
                        pointers(v, format!("{at}/{}", escape(k)), out);
                    }
                }
                serde_json::Value::Array(items) => {
                    for (i, v) in items.iter().enumerate() {
                        pointers(v, format!("{at}/{i}"), out);
                    }
                }
                _ => {}
            }
            out.push(at);
        }
        let vendor = include_str!("../../tests/fixtures/vendor/highlevel-objects.json");
        let tricky = r#"{"a\u00e9/b": {"x~y": [1, "\"q\"", {"k": null}]},
 "\u00e9\u00e9": true, "z": {"é": -1.5e3, "w": "日本", "v": 2}}"#;
        for text in [vendor, tricky] {
            let value: serde_json::Value = serde_json::from_str(text).unwrap();
            let mut all = Vec::new();
            pointers(&value, "#".into(), &mut all);
            all.push("#/missing/child".into());
            let all: Vec<&str> = all.iter().map(String::as_str).collect();
            let (json, yaml) = (find(text, &all, true), find(text, &all, false));
            assert!(json.iter().all(Option::is_some));
            for ((p, j), y) in all.iter().zip(&json).zip(&yaml) {
                assert_eq!(j, y, "{p}");
            }
        }
    }
}
