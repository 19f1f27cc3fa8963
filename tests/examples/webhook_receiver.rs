//! A webhook receiver for the three vendors with `axum`: each route
//! verifies the delivery on its raw bytes, decodes it into the generated
//! event enum, hands it to a background task and answers 200 at once
//! (vendors retry slow or failing deliveries). A refused delivery gets 401,
//! an authentic one that does not decode 400.
//!
//! ```text
//! ATTIO_WEBHOOK_SECRET=... ZOHO_CHANNEL_TOKEN=... cargo run -p tests --example webhook_receiver
//! ```

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
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
    eprintln!("webhook: {err}");
    if err.is_refusal() { StatusCode::UNAUTHORIZED } else { StatusCode::BAD_REQUEST }
}

/// Queues the event without waiting and answers 200; when the queue is
/// full, 503 makes the vendor deliver it again later instead of losing it.
fn enqueue(state: &Receivers, event: Received) -> StatusCode {
    match state.queue.try_send(event) {
        Ok(()) => StatusCode::OK,
        Err(_) => StatusCode::SERVICE_UNAVAILABLE,
    }
}

async fn highlevel_hook(State(state): State<Arc<Receivers>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    match state.highlevel.verify_and_parse(&headers, &body) {
        Ok(d) => enqueue(&state, Received::HighLevel(d.id, Box::new(d.payload))),
        Err(e) => status(&e),
    }
}

async fn attio_hook(State(state): State<Arc<Receivers>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    match state.attio.verify_and_parse(&headers, &body) {
        Ok(d) => enqueue(&state, Received::Attio(d.id, d.payload)),
        Err(e) => status(&e),
    }
}

async fn zoho_hook(State(state): State<Arc<Receivers>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    match state.zoho.verify_and_parse(&headers, &body) {
        Ok(d) => enqueue(&state, Received::Zoho(d.payload)),
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
    // The application's work, off the request path; deduplicate on the
    // delivery id (retries carry the same one).
    tokio::spawn(async move {
        while let Some(event) = events.recv().await {
            match event {
                Received::HighLevel(id, event) => println!("HighLevel delivery {id:?}: {event:?}"),
                Received::Attio(id, envelope) => {
                    println!("Attio delivery {id:?}: {} event(s)", envelope.events.len());
                    for event in envelope.events {
                        println!("  {event:?}");
                    }
                }
                Received::Zoho(event) => println!("Zoho notification: {event:?}"),
            }
        }
    });
    let app = Router::new()
        .route("/webhooks/highlevel", post(highlevel_hook))
        .route("/webhooks/attio", post(attio_hook))
        .route("/webhooks/zoho", post(zoho_hook))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
