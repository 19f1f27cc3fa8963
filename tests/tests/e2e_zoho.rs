//! End-to-end tests of `crm_clients::zoho_crm::records` (specs/zoho-crm/records.yaml)
//! against a wiremock server: every operation on the wire (method, exact
//! path, exact query string with comma-separated list parameters, headers,
//! the `Authorization: Zoho-oauthtoken` credential, the JSON body or none),
//! every response example of the spec decoded into concrete values
//! (per-record results of 201/202/207 bulk writes included), every declared
//! error status into its typed variant (compared with literal values),
//! undeclared statuses, malformed bodies, 204 No Content, page-number
//! pagination driven by `info.more_records`, and the data-centre server
//! variable. That every operation of the spec is called is checked from the
//! requests the mock servers received (`tests::support`).

use crm_clients::runtime::{Error, RetryPolicy};
use crm_clients::zoho_crm::records::*;
use futures_util::{StreamExt, TryStreamExt};
use serde_json::{Map, Value, json};
use tests::support::{Api, Op, Server, assert_every_operation_is_called, check_declared_errors, query_is};
use wiremock::ResponseTemplate;
use wiremock::matchers::header;

/// The operations added with the complete v7 records API: in this binary, so that
/// the wire-coverage check below sees them.
#[path = "e2e_zoho/added_operations.rs"]
mod added_operations;
#[path = "e2e_zoho/files.rs"]
mod files;

/// Streaming past Zoho's 2,000-record page window with `page_token`.
#[path = "e2e_zoho/page_token.rs"]
mod page_token;

const TOKEN: &str = "1000.zoho-test-token.4e1f";
const AUTH: &str = "Zoho-oauthtoken 1000.zoho-test-token.4e1f";
const MODULE: &str = "Leads";

// ---------------------------------------------------------------- the spec and its operations

static ZOHO: Api = Api::new("zoho-crm/records.yaml", &[("authorization", AUTH)]);

// Spec path templates.
const P_MODULE: &str = "/{module_api_name}";
const P_UPSERT: &str = "/{module_api_name}/upsert";
const P_SEARCH: &str = "/{module_api_name}/search";
const P_RECORD: &str = "/{module_api_name}/{record_id}";

const LIST_RECORDS: Op = Op::new(&ZOHO, "list_records", "GET", P_MODULE);
const CREATE_RECORDS: Op = Op::new(&ZOHO, "create_records", "POST", P_MODULE);
const UPDATE_RECORDS: Op = Op::new(&ZOHO, "update_records", "PUT", P_MODULE);
const DELETE_RECORDS: Op = Op::new(&ZOHO, "delete_records", "DELETE", P_MODULE);
const UPSERT_RECORDS: Op = Op::new(&ZOHO, "upsert_records", "POST", P_UPSERT);
const SEARCH_RECORDS: Op = Op::new(&ZOHO, "search_records", "GET", P_SEARCH);
const GET_RECORD: Op = Op::new(&ZOHO, "get_record", "GET", P_RECORD);
const UPDATE_RECORD: Op = Op::new(&ZOHO, "update_record", "PUT", P_RECORD);
const DELETE_RECORD: Op = Op::new(&ZOHO, "delete_record", "DELETE", P_RECORD);

// The same paths on the wire for MODULE and RECORD_ID.
const RECORD_ID: &str = "4150868000000002175";
const W_MODULE: &str = "/Leads";
const W_UPSERT: &str = "/Leads/upsert";
const W_SEARCH: &str = "/Leads/search";
const W_RECORD: &str = "/Leads/4150868000000002175";

const FIELDS_QUERY: &str = "fields=Last_Name,Email";

#[test]
fn every_operation_of_the_spec_is_called_on_the_wire() {
    let coverage = assert_every_operation_is_called(&[&ZOHO]);
    assert_eq!(coverage["zoho-crm/records.yaml"].len(), 25);
}

// ---------------------------------------------------------------- spec examples

fn insert_body() -> RecordsInsertRequest {
    CREATE_RECORDS.typed_request_example()
}

fn bulk_update_body() -> RecordsUpdateRequest {
    UPDATE_RECORDS.typed_request_example()
}

fn upsert_body() -> RecordsUpsertRequest {
    UPSERT_RECORDS.typed_request_example()
}

fn update_body() -> RecordUpdateRequest {
    UPDATE_RECORD.typed_request_example()
}

fn fields() -> Vec<String> {
    vec!["Last_Name".into(), "Email".into()]
}

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|s| s.to_string()).collect()
}

fn ts(text: &str) -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339(text).unwrap()
}

fn nth_id(n: u32) -> String {
    format!("41508680000{n:08}")
}

/// The list example's record, with its own ID.
fn nth_record(n: u32) -> Value {
    let mut record = LIST_RECORDS.response_example(200)["data"][0].clone();
    record["id"] = json!(nth_id(n));
    record
}

/// A page of records with its `info`.
fn page(number: u32, ids: &[u32], per_page: u32, more: bool) -> Value {
    let data: Vec<Value> = ids.iter().copied().map(nth_record).collect();
    json!({
        "data": data,
        "info": { "per_page": per_page, "count": ids.len(), "page": number, "more_records": more }
    })
}

// ---------------------------------------------------------------- client and server

fn client_for(base_url: &str) -> Client {
    Client::builder().access_token(TOKEN).base_url(base_url).retry(RetryPolicy::none()).build().unwrap()
}

fn client(server: &Server) -> Client {
    client_for(&server.uri())
}

fn reply(status: u16, body: Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(body)
}

// ---------------------------------------------------------------- the error bodies of the spec's examples

fn api_error(code: ErrorCode, message: &str, details: ErrorDetails) -> ApiError {
    ApiError { code, details, message: message.into(), status: ApiErrorStatus::Error }
}

fn json_map(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not a JSON object: {other}"),
    }
}

fn scope_mismatch() -> ApiError {
    api_error(ErrorCode::OauthScopeMismatch, "Unauthorized", ErrorDetails::default())
}

fn no_permission(message: &str) -> ApiError {
    let details = ErrorDetails { permissions: Some(strings(&["Crm_Implied_View_Leads"])), ..Default::default() };
    api_error(ErrorCode::NoPermission, message, details)
}

fn invalid_url() -> ApiError {
    let message = "Please check if the URL trying to access is a correct one";
    api_error(ErrorCode::InvalidUrlPattern, message, ErrorDetails::default())
}

fn too_many_requests() -> ApiError {
    let message = "you have reached the maximum number of concurrent requests";
    api_error(ErrorCode::TooManyRequests, message, ErrorDetails::default())
}

fn internal_error() -> ApiError {
    api_error(ErrorCode::InternalError, "Internal Server Error", ErrorDetails::default())
}

/// A bulk response of one per-record error.
fn bulk_error(error: ApiError) -> BulkActionResponse {
    BulkActionResponse { data: vec![RecordActionResult::ApiError(error)] }
}

