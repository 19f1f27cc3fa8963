//! End-to-end tests of the HighLevel Conversations operations added for the
//! complete API (custom subtypes, unsubscriptions, message export, review
//! replies, signed-URL uploads, message attachments) in
//! `crm_clients::highlevel::conversations`, against a wiremock server. Each
//! test checks the request on the wire (method, exact path, exact query
//! string, bearer auth, the `Version: 2021-04-15` header, the JSON body of the
//! spec's example) and decodes the spec's response example into concrete
//! values; every declared error status is decoded into its typed variant,
//! and the export is streamed across pages on `cursor` / `nextCursor`.

use crm_clients::highlevel::conversations::*;
use crm_clients::runtime::RetryPolicy;
use futures_util::TryStreamExt;
use serde_json::{Value, json};
use tests::support::{Api, Op, Server, check_declared_errors, query_is};
use wiremock::ResponseTemplate;

const TOKEN: &str = "hl-test-token";
const AUTH: &str = "Bearer hl-test-token";
const LOCATION: &str = "ve9EPM428h8vShlRW1KT";

static CONVERSATIONS: Api =
    Api::new("highlevel/conversations.yaml", &[("authorization", AUTH), ("Version", "2021-04-15")]);

const P_SUBTYPES: &str = "/conversations/preferences/custom-subtypes";
const LIST_CUSTOM_SUBTYPES: Op = Op::new(&CONVERSATIONS, "list_custom_subtypes", "GET", P_SUBTYPES);
const CREATE_CUSTOM_SUBTYPE: Op = Op::new(&CONVERSATIONS, "create_custom_subtype", "POST", P_SUBTYPES);
const UPDATE_CUSTOM_SUBTYPE: Op =
    Op::new(&CONVERSATIONS, "update_custom_subtype", "PUT", "/conversations/preferences/custom-subtypes/{id}");
const GET_CONTACT_UNSUBSCRIPTION_STATUS: Op = Op::new(
    &CONVERSATIONS,
    "get_contact_unsubscription_status",
    "GET",
    "/conversations/preferences/unsubscriptions/status",
);
const CHANGE_USER_SUBSCRIPTION: Op = Op::new(
    &CONVERSATIONS,
    "change_user_subscription",
    "POST",
    "/conversations/preferences/unsubscriptions/user-change",
);
const EXPORT_MESSAGES: Op = Op::new(&CONVERSATIONS, "export_messages", "GET", "/conversations/messages/export");
const SEND_REVIEW_REPLY: Op =
    Op::new(&CONVERSATIONS, "send_review_reply", "POST", "/conversations/messages/review-reply");
const INITIATE_FILE_UPLOAD: Op =
    Op::new(&CONVERSATIONS, "initiate_file_upload", "POST", "/conversations/messages/upload/initiate");
const COMPLETE_FILE_UPLOAD: Op =
    Op::new(&CONVERSATIONS, "complete_file_upload", "POST", "/conversations/messages/upload/complete");
const ADD_MESSAGE_ATTACHMENTS: Op =
    Op::new(&CONVERSATIONS, "add_message_attachments", "PUT", "/conversations/messages/{messageId}/attachments");

const W_SUBTYPE: &str = "/conversations/preferences/custom-subtypes/ve9EPM428h8vShlRW1KT";
const W_ATTACHMENTS: &str = "/conversations/messages/t22c6DQcTDf3MjRhwf77/attachments";
const LOCATION_QUERY: &str = "locationId=ve9EPM428h8vShlRW1KT";

fn client(uri: &str) -> Client {
    Client::builder().bearer_token(TOKEN).base_url(uri).retry(RetryPolicy::none()).build().expect("client")
}

fn bad_request() -> BadRequestError {
    BadRequestError { status_code: Some(400), message: Some("Bad Request".into()) }
}

fn unauthorized() -> UnauthorizedError {
    UnauthorizedError {
        status_code: Some(401),
        message: Some("Invalid token: access token is invalid".into()),
        error: Some("Unauthorized".into()),
    }
}

