//! The project's research tools, apart from the product and its chores:
//! `bench` (generation time, memory, lines and build time against the
//! pinned peers) and `corpus` (every generator on a sample of real-world
//! specs). `cargo xtask bench|corpus` runs them through `main.rs`.
//!
//! [`peers`] is the one list of the pinned peer generators; [`process`] the
//! one way a child process is run with a time limit.

pub mod bench;
pub mod corpus;
pub mod peers;
pub mod process;