/// The 412 of both updates: the record changed after `If-Unmodified-Since`.
fn already_modified() -> BulkActionResponse {
    let details = ErrorDetails {
        id: Some("492070000199308229".into()),
        additional_properties: json_map(json!({
            "Modified_Time": "2023-06-04T12:00:24+05:30",
            "Created_Time": "2023-04-17T16:23:25+05:30",
            "Modified_By": { "name": "Senthilkumar", "id": "492070000000209017" },
            "Created_By": { "name": "Senthilkumar", "id": "492070000000209017" }
        })),
        ..Default::default()
    };
    let message = "record updated time has already passed if-unmodified-since time";
    bulk_error(api_error(ErrorCode::AlreadyModified, message, details))
}

/// The error statuses every operation declares, with the bodies of the
/// spec's examples (shared by most operations; `$unauthorized` and
/// `$forbidden` differ).
macro_rules! common_errors {
    ($E:ident, $unauthorized:expr, $forbidden:expr) => {
        vec![
            (401, $E::Unauthorized($unauthorized)),
            (403, $E::Forbidden($forbidden)),
            (404, $E::NotFound(invalid_url())),
            (429, $E::TooManyRequests(too_many_requests())),
            (500, $E::InternalServerError(internal_error())),
        ]
    };
}

// ---------------------------------------------------------------- decoding helpers

fn success(result: &RecordActionResult) -> &RecordActionSuccess {
    match result {
        RecordActionResult::RecordActionSuccess(s) => s,
        other => panic!("expected a success item, got {other:?}"),
    }
}

fn failure(result: &RecordActionResult) -> &ApiError {
    match result {
        RecordActionResult::ApiError(e) => e,
        other => panic!("expected an error item, got {other:?}"),
    }
}

fn list_ok(body: &ListRecordsSuccess) -> &RecordListResponse {
    match body {
        ListRecordsSuccess::Ok(list) => list,
        other => panic!("expected 200 Ok, got {other:?}"),
    }
}

fn assert_patricia_added(item: &RecordActionResult, id: &str) {
    let ok = success(item);
    assert_eq!(ok.code, RecordActionSuccessCode::Success);
    assert_eq!(ok.status, RecordActionSuccessStatus::Success);
    assert_eq!(ok.details.id, id);
    assert_eq!(ok.details.created_time, Some(ts("2023-05-10T01:10:47-07:00")));
    assert_eq!(ok.details.modified_time, Some(ts("2023-05-10T01:10:47-07:00")));
    let creator = ok.details.created_by.as_ref().unwrap();
    assert_eq!(
        (creator.id.as_deref(), creator.name.clone()),
        (Some("5725767000000411001"), Some(Some("Patricia Boyle".into())))
    );
    assert_eq!(ok.details.modified_by.as_ref().unwrap().id.as_deref(), Some("5725767000000411001"));
}

// ---------------------------------------------------------------- data centre

#[test]
fn dc_server_variable_selects_the_data_centre() {
    let base_url = |builder: crm_clients::zoho_crm::records::ClientBuilder| {
        builder.access_token(TOKEN).build().unwrap().runtime().base_url().to_string()
    };

    assert_eq!(base_url(Client::builder()), "https://www.zohoapis.com/crm/v7");
    assert_eq!(base_url(Client::builder().dc(Dc::Eu)), "https://www.zohoapis.eu/crm/v7");
    for (dc, host) in [
        (Dc::Com, "www.zohoapis.com"),
        (Dc::Eu, "www.zohoapis.eu"),
        (Dc::In, "www.zohoapis.in"),
        (Dc::ComAu, "www.zohoapis.com.au"),
        (Dc::Jp, "www.zohoapis.jp"),
        (Dc::Uk, "www.zohoapis.uk"),
        (Dc::Ca, "www.zohoapis.ca"),
        (Dc::ComCn, "www.zohoapis.com.cn"),
        (Dc::Sa, "www.zohoapis.sa"),
    ] {
        assert_eq!(base_url(Client::builder().dc(dc.clone())), format!("https://{host}/crm/v7"), "{dc}");
    }
    // The last choice wins, and an explicit base URL overrides the template.
    assert_eq!(base_url(Client::builder().dc(Dc::Jp).dc(Dc::Eu)), "https://www.zohoapis.eu/crm/v7");
    assert_eq!(base_url(Client::builder().dc(Dc::Eu).base_url("http://proxy.local/zoho/")), "http://proxy.local/zoho");
    assert_eq!(Dc::from("com.au"), Dc::ComAu);
}

// ---------------------------------------------------------------- list_records

#[tokio::test]
async fn list_records_sends_comma_separated_lists_and_decodes_the_example() {
    let server = Server::start().await;
    LIST_RECORDS
        .mock(W_MODULE)
        .and(query_is(&[
            "fields=Last_Name,Email",
            "ids=4150868000000002175,4150868000000225013,4150868000000319005",
            "sort_order=asc&sort_by=Modified_Time&converted=both&approved=true&page=1&per_page=5",
            "territory_id=4150868000000319005&include_child=true",
        ]))
        .and(header("if-modified-since", "2019-07-25T15:26:49+05:30"))
        .respond_with(reply(200, LIST_RECORDS.response_example(200)))
        .expect(1)
        .mount(&server)
        .await;

    let resp = client(&server)
        .list_records(MODULE, fields())
        .ids(strings(&["4150868000000002175", "4150868000000225013", "4150868000000319005"]))
        .sort_order(ListRecordsSortOrder::Asc)
        .sort_by(ListRecordsSortBy::ModifiedTime)
        .converted(ListRecordsConverted::Both)
        .approved(ListRecordsApproved::True)
        .page(1)
        .per_page(5)
        .territory_id("4150868000000319005")
        .include_child(true)
        .if_modified_since(ts("2019-07-25T15:26:49+05:30"))
        .await
        .unwrap();

    assert_eq!(resp.status(), 200);
    let list = list_ok(resp.body());
    assert_eq!(list.data.len(), 1);
    let lead = &list.data[0];
    assert_eq!(lead.id.as_deref(), Some("4150868000000002175"));
    let owner = lead.owner.as_ref().unwrap();
    assert_eq!(owner.id.as_deref(), Some("4150868000000225013"));
    assert_eq!(owner.name, Some(Some("Patricia Boyle".into())));
    assert_eq!(owner.email, Some(Some("patricia.boyle@example.com".into())));
    assert_eq!(lead.created_time, Some(ts("2023-10-15T10:30:00+00:00")));
    assert_eq!(lead.modified_time, Some(ts("2023-10-15T14:20:00+00:00")));
    assert_eq!(lead.additional_properties["Company"], "Zylker Corp");
    assert_eq!(lead.additional_properties["Last_Name"], "Doe");
    assert_eq!(lead.additional_properties["Phone"], "+1-555-123-4567");
    let info = &list.info;
    assert_eq!((info.per_page, info.count, info.page, info.more_records), (5, 5, 1, true));
    assert_eq!(info.sort_by.as_deref(), Some("id"));
    assert_eq!(info.sort_order, Some(PageInfoSortOrder::Desc));
    assert_eq!(info.next_page_token, Some(Some("c8582xx9e7c7".into())));
    assert_eq!(info.previous_page_token, Some(None));
    assert_eq!(info.page_token_expiry, Some(Some(ts("2022-11-11T15:08:14+05:30"))));
    assert_eq!((info.call, info.email), (Some(false), Some(false)));
}

