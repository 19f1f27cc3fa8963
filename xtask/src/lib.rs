//! Project chores: regenerating `generated/` from `specs/`, checking that it
//! is fresh, and the API changes of `specs/` since a git revision.
//! `main.rs` is the command line; tests use this library. The research
//! tools (`bench`, `corpus`) are the `xtask-research` package in `research/`.

pub mod api_diff;
pub mod codegen;
pub mod generate;
