//! Child processes with a time limit, and a small parallel map.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
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

#[derive(Debug, Clone)]
pub struct Finished {
    pub exit: Exit,
    pub elapsed: Duration,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `cmd` with stdout and stderr going to `<log>.out` and `<log>.err`
/// (files, so a chatty child never blocks on a full pipe), killing it and
/// its process group at `timeout`.
pub fn run(mut cmd: Command, timeout: Duration, log: &Path) -> Result<Finished, String> {
    if let Some(dir) = log.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let out_path = log.with_extension("out");
    let err_path = log.with_extension("err");
    let out = std::fs::File::create(&out_path).map_err(|e| format!("cannot create {}: {e}", out_path.display()))?;
    let err = std::fs::File::create(&err_path).map_err(|e| format!("cannot create {}: {e}", err_path.display()))?;
    cmd.stdin(Stdio::null()).stdout(out).stderr(err);
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    let start = Instant::now();
    let mut child = cmd.spawn().map_err(|e| format!("cannot run {:?}: {e}", cmd.get_program()))?;
    let exit = loop {
        match child.try_wait() {
            Ok(Some(status)) => break exit_of(status),
            Ok(None) if start.elapsed() >= timeout => {
                kill_group(&mut child);
                let _ = child.wait();
                break Exit::Timeout;
            }
            Ok(None) => {
                std::thread::sleep(Duration::from_millis(if start.elapsed() < Duration::from_secs(1) { 5 } else { 50 }))
            }
            Err(e) => return Err(format!("waiting for {:?}: {e}", cmd.get_program())),
        }
    };
    let elapsed = start.elapsed();
    Ok(Finished { exit, elapsed, stdout: read_lossy(&out_path), stderr: read_lossy(&err_path) })
}

fn read_lossy(path: &Path) -> String {
    std::fs::read(path).map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default()
}

fn exit_of(status: std::process::ExitStatus) -> Exit {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return Exit::Signal(sig);
        }
    }
    Exit::Code(status.code().unwrap_or(-1))
}

fn kill_group(child: &mut std::process::Child) {
    #[cfg(unix)]
    {
        // The child leads its own process group (`process_group(0)`): end
        // it and whatever it started (rustfmt, cargo, ...).
        let _ = Command::new("kill").args(["-KILL", "--", &format!("-{}", child.id())]).stderr(Stdio::null()).status();
    }
    let _ = child.kill();
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

/// The last `n` characters of `s` (on a char boundary).
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

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn time_limit_signals_and_output() {
        let dir = std::env::temp_dir().join(format!("xtask-process-{}", std::process::id()));
        let mut sleep = Command::new("sh");
        sleep.args(["-c", "sleep 30"]);
        let f = run(sleep, Duration::from_millis(300), &dir.join("sleep")).unwrap();
        assert_eq!(f.exit, Exit::Timeout);
        assert!(f.elapsed < Duration::from_secs(10));
        let mut abort = Command::new("sh");
        abort.args(["-c", "echo hi; kill -ABRT $$"]);
        let f = run(abort, Duration::from_secs(10), &dir.join("abort")).unwrap();
        assert_eq!(f.exit, Exit::Signal(6));
        assert_eq!(f.stdout, "hi\n");
        let _ = std::fs::remove_dir_all(dir);
        assert_eq!(parallel_map(&[1, 2, 3], 2, |i, x| i * 10 + x), vec![1, 12, 23]);
    }
}
