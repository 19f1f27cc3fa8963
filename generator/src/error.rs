//! The generator's one error type: every failure names the file and, when
//! known, the line/column and the JSON pointer of the offending node.

use std::fmt;
use std::path::PathBuf;

/// Where in a spec something went wrong.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    /// The spec file, when the input came from a file.
    pub file: Option<PathBuf>,
    /// 1-based line and column, when the parser knows them.
    pub line_col: Option<(usize, usize)>,
    /// JSON pointer into the document (`#/paths/~1things/get`).
    pub pointer: Option<String>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(file) = &self.file {
            let mut s = file.display().to_string();
            if let Some((l, c)) = self.line_col {
                s.push_str(&format!(":{l}:{c}"));
            }
            parts.push(s);
        } else if let Some((l, c)) = self.line_col {
            parts.push(format!("line {l}, column {c}"));
        }
        if let Some(p) = &self.pointer {
            parts.push(p.clone());
        }
        if parts.is_empty() {
            f.write_str("<input>")
        } else {
            f.write_str(&parts.join(" at "))
        }
    }
}

/// A generator error: what is wrong and where.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The spec file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The document is not valid YAML/JSON or does not have the OpenAPI shape.
    #[error("{location}: {message}")]
    Parse { location: Location, message: String },
    /// The document is well-formed but uses something the generator refuses.
    #[error("{location}: {message}")]
    Unsupported { location: Location, message: String },
    /// The document is inconsistent (dangling `$ref`, duplicate operationId, ...).
    #[error("{location}: {message}")]
    Invalid { location: Location, message: String },
    /// The emitted tokens did not parse as Rust (a generator bug).
    #[error("internal error: generated code for {what} does not parse: {message}")]
    Internal { what: String, message: String },
}

impl Error {
    pub(crate) fn unsupported(pointer: &str, message: impl Into<String>) -> Self {
        Error::Unsupported {
            location: Location { pointer: Some(pointer.to_string()), ..Location::default() },
            message: message.into(),
        }
    }

    pub(crate) fn invalid(pointer: &str, message: impl Into<String>) -> Self {
        Error::Invalid {
            location: Location { pointer: Some(pointer.to_string()), ..Location::default() },
            message: message.into(),
        }
    }

    /// The location of the error, if it has one.
    pub fn location(&self) -> Option<&Location> {
        match self {
            Error::Parse { location, .. } | Error::Unsupported { location, .. } | Error::Invalid { location, .. } => {
                Some(location)
            }
            Error::Io { .. } | Error::Internal { .. } => None,
        }
    }

    /// Attaches the spec file to the error's location.
    pub fn with_file(mut self, file: impl Into<PathBuf>) -> Self {
        if let Error::Parse { location, .. } | Error::Unsupported { location, .. } | Error::Invalid { location, .. } =
            &mut self
        {
            if location.file.is_none() {
                location.file = Some(file.into());
            }
        }
        self
    }
}

/// Escapes one JSON-pointer segment (RFC 6901).
pub fn escape_pointer(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An error as a `miette` diagnostic over the spec's text.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{message}")]
struct Diagnostic {
    message: String,
    #[source_code]
    code: miette::NamedSource<String>,
    #[label("{label}")]
    span: Option<miette::SourceSpan>,
    label: String,
    #[help]
    help: Option<String>,
}

impl Error {
    /// Renders the error for people: the message, the file and position,
    /// the JSON pointer, and the lines of the spec around the problem.
    pub fn render(&self, text: Option<&str>) -> String {
        let (Some(location), Some(text)) = (self.location(), text) else {
            return format!("error: {self}");
        };
        let Some((line, col)) = location.line_col else {
            return format!("error: {self}");
        };
        let offset = text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum::<usize>()
            + col.saturating_sub(1);
        let offset = offset.min(text.len());
        let message = match self {
            Error::Parse { message, .. } | Error::Unsupported { message, .. } | Error::Invalid { message, .. } => {
                message.clone()
            }
            other => other.to_string(),
        };
        let name = location.file.as_ref().map(|f| f.display().to_string()).unwrap_or_else(|| "<spec>".into());
        let diagnostic = Diagnostic {
            message,
            code: miette::NamedSource::new(name, text.to_string()),
            span: Some(miette::SourceSpan::from((offset, 0))),
            label: location.pointer.clone().unwrap_or_else(|| "here".into()),
            help: match self {
                Error::Unsupported { .. } => {
                    Some("this construct is not supported; see README \"Generate a client for your own spec\"".into())
                }
                _ => None,
            },
        };
        let mut out = String::new();
        let handler = miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor());
        match handler.render_report(&mut out, &diagnostic) {
            Ok(()) => out,
            Err(_) => format!("error: {self}"),
        }
    }
}

impl Error {
    /// [`Error::render`] with the text read back from the error's file.
    pub fn render_from_file(&self) -> String {
        let text = self.location().and_then(|l| l.file.as_ref()).and_then(|f| std::fs::read_to_string(f).ok());
        self.render(text.as_deref())
    }
}
