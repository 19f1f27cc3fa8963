//! `list_records().stream()` past Zoho's 2,000-record window: page numbers up
//! to record 2,000, then `page_token` from `info.next_page_token`, against a
//! mock that pages as the v7 Get Records page describes (and as Zoho answers
//! on the wire: airbytehq/airbyte#30977 quotes the 400 body of a `page` past
//! the window).

use std::sync::{Arc, Mutex};

use crm_clients::runtime::Error;
use futures_util::{StreamExt, TryStreamExt};
use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

use super::{
    ErrorCode, ErrorDetails, FIELDS_QUERY, LIST_RECORDS, ListRecordsError, MODULE, Record, Server, W_MODULE, api_error,
    client, fields, json_map, nth_id, nth_record,
};

/// Records `page` and `per_page` reach (Zoho's discrete pagination window).
const WINDOW: u64 = 2000;

/// The 400 Zoho answers for a `page` past the window, as received.
fn discrete_limit() -> Value {
    json!({
        "code": "DISCRETE_PAGINATION_LIMIT_EXCEEDED",
        "details": {"limit": 2000},
        "message": "You can only get the first 2000 records without using page_token param",
        "status": "error"
    })
}

/// A module of `total` records that pages like Zoho's get records: `page`
/// only within the window, `page_token` beyond it and never both, a token
/// bound to the query that produced it (`tok-<next record>-<query>`).
/// Every query received is kept.
#[derive(Clone)]
struct ZohoPaging {
    total: u64,
    seen: Arc<Mutex<Vec<String>>>,
}

impl ZohoPaging {
    fn new(total: u64) -> ZohoPaging {
        ZohoPaging { total, seen: Arc::default() }
    }

    fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

fn refuse(code: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(400)
        .set_body_json(json!({"code": code, "details": {}, "message": message, "status": "error"}))
}

impl Respond for ZohoPaging {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        self.seen.lock().unwrap().push(request.url.query().unwrap_or_default().to_string());
        let param = |name: &str| request.url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
        // What a token is bound to: the query without the paging parameters.
        let bound: Vec<String> = request
            .url
            .query_pairs()
            .filter(|(k, _)| k != "page" && k != "page_token")
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let bound = bound.join("&");
        let per_page: u64 = param("per_page").map_or(200, |v| v.parse().unwrap());
        let page: u64 = param("page").map_or(1, |v| v.parse().unwrap());
        let start = match (param("page"), param("page_token")) {
            (Some(_), Some(_)) => return refuse("AMBIGUITY_DURING_PROCESSING", "page and page_token together"),
            (_, Some(token)) => {
                let (next, query) = token.strip_prefix("tok-").unwrap().split_once('-').unwrap();
                if query != bound {
                    return refuse("TOKEN_BOUND_DATA_MISMATCH", "the token was issued for another query");
                }
                next.parse::<u64>().unwrap()
            }
            (_, None) if page * per_page > WINDOW => {
                return ResponseTemplate::new(400).set_body_json(discrete_limit());
            }
            (_, None) => (page - 1) * per_page,
        };
        let end = (start + per_page).min(self.total);
        let more = end < self.total;
        let data: Vec<Value> = (start..end).map(|n| nth_record(n as u32 + 1)).collect();
        let token = if more { json!(format!("tok-{end}-{bound}")) } else { Value::Null };
        ResponseTemplate::new(200).set_body_json(json!({
            "data": data,
            "info": {
                "per_page": per_page, "count": end - start, "page": page, "more_records": more,
                "next_page_token": token, "previous_page_token": null,
                "page_token_expiry": if more { json!("2022-11-11T15:08:14+05:30") } else { Value::Null },
            }
        }))
    }
}

/// Whether the query string `query` has the parameter `name`.
fn has(query: &str, name: &str) -> bool {
    query.split('&').any(|pair| pair.split('=').next() == Some(name))
}

async fn serve(paging: &ZohoPaging) -> Server {
    let server = Server::start().await;
    LIST_RECORDS.mock(W_MODULE).respond_with(paging.clone()).mount(&server).await;
    server
}

#[tokio::test]
async fn list_records_stream_reads_past_2000_records_with_page_token() {
    let paging = ZohoPaging::new(2450);
    let server = serve(&paging).await;

    let records: Result<Vec<Record>, _> =
        client(&server).list_records(MODULE, fields()).per_page(200).stream().try_collect().await;
    let records = records.unwrap_or_else(|e| panic!("{e}\n{:#?}", paging.seen()));

    let ids: Vec<String> = records.iter().map(|r| r.id.clone().unwrap()).collect();
    assert_eq!(ids, (1..=2450).map(nth_id).collect::<Vec<_>>());
    let bound = format!("{FIELDS_QUERY}&per_page=200");
    let mut expected = vec![bound.clone()];
    expected.extend((2..=10).map(|n| format!("{bound}&page={n}")));
    expected.extend([2000, 2200, 2400].map(|next| {
        let token = format!("tok-{next}-fields=Last_Name,Email&per_page=200").replace(',', "%2C").replace('=', "%3D");
        format!("{bound}&page_token={}", token.replace('&', "%26"))
    }));
    let seen = paging.seen();
    assert_eq!(seen, expected);
    // 13 pages: 10 by number, 3 by token, and no request with both.
    assert!(seen.iter().all(|q| !(has(q, "page") && has(q, "page_token"))), "{seen:#?}");
}

#[tokio::test]
async fn list_records_stream_resumed_from_a_page_token_never_sends_page() {
    let paging = ZohoPaging::new(2450);
    let server = serve(&paging).await;
    // Issued for this query (the parameters in the spec's order).
    let token = "tok-2200-fields=Last_Name,Email&sort_by=Modified_Time&per_page=200";

    let records: Vec<Record> = client(&server)
        .list_records(MODULE, fields())
        .per_page(200)
        .sort_by(super::ListRecordsSortBy::ModifiedTime)
        .page_token(token)
        .stream()
        .try_collect()
        .await
        .unwrap();

    let ids: Vec<String> = records.iter().map(|r| r.id.clone().unwrap()).collect();
    assert_eq!(ids, (2201..=2450).map(nth_id).collect::<Vec<_>>());
    let seen = paging.seen();
    assert_eq!(seen.len(), 2, "{seen:#?}");
    assert!(seen.iter().all(|q| has(q, "page_token") && !has(q, "page")), "{seen:#?}");
}

#[tokio::test]
async fn a_page_past_the_window_is_zohos_typed_400() {
    let paging = ZohoPaging::new(2450);
    let server = serve(&paging).await;

    let items: Vec<_> = client(&server).list_records(MODULE, fields()).page(11).per_page(200).stream().collect().await;

    assert_eq!(items.len(), 1, "{items:?}");
    match &items[0] {
        Err(Error::Api(e)) => {
            assert_eq!(e.status, 400);
            let details =
                ErrorDetails { additional_properties: json_map(json!({"limit": 2000})), ..Default::default() };
            let message = "You can only get the first 2000 records without using page_token param";
            let expected = api_error(ErrorCode::DiscretePaginationLimitExceeded, message, details);
            assert_eq!(e.body, ListRecordsError::BadRequest(expected));
        }
        other => panic!("expected the 400 DISCRETE_PAGINATION_LIMIT_EXCEEDED, got {other:?}"),
    }
}
