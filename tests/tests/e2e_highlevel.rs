//! End-to-end tests of `crm_clients::highlevel::objects` and
//! `crm_clients::highlevel::conversations` against wiremock on loopback.
//!
//! Every operation of both specs is called at least once, as the requests
//! that reached the mock servers show (`tests::support`). Each mock asserts
//! the request on the wire: method, exact (percent-encoded) path, exact query
//! string, `authorization: Bearer <token>`, the spec's `Version` constant, and
//! either the JSON body (with its content type) or no body at all. Mocks
//! answer with the spec's own examples, read from the YAML at test time, so
//! the examples are proven to decode. Every error status an operation
//! declares must decode into its typed variant; the list of statuses is
//! checked against the spec.

use chrono::{DateTime, FixedOffset};
use crm_clients::highlevel::{conversations as conv, objects as obj};
use crm_clients::runtime::{Error, RetryPolicy};
use futures_util::{StreamExt, TryStreamExt};
use serde_json::{Map, Value, json};
use tests::support::{Api, Op, Server, assert_every_operation_is_called, check_declared_errors, query_is};
use wiremock::ResponseTemplate;
use wiremock::matchers::{body_json, query_param};

/// The operations added with the complete Conversations API: in this binary, so that
/// the wire-coverage check below sees them.
#[path = "e2e_highlevel/added_operations.rs"]
mod added_operations;
#[path = "e2e_highlevel/files.rs"]
mod files;

const TOKEN: &str = "hl-test-token";
const AUTH: &str = "Bearer hl-test-token";
const AGENCY_TOKEN: &str = "hl-agency-token";
const AGENCY_AUTH: &str = "Bearer hl-agency-token";

// ---------------------------------------------------------------------------
// The specs, the headers their requests carry, and the check that every
// operation is called

/// `Version` is the constant of each spec's required header.
static OBJECTS: Api = Api::new("highlevel/objects.yaml", &[("authorization", AUTH), ("Version", "2021-07-28")]);
static CONVERSATIONS: Api =
    Api::new("highlevel/conversations.yaml", &[("authorization", AUTH), ("Version", "2021-04-15")]);
/// The Custom Objects operation that takes an Agency token (create_object_schema).
static OBJECTS_AGENCY: Api =
    Api::new("highlevel/objects.yaml", &[("authorization", AGENCY_AUTH), ("Version", "2021-07-28")]);

#[test]
fn every_operation_of_both_specs_is_called_on_the_wire() {
    let coverage = assert_every_operation_is_called(&[&OBJECTS, &CONVERSATIONS]);
    let counts: Vec<(&str, usize)> = coverage.iter().map(|(api, ops)| (*api, ops.len())).collect();
    assert_eq!(counts, [("highlevel/conversations.yaml", 29), ("highlevel/objects.yaml", 9)]);
}

// ---------------------------------------------------------------------------
// Clients and shared checks

fn objects_client(uri: &str) -> obj::Client {
    obj::Client::builder().bearer_token(TOKEN).base_url(uri).retry(RetryPolicy::none()).build().expect("objects client")
}

/// An objects client holding an Agency token only.
fn agency_objects_client(uri: &str) -> obj::Client {
    obj::Client::builder()
        .agency_bearer(AGENCY_TOKEN)
        .base_url(uri)
        .retry(RetryPolicy::none())
        .build()
        .expect("objects client")
}

fn conversations_client(uri: &str) -> conv::Client {
    conv::Client::builder()
        .bearer_token(TOKEN)
        .base_url(uri)
        .retry(RetryPolicy::none())
        .build()
        .expect("conversations client")
}

fn date(text: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(text).expect("RFC 3339 date")
}

fn json_object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not a JSON object: {other}"),
    }
}

// ---------------------------------------------------------------------------
// Custom Objects API

mod objects {
    use super::*;

    const LIST_OBJECT_SCHEMAS: Op = Op::new(&OBJECTS, "list_object_schemas", "GET", "/objects/");
    const CREATE_OBJECT_SCHEMA: Op = Op::new(&OBJECTS_AGENCY, "create_object_schema", "POST", "/objects/");
    const GET_OBJECT_SCHEMA: Op = Op::new(&OBJECTS, "get_object_schema", "GET", "/objects/{key}");
    const UPDATE_OBJECT_SCHEMA: Op = Op::new(&OBJECTS, "update_object_schema", "PUT", "/objects/{key}");
    const CREATE_RECORD: Op = Op::new(&OBJECTS, "create_record", "POST", "/objects/{schemaKey}/records");
    const GET_RECORD: Op = Op::new(&OBJECTS, "get_record", "GET", "/objects/{schemaKey}/records/{id}");
    const UPDATE_RECORD: Op = Op::new(&OBJECTS, "update_record", "PUT", "/objects/{schemaKey}/records/{id}");
    const DELETE_RECORD: Op = Op::new(&OBJECTS, "delete_record", "DELETE", "/objects/{schemaKey}/records/{id}");
    const SEARCH_RECORDS: Op = Op::new(&OBJECTS, "search_records", "POST", "/objects/{schemaKey}/records/search");

    const PET: &str = "custom_objects.pet";
    const PET_PATH: &str = "/objects/custom_objects.pet";
    /// A record id that must be percent-encoded to stay one path segment.
    const RECORD_ID: &str = "rec 1/?#%";
    const RECORD_PATH: &str = "/objects/custom_objects.pet/records/rec%201%2F%3F%23%25";
    const RECORDS_PATH: &str = "/objects/custom_objects.pet/records";
    const SEARCH_PATH: &str = "/objects/custom_objects.pet/records/search";

    fn bad_request() -> obj::BadRequestError {
        obj::BadRequestError { status_code: Some(400), message: Some("Bad Request".into()) }
    }

    fn unauthorized() -> obj::UnauthorizedError {
        obj::UnauthorizedError {
            status_code: Some(401),
            message: Some("Invalid token: access token is invalid".into()),
            error: Some("Unauthorized".into()),
        }
    }

    fn unprocessable() -> obj::UnprocessableEntityError {
        obj::UnprocessableEntityError {
            status_code: Some(422),
            message: Some(vec!["Unprocessable Entity".into()]),
            error: Some("Unprocessable Entity".into()),
        }
    }

    /// The Create Custom Object example, built field by field.
    fn create_object_schema_body() -> obj::CreateObjectSchemaRequest {
        obj::CreateObjectSchemaRequest {
            labels: obj::ObjectLabels { singular: "Pet".into(), plural: "Pets".into() },
            key: PET.into(),
            description: Some("These are non vaccinated pets".into()),
            location_id: "ve9EPM428h8vShlRW1KT".into(),
            primary_display_property_details: obj::PrimaryDisplayPropertyDetails {
                key: "custom_objects.pet.name".into(),
                name: "Pet name".into(),
                data_type: obj::PrimaryDisplayPropertyDetailsDataType::Text,
            },
        }
    }

    /// The Update Object Schema example, built field by field.
    fn update_object_schema_body() -> obj::UpdateObjectSchemaRequest {
        obj::UpdateObjectSchemaRequest {
            labels: Some(obj::ObjectLabelsUpdate { singular: Some("Pet".into()), plural: Some("Pets".into()) }),
            description: Some(Some("These are non vaccinated pets".into())),
            location_id: "632c34b4c9b7da3358ac9891".into(),
            searchable_properties: vec![
                "custom_objects.mad.mad".into(),
                "custom_objects.mad.record_1".into(),
                "custom_objects.mad.nn".into(),
            ],
        }
    }

    fn create_record_body() -> obj::CreateObjectRecordRequest {
        serde_json::from_value(CREATE_RECORD.request_example()).expect("the create_record example fits the typed body")
    }

    /// The Update Record example, built field by field.
    fn update_record_body() -> obj::UpdateObjectRecordRequest {
        obj::UpdateObjectRecordRequest {
            owner: Some(vec!["sx6wyHhbFdRXh302Lunr".into()]),
            followers: Some(vec!["sx6wyHhbFdRXh302Lunr".into(), "v5cEPM428h8vShlRW1KT".into()]),
            properties: Some(json_object(json!({
                "ticket_name": "Customer not able login",
                "type_of_ticket": "doubt",
            }))),
        }
    }

    fn search_body(page: i64, page_limit: i64) -> obj::SearchObjectRecordsRequest {
        obj::SearchObjectRecordsRequest {
            location_id: "ve9EPM428h8vShlRW1KT".into(),
            page,
            page_limit,
            query: Some("Buddy".into()),
            search_after: None,
            filters: None,
            sort: None,
        }
    }

    /// The search body as it must appear on the wire for `page`.
    fn search_wire_body(page: i64, page_limit: i64) -> Value {
        json!({"locationId": "ve9EPM428h8vShlRW1KT", "page": page, "pageLimit": page_limit, "query": "Buddy"})
    }

    /// A search page holding copies of the spec's example record with these ids.
    fn search_page(ids: &[&str], total: usize) -> Value {
        let template = SEARCH_RECORDS.response_example(200)["records"][0].clone();
        let records: Vec<Value> = ids
            .iter()
            .map(|id| {
                let mut record = template.clone();
                record["id"] = json!(id);
                record
            })
            .collect();
        json!({"records": records, "total": total})
    }

    /// The spec's example record (get / create / update all return it).
    fn assert_example_record(record: &obj::ObjectRecord) {
        assert_eq!(record.id, "661c06b4ffde146bdb469442");
        assert_eq!(record.owner, ["sx6wyHhbFdRXh302Lunr"]);
        assert_eq!(record.followers, ["sx6wyHhbFdRXh302Lunr", "v5cEPM428h8vShlRW1KT"]);
        assert_eq!(record.properties["customer_number"], 1424);
        assert_eq!(record.properties["money"], json!({"currency": "default", "value": 100}));
        assert_eq!(record.properties["section_of_app"], json!(["contacts", "smartlist"]));
        assert_eq!(record.properties["my_textbox_list.option_a"], "Value 1");
        assert_eq!(record.date_added, date("2024-07-29T15:51:28.071Z"));
        assert_eq!(record.date_updated, date("2024-07-29T15:51:28.071Z"));
    }

