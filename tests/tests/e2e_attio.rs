//! End-to-end tests of `crm_clients::attio::records` (specs/attio/records.yaml)
//! against a wiremock server: every operation on the wire (method, exact
//! path, exact query string, bearer auth, the JSON body or none), every
//! response example of the spec decoded into concrete values, every declared
//! error status into its typed variant (compared with literal values),
//! undeclared statuses, malformed bodies, and offset pagination (in the JSON
//! body for `list_records`, in the query elsewhere). That every operation of
//! the spec is called is checked from the requests the mock servers received
//! (`tests::support`).

use crm_clients::attio::records::*;
use crm_clients::runtime::{Error, RetryPolicy};
use futures_util::{StreamExt, TryStreamExt};
use serde_json::{Value, json};
use tests::support::{Api, Op, Server, assert_every_operation_is_called, check_declared_errors, query_is};
use uuid::Uuid;
use wiremock::ResponseTemplate;
use wiremock::matchers::query_param;

const TOKEN: &str = "attio-test-token-5f1c";
const AUTH: &str = "Bearer attio-test-token-5f1c";
const OBJECT: &str = "people";
const RECORD_ID: &str = "891dcbfc-9141-415d-9b2a-2238a6cc012d";
const ATTRIBUTE: &str = "41252299-f8c7-4b5e-99c9-4ff8321d2f96";

// ---------------------------------------------------------------- the spec and its operations

static ATTIO: Api = Api::new("attio/records.yaml", &[("authorization", AUTH)]);

// Spec path templates.
const P_QUERY: &str = "/objects/{object}/records/query";
const P_RECORDS: &str = "/objects/{object}/records";
const P_RECORD: &str = "/objects/{object}/records/{record_id}";
const P_VALUES: &str = "/objects/{object}/records/{record_id}/attributes/{attribute}/values";
const P_ENTRIES: &str = "/objects/{object}/records/{record_id}/entries";

const LIST_RECORDS: Op = Op::new(&ATTIO, "list_records", "POST", P_QUERY);
const CREATE_RECORD: Op = Op::new(&ATTIO, "create_record", "POST", P_RECORDS);
const ASSERT_RECORD: Op = Op::new(&ATTIO, "assert_record", "PUT", P_RECORDS);
const GET_RECORD: Op = Op::new(&ATTIO, "get_record", "GET", P_RECORD);
const UPDATE_RECORD_OVERWRITE: Op = Op::new(&ATTIO, "update_record_overwrite", "PUT", P_RECORD);
const UPDATE_RECORD_APPEND: Op = Op::new(&ATTIO, "update_record_append", "PATCH", P_RECORD);
const DELETE_RECORD: Op = Op::new(&ATTIO, "delete_record", "DELETE", P_RECORD);
const LIST_RECORD_ATTRIBUTE_VALUES: Op = Op::new(&ATTIO, "list_record_attribute_values", "GET", P_VALUES);
const LIST_RECORD_ENTRIES: Op = Op::new(&ATTIO, "list_record_entries", "GET", P_ENTRIES);
const SEARCH_RECORDS: Op = Op::new(&ATTIO, "search_records", "POST", "/objects/records/search");

// The same paths on the wire, for OBJECT / RECORD_ID / ATTRIBUTE.
const W_QUERY: &str = "/objects/people/records/query";
const W_RECORDS: &str = "/objects/people/records";
const W_RECORD: &str = "/objects/people/records/891dcbfc-9141-415d-9b2a-2238a6cc012d";
const W_VALUES: &str = "/objects/people/records/891dcbfc-9141-415d-9b2a-2238a6cc012d/attributes/41252299-f8c7-4b5e-99c9-4ff8321d2f96/values";
const W_ENTRIES: &str = "/objects/people/records/891dcbfc-9141-415d-9b2a-2238a6cc012d/entries";

#[test]
fn every_operation_of_the_spec_is_called_on_the_wire() {
    let coverage = assert_every_operation_is_called(&[&ATTIO]);
    assert_eq!(coverage["attio/records.yaml"].len(), 10);
}

// ---------------------------------------------------------------- spec examples

fn write_body() -> RecordWriteRequest {
    CREATE_RECORD.typed_request_example()
}

fn record_id() -> Uuid {
    RECORD_ID.parse().unwrap()
}

/// A distinct UUID per page item.
fn nth_uuid(n: u32) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

/// The `list_records` example's record, with its own record ID.
fn nth_record(n: u32) -> Value {
    let mut record = LIST_RECORDS.response_example(200)["data"][0].clone();
    record["id"]["record_id"] = json!(nth_uuid(n));
    record
}

/// The `list_record_entries` example's entry, with its own entry ID.
fn nth_entry(n: u32) -> Value {
    let mut entry = LIST_RECORD_ENTRIES.response_example(200)["data"][0].clone();
    entry["entry_id"] = json!(nth_uuid(n));
    entry
}

// ---------------------------------------------------------------- client and server

fn client_for(base_url: &str) -> Client {
    Client::builder().bearer_token(TOKEN).base_url(base_url).retry(RetryPolicy::none()).build().unwrap()
}

fn client(server: &Server) -> Client {
    client_for(&server.uri())
}

fn reply(status: u16, body: Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(body)
}

// ---------------------------------------------------------------- the error bodies of the spec's examples

