//! The one front end: a [`Source`] (the spec's text and file, and the
//! overlays to apply to it, in order) becomes a loaded document by
//! [`load`], whichever command asks (`crmgen generate|check|diff|module`,
//! `cargo xtask codegen|generate|api-diff`, the corpus and the bench), so
//! no path can leave an overlay out.
//!
//! Without overlays the spec's text is loaded as it is (and the loader's
//! fast path may read it again). With overlays the effective document is
//! written out as text (YAML for a YAML spec, JSON for a JSON one) and
//! that text is what is loaded, so every path reads what was generated
//! from, and `--write-effective` writes exactly that.
//!
//! Errors and warnings are located in what people wrote ([`Front::locate`]):
//! content an overlay inserted is reported at the overlay file's line of
//! that `update` value; everything else at the spec's line.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use crate::error::{Error, Location, Result};
use crate::overlay::{Origin, Overlay, Provenance};
use crate::Warning;

/// What to generate from: the spec and the overlays applied to it, in order.
#[derive(Debug, Clone)]
pub struct Source {
    /// The spec file (errors name it), when the text came from one.
    pub file: Option<PathBuf>,
    /// The spec's text.
    pub text: String,
    /// The overlays, in the order they are applied.
    pub overlays: Vec<OverlayText>,
}

/// An overlay file and its text.
#[derive(Debug, Clone)]
pub struct OverlayText {
    pub file: PathBuf,
    pub text: String,
}

impl Source {
    /// Reads the spec at `spec` and the overlays at `overlays` (in order).
    pub fn read(spec: &Path, overlays: &[PathBuf]) -> Result<Source> {
        let read = |p: &Path| std::fs::read_to_string(p).map_err(|source| Error::Io { path: p.to_path_buf(), source });
        let text = read(spec)?;
        let overlays =
            overlays.iter().map(|p| Ok(OverlayText { file: p.clone(), text: read(p)? })).collect::<Result<_>>()?;
        Ok(Source { file: Some(spec.to_path_buf()), text, overlays })
    }

    /// Spec text that came from no file, without overlays.
    pub fn from_text(text: impl Into<String>) -> Source {
        Source { file: None, text: text.into(), overlays: Vec::new() }
    }

    /// Adds an overlay, applied after the ones already there.
    pub fn with_overlay(mut self, file: impl Into<PathBuf>, text: impl Into<String>) -> Source {
        self.overlays.push(OverlayText { file: file.into(), text: text.into() });
        self
    }
}

/// A loaded source: the typed document, what loading worked around, and
/// how to locate errors and warnings in the files people wrote.
#[derive(Debug)]
pub struct Front<'a> {
    pub openapi: openapiv3::OpenAPI,
    /// Warnings about the effective document (pointers into it).
    pub warnings: Vec<Warning>,
    /// Actions without an `x-curation-note`: (overlay index, warning).
    pub curation: Vec<(usize, Warning)>,
    source: &'a Source,
    effective: Cow<'a, str>,
    overlays: Vec<Overlay>,
    provenance: Provenance,
}

/// Loads `source`: reads the overlays, applies them in order (strictly),
/// and loads the effective document. Errors are located ([`Front::locate`]).
pub fn load(source: &Source) -> Result<Front<'_>> {
    let with_file = |e: Error| match &source.file {
        Some(f) => e.with_file(f),
        None => e,
    };
    if source.overlays.is_empty() {
        let loaded =
            crate::load::load_str(&source.text).map_err(|e| with_file(crate::locate::fill(e, &source.text)))?;
        return Ok(Front {
            openapi: loaded.openapi,
            warnings: loaded.warnings,
            curation: Vec::new(),
            source,
            effective: Cow::Borrowed(&source.text),
            overlays: Vec::new(),
            provenance: Provenance::default(),
        });
    }
    let overlays =
        source.overlays.iter().map(|o| Overlay::parse(o.file.clone(), o.text.clone())).collect::<Result<Vec<_>>>()?;
    let json = source.text.trim_start().starts_with(['{', '[']);
    // The spec as a value: the loader's own reading (its errors, located
    // in the spec), before any overlay.
    let parsed: std::result::Result<serde_json::Value, ()> = if json {
        serde_json::from_str(&source.text).map_err(|_| ())
    } else {
        serde_yaml::from_str(&source.text).map_err(|_| ())
    };
    let Ok(mut doc) = parsed else {
        return Err(with_file(match crate::load::load_str(&source.text) {
            Err(e) => crate::locate::fill(e, &source.text),
            Ok(_) => Error::Parse { location: Location::default(), message: "cannot read the spec".into() },
        }));
    };
    let mut provenance = Provenance::default();
    for (i, overlay) in overlays.iter().enumerate() {
        overlay.apply(i, &mut doc, &mut provenance)?;
    }
    let effective = if json {
        serde_json::to_string_pretty(&doc).map(|mut s| {
            s.push('\n');
            s
        })
    } else {
        serde_yaml::to_string(&doc).map_err(|e| serde_json::Error::io(std::io::Error::other(e)))
    }
    .map_err(|e| Error::Internal { what: "the effective document".into(), message: e.to_string() })?;
    drop(doc);
    let curation =
        overlays.iter().enumerate().flat_map(|(i, o)| o.curation_warnings().into_iter().map(move |w| (i, w))).collect();
    let mut front = Front {
        openapi: openapiv3::OpenAPI::default(),
        warnings: Vec::new(),
        curation,
        source,
        effective: Cow::Owned(effective),
        overlays,
        provenance,
    };
    match crate::load::load_str(&front.effective) {
        Ok(loaded) => {
            front.openapi = loaded.openapi;
            front.warnings = loaded.warnings;
            Ok(front)
        }
        Err(e) => Err(front.locate(e)),
    }
}

