//! End-to-end tests of the Attio operations a records client needs besides
//! the records themselves: every operation of `crm_clients::attio::objects`
//! (specs/attio/objects.yaml) and `search_records` of
//! `crm_clients::attio::records`, against a wiremock server. Each test checks
//! the request on the wire (method, exact path, exact query string, bearer
//! auth, the JSON body of the spec's example or none) and decodes the spec's
//! response example into concrete values; every declared error status is
//! decoded into its typed variant. That every operation of objects.yaml is
//! called is checked from the requests the mock servers received.

use crm_clients::attio::objects::*;
use crm_clients::attio::records;
use crm_clients::runtime::RetryPolicy;
use futures_util::TryStreamExt;
use serde_json::json;
use tests::support::{Api, Op, Server, assert_every_operation_is_called, check_declared_errors, query_is};
use uuid::Uuid;

const TOKEN: &str = "attio-test-token-5f1c";
const AUTH: &str = "Bearer attio-test-token-5f1c";
const ATTRIBUTE: &str = "41252299-f8c7-4b5e-99c9-4ff8321d2f96";

static OBJECTS: Api = Api::new("attio/objects.yaml", &[("authorization", AUTH)]);
static RECORDS: Api = Api::new("attio/records.yaml", &[("authorization", AUTH)]);

const LIST_OBJECTS: Op = Op::new(&OBJECTS, "list_objects", "GET", "/objects");
const CREATE_OBJECT: Op = Op::new(&OBJECTS, "create_object", "POST", "/objects");
const GET_OBJECT: Op = Op::new(&OBJECTS, "get_object", "GET", "/objects/{object}");
const UPDATE_OBJECT: Op = Op::new(&OBJECTS, "update_object", "PATCH", "/objects/{object}");
const LIST_ATTRIBUTES: Op = Op::new(&OBJECTS, "list_attributes", "GET", "/{target}/{identifier}/attributes");
const GET_ATTRIBUTE: Op = Op::new(&OBJECTS, "get_attribute", "GET", "/{target}/{identifier}/attributes/{attribute}");
const LIST_SELECT_OPTIONS: Op =
    Op::new(&OBJECTS, "list_select_options", "GET", "/{target}/{identifier}/attributes/{attribute}/options");
const LIST_STATUSES: Op =
    Op::new(&OBJECTS, "list_statuses", "GET", "/{target}/{identifier}/attributes/{attribute}/statuses");
const IDENTIFY_SELF: Op = Op::new(&OBJECTS, "identify_self", "GET", "/self");
const SEARCH_RECORDS: Op = Op::new(&RECORDS, "search_records", "POST", "/objects/records/search");

const W_ATTRIBUTES: &str = "/objects/people/attributes";
const W_ATTRIBUTE: &str = "/objects/people/attributes/41252299-f8c7-4b5e-99c9-4ff8321d2f96";
const W_OPTIONS: &str = "/lists/deals-pipeline/attributes/41252299-f8c7-4b5e-99c9-4ff8321d2f96/options";
const W_STATUSES: &str = "/lists/deals-pipeline/attributes/41252299-f8c7-4b5e-99c9-4ff8321d2f96/statuses";

#[test]
fn every_operation_of_the_objects_spec_is_called_on_the_wire() {
    let coverage = assert_every_operation_is_called(&[&OBJECTS]);
    assert_eq!(coverage["attio/objects.yaml"].len(), 9);
}

fn client(server: &Server) -> Client {
    client_for(server.uri())
}

fn client_for(base_url: String) -> Client {
    Client::builder().bearer_token(TOKEN).base_url(base_url).retry(RetryPolicy::none()).build().unwrap()
}

fn uuid(text: &str) -> Uuid {
    text.parse().unwrap()
}

fn ts(text: &str) -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339(text).unwrap()
}

