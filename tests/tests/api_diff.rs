//! `crmgen::diff` (`crmgen diff`, `cargo xtask api-diff`): each kind of API
//! change, and whether it breaks users of the generated crate. Each test
//! edits a small inline spec and diffs the resolved models; additions are
//! checked both ways (the reverse diff is the removal).

use std::path::Path;
use std::process::Command;

use crmgen::diff::{Kind, Report};
use xtask::api_diff::{self, SpecDiff};

const BASE: &str = r#"
openapi: 3.0.3
info: {title: Pets, version: "1"}
servers:
  - url: https://{region}.pets.example.com/v1
    variables:
      region: {default: eu, enum: [eu, us]}
security:
  - bearer: []
paths:
  /pets:
    get:
      operationId: listPets
      parameters:
        - {name: limit, in: query, schema: {type: integer, format: int32}}
        - {name: owner, in: query, required: true, schema: {type: string}}
      responses:
        '200':
          description: Pets.
          content:
            application/json:
              schema: {type: array, items: {$ref: '#/components/schemas/Pet'}}
    post:
      operationId: createPet
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/NewPet'}
      responses:
        '201':
          description: Created.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Pet'}
        '409':
          description: Conflict.
  /pets/{id}:
    get:
      operationId: getPet
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        '200':
          description: The pet.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Pet'}
    put:
      operationId: replaceLabel
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Label'}
      responses:
        '200':
          description: The label.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Label'}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
  schemas:
    Pet:
      type: object
      required: [id, name]
      properties:
        id: {type: string}
        name: {type: string}
        status: {type: string, enum: [available, sold]}
    NewPet:
      type: object
      required: [name]
      properties:
        name: {type: string}
        tag: {type: string}
    Label:
      type: object
      properties:
        text: {type: string}
"#;

fn api(spec: &str) -> crmgen::model::Api {
    crmgen::diff::resolve_str(spec).unwrap_or_else(|e| panic!("spec does not resolve: {e}\n{spec}"))
}

/// `BASE` with each `(anchor, replacement)` applied once.
fn edited(edits: &[(&str, &str)]) -> String {
    let mut s = BASE.to_string();
    for (anchor, with) in edits {
        assert_eq!(s.matches(anchor).count(), 1, "anchor `{anchor}` must occur once");
        s = s.replacen(anchor, with, 1);
    }
    s
}

fn diff(old: &str, new: &str) -> Report {
    crmgen::diff::diff(&api(old), &api(new))
}

/// The report has exactly one change, of this kind and classification;
/// returns its Markdown line.
#[track_caller]
fn only(report: &Report, kind: Kind, breaking: bool) -> String {
    assert_eq!(report.changes.len(), 1, "expected one change, got:\n{}", report.to_markdown());
    let c = &report.changes[0];
    assert_eq!((c.kind, c.breaking), (kind, breaking), "\n{}", report.to_markdown());
    assert_eq!(report.has_breaking(), breaking);
    format!("{}: {}", c.subject, c.detail)
}

#[test]
fn an_unchanged_spec_has_no_changes() {
    let r = diff(BASE, BASE);
    assert!(r.is_empty());
    assert_eq!(r.to_markdown(), "No API changes.\n");
    // Documentation is not API.
    let docs = edited(&[(
        "        '201':\n          description: Created.",
        "        '201':\n          description: The new pet.",
    )]);
    assert!(diff(BASE, &docs).is_empty());
}

#[test]
fn operations_added_do_not_break_and_removed_do() {
    let new = edited(&[(
        "    put:\n      operationId: replaceLabel",
        "    delete:\n      operationId: deletePet\n      parameters:\n        - {name: id, in: path, required: true, schema: {type: string}}\n      responses:\n        '204': {description: Deleted.}\n    put:\n      operationId: replaceLabel",
    )]);
    let line = only(&diff(BASE, &new), Kind::OperationAdded, false);
    assert_eq!(line, "operation `deletePet`: added: `DELETE /pets/{id}` (`Client::delete_pet`)");
    let line = only(&diff(&new, BASE), Kind::OperationRemoved, true);
    assert_eq!(line, "operation `deletePet`: removed: `DELETE /pets/{id}` (`Client::delete_pet`)");
}

#[test]
fn optional_parameters_added_do_not_break_and_removed_do() {
    let new = edited(&[(
        "        - {name: owner,",
        "        - {name: sort, in: query, schema: {type: string}}\n        - {name: owner,",
    )]);
    let line = only(&diff(BASE, &new), Kind::ParamAdded, false);
    assert_eq!(line, "`listPets` parameter `sort` (query): added, optional: builder method `.sort()` (`String`)");
    let line = only(&diff(&new, BASE), Kind::ParamRemoved, true);
    assert_eq!(line, "`listPets` parameter `sort` (query): removed");
}

