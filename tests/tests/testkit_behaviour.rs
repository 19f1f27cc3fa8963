//! The test kit's promises, adversarially: wrong parameters do not match,
//! an unmet expectation fails naming the operation and what arrived,
//! typed errors and retries, pages in each operation's style, deliveries
//! the receivers accept (and only those), and the fake token endpoint.

use std::time::{Duration, SystemTime};

use crm_clients::highlevel::{conversations as hl_conversations, objects as hl};
use crm_clients::runtime::testing::{TokenFailure, TokenServer};
use crm_clients::runtime::{Error, OAuth2};
use crm_clients::{attio::records as attio, zoho_crm::records as zoho};
use futures_util::TryStreamExt;
use serde_json::json;

fn from<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> T {
    serde_json::from_value(v).unwrap()
}

#[tokio::test]
async fn a_wrong_path_parameter_does_not_match_and_the_check_says_why() {
    let mock = hl::testing::MockServer::start().await;
    mock.get_record("custom_objects.pet", "r-1").times(1).await;
    assert!(mock.client().get_record("custom_objects.pet", "r-2").await.is_err());
    let message = mock.server().check().unwrap_err();
    assert!(
        message.contains("crm_clients::highlevel::objects::get_record` expected exactly 1 call but was called 0 times"),
        "{message}"
    );
    assert!(message.contains("GET /objects/custom_objects.pet/records/r-2"), "{message}");
    assert!(
        message.contains(
            "path /objects/custom_objects.pet/records/r-2 instead of /objects/custom_objects.pet/records/r-1"
        ),
        "{message}"
    );
}

#[tokio::test]
async fn optional_parameters_and_bodies_must_be_the_ones_expected() {
    let mock = hl::testing::MockServer::start().await;
    mock.get_object_schema("pet", "loc-1").with(|b| b.fetch_properties(true)).times(1).await;
    assert!(mock.client().get_object_schema("pet", "loc-1").await.is_err(), "without fetchProperties");
    mock.client().get_object_schema("pet", "loc-1").fetch_properties(true).await.unwrap();
    let body = |loc: &str| hl::UpdateObjectRecordRequest {
        owner: None,
        followers: None,
        properties: Some(from(json!({"name": loc}))),
    };
    mock.update_record("pet", "r-1", "loc-1", body("a")).times(1).await;
    assert!(mock.client().update_record("pet", "r-1", "loc-1", body("b")).await.is_err());
    let message = mock.server().check().unwrap_err();
    assert!(
        message.contains(r#"body {"properties":{"name":"b"}} instead of {"properties":{"name":"a"}}"#),
        "{message}"
    );
}

#[tokio::test]
#[should_panic(
    expected = "crm_clients::highlevel::objects::delete_record` expected exactly 2 calls but was called 1 time"
)]
async fn dropping_the_server_fails_the_test_on_an_unmet_count() {
    let mock = hl::testing::MockServer::start().await;
    mock.delete_record("pet", "r-1").times(2).await;
    mock.client().delete_record("pet", "r-1").await.unwrap();
}

#[tokio::test]
#[should_panic(expected = "requests no expectation matched:\n    - GET /objects/pet/records/r-9")]
async fn dropping_the_server_fails_the_test_on_an_unmatched_request() {
    let mock = hl::testing::MockServer::start().await;
    mock.get_record("pet", "r-1").any_times().await;
    let _ = mock.client().get_record("pet", "r-9").await;
}

#[tokio::test]
async fn typed_errors_and_retry_after() {
    let mock = hl::testing::MockServer::start().await;
    let err =
        hl::GetRecordError::BadRequest(hl::BadRequestError { status_code: Some(400), message: Some("no".into()) });
    mock.get_record("pet", "r-1").fails(err.clone()).times(1).await;
    match mock.client().get_record("pet", "r-1").await {
        Err(Error::Api(e)) => assert_eq!(e.body, err),
        other => panic!("expected the typed 400, got {other:?}"),
    }
    // A 503 with Retry-After, then the example: the client's retry gets it.
    mock.get_record("pet", "r-2").status(503).retry_after(0).times(1).await;
    mock.get_record("pet", "r-2").example().times(1).await;
    let record = mock.client().get_record("pet", "r-2").await.unwrap().into_body();
    assert_eq!(record.record.unwrap().id, "661c06b4ffde146bdb469442");
}

