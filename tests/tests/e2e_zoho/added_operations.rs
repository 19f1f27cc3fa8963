//! End-to-end tests of the Zoho CRM records operations added for the complete
//! v7 records API (deleted records, record count, mass update and its
//! status, territories for one record and many, rich text full data for one
//! record and many, clone, photo deletion) in `crm_clients::zoho_crm::records`,
//! against a wiremock server. Each test checks the request on the wire
//! (method, exact path, exact query string with comma-separated lists, the
//! `Authorization: Zoho-oauthtoken` credential, the JSON body of the spec's
//! example or none) and decodes the spec's response example into concrete
//! values; every declared error status is decoded into its typed variant.

use crm_clients::runtime::RetryPolicy;
use crm_clients::zoho_crm::records::*;
use futures_util::TryStreamExt;
use serde_json::{Value, json};
use tests::support::{Api, Op, Server, check_declared_errors, query_is};
use wiremock::ResponseTemplate;
use wiremock::matchers::header;

const TOKEN: &str = "1000.zoho-test-token.4e1f";
const AUTH: &str = "Zoho-oauthtoken 1000.zoho-test-token.4e1f";
const MODULE: &str = "Leads";

static ZOHO: Api = Api::new("zoho-crm/records.yaml", &[("authorization", AUTH)]);

const LIST_DELETED_RECORDS: Op = Op::new(&ZOHO, "list_deleted_records", "GET", "/{module_api_name}/deleted");
const GET_RECORD_COUNT: Op = Op::new(&ZOHO, "get_record_count", "GET", "/{module_api_name}/actions/count");
const P_MASS_UPDATE: &str = "/{module_api_name}/actions/mass_update";
const MASS_UPDATE_RECORDS: Op = Op::new(&ZOHO, "mass_update_records", "POST", P_MASS_UPDATE);
const GET_MASS_UPDATE_STATUS: Op = Op::new(&ZOHO, "get_mass_update_status", "GET", P_MASS_UPDATE);
const ASSIGN_TERRITORIES: Op =
    Op::new(&ZOHO, "assign_territories", "POST", "/{module_api_name}/actions/assign_territories");
const ASSIGN_RECORD_TERRITORIES: Op =
    Op::new(&ZOHO, "assign_record_territories", "POST", "/{module_api_name}/{record_id}/actions/assign_territories");
const REMOVE_TERRITORIES: Op =
    Op::new(&ZOHO, "remove_territories", "POST", "/{module_api_name}/actions/remove_territories");
const REMOVE_RECORD_TERRITORIES: Op =
    Op::new(&ZOHO, "remove_record_territories", "POST", "/{module_api_name}/{record_id}/actions/remove_territories");
const GET_RICH_TEXT_FIELDS: Op =
    Op::new(&ZOHO, "get_rich_text_fields", "GET", "/{module_api_name}/{record_id}/actions/fetch_full_data");
const GET_RICH_TEXT_RECORDS: Op =
    Op::new(&ZOHO, "get_rich_text_records", "GET", "/{module_api_name}/actions/fetch_full_data");
const CLONE_RECORD: Op = Op::new(&ZOHO, "clone_record", "POST", "/{module_api_name}/{record_id}/actions/clone");
const DELETE_PHOTO: Op = Op::new(&ZOHO, "delete_photo", "DELETE", "/{module_api_name}/{record_id}/photo");
const ENABLE_NOTIFICATIONS: Op = Op::new(&ZOHO, "enable_notifications", "POST", "/actions/watch");
const UPDATE_NOTIFICATIONS: Op = Op::new(&ZOHO, "update_notifications", "PUT", "/actions/watch");

const RECORD_ID: &str = "554023000003635023";

fn client(uri: &str) -> Client {
    Client::builder().access_token(TOKEN).base_url(uri).retry(RetryPolicy::none()).build().unwrap()
}

fn ts(text: &str) -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339(text).unwrap()
}

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|s| s.to_string()).collect()
}

fn api_error(code: ErrorCode, message: &str, details: ErrorDetails) -> ApiError {
    ApiError { code, details, message: message.into(), status: ApiErrorStatus::Error }
}

fn error_with(code: ErrorCode, message: &str, details: Value) -> ApiError {
    api_error(code, message, serde_json::from_value(details).unwrap())
}