#[tokio::test]
async fn list_values_are_encoded_one_by_one_and_joined_with_literal_commas() {
    let server = Server::start().await;
    LIST_RECORDS
        .mock(W_MODULE)
        .and(query_is(&["fields=Last%20Name,A%2CB,%C3%9Cber&ids=1,2,3"]))
        .respond_with(reply(200, LIST_RECORDS.response_example(200)))
        .expect(1)
        .mount(&server)
        .await;

    client(&server)
        .list_records(MODULE, strings(&["Last Name", "A,B", "Über"]))
        .ids(strings(&["1", "2", "3"]))
        .await
        .unwrap();
}

#[tokio::test]
async fn list_records_204_decodes_into_no_content() {
    let server = Server::start().await;
    LIST_RECORDS
        .mock(W_MODULE)
        .and(query_is(&["fields=Last_Name,Email&page_token=c8582xx9e7c7&cvid=4150868000000087501"]))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;

    let resp = client(&server)
        .list_records(MODULE, fields())
        .page_token("c8582xx9e7c7")
        .cvid("4150868000000087501")
        .await
        .unwrap();

    assert_eq!(resp.status(), 204);
    assert_eq!(resp.body(), &ListRecordsSuccess::NoContent);
}

#[tokio::test]
async fn list_records_stream_pages_until_more_records_is_false() {
    let server = Server::start().await;
    // The third page is full, yet `more_records: false` ends the stream.
    for (number, ids, more) in [(1, [1, 2], true), (2, [3, 4], true), (3, [5, 6], false)] {
        let query = match number {
            1 => format!("{FIELDS_QUERY}&ids=7,8&per_page=2"),
            n => format!("{FIELDS_QUERY}&ids=7,8&per_page=2&page={n}"),
        };
        LIST_RECORDS
            .mock(W_MODULE)
            .and(query_is(&[&query]))
            .respond_with(reply(200, page(number, &ids, 2, more)))
            .expect(1)
            .mount(&server)
            .await;
    }

    let records: Vec<Record> = client(&server)
        .list_records(MODULE, fields())
        .ids(strings(&["7", "8"]))
        .per_page(2)
        .stream()
        .try_collect()
        .await
        .unwrap();

    let ids: Vec<&str> = records.iter().map(|r| r.id.as_deref().unwrap()).collect();
    assert_eq!(ids, (1..=6).map(nth_id).collect::<Vec<_>>());
    assert!(records.iter().all(|r| r.additional_properties["Company"] == "Zylker Corp"));
    assert_eq!(server.requests().await.len(), 3);
}

#[tokio::test]
async fn list_records_stream_continues_from_the_given_page() {
    let server = Server::start().await;
    for (number, ids, more) in [(4, vec![1], true), (5, vec![2], false)] {
        LIST_RECORDS
            .mock(W_MODULE)
            .and(query_is(&[FIELDS_QUERY, &format!("page={number}&per_page=1")]))
            .respond_with(reply(200, page(number, &ids, 1, more)))
            .expect(1)
            .mount(&server)
            .await;
    }

    let records: Vec<Record> =
        client(&server).list_records(MODULE, fields()).page(4).per_page(1).stream().try_collect().await.unwrap();

    let ids: Vec<&str> = records.iter().map(|r| r.id.as_deref().unwrap()).collect();
    assert_eq!(ids, [nth_id(1), nth_id(2)]);
}

#[tokio::test]
async fn list_records_stream_of_a_204_is_empty() {
    let server = Server::start().await;
    LIST_RECORDS.mock(W_MODULE).respond_with(ResponseTemplate::new(204)).expect(1).mount(&server).await;

    let records: Vec<Record> = client(&server).list_records(MODULE, fields()).stream().try_collect().await.unwrap();

    assert!(records.is_empty());
}

// ---------------------------------------------------------------- search_records

#[tokio::test]
async fn search_records_sends_its_query_and_decodes_the_example() {
    let server = Server::start().await;
    SEARCH_RECORDS
        .mock(W_SEARCH)
        .and(query_is(&[
            "criteria=%28%28Last_Name%3Aequals%3ABurns%29and%28First_Name%3Astarts_with%3AM%29%29",
            "email=newcrmapi%40zoho.com&phone=555-555-5555&word=Zylker",
            "converted=false&approved=both&page=1&per_page=200",
        ]))
        .respond_with(reply(200, SEARCH_RECORDS.response_example(200)))
        .expect(1)
        .mount(&server)
        .await;

    let resp = client(&server)
        .search_records(MODULE)
        .criteria("((Last_Name:equals:Burns)and(First_Name:starts_with:M))")
        .email("newcrmapi@zoho.com")
        .phone("555-555-5555")
        .word("Zylker")
        .converted(SearchRecordsConverted::False)
        .approved(SearchRecordsApproved::Both)
        .page(1)
        .per_page(200)
        .await
        .unwrap();

    let SearchRecordsSuccess::Ok(list) = resp.body() else { panic!("{:?}", resp.body()) };
    let lead = &list.data[0];
    assert_eq!(lead.id.as_deref(), Some("5843104000000624035"));
    assert_eq!(lead.owner.as_ref().unwrap().name, Some(Some("John Smith".into())));
    assert_eq!(lead.created_by.as_ref().unwrap().id.as_deref(), Some("5843104000000411001"));
    assert_eq!(lead.modified_by.as_ref().unwrap().name, Some(Some("John Smith".into())));
    assert_eq!(lead.modified_time, Some(ts("2023-01-20T14:45:00+00:00")));
    assert_eq!(lead.additional_properties["Lead_Status"], "Qualified");
    assert_eq!((list.info.per_page, list.info.count, list.info.page, list.info.more_records), (200, 1, 1, false));
    assert_eq!(list.info.next_page_token, None);
}

#[tokio::test]
async fn search_records_204_decodes_into_no_content() {
    let server = Server::start().await;
    SEARCH_RECORDS
        .mock(W_SEARCH)
        .and(query_is(&["word=Nobody"]))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;

    let resp = client(&server).search_records(MODULE).word("Nobody").await.unwrap();

    assert_eq!(resp.status(), 204);
    assert_eq!(resp.body(), &SearchRecordsSuccess::NoContent);
}

#[tokio::test]
async fn search_records_stream_pages_until_more_records_is_false() {
    let server = Server::start().await;
    for (number, ids, more) in [(1, vec![1, 2], true), (2, vec![3, 4], true), (3, vec![5], false)] {
        let page_param = if number == 1 { String::new() } else { format!("page={number}") };
        SEARCH_RECORDS
            .mock(W_SEARCH)
            .and(query_is(&["email=lead%40zylker.com&per_page=2", &page_param]))
            .respond_with(reply(200, page(number, &ids, 2, more)))
            .expect(1)
            .mount(&server)
            .await;
    }

    let records: Vec<Record> = client(&server)
        .search_records(MODULE)
        .email("lead@zylker.com")
        .per_page(2)
        .stream()
        .try_collect()
        .await
        .unwrap();

    let ids: Vec<&str> = records.iter().map(|r| r.id.as_deref().unwrap()).collect();
    assert_eq!(ids, (1..=5).map(nth_id).collect::<Vec<_>>());
}

