//! Many workers, one CRM account: eight OS processes, each a HighLevel
//! client of `crm-clients` as an application builds it, share one OAuth 2.0
//! grant whose refresh token rotates on every use (the old one is rejected
//! at once), and one API quota (the spec's 100 requests per 10 s), through
//! a token store and a rate limiter of one engine: the file store with the
//! file limiter, PostgreSQL, Redis. A loopback server plays HighLevel: it
//! mints 3-second access tokens, refuses expired ones, and timestamps every
//! API request.
//!
//! For each engine: no call fails, no token request is refused, no window
//! of the server holds more than the quota, and at least 90% of the quota
//! is used. Then a worker is killed while it holds the refresh lease (its
//! token request never answered): the others go on once the lease is free,
//! and the grant in the store still refreshes.
//!
//! ```text
//! eval "$(bash .ci/services.sh)"
//! cargo test -p tests --features shared --test many_workers
//! ```
//!
//! The binary is its own worker (`many_workers worker ...`); without the
//! libtest harness, the engines run one after another.

mod server;
mod worker;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crm_clients::runtime::{FileTokenStore, PostgresTokenStore, RedisTokenStore, Secret, TokenSet, TokenStore};

use server::Server;
use worker::Report;

const WORKERS: usize = 8;
const RUN: Duration = Duration::from_secs(22);
const QUOTA: usize = 100;
const WINDOW: Duration = Duration::from_secs(10);
/// Arrivals spaced evenly by the clients may each be early or late by a
/// few milliseconds of loopback and scheduling: windows are judged this
/// much shorter than the quota's (the exact figure is reported too).
const JITTER: Duration = Duration::from_millis(50);

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: start the test servers with `eval \"$(bash .ci/services.sh)\"` and run again")
    })
}

/// Where one engine keeps the grant and the quota, as a worker is told.
#[derive(Debug, Clone)]
struct Engine {
    kind: &'static str,
    /// The token file, or the grant's name in the database.
    grant: String,
    /// The rate limiter's file, or the rate-limit key.
    limiter: String,
}

impl Engine {
    fn new(kind: &'static str, dir: &std::path::Path, run: &str) -> Engine {
        let id = format!("{run}-{}-{:x}", std::process::id(), fastrand_u64());
        match kind {
            "file" => Engine {
                kind,
                grant: dir.join(format!("tokens-{id}.json")).display().to_string(),
                limiter: dir.join(format!("limits-{id}.json")).display().to_string(),
            },
            _ => Engine { kind, grant: format!("highlevel:location-{id}"), limiter: format!("location-{id}") },
        }
    }

    async fn store(&self) -> Box<dyn TokenStore> {
        match self.kind {
            "postgres" => {
                Box::new(PostgresTokenStore::connect(&env("CRMGEN_TEST_DATABASE_URL"), &self.grant).await.unwrap())
            }
            "redis" => Box::new(RedisTokenStore::connect(&env("CRMGEN_TEST_REDIS_URL"), &self.grant).await.unwrap()),
            _ => Box::new(FileTokenStore::new(&self.grant)),
        }
    }

    fn spawn(&self, server: &str, id: usize, seconds: f64, token_timeout_ms: u64) -> Child {
        Command::new(std::env::current_exe().unwrap())
            .args(["worker", self.kind, server, &self.grant, &self.limiter])
            .args([id.to_string(), seconds.to_string(), token_timeout_ms.to_string()])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap()
    }
}

fn fastrand_u64() -> u64 {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    u64::from(nanos) ^ (u64::from(std::process::id()) << 32)
}

fn collect(children: Vec<Child>) -> Vec<Report> {
    children
        .into_iter()
        .map(|child| {
            let out = child.wait_with_output().unwrap();
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(out.status.success(), "a worker failed ({}): {text}", out.status);
            let line = text.lines().last().unwrap_or_default();
            serde_json::from_str(line).unwrap_or_else(|e| panic!("a worker's report `{line}`: {e}"))
        })
        .collect()
}

/// The most arrivals in any window of `length` (half-open).
fn busiest(arrivals: &[Instant], length: Duration) -> usize {
    let mut best = 0;
    let mut start = 0;
    for end in 0..arrivals.len() {
        while arrivals[end] - arrivals[start] >= length {
            start += 1;
        }
        best = best.max(end - start + 1);
    }
    best
}

async fn seed(engine: &Engine, refresh_token: &str) {
    let set = TokenSet { refresh_token: Some(Secret::new(refresh_token)), ..TokenSet::default() };
    engine.store().await.save(&set).await.unwrap();
}

