//! Support for the workspace's tests: the generator's fixture modules,
//! compiled against the same runtime the `generated/` crate uses, so that
//! their output is checked by the compiler, clippy and serde round trips.
//! The tests themselves are in `tests/tests/`.

#[path = "../../generated/src/runtime/mod.rs"]
pub mod runtime;

pub mod fixtures;
