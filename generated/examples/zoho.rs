//! Lists leads in the EU data centre, then deletes two of them without
//! triggering workflows.
//!
//! `ZOHO_TOKEN=... cargo run --example zoho --features zoho-crm-records`

use crm_clients::zoho_crm::records::{Client, Dc, ListRecordsSuccess};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let zoho = Client::builder().access_token(std::env::var("ZOHO_TOKEN")?).dc(Dc::Eu).build()?;
    let page = zoho.list_records("Leads", vec!["Last_Name".into(), "Email".into()]).per_page(10).await?;
    match page.body() {
        ListRecordsSuccess::Ok(list) => println!("{} lead(s)", list.data.len()),
        other => println!("no leads: {other:?}"),
    }
    let ids = vec!["4150868000000624001".to_string(), "4150868000000624002".to_string()];
    let deleted = zoho.delete_records("Leads", ids).wf_trigger(false).send().await?;
    println!("{:?}", deleted.body());
    Ok(())
}
