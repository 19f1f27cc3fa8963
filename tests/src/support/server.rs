//! Mock servers that record the requests they received, and the check
//! that every operation of a spec is called on the wire.
//!
//! Tests run in parallel threads in an order nobody controls, so no test
//! of a test binary can see what the others sent. The coverage check
//! therefore runs the binary's other tests again in a child process, with
//! [`WIRE_LOG`] naming a file: each [`Server`] of that run appends the
//! requests it received (with the name of the test that sent them) when
//! it is dropped. The operations are those of the specs, the calls those
//! that reached a server: the list of operations tested is nobody's own
//! claim.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::OpenOptions;
use std::io::Write;
use std::ops::Deref;
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use wiremock::MockServer;

use super::spec::{Api, SpecOperation};

/// The environment variable naming the wire log of a recorded run.
const WIRE_LOG: &str = "CRM_TESTS_WIRE_LOG";

/// How long the recorded run of a test binary's other tests may take.
const RECORDED_RUN_TIMEOUT: Duration = Duration::from_secs(300);

/// Serializes appends to the wire log within one process.
static LOG_LOCK: Mutex<()> = Mutex::new(());

/// A wiremock server (everything of [`MockServer`] through `Deref`) that
/// adds the requests it received to the wire log of a recorded run.
#[derive(Debug)]
pub struct Server(MockServer);

impl Server {
    /// Starts a server on loopback.
    pub async fn start() -> Server {
        Server(MockServer::start().await)
    }

    /// The requests this server received so far.
    pub async fn requests(&self) -> Vec<wiremock::Request> {
        self.0.received_requests().await.expect("wiremock records requests by default")
    }
}

impl Deref for Server {
    type Target = MockServer;

    fn deref(&self) -> &MockServer {
        &self.0
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let Some(log) = std::env::var_os(WIRE_LOG) else { return };
        // As `MockServer`'s own `Drop` does to verify its expectations.
        let requests = futures_executor::block_on(self.0.received_requests()).unwrap_or_default();
        let test = std::thread::current().name().unwrap_or("<unnamed thread>").to_owned();
        let lines: String =
            requests.iter().map(|r| format!("{test}\t{}\t{}\n", r.method.as_str(), r.url.path())).collect();
        let _guard = LOG_LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let written = OpenOptions::new().append(true).open(&log).and_then(|mut file| file.write_all(lines.as_bytes()));
        if let Err(e) = written {
            // No panic in `drop`: the check reports the calls as missing.
            eprintln!("cannot append to the wire log {}: {e}", log.to_string_lossy());
        }
    }
}

/// For each API (by spec file) and operationId, the tests whose requests
/// called it.
pub type Coverage = BTreeMap<&'static str, BTreeMap<String, BTreeSet<String>>>;

/// Runs every other test of this test binary in a child process, records
/// the requests that reached their [`Server`]s, and asserts that each
/// operation of each of `apis`' specs was called: a request with its
/// method and a path its template matches (the most specific template
/// wins). Must be called from a test thread; returns the coverage found.
pub fn assert_every_operation_is_called(apis: &[&'static Api]) -> Coverage {
    let this_test = std::thread::current().name().expect("test threads are named after their test").to_owned();
    assert!(std::env::var_os(WIRE_LOG).is_none(), "{this_test} must not run inside the recorded run");
    let log = tempfile::NamedTempFile::new().expect("a temporary wire log");
    let binary = std::env::current_exe().expect("the path of this test binary");
    // Output to files, not pipes: a full pipe would stall the child.
    let stdout = tempfile::NamedTempFile::new().expect("a temporary file");
    let stderr = tempfile::NamedTempFile::new().expect("a temporary file");
    let mut child = Command::new(&binary)
        .args(["--exact", "--skip", &this_test])
        .env(WIRE_LOG, log.path())
        .stdout(stdout.reopen().expect("the stdout file"))
        .stderr(stderr.reopen().expect("the stderr file"))
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", binary.display()));
    let deadline = Instant::now() + RECORDED_RUN_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("the recorded run's status") {
            break Some(status);
        }
        if Instant::now() > deadline {
            // Best effort: the child may have exited meanwhile.
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let output = || {
        let read = |file: &tempfile::NamedTempFile| std::fs::read_to_string(file.path()).unwrap_or_default();
        format!("{}\n{}", read(&stdout), read(&stderr))
    };
    match status {
        None => panic!("the recorded run of the other tests took over {RECORDED_RUN_TIMEOUT:?}:\n{}", output()),
        Some(status) => {
            assert!(status.success(), "the recorded run of the other tests failed ({status}):\n{}", output())
        }
    }
    let text = std::fs::read_to_string(log.path()).expect("the wire log");

    let operations: Vec<(&'static Api, SpecOperation)> =
        apis.iter().flat_map(|api| api.operations().into_iter().map(move |op| (*api, op))).collect();
    let mut coverage: Coverage = apis.iter().map(|api| (api.name(), BTreeMap::new())).collect();
    for (api, op) in &operations {
        coverage.get_mut(api.name()).expect("every API").insert(op.id.clone(), BTreeSet::new());
    }
    let mut calls = 0;
    for line in text.lines() {
        let mut fields = line.splitn(3, '\t');
        let (Some(test), Some(method), Some(path)) = (fields.next(), fields.next(), fields.next()) else {
            panic!("malformed wire log line {line:?}");
        };
        calls += 1;
        let mut matching: Vec<(usize, &'static Api, &SpecOperation)> = operations
            .iter()
            .filter_map(|(api, op)| op.matches(method, path).map(|literal| (literal, *api, op)))
            .collect();
        matching.sort_by_key(|(literal, _, _)| std::cmp::Reverse(*literal));
        match matching.as_slice() {
            [] => {}
            [(best, api, op), rest @ ..] => {
                let tied: Vec<&str> =
                    rest.iter().filter(|(l, _, _)| l == best).map(|(_, _, o)| o.id.as_str()).collect();
                assert!(tied.is_empty(), "{method} {path} matches {} and {tied:?} equally", op.id);
                coverage.get_mut(api.name()).expect("every API").get_mut(&op.id).expect("every op").insert(test.into());
            }
        }
    }
    assert!(calls > 0, "the recorded run sent no request at all:\n{}", output());

    let missing: Vec<String> = coverage
        .iter()
        .flat_map(|(api, ops)| {
            ops.iter().filter(|(_, tests)| tests.is_empty()).map(move |(id, _)| format!("{api} {id}"))
        })
        .collect();
    assert!(missing.is_empty(), "operations no test calls on the wire: {missing:?}");
    coverage
}
