//! What a user sees when they get a generated client wrong: each case in
//! `tests/ui` must fail to compile against `crm-clients` with the message
//! in its `.stderr` beside it (`TRYBUILD=overwrite cargo test -p tests
//! --test compile_fail` writes them afresh, to review as a diff).

#[test]
fn mistakes_against_the_generated_clients_do_not_compile() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui/*.rs");
}
