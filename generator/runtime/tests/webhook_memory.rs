//! What an unauthenticated delivery costs the receiver: a body with a wrong
//! channel token is refused without building its JSON tree. Allocations are
//! counted per thread, so the test harness's other threads do not count.

#![cfg(feature = "webhooks")]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use crmgen_runtime::webhook::{Field, HeaderMap, Secret, TimestampFormat, Verifier, WebhookError};
use serde_json::Value;

struct Counting;

thread_local! {
    static ALLOCATED: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATED.try_with(|a| a.set(a.get() + layout.size()));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATED.try_with(|a| a.set(a.get() + new_size));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocated_by<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = ALLOCATED.with(Cell::get);
    let out = f();
    (out, ALLOCATED.with(Cell::get) - before)
}

const TOKEN: &str = "TOKEN_FOR_VERIFICATION_OF_1000000068001";

/// A Zoho-shaped notification of about `size` bytes: many small values
/// (the costliest shape for a JSON tree), the token last, as Zoho sends it.
fn notification(size: usize, token: &str) -> Vec<u8> {
    let mut body = String::from(r#"{"server_time":1589444677584,"module":"Leads","ids":["#);
    while body.len() < size {
        body.push_str(r#"{"a":1,"b":[2]},"#);
    }
    body.pop();
    body.push_str(&format!(r#"],"operation":"update","channel_id":"1000000068001","token":"{token}"}}"#));
    body.into_bytes()
}

fn zoho() -> Verifier {
    Verifier::builder()
        .payload_token("token", Secret::new(TOKEN).unwrap())
        .timestamp(Field::Body("server_time"), TimestampFormat::UnixMillis)
        .require_timestamp(true)
        .no_replay_window()
        .build()
        .unwrap()
}

#[test]
fn a_wrong_token_is_refused_before_the_body_is_parsed() {
    let verifier = zoho();
    let body = notification(512 * 1024, "TOKEN_FOR_VERIFICATION_OF_1000000068002");
    let (result, bytes) = allocated_by(|| verifier.parse::<Value>(&HeaderMap::new(), &body));
    assert_eq!(result.unwrap_err(), WebhookError::TokenMismatch { field: "token" });
    assert!(bytes < 16 * 1024, "refusing a {} byte body allocated {bytes} bytes", body.len());

    let body = notification(512 * 1024, TOKEN);
    let (result, _) = allocated_by(|| verifier.parse::<Value>(&HeaderMap::new(), &body));
    assert!(result.is_ok(), "{result:?}");
}

#[test]
fn a_body_over_the_limit_is_refused_unread() {
    let verifier = zoho().into_builder().body_limit(64 * 1024).build().unwrap();
    let body = notification(64 * 1024 + 1, TOKEN);
    let (result, bytes) = allocated_by(|| verifier.parse::<Value>(&HeaderMap::new(), &body));
    assert_eq!(result.unwrap_err(), WebhookError::BodyTooLarge { len: body.len(), limit: 64 * 1024 });
    assert_eq!(bytes, 0, "a refused body is not read");
    // The default limit holds without configuration.
    let body = notification(crmgen_runtime::webhook::DEFAULT_BODY_LIMIT + 1, TOKEN);
    assert!(matches!(zoho().parse::<Value>(&HeaderMap::new(), &body), Err(WebhookError::BodyTooLarge { .. })));
}

#[test]
fn a_huge_or_deeply_nested_token_costs_nothing_either() {
    let verifier = zoho().into_builder().body_limit(4 * 1024 * 1024).build().unwrap();
    let huge = notification(1024, &"A".repeat(2 * 1024 * 1024));
    let (result, bytes) = allocated_by(|| verifier.parse::<Value>(&HeaderMap::new(), &huge));
    assert_eq!(result.unwrap_err(), WebhookError::TokenMismatch { field: "token" });
    assert!(bytes < 16 * 1024, "{bytes}");
    let nested = format!(r#"{{"server_time":1,"token":{}1{}}}"#, "[".repeat(100), "]".repeat(100));
    let (result, bytes) = allocated_by(|| verifier.parse::<Value>(&HeaderMap::new(), nested.as_bytes()));
    assert_eq!(result.unwrap_err(), WebhookError::TokenMismatch { field: "token" });
    assert!(bytes < 16 * 1024, "{bytes}");
}
