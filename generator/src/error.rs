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

/// A problem the generator worked around; `--strict` makes it an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// JSON pointer to the node the warning is about.
    pub pointer: String,
    /// What was wrong and what the generator did instead.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.pointer, self.message)
    }
}

/// Escapes one JSON-pointer segment (RFC 6901).
pub fn escape_pointer(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Renders the error for people: the message, the file and position,
    /// the JSON pointer, and the lines of the spec around the problem (see
    /// [`crate::render::diagnostic`]; never panics, whatever the text).
    pub fn render(&self, text: Option<&str>) -> String {
        crate::render::diagnostic(self, text)
    }
}

impl Error {
    /// [`Error::render`] with the text read back from the error's file.
    pub fn render_from_file(&self) -> String {
        let text = self.location().and_then(|l| l.file.as_ref()).and_then(|f| std::fs::read_to_string(f).ok());
        self.render(text.as_deref())
    }
}
