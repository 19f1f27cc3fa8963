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
    let targets: Vec<Vec<String>> = pointers.iter().map(|p| segments(p)).collect();
    let mut finder = Finder {
        best: vec![None; targets.len()],
        alive: vec![(0..targets.len()).collect()],
        targets,
        frames: Vec::new(),
    };
    let mut parser = Parser::new_from_str(text);
    // A syntax error ends the walk; what was found so far still helps.
    let _ = parser.load(&mut finder, false);
    finder.best.into_iter().map(|b| b.map(|(m, _)| (m.line(), m.col() + 1))).collect()
}

fn segments(pointer: &str) -> Vec<String> {
    pointer.trim_start_matches('#').split('/').skip(1).map(|s| s.replace("~1", "/").replace("~0", "~")).collect()
}

enum Frame {
    /// `at`: where the current key is written (a node is reported at its key).
    Map {
        key: Option<String>,
        at: Option<Marker>,
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
    best: Vec<Option<(Marker, usize)>>,
}

impl Finder {
    fn in_key_position(&self) -> bool {
        matches!(self.frames.last(), Some(Frame::Map { key: None, .. }))
    }

    /// A node starts at `mark`: the targets it lies on remember it, and
    /// the ones it may contain are returned.
    fn node(&mut self, mark: Marker) -> Vec<usize> {
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
}

impl MarkedEventReceiver for Finder {
    fn on_event(&mut self, event: Event, mark: Marker) {
        match event {
            Event::Scalar(value, ..) => {
                if self.in_key_position() {
                    if let Some(Frame::Map { key, at }) = self.frames.last_mut() {
                        *key = Some(value);
                        *at = Some(mark);
                    }
                } else {
                    self.node(mark);
                    self.node_done();
                }
            }
            Event::Alias(_) => {
                self.node(mark);
                self.node_done();
            }
            Event::MappingStart(..) => {
                let inside = self.node(mark);
                self.alive.push(inside);
                self.frames.push(Frame::Map { key: None, at: None });
            }
            Event::SequenceStart(..) => {
                let inside = self.node(mark);
                self.alive.push(inside);
                self.frames.push(Frame::Seq { index: 0 });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.frames.pop();
                self.alive.pop();
                self.node_done();
            }
            _ => {}
        }
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
}
