//! Errors and warnings rendered for people, safely on any input.
//!
//! The graphical renderer (`miette`) pads every source line it shows with
//! width arguments, and those are bounded: handed a spec published as one
//! line of several megabytes, it panics. So it is never handed the spec,
//! only a snippet: the lines around the problem, each cut to a window of
//! [`WINDOW`] characters on either side of the column (on character
//! boundaries), with the real line numbers kept. If rendering still fails,
//! the diagnostic falls back to one plain line: `file:line:col`, the JSON
//! pointer and the message.
//!
//! [`diagnostic`] and [`warnings`] are what the CLI prints; any other front
//! end (the corpus run, an editor integration) should print the same.

use std::fmt::Write as _;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

use crate::error::{Error, Location};
use crate::Warning;

/// Characters shown on either side of the column on the problem's line.
pub const WINDOW: usize = 120;
/// Lines shown before and after the problem's line.
const CONTEXT_LINES: usize = 2;
/// The longest message or label rendered; longer ones are cut (a message
/// can quote a whole string of the spec).
const MAX_MESSAGE: usize = 4096;
const MAX_LABEL: usize = 240;
const ELLIPSIS: &str = "…";

/// The error as people read it: the message, `file:line:col`, the JSON
/// pointer and, when `text` (the spec) is given and the position is known,
/// the lines around the problem. Never panics.
pub fn diagnostic(error: &Error, text: Option<&str>) -> String {
    let (Some(location), Some(text)) = (error.location(), text) else {
        return plain(error);
    };
    let Some((line, col)) = location.line_col else {
        return plain(error);
    };
    let Some(snippet) = Snippet::around(text, line, col, location) else {
        return plain(error);
    };
    let help = matches!(error, Error::Unsupported { .. })
        .then(|| "this construct is not supported; see README \"Generate a client for your own spec\"".to_string());
    let report = Report {
        message: cut(message(error), MAX_MESSAGE),
        label: cut(location.pointer.as_deref().unwrap_or("here"), MAX_LABEL),
        span: SourceSpan::from((snippet.offset, 0)),
        code: snippet,
        help,
    };
    let handler = miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
        .without_primary_span_start()
        .with_context_lines(CONTEXT_LINES);
    let mut out = String::new();
    // The snippet keeps every line short, so the renderer has no reason to
    // fail; should it still panic or fail, the plain line is printed.
    match catch_unwind(AssertUnwindSafe(|| handler.render_report(&mut out, &report))) {
        Ok(Ok(())) => out,
        Ok(Err(_)) | Err(_) => plain(error),
    }
}

/// The error on one line: `error: file:line:col at pointer: message`.
pub fn plain(error: &Error) -> String {
    format!("error: {}", cut(&error.to_string(), MAX_MESSAGE))
}

/// Each warning on one line, `warning: file:line:col at pointer: message`,
/// the positions found in one pass over `text`.
pub fn warnings(file: Option<&Path>, text: Option<&str>, warnings: &[Warning]) -> Vec<String> {
    let pointers: Vec<&str> = warnings.iter().map(|w| w.pointer.as_str()).collect();
    let positions = match text {
        Some(text) => crate::locate::line_cols(text, &pointers),
        None => vec![None; warnings.len()],
    };
    warnings
        .iter()
        .zip(positions)
        .map(|(w, line_col)| {
            let location = Location { file: file.map(Path::to_path_buf), line_col, pointer: Some(w.pointer.clone()) };
            format!("warning: {}: {}", cut(&location.to_string(), MAX_MESSAGE), cut(&w.message, MAX_MESSAGE))
        })
        .collect()
}

fn message(error: &Error) -> &str {
    match error {
        Error::Parse { message, .. } | Error::Unsupported { message, .. } | Error::Invalid { message, .. } => message,
        Error::Io { .. } | Error::Internal { .. } => "",
    }
}

/// `s` cut to at most `max` characters, on a character boundary.
fn cut(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((at, _)) => format!("{}{ELLIPSIS}", &s[..at]),
        None => s.to_string(),
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{message}")]
struct Report {
    message: String,
    label: String,
    span: SourceSpan,
    code: Snippet,
    help: Option<String>,
}

impl miette::Diagnostic for Report {
    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.code)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(miette::LabeledSpan::new_with_span(Some(self.label.clone()), self.span))))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help.as_ref().map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }
}

/// A few short lines of the spec, numbered as in the spec.
#[derive(Debug)]
struct Snippet {
    /// `file:line:col`, shown in the renderer's header.
    name: String,
    text: String,
    /// The 0-based line number of the snippet's first line in the spec.
    first_line: usize,
    /// Byte offset of the problem in `text`.
    offset: usize,
}