#[tokio::test]
async fn search_records_stream_stops_on_a_204_page() {
    let server = Server::start().await;
    SEARCH_RECORDS
        .mock(W_SEARCH)
        .and(query_is(&["word=Zylker&per_page=2"]))
        .respond_with(reply(200, page(1, &[1, 2], 2, true)))
        .expect(1)
        .mount(&server)
        .await;
    SEARCH_RECORDS
        .mock(W_SEARCH)
        .and(query_is(&["word=Zylker&per_page=2&page=2"]))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;

    let records: Vec<Record> =
        client(&server).search_records(MODULE).word("Zylker").per_page(2).stream().try_collect().await.unwrap();

    let ids: Vec<&str> = records.iter().map(|r| r.id.as_deref().unwrap()).collect();
    assert_eq!(ids, [nth_id(1), nth_id(2)]);
}

#[tokio::test]
async fn stream_yields_the_typed_error_of_a_failing_page_and_ends() {
    let server = Server::start().await;
    SEARCH_RECORDS
        .mock(W_SEARCH)
        .and(query_is(&["word=Zylker&per_page=1"]))
        .respond_with(reply(200, page(1, &[1], 1, true)))
        .expect(1)
        .mount(&server)
        .await;
    SEARCH_RECORDS
        .mock(W_SEARCH)
        .and(query_is(&["word=Zylker&per_page=1&page=2"]))
        .respond_with(reply(400, SEARCH_RECORDS.response_example(400)))
        .expect(1)
        .mount(&server)
        .await;

    let items: Vec<_> = client(&server).search_records(MODULE).word("Zylker").per_page(1).stream().collect().await;

    assert_eq!(items.len(), 2, "{items:?}");
    assert_eq!(items[0].as_ref().unwrap().id.as_deref(), Some(nth_id(1).as_str()));
    match &items[1] {
        Err(Error::Api(e)) => {
            let details =
                ErrorDetails { additional_properties: json_map(json!({ "limit": "2000" })), ..Default::default() };
            let limit = api_error(ErrorCode::LimitReached, "maximum response iteration limit reached", details);
            assert_eq!(e.body, SearchRecordsError::BadRequest(limit));
        }
        other => panic!("expected the 400 error, got {other:?}"),
    }
}

// ---------------------------------------------------------------- get_record

#[tokio::test]
async fn get_record_sends_fields_and_headers_and_decodes_the_example() {
    let server = Server::start().await;
    GET_RECORD
        .mock(W_RECORD)
        .and(query_is(&[FIELDS_QUERY]))
        .and(header("if-modified-since", "2019-07-25T15:26:49+05:30"))
        .and(header("x-external", "Leads.External_Lead_ID"))
        .respond_with(reply(200, GET_RECORD.response_example(200)))
        .expect(1)
        .mount(&server)
        .await;

    let resp = client(&server)
        .get_record(MODULE, RECORD_ID)
        .fields(fields())
        .if_modified_since(ts("2019-07-25T15:26:49+05:30"))
        .x_external("Leads.External_Lead_ID")
        .await
        .unwrap();

    let GetRecordSuccess::Ok(record) = resp.body() else { panic!("{:?}", resp.body()) };
    assert_eq!(record.data.len(), 1);
    let lead = &record.data[0];
    assert_eq!(lead.id.as_deref(), Some(RECORD_ID));
    assert_eq!(lead.owner.as_ref().unwrap().email, Some(Some("patricia.boyle@example.com".into())));
    assert_eq!(lead.additional_properties["First_Name"], "John");
    assert_eq!(lead.additional_properties["Email"], "john.doe@zylker.com");
    assert_eq!(lead.created_time, Some(ts("2023-10-15T10:30:00+00:00")));
}

#[tokio::test]
async fn user_and_tag_references_with_null_ids_decode() {
    let server = Server::start().await;
    let mut lead = nth_record(1);
    lead["Owner"] = json!({"id": null, "name": null, "email": null});
    lead["Created_By"] = json!({"id": null, "name": null});
    lead["Modified_By"] = json!({"id": "4150868000000225013", "name": "Patricia Boyle", "email": null});
    lead["Tag"] = json!([{"name": "Trade show", "id": null}, {"name": "VIP", "id": "4150868000000400001"}]);
    GET_RECORD
        .mock(W_RECORD)
        .and(query_is(&[FIELDS_QUERY]))
        .respond_with(reply(200, json!({ "data": [lead] })))
        .expect(1)
        .mount(&server)
        .await;

    let resp = client(&server).get_record(MODULE, RECORD_ID).fields(fields()).await.unwrap();

    let GetRecordSuccess::Ok(record) = resp.body() else { panic!("{:?}", resp.body()) };
    let lead = &record.data[0];
    let nobody =
        UserReference { id: None, name: Some(None), email: Some(None), zuid: None, additional_properties: Map::new() };
    assert_eq!(lead.owner.as_ref(), Some(&nobody));
    assert_eq!(lead.created_by.as_ref(), Some(&UserReference { email: None, ..nobody.clone() }));
    let modifier = lead.modified_by.as_ref().unwrap();
    assert_eq!(
        (modifier.id.as_deref(), modifier.name.clone(), modifier.email.clone()),
        (Some("4150868000000225013"), Some(Some("Patricia Boyle".into())), Some(None))
    );
    let tags: Vec<(&str, Option<Option<&str>>)> =
        lead.tag.iter().flatten().map(|t| (t.name.as_str(), t.id.as_ref().map(|id| id.as_deref()))).collect();
    assert_eq!(tags, [("Trade show", Some(None)), ("VIP", Some(Some("4150868000000400001")))]);
}

#[tokio::test]
async fn get_record_204_decodes_into_no_content() {
    let server = Server::start().await;
    GET_RECORD
        .mock(W_RECORD)
        .and(query_is(&[]))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;

    let resp = client(&server).get_record(MODULE, RECORD_ID).await.unwrap();

    assert_eq!(resp.body(), &GetRecordSuccess::NoContent);
}

// ---------------------------------------------------------------- create_records

#[tokio::test]
async fn create_records_posts_the_example_and_decodes_201() {
    let server = Server::start().await;
    CREATE_RECORDS
        .mock_json(W_MODULE, CREATE_RECORDS.request_example())
        .and(header("x-external", "Leads.External_Lead_ID"))
        .and(query_is(&[]))
        .respond_with(reply(201, CREATE_RECORDS.response_example(201)))
        .expect(1)
        .mount(&server)
        .await;

    let body = insert_body();
    assert_eq!(body.trigger, Some(vec![Trigger::Approval, Trigger::Workflow, Trigger::Blueprint]));
    let resp = client(&server).create_records(MODULE, body).x_external("Leads.External_Lead_ID").await.unwrap();

    assert_eq!(resp.status(), 201);
    assert_eq!(resp.data.len(), 1);
    assert_patricia_added(&resp.data[0], "5725767000000524157");
    let ok = success(&resp.data[0]);
    assert_eq!(ok.message, "record added");
    assert_eq!(ok.details.additional_properties["$approval_state"], "approved");
    assert_eq!((ok.action.as_ref(), ok.duplicate_field.as_ref()), (None, None));
}

