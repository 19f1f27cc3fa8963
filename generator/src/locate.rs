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
    let target: Vec<String> =
        pointer.trim_start_matches('#').split('/').skip(1).map(|s| s.replace("~1", "/").replace("~0", "~")).collect();
    let mut finder = Finder { target, frames: Vec::new(), best: None, best_len: 0 };
    let mut parser = Parser::new_from_str(text);
    // A syntax error ends the walk; what was found so far still helps.
    let _ = parser.load(&mut finder, false);
    finder.best.map(|m| (m.line(), m.col() + 1))
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
    target: Vec<String>,
    frames: Vec<Frame>,
    best: Option<Marker>,
    best_len: usize,
}

impl Finder {
    fn in_key_position(&self) -> bool {
        matches!(self.frames.last(), Some(Frame::Map { key: None, .. }))
    }

    /// A node starts at `mark`: remember it if its path is a longer prefix
    /// of the target than any seen so far.
    fn node(&mut self, mark: Marker) {
        let mut depth = 0;
        for (frame, want) in self.frames.iter().zip(&self.target) {
            let matches = match frame {
                Frame::Map { key: Some(k), .. } => k == want,
                Frame::Seq { index } => index.to_string() == *want,
                Frame::Map { key: None, .. } => false,
            };
            if !matches {
                return;
            }
            depth += 1;
        }
        if depth == self.frames.len() && (self.best.is_none() || depth > self.best_len) {
            let at = match self.frames.last() {
                Some(Frame::Map { at: Some(at), .. }) => *at,
                _ => mark,
            };
            self.best = Some(at);
            self.best_len = depth;
        }
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
                self.node(mark);
                self.frames.push(Frame::Map { key: None, at: None });
            }
            Event::SequenceStart(..) => {
                self.node(mark);
                self.frames.push(Frame::Seq { index: 0 });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.frames.pop();
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
    }
}
