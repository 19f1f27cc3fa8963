//! Rate limits shared by several OS processes through Redis, PostgreSQL and
//! a locked file, measured on a loopback server that timestamps arrivals.
//!
//! Needs the servers `.ci/services.sh` starts (`CRMGEN_TEST_REDIS_URL`,
//! `CRMGEN_TEST_DATABASE_URL`); built only with the runtime features
//! `redis`, `postgres` and `file-lock`:
//!
//! ```text
//! eval "$(bash .ci/services.sh)"
//! cargo test -p crmgen-runtime --features redis,postgres,file-lock --test shared_rate_limit
//! ```
//!
//! The binary runs its own cases one after another (no libtest harness:
//! timing cases must not share two cores with each other), and is its own
//! worker: started with `CRMGEN_RL_WORKER` set, it hammers the server with
//! the clients it is told to build, as a separate process. An optional
//! argument runs only the cases whose name contains it.

mod server;
mod worker;

use std::process::{Child, Command};
use std::time::{Duration, Instant};

use server::{Arrival, Server};

/// Where the shared state lives, as a worker is told.
#[derive(Debug, Clone)]
enum Backend {
    Redis(String),
    Postgres(String),
    File(String),
}

impl Backend {
    fn name(&self) -> &'static str {
        match self {
            Backend::Redis(_) => "redis",
            Backend::Postgres(_) => "postgres",
            Backend::File(_) => "file",
        }
    }

    fn location(&self) -> &str {
        match self {
            Backend::Redis(s) | Backend::Postgres(s) | Backend::File(s) => s,
        }
    }
}

fn required(var: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| {
        panic!("{var} is not set: start the test servers with `eval \"$(bash .ci/services.sh)\"` and run again")
    })
}

/// A name no earlier run used, so that state left in a server does not count.
fn unique(label: &str) -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_micros();
    format!("{label}-{}-{now}", std::process::id())
}

/// What a worker process does.
#[derive(Debug, Clone)]
struct Job {
    backend: Backend,
    server: String,
    /// One client per key; requests go to `/hit/{key}/{worker}`.
    keys: Vec<String>,
    /// `requests/per_ms/burst`, or empty for none.
    rule: String,
    concurrency: usize,
    tasks: usize,
    run_for: Duration,
    lease_ttl: Duration,
    name: String,
}

impl Job {
    fn spawn(&self) -> Child {
        Command::new(std::env::current_exe().unwrap())
            .env("CRMGEN_RL_WORKER", "1")
            .env("RL_BACKEND", self.backend.name())
            .env("RL_BACKEND_AT", self.backend.location())
            .env("RL_SERVER", &self.server)
            .env("RL_KEYS", self.keys.join(","))
            .env("RL_RULE", &self.rule)
            .env("RL_CONCURRENCY", self.concurrency.to_string())
            .env("RL_TASKS", self.tasks.to_string())
            .env("RL_RUN_MS", self.run_for.as_millis().to_string())
            .env("RL_LEASE_TTL_MS", self.lease_ttl.as_millis().to_string())
            .env("RL_NAME", &self.name)
            .spawn()
            .expect("start a worker process")
    }
}

fn wait_all(children: Vec<Child>) {
    for mut child in children {
        let status = child.wait().unwrap();
        assert!(status.success(), "a worker failed: {status}");
    }
}

/// The most arrivals in any window `[t, t + window)`.
fn busiest(arrivals: &[Instant], window: Duration) -> usize {
    let mut sorted = arrivals.to_vec();
    sorted.sort();
    let mut best = 0;
    let mut end = 0;
    for start in 0..sorted.len() {
        while end < sorted.len() && sorted[end] < sorted[start] + window {
            end += 1;
        }
        best = best.max(end - start);
    }
    best
}

/// Arrivals over what the rule allows from the first arrival to the last:
/// `burst` at once, then one per interval.
fn utilisation(arrivals: &[Instant], requests: u32, per: Duration, burst: u32) -> f64 {
    let first = *arrivals.iter().min().unwrap();
    let last = *arrivals.iter().max().unwrap();
    let interval = per.as_secs_f64() / f64::from(requests - burst + 1);
    let allowed = f64::from(burst) + (last - first).as_secs_f64() / interval;
    arrivals.len() as f64 / allowed
}

/// Arrival jitter tolerated: a window is measured `TOLERANCE` shorter
/// than the rule's, since a request's way from the limiter to the server
/// (scheduling on a busy machine included) varies by a few milliseconds.
const TOLERANCE: Duration = Duration::from_millis(40);

fn times(arrivals: &[Arrival]) -> Vec<Instant> {
    arrivals.iter().map(|a| a.at).collect()
}

