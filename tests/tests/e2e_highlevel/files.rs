//! End-to-end tests of the HighLevel Conversations operations whose bodies
//! are not JSON: the multipart file upload (checked byte for byte on the
//! wire: boundary, part headers, file names, a file streamed from disk),
//! the call recording (`audio/x-wav`) and the transcription download
//! (`text/plain`), each read whole and streamed.

use crm_clients::highlevel::conversations::*;
use crm_clients::runtime::RetryPolicy;
use futures_util::TryStreamExt;
use tests::support::{Api, ExpectedPart, Op, Server, boundary, check_declared_errors, multipart_bytes};
use wiremock::ResponseTemplate;

const TOKEN: &str = "hl-test-token";
const AUTH: &str = "Bearer hl-test-token";
const LOCATION: &str = "ve9EPM428h8vShlRW1KT";
const MESSAGE: &str = "t22c6DQcTDf3MjRhwf77";

static CONVERSATIONS: Api =
    Api::new("highlevel/conversations.yaml", &[("authorization", AUTH), ("Version", "2021-04-15")]);

const UPLOAD: &str = "/conversations/messages/upload";
const UPLOAD_FILE_ATTACHMENTS: Op = Op::new(&CONVERSATIONS, "upload_file_attachments", "POST", UPLOAD);
const GET_MESSAGE_RECORDING: Op = Op::new(
    &CONVERSATIONS,
    "get_message_recording",
    "GET",
    "/conversations/messages/{messageId}/locations/{locationId}/recording",
);
const DOWNLOAD_MESSAGE_TRANSCRIPTION: Op = Op::new(
    &CONVERSATIONS,
    "download_message_transcription",
    "GET",
    "/conversations/locations/{locationId}/messages/{messageId}/transcription/download",
);
const W_RECORDING: &str = "/conversations/messages/t22c6DQcTDf3MjRhwf77/locations/ve9EPM428h8vShlRW1KT/recording";
const W_TRANSCRIPTION: &str =
    "/conversations/locations/ve9EPM428h8vShlRW1KT/messages/t22c6DQcTDf3MjRhwf77/transcription/download";

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

fn form(files: Vec<FilePart>) -> UploadFileAttachmentsForm {
    UploadFileAttachmentsForm {
        conversation_id: "conv-1".into(),
        location_id: LOCATION.into(),
        contact_id: None,
        attachment_urls: Some(vec!["https://example.com/a.png".into(), "https://example.com/b.png".into()]),
        chat_service_sid: None,
        is_group_sms: Some("false".into()),
        file_attachment: files,
    }
}

#[tokio::test]
async fn upload_file_attachments_sends_every_part_byte_for_byte() {
    let server = Server::start().await;
    let reply = serde_json::json!({
        "uploadedFiles": {
            "photo.png": "https://storage.example.com/photo.png",
            "contract.pdf": "https://storage.example.com/contract.pdf"
        }
    });
    UPLOAD_FILE_ATTACHMENTS
        .mock(UPLOAD)
        .respond_with(ResponseTemplate::new(200).set_body_json(reply))
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let contract = dir.path().join("contract.pdf");
    let pdf: Vec<u8> = b"%PDF-1.4\n".iter().copied().chain((0..70_000u32).map(|i| (i % 256) as u8)).collect();
    std::fs::write(&contract, &pdf).unwrap();
    let png = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];

    let files = vec![
        FilePart::from_bytes(png.to_vec()).file_name("photo.png").content_type("image/png"),
        FilePart::from_path(&contract),
    ];
    let resp = client(&server.uri()).upload_file_attachments(form(files)).await.unwrap();

    assert_eq!(resp.uploaded_files["contract.pdf"], "https://storage.example.com/contract.pdf");
    assert_eq!(resp.uploaded_files.len(), 2);
    let requests = server.requests().await;
    let r = &requests[0];
    let content_type = r.headers["content-type"].to_str().unwrap();
    let b = boundary(content_type).expect("a boundary");
    let text =
        |name, body: &'static str| ExpectedPart { name, file_name: None, content_type: None, body: body.as_bytes() };
    let want = multipart_bytes(
        b,
        &[
            text("conversationId", "conv-1"),
            text("locationId", LOCATION),
            text("attachmentUrls", "https://example.com/a.png"),
            text("attachmentUrls", "https://example.com/b.png"),
            text("isGroupSms", "false"),
            ExpectedPart {
                name: "fileAttachment",
                file_name: Some("photo.png"),
                content_type: Some("image/png"),
                body: &png,
            },
            // Streamed from disk: its name from the path, its type from the extension.
            ExpectedPart {
                name: "fileAttachment",
                file_name: Some("contract.pdf"),
                content_type: Some("application/pdf"),
                body: &pdf,
            },
        ],
    );
    assert!(r.body == want, "multipart body differs:\n{}", String::from_utf8_lossy(&r.body[..400.min(r.body.len())]));
    assert_eq!(r.headers["content-length"].to_str().unwrap(), want.len().to_string());

    check_declared_errors(
        UPLOAD_FILE_ATTACHMENTS,
        UPLOAD,
        |uri| async move { client(&uri).upload_file_attachments(form(vec![FilePart::from_bytes("x")])).await },
        vec![
            (400, UploadFileAttachmentsError::BadRequest(bad_request())),
            (401, UploadFileAttachmentsError::Unauthorized(unauthorized())),
            (413, UploadFileAttachmentsError::PayloadTooLarge),
            (415, UploadFileAttachmentsError::UnsupportedMediaType),
        ],
    )
    .await;
}

