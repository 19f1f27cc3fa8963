//! End-to-end tests of `crm_clients::attio::records` (specs/attio/records.yaml)
//! against a wiremock server: every operation on the wire (method, exact
//! path, query, bearer auth, JSON body), every response example of the spec
//! decoded into concrete values, every declared error status into its typed
//! variant, undeclared statuses, malformed bodies, and offset pagination
//! (in the JSON body for `list_records`, in the query elsewhere).

use std::fmt::Debug;
use std::future::Future;
use std::sync::OnceLock;

use crm_clients::attio::records::*;
use crm_clients::runtime::{Error, Response, RetryPolicy};
use futures_util::{StreamExt, TryStreamExt};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use uuid::Uuid;
use wiremock::matchers::{body_json, header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockBuilder, MockServer, ResponseTemplate};

const TOKEN: &str = "attio-test-token-5f1c";
const AUTH: &str = "Bearer attio-test-token-5f1c";
const OBJECT: &str = "people";
const RECORD_ID: &str = "891dcbfc-9141-415d-9b2a-2238a6cc012d";
const ATTRIBUTE: &str = "41252299-f8c7-4b5e-99c9-4ff8321d2f96";

// Spec path templates.
const P_QUERY: &str = "/objects/{object}/records/query";
const P_RECORDS: &str = "/objects/{object}/records";
const P_RECORD: &str = "/objects/{object}/records/{record_id}";
const P_VALUES: &str = "/objects/{object}/records/{record_id}/attributes/{attribute}/values";
const P_ENTRIES: &str = "/objects/{object}/records/{record_id}/entries";

// The same paths on the wire, for OBJECT / RECORD_ID / ATTRIBUTE.
const W_QUERY: &str = "/objects/people/records/query";
const W_RECORDS: &str = "/objects/people/records";
const W_RECORD: &str = "/objects/people/records/891dcbfc-9141-415d-9b2a-2238a6cc012d";
const W_VALUES: &str = "/objects/people/records/891dcbfc-9141-415d-9b2a-2238a6cc012d/attributes/41252299-f8c7-4b5e-99c9-4ff8321d2f96/values";
const W_ENTRIES: &str = "/objects/people/records/891dcbfc-9141-415d-9b2a-2238a6cc012d/entries";

// ---------------------------------------------------------------- spec examples

fn spec() -> &'static serde_yaml::Value {
    static SPEC: OnceLock<serde_yaml::Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        let file = concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/attio/records.yaml");
        serde_yaml::from_str(&std::fs::read_to_string(file).unwrap()).unwrap()
    })
}

/// Follows a local `$ref` (`#/components/responses/RateLimited`).
fn resolve(node: &serde_yaml::Value) -> &serde_yaml::Value {
    match node.get("$ref").and_then(|r| r.as_str()) {
        Some(reference) => {
            let pointer = reference.strip_prefix("#/").expect("local $ref");
            pointer.split('/').fold(spec(), |node, key| &node[key])
        }
        None => node,
    }
}

/// The JSON example of a response, if the spec gives one.
fn example_opt(api_path: &str, verb: &str, status: u16) -> Option<Value> {
    let response = resolve(&spec()["paths"][api_path][verb]["responses"][status.to_string().as_str()]);
    assert!(!response.is_null(), "{verb} {api_path} declares no {status}");
    let example = &response["content"]["application/json"]["example"];
    (!example.is_null()).then(|| serde_json::to_value(example).unwrap())
}

fn example(api_path: &str, verb: &str, status: u16) -> Value {
    example_opt(api_path, verb, status).unwrap_or_else(|| panic!("no example for {verb} {api_path} {status}"))
}

/// The request body example of an operation.
fn request_example(api_path: &str, verb: &str) -> Value {
    let example = &spec()["paths"][api_path][verb]["requestBody"]["content"]["application/json"]["example"];
    assert!(!example.is_null(), "no request example for {verb} {api_path}");
    serde_json::to_value(example).unwrap()
}

