//! A service acting for one HighLevel sub-account (location) for longer
//! than a token lives (about a day). The agency's refresh token rotates on
//! every refresh, so it is kept in a file, saved before the new access token
//! is used; the location's token is minted from the agency token and minted
//! again when it expires.
//!
//! ```text
//! HL_CLIENT_ID=... HL_CLIENT_SECRET=... HL_REFRESH_TOKEN=... \
//! HL_COMPANY_ID=... HL_LOCATION_ID=... \
//!     cargo run --example highlevel_oauth --features highlevel-objects,highlevel-conversations
//! ```
//! `HL_REFRESH_TOKEN` is needed on the first run only; later runs read
//! `highlevel-tokens.json`.

use std::time::Duration;

use crm_clients::highlevel::{conversations, objects};
use crm_clients::runtime::{FileTokenStore, OAuth2, OAuth2Refresher};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let store = FileTokenStore::new("highlevel-tokens.json");
    let (id, secret) = (std::env::var("HL_CLIENT_ID")?, std::env::var("HL_CLIENT_SECRET")?);
    let agency = match std::env::var("HL_REFRESH_TOKEN") {
        Ok(refresh_token) => OAuth2::refresh_token(id, secret, refresh_token).store(store),
        Err(_) => OAuth2::refresh_token_from_store(id, secret, store),
    };
    // One refresher shared by both clients: one agency token, one refresh in flight.
    let agency = OAuth2Refresher::from(agency.param("user_type", "Company"));
    let (company, location) = (std::env::var("HL_COMPANY_ID")?, std::env::var("HL_LOCATION_ID")?);

    let hl = objects::Client::builder().location_token(agency.clone(), &company, &location).build()?;
    let chats = conversations::Client::builder().location_token(agency, &company, &location).build()?;

    // Two days of work, one round an hour: each token is renewed shortly
    // before it expires.
    for round in 1..=48 {
        match hl.list_object_schemas(&location).await {
            Ok(schemas) => println!("round {round}: objects: HTTP {}", schemas.status()),
            Err(crm_clients::runtime::Error::Auth(e)) if e.needs_reauthorization() => return Err(e.into()),
            Err(e) => eprintln!("round {round}: {e}"),
        }
        match chats.search_conversations(&location).await {
            Ok(found) => println!("round {round}: conversations: HTTP {}", found.status()),
            Err(e) => eprintln!("round {round}: {e}"),
        }
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
    Ok(())
}