#[test]
fn a_required_parameter_added_breaks() {
    let new = edited(&[(
        "        - {name: owner,",
        "        - {name: X-Tenant, in: header, required: true, schema: {type: string}}\n        - {name: owner,",
    )]);
    let line = only(&diff(BASE, &new), Kind::ParamAdded, true);
    assert_eq!(
        line,
        "`listPets` parameter `X-Tenant` (header): added, required: a new argument of `Client::list_pets` (`String`)"
    );
}

#[test]
fn a_constant_parameter_added_does_not_break() {
    // A required parameter with one allowed value is sent by itself.
    let new = edited(&[(
        "        - {name: owner,",
        "        - {name: Version, in: header, required: true, schema: {type: string, enum: ['2024-01-01']}}\n        - {name: owner,",
    )]);
    // Its type (`ListPetsVersion`, an enum of one value) is not reported:
    // users never name it.
    only(&diff(BASE, &new), Kind::ParamAdded, false);
    // Its value changing is not breaking either.
    let newer = new.replace("'2024-01-01'", "'2025-01-01'");
    let line = only(&diff(&new, &newer), Kind::ParamChanged, false);
    assert!(line.contains("constant `2024-01-01` -> `2025-01-01`"), "{line}");
}

#[test]
fn a_retyped_parameter_breaks() {
    let new = edited(&[(
        "{name: limit, in: query, schema: {type: integer, format: int32}}",
        "{name: limit, in: query, schema: {type: string}}",
    )]);
    let line = only(&diff(BASE, &new), Kind::ParamChanged, true);
    assert_eq!(line, "`listPets` parameter `limit` (query): retyped `i32` -> `String`");
}

#[test]
fn a_parameter_becoming_required_or_optional_breaks() {
    let new = edited(&[("{name: limit, in: query, schema:", "{name: limit, in: query, required: true, schema:")]);
    let line = only(&diff(BASE, &new), Kind::ParamChanged, true);
    assert_eq!(line, "`listPets` parameter `limit` (query): optional (a builder method) -> required (an argument)");
    only(&diff(&new, BASE), Kind::ParamChanged, true);
}

#[test]
fn optional_request_fields_added_do_not_break_and_removed_do() {
    let new =
        edited(&[("        tag: {type: string}\n", "        tag: {type: string}\n        color: {type: string}\n")]);
    let line = only(&diff(BASE, &new), Kind::FieldAdded, false);
    assert_eq!(line, "type `NewPet` (request): field `color` added, optional (`Option<String>`)");
    let line = only(&diff(&new, BASE), Kind::FieldRemoved, true);
    assert_eq!(line, "type `NewPet` (request): field `color` removed (was `Option<String>`)");
}

#[test]
fn a_required_request_field_added_breaks() {
    let new = edited(&[
        ("        tag: {type: string}\n", "        tag: {type: string}\n        species: {type: string}\n"),
        ("      required: [name]\n", "      required: [name, species]\n"),
    ]);
    let line = only(&diff(BASE, &new), Kind::FieldAdded, true);
    assert_eq!(line, "type `NewPet` (request): field `species` added, required (`String`)");
}

#[test]
fn a_retyped_request_field_breaks() {
    let new = edited(&[("        tag: {type: string}\n", "        tag: {type: array, items: {type: string}}\n")]);
    let line = only(&diff(BASE, &new), Kind::FieldChanged, true);
    assert_eq!(line, "type `NewPet` (request): field `tag` retyped `Option<String>` -> `Option<Vec<String>>`");
}

#[test]
fn a_request_field_becoming_required_breaks() {
    let new = edited(&[("      required: [name]\n", "      required: [name, tag]\n")]);
    let line = only(&diff(BASE, &new), Kind::FieldChanged, true);
    assert_eq!(line, "type `NewPet` (request): field `tag` now required, retyped `Option<String>` -> `String`");
}

#[test]
fn response_fields_added_do_not_break_even_when_required() {
    let new = edited(&[
        (
            "        status: {type: string, enum: [available, sold]}\n",
            "        status: {type: string, enum: [available, sold]}\n        age: {type: integer}\n",
        ),
        ("      required: [id, name]\n", "      required: [id, name, age]\n"),
    ]);
    let line = only(&diff(BASE, &new), Kind::FieldAdded, false);
    assert_eq!(line, "type `Pet` (response): field `age` added, required (`i64`)");
}

