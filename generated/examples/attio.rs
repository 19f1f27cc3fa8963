//! Streams every person record, page after page.
//!
//! `ATTIO_TOKEN=... cargo run --example attio --features attio-records`

use crm_clients::attio::records::{Client, ListRecordsRequest};
use futures_util::TryStreamExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let attio = Client::builder().bearer_token(std::env::var("ATTIO_TOKEN")?).build()?;
    let query = ListRecordsRequest { limit: Some(50), ..Default::default() };
    let people: Vec<_> = attio.list_records("people", query).stream().try_collect().await?;
    for person in &people {
        println!("{} ({} attributes)", person.id.record_id, person.values.len());
    }
    Ok(())
}
