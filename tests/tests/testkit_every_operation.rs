//! The test kit on every operation of the curated specs: for each, the
//! mock method answers with the spec's example (or a typed value), the
//! client decodes it, the same value given back with `returns` arrives
//! unchanged, and an expectation the call does not meet fails the check
//! with a message naming the operation.

use std::fmt::Debug;
use std::future::IntoFuture;
use std::sync::LazyLock;

use crm_clients::attio::{objects as attio_objects, records as attio_records};
use crm_clients::highlevel::{conversations as hl_conversations, objects as hl_objects};
use crm_clients::runtime::testing::{Expect, MockOperation, MockServer};
use crm_clients::runtime::{Error, FilePart, Response};
use crm_clients::zoho_crm::records as zoho_records;
use crmgen::model::Api;
use serde::de::DeserializeOwned;

fn model(spec: &str) -> Api {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs").join(spec);
    let opts = crmgen::Options {
        module_path: String::new(),
        spec_label: spec.to_string(),
        command: String::new(),
        strict: false,
    };
    crmgen::generate_file(&path, &opts).expect("the curated spec generates").api
}

static ATTIO_OBJECTS: LazyLock<Api> = LazyLock::new(|| model("attio/objects.yaml"));
static ATTIO_RECORDS: LazyLock<Api> = LazyLock::new(|| model("attio/records.yaml"));
static HL_CONVERSATIONS: LazyLock<Api> = LazyLock::new(|| model("highlevel/conversations.yaml"));
static HL_OBJECTS: LazyLock<Api> = LazyLock::new(|| model("highlevel/objects.yaml"));
static ZOHO_RECORDS: LazyLock<Api> = LazyLock::new(|| model("zoho-crm/records.yaml"));

/// The request body of `method` from the spec's example.
fn body<T: DeserializeOwned>(api: &Api, method: &str) -> T {
    let op = api.operations.iter().find(|o| o.method_name == method).expect("the operation is in the spec");
    let example = op.body.as_ref().and_then(|b| b.example.clone()).unwrap_or_else(|| serde_json::json!({}));
    serde_json::from_value(example).unwrap_or_else(|e| panic!("{method}: the spec's body example does not decode: {e}"))
}

fn uuid() -> uuid::Uuid {
    uuid::Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef)
}

/// Exercises one operation's mock method (see the module).
async fn exercise<'m, B>(
    name: &str,
    server: &MockServer,
    expect: impl Fn() -> Expect<'m, B>,
    call: impl Fn() -> B,
    value: Option<B::Ok>,
) where
    B: MockOperation + Send + 'm + IntoFuture<Output = Result<Response<B::Ok>, Error<B::Err>>>,
    B::Ok: Clone + PartialEq + Debug,
    B::Err: Debug,
{
    let first = expect();
    assert_eq!(first.has_example(), value.is_none(), "{name}: an example, or a value given here");
    match value {
        None => first.example().times(1).await,
        Some(v) => first.returns(v).times(1).await,
    }
    let body = call().await.unwrap_or_else(|e| panic!("{name}: the first answer does not decode: {e:?}")).into_body();
    expect().returns(body.clone()).times(1).await;
    let again = call().await.unwrap_or_else(|e| panic!("{name}: `returns` does not decode: {e:?}")).into_body();
    assert_eq!(again, body, "{name}: the value given to `returns` arrives unchanged");
    server.check().unwrap_or_else(|e| panic!("{name}: {e}"));

    // An expectation the call does not meet: the call is unmatched, and
    // the check names the operation and shows what arrived.
    expect().header("x-kit-probe", "1").times(1).await;
    assert!(call().await.is_err(), "{name}: a request without the header must not match");
    let message = server.check().expect_err("an unmet expectation fails the check");
    let op = name.rsplit("::").next().unwrap();
    assert!(message.contains(&format!("::{op}` expected exactly 1 call but was called 0 times")), "{name}: {message}");
    assert!(message.contains("header x-kit-probe missing"), "{name}: {message}");
}