fn empty_object() -> PreferenceResult {
    PreferenceResult::new()
}

// ---------------------------------------------------------------- custom subtypes

#[tokio::test]
async fn list_custom_subtypes_sends_the_location_and_keeps_the_undocumented_body() {
    let server = Server::start().await;
    let body = json!({ "subtypes": [{ "id": "st1", "name": "Newsletter Subscription", "channel": "email" }] });
    LIST_CUSTOM_SUBTYPES
        .mock(P_SUBTYPES)
        .and(query_is(&[LOCATION_QUERY]))
        .respond_with(ResponseTemplate::new(200).set_body_json(body.clone()))
        .expect(1)
        .mount(&server)
        .await;

    let resp = client(&server.uri()).list_custom_subtypes(LOCATION).await.unwrap();

    // The shape is not documented: whatever arrives is kept as JSON.
    assert_eq!(Value::Object(resp.body().clone()), body);
    assert_eq!(LIST_CUSTOM_SUBTYPES.response_example(200), json!({}));

    check_declared_errors(
        LIST_CUSTOM_SUBTYPES,
        P_SUBTYPES,
        |uri| async move { client(&uri).list_custom_subtypes(LOCATION).await },
        vec![
            (400, ListCustomSubtypesError::BadRequest(bad_request())),
            (401, ListCustomSubtypesError::Unauthorized(unauthorized())),
        ],
    )
    .await;
}

fn create_subtype_body() -> CreateCustomSubtypeRequest {
    CreateCustomSubtypeRequest {
        name: "Newsletter Subscription".into(),
        description: Some("Weekly newsletter subscription preferences".into()),
        channel: CreateCustomSubtypeRequestChannel::Email,
        language: "en".into(),
    }
}

#[tokio::test]
async fn create_custom_subtype_sends_the_example_and_accepts_200_and_201() {
    assert_eq!(create_subtype_body(), CREATE_CUSTOM_SUBTYPE.typed_request_example());
    for status in [200, 201] {
        let server = Server::start().await;
        CREATE_CUSTOM_SUBTYPE
            .mock_json(P_SUBTYPES, CREATE_CUSTOM_SUBTYPE.request_example())
            .and(query_is(&[LOCATION_QUERY]))
            .respond_with(CREATE_CUSTOM_SUBTYPE.reply(status))
            .expect(1)
            .mount(&server)
            .await;

        let resp = client(&server.uri()).create_custom_subtype(LOCATION, create_subtype_body()).await.unwrap();

        assert_eq!(resp.status(), status);
        assert_eq!(resp.body(), &empty_object());
    }

    check_declared_errors(
        CREATE_CUSTOM_SUBTYPE,
        P_SUBTYPES,
        |uri| async move { client(&uri).create_custom_subtype(LOCATION, create_subtype_body()).await },
        vec![
            (400, CreateCustomSubtypeError::BadRequest(bad_request())),
            (401, CreateCustomSubtypeError::Unauthorized(unauthorized())),
        ],
    )
    .await;
}

#[tokio::test]
async fn update_custom_subtype_puts_the_id_in_the_path_and_the_location_in_the_query() {
    let server = Server::start().await;
    UPDATE_CUSTOM_SUBTYPE
        .mock_json(W_SUBTYPE, UPDATE_CUSTOM_SUBTYPE.request_example())
        .and(query_is(&[LOCATION_QUERY]))
        .respond_with(UPDATE_CUSTOM_SUBTYPE.reply(200))
        .expect(1)
        .mount(&server)
        .await;

    let body = UpdateCustomSubtypeRequest {
        name: Some("Newsletter Subscription".into()),
        description: Some("Updated weekly newsletter subscription preferences".into()),
        archived: Some(false),
        resubscription_legal_form_id: Some("form_123456".into()),
    };
    assert_eq!(body, UPDATE_CUSTOM_SUBTYPE.typed_request_example());
    let resp = client(&server.uri()).update_custom_subtype("ve9EPM428h8vShlRW1KT", LOCATION, body).await.unwrap();

    assert_eq!(resp.body(), &empty_object());

    check_declared_errors(
        UPDATE_CUSTOM_SUBTYPE,
        W_SUBTYPE,
        |uri| async move {
            let archive = UpdateCustomSubtypeRequest { archived: Some(true), ..Default::default() };
            client(&uri).update_custom_subtype("ve9EPM428h8vShlRW1KT", LOCATION, archive).await
        },
        vec![
            (400, UpdateCustomSubtypeError::BadRequest(bad_request())),
            (401, UpdateCustomSubtypeError::Unauthorized(unauthorized())),
        ],
    )
    .await;
}

