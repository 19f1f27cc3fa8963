//! `multipart/form-data` request bodies: text fields and file parts, the
//! files given as bytes or as a path streamed at send time.
//!
//! A generated form type (a struct per multipart operation) lists its parts
//! through [`MultipartBody`]; the client turns the description into a body
//! for every attempt, so a retried or re-authorised upload reopens its files
//! instead of holding them in memory.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use serde::Serialize;

use super::param::ToParam;

/// A file sent as one part of a multipart body.
///
/// ```
/// use crmgen_runtime::FilePart;
/// let photo = FilePart::from_path("photos/lead-42.png"); // streamed when sent
/// let note = FilePart::from_bytes("call notes").file_name("notes.txt").content_type("text/plain");
/// # let _ = (photo, note);
/// ```
#[derive(Clone, PartialEq)]
pub struct FilePart {
    source: Source,
    file_name: Option<String>,
    content_type: Option<String>,
}

#[derive(Clone, PartialEq)]
enum Source {
    Bytes(Bytes),
    Path(Arc<Path>),
}

impl FilePart {
    /// A file held in memory. Without a [`file_name`](Self::file_name) the
    /// part has none; without a [`content_type`](Self::content_type) it is
    /// the spec's for this part, else `application/octet-stream`.
    pub fn from_bytes(bytes: impl Into<Bytes>) -> Self {
        FilePart { source: Source::Bytes(bytes.into()), file_name: None, content_type: None }
    }

    /// A file read from `path` as the request is sent, in pieces: it is
    /// never held in memory whole, and it is opened again for each attempt.
    /// Its file name is the path's last component unless set; its content
    /// type the one set, else the spec's for this part, else the one its
    /// extension suggests.
    pub fn from_path(path: impl Into<PathBuf>) -> Self {
        let path: PathBuf = path.into();
        let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        FilePart { source: Source::Path(path.into()), file_name, content_type: None }
    }

    /// Sets the file name sent in the part's `Content-Disposition`.
    pub fn file_name(mut self, name: impl Into<String>) -> Self {
        self.file_name = Some(name.into());
        self
    }

    /// Sets the part's `Content-Type`, overriding the spec's.
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// The file name the part is sent with, if any.
    pub fn get_file_name(&self) -> Option<&str> {
        self.file_name.as_deref()
    }

    /// The path the file is read from, when it is not in memory.
    pub fn path(&self) -> Option<&Path> {
        match &self.source {
            Source::Path(p) => Some(p),
            Source::Bytes(_) => None,
        }
    }
}

impl fmt::Debug for FilePart {
    // The contents are never printed: they can be large, and they are the
    // user's data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("FilePart");
        match &self.source {
            Source::Bytes(b) => d.field("len", &b.len()),
            Source::Path(p) => d.field("path", p),
        };
        d.field("file_name", &self.file_name).field("content_type", &self.content_type).finish()
    }
}

/// A generated form type: lists its parts in the spec's order.
pub trait MultipartBody {
    /// The parts of the body.
    fn to_multipart(&self) -> Multipart;
}

/// The parts of a multipart body, in order, before any file is opened.
#[derive(Clone, Debug, Default)]
pub struct Multipart {
    parts: Vec<(String, Part)>,
    error: Option<String>,
}