#[tokio::test]
async fn pages_in_each_operations_own_style() {
    // Attio: offset in the body.
    let mock = attio::testing::MockServer::start().await;
    let records: Vec<attio::Record> = (0..7).map(|i| from(json!({"id": {"workspace_id": "00000000-0000-0000-0000-000000000001", "object_id": "00000000-0000-0000-0000-000000000002", "record_id": format!("00000000-0000-0000-0000-00000000000{i}")}, "created_at": "2024-01-01T00:00:00Z", "web_url": "https://x", "values": {}}))).collect();
    mock.list_records("people", from(json!({"limit": 3}))).pages(records.clone(), 3).times(3).await;
    let got: Vec<attio::Record> =
        mock.client().list_records("people", from(json!({"limit": 3}))).stream().try_collect().await.unwrap();
    assert_eq!(got, records);

    // HighLevel conversations: a cursor with a has-more flag.
    let mock = hl_conversations::testing::MockServer::start().await;
    let messages: Vec<hl_conversations::Message> = (0..5).map(|i| from(json!({"id": format!("m{i}"), "type": 1, "messageType": "TYPE_SMS", "locationId": "l", "contactId": "c", "conversationId": "conv", "dateAdded": "2024-01-01T00:00:00Z", "direction": "inbound"}))).collect();
    mock.list_messages("conv").pages(messages.clone(), 2).times(3).await;
    let got: Vec<_> = mock.client().list_messages("conv").stream().try_collect().await.unwrap();
    assert_eq!(got, messages);

    // Zoho: page numbers up to record 2,000, then `page_token`.
    let mock = zoho::testing::MockServer::start().await;
    let leads: Vec<zoho::Record> = (0..2_050).map(|i| from(json!({"id": i.to_string()}))).collect();
    mock.list_records("Leads", vec!["id".into()]).pages(leads.clone(), 200).times(11).await;
    let got: Vec<_> =
        mock.client().list_records("Leads", vec!["id".into()]).per_page(200).stream().try_collect().await.unwrap();
    assert_eq!(got, leads);
    let pages: Vec<String> =
        mock.server().received_requests().await.iter().map(|r| r.url.query().unwrap_or("").to_string()).collect();
    assert!(
        pages[9].contains("page=10") && !pages[10].contains("&page=") && pages[10].contains("page_token=token-2000"),
        "{pages:?}"
    );
}

#[tokio::test]
async fn test_deliveries_are_accepted_by_the_receivers_and_only_untampered() {
    // HighLevel: Ed25519 with a key made for the test.
    let kit = hl::testing::TestWebhook::new();
    let event: hl::WebhookEvent = from(json!({"type": "RecordCreate", "id": "r-1", "locationId": "l"}));
    let d = kit.delivery(&event);
    let got = kit.receiver().verify_and_parse(&d.headers, &d.body).unwrap();
    match got.payload {
        hl::WebhookEvent::RecordCreate(e) => assert_eq!((e.id.as_deref(), e.timestamp.is_some()), (Some("r-1"), true)),
        other => panic!("{other:?}"),
    }
    assert!(got.id.unwrap().starts_with("test-delivery-"));
    assert!(
        hl::Webhook::new().unwrap().verify_and_parse(&d.headers, &d.body).is_err(),
        "HighLevel's real key refuses it"
    );
    let mut tampered = d.body.clone();
    tampered[2] ^= 1;
    assert!(kit.receiver().verify_and_parse(&d.headers, &tampered).is_err());
    let stale = kit.delivery_at(&event, SystemTime::now() - Duration::from_secs(3600));
    assert!(kit.receiver().verify_and_parse(&stale.headers, &stale.body).is_err(), "outside the replay window");

    // Attio: HMAC with the application's own secret, its own receiver.
    let kit = attio::testing::TestWebhook::new().secret("whsec-of-the-app");
    let envelope: attio::WebhookEnvelope = from(
        json!({"webhook_id": "w", "events": [{"event_type": "record.created", "id": {"workspace_id": "00000000-0000-0000-0000-000000000001", "object_id": "00000000-0000-0000-0000-000000000002", "record_id": "00000000-0000-0000-0000-000000000003"}, "actor": {"type": "system", "id": null}}]}),
    );
    let d = kit.delivery(&envelope);
    let receiver = attio::Webhook::new("whsec-of-the-app").unwrap();
    assert_eq!(receiver.verify_and_parse(&d.headers, &d.body).unwrap().payload, envelope);
    assert!(attio::Webhook::new("another").unwrap().verify_and_parse(&d.headers, &d.body).is_err());

    // Zoho: the channel token and `server_time`.
    let kit = zoho::testing::TestWebhook::new().secret("channel-token");
    let n: zoho::WebhookEvent =
        from(json!({"operation": "insert", "module": "Leads", "ids": ["1"], "channel_id": "1000000068001"}));
    let d = kit.delivery(&n);
    assert!(zoho::Webhook::new("channel-token").unwrap().verify_and_parse(&d.headers, &d.body).is_ok());
    assert!(zoho::Webhook::new("other-token").unwrap().verify_and_parse(&d.headers, &d.body).is_err());
}

