//! The README's test-kit example, compiled and run: a small sync and its
//! test with the kit, and the same test written with raw `wiremock` for
//! comparison. The README quotes the part between the `README` markers
//! (`readme_quotes_this_file` keeps the two the same).

// README begin
use crm_clients::highlevel::objects as hl;
use crm_clients::zoho_crm::records as zoho;
use futures_util::StreamExt;

/// Copies every Zoho lead into HighLevel as a `custom_objects.lead` record.
pub async fn sync_leads(
    zoho: &zoho::Client,
    hl: &hl::Client,
    location: &str,
) -> Result<usize, Box<dyn std::error::Error>> {
    let mut leads = zoho.list_records("Leads", vec!["Last_Name".into()]).stream();
    let mut copied = 0;
    while let Some(lead) = leads.next().await {
        hl.create_record("custom_objects.lead", lead_record(&lead?, location)).await?;
        copied += 1;
    }
    Ok(copied)
}

fn lead_record(lead: &zoho::Record, location: &str) -> hl::CreateObjectRecordRequest {
    let name = lead.additional_properties.get("Last_Name").cloned().unwrap_or_default();
    let properties = serde_json::json!({ "zoho_id": lead.id, "name": name });
    hl::CreateObjectRecordRequest {
        location_id: location.into(),
        owner: None,
        followers: None,
        properties: properties.as_object().cloned(),
    }
}

fn lead(i: u32) -> zoho::Record {
    serde_json::from_value(serde_json::json!({ "id": format!("lead-{i}"), "Last_Name": format!("Doe {i}") })).unwrap()
}

#[tokio::test]
async fn sync_copies_every_lead_of_every_page() {
    let zoho = zoho::testing::MockServer::start().await;
    let hl = hl::testing::MockServer::start().await;
    let leads: Vec<zoho::Record> = (1..=5).map(lead).collect();
    // Three pages of two, with Zoho's `more_records`; each lead created once.
    zoho.list_records("Leads", vec!["Last_Name".into()]).pages(leads.clone(), 2).times(3).await;
    for lead in &leads {
        hl.create_record("custom_objects.lead", lead_record(lead, "loc-1")).example().times(1).await;
    }
    let copied = sync_leads(&zoho.client(), &hl.client(), "loc-1").await.unwrap();
    assert_eq!(copied, 5);
}
// README end

/// The same test with raw `wiremock`: the pages, the paging parameters,
/// the `Version` header, the request bodies and the response JSON by hand.
#[tokio::test]
async fn sync_copies_every_lead_of_every_page_in_raw_wiremock() {
    use wiremock::matchers::{body_json, header, method, path, query_param};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let zoho_server = MockServer::start().await;
    let hl_server = MockServer::start().await;
    let leads: Vec<serde_json::Value> =
        (1..=5).map(|i| serde_json::json!({ "id": format!("lead-{i}"), "Last_Name": format!("Doe {i}") })).collect();
    for (page, chunk) in leads.chunks(2).enumerate() {
        let more = (page + 1) * 2 < leads.len();
        let mut m = Mock::given(method("GET")).and(path("/Leads")).and(query_param("fields", "Last_Name"));
        if page > 0 {
            m = m.and(query_param("page", (page + 1).to_string()));
        }
        m.respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "data": chunk, "info": { "more_records": more, "page": page + 1, "per_page": 2 }
        })))
        .up_to_n_times(1)
        .expect(1)
        .mount(&zoho_server)
        .await;
    }
    for lead in &leads {
        let body = serde_json::json!({ "locationId": "loc-1",
            "properties": { "zoho_id": lead["id"], "name": lead["Last_Name"] } });
        let record = serde_json::json!({ "record": { "id": "r1", "owner": [], "followers": [], "properties": {},
            "dateAdded": "2024-07-29T15:51:28.071Z", "dateUpdated": "2024-07-29T15:51:28.071Z" } });
        Mock::given(method("POST"))
            .and(path("/objects/custom_objects.lead/records"))
            .and(header("Version", "2021-07-28"))
            .and(body_json(body))
            .respond_with(ResponseTemplate::new(201).set_body_json(record))
            .expect(1)
            .mount(&hl_server)
            .await;
    }
    let zoho = zoho::Client::builder().access_token("t").base_url(zoho_server.uri()).build().unwrap();
    let hl = hl::Client::builder().bearer_token("t").base_url(hl_server.uri()).build().unwrap();
    let copied = sync_leads(&zoho, &hl, "loc-1").await.unwrap();
    assert_eq!(copied, 5);
}

#[test]
fn readme_quotes_this_file() {
    let this = include_str!("readme_testkit.rs");
    let quoted = this.split("// README begin\n").nth(1).unwrap().split("// README end").next().unwrap();
    let readme = include_str!("../../README.md");
    assert!(readme.contains(quoted), "README.md's test-kit example differs from tests/tests/readme_testkit.rs");
}