    /// The spec's example object schema.
    fn assert_example_schema(schema: &obj::ObjectSchema) {
        assert_eq!(schema.id, "661c06b4ffde146bdb469442");
        assert!(!schema.standard);
        assert_eq!(schema.key, PET);
        assert_eq!(schema.labels, obj::ObjectLabels { singular: "Pet".into(), plural: "Pets".into() });
        assert_eq!(schema.description.as_deref(), Some("These are non vaccinated pets"));
        assert_eq!(schema.location_id, "Q9DT3OAqEXDLYuob1G32");
        assert_eq!(schema.primary_display_property, "custom_objects.pet.name");
        assert_eq!(schema.date_added, date("2024-07-29T15:51:28.071Z"));
        assert_eq!(schema.r#type.as_deref(), Some("USER_DEFINED"));
    }

    // --- one test per operation: the request on the wire and the decoded example

    #[tokio::test]
    async fn list_object_schemas() {
        let server = Server::start().await;
        let op = LIST_OBJECT_SCHEMAS;
        op.mock("/objects/")
            .and(query_is(&["locationId=loc%201%26x%3D2"]))
            .respond_with(op.reply(200))
            .expect(1)
            .mount(&server)
            .await;
        let resp = objects_client(&server.uri()).list_object_schemas("loc 1&x=2").await.expect("list_object_schemas");
        assert_eq!(resp.status().as_u16(), 200);
        let objects = resp.objects.as_deref().expect("objects");
        assert_eq!(objects.len(), 1);
        assert_example_schema(&objects[0]);
    }

    #[tokio::test]
    async fn create_object_schema() {
        let server = Server::start().await;
        let op = CREATE_OBJECT_SCHEMA;
        op.mock("/objects/")
            .and(query_is(&[]))
            .and(body_json(op.request_example()))
            .respond_with(op.reply(201))
            .expect(1)
            .mount(&server)
            .await;
        let resp = agency_objects_client(&server.uri())
            .create_object_schema(create_object_schema_body())
            .await
            .expect("create_object_schema");
        assert_eq!(resp.status().as_u16(), 201);
        assert_example_schema(resp.object.as_ref().expect("object"));
    }

    /// A client holding both tokens sends each operation the one its spec
    /// names, and only that one: the Agency token to create_object_schema,
    /// the Sub-Account token to the record and schema reads.
    #[tokio::test]
    async fn create_object_schema_sends_the_agency_token_and_the_others_the_sub_account_token() {
        let server = Server::start().await;
        CREATE_OBJECT_SCHEMA
            .mock("/objects/")
            .and(body_json(CREATE_OBJECT_SCHEMA.request_example()))
            .respond_with(CREATE_OBJECT_SCHEMA.reply(201))
            .expect(1)
            .mount(&server)
            .await;
        LIST_OBJECT_SCHEMAS
            .mock("/objects/")
            .and(query_is(&["locationId=loc1"]))
            .respond_with(LIST_OBJECT_SCHEMAS.reply(200))
            .expect(1)
            .mount(&server)
            .await;
        let client = obj::Client::builder()
            .bearer_token(TOKEN)
            .agency_bearer(AGENCY_TOKEN)
            .base_url(server.uri())
            .retry(RetryPolicy::none())
            .build()
            .expect("objects client");
        client.create_object_schema(create_object_schema_body()).await.expect("create_object_schema");
        client.list_object_schemas("loc1").await.expect("list_object_schemas");
        let sent: Vec<(String, Vec<String>)> = server
            .requests()
            .await
            .iter()
            .map(|r| {
                let auth = r.headers.get_all("authorization").iter().map(|v| v.to_str().unwrap().to_owned()).collect();
                (r.method.to_string(), auth)
            })
            .collect();
        assert_eq!(
            sent,
            [("POST".to_string(), vec![AGENCY_AUTH.to_string()]), ("GET".to_string(), vec![AUTH.to_string()])]
        );
    }

    /// A Sub-Account token alone is not offered to create_object_schema.
    #[tokio::test]
    async fn create_object_schema_does_not_send_a_sub_account_token() {
        let server = Server::start().await;
        wiremock::Mock::given(wiremock::matchers::method("POST"))
            .and(wiremock::matchers::path("/objects/"))
            .respond_with(CREATE_OBJECT_SCHEMA.reply(401))
            .expect(1)
            .mount(&server)
            .await;
        let err = objects_client(&server.uri())
            .create_object_schema(create_object_schema_body())
            .await
            .expect_err("no Agency token: HighLevel answers 401");
        assert!(matches!(err.api_body(), Some(obj::CreateObjectSchemaError::Unauthorized(_))), "{err:?}");
        let requests = server.requests().await;
        assert_eq!(requests.len(), 1);
        assert!(requests[0].headers.get("authorization").is_none(), "{:?}", requests[0].headers);
    }

    #[tokio::test]
    async fn get_object_schema_with_fields() {
        let server = Server::start().await;
        let op = GET_OBJECT_SCHEMA;
        op.mock(PET_PATH)
            .and(query_is(&["locationId=632c34b4c9b7da3358ac9891", "fetchProperties=true"]))
            .respond_with(op.reply(200))
            .expect(1)
            .mount(&server)
            .await;
        let resp = objects_client(&server.uri())
            .get_object_schema(PET, "632c34b4c9b7da3358ac9891")
            .fetch_properties(true)
            .await
            .expect("get_object_schema");
        assert_eq!(resp.status().as_u16(), 200);
        assert!(resp.cache);
        assert_example_schema(resp.object.as_ref().expect("object"));
        let fields = resp.fields.as_deref().expect("fields");
        assert_eq!(fields.len(), 1);
        let field = &fields[0];
        assert_eq!(field.name.as_deref(), Some("Name"));
        assert_eq!(field.location_id, "ve9EPM428h8vShlRW1KT");
        assert_eq!(field.data_type, obj::ObjectFieldDataType::Text);
        assert_eq!(field.accepted_formats, Some(obj::ObjectFieldAcceptedFormats::Pdf));
        assert_eq!(field.field_key, "custom_object.pet.name");
        assert_eq!(field.parent_id, "3v34PM428h8vShlRW1KT");
        assert_eq!(field.allow_custom_option, Some(true));
        assert_eq!(field.max_file_limit, Some(2));
        let options = field.options.as_deref().expect("options");
        assert_eq!(
            options[0],
            obj::FieldOption { key: "string".into(), label: "string".into(), url: Some("string".into()) }
        );
        assert_eq!(field.date_updated, date("2024-07-29T15:51:28.071Z"));
    }

    #[tokio::test]
    async fn get_object_schema_sends_no_unset_optional_query() {
        let server = Server::start().await;
        let op = GET_OBJECT_SCHEMA;
        // An object id with characters that must be encoded in the path.
        op.mock("/objects/661c%2006b4%3Ffdef")
            .and(query_is(&["locationId=632c34b4c9b7da3358ac9891"]))
            .respond_with(op.reply(200))
            .expect(1)
            .mount(&server)
            .await;
        let resp = objects_client(&server.uri())
            .get_object_schema("661c 06b4?fdef", "632c34b4c9b7da3358ac9891")
            .await
            .expect("get_object_schema");
        assert_eq!(resp.object.as_ref().expect("object").key, PET);
    }

    #[tokio::test]
    async fn update_object_schema() {
        let server = Server::start().await;
        let op = UPDATE_OBJECT_SCHEMA;
        op.mock(PET_PATH)
            .and(query_is(&[]))
            .and(body_json(op.request_example()))
            .respond_with(op.reply(200))
            .expect(1)
            .mount(&server)
            .await;
        let resp = objects_client(&server.uri())
            .update_object_schema(PET, update_object_schema_body())
            .await
            .expect("update_object_schema");
        assert_eq!(resp.status().as_u16(), 200);
        assert_example_schema(resp.object.as_ref().expect("object"));
    }

    #[tokio::test]
    async fn update_object_schema_sends_an_explicit_null_description() {
        let server = Server::start().await;
        let op = UPDATE_OBJECT_SCHEMA;
        let wire = json!({"description": null, "locationId": "632c34b4c9b7da3358ac9891", "searchableProperties": []});
        op.mock(PET_PATH).and(body_json(wire)).respond_with(op.reply(200)).expect(1).mount(&server).await;
        let body = obj::UpdateObjectSchemaRequest {
            labels: None,
            description: Some(None),
            location_id: "632c34b4c9b7da3358ac9891".into(),
            searchable_properties: vec![],
        };
        objects_client(&server.uri()).update_object_schema(PET, body).await.expect("update_object_schema");
    }

    #[tokio::test]
    async fn create_record() {
        let server = Server::start().await;
        let op = CREATE_RECORD;
        let body = create_record_body();
        assert_eq!(body.location_id, "5DP41231LkQsiKESj6rh");
        assert_eq!(body.properties.as_ref().expect("properties")["phone_number"], "+917000000000");
        op.mock(RECORDS_PATH)
            .and(query_is(&[]))
            .and(body_json(op.request_example()))
            .respond_with(op.reply(201))
            .expect(1)
            .mount(&server)
            .await;
        let resp = objects_client(&server.uri()).create_record(PET, body).await.expect("create_record");
        assert_eq!(resp.status().as_u16(), 201);
        assert_example_record(resp.record.as_ref().expect("record"));
    }

    #[tokio::test]
    async fn get_record() {
        let server = Server::start().await;
        let op = GET_RECORD;
        op.mock(RECORD_PATH).and(query_is(&[])).respond_with(op.reply(200)).expect(1).mount(&server).await;
        let resp = objects_client(&server.uri()).get_record(PET, RECORD_ID).await.expect("get_record");
        assert_eq!(resp.status().as_u16(), 200);
        assert_example_record(resp.record.as_ref().expect("record"));
    }

    #[tokio::test]
    async fn update_record() {
        let server = Server::start().await;
        let op = UPDATE_RECORD;
        op.mock(RECORD_PATH)
            .and(query_is(&["locationId=632c34b4c9b7da3358ac9891"]))
            .and(body_json(op.request_example()))
            .respond_with(op.reply(200))
            .expect(1)
            .mount(&server)
            .await;
        let resp = objects_client(&server.uri())
            .update_record(PET, RECORD_ID, "632c34b4c9b7da3358ac9891", update_record_body())
            .await
            .expect("update_record");
        assert_eq!(resp.status().as_u16(), 200);
        assert_example_record(resp.record.as_ref().expect("record"));
    }

    #[tokio::test]
    async fn delete_record() {
        let server = Server::start().await;
        let op = DELETE_RECORD;
        op.mock(RECORD_PATH).and(query_is(&[])).respond_with(op.reply(200)).expect(1).mount(&server).await;
        let resp = objects_client(&server.uri()).delete_record(PET, RECORD_ID).await.expect("delete_record");
        assert_eq!(resp.status().as_u16(), 200);
        assert_eq!(resp.id.as_deref(), Some("661c06b4ffde146bdb469442"));
        assert_eq!(resp.success, Some(true));
    }

    #[tokio::test]
    async fn search_records() {
        let server = Server::start().await;
        let op = SEARCH_RECORDS;
        let body: obj::SearchObjectRecordsRequest =
            serde_json::from_value(op.request_example()).expect("the search example fits the typed body");
        assert_eq!((body.page, body.page_limit), (1, 10));
        assert_eq!(
            body.search_after.as_ref().expect("searchAfter")[0],
            obj::SearchAfterValue::String("sx6wyHhbFdRXh302Lunr".into())
        );
        op.mock(SEARCH_PATH)
            .and(query_is(&[]))
            .and(body_json(op.request_example()))
            .respond_with(op.reply(200))
            .expect(1)
            .mount(&server)
            .await;
        let resp = objects_client(&server.uri()).search_records(PET, body).await.expect("search_records");
        assert_eq!(resp.status().as_u16(), 200);
        assert_eq!(resp.total, 20);
        let records = resp.records.as_deref().expect("records");
        assert_eq!(records.len(), 1);
        let record = &records[0];
        assert_eq!(record.id, "661c06b4ffde146bdb469442");
        assert_eq!(record.object_id, "6d6f6e676f5f6576656e7473");
        assert_eq!(record.object_key, PET);
        assert_eq!(record.properties["type_of_ticket"], "doubt");
        assert_eq!(record.created_at, date("2024-07-29T15:51:28.071Z"));
        let created_by = record.created_by.as_ref().expect("createdBy");
        assert_eq!((created_by.channel.as_str(), created_by.source.as_str()), ("WEB_USER", "PUBLIC_API"));
        assert_eq!(
            record.search_after,
            [
                obj::SearchAfterValue::Integer(1738683828372),
                obj::SearchAfterValue::String("67a235b49b289431bcf657f8".into())
            ]
        );
    }

    // --- pagination: `page` in the JSON body

    #[tokio::test]
    async fn search_records_stream_pages_by_body_page_until_a_short_page() {
        let server = Server::start().await;
        let op = SEARCH_RECORDS;
        let pages: [(i64, &[&str]); 3] = [(1, &["r1", "r2"]), (2, &["r3", "r4"]), (3, &["r5"])];
        for (page, ids) in pages {
            op.mock(SEARCH_PATH)
                .and(query_is(&[]))
                .and(body_json(search_wire_body(page, 2)))
                .respond_with(ResponseTemplate::new(200).set_body_json(search_page(ids, 5)))
                .expect(1)
                .named(format!("search page {page}"))
                .mount(&server)
                .await;
        }
        // Page 3 was short: page 4 must never be asked for.
        op.mock(SEARCH_PATH)
            .and(body_json(search_wire_body(4, 2)))
            .respond_with(ResponseTemplate::new(200).set_body_json(search_page(&["never"], 5)))
            .expect(0)
            .named("search page 4")
            .mount(&server)
            .await;
        let records: Vec<obj::SearchedObjectRecord> = objects_client(&server.uri())
            .search_records(PET, search_body(1, 2))
            .stream()
            .try_collect()
            .await
            .expect("stream");
        let ids: Vec<&str> = records.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["r1", "r2", "r3", "r4", "r5"]);
        assert!(records.iter().all(|r| r.object_key == PET && r.search_after.len() == 2));
        server.verify().await;
    }

