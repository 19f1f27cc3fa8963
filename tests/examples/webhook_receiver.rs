//! A webhook receiver for the three vendors with `axum`: each route
//! verifies the delivery on its raw bytes, decodes it into the generated
//! event enum, hands it to a background task and answers 200 at once. A
//! refused delivery gets 401, a body over the limit 413, an authentic one
//! that does not decode 400. When the queue is full, each route answers
//! what its vendor retries (`Webhook::RETRY_STATUS`: 429 for HighLevel,
//! 503 for Attio); Zoho documents no redelivery, so its route waits for
//! room instead of losing the notification. The application deduplicates
//! on the delivery id: a retry carries the same one. Nothing of a payload
//! is printed (event data is the vendor's customers' data).
//!
//! ```text
//! ATTIO_WEBHOOK_SECRET=... ZOHO_CHANNEL_TOKEN=... cargo run -p tests --example webhook_receiver
//! ```

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::DefaultBodyLimit;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use crm_clients::runtime::webhook::WebhookError;
use crm_clients::{attio, highlevel, zoho_crm};
use tokio::sync::mpsc;

/// What the receiver hands to the application.
enum Received {
    HighLevel(Option<String>, Box<highlevel::conversations::WebhookEvent>),
    Attio(Option<String>, attio::records::WebhookEnvelope),
    Zoho(zoho_crm::records::WebhookEvent),
}

struct Receivers {
    highlevel: highlevel::conversations::Webhook,
    attio: attio::records::Webhook,
    zoho: zoho_crm::records::Webhook,
    queue: mpsc::Sender<Received>,
}

fn status(err: &WebhookError) -> StatusCode {
    // The error names the header or field at fault, never a secret or the body.
    eprintln!("webhook: {err}");
    StatusCode::from_u16(err.status()).unwrap_or(StatusCode::BAD_REQUEST)
}

/// Queues the event and answers 200. When the queue is full: the status
/// the vendor delivers again after, or, for a vendor that never delivers
/// again, a wait for room.
async fn enqueue(state: &Receivers, event: Received, retry_status: Option<u16>) -> StatusCode {
    let event = match state.queue.try_send(event) {
        Ok(()) => return StatusCode::OK,
        Err(mpsc::error::TrySendError::Full(event)) => event,
        Err(mpsc::error::TrySendError::Closed(_)) => return StatusCode::INTERNAL_SERVER_ERROR,
    };
    match retry_status.and_then(|s| StatusCode::from_u16(s).ok()) {
        Some(retry) => retry,
        None => match state.queue.send(event).await {
            Ok(()) => StatusCode::OK,
            Err(_) => StatusCode::INTERNAL_SERVER_ERROR,
        },
    }
}

async fn highlevel_hook(State(state): State<Arc<Receivers>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    match state.highlevel.verify_and_parse(&headers, &body) {
        Ok(d) => {
            let event = Received::HighLevel(d.id, Box::new(d.payload));
            enqueue(&state, event, highlevel::conversations::Webhook::RETRY_STATUS).await
        }
        Err(e) => status(&e),
    }
}

async fn attio_hook(State(state): State<Arc<Receivers>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    match state.attio.verify_and_parse(&headers, &body) {
        Ok(d) => enqueue(&state, Received::Attio(d.id, d.payload), attio::records::Webhook::RETRY_STATUS).await,
        Err(e) => status(&e),
    }
}

async fn zoho_hook(State(state): State<Arc<Receivers>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    match state.zoho.verify_and_parse(&headers, &body) {
        Ok(d) => enqueue(&state, Received::Zoho(d.payload), zoho_crm::records::Webhook::RETRY_STATUS).await,
        Err(e) => status(&e),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (queue, mut events) = mpsc::channel(1024);
    let state = Arc::new(Receivers {
        highlevel: highlevel::conversations::Webhook::new()?,
        attio: attio::records::Webhook::new(std::env::var("ATTIO_WEBHOOK_SECRET")?)?,
        zoho: zoho_crm::records::Webhook::new(std::env::var("ZOHO_CHANNEL_TOKEN")?)?,
        queue,
    });
    // The application's work, off the request path. Deduplicate on the
    // delivery id (retries carry the same one); print what happened, not
    // the payloads.
    tokio::spawn(async move {
        while let Some(event) = events.recv().await {
            match event {
                Received::HighLevel(id, event) => {
                    let kind = match *event {
                        highlevel::conversations::WebhookEvent::Unknown(_) => "an event of another type",
                        _ => "a conversation event",
                    };
                    println!("HighLevel delivery {id:?}: {kind}");
                }
                Received::Attio(id, envelope) => println!("Attio delivery {id:?}: {} event(s)", envelope.events.len()),
                Received::Zoho(event) => {
                    let ids = match &event {
                        zoho_crm::records::WebhookEvent::Insert(n)
                        | zoho_crm::records::WebhookEvent::Update(n)
                        | zoho_crm::records::WebhookEvent::Delete(n) => n.ids.len(),
                        _ => 0,
                    };
                    println!("Zoho notification: {ids} record id(s)");
                }
            }
        }
    });
    // The server stops reading a body at the verifier's limit too.
    let body_limit = state.highlevel.body_limit().max(state.attio.body_limit()).max(state.zoho.body_limit());
    let app = Router::new()
        .route("/webhooks/highlevel", post(highlevel_hook))
        .route("/webhooks/attio", post(attio_hook))
        .route("/webhooks/zoho", post(zoho_hook))
        .layer(DefaultBodyLimit::max(body_limit))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