fn error(status_code: i64, r#type: &str, code: &str, message: &str) -> Error2 {
    Error2 { status_code, r#type: r#type.into(), code: code.into(), message: message.into() }
}

fn rate_limited() -> Error2 {
    error(429, "rate_limit_error", "rate_limit_exceeded", "Rate limit exceeded, please try again later")
}

fn object_not_found() -> Error2 {
    error(404, "invalid_request_error", "not_found", r#"Object with slug/ID "people" not found."#)
}

fn record_not_found() -> Error2 {
    error(
        404,
        "invalid_request_error",
        "not_found",
        r#"Record with ID "891dcbfc-9141-415d-9b2a-2238a6cc012d" not found."#,
    )
}

fn missing_value() -> Error2 {
    let message = r#"Required value for attribute with ID "41252299-f8c7-4b5e-99c9-4ff8321d2f96" was not provided."#;
    error(400, "invalid_request_error", "missing_value", message)
}

fn sort_by_last_name() -> RecordSort {
    RecordSort::SortByAttribute(SortByAttribute {
        direction: SortDirection::Asc,
        attribute: "name".into(),
        field: Some("last_name".into()),
    })
}

// ---------------------------------------------------------------- decoding helpers

fn first_value<'a>(record: &'a Record, attribute: &str) -> &'a AttributeValue {
    let values = record.values.get(attribute).unwrap_or_else(|| panic!("no `{attribute}` values"));
    values.first().unwrap_or_else(|| panic!("`{attribute}` has no value"))
}

fn ts(text: &str) -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339(text).unwrap()
}

fn uuid(text: &str) -> Uuid {
    text.parse().unwrap()
}

fn assert_example_record_id(record: &Record) {
    assert_eq!(record.id.workspace_id, uuid("14beef7a-99f7-4534-a87e-70b564330a4c"));
    assert_eq!(record.id.object_id, uuid("97052eb9-e65e-443f-a297-f2d9a4a7f795"));
    assert_eq!(record.id.record_id, uuid("bf071e1f-6035-429d-b874-d83ea64ea13b"));
    assert_eq!(record.created_at, "2022-11-21T13:22:49.061281000Z");
    assert_eq!(record.web_url, "https://app.attio.com/salarya/person/bf071e1f-6035-429d-b874-d83ea64ea13b");
}

// ---------------------------------------------------------------- operations, one by one