#[tokio::test]
async fn create_records_202_and_207_decode_each_record_result() {
    let server = Server::start().await;
    CREATE_RECORDS
        .mock(W_MODULE)
        .respond_with(reply(202, CREATE_RECORDS.response_example(202)))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    CREATE_RECORDS
        .mock(W_MODULE)
        .respond_with(reply(207, CREATE_RECORDS.response_example(207)))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);

    let resp = c.create_records(MODULE, insert_body()).await.unwrap();
    assert_eq!(resp.status(), 202);
    let duplicate = failure(&resp.data[0]);
    assert_eq!(duplicate.code, ErrorCode::DuplicateData);
    assert_eq!(duplicate.status, ApiErrorStatus::Error);
    assert_eq!(duplicate.message, "duplicate data");
    assert_eq!(duplicate.details.api_name.as_deref(), Some("Email"));
    assert_eq!(duplicate.details.json_path.as_deref(), Some("$.data[0].Email"));
    assert_eq!(duplicate.details.id.as_deref(), Some("5725767000000524001"));
    assert_eq!(duplicate.details.more_records, Some(false));
    assert_eq!(duplicate.details.additional_properties["duplicate_record"]["module"]["api_name"], "Leads");

    let resp = c.create_records(MODULE, insert_body()).await.unwrap();
    assert_eq!(resp.status(), 207);
    assert_eq!(resp.data.len(), 2);
    assert_patricia_added(&resp.data[0], "5725767000000524157");
    let invalid = failure(&resp.data[1]);
    assert_eq!(invalid.code, ErrorCode::InvalidData);
    assert_eq!(invalid.details.api_name.as_deref(), Some("Last_Name"));
    assert_eq!(invalid.details.json_path.as_deref(), Some("$.data[1].Last_Name"));
}

// ---------------------------------------------------------------- update_records

#[tokio::test]
async fn update_records_puts_the_example_with_headers_and_decodes_200() {
    let server = Server::start().await;
    UPDATE_RECORDS
        .mock_json(W_MODULE, UPDATE_RECORDS.request_example())
        .and(header("if-unmodified-since", "2024-01-15T15:26:49+05:30"))
        .and(header("x-external", "Leads.External_Lead_ID"))
        .respond_with(reply(200, UPDATE_RECORDS.response_example(200)))
        .expect(1)
        .mount(&server)
        .await;

    let body = bulk_update_body();
    assert_eq!(body.data[0].id, "111112000000142001");
    assert_eq!(body.data[0].layout.as_ref().unwrap().id, "554023000002734009");
    assert_eq!(body.apply_feature_execution.as_ref().unwrap()[0].name, ApplyFeatureName::LayoutRules);
    assert_eq!(body.skip_feature_execution.as_ref().unwrap()[0].name, SkipFeatureName::Cadences);
    let resp = client(&server)
        .update_records(MODULE, body)
        .if_unmodified_since(ts("2024-01-15T15:26:49+05:30"))
        .x_external("Leads.External_Lead_ID")
        .await
        .unwrap();

    assert_eq!(resp.status(), 200);
    assert_patricia_added(&resp.data[0], "5725767000000524157");
    assert_eq!(success(&resp.data[0]).message, "record updated");
}

#[tokio::test]
async fn update_records_202_and_207_decode_each_record_result() {
    let server = Server::start().await;
    UPDATE_RECORDS
        .mock(W_MODULE)
        .respond_with(reply(202, UPDATE_RECORDS.response_example(202)))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    UPDATE_RECORDS
        .mock(W_MODULE)
        .respond_with(reply(207, UPDATE_RECORDS.response_example(207)))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);

    let resp = c.update_records(MODULE, bulk_update_body()).await.unwrap();
    assert_eq!(resp.status(), 202);
    assert_patricia_added(&resp.data[0], "5725767000000524157");
    assert!(success(&resp.data[0]).details.additional_properties.is_empty());

    let resp = c.update_records(MODULE, bulk_update_body()).await.unwrap();
    assert_eq!(resp.status(), 207);
    assert_patricia_added(&resp.data[0], "111112000000142001");
    assert_eq!(failure(&resp.data[1]).code, ErrorCode::InvalidData);
}

// ---------------------------------------------------------------- upsert_records

#[tokio::test]
async fn upsert_records_posts_the_example_and_decodes_200() {
    let server = Server::start().await;
    UPSERT_RECORDS
        .mock_json(W_UPSERT, UPSERT_RECORDS.request_example())
        .and(header("if-unmodified-since", "2024-01-15T15:26:49+05:30"))
        .and(header("x-external", "Leads.External_Lead_ID"))
        .respond_with(reply(200, UPSERT_RECORDS.response_example(200)))
        .expect(1)
        .mount(&server)
        .await;

    let body = upsert_body();
    assert_eq!(body.duplicate_check_fields, Some(strings(&["Email", "Phone"])));
    let resp = client(&server)
        .upsert_records(MODULE, body)
        .if_unmodified_since(ts("2024-01-15T15:26:49+05:30"))
        .x_external("Leads.External_Lead_ID")
        .await
        .unwrap();

    let updated = success(&resp.data[0]);
    assert_eq!(updated.action, Some(RecordActionSuccessAction::Update));
    assert_eq!(updated.duplicate_field, Some(Some("Email".into())));
    assert_eq!(updated.details.id, "4150868000000376008");
    assert_eq!(updated.details.created_time, Some(ts("2019-09-11T16:21:15+05:30")));
    let inserted = success(&resp.data[1]);
    assert_eq!(inserted.action, Some(RecordActionSuccessAction::Insert));
    assert_eq!(inserted.duplicate_field, Some(None));
    assert_eq!(inserted.details.id, "4150868000003194003");
    assert_eq!(inserted.message, "record added");
}

#[tokio::test]
async fn upsert_records_201_202_and_207_decode_each_record_result() {
    let server = Server::start().await;
    for status in [201, 202] {
        UPSERT_RECORDS
            .mock(W_UPSERT)
            .respond_with(reply(status, UPSERT_RECORDS.response_example(status)))
            .up_to_n_times(1)
            .expect(1)
            .mount(&server)
            .await;
    }
    UPSERT_RECORDS
        .mock(W_UPSERT)
        .respond_with(reply(207, UPSERT_RECORDS.response_example(207)))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);

    let resp = c.upsert_records(MODULE, upsert_body()).await.unwrap();
    assert_eq!(resp.status(), 201);
    assert_eq!(success(&resp.data[0]).action, Some(RecordActionSuccessAction::Insert));

    let resp = c.upsert_records(MODULE, upsert_body()).await.unwrap();
    assert_eq!(resp.status(), 202);
    assert_eq!(success(&resp.data[0]).action, Some(RecordActionSuccessAction::Update));

    let resp = c.upsert_records(MODULE, upsert_body()).await.unwrap();
    assert_eq!(resp.status(), 207);
    assert_patricia_added(&resp.data[0], "111112000000142001");
    let invalid = failure(&resp.data[1]);
    assert_eq!(invalid.code, ErrorCode::InvalidData);
    assert_eq!(invalid.details.expected_data_type.as_deref(), Some("text"));
    assert_eq!(invalid.details.api_name.as_deref(), Some("Company"));
}