#[test]
fn response_fields_removed_or_retyped_break() {
    let removed = edited(&[("        name: {type: string}\n        status:", "        status:")]);
    let line = only(&diff(BASE, &removed), Kind::FieldRemoved, true);
    assert_eq!(line, "type `Pet` (response): field `name` removed (was `String`)");
    let retyped = edited(&[(
        "        id: {type: string}\n        name:",
        "        id: {type: string, format: uuid}\n        name:",
    )]);
    let line = only(&diff(BASE, &retyped), Kind::FieldChanged, true);
    assert_eq!(line, "type `Pet` (response): field `id` retyped `String` -> `Uuid`");
}

#[test]
fn a_type_in_requests_and_responses_follows_the_request_rules() {
    let new = edited(&[(
        "        text: {type: string}\n",
        "        text: {type: string}\n        color: {type: string}\n      required: [color]\n",
    )]);
    let line = only(&diff(BASE, &new), Kind::FieldAdded, true);
    assert_eq!(line, "type `Label` (request and response): field `color` added, required (`String`)");
}

#[test]
fn enum_values_added_do_not_break_and_removed_do() {
    let new = edited(&[("enum: [available, sold]", "enum: [available, pending, sold]")]);
    let line = only(&diff(BASE, &new), Kind::EnumValueAdded, false);
    assert_eq!(line, "type `PetStatus` (response): value `pending` added (`Pending`)");
    let line = only(&diff(&new, BASE), Kind::EnumValueRemoved, true);
    assert_eq!(line, "type `PetStatus` (response): value `pending` removed (`Pending`)");
}

#[test]
fn request_body_changes_break() {
    let optional = edited(&[(
        "      requestBody:\n        required: true\n        content:\n          application/json:\n            schema: {$ref: '#/components/schemas/NewPet'}",
        "      requestBody:\n        content:\n          application/json:\n            schema: {$ref: '#/components/schemas/NewPet'}",
    )]);
    let line = only(&diff(BASE, &optional), Kind::BodyChanged, true);
    assert_eq!(line, "`createPet` request body: now optional (`.body()`)");
    let retyped = edited(&[(
        "            schema: {$ref: '#/components/schemas/NewPet'}",
        "            schema: {$ref: '#/components/schemas/Label'}",
    )]);
    let r = diff(BASE, &retyped);
    assert_eq!(r.of_kind(Kind::BodyChanged).len(), 1, "{}", r.to_markdown());
    assert!(r.of_kind(Kind::BodyChanged)[0].breaking);
}

#[test]
fn error_statuses_declared_do_not_break_and_removed_do() {
    let new = edited(&[(
        "        '409':\n          description: Conflict.\n",
        "        '409':\n          description: Conflict.\n        '422':\n          description: Invalid.\n",
    )]);
    let line = only(&diff(BASE, &new), Kind::ResponseChanged, false);
    assert_eq!(line, "`createPet` errors: error status 422 declared (variant `UnprocessableEntity`)");
    only(&diff(&new, BASE), Kind::ResponseChanged, true);
}

#[test]
fn a_changed_success_type_breaks() {
    let new = edited(&[(
        "              schema: {type: array, items: {$ref: '#/components/schemas/Pet'}}",
        "              schema: {type: array, items: {$ref: '#/components/schemas/Label'}}",
    )]);
    let r = diff(BASE, &new);
    let changed = r.of_kind(Kind::ResponseChanged);
    assert_eq!(changed.len(), 1, "{}", r.to_markdown());
    assert!(changed[0].breaking);
    assert_eq!(changed[0].detail, "success type retyped `Vec<Pet>` -> `Vec<Label>`");
}

#[test]
fn auth_changes_break() {
    let scheme = edited(&[(
        "    bearer: {type: http, scheme: bearer}",
        "    bearer: {type: apiKey, in: header, name: X-Api-Key}",
    )]);
    let line = only(&diff(BASE, &scheme), Kind::AuthChanged, true);
    assert_eq!(
        line,
        "security scheme `bearer`: `Authorization: Bearer <token>` (`bearer_token`) -> API key in header `X-Api-Key` (`api_key`)"
    );
    let public = edited(&[("      operationId: getPet\n", "      operationId: getPet\n      security: []\n")]);
    let line = only(&diff(BASE, &public), Kind::AuthChanged, true);
    assert_eq!(line, "`getPet`: security `bearer` -> none");
}