/// Four processes of three tasks each against one quota: no window holds
/// more than the quota, and at least 90% of it is used.
async fn quota_is_shared_by_processes(backend: &Backend) {
    let (requests, per, burst) = (10u32, Duration::from_millis(1000), 3u32);
    let server = Server::start().await;
    let key = unique("quota");
    let job = Job {
        backend: backend.clone(),
        server: server.url(),
        keys: vec![key.clone()],
        rule: format!("{requests}/{}/{burst}", per.as_millis()),
        concurrency: 0,
        tasks: 3,
        run_for: Duration::from_secs(6),
        lease_ttl: Duration::from_secs(5),
        name: String::new(),
    };
    let children = (0..4).map(|i| Job { name: format!("w{i}"), ..job.clone() }.spawn()).collect();
    wait_all(children);
    let arrivals = server.arrivals();
    let workers: std::collections::BTreeSet<_> = arrivals.iter().map(|a| a.worker.clone()).collect();
    assert_eq!(workers.len(), 4, "every process sent requests: {workers:?}");
    let at = times(&arrivals);
    let most = busiest(&at, per - TOLERANCE);
    let exact = busiest(&at, per);
    let used = utilisation(&at, requests, per, burst);
    println!(
        "{}: {} requests from 4 processes x 3 tasks; busiest {}-ms window {most} (exact {} ms: {exact}) of {requests}; utilisation {:.1}%",
        backend.name(),
        at.len(),
        (per - TOLERANCE).as_millis(),
        per.as_millis(),
        used * 100.0
    );
    assert!(most <= requests as usize, "a window held {most} requests, over the quota of {requests}");
    assert!(used >= 0.90, "only {:.1}% of the quota was used", used * 100.0);
}

/// A 429 with `Retry-After: 2` answered to one process holds back every
/// process for those two seconds.
async fn a_429_in_one_process_pauses_all(backend: &Backend) {
    let server = Server::start().await;
    let key = unique("pause");
    // The sixth request overall is refused.
    server.refuse_nth(6, 2);
    let job = Job {
        backend: backend.clone(),
        server: server.url(),
        keys: vec![key.clone()],
        rule: "10/1000/1".into(),
        concurrency: 0,
        tasks: 2,
        run_for: Duration::from_millis(5000),
        lease_ttl: Duration::from_secs(5),
        name: String::new(),
    };
    let children = (0..3).map(|i| Job { name: format!("w{i}"), ..job.clone() }.spawn()).collect();
    wait_all(children);
    let arrivals = server.arrivals();
    let refused = arrivals.iter().find(|a| a.status == 429).expect("the sixth request was refused");
    // Requests the limiters let go before the pause was written may still
    // arrive just after the 429.
    let quiet_from = refused.at + Duration::from_millis(150);
    let quiet_until = refused.at + Duration::from_millis(2000) - TOLERANCE;
    let during: Vec<_> =
        arrivals.iter().filter(|a| a.at >= quiet_from && a.at < quiet_until).map(|a| a.worker.clone()).collect();
    let after: std::collections::BTreeSet<_> =
        arrivals.iter().filter(|a| a.at >= quiet_until).map(|a| a.worker.clone()).collect();
    println!(
        "{}: 429 to {}; arrivals in the pause: {}; processes sending after it: {}",
        backend.name(),
        refused.worker,
        during.len(),
        after.len()
    );
    assert!(during.is_empty(), "requests arrived during the pause from {during:?}");
    assert_eq!(after.len(), 3, "every process went on after the pause: {after:?}");
}

/// Two keys (two HighLevel locations) served by the same processes keep
/// separate quotas, each used in full.
async fn keys_keep_separate_buckets(backend: &Backend) {
    let (requests, per) = (10u32, Duration::from_millis(1000));
    let server = Server::start().await;
    let keys = vec![unique("location-a"), unique("location-b")];
    let job = Job {
        backend: backend.clone(),
        server: server.url(),
        keys: keys.clone(),
        rule: format!("{requests}/{}/1", per.as_millis()),
        concurrency: 0,
        tasks: 2,
        run_for: Duration::from_secs(5),
        lease_ttl: Duration::from_secs(5),
        name: String::new(),
    };
    let children = (0..2).map(|i| Job { name: format!("w{i}"), ..job.clone() }.spawn()).collect();
    wait_all(children);
    let arrivals = server.arrivals();
    for key in &keys {
        let at: Vec<_> = arrivals.iter().filter(|a| &a.key == key).map(|a| a.at).collect();
        let most = busiest(&at, per - TOLERANCE);
        let used = utilisation(&at, requests, per, 1);
        println!(
            "{}: key {key}: {} requests, busiest window {most}, utilisation {:.1}%",
            backend.name(),
            at.len(),
            used * 100.0
        );
        assert!(most <= requests as usize, "key {key}: a window held {most}");
        assert!(used >= 0.90, "key {key}: only {:.1}% used: the keys share a bucket", used * 100.0);
    }
}