async fn shared_quota_and_grant(kind: &'static str, dir: &std::path::Path) {
    let server = Server::start().await;
    let engine = Engine::new(kind, dir, "run");
    seed(&engine, &server.refresh_token()).await;
    let started = Instant::now();
    let children = (0..WORKERS).map(|id| engine.spawn(&server.url(), id, RUN.as_secs_f64(), 5000)).collect();
    let reports = collect(children);
    let elapsed = started.elapsed();
    let calls: usize = reports.iter().map(|r| r.calls).sum();
    let failed: usize = reports.iter().map(|r| r.failed).sum();
    let invalid_grant: usize = reports.iter().map(|r| r.invalid_grant).sum();
    let reauth: usize = reports.iter().map(|r| r.needs_reauthorization).sum();
    let stats = server.stats();
    let arrivals = stats.arrivals;
    let judged = busiest(&arrivals, WINDOW - JITTER);
    let exact = busiest(&arrivals, WINDOW);
    let span = arrivals.last().zip(arrivals.first()).map(|(l, f)| *l - *f).unwrap_or_default();
    let allowed = span.as_secs_f64() / (WINDOW.as_secs_f64() / QUOTA as f64) + 1.0;
    let used = arrivals.len() as f64 / allowed;
    println!(
        "{kind:>8}: {WORKERS} processes, {:.1} s: {calls} calls ({failed} failed), {} API requests, {} token \
         requests ({} refused as invalid_grant; {invalid_grant} invalid_grant and {reauth} needs_reauthorization \
         seen by callers), {} expired tokens refused, busiest 10 s window {judged} (exact: {exact}) of {QUOTA}, quota \
         used {:.1}%",
        elapsed.as_secs_f64(),
        arrivals.len(),
        stats.token_requests,
        stats.refused,
        stats.unauthorized,
        used * 100.0,
    );
    for r in reports.iter().filter(|r| !r.errors.is_empty()) {
        println!("          worker {}: {:?}", r.id, r.errors);
    }
    assert_eq!(failed, 0, "{kind}: calls failed");
    assert_eq!(stats.refused, 0, "{kind}: the token endpoint refused a refresh token");
    assert_eq!(invalid_grant + reauth, 0, "{kind}");
    assert!(reports.iter().all(|r| r.ok > 0), "{kind}: a worker never made a call");
    assert!(judged <= QUOTA, "{kind}: a window of {judged} requests");
    assert!(used >= 0.9, "{kind}: {:.1}% of the quota used", used * 100.0);
    assert!(stats.token_requests >= 4, "{kind}: 3-second tokens were not refreshed ({})", stats.token_requests);
}

async fn a_killed_lease_holder(kind: &'static str, dir: &std::path::Path) {
    let server = Server::start().await;
    let engine = Engine::new(kind, dir, "kill");
    seed(&engine, &server.refresh_token()).await;
    // The first token request is never answered: its sender holds the lease when it is killed.
    server.hold_first_token_request();
    let seconds = 12.0;
    let mut children: Vec<Child> = (0..4).map(|id| engine.spawn(&server.url(), id, seconds, 2000)).collect();
    let holder = loop {
        if let Some(id) = server.held_by() {
            break id;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let killed_at = Instant::now();
    let mut victim = children.remove(holder);
    victim.kill().unwrap();
    victim.wait().unwrap();
    let reports = collect(children);
    let failed: usize = reports.iter().map(|r| r.failed).sum();
    let stats = server.stats();
    let resumed = stats.first_token_after(killed_at).map(|t| t - killed_at);
    println!(
        "{kind:>8}: killed worker {holder} holding the refresh lease; the first refresh after it came {:?} later; {} \
         calls of the 3 others, {failed} failed, {} refused refresh tokens",
        resumed,
        reports.iter().map(|r| r.calls).sum::<usize>(),
        stats.refused
    );
    for r in reports.iter().filter(|r| !r.errors.is_empty()) {
        println!("          worker {}: {:?}", r.id, r.errors);
    }
    assert!(resumed.is_some(), "{kind}: nobody refreshed after the holder died");
    assert_eq!(failed, 0, "{kind}: calls failed while the lease of a dead holder ran out");
    assert_eq!(stats.refused, 0, "{kind}");
    assert!(reports.iter().all(|r| r.ok > 0), "{kind}");
    // Nothing lost: the stored refresh token is the server's, and it still refreshes.
    let stored = engine.store().await.load().await.unwrap().unwrap();
    assert_eq!(stored.refresh_token.as_ref().map(Secret::expose), Some(server.refresh_token().as_str()), "{kind}");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("worker") {
        worker::run(&args[2..]);
        return;
    }
    // libtest's flags (`--nocapture`, a filter) may follow; a filter names engines.
    let filter: Vec<&str> = args[1..].iter().map(String::as_str).filter(|a| !a.starts_with('-')).collect();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    for kind in ["file", "postgres", "redis"] {
        if !filter.is_empty() && !filter.iter().any(|f| kind.contains(f)) {
            continue;
        }
        runtime.block_on(shared_quota_and_grant(kind, dir.path()));
        runtime.block_on(a_killed_lease_holder(kind, dir.path()));
    }
}