#[tokio::test]
async fn the_fake_token_endpoint_rotates_expires_and_fails_on_demand() {
    let tokens = TokenServer::builder().expires_in(Duration::from_secs(1)).start().await;
    let mock = hl::testing::MockServer::start().await;
    let oauth = OAuth2::refresh_token("id", "secret", tokens.initial_refresh_token()).token_url(tokens.token_url());
    let client = hl::Client::builder().base_url(mock.uri()).oauth2(oauth).build().unwrap();
    mock.get_record("pet", "r-1").header("authorization", "Bearer access-1").times(1).await;
    client.get_record("pet", "r-1").await.unwrap();
    assert_eq!(tokens.valid_refresh_tokens(), ["refresh-1"], "the first refresh token was rotated away");
    // The refresh token rotated away is refused: a client holding it must reauthorize.
    let stale = OAuth2::refresh_token("id", "secret", tokens.initial_refresh_token()).token_url(tokens.token_url());
    let stale = hl::Client::builder().base_url(mock.uri()).oauth2(stale).build().unwrap();
    match stale.get_record("pet", "r-1").await {
        Err(Error::Auth(e)) => assert!(e.needs_reauthorization(), "{e}"),
        other => panic!("expected invalid_grant, got {other:?}"),
    }
    // A failure on demand: the valid token is refused once.
    tokens.fail_next(TokenFailure::InvalidGrant);
    let valid = tokens.valid_refresh_tokens().remove(0);
    let once = OAuth2::refresh_token("id", "secret", valid).token_url(tokens.token_url());
    let once = hl::Client::builder().base_url(mock.uri()).oauth2(once).build().unwrap();
    assert!(matches!(once.get_record("pet", "r-1").await, Err(Error::Auth(_))));
    assert_eq!(tokens.grants(), ["refresh_token", "refresh_token", "refresh_token"]);
}

#[tokio::test]
async fn operations_named_like_the_mock_servers_own_methods_get_numbered_names() {
    // `tests/fixtures/mock_names.yaml`: operations `start`, `client`, `uri`...,
    // a schema `MockServer`, a builder that would be `TestWebhook`.
    use tests::fixtures::mock_names as api;
    let mock = api::testing::MockServer::start().await;
    let started = api::MockServer2 { name: Some("up".into()) };
    mock.start2().returns(started.clone()).times(1).await;
    mock.client2("c-1", "i-1").times(1).await;
    mock.uri2().times(1).await;
    mock.test_webhook(started.clone()).with(|b| b.pagination("p").mock_request("m")).times(1).await;
    // The mock server's own methods keep their meaning.
    let client: api::Client = mock.client();
    assert!(mock.uri().starts_with("http://127.0.0.1:"), "{}", mock.uri());
    assert_eq!(client.start2().await.unwrap().into_body(), started);
    client.client2("c-1", "i-1").await.unwrap();
    client.uri2().await.unwrap();
    let other = mock.client_builder().bearer_token("t").build().unwrap();
    other.test_webhook(started).pagination("p").mock_request("m").await.unwrap();
    let requests = mock.server().received_requests().await;
    let paths: Vec<&str> = requests.iter().map(|r| r.url.path()).collect();
    assert_eq!(paths, ["/start", "/client/c-1", "/uri", "/test-webhook"]);
    assert_eq!(requests[1].url.query(), Some("inner=i-1"));
}

#[tokio::test]
async fn a_401_from_the_api_refreshes_through_the_token_server() {
    let tokens = TokenServer::start().await;
    let mock = hl::testing::MockServer::start().await;
    // Not the test credentials of `client()`: HighLevel lists its API key first.
    let client = mock.client_builder().oauth2(tokens.oauth2()).build().unwrap();
    mock.get_record("pet", "r-1").header("authorization", "Bearer access-1").status(401).times(1).await;
    mock.get_record("pet", "r-1").header("authorization", "Bearer access-2").times(1).await;
    client.get_record("pet", "r-1").await.unwrap();
    assert_eq!(tokens.grants(), ["refresh_token", "refresh_token"]);
    assert_eq!(tokens.valid_refresh_tokens(), ["refresh-2"]);
}

#[tokio::test]
async fn a_revoked_access_token_is_answered_401_and_replaced() {
    let tokens = TokenServer::start().await;
    let mock = hl::testing::MockServer::start().await;
    mock.server().require_tokens_from(&tokens).await;
    let client = mock.client_builder().oauth2(tokens.oauth2()).build().unwrap();
    mock.get_record("pet", "r-1").times(3).await;
    client.get_record("pet", "r-1").await.unwrap();
    client.get_record("pet", "r-1").await.unwrap();
    assert_eq!(tokens.access_tokens(), ["access-1"], "a valid token is kept");
    tokens.revoke_access_tokens();
    assert!(!tokens.is_valid_access_token("access-1"));
    client.get_record("pet", "r-1").await.unwrap();
    assert_eq!(tokens.access_tokens(), ["access-1", "access-2"]);
    let auths: Vec<String> = mock
        .server()
        .received_requests()
        .await
        .iter()
        .map(|r| r.headers.get("authorization").unwrap().to_str().unwrap().to_string())
        .collect();
    assert_eq!(auths, ["Bearer access-1", "Bearer access-1", "Bearer access-1", "Bearer access-2"]);
    // A client with a token the endpoint never issued gets the 401 itself.
    let stranger = mock.client_builder().access_token("forged").build().unwrap();
    match stranger.get_record("pet", "r-1").await {
        Err(e) => assert_eq!(e.status().map(|s| s.as_u16()), Some(401), "{e:?}"),
        Ok(r) => panic!("a forged token was accepted: {r:?}"),
    }
}