impl Snippet {
    /// The lines around 1-based `line` and `col` (a character count). A line
    /// past the end is read as the last line, a column past the end of its
    /// line as the line's end.
    fn around(text: &str, line: usize, col: usize, location: &Location) -> Option<Snippet> {
        let line_count = text.split('\n').count();
        let line = line.clamp(1, line_count);
        let first = line.saturating_sub(CONTEXT_LINES).max(1);
        let mut out = String::new();
        let mut offset = 0;
        for (i, raw) in text.split('\n').enumerate().skip(first - 1).take(line - first + 1 + CONTEXT_LINES) {
            let raw = raw.strip_suffix('\r').unwrap_or(raw);
            if i > first - 1 {
                out.push('\n');
            }
            if i + 1 == line {
                let chars = raw.chars().count();
                let col = col.clamp(1, chars + 1) - 1;
                let start = col.saturating_sub(WINDOW);
                let (window, at) = window(raw, start, start + 2 * WINDOW, col);
                offset = out.len() + at;
                out.push_str(&window);
                if window.is_empty() {
                    // The renderer shows no label on an empty line.
                    out.push(' ');
                }
            } else {
                out.push_str(&window(raw, 0, 2 * WINDOW, 0).0);
            }
        }
        let mut name = location.file.as_ref().map(|f| f.display().to_string()).unwrap_or_else(|| "<spec>".into());
        let _ = write!(name, ":{line}:{col}", col = col.max(1));
        Some(Snippet { name: cut(&name, MAX_LABEL), text: out, first_line: first - 1, offset })
    }
}

/// Characters `start..end` of `line`, marked with an ellipsis where cut,
/// control characters shown as `�`; and the byte offset of character `col`
/// in the result.
fn window(line: &str, start: usize, end: usize, col: usize) -> (String, usize) {
    let mut out = String::new();
    if start > 0 {
        out.push_str(ELLIPSIS);
    }
    let mut at = None;
    let mut chars = line.chars().enumerate().skip(start).peekable();
    while let Some((i, c)) = chars.next() {
        if i >= end {
            break;
        }
        if i == col {
            at = Some(out.len());
        }
        out.push(if c.is_control() && c != '\t' { '\u{fffd}' } else { c });
        if i + 1 == end && chars.peek().is_some() {
            out.push_str(ELLIPSIS);
        }
    }
    let at = at.unwrap_or(out.len());
    (out, at)
}

impl SourceCode for Snippet {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self.text.read_span(span, context_lines_before, context_lines_after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            inner.line() + self.first_line,
            inner.column(),
            inner.line_count(),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_at(line: usize, col: usize) -> Error {
        Error::Parse {
            location: Location { file: None, line_col: Some((line, col)), pointer: Some("#/paths".into()) },
            message: "bad".into(),
        }
    }

    #[test]
    fn a_long_line_is_cut_around_the_column() {
        let text = format!("{{\"a\": \"{}\", \"b\": 1}}", "x".repeat(200_000));
        let out = diagnostic(&error_at(1, 200_010), Some(&text));
        assert!(out.contains("<spec>:1:200010"), "{out}");
        assert!(out.contains("\"b\": 1"), "{out}");
        assert!(out.lines().all(|l| l.chars().count() < 3 * WINDOW), "{out}");
    }

    #[test]
    fn positions_past_the_end_and_multibyte_text_render() {
        let text = "ä😀ö\nzweite Zeile äöü\n";
        for (line, col) in [(1, 1), (1, 2), (1, 3), (1, 99), (2, 5), (3, 1), (40, 7), (0, 0)] {
            let out = diagnostic(&error_at(line, col), Some(text));
            assert!(out.contains("bad"), "({line}, {col}): {out}");
            assert!(out.contains("#/paths"), "({line}, {col}): {out}");
        }
        let out = diagnostic(&error_at(1, 200_010), Some(""));
        assert!(out.contains("bad"), "{out}");
    }

    #[test]
    fn windows_cut_on_character_boundaries() {
        let line = "ä".repeat(10);
        assert_eq!(window(&line, 2, 5, 3), (format!("{ELLIPSIS}äää{ELLIPSIS}"), ELLIPSIS.len() + 2));
        assert_eq!(window(&line, 0, 20, 10), (line.clone(), line.len()));
        assert_eq!(window("a\u{0}b", 0, 9, 1).0, "a\u{fffd}b");
    }

    #[test]
    fn warnings_carry_their_position() {
        let text = "openapi: 3.0.3\npaths:\n  /x: {}\n";
        let w = Warning { pointer: "#/paths/~1x".into(), message: "odd".into() };
        let out = warnings(Some(Path::new("spec.yaml")), Some(text), &[w]);
        assert_eq!(out, ["warning: spec.yaml:3:3 at #/paths/~1x: odd"]);
    }
}