    #[tokio::test]
    async fn search_records_stream_stops_on_an_empty_page() {
        let server = Server::start().await;
        let op = SEARCH_RECORDS;
        let pages: [(i64, &[&str]); 3] = [(1, &["r1", "r2"]), (2, &["r3", "r4"]), (3, &[])];
        for (page, ids) in pages {
            op.mock(SEARCH_PATH)
                .and(body_json(search_wire_body(page, 2)))
                .respond_with(ResponseTemplate::new(200).set_body_json(search_page(ids, 4)))
                .expect(1)
                .named(format!("search page {page}"))
                .mount(&server)
                .await;
        }
        let ids: Vec<String> = objects_client(&server.uri())
            .search_records(PET, search_body(1, 2))
            .stream()
            .map_ok(|r| r.id)
            .try_collect()
            .await
            .expect("stream");
        assert_eq!(ids, ["r1", "r2", "r3", "r4"]);
        assert_eq!(server.requests().await.len(), 3);
    }

    #[tokio::test]
    async fn search_records_stream_fetches_pages_lazily() {
        let server = Server::start().await;
        let op = SEARCH_RECORDS;
        for (page, times) in [(1, 1), (2, 1), (3, 0)] {
            op.mock(SEARCH_PATH)
                .and(body_json(search_wire_body(page, 2)))
                .respond_with(ResponseTemplate::new(200).set_body_json(search_page(&["a", "b"], 6)))
                .expect(times)
                .named(format!("search page {page}"))
                .mount(&server)
                .await;
        }
        let first_three: Vec<_> =
            objects_client(&server.uri()).search_records(PET, search_body(1, 2)).stream().take(3).collect().await;
        assert_eq!(first_three.len(), 3);
        assert!(first_three.iter().all(Result::is_ok));
        server.verify().await;
    }

    // --- declared errors: every status each operation declares

    #[tokio::test]
    async fn list_object_schemas_declared_errors() {
        use obj::ListObjectSchemasError as E;
        let send = |uri: String| async move { objects_client(&uri).list_object_schemas("loc").await };
        let expected = vec![
            (400, E::BadRequest(bad_request())),
            (401, E::Unauthorized(unauthorized())),
            (422, E::UnprocessableEntity(unprocessable())),
        ];
        check_declared_errors(LIST_OBJECT_SCHEMAS, "/objects/", send, expected).await;
    }

    #[tokio::test]
    async fn create_object_schema_declared_errors() {
        use obj::CreateObjectSchemaError as E;
        let send = |uri: String| async move {
            agency_objects_client(&uri).create_object_schema(create_object_schema_body()).await
        };
        let expected = vec![
            (400, E::BadRequest(bad_request())),
            (401, E::Unauthorized(unauthorized())),
            (422, E::UnprocessableEntity(unprocessable())),
        ];
        check_declared_errors(CREATE_OBJECT_SCHEMA, "/objects/", send, expected).await;
    }

    #[tokio::test]
    async fn get_object_schema_declared_errors() {
        use obj::GetObjectSchemaError as E;
        let send = |uri: String| async move { objects_client(&uri).get_object_schema(PET, "loc").await };
        let expected = vec![
            (400, E::BadRequest(bad_request())),
            (401, E::Unauthorized(unauthorized())),
            (422, E::UnprocessableEntity(unprocessable())),
        ];
        check_declared_errors(GET_OBJECT_SCHEMA, PET_PATH, send, expected).await;
    }

    #[tokio::test]
    async fn update_object_schema_declared_errors() {
        use obj::UpdateObjectSchemaError as E;
        let send = |uri: String| async move {
            objects_client(&uri).update_object_schema(PET, update_object_schema_body()).await
        };
        let expected = vec![
            (400, E::BadRequest(bad_request())),
            (401, E::Unauthorized(unauthorized())),
            (422, E::UnprocessableEntity(unprocessable())),
        ];
        check_declared_errors(UPDATE_OBJECT_SCHEMA, PET_PATH, send, expected).await;
    }

    #[tokio::test]
    async fn create_record_declared_errors() {
        use obj::CreateRecordError as E;
        let send = |uri: String| async move { objects_client(&uri).create_record(PET, create_record_body()).await };
        let expected = vec![(400, E::BadRequest(bad_request())), (401, E::Unauthorized(unauthorized()))];
        check_declared_errors(CREATE_RECORD, RECORDS_PATH, send, expected).await;
    }

    #[tokio::test]
    async fn get_record_declared_errors() {
        use obj::GetRecordError as E;
        let send = |uri: String| async move { objects_client(&uri).get_record(PET, RECORD_ID).await };
        let expected = vec![(400, E::BadRequest(bad_request())), (401, E::Unauthorized(unauthorized()))];
        check_declared_errors(GET_RECORD, RECORD_PATH, send, expected).await;
    }

    #[tokio::test]
    async fn update_record_declared_errors() {
        use obj::UpdateRecordError as E;
        let send = |uri: String| async move {
            objects_client(&uri).update_record(PET, RECORD_ID, "loc", update_record_body()).await
        };
        let expected = vec![(400, E::BadRequest(bad_request())), (401, E::Unauthorized(unauthorized()))];
        check_declared_errors(UPDATE_RECORD, RECORD_PATH, send, expected).await;
    }

    #[tokio::test]
    async fn delete_record_declared_errors() {
        use obj::DeleteRecordError as E;
        let send = |uri: String| async move { objects_client(&uri).delete_record(PET, RECORD_ID).await };
        let expected = vec![(400, E::BadRequest(bad_request())), (401, E::Unauthorized(unauthorized()))];
        check_declared_errors(DELETE_RECORD, RECORD_PATH, send, expected).await;
    }

    #[tokio::test]
    async fn search_records_declared_errors() {
        use obj::SearchRecordsError as E;
        let send = |uri: String| async move { objects_client(&uri).search_records(PET, search_body(1, 10)).await };
        let expected = vec![(400, E::BadRequest(bad_request())), (401, E::Unauthorized(unauthorized()))];
        check_declared_errors(SEARCH_RECORDS, SEARCH_PATH, send, expected).await;
    }

    #[tokio::test]
    async fn search_records_stream_yields_a_declared_error_as_typed() {
        let server = Server::start().await;
        let op = SEARCH_RECORDS;
        op.mock(SEARCH_PATH).respond_with(op.reply(401)).expect(1).mount(&server).await;
        let items: Vec<_> =
            objects_client(&server.uri()).search_records(PET, search_body(1, 2)).stream().collect().await;
        assert_eq!(items.len(), 1, "{items:?}");
        match &items[0] {
            Err(Error::Api(e)) => assert_eq!(e.body, obj::SearchRecordsError::Unauthorized(unauthorized())),
            other => panic!("expected Error::Api, got {other:?}"),
        }
    }

    // --- undeclared statuses and bodies that do not decode