/// A WAV header and some samples.
fn wav() -> Vec<u8> {
    let mut v = b"RIFF\x24\x08\x00\x00WAVEfmt ".to_vec();
    v.extend((0..50_000u32).map(|i| (i * 7 % 256) as u8));
    v
}

#[tokio::test]
async fn get_message_recording_returns_the_audio_whole_and_streamed() {
    let server = Server::start().await;
    let audio = wav();
    GET_MESSAGE_RECORDING
        .mock(W_RECORDING)
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(audio.clone(), "audio/x-wav")
                .insert_header("content-disposition", "Attachment; filename=audio.wav"),
        )
        .expect(2)
        .mount(&server)
        .await;
    let c = client(&server.uri());

    let whole = c.get_message_recording(MESSAGE, LOCATION).await.unwrap();
    assert_eq!(whole.body(), &audio);
    assert_eq!(whole.headers()["content-type"], "audio/x-wav");

    let download = c.get_message_recording(MESSAGE, LOCATION).send_streaming().await.unwrap();
    assert_eq!(download.status(), 200);
    assert_eq!(download.content_type(), Some("audio/x-wav"));
    assert_eq!(download.file_name().as_deref(), Some("audio.wav"));
    assert_eq!(download.content_length(), Some(audio.len() as u64));
    let chunks: Vec<bytes::Bytes> = download.into_stream().try_collect().await.unwrap();
    assert_eq!(chunks.concat(), audio);

    check_declared_errors(
        GET_MESSAGE_RECORDING,
        W_RECORDING,
        |uri| async move { client(&uri).get_message_recording(MESSAGE, LOCATION).await },
        vec![
            (400, GetMessageRecordingError::BadRequest(bad_request())),
            (401, GetMessageRecordingError::Unauthorized(unauthorized())),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_recording_error_is_decoded_when_streaming_too() {
    let server = Server::start().await;
    GET_MESSAGE_RECORDING.mock(W_RECORDING).respond_with(GET_MESSAGE_RECORDING.reply(401)).mount(&server).await;
    match client(&server.uri()).get_message_recording(MESSAGE, LOCATION).send_streaming().await {
        Err(crm_clients::runtime::Error::Api(e)) => {
            assert_eq!(e.body, GetMessageRecordingError::Unauthorized(unauthorized()))
        }
        other => panic!("expected the declared 401, got {other:?}"),
    }
}

#[tokio::test]
async fn download_message_transcription_returns_the_text_whole_and_streamed() {
    let server = Server::start().await;
    let text = "0:00 Agent: This call may be recorded.\n0:04 Caller: Hi, I'm calling about my order.\n";
    DOWNLOAD_MESSAGE_TRANSCRIPTION
        .mock(W_TRANSCRIPTION)
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(text, "text/plain; charset=utf-8")
                .insert_header("content-disposition", "Attachment; filename=\"transcription.txt\""),
        )
        .expect(2)
        .mount(&server)
        .await;
    let c = client(&server.uri());

    let whole = c.download_message_transcription(LOCATION, MESSAGE).await.unwrap();
    assert_eq!(whole.body(), text);

    let download = c.download_message_transcription(LOCATION, MESSAGE).send_streaming().await.unwrap();
    assert_eq!(download.file_name().as_deref(), Some("transcription.txt"));
    assert_eq!(download.content_type(), Some("text/plain; charset=utf-8"));
    let chunks: Vec<bytes::Bytes> = download.into_stream().try_collect().await.unwrap();
    assert_eq!(chunks.concat(), text.as_bytes());

    check_declared_errors(
        DOWNLOAD_MESSAGE_TRANSCRIPTION,
        W_TRANSCRIPTION,
        |uri| async move { client(&uri).download_message_transcription(LOCATION, MESSAGE).await },
        vec![
            (400, DownloadMessageTranscriptionError::BadRequest(bad_request())),
            (401, DownloadMessageTranscriptionError::Unauthorized(unauthorized())),
        ],
    )
    .await;
}
