//! Timing child processes: the best of several runs, wall time and peak
//! memory, through the one runner in [`crate::process`]; and how figures
//! are written.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::process::{self, Output};

pub use crate::process::{first_lines, peak_memory_source};

/// One run of a child process.
#[derive(Debug, Clone, Copy)]
pub struct Run {
    pub wall: Duration,
    /// Peak resident set size in KiB (0 where the platform cannot tell).
    pub max_rss_kib: u64,
    pub success: bool,
}

/// Runs `cmd` to completion with stdout sent to `stdout` (or discarded),
/// measuring peak memory, killing it after `timeout`; returns the
/// measurement and stderr's text.
pub fn run(cmd: Command, stdout: Option<&Path>, timeout: Option<Duration>) -> Result<(Run, String), String> {
    let output = stdout.map_or(Output::Discard, Output::StdoutTo);
    let f = process::run(cmd, process::Options { timeout, output, peak_memory: true })?;
    let mut stderr = f.stderr;
    if f.exit == process::Exit::Timeout {
        stderr = format!("timed out after {}\n{stderr}", secs(f.wall));
    }
    Ok((Run { wall: f.wall, max_rss_kib: f.max_rss_kib, success: f.exit.success() }, stderr))
}

/// A failed run: the reason (stderr's first lines) and, when the process
/// ran, its measurement.
pub type Failure = (String, Option<Run>);

/// The best (shortest) wall time and the largest peak memory of `n` runs;
/// fails on the first unsuccessful run, with its stderr; gives up on a run
/// after `timeout`.
pub fn best_of(
    n: usize,
    timeout: Option<Duration>,
    mut make: impl FnMut() -> Command,
    stdout: Option<&Path>,
) -> Result<Run, Failure> {
    let mut best: Option<Run> = None;
    for _ in 0..n.max(1) {
        let (r, stderr) = run(make(), stdout, timeout).map_err(|e| (e, None))?;
        if !r.success {
            return Err((first_lines(&stderr, 6), Some(r)));
        }
        best = Some(match best {
            None => r,
            Some(b) => Run { wall: b.wall.min(r.wall), max_rss_kib: b.max_rss_kib.max(r.max_rss_kib), success: true },
        });
    }
    Ok(best.expect("at least one run"))
}

/// Seconds with a precision that suits the magnitude.
pub fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 0.01 {
        format!("{:.1} ms", s * 1000.0)
    } else if s < 1.0 {
        format!("{:.0} ms", s * 1000.0)
    } else if s < 10.0 {
        format!("{s:.2} s")
    } else {
        format!("{s:.1} s")
    }
}

pub fn mib(kib: u64) -> String {
    let m = kib as f64 / 1024.0;
    if m < 10.0 {
        format!("{m:.1} MiB")
    } else {
        format!("{m:.0} MiB")
    }
}

/// `ours / peer` as `0.42x`.
pub fn ratio(ours: f64, peer: f64) -> String {
    if peer <= 0.0 || !ours.is_finite() || !peer.is_finite() {
        "-".into()
    } else {
        format!("{:.2}x", ours / peer)
    }
}
