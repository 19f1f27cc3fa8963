//! `xtask-research corpus-worker SPEC`: runs our generator in-process on one
//! spec, with `catch_unwind` around it so a panic is caught and described
//! (message, location, the first backtrace frame in the generator) instead
//! of ending the process. The corpus command runs one worker per spec in a
//! child process, which adds the time limit and survives aborts and stack
//! overflows.
//!
//! The outcome goes to stdout as `key=value` lines (values escaped, one
//! line each), read back by [`parse`].

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::sync::Mutex;

/// What a worker reports.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// `generated`, `refused` or `panic`.
    pub status: String,
    /// The error's variant (`Unsupported`, `Parse`, ...).
    pub kind: String,
    /// The error's message without its location, or the panic message.
    pub message: String,
    /// The full error, as the CLI prints it.
    pub full: String,
    /// Where: the error's location, or the panic's `file:line:col`.
    pub location: String,
    /// Panics: the first backtrace frame in the generator's sources.
    pub frame: String,
    /// Panics: the backtrace frames that are ours, innermost first.
    pub backtrace: String,
    pub warnings: usize,
    /// Lines of generated Rust.
    pub lines: usize,
}

struct PanicInfo {
    message: String,
    location: String,
    backtrace: String,
}

static PANIC: Mutex<Option<PanicInfo>> = Mutex::new(None);

/// Runs the generator on `spec`; with `crate_dir`, also writes a standalone
/// crate named `name` there. Prints the report; the exit code is 0 unless
/// the generator panicked.
pub fn main(spec: &Path, crate_dir: Option<&Path>, name: Option<&str>) -> std::process::ExitCode {
    install_panic_hook();
    let report = run(spec, crate_dir, name);
    let mut out = String::new();
    for (k, v) in [
        ("status", report.status.clone()),
        ("kind", report.kind),
        ("message", report.message),
        ("full", report.full),
        ("location", report.location),
        ("frame", report.frame),
        ("backtrace", report.backtrace),
        ("warnings", report.warnings.to_string()),
        ("lines", report.lines.to_string()),
    ] {
        out.push_str(&format!("{k}={}\n", escape(&v)));
    }
    print!("{out}");
    if report.status == "panic" {
        std::process::ExitCode::from(101)
    } else {
        std::process::ExitCode::SUCCESS
    }
}

/// Records every panic's message, location and backtrace for [`outcome`],
/// then lets the previous hook print it as usual (to the worker's log).
pub fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let message = payload_message(info.payload());
            let location =
                info.location().map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column())).unwrap_or_default();
            let backtrace = std::backtrace::Backtrace::force_capture().to_string();
            *PANIC.lock().unwrap_or_else(|e| e.into_inner()) = Some(PanicInfo { message, location, backtrace });
            previous(info);
        }));
    });
}

fn run(spec: &Path, crate_dir: Option<&Path>, name: Option<&str>) -> Report {
    let opts = crmgen::Options {
        module_path: "api".into(),
        spec_label: spec.file_name().and_then(|s| s.to_str()).unwrap_or("spec").to_string(),
        command: super::COMMAND.into(),
        strict: false,
    };
    outcome(|| {
        // Rendered exactly as the CLI renders them, so that a panic while
        // printing a warning or a refusal is caught and counted here too.
        // One source, read once, for both the module and the crate.
        let result = crmgen::Source::read(spec, &[]).and_then(|source| {
            let generated = crmgen::generate(&source, &opts);
            Ok((source, generated?))
        });
        match &result {
            Ok((_, g)) => {
                std::hint::black_box(&g.warning_lines);
            }
            Err(e) => {
                std::hint::black_box(e.render_from_file());
            }
        }
        let (source, generated) = result?;
        if let Some(dir) = crate_dir {
            let runtime =
                crmgen::standalone::RuntimeDep::Path(xtask::codegen::workspace_root().join("generator/runtime"));
            crmgen::write_crate(&source, dir, name, false, super::COMMAND, &runtime)?;
        }
        Ok(generated)
    })
}