#[derive(Clone, Debug)]
enum Part {
    Text { value: String, content_type: Option<&'static str> },
    File { file: FilePart, content_type: Option<&'static str> },
}

impl Multipart {
    /// No parts yet.
    pub fn new() -> Self {
        Multipart::default()
    }

    /// A text part holding a scalar in its query form (`true`, `42`, ...);
    /// `content_type` is the spec's `encoding` for it, if any.
    pub fn text(mut self, name: &str, value: &impl ToParam, content_type: Option<&'static str>) -> Self {
        self.parts.push((name.to_string(), Part::Text { value: value.to_param(), content_type }));
        self
    }

    /// A text part when the value is set.
    pub fn text_opt<T: ToParam>(self, name: &str, value: Option<&T>, content_type: Option<&'static str>) -> Self {
        match value {
            Some(v) => self.text(name, v, content_type),
            None => self,
        }
    }

    /// One text part per item, each under `name`.
    pub fn text_list<T: ToParam>(self, name: &str, values: &[T], content_type: Option<&'static str>) -> Self {
        values.iter().fold(self, |form, v| form.text(name, v, content_type))
    }

    /// One text part per item, when the list is set.
    pub fn text_list_opt<T: ToParam>(
        self,
        name: &str,
        values: Option<&[T]>,
        content_type: Option<&'static str>,
    ) -> Self {
        match values {
            Some(v) => self.text_list(name, v, content_type),
            None => self,
        }
    }

    /// A part holding a value as JSON (objects, arrays of objects), sent as
    /// `application/json` unless the spec's `encoding` says otherwise.
    pub fn json<T: Serialize>(mut self, name: &str, value: &T, content_type: Option<&'static str>) -> Self {
        match serde_json::to_string(value) {
            Ok(value) => {
                let content_type = Some(content_type.unwrap_or("application/json"));
                self.parts.push((name.to_string(), Part::Text { value, content_type }));
            }
            Err(e) => {
                if self.error.is_none() {
                    self.error = Some(format!("the multipart field `{name}` does not serialize to JSON: {e}"));
                }
            }
        }
        self
    }

    /// A JSON part when the value is set.
    pub fn json_opt<T: Serialize>(self, name: &str, value: Option<&T>, content_type: Option<&'static str>) -> Self {
        match value {
            Some(v) => self.json(name, v, content_type),
            None => self,
        }
    }

    /// A file part; `content_type` is the spec's `encoding` for it, used
    /// when the file does not set its own.
    pub fn file(mut self, name: &str, file: &FilePart, content_type: Option<&'static str>) -> Self {
        self.parts.push((name.to_string(), Part::File { file: file.clone(), content_type }));
        self
    }

    /// A file part when the file is set.
    pub fn file_opt(self, name: &str, file: Option<&FilePart>, content_type: Option<&'static str>) -> Self {
        match file {
            Some(f) => self.file(name, f, content_type),
            None => self,
        }
    }

    /// One file part per file, each under `name`.
    pub fn file_list(self, name: &str, files: &[FilePart], content_type: Option<&'static str>) -> Self {
        files.iter().fold(self, |form, f| form.file(name, f, content_type))
    }

    /// One file part per file, when the list is set.
    pub fn file_list_opt(self, name: &str, files: Option<&[FilePart]>, content_type: Option<&'static str>) -> Self {
        match files {
            Some(f) => self.file_list(name, f, content_type),
            None => self,
        }
    }

    pub(crate) fn take_error(&mut self) -> Option<String> {
        self.error.take()
    }

    /// The body for one attempt: files are opened (not read) here.
    pub(crate) async fn to_form(&self) -> Result<reqwest::multipart::Form, String> {
        let mut form = reqwest::multipart::Form::new();
        for (name, part) in &self.parts {
            let built = match part {
                Part::Text { value, content_type } => {
                    let p = reqwest::multipart::Part::text(value.clone());
                    match content_type {
                        Some(ct) => mime(p, ct, name)?,
                        None => p,
                    }
                }
                Part::File { file, content_type } => file_part(name, file, *content_type).await?,
            };
            form = form.part(name.clone(), built);
        }
        Ok(form)
    }
}

fn mime(part: reqwest::multipart::Part, content_type: &str, name: &str) -> Result<reqwest::multipart::Part, String> {
    part.mime_str(content_type).map_err(|_| format!("the multipart part `{name}` has an invalid content type"))
}

/// The spec's `encoding.contentType` may list alternatives or a range
/// (`image/png, image/jpeg`, `image/*`): only a single, exact type is
/// a default worth sending.
fn exact(content_type: Option<&'static str>) -> Option<&'static str> {
    content_type.filter(|ct| !ct.contains(',') && !ct.contains('*'))
}

async fn file_part(
    name: &str,
    file: &FilePart,
    spec_type: Option<&'static str>,
) -> Result<reqwest::multipart::Part, String> {
    let part = match &file.source {
        Source::Bytes(bytes) => {
            let p = reqwest::multipart::Part::stream_with_length(bytes.clone(), bytes.len() as u64);
            mime(p, "application/octet-stream", name)?
        }
        // `Part::file` opens the file, takes its length and guesses the
        // content type from the extension; the body is read in pieces.
        Source::Path(path) => reqwest::multipart::Part::file(path)
            .await
            .map_err(|e| format!("the file for multipart part `{name}` ({}) cannot be opened: {e}", path.display()))?,
    };
    let chosen = file.content_type.as_deref().or(exact(spec_type));
    let part = match chosen {
        Some(ct) => mime(part, ct, name)?,
        None => part,
    };
    Ok(match &file.file_name {
        Some(n) => part.file_name(n.clone()),
        None => part,
    })
}
