//! Declared error responses decode into their typed variants.

use std::fmt::Debug;
use std::future::Future;

use serde_json::Value;

use super::server::Server;
use super::spec::Op;
use crate::runtime::{Error, Response};

/// Answers `op` at `wire_path` with each error status it declares in turn
/// (the spec's example as body, or none) and checks that `send` (given the
/// server's base URL) fails with `Error::Api` holding the status, the
/// response headers, the raw body and the expected typed body. `expected`
/// must list exactly the statuses the spec declares (in any order).
pub async fn check_declared_errors<T, E, F, Fut>(op: Op, wire_path: &str, send: F, mut expected: Vec<(u16, E)>)
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<Response<T>, Error<E>>>,
    T: Debug,
    E: Debug + PartialEq,
{
    expected.sort_by_key(|(status, _)| *status);
    let statuses: Vec<u16> = expected.iter().map(|(status, _)| *status).collect();
    assert_eq!(statuses, op.declared_error_statuses(), "{}: every declared error status must be tested", op.id);
    for (status, want) in expected {
        let server = Server::start().await;
        let request_id = format!("req-{status}");
        op.mock(wire_path)
            .respond_with(op.reply(status).insert_header("x-request-id", request_id.as_str()))
            .expect(1)
            .mount(&server)
            .await;
        match send(server.uri()).await {
            Err(Error::Api(e)) => {
                assert_eq!(e.status.as_u16(), status, "{}", op.id);
                assert_eq!(e.body, want, "{} {status}", op.id);
                assert_eq!(e.headers["x-request-id"], request_id.as_str(), "{} {status}", op.id);
                match op.response_example_opt(status) {
                    Some(example) => {
                        let raw: Value = serde_json::from_str(&e.raw_body)
                            .unwrap_or_else(|err| panic!("{} {status}: raw body {:?}: {err}", op.id, e.raw_body));
                        assert_eq!(raw, example, "{} {status}", op.id);
                    }
                    None => assert_eq!(e.raw_body, "", "{} {status}", op.id),
                }
            }
            other => panic!("{} answered {status}: expected Error::Api, got {other:?}", op.id),
        }
        server.verify().await;
    }
}
