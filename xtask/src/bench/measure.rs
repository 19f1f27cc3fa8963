//! Running a child process and measuring its wall time and peak memory.
//!
//! Peak memory is the child's maximum resident set size (`ru_maxrss`) as
//! GNU `/usr/bin/time -f %M` reports it. Not `wait4` on our own child: a
//! child spawned from a big process (this one holds whole specs and their
//! output in memory) inherits the parent's resident high-water mark at
//! `fork`/`vfork`+`exec`, so its `ru_maxrss` would never be smaller than
//! ours. `time` is a small process that forks the tool itself. Without it,
//! `wait4`'s figure is used (and is then a ceiling, not a measurement).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// One run of a child process.
#[derive(Debug, Clone, Copy)]
pub struct Run {
    pub wall: Duration,
    /// Peak resident set size in KiB (0 where the platform cannot tell).
    pub max_rss_kib: u64,
    pub success: bool,
}

/// Runs `cmd` to completion with stdout sent to `stdout` (or discarded) and
/// stderr captured; returns the measurement and stderr's text.
pub fn run(cmd: &mut Command, stdout: Option<&Path>) -> Result<(Run, String), String> {
    run_with_timeout(cmd, stdout, None)
}

/// [`run`], killing the child after `timeout` (the run then fails).
pub fn run_with_timeout(
    cmd: &mut Command,
    stdout: Option<&Path>,
    timeout: Option<Duration>,
) -> Result<(Run, String), String> {
    let out = match stdout {
        Some(p) => Stdio::from(std::fs::File::create(p).map_err(|e| format!("{}: {e}", p.display()))?),
        None => Stdio::null(),
    };
    let err_file = tempfile_path("stderr");
    let err = std::fs::File::create(&err_file).map_err(|e| format!("{}: {e}", err_file.display()))?;
    let rss_file = gnu_time().then(|| tempfile_path("rss"));
    let mut wrapped = rss_file.as_ref().map(|f| wrap_in_time(cmd, f));
    let cmd = wrapped.as_mut().unwrap_or(cmd);
    cmd.stdout(out).stderr(Stdio::from(err)).stdin(Stdio::null());
    #[cfg(unix)]
    {
        // Its own process group, so a timeout kills `time` and the tool alike.
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    let start = Instant::now();
    let child = cmd.spawn().map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    let watchdog = timeout.map(|limit| {
        let pid = child.id();
        let (done, rx) = std::sync::mpsc::channel::<()>();
        let handle = std::thread::spawn(move || {
            if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(limit) {
                kill(pid);
                return true;
            }
            false
        });
        (done, handle)
    });
    let waited = wait(child);
    let wall = start.elapsed();
    let timed_out = match watchdog {
        Some((done, handle)) => {
            let _ = done.send(());
            handle.join().unwrap_or(false)
        }
        None => false,
    };
    let (success, mut max_rss_kib) = waited?;
    if let Some(f) = &rss_file {
        // `%M`, after "Command exited with non-zero status N" when it failed.
        let text = std::fs::read_to_string(f).unwrap_or_default();
        if let Some(kib) = text.lines().rev().find_map(|l| l.trim().parse::<u64>().ok()) {
            max_rss_kib = kib;
        }
        let _ = std::fs::remove_file(f);
    }
    let mut stderr = std::fs::read_to_string(&err_file).unwrap_or_default();
    if timed_out {
        stderr = format!("timed out after {}\n{stderr}", secs(wall));
    }
    let _ = std::fs::remove_file(&err_file);
    Ok((Run { wall, max_rss_kib, success }, stderr))
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
        let mut cmd = make();
        let (r, stderr) = run_with_timeout(&mut cmd, stdout, timeout).map_err(|e| (e, None))?;
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

/// Best wall time of `n` in-process runs of `f`.
pub fn best_in_process<T, E>(n: usize, mut f: impl FnMut() -> Result<T, E>) -> Result<(Duration, T), E> {
    let mut best = Duration::MAX;
    let mut last = None;
    for _ in 0..n.max(1) {
        let start = Instant::now();
        let v = f()?;
        best = best.min(start.elapsed());
        last = Some(v);
    }
    Ok((best, last.expect("at least one run")))
}

/// Whether GNU time is at `/usr/bin/time` (checked once).
fn gnu_time() -> bool {
    static HAVE: OnceLock<bool> = OnceLock::new();
    *HAVE.get_or_init(|| {
        Command::new("/usr/bin/time")
            .args(["-f", "%M", "-o", "/dev/null", "true"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// Whether peak memory comes from GNU time (else from `wait4`, a ceiling).
pub fn peak_memory_source() -> &'static str {
    if gnu_time() {
        "GNU time (`/usr/bin/time -f %M`)"
    } else {
        "`wait4` (an upper bound: it includes this process's own high-water mark)"
    }
}

/// `cmd` run under `/usr/bin/time -f %M -o rss_file`, same arguments,
/// directory and environment.
fn wrap_in_time(cmd: &Command, rss_file: &PathBuf) -> Command {
    let mut w = Command::new("/usr/bin/time");
    w.args(["-f", "%M", "-o"]).arg(rss_file).arg(cmd.get_program()).args(cmd.get_args());
    if let Some(dir) = cmd.get_current_dir() {
        w.current_dir(dir);
    }
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => w.env(k, v),
            None => w.env_remove(k),
        };
    }
    w
}

pub fn first_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let mut out = lines.iter().take(n).copied().collect::<Vec<_>>().join("\n");
    if lines.len() > n {
        out.push_str("\n...");
    }
    out
}

fn tempfile_path(what: &str) -> std::path::PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!("crmgen-bench-{}-{n}.{what}", std::process::id()))
}

#[cfg(unix)]
fn wait(child: std::process::Child) -> Result<(bool, u64), String> {
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: `rusage` is plain data; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: waiting for our own child, with valid out-pointers.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == pid {
            break;
        }
        let err = std::io::Error::last_os_error();
        if err.kind() != std::io::ErrorKind::Interrupted {
            return Err(format!("wait4: {err}"));
        }
    }
    // The child is reaped: `Child` must not wait again (dropping it does not).
    drop(child);
    let success = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
    // Linux reports ru_maxrss in KiB.
    Ok((success, usage.ru_maxrss.max(0) as u64))
}

#[cfg(unix)]
fn kill(pid: u32) {
    // SAFETY: signalling the process group our child leads (not reaped yet).
    unsafe {
        libc::kill(-(pid as libc::pid_t), libc::SIGKILL);
    }
}

#[cfg(not(unix))]
fn kill(_pid: u32) {}

#[cfg(not(unix))]
fn wait(mut child: std::process::Child) -> Result<(bool, u64), String> {
    let status = child.wait().map_err(|e| e.to_string())?;
    Ok((status.success(), 0))
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