// ---------------------------------------------------------------- update_record

#[tokio::test]
async fn update_record_puts_the_example_and_decodes_200() {
    let server = Server::start().await;
    let wire_path = "/Leads/111112000000142001";
    UPDATE_RECORD
        .mock_json(wire_path, UPDATE_RECORD.request_example())
        .and(header("if-unmodified-since", "2024-01-15T15:26:49+05:30"))
        .and(query_is(&[]))
        .respond_with(reply(200, UPDATE_RECORD.response_example(200)))
        .expect(1)
        .mount(&server)
        .await;

    let body = update_body();
    assert_eq!(body.data[0].additional_properties["Project_Details"][1]["Expected_Budget"], 30000);
    let resp = client(&server)
        .update_record(MODULE, "111112000000142001", body)
        .if_unmodified_since(ts("2024-01-15T15:26:49+05:30"))
        .await
        .unwrap();

    assert_patricia_added(&resp.data[0], "111112000000142001");
    assert_eq!(success(&resp.data[0]).message, "record updated");
}

// ---------------------------------------------------------------- delete_records, delete_record

#[tokio::test]
async fn delete_records_sends_comma_separated_ids_and_decodes_200() {
    let server = Server::start().await;
    DELETE_RECORDS
        .mock(W_MODULE)
        .and(query_is(&["ids=410405000002264040,410405000002264025&wf_trigger=false"]))
        .respond_with(reply(200, DELETE_RECORDS.response_example(200)))
        .expect(1)
        .mount(&server)
        .await;

    let resp = client(&server)
        .delete_records(MODULE, strings(&["410405000002264040", "410405000002264025"]))
        .wf_trigger(false)
        .await
        .unwrap();

    let deleted: Vec<(&str, &str)> =
        resp.data.iter().map(success).map(|s| (s.details.id.as_str(), s.message.as_str())).collect();
    assert_eq!(deleted, [("410405000002264040", "record deleted"), ("410405000002264025", "record deleted")]);
}

#[tokio::test]
async fn delete_records_207_decodes_each_record_result() {
    let server = Server::start().await;
    DELETE_RECORDS
        .mock(W_MODULE)
        .and(query_is(&["ids=410405000002264040,4150868000005067099,410405000002264025"]))
        .respond_with(reply(207, DELETE_RECORDS.response_example(207)))
        .expect(1)
        .mount(&server)
        .await;

    let resp = client(&server)
        .delete_records(MODULE, strings(&["410405000002264040", "4150868000005067099", "410405000002264025"]))
        .await
        .unwrap();

    assert_eq!(resp.status(), 207);
    assert_eq!(success(&resp.data[0]).details.id, "410405000002264040");
    let not_deleted = failure(&resp.data[1]);
    assert_eq!(not_deleted.code, ErrorCode::InvalidData);
    assert_eq!(not_deleted.message, "record not deleted");
    assert_eq!(not_deleted.details.id.as_deref(), Some("4150868000005067099"));
    assert_eq!(success(&resp.data[2]).details.id, "410405000002264025");
}

#[tokio::test]
async fn delete_record_sends_wf_trigger_and_decodes_200() {
    let server = Server::start().await;
    DELETE_RECORD
        .mock("/Leads/5843104000000624046")
        .and(query_is(&["wf_trigger=true"]))
        .respond_with(reply(200, DELETE_RECORD.response_example(200)))
        .expect(1)
        .mount(&server)
        .await;

    let resp = client(&server).delete_record(MODULE, "5843104000000624046").wf_trigger(true).await.unwrap();

    let deleted = success(&resp.data[0]);
    assert_eq!((deleted.details.id.as_str(), deleted.message.as_str()), ("5843104000000624046", "record deleted"));
}

// ---------------------------------------------------------------- wire details common to all operations

#[tokio::test]
async fn path_parameters_are_percent_encoded_for_every_operation() {
    let server = Server::start().await;
    let module = "Deals & Co/ü";
    let record = "id 7/..?#";
    let m = "/Deals%20%26%20Co%2F%C3%BC";
    let r = format!("{m}/id%207%2F..%3F%23");
    let mounts = [
        (LIST_RECORDS, m.to_string(), 200),
        (CREATE_RECORDS, m.to_string(), 201),
        (UPDATE_RECORDS, m.to_string(), 200),
        (DELETE_RECORDS, m.to_string(), 200),
        (UPSERT_RECORDS, format!("{m}/upsert"), 200),
        (SEARCH_RECORDS, format!("{m}/search"), 200),
        (GET_RECORD, r.clone(), 200),
        (UPDATE_RECORD, r.clone(), 200),
        (DELETE_RECORD, r.clone(), 200),
    ];
    for (op, wire_path, status) in mounts {
        op.mock(&wire_path).respond_with(op.reply(status)).expect(1).mount(&server).await;
    }
    let c = client(&server);

    c.list_records(module, fields()).await.unwrap();
    c.create_records(module, insert_body()).await.unwrap();
    c.update_records(module, bulk_update_body()).await.unwrap();
    c.delete_records(module, strings(&["1"])).await.unwrap();
    c.upsert_records(module, upsert_body()).await.unwrap();
    c.search_records(module).word("Zylker").await.unwrap();
    c.get_record(module, record).await.unwrap();
    c.update_record(module, record, update_body()).await.unwrap();
    c.delete_record(module, record).await.unwrap();

    assert_eq!(server.requests().await.len(), 9);
}

#[tokio::test]
async fn the_credential_is_exactly_zoho_oauthtoken() {
    let server = Server::start().await;
    GET_RECORD.mock(W_RECORD).respond_with(reply(200, GET_RECORD.response_example(200))).expect(1).mount(&server).await;
    CREATE_RECORDS
        .mock(W_MODULE)
        .respond_with(reply(201, CREATE_RECORDS.response_example(201)))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);

    c.get_record(MODULE, RECORD_ID).await.unwrap();
    c.create_records(MODULE, insert_body()).await.unwrap();

    for req in server.requests().await {
        let values: Vec<&str> = req.headers.get_all("authorization").iter().map(|v| v.to_str().unwrap()).collect();
        assert_eq!(values, [AUTH], "{} {}", req.method, req.url);
        assert!(req.url.query().unwrap_or("").find(TOKEN).is_none(), "the token leaked into the query");
    }
}

// ---------------------------------------------------------------- declared errors

#[tokio::test]
async fn list_records_declared_errors() {
    use ListRecordsError as E;
    let mut cases = common_errors!(E, scope_mismatch(), no_permission("Permission denied"));
    let details = ErrorDetails { param_name: Some("fields".into()), ..Default::default() };
    cases.extend([
        (304, E::NotModified),
        (400, E::BadRequest(api_error(ErrorCode::RequiredParamMissing, "required param is missing", details))),
    ]);
    let send = |uri: String| client_for(&uri).list_records(MODULE, fields()).send();
    check_declared_errors(LIST_RECORDS, W_MODULE, send, cases).await;
}

