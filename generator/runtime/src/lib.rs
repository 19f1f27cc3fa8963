//! The hand-written runtime every generated module builds on: the HTTP
//! client and its builder, credentials, requests, responses and errors,
//! the retry policy, pagination, and the macros behind open enums and
//! tagged unions. Written once, tested directly; generated modules hold
//! only what differs per spec.
//!
//! Generated crates depend on this crate and reach it as `crate::runtime`
//! (`pub use crmgen_runtime as runtime;` in their `lib.rs`); a fix here
//! reaches every generated client through `cargo update`.

#![deny(missing_docs)]

mod auth;
mod body;
mod client;
mod de;
mod error;
mod hooks;
mod macros;
mod multipart;
mod options;
mod pagination;
mod param;
mod ratelimit;
mod request;
mod response;
mod retry;
mod ser;
mod testing_macros;

pub mod double_option;
#[cfg(feature = "testing")]
pub mod testing;
#[cfg(feature = "webhooks")]
pub mod webhook;

/// This crate's version: generated modules are written in the macro
/// [`grammar`] of the version their header names.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

pub use async_trait::async_trait;
#[cfg(feature = "redis")]
pub use auth::RedisTokenStore;
pub use auth::{
    AccessToken, AuthError, AuthErrorKind, ClientAuth, Credential, CredentialSource, FileTokenStore, MemoryTokenStore,
    OAuth2, OAuth2Refresher, OAuth2Scheme, RefreshLease, Secret, StaticToken, StoreError, TokenExchange, TokenSet,
    TokenStore,
};
#[cfg(feature = "postgres")]
pub use auth::{PostgresTokenStore, POSTGRES_TOKEN_STORE_MIGRATIONS};
pub use body::{Download, DEFAULT_BODY_LIMIT};
pub use client::{ApiClient, BuildError, Client, ClientBuilder, Pending};
pub use error::{
    ApiError, BodyTooLarge, DecodeError, Error, ItemError, NoErrorBody, UndecodedSuccess, UnexpectedResponse,
};
pub use futures_core::Stream;
pub use hooks::{Attempt, Hook};
pub use macros::grammar;
pub use multipart::{FilePart, Multipart, MultipartBody};
pub use options::RequestOptions;
pub use pagination::{fetch_page, paginate, Page, PageStyle, PageToken, Pagination};
pub use param::{json_param, ListStyle, ToParam};
#[cfg(feature = "file-lock")]
pub use ratelimit::FileRateLimiter;
#[cfg(feature = "postgres")]
pub use ratelimit::PostgresRateLimiter;
#[cfg(feature = "redis")]
pub use ratelimit::RedisRateLimiter;
pub use ratelimit::{
    Gcra, Lease, MemoryRateLimiter, Methods, RateLimit, RateLimitBackend, RateLimitError, RateLimitInfo, RateRule,
};
pub use request::Request;
pub use reqwest;
pub use reqwest::Method;
pub use response::{RawResponse, Response};
pub use retry::RetryPolicy;

/// What the macros above expand to, reached through `$crate` so that a
/// generated crate needs no dependency of its own on these crates.
#[doc(hidden)]
pub mod __private {
    /// `object!`'s helpers.
    pub mod de {
        pub use crate::de::{double_option, expecting, optional, required, Key, Rest};
    }
    pub mod ser {
        pub use crate::ser::{additional, double_option, optional, required};
    }
    pub use super::macros::from_str_value;
    pub use serde_path_to_error;
}
