//! Matchers for the request on the wire that wiremock does not have.

use wiremock::{Match, Request};

/// The query string, exactly: the same raw (still percent-encoded)
/// `name=value` pieces, each as often, in any order.
#[derive(Debug)]
pub struct QueryIs(Vec<String>);

/// The query string is exactly `pieces`. A piece may hold several pairs
/// joined by `&` (a literal `&` always separates pairs on the wire); no
/// pieces, or only empty ones, means no query string at all.
pub fn query_is(pieces: &[&str]) -> QueryIs {
    let mut want: Vec<String> =
        pieces.iter().filter(|p| !p.is_empty()).flat_map(|p| p.split('&')).map(str::to_owned).collect();
    want.sort_unstable();
    QueryIs(want)
}

impl Match for QueryIs {
    fn matches(&self, request: &Request) -> bool {
        let mut got: Vec<&str> = match request.url.query() {
            None | Some("") => Vec::new(),
            Some(query) => query.split('&').collect(),
        };
        got.sort_unstable();
        got == self.0
    }
}

/// The request has no body.
#[derive(Debug)]
pub struct EmptyBody;

impl Match for EmptyBody {
    fn matches(&self, request: &Request) -> bool {
        request.body.is_empty()
    }
}
