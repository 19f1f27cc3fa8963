//! The one way research tools run a child process: with an optional time
//! limit (the child and whatever it started are killed), its output in
//! files (a chatty child never blocks on a full pipe), its wall time, how it
//! ended, and its peak memory. Plus a small parallel map.
//!
//! Peak memory is the child's maximum resident set size (`ru_maxrss`). A
//! child spawned from a big process (the benchmark holds whole specs and
//! their output in memory) inherits the parent's resident high-water mark
//! at `fork`+`exec`, so `wait4`'s figure for our own child is never smaller
//! than ours. With [`Options::peak_memory`], the child runs under GNU
//! `/usr/bin/time -f %M`, a small process that forks the tool itself;
//! without GNU time, `wait4`'s figure is used (a ceiling, not a measurement).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How a child process ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exit {
    Code(i32),
    /// Killed by a signal it did not choose (abort, stack overflow, ...).
    Signal(i32),
    /// Killed by us at the time limit.
    Timeout,
}

impl Exit {
    pub fn success(&self) -> bool {
        *self == Exit::Code(0)
    }
}

/// Where a child's output goes.
#[derive(Debug, Clone, Copy, Default)]
pub enum Output<'a> {
    /// Standard output discarded; standard error captured.
    #[default]
    Discard,
    /// Standard output into this file (kept); standard error captured.
    StdoutTo(&'a Path),
    /// Both into `<log>.out` and `<log>.err` (kept), and read back.
    Log(&'a Path),
}

/// How to run a child.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options<'a> {
    /// Kill the child's process group after this long.
    pub timeout: Option<Duration>,
    pub output: Output<'a>,
    /// Measure peak memory under GNU time when it is installed (a signal
    /// that kills the child then shows as GNU time's exit code).
    pub peak_memory: bool,
}

/// A child that ran to its end (or to the time limit).
#[derive(Debug, Clone)]
pub struct Finished {
    pub exit: Exit,
    pub wall: Duration,
    /// Peak resident set size in KiB (0 where the platform cannot tell).
    pub max_rss_kib: u64,
    /// Standard output, read back when it went to a log (else empty).
    pub stdout: String,
    pub stderr: String,
}