pub fn outcome(generate: impl FnOnce() -> crmgen::Result<crmgen::Generated>) -> Report {
    match catch_unwind(AssertUnwindSafe(generate)) {
        Ok(Ok(g)) => Report {
            status: "generated".into(),
            warnings: g.warnings.len(),
            lines: g.code.lines().count(),
            ..Report::default()
        },
        Ok(Err(e)) => {
            let full = e.to_string();
            let location = e.location().map(|l| l.to_string()).unwrap_or_default();
            let message = match full.strip_prefix(&location).and_then(|m| m.strip_prefix(": ")) {
                Some(m) if !location.is_empty() => m.to_string(),
                _ => full.clone(),
            };
            Report { status: "refused".into(), kind: variant(&e), message, full, location, ..Report::default() }
        }
        Err(payload) => {
            let info = PANIC.lock().unwrap_or_else(|e| e.into_inner()).take();
            let (message, location, bt) = match info {
                Some(i) => (i.message, i.location, i.backtrace),
                None => (payload_message(&*payload), String::new(), String::new()),
            };
            let frames = our_frames(&bt);
            Report {
                status: "panic".into(),
                kind: "panic".into(),
                full: message.clone(),
                message,
                location,
                frame: frames.first().cloned().unwrap_or_default(),
                backtrace: frames.join("\n"),
                ..Report::default()
            }
        }
    }
}

/// The enum variant's name, from `Debug` (robust to new variants).
fn variant(e: &crmgen::Error) -> String {
    let debug = format!("{e:?}");
    debug.split(|c: char| !c.is_alphanumeric() && c != '_').next().unwrap_or("Error").to_string()
}

fn payload_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "<non-string panic payload>".into()
    }
}

/// `function (generator/src/x.rs:12:5)` for each frame whose source is in
/// the generator crate, innermost first.
fn our_frames(backtrace: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut function = String::new();
    for line in backtrace.lines() {
        let t = line.trim();
        if let Some(at) = t.strip_prefix("at ") {
            if at.contains("generator/src/") {
                let short = &at[at.find("generator/src/").unwrap_or(0)..];
                out.push(format!("{function} ({short})"));
            }
        } else if let Some((_, f)) = t.split_once(": ") {
            function = f.to_string();
        }
    }
    out.dedup();
    out
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('\n', "\\n").replace('\r', "\\r")
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Reads a worker's stdout back; `None` if it printed no report.
pub fn parse(stdout: &str) -> Option<Report> {
    let fields: BTreeMap<&str, String> =
        stdout.lines().filter_map(|l| l.split_once('=')).map(|(k, v)| (k, unescape(v))).collect();
    let get = |k: &str| fields.get(k).cloned().unwrap_or_default();
    let status = get("status");
    if status.is_empty() {
        return None;
    }
    Some(Report {
        status,
        kind: get("kind"),
        message: get("message"),
        full: get("full"),
        location: get("location"),
        frame: get("frame"),
        backtrace: get("backtrace"),
        warnings: get("warnings").parse().unwrap_or(0),
        lines: get("lines").parse().unwrap_or(0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_is_caught_and_described() {
        install_panic_hook();
        let r = outcome(|| panic!("boom {}", 1));
        assert_eq!(r.status, "panic");
        assert_eq!(r.message, "boom 1");
        assert!(r.location.contains("worker.rs"), "{}", r.location);
        let r = outcome(|| crmgen::generate_str("openapi: 3.0.0\n", &opts()));
        assert_eq!(r.status, "refused", "{r:?}");
        let back = parse(&format!("status={}\nkind={}\nmessage={}\n", r.status, r.kind, escape(&r.message))).unwrap();
        assert_eq!(back.message, r.message);
    }

    fn opts() -> crmgen::Options {
        crmgen::Options { module_path: "api".into(), spec_label: "t".into(), command: "t".into(), strict: false }
    }

    #[test]
    fn escapes_round_trip() {
        let s = "a\\nb\nc\\";
        assert_eq!(unescape(&escape(s)), s);
    }

    #[test]
    fn frames_in_the_generator() {
        let bt = "   0: std::panicking::begin_panic\n             at /rustc/x/library/std/src/panicking.rs:1:1\n   1: crmgen::resolve::walk\n             at /work/main/generator/src/resolve.rs:12:5\n";
        assert_eq!(our_frames(bt), vec!["crmgen::resolve::walk (generator/src/resolve.rs:12:5)".to_string()]);
    }
}
