//! An Attio integration installed in a workspace: the authorization code
//! from the OAuth redirect is exchanged once, and the access token (Attio's
//! do not expire) is kept in a file, so the service restarts without asking
//! the user again.
//!
//! ```text
//! ATTIO_CLIENT_ID=... ATTIO_CLIENT_SECRET=... ATTIO_CODE=... \
//!     cargo run --example attio_oauth --features attio-records
//! ```
//! `ATTIO_CODE` is needed on the first run only.

use std::time::Duration;

use crm_clients::attio::records::Client;
use crm_clients::runtime::{FileTokenStore, OAuth2};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let store = FileTokenStore::new("attio-tokens.json");
    let (id, secret) = (std::env::var("ATTIO_CLIENT_ID")?, std::env::var("ATTIO_CLIENT_SECRET")?);
    // Without a code, the token saved by an earlier run is used.
    let code = std::env::var("ATTIO_CODE").unwrap_or_default();
    let attio = Client::builder().oauth2(OAuth2::authorization_code(id, secret, code).store(store)).build()?;

    for round in 1..=24 {
        let record = "891dcbfc-9141-415d-9b2a-2238a6cc012d".parse()?;
        match attio.get_record("people", record).await {
            Ok(found) => println!("round {round}: HTTP {}", found.status()),
            Err(crm_clients::runtime::Error::Auth(e)) if e.needs_reauthorization() => return Err(e.into()),
            Err(e) => eprintln!("round {round}: {e}"),
        }
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
    Ok(())
}