#[tokio::test]
async fn list_records_posts_the_query_and_decodes_the_example() {
    let server = Server::start().await;
    let body = LIST_RECORDS.request_example();
    LIST_RECORDS
        .mock_json(W_QUERY, body.clone())
        .and(query_is(&[]))
        .respond_with(reply(200, LIST_RECORDS.response_example(200)))
        .expect(1)
        .mount(&server)
        .await;

    let query: ListRecordsRequest = serde_json::from_value(body).unwrap();
    assert_eq!(query.sorts, Some(vec![sort_by_last_name()]));
    let resp = client(&server).list_records(OBJECT, query).send().await.unwrap();

    assert_eq!(resp.status(), 200);
    assert_eq!(resp.data.len(), 1);
    let record = &resp.data[0];
    assert_example_record_id(record);
    let AttributeValue::PersonalNameValue(name) = first_value(record, "name") else {
        panic!("name: {:?}", first_value(record, "name"));
    };
    assert_eq!((name.first_name.as_str(), name.last_name.as_str()), ("Ada", "Lovelace"));
    assert_eq!(name.full_name, "Ada Lovelace");
    assert_eq!(name.created_by_actor.r#type, Some(Some(ActorType::WorkspaceMember)));
    assert_eq!(name.created_by_actor.id, Some(Some("50cf242c-7fa3-4cad-87d0-75b1af71c57b".into())));
    let AttributeValue::EmailAddressValue(email) = first_value(record, "email_addresses") else {
        panic!("email_addresses: {:?}", first_value(record, "email_addresses"));
    };
    assert_eq!(email.email_address, "alice@app.attio.com");
    assert_eq!(email.email_root_domain, "attio.com");
    // The system actor has an explicit `id: null`.
    assert_eq!(email.created_by_actor.r#type, Some(Some(ActorType::System)));
    assert_eq!(email.created_by_actor.id, Some(None));
    assert_eq!(email.active_from, ts("2023-01-01T15:00:00Z"));
    assert_eq!(email.active_until, None);
}

#[tokio::test]
async fn create_record_posts_the_values_and_decodes_the_example() {
    let server = Server::start().await;
    CREATE_RECORD
        .mock_json(W_RECORDS, CREATE_RECORD.request_example())
        .and(query_is(&[]))
        .respond_with(reply(200, CREATE_RECORD.response_example(200)))
        .expect(1)
        .mount(&server)
        .await;

    let resp = client(&server).create_record(OBJECT, write_body()).await.unwrap();

    assert_eq!(resp.status(), 200);
    let record = &resp.data;
    assert_example_record_id(record);
    let AttributeValue::TextValue(text) = first_value(record, "description") else {
        panic!("description: {:?}", first_value(record, "description"));
    };
    assert_eq!(text.value, "Text value");
    assert_eq!(text.attribute_type, TextValueAttributeType::Text);
    assert_eq!(text.created_by_actor.r#type, Some(Some(ActorType::ApiToken)));
    let AttributeValue::SelectValue(select) = first_value(record, "multiselect_attribute") else {
        panic!("multiselect_attribute: {:?}", first_value(record, "multiselect_attribute"));
    };
    assert_eq!(select.option.title, "Select option 1");
    assert!(!select.option.is_archived);
    assert_eq!(select.option.id.option_id, uuid("08c2c59a-c18e-40c6-8dc4-95415313b2ea"));
}

#[tokio::test]
async fn assert_record_puts_with_matching_attribute_and_decodes_the_example() {
    let server = Server::start().await;
    ASSERT_RECORD
        .mock_json(W_RECORDS, ASSERT_RECORD.request_example())
        .and(query_is(&["matching_attribute=email_addresses"]))
        .respond_with(reply(200, ASSERT_RECORD.response_example(200)))
        .expect(1)
        .mount(&server)
        .await;

    let resp = client(&server).assert_record(OBJECT, "email_addresses", write_body()).await.unwrap();

    assert_example_record_id(&resp.data);
    let AttributeValue::RecordReferenceValue(company) = first_value(&resp.data, "company") else {
        panic!("company: {:?}", first_value(&resp.data, "company"));
    };
    assert_eq!(company.target_object, "companies");
    assert_eq!(company.target_record_id, uuid(RECORD_ID));
    let AttributeValue::EmailAddressValue(email) = first_value(&resp.data, "email_addresses") else {
        panic!("email_addresses: {:?}", first_value(&resp.data, "email_addresses"));
    };
    assert_eq!(email.email_local_specifier, "person");
}

#[tokio::test]
async fn assert_record_encodes_the_matching_attribute_query_value() {
    let server = Server::start().await;
    ASSERT_RECORD
        .mock(W_RECORDS)
        .and(query_is(&["matching_attribute=work%20email%2Fprimary%26x%3D1"]))
        .and(query_param("matching_attribute", "work email/primary&x=1"))
        .respond_with(reply(200, ASSERT_RECORD.response_example(200)))
        .expect(1)
        .mount(&server)
        .await;

    client(&server).assert_record(OBJECT, "work email/primary&x=1", write_body()).await.unwrap();
}

#[tokio::test]
async fn get_record_decodes_every_attribute_value_type() {
    let server = Server::start().await;
    GET_RECORD
        .mock(W_RECORD)
        .and(query_is(&[]))
        .respond_with(reply(200, GET_RECORD.response_example(200)))
        .expect(1)
        .mount(&server)
        .await;

    let resp = client(&server).get_record(OBJECT, record_id()).await.unwrap();

    let record = &resp.data;
    assert_example_record_id(record);
    // The example carries all 17 attribute types and every one is known.
    assert_eq!(record.values.len(), 17);
    for (attribute, values) in &record.values {
        assert_eq!(values.len(), 1, "{attribute}");
        assert!(!matches!(values[0], AttributeValue::Unknown(_)), "{attribute} fell back to Unknown: {:?}", values[0]);
    }

    let AttributeValue::ActorReferenceValue(owner) = first_value(record, "owner") else { panic!("owner") };
    assert_eq!(owner.referenced_actor_type, ActorReferenceValueReferencedActorType::WorkspaceMember);
    assert_eq!(owner.referenced_actor_id, Some(uuid("50cf242c-7fa3-4cad-87d0-75b1af71c57b")));
    let AttributeValue::CheckboxValue(vip) = first_value(record, "is_vip") else { panic!("is_vip") };
    assert!(vip.value);
    let AttributeValue::CurrencyValue(deal) = first_value(record, "deal_value") else { panic!("deal_value") };
    assert_eq!(deal.currency_value, 99.0);
    assert_eq!(deal.currency_code, Some(Some(CurrencyCode::Usd)));
    let AttributeValue::DateValue(birthday) = first_value(record, "birthday") else { panic!("birthday") };
    assert_eq!(birthday.value, chrono::NaiveDate::from_ymd_opt(2023, 1, 1).unwrap());
    let AttributeValue::DomainValue(domain) = first_value(record, "domains") else { panic!("domains") };
    assert_eq!((domain.domain.as_str(), domain.root_domain.as_str()), ("app.attio.com", "attio.com"));
    let AttributeValue::InteractionValue(interaction) = first_value(record, "first_email_interaction") else {
        panic!("first_email_interaction")
    };
    assert_eq!(interaction.interaction_type, InteractionValueInteractionType::Email);
    assert_eq!(interaction.interacted_at, ts("2023-01-01T15:00:00Z"));
    assert_eq!(interaction.owner_actor.r#type, Some(Some(ActorType::WorkspaceMember)));
    let AttributeValue::LocationValue(location) = first_value(record, "primary_location") else {
        panic!("primary_location")
    };
    assert_eq!(location.line_1.as_deref(), Some("1 Infinite Loop"));
    assert_eq!(location.locality.as_deref(), Some("Cupertino"));
    assert_eq!(location.postcode.as_deref(), Some("95014"));
    assert_eq!(location.country_code, Some(CountryCode::Us));
    assert_eq!(location.latitude.as_deref(), Some("37.331741"));
    assert_eq!(location.longitude.as_deref(), Some("-122.030333"));
    let AttributeValue::NumberValue(employees) = first_value(record, "employee_count") else {
        panic!("employee_count")
    };
    assert_eq!(employees.value, 42.0);
    let AttributeValue::PhoneNumberValue(phone) = first_value(record, "phone_numbers") else { panic!("phone_numbers") };
    assert_eq!(phone.phone_number, "+15558675309");
    assert_eq!(phone.original_phone_number, "5558675309");
    assert_eq!(phone.country_code, Some(CountryCode::Us));
    let AttributeValue::StatusValue(stage) = first_value(record, "stage") else { panic!("stage") };
    assert_eq!(stage.status.title, "In Progress");
    assert_eq!(stage.status.id.status_id, uuid("11f07f01-c10f-4e05-a522-33e050bc52ee"));
    assert_eq!(stage.status.target_time_in_status.as_deref(), Some("P0Y0M1DT0H0M0S"));
    assert!(!stage.status.celebration_enabled);
    let AttributeValue::RatingValue(rating) = first_value(record, "rating") else { panic!("rating") };
    assert_eq!(rating.value, 3.0);
    let AttributeValue::SelectValue(priority) = first_value(record, "priority") else { panic!("priority") };
    assert_eq!(priority.option.title, "Medium");
    let AttributeValue::TimestampValue(contacted) = first_value(record, "last_contacted_at") else {
        panic!("last_contacted_at")
    };
    assert_eq!(contacted.value, ts("2023-01-01T15:00:00.000000000Z"));
    assert_eq!(contacted.created_by_actor.id, Some(None));
    let AttributeValue::TextValue(description) = first_value(record, "description") else { panic!("description") };
    assert_eq!(description.value, "Lorem ipsum dolor sit amet, consectetur adipiscing elit.");
}

#[tokio::test]
async fn unknown_attribute_type_decodes_into_the_unknown_fallback() {
    let server = Server::start().await;
    let future_value = json!({
        "active_from": "2024-05-01T09:00:00.000000000Z",
        "active_until": null,
        "created_by_actor": { "type": "app", "id": "0f0e0d0c-0b0a-4908-8706-050403020100" },
        "summary": "Met at the conference",
        "attribute_type": "ai-summary"
    });
    let mut body = GET_RECORD.response_example(200);
    body["data"]["values"]["ai_summary"] = json!([future_value.clone()]);
    GET_RECORD.mock(W_RECORD).respond_with(reply(200, body)).expect(1).mount(&server).await;

    let resp = client(&server).get_record(OBJECT, record_id()).await.unwrap();

    assert_eq!(resp.data.values["ai_summary"], vec![AttributeValue::Unknown(future_value)]);
    // The known types around it still decode into their variants.
    assert!(
        matches!(first_value(&resp.data, "name"), AttributeValue::PersonalNameValue(n) if n.full_name == "Ada Lovelace")
    );
    assert_eq!(resp.data.values.len(), 18);
}

#[tokio::test]
async fn update_record_overwrite_puts_the_values_and_decodes_the_example() {
    let server = Server::start().await;
    UPDATE_RECORD_OVERWRITE
        .mock_json(W_RECORD, UPDATE_RECORD_OVERWRITE.request_example())
        .and(query_is(&[]))
        .respond_with(reply(200, UPDATE_RECORD_OVERWRITE.response_example(200)))
        .expect(1)
        .mount(&server)
        .await;

    let resp = client(&server).update_record_overwrite(OBJECT, record_id(), write_body()).await.unwrap();

    assert_example_record_id(&resp.data);
    let titles: Vec<&str> = resp.data.values["multiselect_attribute"]
        .iter()
        .map(|v| match v {
            AttributeValue::SelectValue(s) => s.option.title.as_str(),
            other => panic!("not a select value: {other:?}"),
        })
        .collect();
    assert_eq!(titles, ["Select option 1", "Select option 2"]);
}

#[tokio::test]
async fn update_record_append_patches_the_values_and_decodes_the_example() {
    let server = Server::start().await;
    UPDATE_RECORD_APPEND
        .mock_json(W_RECORD, UPDATE_RECORD_APPEND.request_example())
        .and(query_is(&[]))
        .respond_with(reply(200, UPDATE_RECORD_APPEND.response_example(200)))
        .expect(1)
        .mount(&server)
        .await;

    let resp = client(&server).update_record_append(OBJECT, record_id(), write_body()).await.unwrap();

    assert_example_record_id(&resp.data);
    assert!(matches!(first_value(&resp.data, "description"), AttributeValue::TextValue(t) if t.value == "Text value"));
    assert_eq!(resp.data.values.len(), 1);
}

#[tokio::test]
async fn delete_record_sends_no_body_and_decodes_the_empty_object() {
    let server = Server::start().await;
    DELETE_RECORD
        .mock(W_RECORD)
        .and(query_is(&[]))
        .respond_with(reply(200, DELETE_RECORD.response_example(200)))
        .expect(1)
        .mount(&server)
        .await;

    let resp = client(&server).delete_record(OBJECT, record_id()).await.unwrap();

    assert_eq!(resp.status(), 200);
    assert!(resp.body().is_empty(), "{:?}", resp.body());
}

#[tokio::test]
async fn list_record_attribute_values_sends_its_query_and_decodes_the_example() {
    let server = Server::start().await;
    LIST_RECORD_ATTRIBUTE_VALUES
        .mock(W_VALUES)
        .and(query_is(&["show_historic=true&limit=10&offset=5"]))
        .respond_with(reply(200, LIST_RECORD_ATTRIBUTE_VALUES.response_example(200)))
        .expect(1)
        .mount(&server)
        .await;

    let resp = client(&server)
        .list_record_attribute_values(OBJECT, record_id(), ATTRIBUTE)
        .show_historic(true)
        .limit(10)
        .offset(5)
        .await
        .unwrap();

    assert_eq!(resp.data.len(), 1);
    let AttributeValue::ActorReferenceValue(actor) = &resp.data[0] else { panic!("{:?}", resp.data[0]) };
    // A historic value: `active_until` is set.
    assert_eq!(actor.active_until, Some(ts("2023-01-01T15:00:00Z")));
    assert_eq!(actor.referenced_actor_type, ActorReferenceValueReferencedActorType::WorkspaceMember);
    assert_eq!(actor.attribute_type, ActorReferenceValueAttributeType::ActorReference);
}

#[tokio::test]
async fn list_record_entries_sends_its_query_and_decodes_the_example() {
    let server = Server::start().await;
    LIST_RECORD_ENTRIES
        .mock(W_ENTRIES)
        .and(query_is(&["limit=10&offset=5"]))
        .respond_with(reply(200, LIST_RECORD_ENTRIES.response_example(200)))
        .expect(1)
        .mount(&server)
        .await;

    let resp = client(&server).list_record_entries(OBJECT, record_id()).limit(10).offset(5).await.unwrap();

    assert_eq!(
        resp.data,
        vec![RecordEntry {
            list_id: uuid("33ebdbe9-e529-47c9-b894-0ba25e9c15c0"),
            list_api_slug: "hiring-engineering".into(),
            entry_id: uuid("2e6e29ea-c4e0-4f44-842d-78a891f8c156"),
            created_at: "2022-11-21T13:22:49.061281000Z".into(),
        }]
    );
}

#[tokio::test]
async fn search_records_posts_the_query_and_decodes_the_example() {
    let server = Server::start().await;
    SEARCH_RECORDS
        .mock_json("/objects/records/search", SEARCH_RECORDS.request_example())
        .and(query_is(&[]))
        .respond_with(SEARCH_RECORDS.reply(200))
        .expect(1)
        .mount(&server)
        .await;

    let body: SearchRecordsRequest = SEARCH_RECORDS.typed_request_example();
    assert_eq!((body.query.as_str(), body.limit), ("alan mathis", Some(25)));
    assert_eq!(body.objects, ["people", "companies"]);
    assert_eq!(body.request_as.r#type, SearchRequestAsType::Workspace);
    let resp = client(&server).search_records(body).await.unwrap();

    assert_eq!(resp.status(), 200);
    let [person, company] = resp.data.as_slice() else { panic!("{:?}", resp.data) };
    assert_eq!(person.id.record_id, uuid("bf071e1f-6035-429d-b874-d83ea64ea13b"));
    assert_eq!(person.record_text, "Alan Mathison Turing");
    assert_eq!(person.object_slug, "people");
    assert_eq!(person.email_addresses.as_deref(), Some(&["alan@bletchley.gov.uk".to_string()][..]));
    assert_eq!(person.phone_numbers.as_deref(), Some(&["+15558675309".to_string()][..]));
    assert_eq!(person.domains, None);
    assert_eq!(company.id.object_id, uuid("0c5b3e1d-2a4f-4b6c-9d8e-7f1a2b3c4d5e"));
    assert_eq!((company.record_text.as_str(), company.object_slug.as_str()), ("Bletchley Park", "companies"));
    assert_eq!(company.record_image, None);
    assert_eq!(company.domains.as_deref(), Some(&["bletchleypark.org.uk".to_string()][..]));
}

#[tokio::test]
async fn path_parameters_are_percent_encoded_for_every_operation() {
    let server = Server::start().await;
    let object = "sales deals/2024?#ü";
    let attribute = "next step/owner";
    let obj = "/objects/sales%20deals%2F2024%3F%23%C3%BC/records";
    let rec = format!("{obj}/{RECORD_ID}");
    let mounts = [
        (LIST_RECORDS, format!("{obj}/query")),
        (CREATE_RECORD, obj.to_string()),
        (ASSERT_RECORD, obj.to_string()),
        (GET_RECORD, rec.clone()),
        (UPDATE_RECORD_OVERWRITE, rec.clone()),
        (UPDATE_RECORD_APPEND, rec.clone()),
        (DELETE_RECORD, rec.clone()),
        (LIST_RECORD_ATTRIBUTE_VALUES, format!("{rec}/attributes/next%20step%2Fowner/values")),
        (LIST_RECORD_ENTRIES, format!("{rec}/entries")),
    ];
    for (op, wire_path) in mounts {
        op.mock(&wire_path).respond_with(op.reply(200)).expect(1).mount(&server).await;
    }
    let c = client(&server);
    let id = record_id();

    c.list_records(object, ListRecordsRequest::default()).await.unwrap();
    c.create_record(object, write_body()).await.unwrap();
    c.assert_record(object, "email_addresses", write_body()).await.unwrap();
    c.get_record(object, id).await.unwrap();
    c.update_record_overwrite(object, id, write_body()).await.unwrap();
    c.update_record_append(object, id, write_body()).await.unwrap();
    c.delete_record(object, id).await.unwrap();
    c.list_record_attribute_values(object, id, attribute).await.unwrap();
    c.list_record_entries(object, id).await.unwrap();

    assert_eq!(server.requests().await.len(), 9);
}

#[tokio::test]
async fn every_request_carries_exactly_the_bearer_token() {
    let server = Server::start().await;
    GET_RECORD.mock(W_RECORD).respond_with(reply(200, GET_RECORD.response_example(200))).expect(1).mount(&server).await;

    client(&server).get_record(OBJECT, record_id()).await.unwrap();

    let sent = server.requests().await;
    let values: Vec<&str> = sent[0].headers.get_all("authorization").iter().map(|v| v.to_str().unwrap()).collect();
    assert_eq!(values, [AUTH]);
}

#[tokio::test]
async fn empty_path_parameter_is_refused_before_sending() {
    let server = Server::start().await;

    let err = client(&server).get_record("", record_id()).await.unwrap_err();

    assert!(matches!(&err, Error::InvalidRequest(m) if m.contains("`object`")), "{err:?}");
    assert!(server.requests().await.is_empty());
}

// ---------------------------------------------------------------- declared errors

#[tokio::test]
async fn search_records_declared_errors() {
    use SearchRecordsError as E;
    let unknown_object = r#"Object with slug/ID "foobar" not found."#;
    let cases = vec![
        (400, E::BadRequest(error(400, "invalid_request_error", "value_not_found", unknown_object))),
        (429, E::TooManyRequests(rate_limited())),
    ];
    let send = |uri: String| client_for(&uri).search_records(SEARCH_RECORDS.typed_request_example()).send();
    check_declared_errors(SEARCH_RECORDS, "/objects/records/search", send, cases).await;
}

#[tokio::test]
async fn list_records_declared_errors() {
    use ListRecordsError as E;
    let cases = vec![
        (400, E::BadRequest(error(400, "invalid_request_error", "filter_error", "Error in filter."))),
        (404, E::NotFound(error(404, "invalid_request_error", "not_found", "The referenced object was not found."))),
        (429, E::TooManyRequests(rate_limited())),
    ];
    let send = |uri: String| client_for(&uri).list_records(OBJECT, ListRecordsRequest::default()).send();
    check_declared_errors(LIST_RECORDS, W_QUERY, send, cases).await;
}

#[tokio::test]
async fn create_record_declared_errors() {
    use CreateRecordError as E;
    let unknown_option = r#"Cannot find select attribute with select option title "In Progress"."#;
    let cases = vec![
        (400, E::BadRequest(error(400, "invalid_request_error", "value_not_found", unknown_option))),
        (404, E::NotFound(object_not_found())),
        (429, E::TooManyRequests(rate_limited())),
    ];
    let send = |uri: String| client_for(&uri).create_record(OBJECT, write_body()).send();
    check_declared_errors(CREATE_RECORD, W_RECORDS, send, cases).await;
}

#[tokio::test]
async fn assert_record_declared_errors() {
    use AssertRecordError as E;
    let unknown_attribute = r#"No attribute was found for matching_attribute slug/ID "my-attribute"."#;
    let cases = vec![
        (400, E::BadRequest(error(400, "invalid_request_error", "value_not_found", unknown_attribute))),
        (404, E::NotFound(object_not_found())),
        (429, E::TooManyRequests(rate_limited())),
    ];
    let send = |uri: String| client_for(&uri).assert_record(OBJECT, "email_addresses", write_body()).send();
    check_declared_errors(ASSERT_RECORD, W_RECORDS, send, cases).await;
}

#[tokio::test]
async fn get_record_declared_errors() {
    use GetRecordError as E;
    let cases = vec![(404, E::NotFound(record_not_found())), (429, E::TooManyRequests(rate_limited()))];
    let send = |uri: String| client_for(&uri).get_record(OBJECT, record_id()).send();
    check_declared_errors(GET_RECORD, W_RECORD, send, cases).await;
}

#[tokio::test]
async fn update_record_overwrite_declared_errors() {
    use UpdateRecordOverwriteError as E;
    let cases = vec![
        (400, E::BadRequest(missing_value())),
        (404, E::NotFound(object_not_found())),
        (429, E::TooManyRequests(rate_limited())),
    ];
    let send = |uri: String| client_for(&uri).update_record_overwrite(OBJECT, record_id(), write_body()).send();
    check_declared_errors(UPDATE_RECORD_OVERWRITE, W_RECORD, send, cases).await;
}

#[tokio::test]
async fn update_record_append_declared_errors() {
    use UpdateRecordAppendError as E;
    let cases = vec![
        (400, E::BadRequest(missing_value())),
        (404, E::NotFound(object_not_found())),
        (429, E::TooManyRequests(rate_limited())),
    ];
    let send = |uri: String| client_for(&uri).update_record_append(OBJECT, record_id(), write_body()).send();
    check_declared_errors(UPDATE_RECORD_APPEND, W_RECORD, send, cases).await;
}

#[tokio::test]
async fn delete_record_declared_errors() {
    use DeleteRecordError as E;
    let cases = vec![(404, E::NotFound(record_not_found())), (429, E::TooManyRequests(rate_limited()))];
    let send = |uri: String| client_for(&uri).delete_record(OBJECT, record_id()).send();
    check_declared_errors(DELETE_RECORD, W_RECORD, send, cases).await;
}

#[tokio::test]
async fn list_record_attribute_values_declared_errors() {
    use ListRecordAttributeValuesError as E;
    let comint = "Cannot set show_historic param to true when querying a COMINT attribute.";
    let no_attribute = r#"Attribute with slug/ID "my-attribute" not found."#;
    let cases = vec![
        (400, E::BadRequest(error(400, "invalid_request_error", "validation_type", comint))),
        (404, E::NotFound(error(404, "invalid_request_error", "not_found", no_attribute))),
        (429, E::TooManyRequests(rate_limited())),
    ];
    let send = |uri: String| client_for(&uri).list_record_attribute_values(OBJECT, record_id(), ATTRIBUTE).send();
    check_declared_errors(LIST_RECORD_ATTRIBUTE_VALUES, W_VALUES, send, cases).await;
}

#[tokio::test]
async fn list_record_entries_declared_errors() {
    use ListRecordEntriesError as E;
    let cases = vec![(429, E::TooManyRequests(rate_limited()))];
    let send = |uri: String| client_for(&uri).list_record_entries(OBJECT, record_id()).send();
    check_declared_errors(LIST_RECORD_ENTRIES, W_ENTRIES, send, cases).await;
}

#[tokio::test]
async fn declared_error_bodies_keep_their_concrete_values() {
    let server = Server::start().await;
    GET_RECORD
        .mock(W_RECORD)
        .respond_with(reply(404, GET_RECORD.response_example(404)))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    LIST_RECORDS
        .mock_json(W_QUERY, json!({}))
        .respond_with(
            reply(429, LIST_RECORDS.response_example(429))
                .insert_header("retry-after", "Wed, 21 Oct 2015 07:28:01 GMT"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);

    let err = c.get_record(OBJECT, record_id()).await.unwrap_err();
    let Some(GetRecordError::NotFound(body)) = err.api_body() else { panic!("{err:?}") };
    assert_eq!(
        body,
        &Error2 {
            status_code: 404,
            r#type: "invalid_request_error".into(),
            code: "not_found".into(),
            message: r#"Record with ID "891dcbfc-9141-415d-9b2a-2238a6cc012d" not found."#.into(),
        }
    );
    assert_eq!(err.status(), Some(reqwest::StatusCode::NOT_FOUND));
    assert!(err.to_string().starts_with("HTTP 404 Not Found: 404 NotFound: "), "{err}");

    let err = c.list_records(OBJECT, ListRecordsRequest::default()).await.unwrap_err();
    let Some(ListRecordsError::TooManyRequests(body)) = err.api_body() else { panic!("{err:?}") };
    assert_eq!(
        (body.status_code, body.r#type.as_str(), body.code.as_str()),
        (429, "rate_limit_error", "rate_limit_exceeded")
    );
    assert_eq!(err.headers().unwrap()["retry-after"], "Wed, 21 Oct 2015 07:28:01 GMT");
}

// ---------------------------------------------------------------- undeclared statuses, malformed bodies

#[tokio::test]
async fn undeclared_statuses_give_unexpected_status() {
    let server = Server::start().await;
    GET_RECORD
        .mock(W_RECORD)
        .respond_with(ResponseTemplate::new(418).set_body_string("I'm a teapot").insert_header("x-trace", "t-1"))
        .expect(1)
        .mount(&server)
        .await;
    // 404 is declared for most operations, but not for `list_record_entries`.
    LIST_RECORD_ENTRIES
        .mock(W_ENTRIES)
        .respond_with(reply(404, GET_RECORD.response_example(404)))
        .expect(1)
        .mount(&server)
        .await;
    // 400 is not declared for `delete_record`.
    DELETE_RECORD
        .mock(W_RECORD)
        .respond_with(reply(400, LIST_RECORDS.response_example(400)))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);

    match c.get_record(OBJECT, record_id()).await.unwrap_err() {
        Error::UnexpectedStatus(e) => {
            assert_eq!(e.status, 418);
            assert_eq!(e.body, "I'm a teapot");
            assert_eq!(e.headers["x-trace"], "t-1");
        }
        other => panic!("expected UnexpectedStatus, got {other:?}"),
    }
    match c.list_record_entries(OBJECT, record_id()).await.unwrap_err() {
        Error::UnexpectedStatus(e) => {
            assert_eq!(e.status, 404);
            assert_eq!(serde_json::from_str::<Value>(&e.body).unwrap(), GET_RECORD.response_example(404));
        }
        other => panic!("expected UnexpectedStatus, got {other:?}"),
    }
    let err = c.delete_record(OBJECT, record_id()).await.unwrap_err();
    assert!(matches!(&err, Error::UnexpectedStatus(e) if e.status == 400), "{err:?}");
}

#[tokio::test]
async fn malformed_bodies_give_decode_errors_with_the_serde_path() {
    // (expected serde path, JSON pointer of the value to corrupt, the corrupt value)
    let cases = [
        ("data.id.workspace_id", "/data/id/workspace_id", json!("not-a-uuid")),
        ("data.web_url", "/data/web_url", json!(17)),
        // The tagged union decodes its variant from a buffered value, so the
        // path ends at the union (accepted below: the path or a deeper one).
        ("data.values.stage[0]", "/data/values/stage/0/status/title", json!(false)),
        ("data.values.rating", "/data/values/rating", json!({ "value": 3 })),
    ];
    for (expected_path, pointer, corrupt) in cases {
        let server = Server::start().await;
        let mut body = GET_RECORD.response_example(200);
        *body.pointer_mut(pointer).unwrap() = corrupt;
        GET_RECORD.mock(W_RECORD).respond_with(reply(200, body.clone())).expect(1).mount(&server).await;

        match client(&server).get_record(OBJECT, record_id()).await.unwrap_err() {
            Error::Decode(e) => {
                let deeper = format!("{expected_path}.");
                assert!(
                    e.path == expected_path || e.path.starts_with(&deeper),
                    "{expected_path}: {} ({})",
                    e.path,
                    e.message
                );
                assert_eq!(e.status, 200);
                assert_eq!(serde_json::from_str::<Value>(&e.body).unwrap(), body);
                assert!(!e.message.is_empty());
            }
            other => panic!("{expected_path}: expected Decode, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_declared_error_with_a_malformed_body_is_a_decode_error() {
    let server = Server::start().await;
    GET_RECORD
        .mock(W_RECORD)
        .respond_with(reply(404, json!({ "status_code": "404", "type": "x", "code": "not_found", "message": "m" })))
        .expect(1)
        .mount(&server)
        .await;

    match client(&server).get_record(OBJECT, record_id()).await.unwrap_err() {
        Error::Decode(e) => {
            assert_eq!(e.status, 404);
            assert_eq!(e.path, "status_code");
        }
        other => panic!("expected Decode, got {other:?}"),
    }
}

// ---------------------------------------------------------------- pagination

#[tokio::test]
async fn list_records_stream_pages_by_offset_in_the_body() {
    let server = Server::start().await;
    let query = ListRecordsRequest {
        filter: Some(json!({ "name": "Ada Lovelace" }).as_object().unwrap().clone()),
        sorts: Some(vec![RecordSort::SortByPath(SortByPath {
            direction: SortDirection::Desc,
            path: vec![vec!["people".into(), "company".into()], vec!["companies".into(), "name".into()]],
            field: None,
        })]),
        limit: Some(2),
        offset: Some(0),
        ..Default::default()
    };
    let page_body = |offset: u32| {
        json!({
            "filter": { "name": "Ada Lovelace" },
            "sorts": [{ "direction": "desc", "path": [["people", "company"], ["companies", "name"]] }],
            "limit": 2,
            "offset": offset
        })
    };
    // Two full pages, then a short one: the stream must stop without a fourth request.
    for (offset, items) in [(0, vec![1, 2]), (2, vec![3, 4]), (4, vec![5])] {
        let data: Vec<Value> = items.into_iter().map(nth_record).collect();
        LIST_RECORDS
            .mock_json(W_QUERY, page_body(offset))
            .and(query_is(&[]))
            .respond_with(reply(200, json!({ "data": data })))
            .expect(1)
            .mount(&server)
            .await;
    }

    let records: Vec<Record> = client(&server).list_records(OBJECT, query).stream().try_collect().await.unwrap();

    let ids: Vec<String> = records.iter().map(|r| r.id.record_id.to_string()).collect();
    assert_eq!(ids, (1..=5).map(nth_uuid).collect::<Vec<_>>());
    assert!(
        matches!(first_value(&records[4], "name"), AttributeValue::PersonalNameValue(n) if n.last_name == "Lovelace")
    );
    assert_eq!(server.requests().await.len(), 3);
}

#[tokio::test]
async fn list_records_stream_without_a_limit_stops_on_an_empty_page() {
    let server = Server::start().await;
    for (offset, items) in [(None, vec![1, 2, 3]), (Some(3), vec![4]), (Some(4), vec![])] {
        let data: Vec<Value> = items.into_iter().map(nth_record).collect();
        let body = match offset {
            None => json!({}),
            Some(o) => json!({ "offset": o }),
        };
        LIST_RECORDS
            .mock_json(W_QUERY, body)
            .and(query_is(&[]))
            .respond_with(reply(200, json!({ "data": data })))
            .expect(1)
            .mount(&server)
            .await;
    }

    let records: Vec<Record> =
        client(&server).list_records(OBJECT, ListRecordsRequest::default()).stream().try_collect().await.unwrap();

    let ids: Vec<String> = records.iter().map(|r| r.id.record_id.to_string()).collect();
    assert_eq!(ids, (1..=4).map(nth_uuid).collect::<Vec<_>>());
}

#[tokio::test]
async fn list_record_entries_stream_pages_by_offset_query() {
    let server = Server::start().await;
    // Full pages until an empty one.
    for (query, items) in [("limit=2", vec![1, 2]), ("limit=2&offset=2", vec![3, 4]), ("limit=2&offset=4", vec![])] {
        let data: Vec<Value> = items.into_iter().map(nth_entry).collect();
        LIST_RECORD_ENTRIES
            .mock(W_ENTRIES)
            .and(query_is(&[query]))
            .respond_with(reply(200, json!({ "data": data })))
            .expect(1)
            .mount(&server)
            .await;
    }

    let entries: Vec<RecordEntry> =
        client(&server).list_record_entries(OBJECT, record_id()).limit(2).stream().try_collect().await.unwrap();

    let ids: Vec<String> = entries.iter().map(|e| e.entry_id.to_string()).collect();
    assert_eq!(ids, (1..=4).map(nth_uuid).collect::<Vec<_>>());
    assert!(entries.iter().all(|e| e.list_api_slug == "hiring-engineering"));
}

#[tokio::test]
async fn list_record_attribute_values_stream_starts_at_the_given_offset() {
    let server = Server::start().await;
    let value = |n: u32| {
        let mut v = LIST_RECORD_ATTRIBUTE_VALUES.response_example(200)["data"][0].clone();
        v["referenced_actor_id"] = json!(nth_uuid(n));
        v
    };
    for (offset, items) in [("10", vec![1, 2]), ("12", vec![3])] {
        let data: Vec<Value> = items.into_iter().map(value).collect();
        LIST_RECORD_ATTRIBUTE_VALUES
            .mock(W_VALUES)
            .and(query_is(&["show_historic=true&limit=2", &format!("offset={offset}")]))
            .respond_with(reply(200, json!({ "data": data })))
            .expect(1)
            .mount(&server)
            .await;
    }

    let values: Vec<AttributeValue> = client(&server)
        .list_record_attribute_values(OBJECT, record_id(), ATTRIBUTE)
        .show_historic(true)
        .limit(2)
        .offset(10)
        .stream()
        .try_collect()
        .await
        .unwrap();

    let actors: Vec<String> = values
        .iter()
        .map(|v| match v {
            AttributeValue::ActorReferenceValue(a) => a.referenced_actor_id.unwrap().to_string(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(actors, (1..=3).map(nth_uuid).collect::<Vec<_>>());
}

#[tokio::test]
async fn stream_yields_the_typed_error_of_a_failing_page_and_ends() {
    let server = Server::start().await;
    LIST_RECORD_ENTRIES
        .mock(W_ENTRIES)
        .and(query_is(&["limit=2"]))
        .respond_with(reply(200, json!({ "data": [nth_entry(1), nth_entry(2)] })))
        .expect(1)
        .mount(&server)
        .await;
    LIST_RECORD_ENTRIES
        .mock(W_ENTRIES)
        .and(query_is(&["limit=2&offset=2"]))
        .respond_with(reply(429, LIST_RECORD_ENTRIES.response_example(429)))
        .expect(1)
        .mount(&server)
        .await;

    let items: Vec<_> = client(&server).list_record_entries(OBJECT, record_id()).limit(2).stream().collect().await;

    assert_eq!(items.len(), 3, "{items:?}");
    assert_eq!(items[0].as_ref().unwrap().entry_id.to_string(), nth_uuid(1));
    assert_eq!(items[1].as_ref().unwrap().entry_id.to_string(), nth_uuid(2));
    match &items[2] {
        Err(Error::Api(e)) => {
            assert_eq!(e.status, 429);
            assert_eq!(e.body, ListRecordEntriesError::TooManyRequests(rate_limited()));
        }
        other => panic!("expected the 429 error, got {other:?}"),
    }
}

#[tokio::test]
async fn stream_reports_a_malformed_item_with_its_pointer_and_goes_on() {
    let server = Server::start().await;
    let mut broken = nth_entry(2);
    broken.as_object_mut().unwrap().remove("entry_id");
    LIST_RECORD_ENTRIES
        .mock(W_ENTRIES)
        .and(query_is(&["limit=2"]))
        .respond_with(reply(200, json!({ "data": [nth_entry(1), broken.clone()] })))
        .expect(1)
        .mount(&server)
        .await;
    LIST_RECORD_ENTRIES
        .mock(W_ENTRIES)
        .and(query_is(&["limit=2&offset=2"]))
        .respond_with(reply(200, json!({ "data": [nth_entry(3)] })))
        .expect(1)
        .mount(&server)
        .await;

    let items: Vec<_> = client(&server).list_record_entries(OBJECT, record_id()).limit(2).stream().collect().await;

    assert_eq!(items.len(), 3, "the items around the one that fails to decode are yielded: {items:?}");
    assert_eq!(items[0].as_ref().unwrap().entry_id.to_string(), nth_uuid(1));
    match &items[1] {
        Err(Error::Item(e)) => {
            assert_eq!((e.page, e.index, e.pointer.as_str()), (0, 1, "/data/1"));
            assert_eq!(e.status, 200);
            assert!(e.message.contains("entry_id"), "{}", e.message);
            assert_eq!(e.raw, broken);
        }
        other => panic!("expected Error::Item, got {other:?}"),
    }
    assert_eq!(items[2].as_ref().unwrap().entry_id.to_string(), nth_uuid(3));
}
