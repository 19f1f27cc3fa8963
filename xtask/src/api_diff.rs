//! `cargo xtask api-diff --git-rev REV`: the API changes of every spec in
//! `specs/` since a git revision. Comparing two versions of one spec is the
//! generator's (`crmgen::diff`, `crmgen diff OLD NEW`); this walks the
//! revision and names what the `generated/` crate loses or gains.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use crmgen::diff::{diff, resolve_source, Report};
use crmgen::Source;

/// The comparison of one spec path between a revision and the working tree.
#[derive(Debug, Clone)]
pub enum SpecDiff {
    /// The spec is new on the branch.
    Added { path: String, operations: usize },
    /// The spec was deleted on the branch: its module and feature are gone.
    Deleted { path: String },
    /// The spec changed (possibly only in documentation).
    Changed { path: String, report: Report },
    /// The old version does not resolve (the generator may have become
    /// stricter since): nothing to compare with.
    Incomparable { path: String, message: String },
}

impl SpecDiff {
    pub fn has_breaking(&self) -> bool {
        match self {
            SpecDiff::Deleted { .. } => true,
            SpecDiff::Changed { report, .. } => report.has_breaking(),
            SpecDiff::Added { .. } | SpecDiff::Incomparable { .. } => false,
        }
    }
}

/// The Markdown summary of several specs against `rev`.
pub fn specs_markdown(rev: &str, diffs: &[SpecDiff]) -> String {
    // A commit id is shown short, as git does.
    let shown = if rev.len() == 40 && rev.bytes().all(|b| b.is_ascii_hexdigit()) { &rev[..12] } else { rev };
    let mut out = format!("## API changes since `{shown}`\n");
    if diffs.is_empty() {
        out.push_str("\nNo spec in `specs/` changed.\n");
        return out;
    }
    for d in diffs {
        match d {
            SpecDiff::Added { path, operations } => {
                let _ =
                    write!(out, "\n### `{path}` (new)\n\nNon-breaking: a new module with {operations} operations.\n");
            }
            SpecDiff::Deleted { path } => {
                let _ = write!(
                    out,
                    "\n### `{path}` (deleted)\n\n**Breaking**: the module and its cargo feature are removed.\n"
                );
            }
            SpecDiff::Changed { path, report } => {
                let _ = write!(out, "\n### `{path}`\n\n{}", report.to_markdown());
            }
            SpecDiff::Incomparable { path, message } => {
                let _ = write!(out, "\n### `{path}`\n\nNot compared: the old version does not resolve: {message}\n");
            }
        }
    }
    out
}

