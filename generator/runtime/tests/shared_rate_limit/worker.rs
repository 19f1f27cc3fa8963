//! The worker process: clients sharing their limits through the backend it
//! is told, each request to `/hit/{key}/{worker}`, until its time is up.

use std::time::{Duration, Instant};

use crmgen_runtime::{
    ApiClient, Client, ClientBuilder, FileRateLimiter, Method, PostgresRateLimiter, RateLimit, RateLimitBackend,
    RateRule, RedisRateLimiter, Request, RetryPolicy,
};

struct Api(Client);

impl ApiClient for Api {
    fn from_runtime(client: Client) -> Self {
        Api(client)
    }
}

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("worker: {name} unset"))
}

fn number<T: std::str::FromStr>(name: &str) -> T {
    var(name).parse().unwrap_or_else(|_| panic!("worker: {name} is not a number"))
}

fn with_backend(builder: ClientBuilder<Api>, backend: impl RateLimitBackend) -> ClientBuilder<Api> {
    builder.rate_limiter(backend)
}

pub fn run() {
    // A backend failure (the limits then kept in this process alone) shows.
    tracing_subscriber::fmt().with_max_level(tracing::Level::WARN).with_writer(std::io::stderr).init();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(work());
}

async fn work() {
    let (server, name) = (var("RL_SERVER"), var("RL_NAME"));
    let lease_ttl = Duration::from_millis(number("RL_LEASE_TTL_MS"));
    let mut limits = RateLimit::new();
    let rule = var("RL_RULE");
    if !rule.is_empty() {
        let parts: Vec<u64> = rule.split('/').map(|p| p.parse().unwrap()).collect();
        limits = limits.rule(RateRule::new(parts[0] as u32, Duration::from_millis(parts[1])).burst(parts[2] as u32));
    }
    let concurrency: usize = number("RL_CONCURRENCY");
    if concurrency > 0 {
        limits = limits.concurrency(concurrency);
    }
    let at = var("RL_BACKEND_AT");
    let mut clients = Vec::new();
    for key in var("RL_KEYS").split(',') {
        let builder = ClientBuilder::<Api>::new("https://api.example.test", &[])
            .base_url(&server)
            .retry(RetryPolicy::default().max_attempts(3))
            .rate_limit(limits.clone())
            .rate_limit_key(key);
        let builder = match var("RL_BACKEND").as_str() {
            "redis" => with_backend(builder, RedisRateLimiter::connect(&at).await.unwrap().lease_ttl(lease_ttl)),
            "postgres" => with_backend(builder, PostgresRateLimiter::connect(&at).await.unwrap().lease_ttl(lease_ttl)),
            "file" => with_backend(builder, FileRateLimiter::new(&at).lease_ttl(lease_ttl)),
            other => panic!("worker: no backend {other}"),
        };
        clients.push((key.to_string(), builder.build().unwrap().0));
    }
    let deadline = Instant::now() + Duration::from_millis(number("RL_RUN_MS"));
    let tasks: usize = number("RL_TASKS");
    let mut handles = Vec::new();
    for (key, client) in clients {
        for _ in 0..tasks {
            let (client, key, name) = (client.clone(), key.clone(), name.clone());
            handles.push(tokio::spawn(async move {
                while Instant::now() < deadline {
                    let request = Request::new(Method::GET, "/hit/{key}/{worker}", &[])
                        .path("key", &key.as_str())
                        .path("worker", &name.as_str());
                    // Never cut off: a request dropped while the server holds
                    // it would give its place back while still in flight.
                    let _ = client.execute(&request).await;
                }
            }));
        }
    }
    for handle in handles {
        handle.await.unwrap();
    }
}