/// Runs `cmd` to its end or its time limit. Fails only when the child
/// cannot be started or waited for.
pub fn run(cmd: Command, opts: Options<'_>) -> Result<Finished, String> {
    let (out_path, err_path, keep_err) = match opts.output {
        Output::Log(log) => {
            if let Some(dir) = log.parent() {
                std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            }
            (Some(log.with_extension("out")), log.with_extension("err"), true)
        }
        Output::StdoutTo(path) => (Some(path.to_path_buf()), scratch_path("stderr"), false),
        Output::Discard => (None, scratch_path("stderr"), false),
    };
    let stdout = match &out_path {
        Some(p) => Stdio::from(create(p)?),
        None => Stdio::null(),
    };
    let stderr = Stdio::from(create(&err_path)?);
    let rss_file = (opts.peak_memory && gnu_time()).then(|| scratch_path("rss"));
    let mut cmd = match &rss_file {
        Some(f) => wrap_in_time(&cmd, f),
        None => cmd,
    };
    cmd.stdin(Stdio::null()).stdout(stdout).stderr(stderr);
    #[cfg(unix)]
    {
        // Its own process group, so a timeout ends the tool and whatever it
        // started (GNU time, rustfmt, cargo, ...) alike.
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    let start = Instant::now();
    let child = cmd.spawn().map_err(|e| format!("cannot run {:?}: {e}", cmd.get_program()))?;
    let waited = wait(child, opts.timeout);
    let wall = start.elapsed();
    let read_back = |p: &Path| std::fs::read(p).map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default();
    let stderr = read_back(&err_path);
    let stdout = match (opts.output, &out_path) {
        (Output::Log(_), Some(p)) => read_back(p),
        _ => String::new(),
    };
    if !keep_err {
        let _ = std::fs::remove_file(&err_path);
    }
    let (exit, mut max_rss_kib) = waited?;
    if let Some(f) = &rss_file {
        // `%M` is the last line, after "Command exited with non-zero status N".
        let text = std::fs::read_to_string(f).unwrap_or_default();
        if let Some(kib) = text.lines().rev().find_map(|l| l.trim().parse::<u64>().ok()) {
            max_rss_kib = kib;
        }
        let _ = std::fs::remove_file(f);
    }
    Ok(Finished { exit, wall, max_rss_kib, stdout, stderr })
}

fn create(path: &Path) -> Result<std::fs::File, String> {
    std::fs::File::create(path).map_err(|e| format!("cannot create {}: {e}", path.display()))
}

/// Whether peak memory comes from GNU time (else from `wait4`, a ceiling).
pub fn peak_memory_source() -> &'static str {
    if gnu_time() {
        "GNU time (`/usr/bin/time -f %M`)"
    } else {
        "`wait4` (an upper bound: it includes this process's own high-water mark)"
    }
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

/// `cmd` under `/usr/bin/time -f %M -o rss_file`: same arguments, directory
/// and environment.
fn wrap_in_time(cmd: &Command, rss_file: &Path) -> Command {
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

/// A file name in the temporary directory, unique within this process.
fn scratch_path(what: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!("xtask-research-{}-{n}.{what}", std::process::id()))
}

/// Waits for `child`, killing its process group at `timeout`; returns how
/// it ended and `wait4`'s peak memory (KiB).
///
/// The child is first waited for without being reaped (`waitid` with
/// `WNOWAIT`), then the watchdog is stopped, then the child is reaped: the
/// watchdog can never signal a process group id the system has reused.
#[cfg(unix)]
fn wait(child: std::process::Child, timeout: Option<Duration>) -> Result<(Exit, u64), String> {
    use std::sync::mpsc;

    let pid = child.id() as libc::pid_t;
    let watchdog = timeout.map(|limit| {
        let (done, rx) = mpsc::channel::<()>();
        let handle = std::thread::spawn(move || {
            if let Err(mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(limit) {
                // SAFETY: the child leads this group and is not reaped yet.
                unsafe { libc::kill(-pid, libc::SIGKILL) };
                return true;
            }
            false
        });
        (done, handle)
    });
    let exited = loop {
        // SAFETY: `siginfo_t` is plain data, filled by waitid.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: waiting for our own child, with a valid out-pointer.
        let r = unsafe { libc::waitid(libc::P_PID, pid as libc::id_t, &mut info, libc::WEXITED | libc::WNOWAIT) };
        if r == 0 {
            break Ok(());
        }
        let err = std::io::Error::last_os_error();
        if err.kind() != std::io::ErrorKind::Interrupted {
            break Err(format!("waitid: {err}"));
        }
    };
    let timed_out = match watchdog {
        Some((done, handle)) => {
            let _ = done.send(());
            handle.join().unwrap_or(false)
        }
        None => false,
    };
    exited?;
    let mut status: libc::c_int = 0;
    // SAFETY: `rusage` is plain data; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: reaping our own child (it has exited), with valid out-pointers.
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
    let exit = if timed_out {
        Exit::Timeout
    } else if libc::WIFSIGNALED(status) {
        Exit::Signal(libc::WTERMSIG(status))
    } else {
        Exit::Code(libc::WEXITSTATUS(status))
    };
    // Linux reports ru_maxrss in KiB.
    Ok((exit, u64::try_from(usage.ru_maxrss).unwrap_or(0)))
}

#[cfg(not(unix))]
fn wait(mut child: std::process::Child, timeout: Option<Duration>) -> Result<(Exit, u64), String> {
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ok((Exit::Code(status.code().unwrap_or(-1)), 0)),
            Ok(None) if timeout.is_some_and(|t| start.elapsed() >= t) => {
                let _ = child.kill();
                let _ = child.wait();
                return Ok((Exit::Timeout, 0));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("waiting for the child: {e}")),
        }
    }
}

