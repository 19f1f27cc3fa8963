//! Each vendor's OAuth 2.0 token requests through the generated clients, on
//! the wire against wiremock: Zoho's accounts server per data centre, its
//! `api_domain` and its HTTP-200 error codes; HighLevel's rotating refresh
//! tokens persisted in a file and its location token minted from an agency
//! token; Attio's authorization code exchanged once, and API keys and OAuth
//! tokens both sent as bearer tokens.

use crm_clients::runtime::{
    AuthErrorKind, Error, FileTokenStore, MemoryTokenStore, OAuth2, OAuth2Refresher, RetryPolicy, TokenStore,
};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// The decoded form fields of a request body, in order.
fn form(request: &Request) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(&request.body).replace('+', " ");
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

/// `%XX` escapes decoded (form values here are ASCII).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn pairs(fields: &[(&str, &str)]) -> Vec<(String, String)> {
    fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

async fn requests_to(server: &MockServer, to: &str) -> Vec<Request> {
    server.received_requests().await.unwrap().into_iter().filter(|r| r.url.path() == to).collect()
}

fn auth_of(request: &Request) -> &str {
    request.headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("")
}

// ---------------------------------------------------------------- Zoho CRM

mod zoho {
    use super::*;
    use crm_clients::zoho_crm::records::{Client, Dc};

    #[test]
    fn the_accounts_server_follows_the_data_centre() {
        let expected = [
            (Dc::Com, "https://accounts.zoho.com/oauth/v2/token"),
            (Dc::Eu, "https://accounts.zoho.eu/oauth/v2/token"),
            (Dc::In, "https://accounts.zoho.in/oauth/v2/token"),
            (Dc::ComAu, "https://accounts.zoho.com.au/oauth/v2/token"),
            (Dc::Jp, "https://accounts.zoho.jp/oauth/v2/token"),
            (Dc::Uk, "https://accounts.zoho.uk/oauth/v2/token"),
            (Dc::Ca, "https://accounts.zohocloud.ca/oauth/v2/token"),
            (Dc::ComCn, "https://accounts.zoho.com.cn/oauth/v2/token"),
            (Dc::Sa, "https://accounts.zoho.sa/oauth/v2/token"),
        ];
        for (dc, url) in expected {
            let refresher = OAuth2Refresher::from(OAuth2::refresh_token("1000.CLIENT", "zoho-secret", "1000.refresh"));
            let client = Client::builder().dc(dc.clone()).oauth2(refresher.clone()).build().unwrap();
            assert_eq!(refresher.token_url(), Some(url), "{dc:?}");
            assert!(
                client.runtime().base_url().starts_with("https://www.zohoapis."),
                "{}",
                client.runtime().base_url()
            );
        }
        // The server variable may be set after `.oauth2(...)`: the URL is chosen when building.
        let refresher = OAuth2Refresher::from(OAuth2::refresh_token("1000.CLIENT", "zoho-secret", "1000.refresh"));
        Client::builder().oauth2(refresher.clone()).dc(Dc::Jp).build().unwrap();
        assert_eq!(refresher.token_url(), Some("https://accounts.zoho.jp/oauth/v2/token"));
        // A value the spec does not map has no token URL: a located build error.
        let err = Client::builder()
            .server_variable("dc", "mars")
            .oauth2(OAuth2::refresh_token("1000.CLIENT", "zoho-secret", "1000.refresh"))
            .build()
            .unwrap_err()
            .to_string();
        assert!(err.contains("zoho_oauth") && err.contains("`dc` = `mars`"), "{err}");
    }

