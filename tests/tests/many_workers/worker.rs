//! One worker process: a HighLevel client built as an application builds
//! it, on the engine it is told, calling the API from several tasks until
//! its time is up; it prints its report as one JSON line.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crm_clients::highlevel::objects::Client;
use crm_clients::runtime::{
    Error, FileRateLimiter, FileTokenStore, OAuth2, PostgresRateLimiter, PostgresTokenStore, RedisRateLimiter,
    RedisTokenStore, TokenStore,
};
use serde::{Deserialize, Serialize};

const TASKS: usize = 4;

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Report {
    pub id: usize,
    pub calls: usize,
    pub ok: usize,
    pub failed: usize,
    pub invalid_grant: usize,
    pub needs_reauthorization: usize,
    pub errors: Vec<String>,
}

pub fn run(args: &[String]) {
    let [kind, server, grant, limiter, id, seconds, token_timeout_ms] = args else {
        panic!("worker KIND SERVER GRANT LIMITER ID SECONDS TOKEN_TIMEOUT_MS, not {args:?}")
    };
    let id: usize = id.parse().unwrap();
    let run = Duration::from_secs_f64(seconds.parse().unwrap());
    let token_timeout = Duration::from_millis(token_timeout_ms.parse().unwrap());
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let report = runtime.block_on(async move {
        let env = |name: &str| std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set"));
        let store: Arc<dyn TokenStore> = match kind.as_str() {
            "postgres" => Arc::new(PostgresTokenStore::connect(&env("CRMGEN_TEST_DATABASE_URL"), grant).await.unwrap()),
            "redis" => Arc::new(RedisTokenStore::connect(&env("CRMGEN_TEST_REDIS_URL"), grant).await.unwrap()),
            _ => Arc::new(FileTokenStore::new(grant)),
        };
        let oauth = OAuth2::refresh_token_from_store("hl-client", "hl-client-secret", store)
            .token_url(format!("{server}/oauth/token"))
            .token_timeout(token_timeout)
            .store_timeout(Duration::from_secs(2));
        let builder = Client::builder().base_url(server).oauth2(oauth).user_agent(format!("worker-{id}"));
        let builder = match kind.as_str() {
            "postgres" => builder
                .rate_limiter(PostgresRateLimiter::connect(&env("CRMGEN_TEST_DATABASE_URL")).await.unwrap())
                .rate_limit_key(limiter),
            "redis" => builder
                .rate_limiter(RedisRateLimiter::connect(&env("CRMGEN_TEST_REDIS_URL")).await.unwrap())
                .rate_limit_key(limiter),
            _ => builder.rate_limiter(FileRateLimiter::new(limiter)),
        };
        let client = builder.build().unwrap();
        let deadline = Instant::now() + run;
        let tasks = (0..TASKS).map(|_| {
            let client = client.clone();
            async move {
                let mut report = Report::default();
                while Instant::now() < deadline {
                    report.calls += 1;
                    match client.get_record("custom_objects.pet", "632c34b4c9b7da3358ac9891").await {
                        Ok(_) => report.ok += 1,
                        Err(e) => {
                            report.failed += 1;
                            if let Error::Auth(a) = &e {
                                report.invalid_grant +=
                                    usize::from(a.kind() == &crm_clients::runtime::AuthErrorKind::InvalidGrant);
                                report.needs_reauthorization += usize::from(a.needs_reauthorization());
                            }
                            let text = e.to_string();
                            if report.errors.len() < 3 && !report.errors.contains(&text) {
                                report.errors.push(text);
                            }
                        }
                    }
                }
                report
            }
        });
        let mut total = Report { id, ..Report::default() };
        for r in futures_util::future::join_all(tasks).await {
            total.calls += r.calls;
            total.ok += r.ok;
            total.failed += r.failed;
            total.invalid_grant += r.invalid_grant;
            total.needs_reauthorization += r.needs_reauthorization;
            for e in r.errors {
                if total.errors.len() < 5 && !total.errors.contains(&e) {
                    total.errors.push(e);
                }
            }
        }
        total
    });
    println!("{}", serde_json::to_string(&report).unwrap());
}
