//! The hand-written runtime every generated module builds on: the HTTP
//! client and its builder, credentials, requests, responses and errors,
//! the retry policy, pagination, and the macros behind open enums and
//! tagged unions. Written once, tested directly; generated modules hold
//! only what differs per spec.

mod auth;
mod client;
mod error;
mod macros;
mod pagination;
mod param;
mod request;
mod response;
mod retry;

pub mod double_option;

pub use auth::Credential;
pub use client::{ApiClient, BuildError, Client, ClientBuilder};
pub use error::{ApiError, DecodeError, Error, NoErrorBody, UnexpectedResponse};
pub use futures_core::Stream;
pub use pagination::{paginate, PageStyle, Pagination};
pub use param::{json_param, ListStyle, ToParam};
pub use request::Request;
pub use reqwest::Method;
pub use response::{RawResponse, Response};
pub use retry::RetryPolicy;

// Used by generated modules; unused when no API feature is enabled.
#[allow(unused_imports)]
pub(crate) use macros::{impl_into_future, open_enum, open_int_enum, tagged_union};