fn api_error(status_code: i64, kind: &str, code: &str, message: &str) -> ApiError {
    ApiError { status_code, r#type: kind.into(), code: code.into(), message: message.into() }
}

fn rate_limited() -> ApiError {
    api_error(429, "rate_limit_error", "rate_limit_exceeded", "Rate limit exceeded, please try again later")
}

fn object_not_found() -> ApiError {
    api_error(404, "invalid_request_error", "not_found", "Object with slug/ID \"people\" not found.")
}

fn attribute_not_found() -> ApiError {
    api_error(404, "invalid_request_error", "not_found", "Attribute with slug/ID \"my-attribute\" not found.")
}

fn people() -> AttioObject {
    AttioObject {
        id: ObjectId {
            workspace_id: uuid("14beef7a-99f7-4534-a87e-70b564330a4c"),
            object_id: uuid("97052eb9-e65e-443f-a297-f2d9a4a7f795"),
        },
        api_slug: Some("people".into()),
        singular_noun: Some("Person".into()),
        plural_noun: Some("People".into()),
        created_at: ts("2022-11-21T13:22:49.061281Z"),
    }
}

fn projects() -> AttioObject {
    AttioObject {
        id: ObjectId {
            workspace_id: uuid("14beef7a-99f7-4534-a87e-70b564330a4c"),
            object_id: uuid("2bd6c5e7-34a8-4c8a-9f1e-6b0b4f1c9d22"),
        },
        api_slug: Some("projects".into()),
        singular_noun: Some("Project".into()),
        plural_noun: Some("Projects".into()),
        created_at: ts("2024-06-03T10:15:00Z"),
    }
}

// ---------------------------------------------------------------- objects

#[tokio::test]
async fn list_objects_decodes_objects_with_and_without_nouns() {
    let server = Server::start().await;
    LIST_OBJECTS
        .mock("/objects")
        .and(query_is(&[]))
        .respond_with(LIST_OBJECTS.reply(200))
        .expect(1)
        .mount(&server)
        .await;

    let resp = client(&server).list_objects().await.unwrap();

    assert_eq!(resp.status(), 200);
    let objects = &resp.body().data;
    assert_eq!(objects.len(), 2);
    assert_eq!(objects[0], people());
    let unnamed = &objects[1];
    assert_eq!(unnamed.id.object_id, uuid("5e3a1f0b-7c44-4bb1-9a1e-8a7d2e6c0b51"));
    assert_eq!((&unnamed.api_slug, &unnamed.singular_noun, &unnamed.plural_noun), (&None, &None, &None));
    assert_eq!(unnamed.created_at, ts("2023-02-01T09:00:00Z"));

    check_declared_errors(
        LIST_OBJECTS,
        "/objects",
        |uri| async move { client_for(uri).list_objects().await },
        vec![(429, ListObjectsError::TooManyRequests(rate_limited()))],
    )
    .await;
}

#[tokio::test]
async fn create_object_sends_the_example_and_decodes_the_new_object() {
    let server = Server::start().await;
    CREATE_OBJECT
        .mock_json("/objects", CREATE_OBJECT.request_example())
        .and(query_is(&[]))
        .respond_with(CREATE_OBJECT.reply(200))
        .expect(1)
        .mount(&server)
        .await;

    let body = CreateObjectRequest {
        data: CreateObjectRequestData {
            api_slug: "projects".into(),
            singular_noun: "Project".into(),
            plural_noun: "Projects".into(),
        },
    };
    assert_eq!(body, CREATE_OBJECT.typed_request_example());
    let resp = client(&server).create_object(body.clone()).await.unwrap();

    assert_eq!(resp.body().data, projects());

    let conflict = api_error(
        409,
        "invalid_request_error",
        "slug_conflict",
        "Failed to create object. Please ensure your api_slug and names are unique.",
    );
    check_declared_errors(
        CREATE_OBJECT,
        "/objects",
        |uri| {
            let body = body.clone();
            async move { client_for(uri).create_object(body).await }
        },
        vec![(409, CreateObjectError::Conflict(conflict)), (429, CreateObjectError::TooManyRequests(rate_limited()))],
    )
    .await;
}

#[tokio::test]
async fn get_object_puts_the_slug_in_the_path() {
    let server = Server::start().await;
    GET_OBJECT
        .mock("/objects/people")
        .and(query_is(&[]))
        .respond_with(GET_OBJECT.reply(200))
        .expect(1)
        .mount(&server)
        .await;

    let resp = client(&server).get_object("people").await.unwrap();

    assert_eq!(resp.body().data, people());

    check_declared_errors(
        GET_OBJECT,
        "/objects/people",
        |uri| async move { client_for(uri).get_object("people").await },
        vec![
            (404, GetObjectError::NotFound(object_not_found())),
            (429, GetObjectError::TooManyRequests(rate_limited())),
        ],
    )
    .await;
}

#[tokio::test]
async fn update_object_sends_only_the_changed_noun() {
    let server = Server::start().await;
    // The example changes one noun: the others must not be sent as nulls.
    assert_eq!(UPDATE_OBJECT.request_example(), json!({ "data": { "plural_noun": "Projects" } }));
    UPDATE_OBJECT
        .mock_json("/objects/projects", UPDATE_OBJECT.request_example())
        .respond_with(UPDATE_OBJECT.reply(200))
        .expect(1)
        .mount(&server)
        .await;

    let body = UpdateObjectRequest {
        data: UpdateObjectRequestData { plural_noun: Some("Projects".into()), ..Default::default() },
    };
    let resp = client(&server).update_object("projects", body.clone()).await.unwrap();

    assert_eq!(resp.body().data, projects());

    let empty = api_error(
        400,
        "invalid_request_error",
        "validation_type",
        "You passed an empty payload. Please ensure you are updating at least one property in your request.",
    );
    let conflict = api_error(
        409,
        "invalid_request_error",
        "slug_conflict",
        "Failed to update object. Please ensure api_slug is unique.",
    );
    check_declared_errors(
        UPDATE_OBJECT,
        "/objects/projects",
        |uri| {
            let body = body.clone();
            async move { client_for(uri).update_object("projects", body).await }
        },
        vec![
            (400, UpdateObjectError::BadRequest(empty)),
            (404, UpdateObjectError::NotFound(object_not_found())),
            (409, UpdateObjectError::Conflict(conflict)),
            (429, UpdateObjectError::TooManyRequests(rate_limited())),
        ],
    )
    .await;
}

// ---------------------------------------------------------------- attributes

#[tokio::test]
async fn list_attributes_sends_paging_and_archive_flags_and_decodes_both_attributes() {
    let server = Server::start().await;
    LIST_ATTRIBUTES
        .mock(W_ATTRIBUTES)
        .and(query_is(&["limit=10&offset=5&show_archived=true"]))
        .respond_with(LIST_ATTRIBUTES.reply(200))
        .expect(1)
        .mount(&server)
        .await;

    let resp = client(&server)
        .list_attributes(AttributeTarget::Objects, "people")
        .limit(10)
        .offset(5)
        .show_archived(true)
        .await
        .unwrap();

    let attributes = &resp.body().data;
    assert_eq!(attributes.len(), 2);
    let rating = &attributes[0];
    assert_eq!(rating.id.attribute_id, uuid(ATTRIBUTE));
    assert_eq!((rating.title.as_str(), rating.api_slug.as_str()), ("Rating", "rating"));
    assert_eq!(rating.description.as_deref(), Some("Rating of the record out of 5"));
    assert_eq!(rating.r#type, AttributeType::Rating);
    assert!(!rating.is_system_attribute && rating.is_writable && !rating.is_required && !rating.is_archived);
    assert_eq!((&rating.default_value, &rating.relationship), (&None, &None));
    assert_eq!(rating.created_at, ts("2021-11-21T13:22:49.061Z"));
    assert_eq!(rating.config.currency.default_currency_code, None);
    assert_eq!(rating.config.record_reference.allowed_object_ids, None);

    let deal_value = &attributes[1];
    assert_eq!(deal_value.r#type, AttributeType::Currency);
    assert_eq!(deal_value.description, None);
    assert!(deal_value.is_required && deal_value.is_default_value_enabled);
    let default = deal_value.default_value.as_ref().unwrap();
    assert_eq!(default.r#type, DefaultValueType::Static);
    assert_eq!(default.template, json!([{ "currency_value": 0, "attribute_type": "currency" }]));
    assert_eq!(deal_value.config.currency.default_currency_code.as_deref(), Some("USD"));
    assert_eq!(deal_value.config.currency.display_type, Some(CurrencyConfigDisplayType::Symbol));

    check_declared_errors(
        LIST_ATTRIBUTES,
        W_ATTRIBUTES,
        |uri| async move { client_for(uri).list_attributes(AttributeTarget::Objects, "people").await },
        vec![
            (404, ListAttributesError::NotFound(object_not_found())),
            (429, ListAttributesError::TooManyRequests(rate_limited())),
        ],
    )
    .await;
}

#[tokio::test]
async fn list_attributes_stream_advances_the_offset_until_a_short_page() {
    let server = Server::start().await;
    let example = LIST_ATTRIBUTES.response_example(200);
    let full = example.clone();
    let short = json!({ "data": [example["data"][0].clone()] });
    for (query, body) in [("limit=2", full), ("limit=2&offset=2", short)] {
        LIST_ATTRIBUTES
            .mock(W_ATTRIBUTES)
            .and(query_is(&[query]))
            .respond_with(wiremock::ResponseTemplate::new(200).set_body_json(body))
            .expect(1)
            .mount(&server)
            .await;
    }

    let attributes: Vec<Attribute> = client(&server)
        .list_attributes(AttributeTarget::Objects, "people")
        .limit(2)
        .stream()
        .try_collect()
        .await
        .unwrap();

    let slugs: Vec<&str> = attributes.iter().map(|a| a.api_slug.as_str()).collect();
    assert_eq!(slugs, ["rating", "deal_value", "rating"]);
}

#[tokio::test]
async fn get_attribute_decodes_a_relationship_and_its_allowed_objects() {
    let server = Server::start().await;
    GET_ATTRIBUTE
        .mock(W_ATTRIBUTE)
        .and(query_is(&[]))
        .respond_with(GET_ATTRIBUTE.reply(200))
        .expect(1)
        .mount(&server)
        .await;

    let resp = client(&server).get_attribute(AttributeTarget::Objects, "people", ATTRIBUTE).await.unwrap();

    let company = &resp.body().data;
    assert_eq!(company.r#type, AttributeType::RecordReference);
    assert!(company.is_system_attribute);
    let related = company.relationship.as_ref().unwrap();
    assert_eq!(related.id.attribute_id, uuid("3e4f5a6b-7c8d-4e9f-8a1b-2c3d4e5f6a7b"));
    assert_eq!(
        company.config.record_reference.allowed_object_ids,
        Some(vec![uuid("0c5b3e1d-2a4f-4b6c-9d8e-7f1a2b3c4d5e")])
    );

    check_declared_errors(
        GET_ATTRIBUTE,
        W_ATTRIBUTE,
        |uri| async move { client_for(uri).get_attribute(AttributeTarget::Objects, "people", ATTRIBUTE).await },
        vec![
            (404, GetAttributeError::NotFound(attribute_not_found())),
            (429, GetAttributeError::TooManyRequests(rate_limited())),
        ],
    )
    .await;
}

#[tokio::test]
async fn list_select_options_of_a_list_attribute() {
    let server = Server::start().await;
    LIST_SELECT_OPTIONS
        .mock(W_OPTIONS)
        .and(query_is(&["show_archived=true"]))
        .respond_with(LIST_SELECT_OPTIONS.reply(200))
        .expect(1)
        .mount(&server)
        .await;

    let resp = client(&server)
        .list_select_options(AttributeTarget::Lists, "deals-pipeline", ATTRIBUTE)
        .show_archived(true)
        .await
        .unwrap();

    let options = &resp.body().data;
    let titles: Vec<(&str, bool)> = options.iter().map(|o| (o.title.as_str(), o.is_archived)).collect();
    assert_eq!(titles, [("Medium", false), ("High", true)]);
    assert_eq!(options[0].id.option_id, uuid("08c2c59a-c18e-40c6-8dc4-95415313b2ea"));
    assert_eq!(options[1].id.attribute_id, uuid(ATTRIBUTE));

    check_declared_errors(
        LIST_SELECT_OPTIONS,
        W_OPTIONS,
        |uri| async move {
            client_for(uri).list_select_options(AttributeTarget::Lists, "deals-pipeline", ATTRIBUTE).await
        },
        vec![
            (404, ListSelectOptionsError::NotFound(attribute_not_found())),
            (429, ListSelectOptionsError::TooManyRequests(rate_limited())),
        ],
    )
    .await;
}

#[tokio::test]
async fn list_statuses_decodes_targets_and_celebrations() {
    let server = Server::start().await;
    LIST_STATUSES
        .mock(W_STATUSES)
        .and(query_is(&[]))
        .respond_with(LIST_STATUSES.reply(200))
        .expect(1)
        .mount(&server)
        .await;

    let resp = client(&server).list_statuses(AttributeTarget::Lists, "deals-pipeline", ATTRIBUTE).await.unwrap();

    let statuses = &resp.body().data;
    assert_eq!(statuses.len(), 2);
    assert_eq!(statuses[0].id.status_id, uuid("11f07f01-c10f-4e05-a522-33e050bc52ee"));
    assert_eq!((statuses[0].title.as_str(), statuses[0].celebration_enabled), ("In Progress", false));
    assert_eq!(statuses[0].target_time_in_status, None);
    assert_eq!((statuses[1].title.as_str(), statuses[1].celebration_enabled), ("Won", true));
    assert_eq!(statuses[1].target_time_in_status.as_deref(), Some("P0Y0M1DT0H0M0S"));

    check_declared_errors(
        LIST_STATUSES,
        W_STATUSES,
        |uri| async move { client_for(uri).list_statuses(AttributeTarget::Lists, "deals-pipeline", ATTRIBUTE).await },
        vec![
            (404, ListStatusesError::NotFound(attribute_not_found())),
            (429, ListStatusesError::TooManyRequests(rate_limited())),
        ],
    )
    .await;
}

// ---------------------------------------------------------------- self

#[tokio::test]
async fn identify_self_decodes_an_active_token() {
    let server = Server::start().await;
    IDENTIFY_SELF
        .mock("/self")
        .and(query_is(&[]))
        .respond_with(IDENTIFY_SELF.reply(200))
        .expect(1)
        .mount(&server)
        .await;

    let resp = client(&server).identify_self().await.unwrap();

    let token = resp.body();
    assert!(token.active);
    assert_eq!(token.scope.as_deref(), Some("record_permission:read object_configuration:read"));
    assert_eq!(token.token_type, Some(TokenInfoTokenType::Bearer));
    assert_eq!(token.exp, Some(None));
    assert_eq!(token.iat, Some(1_717_171_717));
    assert_eq!(token.workspace_id, Some(uuid("14beef7a-99f7-4534-a87e-70b564330a4c")));
    assert_eq!(token.authorized_by_workspace_member_id, Some(uuid("50cf242c-7fa3-4cad-87d0-75b1af71c57b")));
    assert_eq!(token.workspace_slug.as_deref(), Some("example-corp"));
    assert_eq!(token.workspace_logo_url, Some(None));

    check_declared_errors(
        IDENTIFY_SELF,
        "/self",
        |uri| async move { client_for(uri).identify_self().await },
        vec![(429, IdentifySelfError::TooManyRequests(rate_limited()))],
    )
    .await;
}

#[tokio::test]
async fn identify_self_decodes_an_inactive_token_from_its_single_field() {
    let server = Server::start().await;
    IDENTIFY_SELF
        .mock("/self")
        .respond_with(wiremock::ResponseTemplate::new(200).set_body_json(json!({ "active": false })))
        .expect(1)
        .mount(&server)
        .await;

    let resp = client(&server).identify_self().await.unwrap();

    let token = resp.body();
    assert!(!token.active);
    // Absent, not null: the inactive shape carries nothing else.
    assert_eq!((&token.scope, &token.exp, &token.iat, &token.workspace_id), (&None, &None, &None, &None));
    assert_eq!((&token.workspace_logo_url, &token.token_type), (&None, &None));
}

// ---------------------------------------------------------------- records search

#[tokio::test]
async fn search_records_sends_the_example_and_decodes_people_and_companies() {
    let server = Server::start().await;
    SEARCH_RECORDS
        .mock_json("/objects/records/search", SEARCH_RECORDS.request_example())
        .and(query_is(&[]))
        .respond_with(SEARCH_RECORDS.reply(200))
        .expect(1)
        .mount(&server)
        .await;

    let body = records::SearchRecordsRequest {
        query: "alan mathis".into(),
        limit: Some(25),
        objects: vec!["people".into(), "companies".into()],
        request_as: records::SearchRequestAs {
            r#type: records::SearchRequestAsType::Workspace,
            workspace_member_id: None,
            email_address: None,
        },
    };
    assert_eq!(body, SEARCH_RECORDS.typed_request_example());
    let client = records::Client::builder().bearer_token(TOKEN).base_url(server.uri()).build().unwrap();
    let resp = client.search_records(body.clone()).await.unwrap();

    let found = &resp.body().data;
    assert_eq!(found.len(), 2);
    let alan = &found[0];
    assert_eq!(alan.id.record_id, uuid("bf071e1f-6035-429d-b874-d83ea64ea13b"));
    assert_eq!((alan.record_text.as_str(), alan.object_slug.as_str()), ("Alan Mathison Turing", "people"));
    assert!(alan.record_image.as_deref().is_some_and(|url| url.ends_with("e67b8980-7dbb-46bf-95e3-266d7bceb096")));
    assert_eq!(alan.email_addresses.as_deref(), Some(&["alan@bletchley.gov.uk".to_string()][..]));
    assert_eq!(alan.phone_numbers.as_deref(), Some(&["+15558675309".to_string()][..]));
    assert_eq!(alan.domains, None);
    let park = &found[1];
    assert_eq!((park.object_slug.as_str(), &park.record_image), ("companies", &None));
    assert_eq!(park.domains.as_deref(), Some(&["bletchleypark.org.uk".to_string()][..]));

    let unknown = records::Error2 {
        status_code: 400,
        r#type: "invalid_request_error".into(),
        code: "value_not_found".into(),
        message: "Object with slug/ID \"foobar\" not found.".into(),
    };
    let limited = records::Error2 {
        status_code: 429,
        r#type: "rate_limit_error".into(),
        code: "rate_limit_exceeded".into(),
        message: "Rate limit exceeded, please try again later".into(),
    };
    check_declared_errors(
        SEARCH_RECORDS,
        "/objects/records/search",
        |uri| {
            let body = body.clone();
            async move {
                let client = records::Client::builder()
                    .bearer_token(TOKEN)
                    .base_url(uri)
                    .retry(RetryPolicy::none())
                    .build()
                    .unwrap();
                client.search_records(body).await
            }
        },
        vec![
            (400, records::SearchRecordsError::BadRequest(unknown)),
            (429, records::SearchRecordsError::TooManyRequests(limited)),
        ],
    )
    .await;
}

#[tokio::test]
async fn search_records_as_a_workspace_member_sends_the_member_id() {
    let server = Server::start().await;
    let expected = json!({
        "query": "",
        "objects": ["deals"],
        "request_as": { "type": "workspace-member", "workspace_member_id": "50cf242c-7fa3-4cad-87d0-75b1af71c57b" }
    });
    SEARCH_RECORDS
        .mock_json("/objects/records/search", expected)
        .respond_with(wiremock::ResponseTemplate::new(200).set_body_json(json!({ "data": [] })))
        .expect(1)
        .mount(&server)
        .await;

    let body = records::SearchRecordsRequest {
        query: String::new(),
        limit: None,
        objects: vec!["deals".into()],
        request_as: records::SearchRequestAs {
            r#type: records::SearchRequestAsType::WorkspaceMember,
            workspace_member_id: Some(uuid("50cf242c-7fa3-4cad-87d0-75b1af71c57b")),
            email_address: None,
        },
    };
    let client = records::Client::builder().bearer_token(TOKEN).base_url(server.uri()).build().unwrap();
    let resp = client.search_records(body).await.unwrap();

    assert!(resp.body().data.is_empty());
}