fn scope_mismatch() -> ApiError {
    api_error(ErrorCode::OauthScopeMismatch, "Unauthorized", ErrorDetails::default())
}

fn no_permission(message: &str) -> ApiError {
    api_error(ErrorCode::NoPermission, message, ErrorDetails::default())
}

fn invalid_url() -> ApiError {
    api_error(
        ErrorCode::InvalidUrlPattern,
        "Please check if the URL trying to access is a correct one",
        ErrorDetails::default(),
    )
}

fn too_many_requests() -> ApiError {
    api_error(
        ErrorCode::TooManyRequests,
        "you have reached the maximum number of concurrent requests",
        ErrorDetails::default(),
    )
}

fn internal_error() -> ApiError {
    api_error(ErrorCode::InternalError, "Internal Server Error", ErrorDetails::default())
}

/// The errors every new operation but the mass update status declares after
/// its 400: 401, 403 (with `forbidden`'s message), 404, 429 and 500.
macro_rules! errors_after_400 {
    ($E:ident, $bad_request:expr, $forbidden:expr) => {
        vec![
            (400, $E::BadRequest($bad_request)),
            (401, $E::Unauthorized(scope_mismatch())),
            (403, $E::Forbidden(no_permission($forbidden))),
            (404, $E::NotFound(invalid_url())),
            (429, $E::TooManyRequests(too_many_requests())),
            (500, $E::InternalServerError(internal_error())),
        ]
    };
}

fn action_success(result: &ActionResult) -> &ActionSuccess {
    match result {
        ActionResult::ActionSuccess(s) => s,
        other => panic!("expected a success item, got {other:?}"),
    }
}

fn territories(assignments: &[(Option<&str>, &[&str])]) -> TerritoriesRequest {
    TerritoriesRequest {
        data: assignments
            .iter()
            .map(|(record, ids)| TerritoryAssignment {
                id: record.map(str::to_owned),
                territories: ids
                    .iter()
                    .map(|id| TerritoryReference {
                        id: (*id).into(),
                        name: None,
                        additional_properties: Default::default(),
                    })
                    .collect(),
            })
            .collect(),
    }
}

fn invalid_territory() -> ApiError {
    error_with(ErrorCode::InvalidData, "the id given seems to be invalid", json!({ "api_name": "Territories" }))
}

// ---------------------------------------------------------------- deleted records