impl Front<'_> {
    /// The typed document and its warnings, letting go of the source (for
    /// callers that locate nothing afterwards and want its memory back).
    pub fn into_document(self) -> (openapiv3::OpenAPI, Vec<Warning>) {
        (self.openapi, self.warnings)
    }

    /// The effective document's text: the spec's own when there are no overlays.
    pub fn effective_text(&self) -> &str {
        &self.effective
    }

    /// Where `pointer` (into the effective document) was written: the file,
    /// its text and the pointer there.
    fn origin(&self, pointer: &str) -> (Option<&Path>, &str, String) {
        if self.overlays.is_empty() {
            return (self.source.file.as_deref(), &self.source.text, pointer.to_string());
        }
        match self.provenance.origin_of_pointer(pointer) {
            Origin::Spec(p) => (self.source.file.as_deref(), &self.source.text, p),
            Origin::Overlay { overlay, pointer } => {
                let o = &self.overlays[overlay];
                (Some(o.file.as_path()), &o.text, pointer)
            }
        }
    }

    /// Locates an error about the effective document in the file and at
    /// the line its node was written (the pointer stays the effective
    /// document's).
    pub fn locate(&self, mut error: Error) -> Error {
        if let Error::Parse { location, .. } | Error::Unsupported { location, .. } | Error::Invalid { location, .. } =
            &mut error
        {
            if location.file.is_some() {
                return error;
            }
            match location.pointer.clone() {
                Some(pointer) => {
                    let (file, text, at) = self.origin(&pointer);
                    if location.line_col.is_none() || !self.overlays.is_empty() {
                        location.line_col = crate::locate::line_col(text, &at);
                    }
                    location.file = file.map(Path::to_path_buf);
                }
                None if self.overlays.is_empty() => location.file = self.source.file.clone(),
                // A line of the effective text, which nobody wrote.
                None => location.line_col = None,
            }
        }
        error
    }

    /// Warnings as the CLI prints them, each located where its node was
    /// written; then the overlays' actions without an `x-curation-note`.
    pub fn render_warnings(&self, warnings: &[Warning]) -> Vec<String> {
        let mut out = Vec::new();
        if self.overlays.is_empty() {
            out = crate::render::warnings(self.source.file.as_deref(), Some(&self.source.text), warnings);
        } else {
            for w in warnings {
                let (file, text, at) = self.origin(&w.pointer);
                let line_col = crate::locate::line_col(text, &at);
                let location =
                    Location { file: file.map(Path::to_path_buf), line_col, pointer: Some(w.pointer.clone()) };
                out.push(format!("warning: {location}: {}", w.message));
            }
        }
        for (i, w) in &self.curation {
            let o = &self.overlays[*i];
            out.extend(crate::render::warnings(Some(&o.file), Some(&o.text), std::slice::from_ref(w)));
        }
        out
    }

    /// The first warning as an error (`--strict`): an overlay action
    /// without a note, then the document's own.
    pub fn strict_error(&self, warnings: &[Warning]) -> Option<Error> {
        if let Some((i, w)) = self.curation.first() {
            let o = &self.overlays[*i];
            return Some(Error::Invalid {
                location: Location {
                    file: Some(o.file.clone()),
                    line_col: crate::locate::line_col(&o.text, &w.pointer),
                    pointer: Some(w.pointer.clone()),
                },
                message: format!("{} (strict mode)", w.message),
            });
        }
        warnings.first().map(|w| {
            self.locate(Error::Invalid {
                location: Location { pointer: Some(w.pointer.clone()), ..Location::default() },
                message: format!("{} (strict mode)", w.message),
            })
        })
    }
}
