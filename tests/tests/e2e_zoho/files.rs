//! End-to-end tests of a record's photo as a file: the download (an image,
//! read whole and streamed, errors still typed) and the multipart upload
//! (byte for byte on the wire, from a file on disk).

use crm_clients::runtime::{Error, RetryPolicy};
use crm_clients::zoho_crm::records::*;
use futures_util::TryStreamExt;
use tests::support::{Api, ExpectedPart, Op, Server, boundary, check_declared_errors, multipart_bytes, query_is};
use wiremock::ResponseTemplate;

const TOKEN: &str = "1000.zoho-test-token.4e1f";
const AUTH: &str = "Zoho-oauthtoken 1000.zoho-test-token.4e1f";
const MODULE: &str = "Leads";
const RECORD: &str = "3000000038009";
const W_PHOTO: &str = "/Leads/3000000038009/photo";

static ZOHO: Api = Api::new("zoho-crm/records.yaml", &[("authorization", AUTH)]);
const P_PHOTO: &str = "/{module_api_name}/{record_id}/photo";
const GET_PHOTO: Op = Op::new(&ZOHO, "get_photo", "GET", P_PHOTO);
const UPLOAD_PHOTO: Op = Op::new(&ZOHO, "upload_photo", "POST", P_PHOTO);

fn client(uri: &str) -> Client {
    Client::builder().access_token(TOKEN).base_url(uri).retry(RetryPolicy::none()).build().unwrap()
}

fn api_error(code: ErrorCode, message: &str) -> ApiError {
    ApiError { code, details: ErrorDetails::default(), message: message.into(), status: ApiErrorStatus::Error }
}

/// 401, 403 (with its message), 404, 429 and 500 after the 400.
fn errors<E>(wrap: [fn(ApiError) -> E; 6], bad_request: ApiError, forbidden: &str) -> Vec<(u16, E)> {
    let [bad, unauthorized, forbidden_, not_found, too_many, internal] = wrap;
    vec![
        (400, bad(bad_request)),
        (401, unauthorized(api_error(ErrorCode::OauthScopeMismatch, "Unauthorized"))),
        (403, forbidden_(api_error(ErrorCode::NoPermission, forbidden))),
        (
            404,
            not_found(api_error(
                ErrorCode::InvalidUrlPattern,
                "Please check if the URL trying to access is a correct one",
            )),
        ),
        (
            429,
            too_many(api_error(
                ErrorCode::TooManyRequests,
                "you have reached the maximum number of concurrent requests",
            )),
        ),
        (500, internal(api_error(ErrorCode::InternalError, "Internal Server Error"))),
    ]
}

fn png() -> Vec<u8> {
    let mut v = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    v.extend((0..40_000u32).map(|i| (i * 13 % 256) as u8));
    v
}

#[tokio::test]
async fn get_photo_returns_the_image_whole_and_streamed() {
    let server = Server::start().await;
    let image = png();
    GET_PHOTO
        .mock(W_PHOTO)
        .and(query_is(&[]))
        .respond_with(ResponseTemplate::new(200).set_body_raw(image.clone(), "image/png"))
        .expect(2)
        .mount(&server)
        .await;
    let c = client(&server.uri());

    let whole = c.get_photo(MODULE, RECORD).await.unwrap();
    assert_eq!(whole.body(), &image);
    assert_eq!(whole.headers()["content-type"], "image/png");

    let download = c.get_photo(MODULE, RECORD).send_streaming().await.unwrap();
    assert_eq!(download.content_type(), Some("image/png"));
    let chunks: Vec<bytes::Bytes> = download.into_stream().try_collect().await.unwrap();
    assert_eq!(chunks.concat(), image);

    use GetPhotoError as E;
    check_declared_errors(
        GET_PHOTO,
        W_PHOTO,
        |uri| async move { client(&uri).get_photo(MODULE, RECORD).await },
        errors(
            [E::BadRequest, E::Unauthorized, E::Forbidden, E::NotFound, E::TooManyRequests, E::InternalServerError],
            api_error(ErrorCode::InvalidData, "the id given seems to be invalid"),
            "Permission denied to download images",
        ),
    )
    .await;
}

#[tokio::test]
async fn a_photo_error_is_typed_when_streaming_too() {
    let server = Server::start().await;
    GET_PHOTO.mock(W_PHOTO).respond_with(GET_PHOTO.reply(400)).mount(&server).await;
    match client(&server.uri()).get_photo(MODULE, RECORD).send_streaming().await {
        Err(Error::Api(e)) => assert_eq!(
            e.body,
            GetPhotoError::BadRequest(api_error(ErrorCode::InvalidData, "the id given seems to be invalid"))
        ),
        other => panic!("expected the declared 400, got {other:?}"),
    }
}

#[tokio::test]
async fn upload_photo_sends_the_file_part_byte_for_byte() {
    let server = Server::start().await;
    UPLOAD_PHOTO
        .mock(W_PHOTO)
        .and(query_is(&["restrict_triggers=workflow"]))
        .respond_with(UPLOAD_PHOTO.reply(200))
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("lead-photo.png");
    let image = png();
    std::fs::write(&file, &image).unwrap();

    let resp = client(&server.uri())
        .upload_photo(MODULE, RECORD, UploadPhotoForm { file: FilePart::from_path(&file) })
        .restrict_triggers("workflow")
        .await
        .unwrap();

    assert_eq!(resp.message, "photo uploaded successfully");
    assert_eq!(resp.code, ActionSuccessCode::Success);
    let requests = server.requests().await;
    let r = &requests[0];
    let b = boundary(r.headers["content-type"].to_str().unwrap()).expect("a boundary");
    // The spec's `encoding` lists four image types: the extension picks one.
    let want = multipart_bytes(
        b,
        &[ExpectedPart {
            name: "file",
            file_name: Some("lead-photo.png"),
            content_type: Some("image/png"),
            body: &image,
        }],
    );
    assert!(r.body == want, "multipart body differs");

    use UploadPhotoError as E;
    check_declared_errors(
        UPLOAD_PHOTO,
        W_PHOTO,
        |uri| async move {
            let photo = FilePart::from_bytes(png()).file_name("p.png");
            client(&uri).upload_photo(MODULE, RECORD, UploadPhotoForm { file: photo }).await
        },
        errors(
            [E::BadRequest, E::Unauthorized, E::Forbidden, E::NotFound, E::TooManyRequests, E::InternalServerError],
            api_error(ErrorCode::RecordLocked, "the record is locked"),
            "Permission denied to upload images",
        ),
    )
    .await;
}