    #[tokio::test]
    async fn refresh_request_header_prefix_and_api_domain_on_the_wire() {
        let server = MockServer::start().await;
        let token = json!({
            "access_token": "1000.access.1",
            "api_domain": server.uri(),
            "token_type": "Bearer",
            "expires_in": 3600
        });
        Mock::given(method("POST"))
            .and(path("/oauth/v2/token"))
            .respond_with(ResponseTemplate::new(200).set_body_json(token))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/crm/v7/Leads/4150868000001"))
            .and(header("authorization", "Zoho-oauthtoken 1000.access.1"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": []})))
            .mount(&server)
            .await;
        // The test server stands in for an API domain of the spec's servers.
        let oauth = OAuth2::refresh_token("1000.CLIENT", "zoho-secret", "1000.refresh")
            .token_url(format!("{}/oauth/v2/token", server.uri()))
            .allow_api_domain(server.uri());
        // No `base_url`: the token's `api_domain` decides where calls go.
        let client = Client::builder().dc(Dc::Eu).oauth2(oauth).retry(RetryPolicy::none()).build().unwrap();
        let _ = client.get_record("Leads", "4150868000001").send().await;
        let _ = client.get_record("Leads", "4150868000001").send().await;

        let tokens = requests_to(&server, "/oauth/v2/token").await;
        assert_eq!(tokens.len(), 1, "a valid token is not refreshed");
        assert_eq!(
            form(&tokens[0]),
            pairs(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", "1000.refresh"),
                ("client_id", "1000.CLIENT"),
                ("client_secret", "zoho-secret"),
            ])
        );
        assert_eq!(tokens[0].headers.get("content-type").unwrap(), "application/x-www-form-urlencoded");
        let calls = requests_to(&server, "/crm/v7/Leads/4150868000001").await;
        assert_eq!(calls.len(), 2);
        assert!(calls.iter().all(|c| auth_of(c) == "Zoho-oauthtoken 1000.access.1"));
    }

    #[tokio::test]
    async fn a_revoked_refresh_token_answered_with_http_200_is_invalid_grant() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/oauth/v2/token"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"error": "invalid_code"})))
            .mount(&server)
            .await;
        let oauth = OAuth2::refresh_token("1000.CLIENT", "zoho-secret", "1000.revoked")
            .token_url(format!("{}/oauth/v2/token", server.uri()));
        let client = Client::builder().base_url(server.uri()).oauth2(oauth).build().unwrap();
        let err = client.get_record("Leads", "1").send().await.unwrap_err();
        let Error::Auth(auth) = &err else { panic!("not an auth error: {err}") };
        assert_eq!(auth.kind(), &AuthErrorKind::InvalidGrant);
        assert!(auth.needs_reauthorization());
        assert!(err.to_string().contains("invalid_code"), "{err}");
        assert_eq!(requests_to(&server, "/crm/v7/Leads/1").await.len(), 0);
        assert_eq!(requests_to(&server, "/Leads/1").await.len(), 0);
    }

    #[tokio::test]
    async fn the_mint_limit_answered_with_http_200_access_denied_is_transient_not_invalid_grant() {
        let server = MockServer::start().await;
        let denied = json!({
            "error": "Access Denied",
            "error_description": "You have made too many requests continuously. Please try again after some time."
        });
        Mock::given(method("POST"))
            .and(path("/oauth/v2/token"))
            .respond_with(ResponseTemplate::new(200).set_body_json(denied))
            .mount(&server)
            .await;
        let oauth = OAuth2::refresh_token("1000.CLIENT", "zoho-secret", "1000.refresh")
            .token_url(format!("{}/oauth/v2/token", server.uri()));
        let client = Client::builder().base_url(server.uri()).oauth2(oauth).build().unwrap();
        let err = client.get_record("Leads", "1").send().await.unwrap_err();
        let Error::Auth(auth) = &err else { panic!("not an auth error: {err}") };
        assert_eq!(auth.kind(), &AuthErrorKind::TooManyRequests);
        assert!(!auth.needs_reauthorization() && auth.is_transient(), "{err}");
        assert!(err.to_string().contains("Access Denied"), "{err}");
    }
}

// ---------------------------------------------------------------- HighLevel

mod highlevel {
    use super::*;
    use crm_clients::highlevel::objects::{self, Client};
    use crm_clients::runtime::testing::TokenServer;

    const LOCATION: &str = "l1C08ntBrFjLS0elLIYU";