#[tokio::test]
async fn list_deleted_records_sends_type_and_paging_and_decodes_both_kinds() {
    let server = Server::start().await;
    LIST_DELETED_RECORDS
        .mock("/Leads/deleted")
        .and(query_is(&["type=permanent&page=2&per_page=50"]))
        .and(header("if-modified-since", "2019-07-25T15:26:49+05:30"))
        .respond_with(LIST_DELETED_RECORDS.reply(200))
        .expect(1)
        .mount(&server)
        .await;

    let resp = client(&server.uri())
        .list_deleted_records(MODULE)
        .r#type(ListDeletedRecordsType::Permanent)
        .page(2)
        .per_page(50)
        .if_modified_since(ts("2019-07-25T15:26:49+05:30"))
        .await
        .unwrap();

    let ListDeletedRecordsSuccess::Ok(list) = resp.body() else { panic!("expected 200, got {:?}", resp.body()) };
    assert_eq!(list.data.len(), 2);
    let recycled = &list.data[0];
    assert_eq!((recycled.id.as_str(), &recycled.r#type), ("4150868000000762001", &DeletedRecordType::Recycle));
    assert_eq!(recycled.display_name, Some(Some("Kris Marrier".into())));
    let deleter = recycled.deleted_by.clone().flatten().unwrap();
    assert_eq!(
        (deleter.id.as_deref(), deleter.name.clone()),
        (Some("4150868000000225013"), Some(Some("Patricia Boyle".into())))
    );
    assert_eq!(recycled.deleted_time, Some(ts("2024-03-12T16:51:31+05:30")));
    let purged = &list.data[1];
    assert_eq!(purged.r#type, DeletedRecordType::Permanent);
    // Null, not absent: a permanently deleted record keeps neither.
    assert_eq!((&purged.display_name, &purged.deleted_by), (&Some(None), &Some(None)));
    assert_eq!(purged.created_by.clone().flatten().unwrap().id.as_deref(), Some("4150868000000225013"));
    assert_eq!((list.info.count, list.info.page, list.info.more_records), (2, 1, false));

    check_declared_errors(
        LIST_DELETED_RECORDS,
        "/Leads/deleted",
        |uri| async move { client(&uri).list_deleted_records(MODULE).await },
        vec![
            (304, ListDeletedRecordsError::NotModified),
            (
                400,
                ListDeletedRecordsError::BadRequest(error_with(
                    ErrorCode::InvalidModule,
                    "the module name given seems to be invalid",
                    json!({ "resource_path_index": 0 }),
                )),
            ),
            (401, ListDeletedRecordsError::Unauthorized(scope_mismatch())),
            (403, ListDeletedRecordsError::Forbidden(no_permission("Permission denied to read"))),
            (404, ListDeletedRecordsError::NotFound(invalid_url())),
            (429, ListDeletedRecordsError::TooManyRequests(too_many_requests())),
            (500, ListDeletedRecordsError::InternalServerError(internal_error())),
        ],
    )
    .await;
}

#[tokio::test]
async fn list_deleted_records_stream_pages_on_more_records_and_a_204_is_empty() {
    let server = Server::start().await;
    let example = LIST_DELETED_RECORDS.response_example(200);
    let page = |number: u32, more: bool| {
        let mut body = example.clone();
        body["info"]["page"] = json!(number);
        body["info"]["more_records"] = json!(more);
        body
    };
    for (query, body) in [("per_page=2", page(1, true)), ("per_page=2&page=2", page(2, false))] {
        LIST_DELETED_RECORDS
            .mock("/Leads/deleted")
            .and(query_is(&[query]))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .expect(1)
            .mount(&server)
            .await;
    }

    let records: Vec<DeletedRecord> =
        client(&server.uri()).list_deleted_records(MODULE).per_page(2).stream().try_collect().await.unwrap();
    assert_eq!(records.len(), 4);

    let empty = Server::start().await;
    LIST_DELETED_RECORDS.mock("/Leads/deleted").respond_with(ResponseTemplate::new(204)).expect(1).mount(&empty).await;
    let resp = client(&empty.uri()).list_deleted_records(MODULE).await.unwrap();
    assert_eq!(resp.body(), &ListDeletedRecordsSuccess::NoContent);
}

// ---------------------------------------------------------------- record count

#[tokio::test]
async fn get_record_count_sends_the_search_filters_and_decodes_the_count() {
    let server = Server::start().await;
    GET_RECORD_COUNT
        .mock("/Leads/actions/count")
        .and(query_is(&["cvid=4150868000000087501&criteria=%28Lead_Status%3Aequals%3AContacted%29&word=Zylker"]))
        .respond_with(GET_RECORD_COUNT.reply(200))
        .expect(1)
        .mount(&server)
        .await;

    let resp = client(&server.uri())
        .get_record_count(MODULE)
        .cvid("4150868000000087501")
        .criteria("(Lead_Status:equals:Contacted)")
        .word("Zylker")
        .await
        .unwrap();

    assert_eq!(resp.body(), &RecordCountResponse { count: 13 });

    let bad_query =
        error_with(ErrorCode::InvalidQuery, "invalid query formed", json!({ "reason": "invalid operator found" }));
    check_declared_errors(
        GET_RECORD_COUNT,
        "/Leads/actions/count",
        |uri| async move { client(&uri).get_record_count(MODULE).email("newcrmapi@zoho.com").phone("555-555-5555").await },
        errors_after_400!(GetRecordCountError, bad_query, "Permission denied to read"),
    )
    .await;
}

// ---------------------------------------------------------------- mass update

fn mass_update_body() -> MassUpdateRequest {
    MassUpdateRequest {
        data: vec![serde_json::from_value(json!({ "Lead_Status": "Contacted" })).unwrap()],
        ids: None,
        cvid: Some("4150868000000087501".into()),
        criteria: None,
        territory: None,
        over_write: Some(false),
    }
}

#[tokio::test]
async fn mass_update_records_sends_the_example_and_decodes_the_scheduled_job() {
    let server = Server::start().await;
    MASS_UPDATE_RECORDS
        .mock_json("/Leads/actions/mass_update", MASS_UPDATE_RECORDS.request_example())
        .and(query_is(&[]))
        .respond_with(MASS_UPDATE_RECORDS.reply(200))
        .expect(1)
        .mount(&server)
        .await;

    assert_eq!(mass_update_body(), MASS_UPDATE_RECORDS.typed_request_example());
    let resp = client(&server.uri()).mass_update_records(MODULE, mass_update_body()).await.unwrap();

    let scheduled = action_success(&resp.body().data[0]);
    assert_eq!((&scheduled.code, &scheduled.status), (&ActionSuccessCode::Success, &ActionSuccessStatus::Success));
    assert_eq!(scheduled.message, "mass update scheduled successfully");
    assert_eq!(scheduled.details.job_id.as_deref(), Some("4150868000004915001"));
    assert_eq!(scheduled.details.id, None);

    let missing = error_with(ErrorCode::MandatoryNotFound, "required field not found", json!({ "api_name": "cvid" }));
    check_declared_errors(
        MASS_UPDATE_RECORDS,
        "/Leads/actions/mass_update",
        |uri| async move { client(&uri).mass_update_records(MODULE, mass_update_body()).await },
        errors_after_400!(MassUpdateRecordsError, missing, "Permission denied to update records"),
    )
    .await;
}

#[tokio::test]
async fn mass_update_by_ids_and_territory_decodes_per_record_results() {
    let server = Server::start().await;
    let expected = json!({
        "data": [{ "Rating": "Hot" }],
        "ids": ["111", "222"],
        "criteria": [{ "api_name": "Lead_Source", "comparator": "equal", "value": "Web" }],
        "territory": { "id": "4150868000000319005", "include_child": true },
        "over_write": true
    });
    let reply = json!({ "data": [
        { "code": "SUCCESS", "details": { "id": "111", "Modified_Time": "2024-05-02T12:30:16+05:30" },
          "message": "record updated", "status": "success" },
        { "code": "INVALID_DATA", "details": { "id": "222" }, "message": "record not updated", "status": "error" }
    ] });
    MASS_UPDATE_RECORDS
        .mock_json("/Leads/actions/mass_update", expected)
        .respond_with(ResponseTemplate::new(200).set_body_json(reply))
        .expect(1)
        .mount(&server)
        .await;

    let body = MassUpdateRequest {
        data: vec![serde_json::from_value(json!({ "Rating": "Hot" })).unwrap()],
        ids: Some(strings(&["111", "222"])),
        cvid: None,
        criteria: Some(vec![MassUpdateCriterion {
            api_name: "Lead_Source".into(),
            comparator: "equal".into(),
            value: json!("Web"),
            additional_properties: Default::default(),
        }]),
        territory: Some(TerritoryFilter { id: "4150868000000319005".into(), include_child: Some(true) }),
        over_write: Some(true),
    };
    let resp = client(&server.uri()).mass_update_records(MODULE, body).await.unwrap();

    let results = &resp.body().data;
    let updated = action_success(&results[0]);
    assert_eq!(updated.details.id.as_deref(), Some("111"));
    assert_eq!(updated.details.modified_time, Some(ts("2024-05-02T12:30:16+05:30")));
    match &results[1] {
        ActionResult::ApiError(e) => {
            assert_eq!((&e.code, e.details.id.as_deref()), (&ErrorCode::InvalidData, Some("222")))
        }
        other => panic!("expected an error item, got {other:?}"),
    }
}

#[tokio::test]
async fn get_mass_update_status_sends_the_job_id_and_decodes_the_counts() {
    let server = Server::start().await;
    GET_MASS_UPDATE_STATUS
        .mock("/Leads/actions/mass_update")
        .and(query_is(&["job_id=4150868000004915001"]))
        .respond_with(GET_MASS_UPDATE_STATUS.reply(200))
        .expect(1)
        .mount(&server)
        .await;

    let resp = client(&server.uri()).get_mass_update_status(MODULE, "4150868000004915001").await.unwrap();

    let status = &resp.body().data[0];
    assert_eq!(status.status, MassUpdateStatusStatus::Completed);
    assert_eq!(
        (status.failed_count, status.updated_count, status.not_updated_count, status.total_count),
        (Some(0), Some(3), Some(0), Some(3))
    );

    let no_job = error_with(ErrorCode::MandatoryNotFound, "mandatory param missing", json!({ "param_name": "job_id" }));
    check_declared_errors(
        GET_MASS_UPDATE_STATUS,
        "/Leads/actions/mass_update",
        |uri| async move { client(&uri).get_mass_update_status(MODULE, "4150868000004915001").await },
        vec![
            (400, GetMassUpdateStatusError::BadRequest(no_job)),
            (401, GetMassUpdateStatusError::Unauthorized(scope_mismatch())),
            // A code the enum does not list still decodes, as itself.
            (404, GetMassUpdateStatusError::NotFound(error_with(json_code("NOT_FOUND"), "Empty response", json!({})))),
            (429, GetMassUpdateStatusError::TooManyRequests(too_many_requests())),
            (500, GetMassUpdateStatusError::InternalServerError(internal_error())),
        ],
    )
    .await;
}

fn json_code(code: &str) -> ErrorCode {
    serde_json::from_value(json!(code)).unwrap()
}

// ---------------------------------------------------------------- territories

#[tokio::test]
async fn assign_territories_to_several_records() {
    let server = Server::start().await;
    ASSIGN_TERRITORIES
        .mock_json("/Leads/actions/assign_territories", ASSIGN_TERRITORIES.request_example())
        .respond_with(ASSIGN_TERRITORIES.reply(200))
        .expect(1)
        .mount(&server)
        .await;

    let body = territories(&[
        (Some("4150868000004318009"), &["4150868000004822544"]),
        (Some("4150868000000264087"), &["4150868000004822544"]),
    ]);
    assert_eq!(body, ASSIGN_TERRITORIES.typed_request_example());
    let resp = client(&server.uri()).assign_territories(MODULE, body.clone()).await.unwrap();

    let ids: Vec<Option<&str>> = resp.body().data.iter().map(|r| action_success(r).details.id.as_deref()).collect();
    assert_eq!(ids, [Some("4150868000004318009"), Some("4150868000000264087")]);
    assert_eq!(action_success(&resp.body().data[0]).message, "the territories data updated successfully");

    check_declared_errors(
        ASSIGN_TERRITORIES,
        "/Leads/actions/assign_territories",
        |uri| {
            let body = body.clone();
            async move { client(&uri).assign_territories(MODULE, body).await }
        },
        errors_after_400!(AssignTerritoriesError, invalid_territory(), "Permission denied"),
    )
    .await;
}

#[tokio::test]
async fn assign_territories_to_the_record_of_the_url() {
    let server = Server::start().await;
    let path = "/Leads/554023000003635023/actions/assign_territories";
    ASSIGN_RECORD_TERRITORIES
        .mock_json(path, ASSIGN_RECORD_TERRITORIES.request_example())
        .respond_with(ASSIGN_RECORD_TERRITORIES.reply(200))
        .expect(1)
        .mount(&server)
        .await;

    let body = territories(&[(None, &["554023000000430409", "554023000000430451"])]);
    assert_eq!(body, ASSIGN_RECORD_TERRITORIES.typed_request_example());
    let resp = client(&server.uri()).assign_record_territories(MODULE, RECORD_ID, body.clone()).await.unwrap();

    assert_eq!(action_success(&resp.body().data[0]).details.id.as_deref(), Some(RECORD_ID));

    check_declared_errors(
        ASSIGN_RECORD_TERRITORIES,
        path,
        |uri| {
            let body = body.clone();
            async move { client(&uri).assign_record_territories(MODULE, RECORD_ID, body).await }
        },
        errors_after_400!(AssignRecordTerritoriesError, invalid_territory(), "Permission denied"),
    )
    .await;
}

#[tokio::test]
async fn an_offloaded_assignment_decodes_the_scheduled_code() {
    let server = Server::start().await;
    let reply = json!({ "data": [{ "code": "SCHEDULED", "details": { "job_id": "554023000000555001" },
        "message": "territory assignment scheduled", "status": "success" }] });
    ASSIGN_TERRITORIES
        .mock("/Accounts/actions/assign_territories")
        .respond_with(ResponseTemplate::new(200).set_body_json(reply))
        .expect(1)
        .mount(&server)
        .await;

    let body = territories(&[(Some("1"), &["2"])]);
    let resp = client(&server.uri()).assign_territories("Accounts", body).await.unwrap();

    let scheduled = action_success(&resp.body().data[0]);
    assert_eq!(scheduled.code, ActionSuccessCode::Scheduled);
    assert_eq!(scheduled.details.job_id.as_deref(), Some("554023000000555001"));
}

#[tokio::test]
async fn remove_territories_from_several_records() {
    let server = Server::start().await;
    REMOVE_TERRITORIES
        .mock_json("/Leads/actions/remove_territories", REMOVE_TERRITORIES.request_example())
        .respond_with(REMOVE_TERRITORIES.reply(200))
        .expect(1)
        .mount(&server)
        .await;

    let body = territories(&[(Some("4150868000004318009"), &["4150868000004822544"])]);
    assert_eq!(body, REMOVE_TERRITORIES.typed_request_example());
    let resp = client(&server.uri()).remove_territories(MODULE, body.clone()).await.unwrap();

    let removed = action_success(&resp.body().data[0]);
    assert_eq!(
        (removed.details.id.as_deref(), removed.message.as_str()),
        (Some("4150868000004318009"), "the territories are removed successfully")
    );

    check_declared_errors(
        REMOVE_TERRITORIES,
        "/Leads/actions/remove_territories",
        |uri| {
            let body = body.clone();
            async move { client(&uri).remove_territories(MODULE, body).await }
        },
        errors_after_400!(RemoveTerritoriesError, invalid_territory(), "Permission denied"),
    )
    .await;
}

#[tokio::test]
async fn remove_territories_from_the_record_of_the_url() {
    let server = Server::start().await;
    let path = "/Leads/554023000003635023/actions/remove_territories";
    REMOVE_RECORD_TERRITORIES
        .mock_json(path, REMOVE_RECORD_TERRITORIES.request_example())
        .respond_with(REMOVE_RECORD_TERRITORIES.reply(200))
        .expect(1)
        .mount(&server)
        .await;

    let body = territories(&[(None, &["554023000000430409"])]);
    assert_eq!(body, REMOVE_RECORD_TERRITORIES.typed_request_example());
    let resp = client(&server.uri()).remove_record_territories(MODULE, RECORD_ID, body.clone()).await.unwrap();

    assert_eq!(action_success(&resp.body().data[0]).details.id.as_deref(), Some(RECORD_ID));

    check_declared_errors(
        REMOVE_RECORD_TERRITORIES,
        path,
        |uri| {
            let body = body.clone();
            async move { client(&uri).remove_record_territories(MODULE, RECORD_ID, body).await }
        },
        errors_after_400!(RemoveRecordTerritoriesError, invalid_territory(), "Permission denied"),
    )
    .await;
}

// ---------------------------------------------------------------- rich text

#[tokio::test]
async fn get_rich_text_fields_of_one_record() {
    let server = Server::start().await;
    let path = "/Leads/111112000000070427/actions/fetch_full_data";
    GET_RICH_TEXT_FIELDS
        .mock(path)
        .and(query_is(&["fields=Multi_Line_RTF1,Notes_RTF"]))
        .respond_with(GET_RICH_TEXT_FIELDS.reply(200))
        .expect(1)
        .mount(&server)
        .await;

    let resp = client(&server.uri())
        .get_rich_text_fields(MODULE, "111112000000070427")
        .fields(strings(&["Multi_Line_RTF1", "Notes_RTF"]))
        .await
        .unwrap();

    let record = &resp.body().data[0];
    assert_eq!(record.id.as_deref(), Some("111112000000070427"));
    assert_eq!(
        record.additional_properties["Multi_Line_RTF1"],
        "<b><i>Zoho CRM</i></b> can be customized to the needs of any business."
    );

    let not_rich = error_with(
        ErrorCode::InvalidData,
        "the given field is not a rich text field",
        json!({ "api_name": "Last_Name" }),
    );
    check_declared_errors(
        GET_RICH_TEXT_FIELDS,
        path,
        |uri| async move { client(&uri).get_rich_text_fields(MODULE, "111112000000070427").await },
        errors_after_400!(GetRichTextFieldsError, not_rich, "Permission denied to read"),
    )
    .await;
}

#[tokio::test]
async fn get_rich_text_records_sends_ids_and_fields_comma_separated() {
    let server = Server::start().await;
    GET_RICH_TEXT_RECORDS
        .mock("/Leads/actions/fetch_full_data")
        .and(query_is(&["ids=6660682000000516248,6660682000000516263&fields=RTF,RTF2"]))
        .respond_with(GET_RICH_TEXT_RECORDS.reply(200))
        .expect(1)
        .mount(&server)
        .await;

    let ids = strings(&["6660682000000516248", "6660682000000516263"]);
    let fields = strings(&["RTF", "RTF2"]);
    let resp = client(&server.uri()).get_rich_text_records(MODULE, ids.clone(), fields.clone()).await.unwrap();

    let records = &resp.body().data;
    let got: Vec<(Option<&str>, &Value)> =
        records.iter().map(|r| (r.id.as_deref(), &r.additional_properties["RTF"])).collect();
    assert_eq!(
        got,
        [
            (Some("6660682000000516248"), &json!("<i>first</i><b><i>draft</i></b>")),
            (Some("6660682000000516263"), &json!("<b>second</b> draft")),
        ]
    );
    assert_eq!(records[1].additional_properties["RTF2"], "<i>italic</i> text");

    let missing = error_with(
        ErrorCode::RequiredParamMissing,
        "One of the expected parameter is missing",
        json!({ "param_name": "fields" }),
    );
    check_declared_errors(
        GET_RICH_TEXT_RECORDS,
        "/Leads/actions/fetch_full_data",
        |uri| {
            let (ids, fields) = (ids.clone(), fields.clone());
            async move { client(&uri).get_rich_text_records(MODULE, ids, fields).await }
        },
        errors_after_400!(GetRichTextRecordsError, missing, "Permission denied to read"),
    )
    .await;
}

// ---------------------------------------------------------------- clone

#[tokio::test]
async fn clone_record_sends_the_overrides_and_decodes_the_clone() {
    let server = Server::start().await;
    let path = "/Leads/5725767000002529010/actions/clone";
    CLONE_RECORD
        .mock_json(path, CLONE_RECORD.request_example())
        .respond_with(CLONE_RECORD.reply(201))
        .expect(1)
        .mount(&server)
        .await;

    let body: CloneRecordRequest = CLONE_RECORD.typed_request_example();
    assert_eq!(body.data.as_ref().unwrap()[0].additional_properties["Last_Name"], "Doe (copy)");
    let resp = client(&server.uri()).clone_record(MODULE, "5725767000002529010").body(body).await.unwrap();

    assert_eq!(resp.status(), 201);
    let RecordActionResult::RecordActionSuccess(clone) = &resp.body().data[0] else {
        panic!("expected a success item, got {:?}", resp.body())
    };
    assert_eq!((clone.details.id.as_str(), clone.message.as_str()), ("5725767000002979012", "record added"));
    assert_eq!(clone.details.created_time, Some(ts("2024-05-02T12:30:16+05:30")));
    assert_eq!(clone.details.additional_properties["$approval_state"], "approved");

    let mandatory = BulkErrorResponse::BulkActionResponse(BulkActionResponse {
        data: vec![RecordActionResult::ApiError(error_with(
            ErrorCode::MandatoryNotFound,
            "required field not found",
            json!({ "api_name": "Last_Name", "json_path": "$.data[0].Last_Name" }),
        ))],
    });
    check_declared_errors(
        CLONE_RECORD,
        path,
        |uri| async move {
            client(&uri).clone_record(MODULE, "5725767000002529010").body(CLONE_RECORD.typed_request_example()).await
        },
        errors_after_400!(CloneRecordError, mandatory, "Permission denied to create"),
    )
    .await;
}

#[tokio::test]
async fn clone_record_without_overrides_sends_no_body() {
    let server = Server::start().await;
    let path = "/Leads/5725767000002529010/actions/clone";
    // `Op::mock` expects a JSON body for operations that declare one; the
    // optional body is absent here, so the matchers are spelled out.
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .and(wiremock::matchers::path(path))
        .and(header("authorization", AUTH))
        .and(tests::support::EmptyBody)
        .respond_with(CLONE_RECORD.reply(201))
        .expect(1)
        .mount(&server)
        .await;

    let resp = client(&server.uri()).clone_record(MODULE, "5725767000002529010").await.unwrap();

    assert_eq!(resp.status(), 201);
}

// ---------------------------------------------------------------- photo

#[tokio::test]
async fn delete_photo_decodes_the_flat_status() {
    let server = Server::start().await;
    let path = "/Leads/3000000038009/photo";
    DELETE_PHOTO.mock(path).and(query_is(&[])).respond_with(DELETE_PHOTO.reply(200)).expect(1).mount(&server).await;

    let resp = client(&server.uri()).delete_photo(MODULE, "3000000038009").await.unwrap();

    let deleted = resp.body();
    assert_eq!((&deleted.code, deleted.message.as_str()), (&ActionSuccessCode::Success, "Photo deleted"));
    assert_eq!(deleted.details, ActionDetails::default());

    let no_photo = api_error(ErrorCode::InvalidData, "No such photo exists", ErrorDetails::default());
    check_declared_errors(
        DELETE_PHOTO,
        path,
        |uri| async move { client(&uri).delete_photo(MODULE, "3000000038009").await },
        errors_after_400!(DeletePhotoError, no_photo, "Permission denied to delete"),
    )
    .await;
}

// ---------------------------------------------------------------- notification channels

/// The channel both examples of the spec open and renew.
fn watched(expiry: &str) -> WatchedModule {
    WatchedModule {
        channel_expiry: Some(ts(expiry)),
        resource_uri: Some("https://www.zohoapis.com/crm/v7/Leads".into()),
        resource_id: Some("4150868000000002175".into()),
        resource_name: Some("Leads".into()),
        channel_id: Some("1000000068001".into()),
    }
}

#[tokio::test]
async fn enable_notifications_opens_the_channel_the_webhook_receiver_verifies() {
    let server = Server::start().await;
    ENABLE_NOTIFICATIONS
        .mock_json("/actions/watch", ENABLE_NOTIFICATIONS.request_example())
        .and(query_is(&[]))
        .respond_with(ENABLE_NOTIFICATIONS.reply(200))
        .expect(1)
        .mount(&server)
        .await;

    let body: WatchRequest = ENABLE_NOTIFICATIONS.typed_request_example();
    let channel = &body.watch[0];
    assert_eq!(
        (channel.channel_id, channel.token.as_deref()),
        (1000000068001, Some("TOKEN_FOR_VERIFICATION_OF_1000000068001"))
    );
    assert_eq!(channel.events, ["Leads.all", "Contacts.create"]);
    let resp = client(&server.uri()).enable_notifications(body).await.unwrap();

    let result = &resp.body().watch[0];
    assert_eq!((result.code.as_deref(), result.status.as_deref()), (Some("SUCCESS"), Some("success")));
    assert_eq!(result.details.as_ref().unwrap().events.as_deref(), Some(&[watched("2024-05-03T10:30:00+05:30")][..]));

    check_declared_errors(
        ENABLE_NOTIFICATIONS,
        "/actions/watch",
        |uri| async move { client(&uri).enable_notifications(ENABLE_NOTIFICATIONS.typed_request_example()).await },
        vec![
            (
                400,
                EnableNotificationsError::BadRequest(error_with(
                    ErrorCode::MandatoryNotFound,
                    "required field not found",
                    json!({ "api_name": "notify_url" }),
                )),
            ),
            (
                401,
                EnableNotificationsError::Unauthorized(api_error(
                    ErrorCode::OauthScopeMismatch,
                    "invalid oauth scope to access this URL",
                    ErrorDetails::default(),
                )),
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn update_notifications_renews_the_channel_with_put() {
    let server = Server::start().await;
    UPDATE_NOTIFICATIONS
        .mock_json("/actions/watch", UPDATE_NOTIFICATIONS.request_example())
        .respond_with(UPDATE_NOTIFICATIONS.reply(200))
        .expect(1)
        .mount(&server)
        .await;

    let resp = client(&server.uri()).update_notifications(UPDATE_NOTIFICATIONS.typed_request_example()).await.unwrap();

    let result = &resp.body().watch[0];
    assert_eq!(result.message.as_deref(), Some("Successfully updated the subscribe details"));
    assert_eq!(result.details.as_ref().unwrap().events.as_deref(), Some(&[watched("2024-05-04T10:30:00+05:30")][..]));

    check_declared_errors(
        UPDATE_NOTIFICATIONS,
        "/actions/watch",
        |uri| async move { client(&uri).update_notifications(UPDATE_NOTIFICATIONS.typed_request_example()).await },
        vec![(
            400,
            UpdateNotificationsError::BadRequest(error_with(
                ErrorCode::InvalidData,
                "invalid data",
                json!({ "api_name": "channel_id" }),
            )),
        )],
    )
    .await;
}
