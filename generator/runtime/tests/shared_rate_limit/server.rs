//! A loopback HTTP/1.1 server that notes when each request arrives, who
//! sent it, and how many are in flight; it can refuse one request with a
//! 429 and hold responses back.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One request as it arrived: `/hit/{key}/{worker}`.
#[derive(Debug, Clone)]
pub struct Arrival {
    pub at: Instant,
    pub key: String,
    pub worker: String,
    pub status: u16,
}

#[derive(Default)]
struct State {
    arrivals: Mutex<Vec<Arrival>>,
    /// Refuse the n-th request (1-based; 0 for none) with this Retry-After.
    refuse: Mutex<(usize, u64)>,
    hold_ms: AtomicU64,
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
}

pub struct Server {
    port: u16,
    state: Arc<State>,
}

impl Server {
    pub async fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(State::default());
        let shared = state.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let _ = stream.set_nodelay(true);
                tokio::spawn(serve(stream, shared.clone()));
            }
        });
        Server { port, state }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn arrivals(&self) -> Vec<Arrival> {
        self.state.arrivals.lock().unwrap().clone()
    }

    pub fn refuse_nth(&self, n: usize, retry_after_secs: u64) {
        *self.state.refuse.lock().unwrap() = (n, retry_after_secs);
    }

    pub fn hold_for(&self, hold: Duration) {
        self.state.hold_ms.store(hold.as_millis() as u64, Ordering::SeqCst);
    }

    pub fn most_in_flight(&self) -> usize {
        self.state.most_in_flight.load(Ordering::SeqCst)
    }
}

async fn serve(mut stream: TcpStream, state: Arc<State>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        // A request head (the workers send no bodies).
        let end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let at = Instant::now();
        let head = String::from_utf8_lossy(&buf[..end]).into_owned();
        buf.drain(..end);
        let target = head.split_whitespace().nth(1).unwrap_or("/").to_string();
        let path = target.split('?').next().unwrap_or("");
        let mut parts = path.trim_start_matches('/').split('/').skip(1);
        let key = parts.next().unwrap_or("").to_string();
        let worker = parts.next().unwrap_or("").to_string();
        let now_in_flight = state.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        state.most_in_flight.fetch_max(now_in_flight, Ordering::SeqCst);
        let status = {
            let mut arrivals = state.arrivals.lock().unwrap();
            let (nth, _) = *state.refuse.lock().unwrap();
            let status = if arrivals.len() + 1 == nth { 429 } else { 200 };
            arrivals.push(Arrival { at, key, worker, status });
            status
        };
        let hold = state.hold_ms.load(Ordering::SeqCst);
        if hold > 0 {
            tokio::time::sleep(Duration::from_millis(hold)).await;
        }
        let response = if status == 429 {
            let retry_after = state.refuse.lock().unwrap().1;
            format!("HTTP/1.1 429 Too Many Requests\r\nretry-after: {retry_after}\r\ncontent-length: 0\r\n\r\n")
        } else {
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}".to_string()
        };
        // Counted out before the answer leaves: the client cannot start
        // another request on its place before it has this answer.
        state.in_flight.fetch_sub(1, Ordering::SeqCst);
        if stream.write_all(response.as_bytes()).await.is_err() {
            return;
        }
    }
}
