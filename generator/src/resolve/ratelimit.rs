//! The `x-rate-limit` extension at the document root: the limits a vendor
//! publishes, which the generated builder sets by default.

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::model::{RateLimit, RateMethods, RateRule};

/// `x-rate-limit` as written in a spec.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RateLimitExt {
    #[serde(default)]
    rules: Vec<RateRuleExt>,
    #[serde(default)]
    concurrency: Option<u32>,
    /// Kept for readers: where the numbers come from.
    #[serde(rename = "x-curation-note", default)]
    _note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RateRuleExt {
    requests: u32,
    per_ms: u64,
    #[serde(default)]
    burst: Option<u32>,
    #[serde(default)]
    methods: Option<String>,
}

/// The rate limits of a document, if it declares any.
pub(super) fn rate_limit(extensions: &indexmap::IndexMap<String, serde_json::Value>) -> Result<Option<RateLimit>> {
    const POINTER: &str = "#/x-rate-limit";
    let Some(v) = extensions.get("x-rate-limit") else { return Ok(None) };
    let ext: RateLimitExt = serde_json::from_value(v.clone())
        .map_err(|e| Error::invalid(POINTER, format!("malformed `x-rate-limit`: {e}")))?;
    let mut rules = Vec::with_capacity(ext.rules.len());
    for (i, r) in ext.rules.into_iter().enumerate() {
        let at = format!("{POINTER}/rules/{i}");
        if r.requests == 0 || r.per_ms == 0 {
            return Err(Error::invalid(&at, "`requests` and `per-ms` must be at least 1"));
        }
        let burst = r.burst.unwrap_or(1);
        if burst == 0 || burst > r.requests {
            return Err(Error::invalid(&at, format!("`burst` must be between 1 and `requests` ({})", r.requests)));
        }
        let methods = match r.methods.as_deref() {
            None | Some("all") => RateMethods::All,
            Some("reads") => RateMethods::Reads,
            Some("writes") => RateMethods::Writes,
            Some(other) => {
                return Err(Error::invalid(&at, format!("unknown `methods` `{other}` (expected all, reads or writes)")))
            }
        };
        rules.push(RateRule { requests: r.requests, per_ms: r.per_ms, burst, methods });
    }
    if ext.concurrency == Some(0) {
        return Err(Error::invalid(POINTER, "`concurrency` must be at least 1"));
    }
    Ok(Some(RateLimit { rules, concurrency: ext.concurrency }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ext(v: serde_json::Value) -> indexmap::IndexMap<String, serde_json::Value> {
        [("x-rate-limit".to_string(), v)].into_iter().collect()
    }

    #[test]
    fn rules_and_concurrency() {
        let limit = rate_limit(&ext(json!({
            "rules": [
                {"requests": 100, "per-ms": 1000, "methods": "reads"},
                {"requests": 200000, "per-ms": 86400000, "burst": 100000},
            ],
            "concurrency": 5,
        })))
        .unwrap()
        .unwrap();
        assert_eq!(limit.concurrency, Some(5));
        assert_eq!(
            limit.rules,
            [
                RateRule { requests: 100, per_ms: 1000, burst: 1, methods: RateMethods::Reads },
                RateRule { requests: 200_000, per_ms: 86_400_000, burst: 100_000, methods: RateMethods::All },
            ]
        );
        assert_eq!(rate_limit(&Default::default()).unwrap(), None);
    }

    #[test]
    fn bad_values_are_located_errors() {
        for (v, needle) in [
            (json!({"rules": [{"requests": 0, "per-ms": 1}]}), "#/x-rate-limit/rules/0"),
            (json!({"rules": [{"requests": 5, "per-ms": 1, "burst": 6}]}), "between 1 and `requests` (5)"),
            (json!({"rules": [{"requests": 5, "per-ms": 1, "methods": "gets"}]}), "unknown `methods` `gets`"),
            (json!({"rules": [{"requests": 5, "per": 1}]}), "malformed `x-rate-limit`"),
            (json!({"concurrency": 0}), "`concurrency` must be at least 1"),
        ] {
            let e = rate_limit(&ext(v)).unwrap_err().to_string();
            assert!(e.contains(needle), "{e}");
        }
    }
}