/// `f` over `items` on `jobs` threads; results in input order. `f` gets the
/// item's index.
pub fn parallel_map<T: Sync, R: Send>(items: &[T], jobs: usize, f: impl Fn(usize, &T) -> R + Sync) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..jobs.max(1).min(items.len().max(1)) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(item) = items.get(i) else { break };
                let r = f(i, item);
                results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(r);
            });
        }
    });
    results.into_inner().unwrap_or_else(|e| e.into_inner()).into_iter().map(|r| r.expect("every item ran")).collect()
}

/// The last `n` bytes of `s` (moved forward to a char boundary).
pub fn tail(s: &str, n: usize) -> &str {
    if s.len() <= n {
        return s;
    }
    let mut at = s.len() - n;
    while !s.is_char_boundary(at) {
        at += 1;
    }
    &s[at..]
}

/// The first `n` non-empty lines of `text`, `...` when there are more.
pub fn first_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let mut out = lines.iter().take(n).copied().collect::<Vec<_>>().join("\n");
    if lines.len() > n {
        out.push_str("\n...");
    }
    out
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn sh(script: &str) -> Command {
        let mut c = Command::new("sh");
        c.args(["-c", script]);
        c
    }

    #[test]
    fn a_child_over_its_time_limit_is_killed_with_what_it_started() {
        let dir = std::env::temp_dir().join(format!("xtask-research-process-{}", std::process::id()));
        let pid_file = dir.join("grandchild.pid");
        std::fs::create_dir_all(&dir).unwrap();
        // The grandchild would outlive a kill of `sh` alone.
        let script = format!("sleep 30 & echo $! > {}; wait", pid_file.display());
        let opts = Options { timeout: Some(Duration::from_millis(300)), ..Options::default() };
        let f = run(sh(&script), opts).unwrap();
        assert_eq!(f.exit, Exit::Timeout);
        assert!(f.wall < Duration::from_secs(10), "{:?}", f.wall);
        let grandchild: libc::pid_t = std::fs::read_to_string(&pid_file).unwrap().trim().parse().unwrap();
        // Signal 0 probes: ESRCH once the killed grandchild has been reaped by init.
        let deadline = Instant::now() + Duration::from_secs(5);
        // SAFETY: signal 0 only checks that the process exists.
        while unsafe { libc::kill(grandchild, 0) } == 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        // SAFETY: as above.
        assert_ne!(unsafe { libc::kill(grandchild, 0) }, 0, "the grandchild survived the time limit");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn signals_codes_and_logs() {
        let dir = std::env::temp_dir().join(format!("xtask-research-logs-{}", std::process::id()));
        let log = dir.join("abort");
        let f = run(
            sh("echo hi; echo oops >&2; kill -ABRT $$"),
            Options { output: Output::Log(&log), ..Options::default() },
        )
        .unwrap();
        assert_eq!(f.exit, Exit::Signal(libc::SIGABRT));
        assert_eq!((f.stdout.as_str(), f.stderr.as_str()), ("hi\n", "oops\n"));
        assert_eq!(std::fs::read_to_string(log.with_extension("out")).unwrap(), "hi\n");
        let f = run(sh("echo gone; echo why >&2; exit 3"), Options::default()).unwrap();
        assert_eq!(f.exit, Exit::Code(3));
        assert_eq!((f.stdout.as_str(), f.stderr.as_str()), ("", "why\n"));
        let out = dir.join("out.txt");
        let f =
            run(sh("echo kept"), Options { output: Output::StdoutTo(&out), peak_memory: true, ..Options::default() })
                .unwrap();
        assert!(f.exit.success());
        assert!(f.max_rss_kib > 0);
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "kept\n");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn helpers() {
        assert_eq!(parallel_map(&[1, 2, 3], 2, |i, x| i * 10 + x), vec![1, 12, 23]);
        assert_eq!(tail("héllo", 4), "llo");
        assert_eq!(first_lines("a\n\nb\nc\n", 2), "a\nb\n...");
    }
}