#[test]
fn server_changes() {
    let moved = edited(&[("https://{region}.pets.example.com/v1", "https://{region}.pets.example.com/v2")]);
    let line = only(&diff(BASE, &moved), Kind::ServersChanged, false);
    assert_eq!(
        line,
        "servers: default base URL `https://{region}.pets.example.com/v1` -> `https://{region}.pets.example.com/v2`"
    );
    let fewer = edited(&[("enum: [eu, us]", "enum: [eu]")]);
    let line = only(&diff(BASE, &fewer), Kind::ServersChanged, true);
    assert_eq!(line, "server variable `region`: value `us` removed");
    only(&diff(&fewer, BASE), Kind::ServersChanged, false);
}

#[test]
fn types_renamed_show_as_removed_and_added() {
    let new = BASE.replace("NewPet", "PetDraft");
    let r = diff(BASE, &new);
    assert!(r.has_breaking());
    assert_eq!(r.of_kind(Kind::TypeRemoved).len(), 1, "{}", r.to_markdown());
    assert_eq!(r.of_kind(Kind::TypeAdded).len(), 1);
    assert_eq!(r.of_kind(Kind::BodyChanged)[0].detail, "retyped `NewPet` -> `PetDraft`");
}

/// One report with a bit of everything: the review surface of the Markdown.
#[test]
fn a_full_report() {
    let new = edited(&[
        ("https://{region}.pets.example.com/v1", "https://{region}.pets.example.com/v2"),
        ("enum: [eu, us]", "enum: [eu, us, ap]"),
        (
            "{name: limit, in: query, schema: {type: integer, format: int32}}",
            "{name: limit, in: query, schema: {type: integer, format: int64}}",
        ),
        (
            "    put:\n      operationId: replaceLabel",
            "    delete:\n      operationId: deletePet\n      parameters:\n        - {name: id, in: path, required: true, schema: {type: string}}\n      responses:\n        '204': {description: Deleted.}\n    put:\n      operationId: replaceLabel",
        ),
        (
            "        id: {type: string}\n        name:",
            "        id: {type: string}\n        nickname: {type: string}\n        name:",
        ),
        ("enum: [available, sold]", "enum: [available, adopted]"),
        ("        tag: {type: string}\n", "        tags: {type: array, items: {type: string}}\n"),
        ("      operationId: getPet\n", "      operationId: getPet\n      security: []\n"),
    ]);
    let report = diff(BASE, &new);
    insta::assert_snapshot!(report.to_markdown());
}

// ---- against git ---------------------------------------------------------------

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"])
        .args(args)
        .output()
        .expect("git runs");
    assert!(status.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&status.stderr));
}

/// `--git-rev`: changed, new and deleted specs against a revision, in a
/// scratch repository.
#[test]
fn specs_against_a_git_revision() {
    if Command::new("git").arg("--version").output().is_err() {
        eprintln!("git is not installed; skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let write = |rel: &str, text: &str| {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write("specs/pets/store.yaml", BASE);
    write("specs/pets/legacy.yaml", BASE);
    write("specs/pets/same.yaml", BASE);
    write("specs/README.md", "not a spec");
    git(root, &["init", "-q", "-b", "main"]);
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "base"]);

    // Nothing changed yet.
    let rev = api_diff::default_rev(root).unwrap();
    let diffs = api_diff::diff_git(root, &rev).unwrap();
    assert!(diffs.is_empty());
    assert!(api_diff::specs_markdown("main", &diffs).contains("No spec in `specs/` changed."));

    write("specs/pets/store.yaml", &edited(&[("enum: [available, sold]", "enum: [available]")]));
    write("specs/other/new.yaml", BASE);
    std::fs::remove_file(root.join("specs/pets/legacy.yaml")).unwrap();
    let diffs = api_diff::diff_git(root, "HEAD").unwrap();
    let md = api_diff::specs_markdown("HEAD", &diffs);
    assert_eq!(diffs.len(), 3, "{md}");
    assert!(matches!(&diffs[0], SpecDiff::Added { path, operations: 4 } if path == "specs/other/new.yaml"), "{md}");
    assert!(matches!(&diffs[1], SpecDiff::Deleted { path } if path == "specs/pets/legacy.yaml"), "{md}");
    assert!(
        matches!(&diffs[2], SpecDiff::Changed { path, report } if path == "specs/pets/store.yaml" && report.has_breaking()),
        "{md}"
    );
    assert!(diffs.iter().any(|d| d.has_breaking()));
    insta::assert_snapshot!(md);
}