/// A response example decoded into a generated type.
fn ex<T: DeserializeOwned>(api_path: &str, verb: &str, status: u16) -> T {
    serde_json::from_value(example(api_path, verb, status)).unwrap()
}

fn write_body() -> RecordWriteRequest {
    serde_json::from_value(request_example(P_RECORDS, "post")).unwrap()
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
    let mut record = example(P_QUERY, "post", 200)["data"][0].clone();
    record["id"]["record_id"] = json!(nth_uuid(n));
    record
}

/// The `list_record_entries` example's entry, with its own entry ID.
fn nth_entry(n: u32) -> Value {
    let mut entry = example(P_ENTRIES, "get", 200)["data"][0].clone();
    entry["entry_id"] = json!(nth_uuid(n));
    entry
}

// ---------------------------------------------------------------- client and server

fn client_for(base_url: &str) -> Client {
    Client::builder().bearer_token(TOKEN).base_url(base_url).retry(RetryPolicy::none()).build().unwrap()
}

fn client(server: &MockServer) -> Client {
    client_for(&server.uri())
}

/// A mock for `verb wire_path` that also requires the bearer token.
fn on(verb: &str, wire_path: &str) -> MockBuilder {
    Mock::given(method(verb.to_uppercase().as_str())).and(path(wire_path)).and(header("authorization", AUTH))
}

/// A mock that also requires a JSON body exactly equal to `body`.
fn on_json(verb: &str, wire_path: &str, body: Value) -> MockBuilder {
    on(verb, wire_path).and(header("content-type", "application/json")).and(body_json(body))
}

fn reply(status: u16, body: Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(body)
}

/// The query string exactly as sent (still percent-encoded), as a set of pairs.
fn raw_query(expected: &str) -> impl Fn(&wiremock::Request) -> bool + Send + Sync + 'static {
    let sorted = |q: &str| {
        let mut pairs: Vec<String> = q.split('&').filter(|p| !p.is_empty()).map(str::to_owned).collect();
        pairs.sort();
        pairs
    };
    let want = sorted(expected);
    move |req: &wiremock::Request| sorted(req.url.query().unwrap_or("")) == want
}

fn no_body(req: &wiremock::Request) -> bool {
    req.body.is_empty()
}

async fn received(server: &MockServer) -> Vec<wiremock::Request> {
    server.received_requests().await.expect("request recording is on")
}

/// For each `(status, expected)`: a fresh server answers the operation once
/// with the spec's example for that status; the call must fail with
/// `Error::Api` holding exactly `expected`, the status, headers and raw body.
async fn assert_declared_errors<T, E, F, Fut>(
    verb: &str,
    api_path: &str,
    wire_path: &str,
    cases: Vec<(u16, E)>,
    call: F,
) where
    T: Debug,
    E: Debug + PartialEq,
    F: Fn(Client) -> Fut,
    Fut: Future<Output = Result<Response<T>, Error<E>>>,
{
    for (status, expected) in cases {
        let server = MockServer::start().await;
        let body = example(api_path, verb, status);
        on(verb, wire_path)
            .respond_with(reply(status, body.clone()).insert_header("x-request-id", format!("req-{status}")))
            .expect(1)
            .mount(&server)
            .await;

        let err = call(client(&server)).await.expect_err(&format!("{verb} {api_path} answered {status}"));

        match err {
            Error::Api(api) => {
                assert_eq!(api.status, status, "{verb} {api_path}");
                assert_eq!(api.body, expected, "{verb} {api_path} {status}");
                assert_eq!(api.headers["x-request-id"], format!("req-{status}").as_str());
                assert_eq!(serde_json::from_str::<Value>(&api.raw_body).unwrap(), body);
            }
            other => panic!("{verb} {api_path} {status}: expected Error::Api, got {other:?}"),
        }
    }
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
    let server = MockServer::start().await;
    let body = request_example(P_QUERY, "post");
    on_json("post", W_QUERY, body.clone())
        .respond_with(reply(200, example(P_QUERY, "post", 200)))
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
    let server = MockServer::start().await;
    on_json("post", W_RECORDS, request_example(P_RECORDS, "post"))
        .and(raw_query(""))
        .respond_with(reply(200, example(P_RECORDS, "post", 200)))
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
    let server = MockServer::start().await;
    on_json("put", W_RECORDS, request_example(P_RECORDS, "put"))
        .and(raw_query("matching_attribute=email_addresses"))
        .respond_with(reply(200, example(P_RECORDS, "put", 200)))
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
    let server = MockServer::start().await;
    on("put", W_RECORDS)
        .and(raw_query("matching_attribute=work%20email%2Fprimary%26x%3D1"))
        .and(query_param("matching_attribute", "work email/primary&x=1"))
        .respond_with(reply(200, example(P_RECORDS, "put", 200)))
        .expect(1)
        .mount(&server)
        .await;

    client(&server).assert_record(OBJECT, "work email/primary&x=1", write_body()).await.unwrap();
}