/// Three processes of four tasks each under a cap of three requests in
/// flight: never more than three at the server, and the cap is used.
async fn concurrency_cap_is_shared(backend: &Backend) {
    let server = Server::start().await;
    server.hold_for(Duration::from_millis(100));
    let key = unique("zoho-org");
    let job = Job {
        backend: backend.clone(),
        server: server.url(),
        keys: vec![key],
        rule: String::new(),
        concurrency: 3,
        tasks: 4,
        run_for: Duration::from_secs(3),
        lease_ttl: Duration::from_secs(5),
        name: String::new(),
    };
    let children = (0..3).map(|i| Job { name: format!("w{i}"), ..job.clone() }.spawn()).collect();
    wait_all(children);
    let most = server.most_in_flight();
    println!("{}: most requests in flight {most} (cap 3), {} requests", backend.name(), server.arrivals().len());
    assert!(most <= 3, "{most} requests were in flight at once, over the cap of 3");
    assert_eq!(most, 3, "the cap was never reached");
}

/// A process killed while it holds every place of a concurrency cap
/// frees them when its leases expire: another process then goes, not
/// before.
async fn killed_holder_releases_after_expiry(backend: &Backend) {
    let server = Server::start().await;
    // Held far longer than the test: the places stay taken until the kill.
    server.hold_for(Duration::from_secs(60));
    let key = unique("zoho-kill");
    let ttl = Duration::from_millis(1500);
    let holder = Job {
        backend: backend.clone(),
        server: server.url(),
        keys: vec![key.clone()],
        rule: String::new(),
        concurrency: 2,
        tasks: 2,
        run_for: Duration::from_secs(60),
        lease_ttl: ttl,
        name: "holder".into(),
    };
    let mut child = holder.spawn();
    let deadline = Instant::now() + Duration::from_secs(20);
    while server.arrivals().iter().filter(|a| a.worker == "holder").count() < 2 {
        assert!(Instant::now() < deadline, "the holder never sent its two requests");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Long enough for the holder to have renewed its leases at least twice
    // (every third of the ttl): the kill may well come mid-renewal.
    tokio::time::sleep(ttl).await;
    child.kill().unwrap();
    let killed = Instant::now();
    child.wait().unwrap();
    server.hold_for(Duration::ZERO);
    let next = Job { name: "next".into(), tasks: 1, run_for: Duration::from_secs(5), ..holder };
    let mut waiter = next.spawn();
    let deadline = killed + Duration::from_secs(20);
    let first = loop {
        if let Some(a) = server.arrivals().into_iter().find(|a| a.worker == "next") {
            break a.at;
        }
        assert!(Instant::now() < deadline, "the next process never got a place");
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    let _ = waiter.wait();
    let after = first - killed;
    println!(
        "{}: next request {} ms after the kill (lease ttl {} ms)",
        backend.name(),
        after.as_millis(),
        ttl.as_millis()
    );
    // The holder renewed every third of the ttl: its leases ended between
    // two thirds of it and all of it after the kill.
    assert!(after >= ttl * 2 / 3 - TOLERANCE, "went after {after:?}, before the leases expired");
    assert!(after <= ttl + Duration::from_secs(3), "waited {after:?}, long after the leases expired");
}

/// The cases, each run on every backend.
const CASES: &[&str] = &["quota", "pause", "keys", "concurrency", "killed"];

fn main() {
    if std::env::var_os("CRMGEN_RL_WORKER").is_some() {
        return worker::run();
    }
    let filter: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let dir = tempfile::tempdir().unwrap();
    let backends = [
        Backend::Redis(required("CRMGEN_TEST_REDIS_URL")),
        Backend::Postgres(required("CRMGEN_TEST_DATABASE_URL")),
        Backend::File(dir.path().join("rate-limits.json").to_string_lossy().into_owned()),
    ];
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let mut ran = 0;
    for backend in &backends {
        for case in CASES {
            let name = format!("{}::{case}", backend.name());
            if filter.as_ref().is_some_and(|f| !name.contains(f.as_str())) {
                continue;
            }
            println!("test {name} ...");
            runtime.block_on(async {
                match *case {
                    "quota" => quota_is_shared_by_processes(backend).await,
                    "pause" => a_429_in_one_process_pauses_all(backend).await,
                    "keys" => keys_keep_separate_buckets(backend).await,
                    "concurrency" => concurrency_cap_is_shared(backend).await,
                    "killed" => killed_holder_releases_after_expiry(backend).await,
                    _ => unreachable!(),
                }
            });
            println!("test {name} ... ok");
            ran += 1;
        }
    }
    assert!(ran > 0, "no case matches {filter:?}");
    println!("{ran} cases passed");
}
