//! Support for the workspace's tests: the generator's fixture modules,
//! compiled against the same runtime the `generated/` crate uses, so that
//! their output is checked by the compiler, clippy and serde round trips.
//! The tests themselves are in `tests/tests/`.

pub use crmgen_runtime as runtime;

#[rustfmt::skip] // generated and formatted by `cargo xtask codegen`
pub mod fixtures;

pub mod support;