fn git(root: &Path, args: &[&str]) -> Result<String, String> {
    let out =
        Command::new("git").arg("-C").arg(root).args(args).output().map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        return Err(format!("`git {}` failed: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim()));
    }
    String::from_utf8(out.stdout).map_err(|e| format!("`git {}`: {e}", args.join(" ")))
}

/// The merge base of `HEAD` with `main` (or `origin/main`).
pub fn default_rev(root: &Path) -> Result<String, String> {
    let mut errors = Vec::new();
    for branch in ["main", "origin/main"] {
        match git(root, &["merge-base", "HEAD", branch]) {
            Ok(rev) => return Ok(rev.trim().to_string()),
            Err(e) => errors.push(e),
        }
    }
    Err(format!("no merge base with `main` or `origin/main`; pass `--git-rev REV`\n{}", errors.join("\n")))
}

fn is_spec_path(p: &str) -> bool {
    let parts: Vec<&str> = p.split('/').collect();
    parts.len() == 3 && parts[0] == "specs" && [".yaml", ".yml", ".json"].iter().any(|e| parts[2].ends_with(e))
}

/// Compares every spec in `specs/` (working tree) with its version at `rev`.
/// Specs whose text did not change are left out.
pub fn diff_git(root: &Path, rev: &str) -> Result<Vec<SpecDiff>, String> {
    let commit = git(root, &["rev-parse", "--verify", "--quiet", &format!("{rev}^{{commit}}")])
        .map_err(|_| format!("`{rev}` is not a commit"))?;
    let commit = commit.trim();
    let old_paths: BTreeSet<String> = git(root, &["ls-tree", "-r", "--name-only", commit, "--", "specs"])?
        .lines()
        .filter(|p| is_spec_path(p))
        .map(str::to_string)
        .collect();
    let new_paths: BTreeSet<String> =
        crate::codegen::specs(root)?.into_iter().map(|e| e.spec.to_string_lossy().replace('\\', "/")).collect();
    let mut out = Vec::new();
    for path in old_paths.union(&new_paths) {
        let old = if old_paths.contains(path) { Some(source_at(root, commit, path)?) } else { None };
        let new = if new_paths.contains(path) { Some(source_in_tree(root, path)?) } else { None };
        let resolve = |s: &Source| resolve_source(s);
        match (old, new) {
            (Some(o), Some(n)) if same(&o, &n) => {}
            (Some(o), Some(n)) => {
                let new = resolve(&n).map_err(|e| format!("{path}: {e}"))?;
                match resolve(&o) {
                    Ok(old) => out.push(SpecDiff::Changed { path: path.clone(), report: diff(&old, &new) }),
                    Err(e) => out.push(SpecDiff::Incomparable { path: path.clone(), message: e.to_string() }),
                }
            }
            (None, Some(n)) => {
                let new = resolve(&n).map_err(|e| format!("{path}: {e}"))?;
                out.push(SpecDiff::Added { path: path.clone(), operations: new.operations.len() });
            }
            (Some(_), None) => out.push(SpecDiff::Deleted { path: path.clone() }),
            (None, None) => {}
        }
    }
    Ok(out)
}

/// The same spec text and the same overlays, in the same order.
fn same(a: &Source, b: &Source) -> bool {
    a.text == b.text
        && a.overlays.len() == b.overlays.len()
        && a.overlays.iter().zip(&b.overlays).all(|(x, y)| x.file == y.file && x.text == y.text)
}

/// `specs/<vendor>/<api>.overlays` beside the spec at `path`.
fn overlay_list_path(path: &str) -> String {
    let stem = path.rsplit_once('.').map_or(path, |(s, _)| s);
    format!("{stem}.overlays")
}

/// The spec at `path` in the working tree, with its overlays (labelled
/// by their paths relative to the root, as at a revision).
fn source_in_tree(root: &Path, path: &str) -> Result<Source, String> {
    let list = root.join(overlay_list_path(path));
    let overlays = crate::codegen::overlay_list(root, &list)?;
    let mut source = Source::read(&root.join(path), &[]).map_err(|e| format!("{path}: {e}"))?;
    for o in overlays {
        let text = std::fs::read_to_string(root.join(&o)).map_err(|e| format!("{}: {e}", o.display()))?;
        source = source.with_overlay(o, text);
    }
    source.file = Some(path.into());
    Ok(source)
}

/// The spec at `path` at `commit`, with the overlays its list named then.
fn source_at(root: &Path, commit: &str, path: &str) -> Result<Source, String> {
    let mut source = Source::from_text(git(root, &["show", &format!("{commit}:./{path}")])?);
    source.file = Some(path.into());
    let list = overlay_list_path(path);
    let listed = git(root, &["ls-tree", "--name-only", commit, "--", &list])?;
    if listed.trim().is_empty() {
        return Ok(source);
    }
    let dir = Path::new(&list).parent().unwrap_or(Path::new(""));
    for line in git(root, &["show", &format!("{commit}:./{list}")])?.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let rel = dir.join(line).to_string_lossy().replace('\\', "/");
        let text = git(root, &["show", &format!("{commit}:./{rel}")])?;
        source = source.with_overlay(rel, text);
    }
    Ok(source)
}