#[tokio::test]
async fn get_record_decodes_every_attribute_value_type() {
    let server = MockServer::start().await;
    on("get", W_RECORD)
        .and(no_body)
        .and(raw_query(""))
        .respond_with(reply(200, example(P_RECORD, "get", 200)))
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
    let server = MockServer::start().await;
    let future_value = json!({
        "active_from": "2024-05-01T09:00:00.000000000Z",
        "active_until": null,
        "created_by_actor": { "type": "app", "id": "0f0e0d0c-0b0a-4908-8706-050403020100" },
        "summary": "Met at the conference",
        "attribute_type": "ai-summary"
    });
    let mut body = example(P_RECORD, "get", 200);
    body["data"]["values"]["ai_summary"] = json!([future_value.clone()]);
    on("get", W_RECORD).respond_with(reply(200, body)).expect(1).mount(&server).await;

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
    let server = MockServer::start().await;
    on_json("put", W_RECORD, request_example(P_RECORD, "put"))
        .respond_with(reply(200, example(P_RECORD, "put", 200)))
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
    let server = MockServer::start().await;
    on_json("patch", W_RECORD, request_example(P_RECORD, "patch"))
        .respond_with(reply(200, example(P_RECORD, "patch", 200)))
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
    let server = MockServer::start().await;
    on("delete", W_RECORD)
        .and(no_body)
        .and(raw_query(""))
        .respond_with(reply(200, example(P_RECORD, "delete", 200)))
        .expect(1)
        .mount(&server)
        .await;

    let resp = client(&server).delete_record(OBJECT, record_id()).await.unwrap();

    assert_eq!(resp.status(), 200);
    assert!(resp.body().is_empty(), "{:?}", resp.body());
}