#[tokio::test]
async fn create_records_declared_errors() {
    use CreateRecordsError as E;
    let mut cases = common_errors!(E, scope_mismatch(), no_permission("Permission denied"));
    let details = ErrorDetails {
        api_name: Some("Last_Name".into()),
        json_path: Some("$.data[0].Last_Name".into()),
        ..Default::default()
    };
    let mandatory = api_error(ErrorCode::MandatoryNotFound, "required field not found", details);
    cases.push((400, E::BadRequest(BulkErrorResponse::BulkActionResponse(bulk_error(mandatory)))));
    let send = |uri: String| client_for(&uri).create_records(MODULE, insert_body()).send();
    check_declared_errors(CREATE_RECORDS, W_MODULE, send, cases).await;
}

#[tokio::test]
async fn update_records_declared_errors() {
    use UpdateRecordsError as E;
    let mut cases = common_errors!(E, scope_mismatch(), no_permission("Permission denied"));
    let details = ErrorDetails {
        api_name: Some("id".into()),
        json_path: Some("$.data[0].id".into()),
        action: Some("record_locking".into()),
        ..Default::default()
    };
    let message = "Sorry, you cannot perform this operation as the record is locked.";
    let locked = api_error(ErrorCode::RecordLocked, message, details);
    cases.extend([
        (400, E::BadRequest(BulkErrorResponse::BulkActionResponse(bulk_error(locked)))),
        (412, E::PreconditionFailed(already_modified())),
    ]);
    let send = |uri: String| client_for(&uri).update_records(MODULE, bulk_update_body()).send();
    check_declared_errors(UPDATE_RECORDS, W_MODULE, send, cases).await;
}

#[tokio::test]
async fn delete_records_declared_errors() {
    use DeleteRecordsError as E;
    let mut cases = common_errors!(E, scope_mismatch(), no_permission("Permission denied to delete"));
    // A flat error, not wrapped in `data`.
    let details = ErrorDetails { param_name: Some("ids".into()), ..Default::default() };
    let missing = api_error(ErrorCode::RequiredParamMissing, "One of the expected parameter is missing", details);
    cases.push((400, E::BadRequest(BulkErrorResponse::ApiError(missing))));
    let send = |uri: String| client_for(&uri).delete_records(MODULE, strings(&["1", "2"])).send();
    check_declared_errors(DELETE_RECORDS, W_MODULE, send, cases).await;
}

#[tokio::test]
async fn upsert_records_declared_errors() {
    use UpsertRecordsError as E;
    let mut cases = common_errors!(E, scope_mismatch(), no_permission("Permission denied"));
    let duplicate = |api_name: &str, record_id: &str| {
        json!({
            "code": "DUPLICATE_DATA",
            "details": {
                "api_name": api_name,
                "duplicate_record": {
                    "Owner": { "name": "Prajesh Kumar S", "id": "4881139000000307001", "zuid": "736078909" },
                    "module": { "api_name": "Leads", "id": "4881139000000002175" },
                    "id": record_id
                },
                "json_path": format!("$.data[0].{api_name}"),
                "more_records": true
            },
            "message": "duplicate data",
            "status": "error"
        })
    };
    let details = ErrorDetails {
        additional_properties: json_map(json!({
            "errors": [duplicate("Email", "4881139000000428295"), duplicate("Mobile", "4881139000002432007")]
        })),
        ..Default::default()
    };
    let multiple = api_error(ErrorCode::MultipleOrMultiErrors, "Multiple errors in the request", details);
    cases.extend([
        (400, E::BadRequest(BulkErrorResponse::BulkActionResponse(bulk_error(multiple)))),
        (412, E::PreconditionFailed(already_modified())),
    ]);
    let send = |uri: String| client_for(&uri).upsert_records(MODULE, upsert_body()).send();
    check_declared_errors(UPSERT_RECORDS, W_UPSERT, send, cases).await;
}

#[tokio::test]
async fn search_records_declared_errors() {
    use SearchRecordsError as E;
    let forbidden = api_error(ErrorCode::NoPermission, "Permission denied to read", ErrorDetails::default());
    let mut cases = common_errors!(E, scope_mismatch(), forbidden);
    let details = ErrorDetails { additional_properties: json_map(json!({ "limit": "2000" })), ..Default::default() };
    let limit = api_error(ErrorCode::LimitReached, "maximum response iteration limit reached", details);
    cases.push((400, E::BadRequest(limit)));
    let send = |uri: String| client_for(&uri).search_records(MODULE).word("Zylker").send();
    check_declared_errors(SEARCH_RECORDS, W_SEARCH, send, cases).await;
}

#[tokio::test]
async fn get_record_declared_errors() {
    use GetRecordError as E;
    let invalid_token = api_error(ErrorCode::InvalidToken, "invalid oauth token", ErrorDetails::default());
    let mut cases = common_errors!(E, invalid_token, no_permission("Permission denied"));
    let details = ErrorDetails { resource_path_index: Some(0), ..Default::default() };
    let module = api_error(ErrorCode::InvalidModule, "the module name given seems to be invalid", details);
    cases.extend([(304, E::NotModified), (400, E::BadRequest(module))]);
    let send = |uri: String| client_for(&uri).get_record(MODULE, RECORD_ID).send();
    check_declared_errors(GET_RECORD, W_RECORD, send, cases).await;
}

#[tokio::test]
async fn update_record_declared_errors() {
    use UpdateRecordError as E;
    let mut cases = common_errors!(E, scope_mismatch(), no_permission("Permission denied"));
    let details = ErrorDetails {
        expected_data_type: Some("integer".into()),
        api_name: Some("Number_1".into()),
        json_path: Some("$.data[0].Number_1".into()),
        ..Default::default()
    };
    let invalid = api_error(ErrorCode::InvalidData, "invalid data", details);
    cases.extend([
        (400, E::BadRequest(BulkErrorResponse::BulkActionResponse(bulk_error(invalid)))),
        (412, E::PreconditionFailed(already_modified())),
    ]);
    let send = |uri: String| client_for(&uri).update_record(MODULE, RECORD_ID, update_body()).send();
    check_declared_errors(UPDATE_RECORD, W_RECORD, send, cases).await;
}

#[tokio::test]
async fn delete_record_declared_errors() {
    use DeleteRecordError as E;
    let mut cases = common_errors!(E, scope_mismatch(), no_permission("Permission denied to delete"));
    let details = ErrorDetails {
        action: Some("record_locking".into()),
        id: Some("5040565000001052497".into()),
        ..Default::default()
    };
    let message = "You cannot perform this operation as the record is locked.";
    let locked = api_error(ErrorCode::RecordLocked, message, details);
    cases.push((400, E::BadRequest(BulkErrorResponse::BulkActionResponse(bulk_error(locked)))));
    let send = |uri: String| client_for(&uri).delete_record(MODULE, RECORD_ID).send();
    check_declared_errors(DELETE_RECORD, W_RECORD, send, cases).await;
}