// ---------------------------------------------------------------- unsubscriptions

#[tokio::test]
async fn get_contact_unsubscription_status_sends_contact_and_optional_email() {
    let server = Server::start().await;
    let path = "/conversations/preferences/unsubscriptions/status";
    GET_CONTACT_UNSUBSCRIPTION_STATUS
        .mock(path)
        .and(query_is(&[LOCATION_QUERY, "contactId=OP7z4LCyPACyH5fcEIZa&email=user%40example.com"]))
        .respond_with(GET_CONTACT_UNSUBSCRIPTION_STATUS.reply(200))
        .expect(1)
        .mount(&server)
        .await;

    let resp = client(&server.uri())
        .get_contact_unsubscription_status(LOCATION, "OP7z4LCyPACyH5fcEIZa")
        .email("user@example.com")
        .await
        .unwrap();

    assert_eq!(resp.body(), &empty_object());

    check_declared_errors(
        GET_CONTACT_UNSUBSCRIPTION_STATUS,
        path,
        |uri| async move { client(&uri).get_contact_unsubscription_status(LOCATION, "OP7z4LCyPACyH5fcEIZa").await },
        vec![
            (400, GetContactUnsubscriptionStatusError::BadRequest(bad_request())),
            (401, GetContactUnsubscriptionStatusError::Unauthorized(unauthorized())),
        ],
    )
    .await;
}

fn subscription_change() -> UserSubscriptionChangeRequest {
    UserSubscriptionChangeRequest {
        location_id: LOCATION.into(),
        contact_id: "OP7z4LCyPACyH5fcEIZa".into(),
        email: "user@example.com".into(),
        subscription_action: SubscriptionAction {
            r#type: SubscriptionActionType::Custom,
            subtype_name: None,
            subtype_id: Some("ve9EPM428h8vShlRW1KT".into()),
            subtype_status: SubscriptionActionSubtypeStatus::Subscribed,
        },
        legal_reason: Some("User requested resubscribe via customer service".into()),
        legal_description: Some("Customer called support on 2024-01-15 asking to receive the newsletter again".into()),
    }
}