#[tokio::test]
async fn list_record_attribute_values_sends_its_query_and_decodes_the_example() {
    let server = MockServer::start().await;
    on("get", W_VALUES)
        .and(raw_query("show_historic=true&limit=10&offset=5"))
        .respond_with(reply(200, example(P_VALUES, "get", 200)))
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
    let server = MockServer::start().await;
    on("get", W_ENTRIES)
        .and(raw_query("limit=10&offset=5"))
        .respond_with(reply(200, example(P_ENTRIES, "get", 200)))
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
async fn path_parameters_are_percent_encoded_for_every_operation() {
    let server = MockServer::start().await;
    let object = "sales deals/2024?#ü";
    let attribute = "next step/owner";
    let obj = "/objects/sales%20deals%2F2024%3F%23%C3%BC/records";
    let rec = format!("{obj}/{RECORD_ID}");
    let mounts = [
        ("post", format!("{obj}/query"), example(P_QUERY, "post", 200)),
        ("post", obj.to_string(), example(P_RECORDS, "post", 200)),
        ("put", obj.to_string(), example(P_RECORDS, "put", 200)),
        ("get", rec.clone(), example(P_RECORD, "get", 200)),
        ("put", rec.clone(), example(P_RECORD, "put", 200)),
        ("patch", rec.clone(), example(P_RECORD, "patch", 200)),
        ("delete", rec.clone(), example(P_RECORD, "delete", 200)),
        ("get", format!("{rec}/attributes/next%20step%2Fowner/values"), example(P_VALUES, "get", 200)),
        ("get", format!("{rec}/entries"), example(P_ENTRIES, "get", 200)),
    ];
    for (verb, wire_path, body) in mounts {
        on(verb, &wire_path).respond_with(reply(200, body)).expect(1).mount(&server).await;
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

    assert_eq!(received(&server).await.len(), 9);
}

#[tokio::test]
async fn every_request_carries_exactly_the_bearer_token() {
    let server = MockServer::start().await;
    on("get", W_RECORD).respond_with(reply(200, example(P_RECORD, "get", 200))).expect(1).mount(&server).await;

    client(&server).get_record(OBJECT, record_id()).await.unwrap();

    let sent = received(&server).await;
    let values: Vec<&str> = sent[0].headers.get_all("authorization").iter().map(|v| v.to_str().unwrap()).collect();
    assert_eq!(values, [AUTH]);
}

#[tokio::test]
async fn empty_path_parameter_is_refused_before_sending() {
    let server = MockServer::start().await;

    let err = client(&server).get_record("", record_id()).await.unwrap_err();

    assert!(matches!(&err, Error::InvalidRequest(m) if m.contains("`object`")), "{err:?}");
    assert!(received(&server).await.is_empty());
}

// ---------------------------------------------------------------- declared errors

#[tokio::test]
async fn list_records_declared_errors() {
    use ListRecordsError as E;
    let (p, v) = (P_QUERY, "post");
    let cases = vec![
        (400, E::BadRequest(ex(p, v, 400))),
        (404, E::NotFound(ex(p, v, 404))),
        (429, E::TooManyRequests(ex(p, v, 429))),
    ];
    assert_declared_errors(v, p, W_QUERY, cases, |c| c.list_records(OBJECT, ListRecordsRequest::default()).send())
        .await;
}

#[tokio::test]
async fn create_record_declared_errors() {
    use CreateRecordError as E;
    let (p, v) = (P_RECORDS, "post");
    let cases = vec![
        (400, E::BadRequest(ex(p, v, 400))),
        (404, E::NotFound(ex(p, v, 404))),
        (429, E::TooManyRequests(ex(p, v, 429))),
    ];
    assert_declared_errors(v, p, W_RECORDS, cases, |c| c.create_record(OBJECT, write_body()).send()).await;
}

#[tokio::test]
async fn assert_record_declared_errors() {
    use AssertRecordError as E;
    let (p, v) = (P_RECORDS, "put");
    let cases = vec![
        (400, E::BadRequest(ex(p, v, 400))),
        (404, E::NotFound(ex(p, v, 404))),
        (429, E::TooManyRequests(ex(p, v, 429))),
    ];
    assert_declared_errors(v, p, W_RECORDS, cases, |c| c.assert_record(OBJECT, "email_addresses", write_body()).send())
        .await;
}

#[tokio::test]
async fn get_record_declared_errors() {
    use GetRecordError as E;
    let (p, v) = (P_RECORD, "get");
    let cases = vec![(404, E::NotFound(ex(p, v, 404))), (429, E::TooManyRequests(ex(p, v, 429)))];
    assert_declared_errors(v, p, W_RECORD, cases, |c| c.get_record(OBJECT, record_id()).send()).await;
}

#[tokio::test]
async fn update_record_overwrite_declared_errors() {
    use UpdateRecordOverwriteError as E;
    let (p, v) = (P_RECORD, "put");
    let cases = vec![
        (400, E::BadRequest(ex(p, v, 400))),
        (404, E::NotFound(ex(p, v, 404))),
        (429, E::TooManyRequests(ex(p, v, 429))),
    ];
    assert_declared_errors(v, p, W_RECORD, cases, |c| {
        c.update_record_overwrite(OBJECT, record_id(), write_body()).send()
    })
    .await;
}

#[tokio::test]
async fn update_record_append_declared_errors() {
    use UpdateRecordAppendError as E;
    let (p, v) = (P_RECORD, "patch");
    let cases = vec![
        (400, E::BadRequest(ex(p, v, 400))),
        (404, E::NotFound(ex(p, v, 404))),
        (429, E::TooManyRequests(ex(p, v, 429))),
    ];
    assert_declared_errors(v, p, W_RECORD, cases, |c| c.update_record_append(OBJECT, record_id(), write_body()).send())
        .await;
}

#[tokio::test]
async fn delete_record_declared_errors() {
    use DeleteRecordError as E;
    let (p, v) = (P_RECORD, "delete");
    let cases = vec![(404, E::NotFound(ex(p, v, 404))), (429, E::TooManyRequests(ex(p, v, 429)))];
    assert_declared_errors(v, p, W_RECORD, cases, |c| c.delete_record(OBJECT, record_id()).send()).await;
}

#[tokio::test]
async fn list_record_attribute_values_declared_errors() {
    use ListRecordAttributeValuesError as E;
    let (p, v) = (P_VALUES, "get");
    let cases = vec![
        (400, E::BadRequest(ex(p, v, 400))),
        (404, E::NotFound(ex(p, v, 404))),
        (429, E::TooManyRequests(ex(p, v, 429))),
    ];
    assert_declared_errors(v, p, W_VALUES, cases, |c| {
        c.list_record_attribute_values(OBJECT, record_id(), ATTRIBUTE).send()
    })
    .await;
}

#[tokio::test]
async fn list_record_entries_declared_errors() {
    use ListRecordEntriesError as E;
    let (p, v) = (P_ENTRIES, "get");
    let cases = vec![(429, E::TooManyRequests(ex(p, v, 429)))];
    assert_declared_errors(v, p, W_ENTRIES, cases, |c| c.list_record_entries(OBJECT, record_id()).send()).await;
}

#[tokio::test]
async fn declared_error_bodies_keep_their_concrete_values() {
    let server = MockServer::start().await;
    on("get", W_RECORD)
        .respond_with(reply(404, example(P_RECORD, "get", 404)))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    on_json("post", W_QUERY, json!({}))
        .respond_with(
            reply(429, example(P_QUERY, "post", 429)).insert_header("retry-after", "Wed, 21 Oct 2015 07:28:01 GMT"),
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
    let server = MockServer::start().await;
    on("get", W_RECORD)
        .respond_with(ResponseTemplate::new(418).set_body_string("I'm a teapot").insert_header("x-trace", "t-1"))
        .expect(1)
        .mount(&server)
        .await;
    // 404 is declared for most operations, but not for `list_record_entries`.
    on("get", W_ENTRIES).respond_with(reply(404, example(P_RECORD, "get", 404))).expect(1).mount(&server).await;
    // 400 is not declared for `delete_record`.
    on("delete", W_RECORD).respond_with(reply(400, example(P_QUERY, "post", 400))).expect(1).mount(&server).await;
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
            assert_eq!(serde_json::from_str::<Value>(&e.body).unwrap(), example(P_RECORD, "get", 404));
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
        let server = MockServer::start().await;
        let mut body = example(P_RECORD, "get", 200);
        *body.pointer_mut(pointer).unwrap() = corrupt;
        on("get", W_RECORD).respond_with(reply(200, body.clone())).expect(1).mount(&server).await;

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
    let server = MockServer::start().await;
    on("get", W_RECORD)
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
    let server = MockServer::start().await;
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
        on_json("post", W_QUERY, page_body(offset))
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
    assert_eq!(received(&server).await.len(), 3);
}

#[tokio::test]
async fn list_records_stream_without_a_limit_stops_on_an_empty_page() {
    let server = MockServer::start().await;
    for (offset, items) in [(None, vec![1, 2, 3]), (Some(3), vec![4]), (Some(4), vec![])] {
        let data: Vec<Value> = items.into_iter().map(nth_record).collect();
        let body = match offset {
            None => json!({}),
            Some(o) => json!({ "offset": o }),
        };
        on_json("post", W_QUERY, body).respond_with(reply(200, json!({ "data": data }))).expect(1).mount(&server).await;
    }

    let records: Vec<Record> =
        client(&server).list_records(OBJECT, ListRecordsRequest::default()).stream().try_collect().await.unwrap();

    let ids: Vec<String> = records.iter().map(|r| r.id.record_id.to_string()).collect();
    assert_eq!(ids, (1..=4).map(nth_uuid).collect::<Vec<_>>());
}

#[tokio::test]
async fn list_record_entries_stream_pages_by_offset_query() {
    let server = MockServer::start().await;
    // Full pages until an empty one.
    for (offset, items) in [(None, vec![1, 2]), (Some("2"), vec![3, 4]), (Some("4"), vec![])] {
        let data: Vec<Value> = items.into_iter().map(nth_entry).collect();
        let mock = on("get", W_ENTRIES).and(query_param("limit", "2"));
        let mock = match offset {
            None => mock.and(query_param_is_missing("offset")),
            Some(o) => mock.and(query_param("offset", o)),
        };
        mock.respond_with(reply(200, json!({ "data": data }))).expect(1).mount(&server).await;
    }

    let entries: Vec<RecordEntry> =
        client(&server).list_record_entries(OBJECT, record_id()).limit(2).stream().try_collect().await.unwrap();

    let ids: Vec<String> = entries.iter().map(|e| e.entry_id.to_string()).collect();
    assert_eq!(ids, (1..=4).map(nth_uuid).collect::<Vec<_>>());
    assert!(entries.iter().all(|e| e.list_api_slug == "hiring-engineering"));
}

#[tokio::test]
async fn list_record_attribute_values_stream_starts_at_the_given_offset() {
    let server = MockServer::start().await;
    let value = |n: u32| {
        let mut v = example(P_VALUES, "get", 200)["data"][0].clone();
        v["referenced_actor_id"] = json!(nth_uuid(n));
        v
    };
    for (offset, items) in [("10", vec![1, 2]), ("12", vec![3])] {
        let data: Vec<Value> = items.into_iter().map(value).collect();
        on("get", W_VALUES)
            .and(raw_query(&format!("show_historic=true&limit=2&offset={offset}")))
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
    let server = MockServer::start().await;
    on("get", W_ENTRIES)
        .and(query_param_is_missing("offset"))
        .respond_with(reply(200, json!({ "data": [nth_entry(1), nth_entry(2)] })))
        .expect(1)
        .mount(&server)
        .await;
    on("get", W_ENTRIES)
        .and(query_param("offset", "2"))
        .respond_with(reply(429, example(P_ENTRIES, "get", 429)))
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
            assert_eq!(e.body, ListRecordEntriesError::TooManyRequests(ex(P_ENTRIES, "get", 429)));
        }
        other => panic!("expected the 429 error, got {other:?}"),
    }
}

#[tokio::test]
async fn stream_reports_a_malformed_item_with_its_pointer() {
    let server = MockServer::start().await;
    let mut broken = nth_entry(2);
    broken.as_object_mut().unwrap().remove("entry_id");
    on("get", W_ENTRIES)
        .respond_with(reply(200, json!({ "data": [nth_entry(1), broken] })))
        .expect(1)
        .mount(&server)
        .await;

    let items: Vec<_> = client(&server).list_record_entries(OBJECT, record_id()).limit(2).stream().collect().await;

    assert_eq!(items.len(), 1, "a page that fails to decode yields only the error: {items:?}");
    match &items[0] {
        Err(Error::Decode(e)) => {
            assert_eq!(e.path, "/data/1");
            assert!(e.message.contains("entry_id"), "{}", e.message);
        }
        other => panic!("expected Decode, got {other:?}"),
    }
}
