//! Project chores: regenerating `generated/` from `specs/` and checking
//! that it is fresh. `main.rs` is the command line; tests use this library.

pub mod api_diff;
pub mod bench;
pub mod codegen;
pub mod corpus;
