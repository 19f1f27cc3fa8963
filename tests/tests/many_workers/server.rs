//! The loopback HighLevel of the test: a token endpoint that rotates the
//! refresh token on every use and refuses any but the latest, 3-second
//! access tokens, and a record endpoint that refuses expired tokens and
//! timestamps every request.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use tests::support::{Api, Op};

static OBJECTS: Api = Api::new("highlevel/objects.yaml", &[]);
const GET_RECORD: Op = Op::new(&OBJECTS, "get_record", "GET", "/objects/{schemaKey}/records/{id}");

const TOKEN_LIFETIME: u64 = 3;

#[derive(Default)]
struct Inner {
    refresh_seq: u32,
    refresh_token: String,
    access: HashMap<String, Instant>,
    token_requests: usize,
    token_times: Vec<Instant>,
    refused: usize,
    unauthorized: usize,
    arrivals: Vec<Instant>,
    hold_first: bool,
    held_by: Option<usize>,
}

/// What the server saw.
pub struct Stats {
    pub arrivals: Vec<Instant>,
    pub token_requests: usize,
    pub token_times: Vec<Instant>,
    pub refused: usize,
    pub unauthorized: usize,
}

impl Stats {
    /// When the first token was minted after `at`.
    pub fn first_token_after(&self, at: Instant) -> Option<Instant> {
        self.token_times.iter().copied().find(|t| *t > at)
    }
}

#[derive(Clone)]
pub struct Server {
    url: String,
    inner: Arc<Mutex<Inner>>,
}

impl Server {
    pub async fn start() -> Server {
        let inner = Arc::new(Mutex::new(Inner { refresh_token: "hl-refresh-0".into(), ..Inner::default() }));
        let record = Arc::new(GET_RECORD.response_example(200));
        let app = Router::new()
            .route("/oauth/token", post(token))
            .route(
                "/objects/{key}/records/{id}",
                get({
                    let record = Arc::clone(&record);
                    move |state: State<Arc<Mutex<Inner>>>, headers: HeaderMap| api(state, headers, Arc::clone(&record))
                }),
            )
            .with_state(Arc::clone(&inner));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Server { url, inner }
    }

    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// The refresh token the server accepts now.
    pub fn refresh_token(&self) -> String {
        self.inner.lock().unwrap().refresh_token.clone()
    }

    /// The next token request is held and never answered.
    pub fn hold_first_token_request(&self) {
        self.inner.lock().unwrap().hold_first = true;
    }

    /// The worker whose token request is held.
    pub fn held_by(&self) -> Option<usize> {
        self.inner.lock().unwrap().held_by
    }

    pub fn stats(&self) -> Stats {
        let inner = self.inner.lock().unwrap();
        let mut arrivals = inner.arrivals.clone();
        arrivals.sort();
        Stats {
            arrivals,
            token_requests: inner.token_requests,
            token_times: inner.token_times.clone(),
            refused: inner.refused,
            unauthorized: inner.unauthorized,
        }
    }
}

/// A JSON response (axum's `Json` is behind a feature this crate leaves off).
fn json_response(status: StatusCode, body: &Value) -> Response {
    (status, [(axum::http::header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

fn worker_of(headers: &HeaderMap) -> Option<usize> {
    headers.get("user-agent")?.to_str().ok()?.strip_prefix("worker-")?.parse().ok()
}

async fn token(State(inner): State<Arc<Mutex<Inner>>>, headers: HeaderMap, body: String) -> Response {
    let hold = {
        let mut s = inner.lock().unwrap();
        s.token_requests += 1;
        if s.hold_first && s.held_by.is_none() {
            s.held_by = worker_of(&headers).or(Some(usize::MAX));
            true
        } else {
            false
        }
    };
    if hold {
        tokio::time::sleep(Duration::from_secs(120)).await;
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let sent = body
        .split('&')
        .find_map(|p| p.strip_prefix("refresh_token="))
        .map(|v| v.replace("%2D", "-"))
        .unwrap_or_default();
    let mut s = inner.lock().unwrap();
    if sent != s.refresh_token {
        s.refused += 1;
        return json_response(
            StatusCode::BAD_REQUEST,
            &json!({"error": "invalid_grant", "error_description": "stale"}),
        );
    }
    s.refresh_seq += 1;
    s.refresh_token = format!("hl-refresh-{}", s.refresh_seq);
    let access = format!("hl-access-{}", s.refresh_seq);
    let now = Instant::now();
    s.access.insert(access.clone(), now + Duration::from_secs(TOKEN_LIFETIME));
    s.token_times.push(now);
    let body = json!({
        "access_token": access,
        "refresh_token": s.refresh_token,
        "expires_in": TOKEN_LIFETIME,
        "token_type": "Bearer",
        "userType": "Location",
        "locationId": "loc-1",
    });
    json_response(StatusCode::OK, &body)
}

async fn api(State(inner): State<Arc<Mutex<Inner>>>, headers: HeaderMap, record: Arc<Value>) -> Response {
    let token = headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    let mut s = inner.lock().unwrap();
    let now = Instant::now();
    s.arrivals.push(now);
    let valid = token.and_then(|t| s.access.get(t)).is_some_and(|until| now < *until);
    if !valid {
        s.unauthorized += 1;
        return json_response(StatusCode::UNAUTHORIZED, &json!({"statusCode": 401, "message": "Invalid JWT"}));
    }
    json_response(StatusCode::OK, &record)
}
