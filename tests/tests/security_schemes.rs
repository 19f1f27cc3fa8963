//! Every builder method of the security fixture (`tests/fixtures/security.yaml`:
//! basic, API keys in a header and in the query, bearer, an OAuth 2.0
//! access token) against a server on loopback: what each puts on the wire.

use tests::fixtures::security::{Client, ClientBuilder};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockBuilder, MockServer, ResponseTemplate};

/// Sends `list_things` with the credential `configure` sets, to a server
/// that answers only a request `expect` matches.
async fn sends(configure: impl FnOnce(ClientBuilder) -> ClientBuilder, expect: MockBuilder) {
    let server = MockServer::start().await;
    expect
        .and(method("GET"))
        .and(path("/things"))
        .respond_with(ResponseTemplate::new(200).set_body_json(["a"]))
        .expect(1)
        .mount(&server)
        .await;
    let client = configure(Client::builder().base_url(server.uri())).build().unwrap();
    let things = client.list_things().await.expect("the credential is on the wire");
    assert_eq!(things.body(), &vec!["a".to_string()]);
}

#[tokio::test]
async fn basic_auth_sends_user_and_password() {
    // base64("user:pa ss") = dXNlcjpwYSBzcw==
    sends(|b| b.basic_auth("user", "pa ss"), Mock::given(header("authorization", "Basic dXNlcjpwYSBzcw=="))).await;
}

#[tokio::test]
async fn an_api_key_in_a_header() {
    sends(|b| b.api_key("k-1"), Mock::given(header("x-api-key", "k-1"))).await;
}

#[tokio::test]
async fn an_api_key_in_the_query() {
    sends(|b| b.query_key("k 2"), Mock::given(query_param("api_key", "k 2"))).await;
}

#[tokio::test]
async fn a_bearer_token() {
    sends(|b| b.bearer_token("t-3"), Mock::given(header("authorization", "Bearer t-3"))).await;
}

#[tokio::test]
async fn a_fixed_oauth2_access_token() {
    sends(|b| b.access_token("t-4"), Mock::given(header("authorization", "Bearer t-4"))).await;
}