    fn token(access: &str, refresh: Option<&str>) -> ResponseTemplate {
        let mut body = json!({
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": 86399,
            "scope": "objects/schema.readonly",
            "userType": "Location",
            "locationId": "l1C08ntBrFjLS0elLIYU",
            "companyId": "5DP41231LkQsiKESj6rh"
        });
        if let Some(r) = refresh {
            body["refresh_token"] = r.into();
        }
        ResponseTemplate::new(200).set_body_json(body)
    }

    async fn mount_objects(server: &MockServer) {
        Mock::given(method("GET"))
            .and(path("/objects/"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"objects": []})))
            .mount(server)
            .await;
    }

    #[tokio::test]
    async fn rotated_refresh_tokens_are_saved_to_the_file_before_use() {
        let tokens = TokenServer::builder()
            .fields(json!({"userType": "Location", "locationId": LOCATION, "companyId": "5DP41231LkQsiKESj6rh"}))
            .start()
            .await;
        let mock = objects::testing::MockServer::start().await;
        mock.list_object_schemas(LOCATION).header("authorization", "Bearer access-1").times(1).await;
        let dir = tempfile::tempdir().unwrap();
        let store = FileTokenStore::new(dir.path().join("highlevel.json"));
        let oauth = OAuth2::refresh_token("hl-client", "hl-secret", tokens.initial_refresh_token())
            .param("user_type", "Location")
            .store(store.clone());
        // `/oauth/token` is on the API's server: it follows `base_url`.
        let by_default = OAuth2Refresher::from(oauth.clone());
        Client::builder().base_url(mock.uri()).oauth2(by_default.clone()).build().unwrap();
        assert_eq!(by_default.token_url(), Some(format!("{}/oauth/token", mock.uri()).as_str()));
        let refresher = OAuth2Refresher::from(oauth.token_url(tokens.token_url()));
        let client = mock.client_builder().oauth2(refresher.clone()).build().unwrap();
        client.list_object_schemas(LOCATION).await.unwrap();

        assert_eq!(
            tokens.forms(),
            [pairs(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", "refresh-0"),
                ("client_id", "hl-client"),
                ("client_secret", "hl-secret"),
                ("user_type", "Location"),
            ])]
        );
        assert_eq!(tokens.valid_refresh_tokens(), ["refresh-1"]);
        let saved = store.load().await.unwrap().unwrap();
        assert_eq!(saved.refresh_token.unwrap().expose(), "refresh-1");
        assert_eq!(saved.fields.get("locationId"), Some(&json!(LOCATION)));
        assert_eq!(refresher.token_fields().get("companyId"), Some(&json!("5DP41231LkQsiKESj6rh")));
    }

    #[tokio::test]
    async fn a_location_token_is_minted_from_the_agency_token() {
        let server = MockServer::start().await;
        mount_objects(&server).await;
        Mock::given(method("POST"))
            .and(path("/oauth/token"))
            .respond_with(token("hl-agency-access", Some("hl-agency-refresh-2")))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/oauth/locationToken"))
            .and(header("authorization", "Bearer hl-agency-access"))
            .and(header("version", "2021-07-28"))
            .respond_with(token("hl-location-access", None))
            .mount(&server)
            .await;
        let agency = OAuth2Refresher::from(
            OAuth2::refresh_token("hl-client", "hl-secret", "hl-agency-refresh-1").param("user_type", "Company"),
        );
        let client = Client::builder()
            .base_url(server.uri())
            .location_token(agency.clone(), "5DP41231LkQsiKESj6rh", "l1C08ntBrFjLS0elLIYU")
            .build()
            .unwrap();
        let _ = client.list_object_schemas("l1C08ntBrFjLS0elLIYU").send().await;
        let _ = client.list_object_schemas("l1C08ntBrFjLS0elLIYU").send().await;

        let agency_requests = requests_to(&server, "/oauth/token").await;
        assert_eq!(agency_requests.len(), 1);
        assert_eq!(
            form(&agency_requests[0]).iter().find(|(k, _)| k == "user_type").map(|(_, v)| v.as_str()),
            Some("Company")
        );
        let exchanges = requests_to(&server, "/oauth/locationToken").await;
        assert_eq!(exchanges.len(), 1, "the location token is reused while valid");
        assert_eq!(
            form(&exchanges[0]),
            pairs(&[("companyId", "5DP41231LkQsiKESj6rh"), ("locationId", "l1C08ntBrFjLS0elLIYU")])
        );
        let calls = requests_to(&server, "/objects/").await;
        assert_eq!(calls.len(), 2);
        assert!(calls.iter().all(|c| auth_of(c) == "Bearer hl-location-access"));
    }
}