#[tokio::test]
async fn unknown_error_codes_decode_into_the_open_enum() {
    let server = Server::start().await;
    GET_RECORD
        .mock(W_RECORD)
        .respond_with(reply(
            400,
            json!({ "code": "BRAND_NEW_CODE", "details": {}, "message": "new", "status": "error" }),
        ))
        .expect(1)
        .mount(&server)
        .await;

    let err = client(&server).get_record(MODULE, RECORD_ID).await.unwrap_err();

    let Some(GetRecordError::BadRequest(e)) = err.api_body() else { panic!("{err:?}") };
    assert_eq!(e.code, ErrorCode::Unknown("BRAND_NEW_CODE".into()));
}

// ---------------------------------------------------------------- undeclared statuses, malformed bodies

#[tokio::test]
async fn undeclared_errors_give_unexpected_status_and_undeclared_successes_decode() {
    let server = Server::start().await;
    LIST_RECORDS
        .mock(W_MODULE)
        .respond_with(ResponseTemplate::new(409).set_body_string("conflict").insert_header("x-trace", "t-9"))
        .expect(1)
        .mount(&server)
        .await;
    // Declared for the bulk insert (201), not 200.
    CREATE_RECORDS
        .mock(W_MODULE)
        .respond_with(reply(200, CREATE_RECORDS.response_example(201)))
        .expect(1)
        .mount(&server)
        .await;
    // 207 is declared for bulk updates, not for the single-record update.
    UPDATE_RECORD
        .mock(W_RECORD)
        .respond_with(reply(207, UPDATE_RECORDS.response_example(207)))
        .expect(1)
        .mount(&server)
        .await;
    // 304 is not declared for search.
    SEARCH_RECORDS.mock(W_SEARCH).respond_with(ResponseTemplate::new(304)).expect(1).mount(&server).await;
    let c = client(&server);

    match c.list_records(MODULE, fields()).await.unwrap_err() {
        Error::UnexpectedStatus(e) => {
            assert_eq!(e.status, 409);
            assert_eq!(e.body, "conflict");
            assert_eq!(e.headers["x-trace"], "t-9");
        }
        other => panic!("expected UnexpectedStatus, got {other:?}"),
    }
    // Undeclared successes were accepted: they decode as the declared success, keeping their status.
    let created = c.create_records(MODULE, insert_body()).await.unwrap();
    assert_eq!(created.status(), 200);
    let updated = c.update_record(MODULE, RECORD_ID, update_body()).await.unwrap();
    assert_eq!(updated.status(), 207);
    let err = c.search_records(MODULE).word("Zylker").await.unwrap_err();
    assert!(matches!(&err, Error::UnexpectedStatus(e) if e.status == 304), "{err:?}");
}

#[tokio::test]
async fn malformed_bodies_give_decode_errors_with_the_serde_path() {
    let list = LIST_RECORDS.response_example(200);
    let created = CREATE_RECORDS.response_example(201);
    let mut cases: Vec<(&str, Value)> = Vec::new();
    let mut body = list.clone();
    body["info"]["more_records"] = json!("yes");
    cases.push(("info.more_records", body));
    let mut body = list.clone();
    body["info"]["per_page"] = json!(2.5);
    cases.push(("info.per_page", body));
    let mut body = list.clone();
    body["data"][0]["Owner"] = json!({ "name": "No ID" });
    cases.push(("data[0].Owner", body));
    let mut body = list.clone();
    body["data"] = json!({});
    cases.push(("data", body));
    let mut body = list.clone();
    body["data"][0]["Created_Time"] = json!("yesterday");
    cases.push(("data[0].Created_Time", body));
    let mut body = list;
    body.as_object_mut().unwrap().remove("info");
    cases.push((".", body));

    for (expected_path, body) in cases {
        let server = Server::start().await;
        LIST_RECORDS.mock(W_MODULE).respond_with(reply(200, body.clone())).expect(1).mount(&server).await;

        match client(&server).list_records(MODULE, fields()).await.unwrap_err() {
            Error::Decode(e) => {
                assert_eq!(e.path, expected_path, "{}", e.message);
                assert_eq!(e.status, 200);
                assert_eq!(serde_json::from_str::<Value>(&e.body).unwrap(), body);
            }
            other => panic!("{expected_path}: expected Decode, got {other:?}"),
        }
    }

    // A per-record result whose details lack the record ID.
    let server = Server::start().await;
    let mut body = created;
    body["data"][0]["details"].as_object_mut().unwrap().remove("id");
    CREATE_RECORDS.mock(W_MODULE).respond_with(reply(201, body)).expect(1).mount(&server).await;
    match client(&server).create_records(MODULE, insert_body()).await.unwrap_err() {
        Error::Decode(e) => {
            assert_eq!(e.path, "data[0]");
            assert!(e.message.contains("`id`"), "{}", e.message);
        }
        other => panic!("expected Decode, got {other:?}"),
    }

    // A declared error whose body does not match its schema.
    let server = Server::start().await;
    GET_RECORD
        .mock(W_RECORD)
        .respond_with(reply(401, json!({ "code": "INVALID_TOKEN" })))
        .expect(1)
        .mount(&server)
        .await;
    match client(&server).get_record(MODULE, RECORD_ID).await.unwrap_err() {
        Error::Decode(e) => {
            assert_eq!(e.status, 401);
            assert!(e.message.contains("details"), "{}", e.message);
        }
        other => panic!("expected Decode, got {other:?}"),
    }
}

#[tokio::test]
async fn stream_reports_a_malformed_item_with_its_pointer_and_goes_on() {
    let server = Server::start().await;
    let mut bad_record = nth_record(2);
    bad_record["Created_Time"] = json!("yesterday");
    let mut first = page(1, &[1, 2], 2, true);
    first["data"][1] = bad_record.clone();
    SEARCH_RECORDS
        .mock(W_SEARCH)
        .and(query_is(&["word=Zylker"]))
        .respond_with(reply(200, first))
        .expect(1)
        .mount(&server)
        .await;
    SEARCH_RECORDS
        .mock(W_SEARCH)
        .and(query_is(&["word=Zylker&page=2"]))
        .respond_with(reply(200, page(2, &[3], 2, false)))
        .expect(1)
        .mount(&server)
        .await;

    let items: Vec<_> = client(&server).search_records(MODULE).word("Zylker").stream().collect().await;

    assert_eq!(items.len(), 3, "the items around the one that fails to decode are yielded: {items:?}");
    assert_eq!(items[0].as_ref().unwrap().id.as_deref(), Some(nth_id(1).as_str()));
    match &items[1] {
        Err(Error::Item(e)) => {
            assert_eq!((e.page, e.index, e.pointer.as_str()), (0, 1, "/data/1"));
            assert_eq!(e.status, 200);
            assert_eq!(e.raw, bad_record);
        }
        other => panic!("expected Error::Item, got {other:?}"),
    }
    assert_eq!(items[2].as_ref().unwrap().id.as_deref(), Some(nth_id(3).as_str()));
}
