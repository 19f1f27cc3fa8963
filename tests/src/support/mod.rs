//! What the end-to-end tests of the generated clients share: the specs
//! their examples come from ([`Api`], [`Op`]), matchers for the request on
//! the wire ([`query_is`], [`EmptyBody`]), mock servers that record what
//! reached them ([`Server`]), and the two checks every API's tests make:
//! each declared error status decodes into its typed variant
//! ([`check_declared_errors`]) and each operation of the spec is called on
//! the wire by some test ([`assert_every_operation_is_called`]).

mod errors;
mod matchers;
mod server;
mod spec;

pub use errors::check_declared_errors;
pub use matchers::{EmptyBody, ExpectedPart, MultipartContentType, QueryIs, boundary, multipart_bytes, query_is};
pub use server::{Coverage, Server, assert_every_operation_is_called};
pub use spec::{Api, Op, SpecOperation};
