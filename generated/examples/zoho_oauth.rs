//! A service that keeps calling Zoho CRM for longer than an access token
//! lives (one hour): the client refreshes the token shortly before it
//! expires, from the accounts server of the chosen data centre, and keeps
//! the tokens in a file so that a restart reuses them instead of minting
//! new ones (Zoho limits how many a refresh token may mint).
//!
//! ```text
//! ZOHO_CLIENT_ID=... ZOHO_CLIENT_SECRET=... ZOHO_REFRESH_TOKEN=... \
//!     cargo run --example zoho_oauth --features zoho-crm-records
//! ```
//! `ZOHO_REFRESH_TOKEN` is needed on the first run only; later runs read
//! `zoho-tokens.json`.

use std::time::Duration;

use crm_clients::runtime::{FileTokenStore, OAuth2, TokenStore};
use crm_clients::zoho_crm::records::{Client, Dc, ListRecordsSuccess};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let store = FileTokenStore::new("zoho-tokens.json");
    let (id, secret) = (std::env::var("ZOHO_CLIENT_ID")?, std::env::var("ZOHO_CLIENT_SECRET")?);
    let oauth = match std::env::var("ZOHO_REFRESH_TOKEN") {
        Ok(refresh_token) => OAuth2::refresh_token(id, secret, refresh_token).store(store.clone()),
        Err(_) => OAuth2::refresh_token_from_store(id, secret, store.clone()),
    };
    // The accounts server follows the data centre; the token's `api_domain`
    // names the API domain the calls then go to.
    let zoho = Client::builder().dc(Dc::Eu).oauth2(oauth).build()?;

    // Two hours of work, one call every ten minutes: the token is renewed
    // once an hour, never while it is still valid.
    for round in 1..=12 {
        match zoho.list_records("Leads", vec!["Last_Name".into()]).per_page(5).await {
            Ok(page) => match page.body() {
                ListRecordsSuccess::Ok(list) => println!("round {round}: {} lead(s)", list.data.len()),
                other => println!("round {round}: {other:?}"),
            },
            // A refresh token that was revoked: only a new authorization helps.
            Err(crm_clients::runtime::Error::Auth(e)) if e.needs_reauthorization() => return Err(e.into()),
            Err(e) => eprintln!("round {round}: {e}"),
        }
        tokio::time::sleep(Duration::from_secs(600)).await;
    }
    let saved = store.load().await.map_err(|e| e.to_string())?.and_then(|t| t.expires_at);
    println!("the saved access token expires at {saved:?}");
    Ok(())
}