macro_rules! every_operation {
    ($($m:ident => [$($op:ident($($arg:expr),* $(,)?) $(=> $value:expr)?;)*])*) => {{
        let mut names: Vec<&str> = Vec::new();
        $($({
            let mock = $m::testing::MockServer::start().await;
            let client = mock.client();
            let name = concat!(stringify!($m), "::", stringify!($op));
            let value = None $(.or(Some($value)))?;
            exercise(name, mock.server(), || mock.$op($($arg),*), || client.$op($($arg),*), value).await;
            names.push(name);
        })*)*
        names
    }};
}

#[tokio::test]
async fn every_operation_of_the_curated_specs_has_a_working_mock_method() {
    let names = every_operation! {
        attio_objects => [
            list_objects();
            create_object(body(&ATTIO_OBJECTS, "create_object"));
            get_object("object-1");
            update_object("object-1", body(&ATTIO_OBJECTS, "update_object"));
            list_attributes(attio_objects::AttributeTarget::Objects, "identifier-1");
            get_attribute(attio_objects::AttributeTarget::Objects, "identifier-1", "attribute-1");
            list_select_options(attio_objects::AttributeTarget::Objects, "identifier-1", "attribute-1");
            list_statuses(attio_objects::AttributeTarget::Objects, "identifier-1", "attribute-1");
            identify_self();
        ]
        attio_records => [
            list_records("object-1", body(&ATTIO_RECORDS, "list_records"));
            assert_record("object-1", "matching_attribute-1", body(&ATTIO_RECORDS, "assert_record"));
            create_record("object-1", body(&ATTIO_RECORDS, "create_record"));
            get_record("object-1", uuid());
            update_record_overwrite("object-1", uuid(), body(&ATTIO_RECORDS, "update_record_overwrite"));
            delete_record("object-1", uuid());
            update_record_append("object-1", uuid(), body(&ATTIO_RECORDS, "update_record_append"));
            list_record_attribute_values("object-1", uuid(), "attribute-1");
            list_record_entries("object-1", uuid());
            search_records(body(&ATTIO_RECORDS, "search_records"));
        ]
        hl_conversations => [
            search_conversations("location_id-1");
            create_conversation(body(&HL_CONVERSATIONS, "create_conversation"));
            get_conversation("conversation_id-1");
            update_conversation("conversation_id-1", body(&HL_CONVERSATIONS, "update_conversation"));
            delete_conversation("conversation_id-1");
            list_messages("conversation_id-1");
            get_message("id-1");
            send_message(body(&HL_CONVERSATIONS, "send_message"));
            add_inbound_message(body(&HL_CONVERSATIONS, "add_inbound_message"));
            add_outbound_call(body(&HL_CONVERSATIONS, "add_outbound_call"));
            cancel_scheduled_message("message_id-1");
            update_message_status("message_id-1", body(&HL_CONVERSATIONS, "update_message_status"));
            get_email_message("id-1");
            cancel_scheduled_email_message("email_message_id-1");
            get_message_transcription("location_id-1", "message_id-1");
            send_live_chat_typing_indicator(body(&HL_CONVERSATIONS, "send_live_chat_typing_indicator"));
            list_custom_subtypes("location_id-1");
            create_custom_subtype("location_id-1", body(&HL_CONVERSATIONS, "create_custom_subtype"));
            update_custom_subtype("id-1", "location_id-1", body(&HL_CONVERSATIONS, "update_custom_subtype"));
            get_contact_unsubscription_status("location_id-1", "contact_id-1");
            change_user_subscription(body(&HL_CONVERSATIONS, "change_user_subscription"));
            export_messages("location_id-1");
            send_review_reply(body(&HL_CONVERSATIONS, "send_review_reply"));
            initiate_file_upload(body(&HL_CONVERSATIONS, "initiate_file_upload"));
            complete_file_upload(body(&HL_CONVERSATIONS, "complete_file_upload"));
            upload_file_attachments(hl_conversations::UploadFileAttachmentsForm { conversation_id: "c-1".into(), location_id: "l-1".into(), contact_id: None, attachment_urls: None, chat_service_sid: None, is_group_sms: None, file_attachment: vec![FilePart::from_bytes(&b"file"[..]).file_name("a.txt")] });
            get_message_recording("message_id-1", "location_id-1") => b"RIFF".to_vec();
            download_message_transcription("location_id-1", "message_id-1") => "hello".to_string();
            add_message_attachments("message_id-1", body(&HL_CONVERSATIONS, "add_message_attachments")) => ();
        ]
        hl_objects => [
            list_object_schemas("location_id-1");
            create_object_schema(body(&HL_OBJECTS, "create_object_schema"));
            get_object_schema("key-1", "location_id-1");
            update_object_schema("key-1", body(&HL_OBJECTS, "update_object_schema"));
            create_record("schema_key-1", body(&HL_OBJECTS, "create_record"));
            get_record("schema_key-1", "id-1");
            update_record("schema_key-1", "id-1", "location_id-1", body(&HL_OBJECTS, "update_record"));
            delete_record("schema_key-1", "id-1");
            search_records("schema_key-1", body(&HL_OBJECTS, "search_records"));
        ]
        zoho_records => [
            list_records("module_api_name-1", vec!["fields-1".to_string()]);
            update_records("module_api_name-1", body(&ZOHO_RECORDS, "update_records"));
            create_records("module_api_name-1", body(&ZOHO_RECORDS, "create_records"));
            delete_records("module_api_name-1", vec!["ids-1".to_string()]);
            upsert_records("module_api_name-1", body(&ZOHO_RECORDS, "upsert_records"));
            search_records("module_api_name-1");
            get_record("module_api_name-1", "record_id-1");
            update_record("module_api_name-1", "record_id-1", body(&ZOHO_RECORDS, "update_record"));
            delete_record("module_api_name-1", "record_id-1");
            list_deleted_records("module_api_name-1");
            get_record_count("module_api_name-1");
            get_mass_update_status("module_api_name-1", "job_id-1");
            mass_update_records("module_api_name-1", body(&ZOHO_RECORDS, "mass_update_records"));
            assign_territories("module_api_name-1", body(&ZOHO_RECORDS, "assign_territories"));
            assign_record_territories("module_api_name-1", "record_id-1", body(&ZOHO_RECORDS, "assign_record_territories"));
            remove_territories("module_api_name-1", body(&ZOHO_RECORDS, "remove_territories"));
            remove_record_territories("module_api_name-1", "record_id-1", body(&ZOHO_RECORDS, "remove_record_territories"));
            get_rich_text_fields("module_api_name-1", "record_id-1");
            get_rich_text_records("module_api_name-1", vec!["ids-1".to_string()], vec!["fields-1".to_string()]);
            update_notifications(body(&ZOHO_RECORDS, "update_notifications"));
            enable_notifications(body(&ZOHO_RECORDS, "enable_notifications"));
            clone_record("module_api_name-1", "record_id-1");
            get_photo("module_api_name-1", "record_id-1") => b"\x89PNG".to_vec();
            upload_photo("module_api_name-1", "record_id-1", zoho_records::UploadPhotoForm { file: FilePart::from_bytes(&b"png"[..]).file_name("lead.png") });
            delete_photo("module_api_name-1", "record_id-1");
        ]
    };
    // Every operation of every curated spec, counted from the specs.
    let in_specs: usize = [&ATTIO_OBJECTS, &ATTIO_RECORDS, &HL_CONVERSATIONS, &HL_OBJECTS, &ZOHO_RECORDS]
        .iter()
        .map(|api| api.operations.len())
        .sum();
    assert_eq!(names.len(), in_specs);
    assert_eq!(names.len(), 82);
}