#[tokio::test]
async fn change_user_subscription_sends_the_example_and_accepts_200_and_201() {
    let path = "/conversations/preferences/unsubscriptions/user-change";
    assert_eq!(subscription_change(), CHANGE_USER_SUBSCRIPTION.typed_request_example());
    for status in [200, 201] {
        let server = Server::start().await;
        CHANGE_USER_SUBSCRIPTION
            .mock_json(path, CHANGE_USER_SUBSCRIPTION.request_example())
            .and(query_is(&[]))
            .respond_with(CHANGE_USER_SUBSCRIPTION.reply(status))
            .expect(1)
            .mount(&server)
            .await;

        let resp = client(&server.uri()).change_user_subscription(subscription_change()).await.unwrap();

        assert_eq!(resp.status(), status);
        assert_eq!(resp.body(), &empty_object());
    }

    check_declared_errors(
        CHANGE_USER_SUBSCRIPTION,
        path,
        |uri| async move { client(&uri).change_user_subscription(subscription_change()).await },
        vec![
            (400, ChangeUserSubscriptionError::BadRequest(bad_request())),
            (401, ChangeUserSubscriptionError::Unauthorized(unauthorized())),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_default_subtype_unsubscription_sends_its_name() {
    let server = Server::start().await;
    let path = "/conversations/preferences/unsubscriptions/user-change";
    let expected = json!({
        "locationId": LOCATION,
        "contactId": "OP7z4LCyPACyH5fcEIZa",
        "email": "user@example.com",
        "subscription_action": { "type": "default", "subtype_name": "One on One", "subtype_status": "unsubscribed" }
    });
    CHANGE_USER_SUBSCRIPTION
        .mock_json(path, expected)
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({})))
        .expect(1)
        .mount(&server)
        .await;

    let body = UserSubscriptionChangeRequest {
        subscription_action: SubscriptionAction {
            r#type: SubscriptionActionType::Default,
            subtype_name: Some(SubscriptionActionSubtypeName::OneOnOne),
            subtype_id: None,
            subtype_status: SubscriptionActionSubtypeStatus::Unsubscribed,
        },
        legal_reason: None,
        legal_description: None,
        ..subscription_change()
    };
    let resp = client(&server.uri()).change_user_subscription(body).await.unwrap();

    assert_eq!(resp.status(), 201);
}

// ---------------------------------------------------------------- export

fn export_page(ids: &[&str], next: Value) -> Value {
    let item = EXPORT_MESSAGES.response_example(200)["messages"][0].clone();
    let messages: Vec<Value> = ids
        .iter()
        .map(|id| {
            let mut message = item.clone();
            message["id"] = json!(id);
            message
        })
        .collect();
    json!({ "messages": messages, "nextCursor": next, "total": 5 })
}

#[tokio::test]
async fn export_messages_sends_every_filter_and_decodes_the_example() {
    let server = Server::start().await;
    let path = "/conversations/messages/export";
    EXPORT_MESSAGES
        .mock(path)
        .and(query_is(&[
            LOCATION_QUERY,
            "limit=50&cursor=c1&sortBy=updatedAt&sortOrder=asc",
            "conversationId=conv1&contactId=contact1&channel=SMS",
            "startDate=2024-03-01T00%3A00%3A00.000Z&endDate=2024-03-31T23%3A59%3A59.999Z",
        ]))
        .respond_with(EXPORT_MESSAGES.reply(200))
        .expect(1)
        .mount(&server)
        .await;

    let resp = client(&server.uri())
        .export_messages(LOCATION)
        .limit(50)
        .cursor("c1")
        .sort_by(ExportMessagesSortBy::UpdatedAt)
        .sort_order(ExportMessagesSortOrder::Asc)
        .conversation_id("conv1")
        .contact_id("contact1")
        .channel(ExportMessagesChannel::Sms)
        .start_date("2024-03-01T00:00:00.000Z")
        .end_date("2024-03-31T23:59:59.999Z")
        .await
        .unwrap();

    let page = resp.body();
    assert_eq!(page.total, 1234);
    assert_eq!(
        page.next_cursor,
        Some(Some("eyJwaXRJZCI6ImFiYy0xMjMiLCJsYXN0U29ydCI6WzE2NDY4NjQ0MDBdLCJsYXN0SWQiOiIxMjMifQ==".into()))
    );
    let message = &page.messages[0];
    assert_eq!((message.id.as_str(), message.r#type), ("ve9EPM428h8vShlRW1KT", 2));
    assert_eq!(message.message_type, MessageTypeName::TypeSms);
    assert_eq!(message.direction, MessageDirection::Inbound);
    assert_eq!(message.status, Some(MessageStatus::Delivered));
    assert_eq!(message.source, Some(MessageSource::App));
    assert_eq!(message.body.as_deref(), Some("Hi there"));
    assert_eq!(message.attachments, Some(vec![]));
    assert_eq!(message.date_added, "2024-03-27T18:13:49.000Z");

    check_declared_errors(
        EXPORT_MESSAGES,
        path,
        |uri| async move { client(&uri).export_messages(LOCATION).await },
        vec![
            (400, ExportMessagesError::BadRequest(bad_request())),
            (401, ExportMessagesError::Unauthorized(unauthorized())),
        ],
    )
    .await;
}

#[tokio::test]
async fn export_messages_stream_follows_next_cursor_until_it_is_null() {
    let server = Server::start().await;
    let path = "/conversations/messages/export";
    let ids: Vec<String> = (1..=30).map(|n| format!("m{n}")).collect();
    let page = |n: usize| -> Vec<&str> { ids[n * 10..(n + 1) * 10].iter().map(String::as_str).collect() };
    // Full pages: only the null cursor of the third one ends the stream.
    for (query, page_ids, next) in [
        ("limit=10", page(0), json!("cursor-2")),
        ("limit=10&cursor=cursor-2", page(1), json!("cursor-3")),
        ("limit=10&cursor=cursor-3", page(2), Value::Null),
    ] {
        EXPORT_MESSAGES
            .mock(path)
            .and(query_is(&[LOCATION_QUERY, query]))
            .respond_with(ResponseTemplate::new(200).set_body_json(export_page(&page_ids, next)))
            .expect(1)
            .mount(&server)
            .await;
    }

    let messages: Vec<Message> =
        client(&server.uri()).export_messages(LOCATION).limit(10).stream().try_collect().await.unwrap();

    let got: Vec<&str> = messages.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(got, ids);
    assert_eq!(server.requests().await.len(), 3);
}

// ---------------------------------------------------------------- review reply

#[tokio::test]
async fn send_review_reply_sends_the_example_and_decodes_the_ids() {
    let server = Server::start().await;
    let path = "/conversations/messages/review-reply";
    SEND_REVIEW_REPLY
        .mock_json(path, SEND_REVIEW_REPLY.request_example())
        .respond_with(SEND_REVIEW_REPLY.reply(200))
        .expect(1)
        .mount(&server)
        .await;

    let body = SendReviewReplyRequest {
        conversation_id: "conv123".into(),
        location_id: "loc123".into(),
        message: "Thank you for your review!".into(),
    };
    assert_eq!(body, SEND_REVIEW_REPLY.typed_request_example());
    let resp = client(&server.uri()).send_review_reply(body.clone()).await.unwrap();

    let sent = resp.body();
    assert_eq!(
        (sent.conversation_id.as_str(), sent.message_id.as_str()),
        ("ABC12h2F6uBrIkfXYazb", "t22c6DQcTDf3MjRhwf77")
    );
    assert_eq!(sent.message_ids, None);

    check_declared_errors(
        SEND_REVIEW_REPLY,
        path,
        |uri| {
            let body = body.clone();
            async move { client(&uri).send_review_reply(body).await }
        },
        vec![
            (400, SendReviewReplyError::BadRequest(bad_request())),
            (401, SendReviewReplyError::Unauthorized(unauthorized())),
        ],
    )
    .await;
}

// ---------------------------------------------------------------- uploads through a signed URL

#[tokio::test]
async fn initiate_file_upload_sends_the_example_and_decodes_the_signed_url() {
    let server = Server::start().await;
    let path = "/conversations/messages/upload/initiate";
    INITIATE_FILE_UPLOAD
        .mock_json(path, INITIATE_FILE_UPLOAD.request_example())
        .respond_with(INITIATE_FILE_UPLOAD.reply(200))
        .expect(1)
        .mount(&server)
        .await;

    let body = InitiateFileUploadRequest {
        location_id: LOCATION.into(),
        conversation_id: "ve9EPM428h8vShlRW1KT".into(),
        filename: "video.mp4".into(),
        content_type: "video/mp4".into(),
        file_size: Some(52_428_800),
        channel: "WHATSAPP".into(),
    };
    assert_eq!(body, INITIATE_FILE_UPLOAD.typed_request_example());
    let resp = client(&server.uri()).initiate_file_upload(body.clone()).await.unwrap();

    let upload = resp.body();
    assert!(upload.upload_url.starts_with("https://storage.googleapis.com/bucket/path?"));
    assert_eq!(upload.upload_id, "a1b2c3d4-e5f6-7890-abcd-ef1234567890");
    assert_eq!(upload.file_path, "location/loc123/conversations/conv456/uuid.mp4");
    assert_eq!((upload.expires_at, upload.max_file_size), (1_701_619_200_000, 104_857_600));

    check_declared_errors(
        INITIATE_FILE_UPLOAD,
        path,
        |uri| {
            let body = body.clone();
            async move { client(&uri).initiate_file_upload(body).await }
        },
        vec![
            (400, InitiateFileUploadError::BadRequest),
            (401, InitiateFileUploadError::Unauthorized(unauthorized())),
            (413, InitiateFileUploadError::PayloadTooLarge),
        ],
    )
    .await;
}

#[tokio::test]
async fn complete_file_upload_sends_the_example_and_decodes_the_public_url() {
    let server = Server::start().await;
    let path = "/conversations/messages/upload/complete";
    COMPLETE_FILE_UPLOAD
        .mock_json(path, COMPLETE_FILE_UPLOAD.request_example())
        .respond_with(COMPLETE_FILE_UPLOAD.reply(200))
        .expect(1)
        .mount(&server)
        .await;

    let body = CompleteFileUploadRequest {
        upload_id: "a1b2c3d4-e5f6-7890-abcd-ef1234567890".into(),
        file_path: "location/loc123/conversations/conv456/uuid.mp4".into(),
        location_id: LOCATION.into(),
        conversation_id: "ve9EPM428h8vShlRW1KT".into(),
        filename: "video.mp4".into(),
    };
    assert_eq!(body, COMPLETE_FILE_UPLOAD.typed_request_example());
    let resp = client(&server.uri()).complete_file_upload(body.clone()).await.unwrap();

    let done = resp.body();
    assert_eq!(
        done.uploaded_files.get("video.mp4").map(String::as_str),
        Some("https://example.com/conversations-assets/location/loc123/video.mp4")
    );
    assert_eq!(done.uploaded_files.len(), 1);
    assert_eq!((done.metadata.size, done.metadata.content_type.as_deref()), (Some(52_428_800), Some("video/mp4")));

    check_declared_errors(
        COMPLETE_FILE_UPLOAD,
        path,
        |uri| {
            let body = body.clone();
            async move { client(&uri).complete_file_upload(body).await }
        },
        vec![
            (400, CompleteFileUploadError::BadRequest),
            (401, CompleteFileUploadError::Unauthorized(unauthorized())),
            (404, CompleteFileUploadError::NotFound),
        ],
    )
    .await;
}

// ---------------------------------------------------------------- attachments

#[tokio::test]
async fn add_message_attachments_sends_the_urls_and_succeeds_without_a_body() {
    let server = Server::start().await;
    ADD_MESSAGE_ATTACHMENTS
        .mock_json(W_ATTACHMENTS, ADD_MESSAGE_ATTACHMENTS.request_example())
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;

    let body =
        AddMessageAttachmentsRequest { attachments: vec!["https://provider.com/recordings/call-123.mp3".into()] };
    assert_eq!(body, ADD_MESSAGE_ATTACHMENTS.typed_request_example());
    let resp = client(&server.uri()).add_message_attachments("t22c6DQcTDf3MjRhwf77", body.clone()).await.unwrap();

    assert_eq!(resp.status(), 200);

    check_declared_errors(
        ADD_MESSAGE_ATTACHMENTS,
        W_ATTACHMENTS,
        |uri| {
            let body = body.clone();
            async move { client(&uri).add_message_attachments("t22c6DQcTDf3MjRhwf77", body).await }
        },
        vec![
            (400, AddMessageAttachmentsError::BadRequest(bad_request())),
            (401, AddMessageAttachmentsError::Unauthorized(unauthorized())),
            (403, AddMessageAttachmentsError::Forbidden),
            (404, AddMessageAttachmentsError::NotFound),
        ],
    )
    .await;
}