    #[tokio::test]
    async fn undeclared_status_is_unexpected_status_with_body_and_headers() {
        let server = Server::start().await;
        GET_RECORD
            .mock(RECORD_PATH)
            .respond_with(
                ResponseTemplate::new(418).insert_header("x-request-id", "req-7").set_body_string("I'm a teapot"),
            )
            .expect(1)
            .mount(&server)
            .await;
        let err = objects_client(&server.uri()).get_record(PET, RECORD_ID).await.expect_err("418 is not declared");
        assert_eq!(err.status().map(|s| s.as_u16()), Some(418));
        match err {
            Error::UnexpectedStatus(e) => {
                assert_eq!(e.status.as_u16(), 418);
                assert_eq!(e.body, "I'm a teapot");
                assert_eq!(e.headers["x-request-id"], "req-7");
            }
            other => panic!("expected Error::UnexpectedStatus, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn malformed_success_body_is_a_decode_error_with_its_path() {
        let server = Server::start().await;
        let mut body = GET_RECORD.response_example(200);
        body["record"]["dateAdded"] = json!("yesterday");
        GET_RECORD
            .mock(RECORD_PATH)
            .respond_with(ResponseTemplate::new(200).set_body_json(&body))
            .expect(1)
            .mount(&server)
            .await;
        match objects_client(&server.uri()).get_record(PET, RECORD_ID).await {
            Err(Error::Decode(e)) => {
                assert_eq!(e.status.as_u16(), 200);
                assert_eq!(e.path, "record.dateAdded");
                assert!(!e.message.is_empty());
                assert_eq!(serde_json::from_str::<Value>(&e.body).expect("body kept"), body);
            }
            other => panic!("expected Error::Decode, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn malformed_declared_error_body_is_a_decode_error() {
        let server = Server::start().await;
        DELETE_RECORD
            .mock(RECORD_PATH)
            .respond_with(ResponseTemplate::new(400).set_body_json(json!({"statusCode": "four hundred"})))
            .expect(1)
            .mount(&server)
            .await;
        match objects_client(&server.uri()).delete_record(PET, RECORD_ID).await {
            Err(Error::Decode(e)) => {
                assert_eq!(e.status.as_u16(), 400);
                assert_eq!(e.path, "statusCode");
            }
            other => panic!("expected Error::Decode, got {other:?}"),
        }
    }
}

// ---------------------------------------------------------------------------
// Conversations API

mod conversations {
    use super::*;

    const SEARCH_CONVERSATIONS: Op = Op::new(&CONVERSATIONS, "search_conversations", "GET", "/conversations/search");
    const CREATE_CONVERSATION: Op = Op::new(&CONVERSATIONS, "create_conversation", "POST", "/conversations/");
    const GET_CONVERSATION: Op = Op::new(&CONVERSATIONS, "get_conversation", "GET", "/conversations/{conversationId}");
    const UPDATE_CONVERSATION: Op =
        Op::new(&CONVERSATIONS, "update_conversation", "PUT", "/conversations/{conversationId}");
    const DELETE_CONVERSATION: Op =
        Op::new(&CONVERSATIONS, "delete_conversation", "DELETE", "/conversations/{conversationId}");
    const LIST_MESSAGES: Op =
        Op::new(&CONVERSATIONS, "list_messages", "GET", "/conversations/{conversationId}/messages");
    const GET_MESSAGE: Op = Op::new(&CONVERSATIONS, "get_message", "GET", "/conversations/messages/{id}");
    const SEND_MESSAGE: Op = Op::new(&CONVERSATIONS, "send_message", "POST", "/conversations/messages");
    const ADD_INBOUND_MESSAGE: Op =
        Op::new(&CONVERSATIONS, "add_inbound_message", "POST", "/conversations/messages/inbound");
    const ADD_OUTBOUND_CALL: Op =
        Op::new(&CONVERSATIONS, "add_outbound_call", "POST", "/conversations/messages/outbound");
    const CANCEL_SCHEDULED_MESSAGE: Op =
        Op::new(&CONVERSATIONS, "cancel_scheduled_message", "DELETE", "/conversations/messages/{messageId}/schedule");
    const UPDATE_MESSAGE_STATUS: Op =
        Op::new(&CONVERSATIONS, "update_message_status", "PUT", "/conversations/messages/{messageId}/status");
    const GET_EMAIL_MESSAGE: Op =
        Op::new(&CONVERSATIONS, "get_email_message", "GET", "/conversations/messages/email/{id}");
    const CANCEL_SCHEDULED_EMAIL_MESSAGE: Op = Op::new(
        &CONVERSATIONS,
        "cancel_scheduled_email_message",
        "DELETE",
        "/conversations/messages/email/{emailMessageId}/schedule",
    );
    const GET_MESSAGE_TRANSCRIPTION: Op = Op::new(
        &CONVERSATIONS,
        "get_message_transcription",
        "GET",
        "/conversations/locations/{locationId}/messages/{messageId}/transcription",
    );
    const SEND_LIVE_CHAT_TYPING_INDICATOR: Op =
        Op::new(&CONVERSATIONS, "send_live_chat_typing_indicator", "POST", "/conversations/providers/live-chat/typing");

    /// Ids that must be percent-encoded to stay one path segment.
    const CONV_ID: &str = "conv/1 ?";
    const CONV_PATH: &str = "/conversations/conv%2F1%20%3F";
    const MESSAGES_PATH: &str = "/conversations/conv%2F1%20%3F/messages";
    const MSG_ID: &str = "msg#1+é";
    const MSG_SEGMENT: &str = "msg%231%2B%C3%A9";

    fn msg_path(prefix: &str, suffix: &str) -> String {
        format!("{prefix}{MSG_SEGMENT}{suffix}")
    }

    fn bad_request() -> conv::BadRequestError {
        conv::BadRequestError { status_code: Some(400), message: Some("Bad Request".into()) }
    }

    fn unauthorized() -> conv::UnauthorizedError {
        conv::UnauthorizedError {
            status_code: Some(401),
            message: Some("Invalid token: access token is invalid".into()),
            error: Some("Unauthorized".into()),
        }
    }

    fn forbidden() -> conv::ForbiddenError {
        conv::ForbiddenError {
            status_code: Some(403),
            message: Some("You do not have permission to access this resource".into()),
            error: Some("Forbidden".into()),
        }
    }

    fn unprocessable() -> conv::UnprocessableError {
        conv::UnprocessableError {
            status_code: Some(422),
            message: Some(vec!["Unprocessable Entity".into()]),
            error: Some("Unprocessable Entity".into()),
        }
    }

    /// The Create conversation example, built field by field.
    fn create_conversation_body() -> conv::CreateConversationRequest {
        conv::CreateConversationRequest {
            location_id: "tDtDnQdgm2LXpyiqYvZ6".into(),
            contact_id: "tDtDnQdgm2LXpyiqYvZ6".into(),
        }
    }

    /// The Update conversation example, built field by field.
    fn update_conversation_body() -> conv::UpdateConversationRequest {
        conv::UpdateConversationRequest {
            location_id: "tDtDnQdgm2LXpyiqYvZ6".into(),
            unread_count: Some(1),
            starred: Some(true),
            feedback: Some(Map::new()),
        }
    }

    /// The Live chat typing example, built field by field.
    fn typing_body() -> conv::LiveChatTypingRequest {
        conv::LiveChatTypingRequest {
            location_id: "ve9EPM428h8vShlRW1KT".into(),
            is_typing: true,
            visitor_id: "ve9EPM428h8vShlRW1KT".into(),
            conversation_id: "ve9EPM428h8vShlRW1KT".into(),
        }
    }

    /// A request body typed from the operation's spec example.
    fn typed_example<T: serde::de::DeserializeOwned>(op: Op) -> T {
        serde_json::from_value(op.request_example())
            .unwrap_or_else(|e| panic!("{}: the example does not fit the typed body: {e}", op.id))
    }

    /// A page of copies of the spec's example message with these ids.
    fn messages_page(ids: &[&str], cursor: &str, next_page: bool) -> Value {
        let template = LIST_MESSAGES.response_example(200)["messages"]["messages"][0].clone();
        let messages: Vec<Value> = ids
            .iter()
            .map(|id| {
                let mut message = template.clone();
                message["id"] = json!(id);
                message
            })
            .collect();
        json!({"messages": {"lastMessageId": cursor, "nextPage": next_page, "messages": messages}})
    }

    // --- one test per operation: the request on the wire and the decoded example

    #[tokio::test]
    async fn search_conversations_with_every_filter() {
        let server = Server::start().await;
        let op = SEARCH_CONVERSATIONS;
        op.mock("/conversations/search")
            .and(query_is(&[
                "locationId=ABCHkzuJQ8ZMd4Te84GK",
                "contactId=9VEmS0si86GW6gXWU89b",
                "assignedTo=ABCHkzuJQ8ZMd4Te84GK,fGiae4CHkzoskh8thsik",
                "followers=ABCHkzuJQ8ZMd4Te84GK,fGiae4CHkzoskh8thsik",
                "mentions=u%201,u%2C2",
                "query=Search%20string",
                "sort=asc",
                "startAfterDate=1600854",
                "id=ABCHkzuJQ8ZMd4Te84GK",
                "limit=20",
                "lastMessageType=TYPE_SMS",
                "lastMessageAction=manual",
                "lastMessageDirection=inbound",
                "status=all",
                "sortBy=last_message_date",
                "sortScoreProfile=ABCHkzuJQ8ZMd4Te84GK",
                "scoreProfile=ABCHkzuJQ8ZMd4Te84GK",
                "scoreProfileMin=10",
                "scoreProfileMax=90.5",
            ]))
            .respond_with(op.reply(200))
            .expect(1)
            .mount(&server)
            .await;
        let pair = || vec!["ABCHkzuJQ8ZMd4Te84GK".to_string(), "fGiae4CHkzoskh8thsik".to_string()];
        let resp = conversations_client(&server.uri())
            .search_conversations("ABCHkzuJQ8ZMd4Te84GK")
            .contact_id("9VEmS0si86GW6gXWU89b")
            .assigned_to(pair())
            .followers(pair())
            .mentions(vec!["u 1".into(), "u,2".into()])
            .query("Search string")
            .sort(conv::SearchConversationsSort::Asc)
            .start_after_date(1600854)
            .id("ABCHkzuJQ8ZMd4Te84GK")
            .limit(20)
            .last_message_type(conv::MessageTypeName::TypeSms)
            .last_message_action(conv::SearchConversationsLastMessageAction::Manual)
            .last_message_direction(conv::SearchConversationsLastMessageDirection::Inbound)
            .status(conv::SearchConversationsStatus::All)
            .sort_by(conv::SearchConversationsSortBy::LastMessageDate)
            .sort_score_profile("ABCHkzuJQ8ZMd4Te84GK")
            .score_profile("ABCHkzuJQ8ZMd4Te84GK")
            .score_profile_min(10.0)
            .score_profile_max(90.5)
            .await
            .expect("search_conversations");
        assert_eq!(resp.status().as_u16(), 200);
        assert_eq!(resp.total, 100);
        assert_eq!(resp.conversations.len(), 1);
        let c = &resp.conversations[0];
        assert_eq!(c.id, "ABCHkzuJQ8ZMd4Te84GK");
        assert_eq!(c.last_message_type, Some(Some(conv::MessageTypeName::TypeSms)));
        assert_eq!(c.r#type, conv::ConversationSummaryType::TypePhone);
        assert_eq!(c.unread_count, 1);
        assert_eq!(c.full_name, Some(Some("John Doe".into())));
        assert_eq!(c.email, Some(Some("johndoe@mailingdomain.com".into())));
        assert_eq!(c.phone, Some(Some("+15550001234".into())));
    }

    #[tokio::test]
    async fn search_conversations_sends_only_the_required_location() {
        let server = Server::start().await;
        let op = SEARCH_CONVERSATIONS;
        op.mock("/conversations/search")
            .and(query_is(&["locationId=ABCHkzuJQ8ZMd4Te84GK"]))
            .respond_with(op.reply(200))
            .expect(1)
            .mount(&server)
            .await;
        let resp =
            conversations_client(&server.uri()).search_conversations("ABCHkzuJQ8ZMd4Te84GK").await.expect("search");
        assert_eq!(resp.conversations[0].contact_name, Some(Some("John Doe Company".into())));
    }

    /// The `dateAdded` range and the newer sort keys go on the wire as
    /// documented: epoch milliseconds and the enum's wire values.
    #[tokio::test]
    async fn search_conversations_sends_the_date_range_and_the_due_date_sorts() {
        let server = Server::start().await;
        let op = SEARCH_CONVERSATIONS;
        for (sort_by, wire) in [
            (conv::SearchConversationsSortBy::DueAt, "due_at"),
            (conv::SearchConversationsSortBy::OverdueAt, "overdue_at"),
        ] {
            op.mock("/conversations/search")
                .and(query_is(&[
                    "locationId=ABCHkzuJQ8ZMd4Te84GK",
                    &format!("sortBy={wire}"),
                    "startDate=1640995200000",
                    "endDate=1672531199000",
                ]))
                .respond_with(op.reply(200))
                .expect(1)
                .mount(&server)
                .await;
            let resp = conversations_client(&server.uri())
                .search_conversations("ABCHkzuJQ8ZMd4Te84GK")
                .sort_by(sort_by)
                .start_date(1_640_995_200_000)
                .end_date(1_672_531_199_000)
                .await
                .expect("search_conversations");
            assert_eq!(resp.total, 100);
        }
    }

    /// A contact without email, phone or name, and a conversation without
    /// messages: their fields are absent or null, and the page still decodes.
    #[tokio::test]
    async fn search_conversations_decodes_conversations_without_contact_details_or_messages() {
        let server = Server::start().await;
        let op = SEARCH_CONVERSATIONS;
        let complete = op.response_example(200)["conversations"][0].clone();
        let mut absent = complete.clone();
        for key in ["email", "phone", "fullName", "contactName", "lastMessageBody", "lastMessageType"] {
            absent.as_object_mut().expect("conversation").remove(key);
        }
        absent["id"] = json!("absent-details");
        let mut nulled = complete.clone();
        for key in ["email", "phone", "fullName", "contactName", "lastMessageBody", "lastMessageType"] {
            nulled[key] = Value::Null;
        }
        nulled["id"] = json!("null-details");
        let page = json!({"conversations": [complete, absent, nulled], "total": 3});
        op.mock("/conversations/search")
            .and(query_is(&["locationId=ABCHkzuJQ8ZMd4Te84GK"]))
            .respond_with(ResponseTemplate::new(200).set_body_json(page))
            .expect(1)
            .mount(&server)
            .await;
        let resp =
            conversations_client(&server.uri()).search_conversations("ABCHkzuJQ8ZMd4Te84GK").await.expect("search");
        assert_eq!(resp.total, 3);
        let [full, absent, nulled] = &resp.conversations[..] else {
            panic!("three conversations: {:?}", resp.conversations)
        };
        assert_eq!(full.email, Some(Some("johndoe@mailingdomain.com".into())));
        assert_eq!(full.last_message_body, Some(Some("This is a sample message body".into())));
        /// `None`: absent; `Some(None)`: null.
        type Missing<T> = Option<Option<T>>;
        let cases: [(&conv::ConversationSummary, &str, Missing<String>, Missing<conv::MessageTypeName>); 2] =
            [(absent, "absent-details", None, None), (nulled, "null-details", Some(None), Some(None))];
        for (c, id, missing, missing_type) in cases {
            assert_eq!(c.id, id);
            assert_eq!(c.contact_id, "ABCHkzuJQ8ZMd4Te84GK");
            assert_eq!(c.r#type, conv::ConversationSummaryType::TypePhone);
            assert_eq!(c.unread_count, 1);
            assert_eq!(c.email, missing, "{id}: email");
            assert_eq!(c.phone, missing, "{id}: phone");
            assert_eq!(c.full_name, missing, "{id}: fullName");
            assert_eq!(c.contact_name, missing, "{id}: contactName");
            assert_eq!(c.last_message_body, missing, "{id}: lastMessageBody");
            assert_eq!(c.last_message_type, missing_type, "{id}: lastMessageType");
        }
    }

    #[tokio::test]
    async fn create_conversation() {
        let server = Server::start().await;
        let op = CREATE_CONVERSATION;
        op.mock("/conversations/")
            .and(query_is(&[]))
            .and(body_json(op.request_example()))
            .respond_with(op.reply(201))
            .expect(1)
            .mount(&server)
            .await;
        let resp = conversations_client(&server.uri())
            .create_conversation(create_conversation_body())
            .await
            .expect("create_conversation");
        assert_eq!(resp.status().as_u16(), 201);
        assert!(resp.success);
        let c = &resp.conversation;
        assert_eq!(c.id, "tDtDnQdgm2LXpyiqYvZ6");
        assert!(!c.deleted);
        assert_eq!(c.contact_id, "ve9EPM428kjkvShlRW1KT");
        assert_eq!(c.date_added, "2023-10-01T12:00:00Z");
        assert_eq!(c.assigned_to.as_deref(), Some("ve9EPM428kjkvShlRW1KT"));
    }

    #[tokio::test]
    async fn get_conversation() {
        let server = Server::start().await;
        let op = GET_CONVERSATION;
        op.mock(CONV_PATH).and(query_is(&[])).respond_with(op.reply(200)).expect(1).mount(&server).await;
        let resp = conversations_client(&server.uri()).get_conversation(CONV_ID).await.expect("get_conversation");
        assert_eq!(resp.status().as_u16(), 200);
        assert_eq!(resp.id, "ve9EPM428kjkvShlRW1KT");
        assert_eq!(resp.r#type, 1);
        assert!(resp.inbox && !resp.deleted);
        assert_eq!(resp.unread_count, 1);
        assert_eq!(resp.starred, Some(true));
        assert_eq!(resp.assigned_to.as_deref(), Some("ve9EPM428kjkvShlRW1KT"));
    }

    #[tokio::test]
    async fn update_conversation() {
        let server = Server::start().await;
        let op = UPDATE_CONVERSATION;
        op.mock(CONV_PATH)
            .and(query_is(&[]))
            .and(body_json(op.request_example()))
            .respond_with(op.reply(200))
            .expect(1)
            .mount(&server)
            .await;
        let resp = conversations_client(&server.uri())
            .update_conversation(CONV_ID, update_conversation_body())
            .await
            .expect("update_conversation");
        assert_eq!(resp.status().as_u16(), 200);
        assert!(resp.success);
        let c = &resp.conversation;
        assert_eq!(c.id.as_deref(), Some("tDtDnQdgm2LXpyiqYvZ6"));
        assert_eq!(c.user_id.as_deref(), Some("tDtDnQdgm2LXpyiqYvZ6"));
        assert_eq!(c.last_message_type, Some(conv::MessageTypeName::TypeCall));
        assert_eq!(c.last_message_date.as_deref(), Some("1628008053263"));
        assert_eq!(c.last_message_body.as_deref(), Some("Hello, this is the message body"));
        assert_eq!((c.inbox, c.starred, c.deleted), (Some(true), Some(true), false));
    }

    #[tokio::test]
    async fn delete_conversation() {
        let server = Server::start().await;
        let op = DELETE_CONVERSATION;
        op.mock(CONV_PATH).and(query_is(&[])).respond_with(op.reply(200)).expect(1).mount(&server).await;
        let resp = conversations_client(&server.uri()).delete_conversation(CONV_ID).await.expect("delete_conversation");
        assert_eq!(resp.status().as_u16(), 200);
        assert!(resp.success);
    }

    #[tokio::test]
    async fn list_messages() {
        let server = Server::start().await;
        let op = LIST_MESSAGES;
        op.mock(MESSAGES_PATH)
            .and(query_is(&["lastMessageId=tDtDnQdgm2LXpyiqYvZ6", "limit=20", "type=TYPE_SMS,TYPE_CALL"]))
            .respond_with(op.reply(200))
            .expect(1)
            .mount(&server)
            .await;
        let resp = conversations_client(&server.uri())
            .list_messages(CONV_ID)
            .last_message_id("tDtDnQdgm2LXpyiqYvZ6")
            .limit(20)
            .r#type(vec![conv::ListMessagesTypeItem::TypeSms, conv::ListMessagesTypeItem::TypeCall])
            .await
            .expect("list_messages");
        assert_eq!(resp.status().as_u16(), 200);
        let page = &resp.messages;
        assert_eq!(page.last_message_id, "p1mRSHeLDhAms5q0LMr4");
        assert!(page.next_page);
        assert_eq!(page.messages.len(), 1);
        let m = &page.messages[0];
        assert_eq!(m.id, "ve9EPM428h8vShlRW1KT");
        assert_eq!(m.r#type, 1);
        assert_eq!(m.message_type, conv::MessageTypeName::TypeCall);
        assert_eq!(m.direction, conv::MessageDirection::Inbound);
        assert_eq!(m.status, Some(conv::MessageStatus::Connected));
        assert_eq!(m.source, Some(conv::MessageSource::Workflow));
        assert_eq!(m.attachments.as_deref(), Some(&[][..]));
        let meta = m.meta.as_ref().expect("meta");
        assert_eq!(meta.call_duration, Some(120));
        assert_eq!(meta.call_status, Some(conv::MessageMetaCallStatus::Completed));
    }

    /// Message types and the status of the current reference are known
    /// values, in the filter sent and in the messages decoded.
    #[tokio::test]
    async fn list_messages_knows_the_newer_types_and_the_queued_status() {
        let server = Server::start().await;
        let op = LIST_MESSAGES;
        let mut page = messages_page(&["rcs-1", "tiktok-1"], "tiktok-1", false);
        let messages = page["messages"]["messages"].as_array_mut().expect("messages");
        messages[0]["messageType"] = json!("TYPE_RCS");
        messages[0]["status"] = json!("queued");
        messages[1]["messageType"] = json!("TYPE_TIKTOK_COMMENT");
        op.mock(MESSAGES_PATH)
            .and(query_is(&["type=TYPE_RCS,TYPE_TIKTOK,TYPE_FORM_SUBMISSION"]))
            .respond_with(ResponseTemplate::new(200).set_body_json(page))
            .expect(1)
            .mount(&server)
            .await;
        let resp = conversations_client(&server.uri())
            .list_messages(CONV_ID)
            .r#type(vec![
                conv::ListMessagesTypeItem::TypeRcs,
                conv::ListMessagesTypeItem::TypeTiktok,
                conv::ListMessagesTypeItem::TypeFormSubmission,
            ])
            .await
            .expect("list_messages");
        let got: Vec<_> = resp.messages.messages.iter().map(|m| (m.message_type.clone(), m.status.clone())).collect();
        assert_eq!(
            got,
            [
                (conv::MessageTypeName::TypeRcs, Some(conv::MessageStatus::Queued)),
                (conv::MessageTypeName::TypeTiktokComment, Some(conv::MessageStatus::Connected)),
            ]
        );
    }

    #[tokio::test]
    async fn get_message() {
        let server = Server::start().await;
        let op = GET_MESSAGE;
        op.mock(&msg_path("/conversations/messages/", ""))
            .and(query_is(&[]))
            .respond_with(op.reply(200))
            .expect(1)
            .mount(&server)
            .await;
        let resp = conversations_client(&server.uri()).get_message(MSG_ID).await.expect("get_message");
        assert_eq!(resp.status().as_u16(), 200);
        assert_eq!(resp.trace_id.as_deref(), Some("8f3c2a1e-6b7d-4c1a-9e2f-0a1b2c3d4e5f"));
        let m = &resp.message;
        assert_eq!(m.id, "ve9EPM428h8vShlRW1KT");
        assert_eq!(m.alt_id.as_deref(), Some("msg_123456789"));
        assert_eq!(m.message_type, conv::MessageTypeName::TypeSms);
        assert_eq!(m.status, Some(conv::MessageStatus::Delivered));
        assert_eq!(m.source, Some(conv::MessageSource::Api));
        assert_eq!(m.body.as_deref(), Some("Hi there"));
        assert_eq!(m.content_type.as_deref(), Some("text/plain"));
        assert_eq!(m.date_added, "2024-03-27T18:13:49.000Z");
        assert_eq!(m.chat_widget_id.as_deref(), Some("67b0cc8cf14b19d85ace7s35"));
        let email = m.meta.as_ref().and_then(|m| m.email.as_ref()).expect("meta.email");
        assert_eq!(
            email.message_ids.as_deref(),
            Some(&["ve9EPM428kjkvShlRW1KT".to_string(), "ve9EPs1028kjkvShlRW1KT".to_string()][..])
        );
    }

    /// A call message as get message returns it on the wire (the shape of
    /// the replies quoted in the vendor's issues #214 and #258): wrapped in
    /// `message`, without body or contentType, status `completed`.
    #[tokio::test]
    async fn get_message_decodes_a_call_without_body_or_content_type() {
        let server = Server::start().await;
        let op = GET_MESSAGE;
        let reply = json!({
            "message": {
                "id": "MfL6JLayiNdO84E2V3bc",
                "direction": "outbound",
                "status": "completed",
                "type": 1,
                "locationId": "7lApucujEM8HfQP1IhfS",
                "contactId": "9HKMGUXQqklLCDpAj3z9",
                "conversationId": "LTWfrzzbn51NpdQxoZJG",
                "dateAdded": "2026-02-16T19:52:33.288Z",
                "dateUpdated": "2026-02-16T19:53:17.731Z",
                "userId": "58PwVuNW0aMEyMuuecZY",
                "source": "app",
                "meta": {"call": {"duration": 37, "status": "completed"}},
                "messageType": "TYPE_CALL"
            },
            "traceId": "3306f3ea-57c4-4aa6-99fb-bfa4275a62ed"
        });
        op.mock(&msg_path("/conversations/messages/", ""))
            .and(query_is(&[]))
            .respond_with(ResponseTemplate::new(200).set_body_json(reply))
            .expect(1)
            .mount(&server)
            .await;
        let resp = conversations_client(&server.uri()).get_message(MSG_ID).await.expect("get_message");
        let m = &resp.message;
        assert_eq!(m.message_type, conv::MessageTypeName::TypeCall);
        assert_eq!(m.status, Some(conv::MessageStatus::Completed));
        assert_eq!((m.body.as_deref(), m.content_type.as_deref()), (None, None));
        let meta = m.meta.as_ref().expect("meta");
        assert_eq!(meta.additional_properties.get("call"), Some(&json!({"duration": 37, "status": "completed"})));
    }

    #[tokio::test]
    async fn send_message() {
        let server = Server::start().await;
        let op = SEND_MESSAGE;
        let body: conv::SendMessageRequest = typed_example(op);
        assert_eq!(body.r#type, conv::SendMessageRequestType::Email);
        assert_eq!(body.email_reply_mode, Some(conv::SendMessageRequestEmailReplyMode::ReplyAll));
        assert_eq!(body.scheduled_timestamp, Some(1669287863));
        op.mock("/conversations/messages")
            .and(query_is(&[]))
            .and(body_json(op.request_example()))
            .respond_with(op.reply(200))
            .expect(1)
            .mount(&server)
            .await;
        let resp = conversations_client(&server.uri()).send_message(body).await.expect("send_message");
        assert_eq!(resp.status().as_u16(), 200);
        assert_eq!(resp.conversation_id, "ABC12h2F6uBrIkfXYazb");
        assert_eq!(resp.message_id, "t22c6DQcTDf3MjRhwf77");
        assert_eq!(resp.email_message_id.as_deref(), Some("rnGyqh2F6uBrIkfhFo9A"));
        assert_eq!(resp.msg.as_deref(), Some("Message queued successfully."));
    }

    /// An email forward scheduled by HighLevel's AI: the fields the current
    /// reference added go on the wire, and the reply's forward data decodes.
    #[tokio::test]
    async fn send_message_forwards_an_email_with_ai_scheduling() {
        let server = Server::start().await;
        let op = SEND_MESSAGE;
        let mut body: conv::SendMessageRequest = typed_example(op);
        body.forward = Some(conv::ForwardConfig {
            is_forwarded: true,
            forward_whole_thread: Some(false),
            message_id: Some("t22c6DQcTDf3MjRhwf77".into()),
            email_message_id: Some("rnGyqh2F6uBrIkfhFo9A".into()),
            source_contact_id: None,
            source_conversation_id: None,
            to_email: Some("forward@example.com".into()),
            recipient_contact_id: Some("DEF56h2F6uBrIkfXYacd".into()),
            recipient_conversation_id: None,
        });
        body.custom_subtype_id = Some("507f1f77bcf86cd799439011".into());
        body.uses_native_scheduling_ai = Some(true);
        body.optimization_period = Some(conv::SendMessageRequestOptimizationPeriod::V48h);
        let mut wire = op.request_example();
        wire["forward"] = json!({
            "isForwarded": true,
            "forwardWholeThread": false,
            "messageId": "t22c6DQcTDf3MjRhwf77",
            "emailMessageId": "rnGyqh2F6uBrIkfhFo9A",
            "toEmail": "forward@example.com",
            "recipientContactId": "DEF56h2F6uBrIkfXYacd"
        });
        wire["customSubtypeId"] = json!("507f1f77bcf86cd799439011");
        wire["usesNativeSchedulingAi"] = json!(true);
        wire["optimizationPeriod"] = json!("48h");
        let mut reply = op.response_example(200);
        reply["status"] = json!("pending");
        reply["forwardData"] = json!({
            "forwardWholeThread": false,
            "messageId": "t22c6DQcTDf3MjRhwf77",
            "forwardToEmail": "forward@example.com",
            "recipientContactId": "DEF56h2F6uBrIkfXYacd",
            "recipientConversationId": "GHI78h2F6uBrIkfXYefg"
        });
        op.mock("/conversations/messages")
            .and(query_is(&[]))
            .and(body_json(wire))
            .respond_with(ResponseTemplate::new(200).set_body_json(reply))
            .expect(1)
            .mount(&server)
            .await;
        let resp = conversations_client(&server.uri()).send_message(body).await.expect("send_message");
        assert_eq!(resp.body().status, Some(conv::SendMessageResponseStatus::Pending));
        let forwarded = resp.forward_data.as_ref().expect("forwardData");
        assert_eq!(forwarded.forward_to_email.as_deref(), Some("forward@example.com"));
        assert_eq!(forwarded.recipient_conversation_id.as_deref(), Some("GHI78h2F6uBrIkfXYefg"));
    }

    #[tokio::test]
    async fn add_inbound_message() {
        let server = Server::start().await;
        let op = ADD_INBOUND_MESSAGE;
        let body: conv::AddInboundMessageRequest = typed_example(op);
        assert_eq!(body.r#type, conv::AddInboundMessageRequestType::Sms);
        assert_eq!(body.direction, Some(conv::AddInboundMessageRequestDirection::Inbound));
        assert_eq!(body.date, Some(date("2024-03-27T18:13:49Z")));
        op.mock("/conversations/messages/inbound")
            .and(query_is(&[]))
            .and(body_json(op.request_example()))
            .respond_with(op.reply(200))
            .expect(1)
            .mount(&server)
            .await;
        let resp = conversations_client(&server.uri()).add_inbound_message(body).await.expect("add_inbound_message");
        assert_eq!(resp.status().as_u16(), 200);
        assert!(resp.success);
        assert_eq!(resp.conversation_id, "ABC12h2F6uBrIkfXYazb");
        assert_eq!(resp.message, "Message added successfully");
        assert_eq!(resp.contact_id.as_deref(), Some("ve9EPM428kjkvShlRW1KT"));
        assert_eq!(resp.date_added, Some(date("2024-03-27T18:13:49Z")));
    }

    /// The contact flow: the message names its contact, not a conversation;
    /// the reply names the conversation HighLevel found or created.
    #[tokio::test]
    async fn add_inbound_message_by_contact_sends_the_contact_and_no_conversation() {
        let server = Server::start().await;
        let op = ADD_INBOUND_MESSAGE;
        let wire = json!({
            "type": "WhatsApp",
            "contactId": "ct 1/é",
            "conversationProviderId": "61d6d1f9cdac7612faf80753",
            "message": "Is the shop open on Sunday?",
            "altId": "wamid.HBgL",
            "direction": "inbound",
            "date": "2026-02-09T05:56:00Z"
        });
        let reply = json!({
            "success": true,
            "conversationId": "created-for-ct-1",
            "messageId": "t22c6DQcTDf3MjRhwf77",
            "message": "Message added successfully",
            "contactId": "ct 1/é"
        });
        op.mock("/conversations/messages/inbound")
            .and(query_is(&[]))
            .and(body_json(wire))
            .respond_with(ResponseTemplate::new(200).set_body_json(reply))
            .expect(1)
            .mount(&server)
            .await;
        let body = conv::AddInboundMessageRequest {
            r#type: conv::AddInboundMessageRequestType::WhatsApp,
            attachments: None,
            message: Some("Is the shop open on Sunday?".into()),
            conversation_id: None,
            contact_id: Some("ct 1/é".into()),
            conversation_provider_id: "61d6d1f9cdac7612faf80753".into(),
            html: None,
            subject: None,
            email_from: None,
            email_to: None,
            email_cc: None,
            email_bcc: None,
            email_message_id: None,
            alt_id: Some("wamid.HBgL".into()),
            direction: Some(conv::AddInboundMessageRequestDirection::Inbound),
            date: Some(date("2026-02-09T05:56:00Z")),
            call: None,
        };
        let resp = conversations_client(&server.uri()).add_inbound_message(body).await.expect("add_inbound_message");
        assert!(resp.success);
        assert_eq!(resp.conversation_id, "created-for-ct-1");
        assert_eq!(resp.contact_id.as_deref(), Some("ct 1/é"));
    }

    #[tokio::test]
    async fn add_outbound_call() {
        let server = Server::start().await;
        let op = ADD_OUTBOUND_CALL;
        let body: conv::AddOutboundCallRequest = typed_example(op);
        assert_eq!(body.r#type, conv::AddOutboundCallRequestType::Call);
        assert_eq!(body.call.as_ref().and_then(|c| c.status.clone()), Some(conv::CallDataStatus::Completed));
        op.mock("/conversations/messages/outbound")
            .and(query_is(&[]))
            .and(body_json(op.request_example()))
            .respond_with(op.reply(200))
            .expect(1)
            .mount(&server)
            .await;
        let resp = conversations_client(&server.uri()).add_outbound_call(body).await.expect("add_outbound_call");
        assert_eq!(resp.status().as_u16(), 200);
        assert!(resp.success);
        assert_eq!(resp.message_id, "t22c6DQcTDf3MjRhwf77");
        assert_eq!(resp.contact_id, None);
    }

    #[tokio::test]
    async fn cancel_scheduled_message() {
        let server = Server::start().await;
        let op = CANCEL_SCHEDULED_MESSAGE;
        op.mock(&msg_path("/conversations/messages/", "/schedule"))
            .and(query_is(&[]))
            .respond_with(op.reply(200))
            .expect(1)
            .mount(&server)
            .await;
        let resp = conversations_client(&server.uri())
            .cancel_scheduled_message(MSG_ID)
            .await
            .expect("cancel_scheduled_message");
        // The documented 200 body reports a failed cancellation.
        assert_eq!(resp.status().as_u16(), 200);
        assert_eq!(resp.status, 404);
        assert_eq!(resp.message, "Failed cancel the scheduled message");
    }

    #[tokio::test]
    async fn update_message_status() {
        let server = Server::start().await;
        let op = UPDATE_MESSAGE_STATUS;
        let body: conv::UpdateMessageStatusRequest = typed_example(op);
        assert_eq!(body.status, conv::UpdateMessageStatusRequestStatus::Failed);
        assert_eq!(body.error.as_ref().map(|e| e.r#type.as_str()), Some("saas"));
        op.mock(&msg_path("/conversations/messages/", "/status"))
            .and(query_is(&[]))
            .and(body_json(op.request_example()))
            .respond_with(op.reply(200))
            .expect(1)
            .mount(&server)
            .await;
        let resp = conversations_client(&server.uri())
            .update_message_status(MSG_ID, body)
            .await
            .expect("update_message_status");
        assert_eq!(resp.status().as_u16(), 200);
        assert_eq!(resp.conversation_id, "ABC12h2F6uBrIkfXYazb");
        assert_eq!(resp.message_id, "t22c6DQcTDf3MjRhwf77");
        assert_eq!(resp.email_message_id, None);
    }

    #[tokio::test]
    async fn get_email_message() {
        let server = Server::start().await;
        let op = GET_EMAIL_MESSAGE;
        op.mock(&msg_path("/conversations/messages/email/", ""))
            .and(query_is(&[]))
            .respond_with(op.reply(200))
            .expect(1)
            .mount(&server)
            .await;
        let resp = conversations_client(&server.uri()).get_email_message(MSG_ID).await.expect("get_email_message");
        assert_eq!(resp.status().as_u16(), 200);
        assert_eq!(resp.id, "ve9EPM428h8vShlRW1KT");
        assert_eq!(resp.subject.as_deref(), Some("Order confirm"));
        assert_eq!(resp.direction, conv::EmailMessageDirection::Inbound);
        assert_eq!(resp.status, Some(conv::EmailMessageStatus::Sent));
        assert_eq!(resp.source, Some(conv::EmailMessageSource::Api));
        assert_eq!(resp.from, "Sender Name <sender@example.com>");
        assert_eq!(resp.to, ["recipient@example.com"]);
        assert_eq!(resp.cc.as_deref(), Some(&["cc@example.com".to_string()][..]));
        assert_eq!(resp.provider.as_deref(), Some("Leadconnector Gmail"));
        assert_eq!(resp.conversation_provider_id.as_deref(), Some("cI08i1Bls3iTB9bKgF01"));
    }

    #[tokio::test]
    async fn cancel_scheduled_email_message() {
        let server = Server::start().await;
        let op = CANCEL_SCHEDULED_EMAIL_MESSAGE;
        op.mock(&msg_path("/conversations/messages/email/", "/schedule"))
            .and(query_is(&[]))
            .respond_with(op.reply(200))
            .expect(1)
            .mount(&server)
            .await;
        let resp = conversations_client(&server.uri())
            .cancel_scheduled_email_message(MSG_ID)
            .await
            .expect("cancel_scheduled_email_message");
        assert_eq!(resp.status().as_u16(), 200);
        assert_eq!(resp.status, 404);
        assert_eq!(resp.message, "Failed cancel the scheduled message");
    }

    #[tokio::test]
    async fn get_message_transcription() {
        let server = Server::start().await;
        let op = GET_MESSAGE_TRANSCRIPTION;
        op.mock(&msg_path("/conversations/locations/loc%201/messages/", "/transcription"))
            .and(query_is(&[]))
            .respond_with(op.reply(200))
            .expect(1)
            .mount(&server)
            .await;
        let resp = conversations_client(&server.uri())
            .get_message_transcription("loc 1", MSG_ID)
            .await
            .expect("get_message_transcription");
        assert_eq!(resp.status().as_u16(), 200);
        let text = |t: &str| conv::TranscriptionNumber::String(t.into());
        assert_eq!((&resp.media_channel, &resp.sentence_index), (&text("1"), &text("1")));
        assert_eq!((&resp.start_time, &resp.end_time), (&text("34"), &text("45")));
        assert_eq!(resp.confidence, text("0.5"));
        assert_eq!(resp.transcript, "This call may be recorded for quality assurance purposes.");
    }

    /// The published schema types the numbers as numbers: that form decodes too.
    #[tokio::test]
    async fn get_message_transcription_decodes_numbers_as_numbers() {
        let server = Server::start().await;
        let op = GET_MESSAGE_TRANSCRIPTION;
        let body = json!({
            "mediaChannel": 2, "sentenceIndex": 7, "startTime": 34120, "endTime": 36985.5,
            "transcript": "Thanks for calling.", "confidence": 0.91
        });
        op.mock(&msg_path("/conversations/locations/loc%201/messages/", "/transcription"))
            .and(query_is(&[]))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .expect(1)
            .mount(&server)
            .await;
        let resp = conversations_client(&server.uri())
            .get_message_transcription("loc 1", MSG_ID)
            .await
            .expect("get_message_transcription");
        let number = conv::TranscriptionNumber::Number;
        assert_eq!((&resp.media_channel, &resp.sentence_index), (&number(2.0), &number(7.0)));
        assert_eq!((&resp.start_time, &resp.end_time), (&number(34120.0), &number(36985.5)));
        assert_eq!(resp.confidence, number(0.91));
    }

    #[tokio::test]
    async fn send_live_chat_typing_indicator() {
        let server = Server::start().await;
        let op = SEND_LIVE_CHAT_TYPING_INDICATOR;
        op.mock("/conversations/providers/live-chat/typing")
            .and(query_is(&[]))
            .and(body_json(op.request_example()))
            .respond_with(op.reply(201))
            .expect(1)
            .mount(&server)
            .await;
        let resp = conversations_client(&server.uri())
            .send_live_chat_typing_indicator(typing_body())
            .await
            .expect("typing indicator");
        assert_eq!(resp.status().as_u16(), 201);
        assert!(resp.success);
    }

    // --- pagination: cursor `lastMessageId` in the query

    #[tokio::test]
    async fn list_messages_stream_follows_the_cursor_until_next_page_is_false() {
        let server = Server::start().await;
        let op = LIST_MESSAGES;
        let pages = [
            (None, messages_page(&["m1", "m2"], "cursor/2+", true)),
            (Some("lastMessageId=cursor%2F2%2B"), messages_page(&["m3", "m4"], "cursor 4", true)),
            // A full page: only `nextPage: false` can end the stream here.
            (Some("lastMessageId=cursor%204"), messages_page(&["m5", "m6"], "cursor6", false)),
        ];
        for (cursor, body) in pages {
            let mut query = vec!["limit=2", "type=TYPE_SMS,TYPE_CALL"];
            query.extend(cursor);
            op.mock(MESSAGES_PATH)
                .and(query_is(&query))
                .respond_with(ResponseTemplate::new(200).set_body_json(body))
                .expect(1)
                .named(format!("messages after {cursor:?}"))
                .mount(&server)
                .await;
        }
        op.mock(MESSAGES_PATH)
            .and(query_param("lastMessageId", "cursor6"))
            .respond_with(ResponseTemplate::new(200).set_body_json(messages_page(&["never"], "x", false)))
            .expect(0)
            .named("messages after the last page")
            .mount(&server)
            .await;
        let messages: Vec<conv::Message> = conversations_client(&server.uri())
            .list_messages(CONV_ID)
            .limit(2)
            .r#type(vec![conv::ListMessagesTypeItem::TypeSms, conv::ListMessagesTypeItem::TypeCall])
            .stream()
            .try_collect()
            .await
            .expect("stream");
        let ids: Vec<&str> = messages.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["m1", "m2", "m3", "m4", "m5", "m6"]);
        assert!(messages.iter().all(|m| m.message_type == conv::MessageTypeName::TypeCall));
        server.verify().await;
    }

    #[tokio::test]
    async fn list_messages_stream_yields_a_typed_error_mid_way_and_ends() {
        let server = Server::start().await;
        let op = LIST_MESSAGES;
        op.mock(MESSAGES_PATH)
            .and(query_is(&[]))
            .respond_with(ResponseTemplate::new(200).set_body_json(messages_page(&["m1", "m2"], "c2", true)))
            .expect(1)
            .mount(&server)
            .await;
        op.mock(MESSAGES_PATH)
            .and(query_is(&["lastMessageId=c2"]))
            .respond_with(op.reply(401))
            .expect(1)
            .mount(&server)
            .await;
        let items: Vec<_> = conversations_client(&server.uri()).list_messages(CONV_ID).stream().collect().await;
        assert_eq!(items.len(), 3, "{items:?}");
        assert_eq!(items[0].as_ref().expect("m1").id, "m1");
        assert_eq!(items[1].as_ref().expect("m2").id, "m2");
        match &items[2] {
            Err(Error::Api(e)) => assert_eq!(e.body, conv::ListMessagesError::Unauthorized(unauthorized())),
            other => panic!("expected Error::Api, got {other:?}"),
        }
        server.verify().await;
    }

    #[tokio::test]
    async fn list_messages_stream_reports_a_page_item_that_does_not_decode_and_goes_on() {
        let server = Server::start().await;
        let mut page = messages_page(&["m1", "m2"], "c2", true);
        page["messages"]["messages"][1]["type"] = json!("one");
        let broken = page["messages"]["messages"][1].clone();
        LIST_MESSAGES
            .mock(MESSAGES_PATH)
            .and(query_is(&[]))
            .respond_with(ResponseTemplate::new(200).set_body_json(page))
            .expect(1)
            .mount(&server)
            .await;
        LIST_MESSAGES
            .mock(MESSAGES_PATH)
            .and(query_is(&["lastMessageId=c2"]))
            .respond_with(ResponseTemplate::new(200).set_body_json(messages_page(&["m3"], "c3", false)))
            .expect(1)
            .mount(&server)
            .await;
        // The items around the one that does not decode are yielded.
        let items: Vec<_> = conversations_client(&server.uri()).list_messages(CONV_ID).stream().collect().await;
        assert_eq!(items.len(), 3, "{items:?}");
        assert_eq!(items[0].as_ref().expect("m1").id, "m1");
        match &items[1] {
            Err(Error::Item(e)) => {
                assert_eq!(e.status.as_u16(), 200);
                assert_eq!((e.page, e.index, e.pointer.as_str()), (0, 1, "/messages/messages/1"));
                assert!(!e.message.is_empty());
                assert_eq!(e.raw, broken);
            }
            other => panic!("expected Error::Item, got {other:?}"),
        }
        assert_eq!(items[2].as_ref().expect("m3").id, "m3");
        server.verify().await;
    }

    // --- declared errors: every status each operation declares

    #[tokio::test]
    async fn search_conversations_declared_errors() {
        use conv::SearchConversationsError as E;
        let send = |uri: String| async move { conversations_client(&uri).search_conversations("loc").await };
        let expected = vec![(400, E::BadRequest(bad_request())), (401, E::Unauthorized(unauthorized()))];
        check_declared_errors(SEARCH_CONVERSATIONS, "/conversations/search", send, expected).await;
    }

    #[tokio::test]
    async fn create_conversation_declared_errors() {
        use conv::CreateConversationError as E;
        let send = |uri: String| async move {
            conversations_client(&uri).create_conversation(create_conversation_body()).await
        };
        let expected = vec![(400, E::BadRequest(bad_request())), (401, E::Unauthorized(unauthorized()))];
        check_declared_errors(CREATE_CONVERSATION, "/conversations/", send, expected).await;
    }

    #[tokio::test]
    async fn get_conversation_declared_errors() {
        use conv::GetConversationError as E;
        let send = |uri: String| async move { conversations_client(&uri).get_conversation(CONV_ID).await };
        let expected = vec![(400, E::BadRequest(bad_request())), (401, E::Unauthorized(unauthorized()))];
        check_declared_errors(GET_CONVERSATION, CONV_PATH, send, expected).await;
    }

    #[tokio::test]
    async fn update_conversation_declared_errors() {
        use conv::UpdateConversationError as E;
        let send = |uri: String| async move {
            conversations_client(&uri).update_conversation(CONV_ID, update_conversation_body()).await
        };
        let expected = vec![(400, E::BadRequest(bad_request())), (401, E::Unauthorized(unauthorized()))];
        check_declared_errors(UPDATE_CONVERSATION, CONV_PATH, send, expected).await;
    }

    #[tokio::test]
    async fn delete_conversation_declared_errors() {
        use conv::DeleteConversationError as E;
        let send = |uri: String| async move { conversations_client(&uri).delete_conversation(CONV_ID).await };
        let expected = vec![(400, E::BadRequest(bad_request())), (401, E::Unauthorized(unauthorized()))];
        check_declared_errors(DELETE_CONVERSATION, CONV_PATH, send, expected).await;
    }

    #[tokio::test]
    async fn list_messages_declared_errors() {
        use conv::ListMessagesError as E;
        let send = |uri: String| async move { conversations_client(&uri).list_messages(CONV_ID).await };
        let expected = vec![(400, E::BadRequest(bad_request())), (401, E::Unauthorized(unauthorized()))];
        check_declared_errors(LIST_MESSAGES, MESSAGES_PATH, send, expected).await;
    }

    #[tokio::test]
    async fn get_message_declared_errors() {
        use conv::GetMessageError as E;
        let send = |uri: String| async move { conversations_client(&uri).get_message(MSG_ID).await };
        let expected = vec![(400, E::BadRequest(bad_request())), (401, E::Unauthorized(unauthorized()))];
        check_declared_errors(GET_MESSAGE, &msg_path("/conversations/messages/", ""), send, expected).await;
    }

    #[tokio::test]
    async fn send_message_declared_errors() {
        use conv::SendMessageError as E;
        let send =
            |uri: String| async move { conversations_client(&uri).send_message(typed_example(SEND_MESSAGE)).await };
        let expected = vec![(400, E::BadRequest(bad_request())), (401, E::Unauthorized(unauthorized()))];
        check_declared_errors(SEND_MESSAGE, "/conversations/messages", send, expected).await;
    }

    #[tokio::test]
    async fn add_inbound_message_declared_errors() {
        use conv::AddInboundMessageError as E;
        let send = |uri: String| async move {
            conversations_client(&uri).add_inbound_message(typed_example(ADD_INBOUND_MESSAGE)).await
        };
        let expected = vec![(400, E::BadRequest(bad_request())), (401, E::Unauthorized(unauthorized()))];
        check_declared_errors(ADD_INBOUND_MESSAGE, "/conversations/messages/inbound", send, expected).await;
    }

    #[tokio::test]
    async fn add_outbound_call_declared_errors() {
        use conv::AddOutboundCallError as E;
        let send = |uri: String| async move {
            conversations_client(&uri).add_outbound_call(typed_example(ADD_OUTBOUND_CALL)).await
        };
        let expected = vec![(400, E::BadRequest(bad_request())), (401, E::Unauthorized(unauthorized()))];
        check_declared_errors(ADD_OUTBOUND_CALL, "/conversations/messages/outbound", send, expected).await;
    }

    #[tokio::test]
    async fn cancel_scheduled_message_declared_errors() {
        use conv::CancelScheduledMessageError as E;
        let send = |uri: String| async move { conversations_client(&uri).cancel_scheduled_message(MSG_ID).await };
        let expected = vec![(400, E::BadRequest(bad_request())), (401, E::Unauthorized(unauthorized()))];
        check_declared_errors(
            CANCEL_SCHEDULED_MESSAGE,
            &msg_path("/conversations/messages/", "/schedule"),
            send,
            expected,
        )
        .await;
    }

    #[tokio::test]
    async fn update_message_status_declared_errors() {
        use conv::UpdateMessageStatusError as E;
        let send = |uri: String| async move {
            conversations_client(&uri).update_message_status(MSG_ID, typed_example(UPDATE_MESSAGE_STATUS)).await
        };
        let expected = vec![
            (400, E::BadRequest(bad_request())),
            (401, E::Unauthorized(unauthorized())),
            (403, E::Forbidden(forbidden())),
        ];
        check_declared_errors(UPDATE_MESSAGE_STATUS, &msg_path("/conversations/messages/", "/status"), send, expected)
            .await;
    }

    #[tokio::test]
    async fn get_message_transcription_declared_errors() {
        use conv::GetMessageTranscriptionError as E;
        let send =
            |uri: String| async move { conversations_client(&uri).get_message_transcription("loc 1", MSG_ID).await };
        let expected = vec![(400, E::BadRequest(bad_request())), (401, E::Unauthorized(unauthorized()))];
        let wire = msg_path("/conversations/locations/loc%201/messages/", "/transcription");
        check_declared_errors(GET_MESSAGE_TRANSCRIPTION, &wire, send, expected).await;
    }

    #[tokio::test]
    async fn send_live_chat_typing_indicator_declared_errors() {
        use conv::SendLiveChatTypingIndicatorError as E;
        let send = |uri: String| async move {
            conversations_client(&uri).send_live_chat_typing_indicator(typing_body()).await
        };
        let expected = vec![
            (400, E::BadRequest(bad_request())),
            (401, E::Unauthorized(unauthorized())),
            (422, E::UnprocessableEntity(unprocessable())),
        ];
        check_declared_errors(
            SEND_LIVE_CHAT_TYPING_INDICATOR,
            "/conversations/providers/live-chat/typing",
            send,
            expected,
        )
        .await;
    }

    // --- undeclared statuses and bodies that do not decode

    /// The two email operations declare no error response at all: any error
    /// status, even one other operations declare, is `UnexpectedStatus`.
    #[tokio::test]
    async fn operations_without_declared_errors_give_unexpected_status() {
        assert_eq!(GET_EMAIL_MESSAGE.declared_error_statuses(), Vec::<u16>::new());
        assert_eq!(CANCEL_SCHEDULED_EMAIL_MESSAGE.declared_error_statuses(), Vec::<u16>::new());
        let server = Server::start().await;
        let error_body = json!({"statusCode": 400, "message": "Bad Request"});
        GET_EMAIL_MESSAGE
            .mock(&msg_path("/conversations/messages/email/", ""))
            .respond_with(ResponseTemplate::new(400).set_body_json(&error_body))
            .expect(1)
            .mount(&server)
            .await;
        CANCEL_SCHEDULED_EMAIL_MESSAGE
            .mock(&msg_path("/conversations/messages/email/", "/schedule"))
            .respond_with(ResponseTemplate::new(404).set_body_string("no such email"))
            .expect(1)
            .mount(&server)
            .await;
        let client = conversations_client(&server.uri());
        match client.get_email_message(MSG_ID).await {
            Err(Error::UnexpectedStatus(e)) => {
                assert_eq!(e.status.as_u16(), 400);
                assert_eq!(serde_json::from_str::<Value>(&e.body).expect("JSON body"), error_body);
            }
            other => panic!("expected Error::UnexpectedStatus, got {other:?}"),
        }
        match client.cancel_scheduled_email_message(MSG_ID).await {
            Err(Error::UnexpectedStatus(e)) => {
                assert_eq!(e.status.as_u16(), 404);
                assert_eq!(e.body, "no such email");
            }
            other => panic!("expected Error::UnexpectedStatus, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn undeclared_status_is_unexpected_status() {
        let server = Server::start().await;
        GET_CONVERSATION
            .mock(CONV_PATH)
            .respond_with(ResponseTemplate::new(418).set_body_string("short and stout"))
            .expect(1)
            .mount(&server)
            .await;
        let err = conversations_client(&server.uri()).get_conversation(CONV_ID).await.expect_err("418 is not declared");
        assert_eq!(err.body_text(), Some("short and stout"));
        match err {
            Error::UnexpectedStatus(e) => assert_eq!(e.status.as_u16(), 418),
            other => panic!("expected Error::UnexpectedStatus, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn malformed_success_body_is_a_decode_error_with_its_path() {
        let server = Server::start().await;
        let mut body = LIST_MESSAGES.response_example(200);
        body["messages"]["messages"][0]["meta"]["callDuration"] = json!("two minutes");
        LIST_MESSAGES
            .mock(MESSAGES_PATH)
            .respond_with(ResponseTemplate::new(200).set_body_json(&body))
            .expect(1)
            .mount(&server)
            .await;
        match conversations_client(&server.uri()).list_messages(CONV_ID).await {
            Err(Error::Decode(e)) => {
                assert_eq!(e.status.as_u16(), 200);
                assert_eq!(e.path, "messages.messages[0].meta.callDuration");
                assert!(e.body.contains("two minutes"));
            }
            other => panic!("expected Error::Decode, got {other:?}"),
        }
    }
}