// ---------------------------------------------------------------- Attio

mod attio {
    use super::*;
    use crm_clients::attio::records::Client;

    const RECORD: &str = "891dcbfc-9141-415d-9b2a-2238a6cc012d";

    async fn mount_record(server: &MockServer) {
        Mock::given(method("GET"))
            .and(path(format!("/objects/people/records/{RECORD}")))
            .respond_with(ResponseTemplate::new(404).set_body_json(json!({"status_code": 404})))
            .mount(server)
            .await;
    }

    #[tokio::test]
    async fn the_authorization_code_is_exchanged_once_and_the_token_kept() {
        let server = MockServer::start().await;
        mount_record(&server).await;
        let token = json!({"access_token": "attio-oauth-token", "token_type": "Bearer"});
        Mock::given(method("POST"))
            .and(path("/oauth/token"))
            .respond_with(ResponseTemplate::new(200).set_body_json(token))
            .mount(&server)
            .await;
        let store = MemoryTokenStore::new();
        let oauth = OAuth2::authorization_code("attio-client", "attio-secret", "attio-code")
            .token_url(format!("{}/oauth/token", server.uri()))
            .store(store.clone());
        let client = Client::builder().base_url(server.uri()).oauth2(oauth.clone()).build().unwrap();
        let id = RECORD.parse().unwrap();
        let _ = client.get_record("people", id).send().await;
        let _ = client.get_record("people", id).send().await;

        let tokens = requests_to(&server, "/oauth/token").await;
        assert_eq!(tokens.len(), 1);
        assert_eq!(
            form(&tokens[0]),
            pairs(&[
                ("grant_type", "authorization_code"),
                ("code", "attio-code"),
                ("client_id", "attio-client"),
                ("client_secret", "attio-secret"),
            ])
        );
        assert_eq!(store.get().unwrap().access_token.unwrap().expose(), "attio-oauth-token");

        // A restart: the token comes from the store, the code is not sent again.
        let restarted = Client::builder().base_url(server.uri()).oauth2(oauth).build().unwrap();
        let _ = restarted.get_record("people", id).send().await;
        assert_eq!(requests_to(&server, "/oauth/token").await.len(), 1);
        let calls = requests_to(&server, &format!("/objects/people/records/{RECORD}")).await;
        assert_eq!(calls.len(), 3);
        assert!(calls.iter().all(|c| auth_of(c) == "Bearer attio-oauth-token"));
    }

    #[tokio::test]
    async fn api_keys_and_oauth_tokens_are_both_bearer_tokens() {
        let server = MockServer::start().await;
        mount_record(&server).await;
        let id = RECORD.parse().unwrap();
        let by_key = Client::builder().base_url(server.uri()).bearer_token("attio-api-key").build().unwrap();
        let by_oauth = Client::builder().base_url(server.uri()).access_token("attio-oauth-token").build().unwrap();
        let _ = by_key.get_record("people", id).send().await;
        let _ = by_oauth.get_record("people", id).send().await;
        let calls = requests_to(&server, &format!("/objects/people/records/{RECORD}")).await;
        let auths: Vec<&str> = calls.iter().map(auth_of).collect();
        assert_eq!(auths, ["Bearer attio-api-key", "Bearer attio-oauth-token"]);
    }
}
