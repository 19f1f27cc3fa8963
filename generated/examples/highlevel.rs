//! Reads a custom object record and the latest conversations of a contact.
//!
//! `HIGHLEVEL_TOKEN=... HIGHLEVEL_LOCATION=... cargo run --example highlevel --features highlevel-objects,highlevel-conversations`

use crm_clients::highlevel::{conversations, objects};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let token = std::env::var("HIGHLEVEL_TOKEN")?;
    let location = std::env::var("HIGHLEVEL_LOCATION")?;

    let hl = objects::Client::builder().bearer_token(&token).build()?;
    match hl.get_record("custom_objects.pet", "632c34b4c9b7da3358ac9891").await {
        Ok(record) => println!("record: {:?}", record.record),
        Err(e) => match e.api_body() {
            Some(objects::GetRecordError::Unauthorized(body)) => eprintln!("token rejected: {body:?}"),
            _ => eprintln!("{e}"),
        },
    }

    let conv = conversations::Client::builder().bearer_token(&token).build()?;
    let found = conv.search_conversations(location).limit(5).send().await?;
    println!("{} conversation(s), rate limit left: {:?}", found.total, found.headers().get("x-ratelimit-remaining"));
    Ok(())
}
