//! Reviewable regeneration: a small edit of a spec must give a small diff
//! of the generated module, touching only the lines of what changed.
//!
//! Each test applies one edit to `tests/fixtures/stability/base.yaml`,
//! regenerates, and bounds the line diff (`similar`) between the two
//! modules. The bounds are what a reviewer should expect to read for that
//! edit; a failure prints the diff.

use std::collections::BTreeSet;

use similar::{ChangeTag, TextDiff};
use xtask::codegen;

fn base() -> String {
    let path = codegen::workspace_root().join("tests/fixtures/stability/base.yaml");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn generate(spec: &str) -> crmgen::Generated {
    let opts = crmgen::Options {
        module_path: "api".into(),
        spec_label: "stability.yaml".into(),
        command: "crmgen module".into(),
        strict: true,
    };
    crmgen::generate_str(spec, &opts).unwrap_or_else(|e| panic!("the edited spec does not generate: {e}\n{spec}"))
}

/// `base` with the one occurrence of `anchor` replaced by `with`.
fn edit(base: &str, anchor: &str, with: &str) -> String {
    assert_eq!(base.matches(anchor).count(), 1, "anchor `{anchor}` must occur exactly once in base.yaml");
    base.replacen(anchor, with, 1)
}

/// The line diff between two generated modules.
struct Delta {
    added: Vec<String>,
    removed: Vec<String>,
    hunks: usize,
    unified: String,
}

impl Delta {
    fn of(old: &str, new: &str) -> Delta {
        let diff = TextDiff::from_lines(old, new);
        let mut added = Vec::new();
        let mut removed = Vec::new();
        for change in diff.iter_all_changes() {
            let line = change.value().trim_end_matches('\n').to_string();
            match change.tag() {
                ChangeTag::Insert => added.push(line),
                ChangeTag::Delete => removed.push(line),
                ChangeTag::Equal => {}
            }
        }
        let hunks = diff.grouped_ops(0).len();
        let unified = diff.unified_diff().context_radius(1).header("base", "edited").to_string();
        Delta { added, removed, hunks, unified }
    }

    fn changed(&self) -> usize {
        self.added.len() + self.removed.len()
    }

    /// Asserts the bounds, printing the diff when one is exceeded.
    fn assert_within(&self, what: &str, max_added: usize, max_removed: usize, max_hunks: usize) {
        eprintln!("{what}: +{} -{} lines in {} hunks", self.added.len(), self.removed.len(), self.hunks);
        let ok = self.added.len() <= max_added && self.removed.len() <= max_removed && self.hunks <= max_hunks;
        assert!(
            ok,
            "{what}: the generated diff is larger than it should be: +{} -{} lines in {} hunks \
             (expected at most +{max_added} -{max_removed} in {max_hunks})\n{}",
            self.added.len(),
            self.removed.len(),
            self.hunks,
            self.unified
        );
    }
}

/// Regenerates `base` and the edited spec and diffs the two modules.
fn regenerate(edited: &str) -> (crmgen::Generated, crmgen::Generated, Delta) {
    let before = generate(&base());
    let after = generate(edited);
    let delta = Delta::of(&before.code, &after.code);
    (before, after, delta)
}

fn type_names(g: &crmgen::Generated) -> Vec<String> {
    g.api.types.iter().map(|t| t.name.clone()).collect()
}

#[test]
fn the_base_spec_generates_and_an_unchanged_spec_gives_no_diff() {
    let (_, _, delta) = regenerate(&base());
    assert_eq!(delta.changed(), 0);
}

#[test]
fn an_added_optional_field_adds_its_own_lines_only() {
    let edited = edit(
        &base(),
        "        name: {type: string, description: The pet's name.}\n",
        "        name: {type: string, description: The pet's name.}\n        nickname: {type: string, description: What the pet answers to.}\n",
    );
    let (before, after, delta) = regenerate(&edited);
    // Doc line, serde attribute, field.
    delta.assert_within("optional field `Pet.nickname`", 3, 0, 1);
    assert!(delta.added.iter().any(|l| l.contains("pub nickname: Option<String>")), "{}", delta.unified);
    assert_eq!(type_names(&before), type_names(&after));
}

#[test]
fn an_added_required_field_adds_its_own_lines_only() {
    let edited = edit(
        &base(),
        "        email: {type: string}\n",
        "        email: {type: string}\n        phone: {type: string}\n",
    );
    let edited = edit(&edited, "      required: [email]\n", "      required: [email, phone]\n");
    let (_, _, delta) = regenerate(&edited);
    delta.assert_within("required field `Owner.phone`", 1, 0, 1);
}

#[test]
fn an_added_operation_is_a_pure_insertion() {
    let delete = "    delete:\n      operationId: deletePet\n      summary: Delete a pet.\n      parameters:\n        - {name: id, in: path, required: true, schema: {type: string}}\n      responses:\n        '204':\n          description: Deleted.\n";
    let owners = "  /owners:\n    get:\n      operationId: listOwners\n      responses:\n        '200':\n          description: Owners.\n          content:\n            application/json:\n              schema: {type: array, items: {$ref: '#/components/schemas/Owner'}}\n";
    let last = edit(
        &base(),
        "        '404':\n          description: Not found.\n",
        &format!("        '404':\n          description: Not found.\n{delete}"),
    );
    let first = edit(&base(), "paths:\n", &format!("paths:\n{owners}"));
    for (what, edited, max_added) in
        [("operation `deletePet` (last)", last, 50), ("operation `listOwners` (first)", first, 44)]
    {
        let (before, after, delta) = regenerate(&edited);
        // The method on `Client` (doc, example, fn: ~15 lines), the
        // request builder (~30 lines) and its line in the module's
        // `mock_server!` list (the test kit); nothing else moves.
        delta.assert_within(what, max_added, 0, 3);
        assert_eq!(type_names(&before), type_names(&after), "{what}");
    }
}

#[test]
fn an_added_enum_value_adds_one_line() {
    // In the middle of a long enum: the values after it must not move.
    let edited = edit(&base(), "ferret, parrot,", "ferret, hamster, parrot,");
    let (_, _, delta) = regenerate(&edited);
    // Ideally one line per variant: `Hamster = "hamster",`.
    delta.assert_within("enum value `hamster` of `Pet.species`", 1, 0, 1);
}

#[test]
fn an_added_value_at_the_end_of_a_short_enum_adds_one_line() {
    let edited = edit(&base(), "enum: [person, shelter]", "enum: [person, shelter, rescue]");
    let (_, _, delta) = regenerate(&edited);
    // One line, or the last line rewritten when it gains a trailing comma.
    delta.assert_within("enum value `rescue` of `Owner.kind`", 1, 1, 1);
}

#[test]
fn a_renamed_schema_changes_only_the_lines_that_name_it() {
    let spec = base();
    let edited = spec.replace("'#/components/schemas/Owner'", "'#/components/schemas/Person'");
    let edited = edit(&edited, "    Owner:\n", "    Person:\n");
    let (before, after, delta) = regenerate(&edited);
    let mentions = before.code.lines().filter(|l| l.contains("Owner")).count();
    for l in &delta.removed {
        assert!(l.contains("Owner"), "a removed line does not name `Owner`: {l}\n{}", delta.unified);
    }
    for l in &delta.added {
        assert!(l.contains("Person"), "an added line does not name `Person`: {l}\n{}", delta.unified);
    }
    // A rename replaces lines one for one; it neither reflows nor reorders.
    assert_eq!(delta.added.len(), delta.removed.len(), "{}", delta.unified);
    delta.assert_within("schema `Owner` renamed `Person`", mentions, mentions, mentions);
    let renamed: Vec<String> = type_names(&before).iter().map(|n| n.replace("Owner", "Person")).collect();
    assert_eq!(renamed, type_names(&after), "only the renamed schema and its inline types change names");
}

#[test]
fn an_added_unrelated_schema_is_a_pure_insertion_and_shifts_no_name() {
    let tag = "    Tag:\n      type: object\n      properties:\n        label: {type: string}\n        color:\n          type: string\n          enum: [red, green]\n";
    // First, in the middle and last among the component schemas.
    for (place, anchor) in [("first", "    Pet:\n"), ("middle", "    Owner:\n"), ("last", "    Problem:\n")] {
        let edited = edit(&base(), anchor, &format!("{tag}{anchor}"));
        let (before, after, delta) = regenerate(&edited);
        // One struct (7 lines) and its enum, laid out one value per line (8 lines).
        delta.assert_within(&format!("unrelated schema `Tag` added {place}"), 15, 0, 1);
        let old: BTreeSet<String> = type_names(&before).into_iter().collect();
        let new: BTreeSet<String> = type_names(&after).into_iter().collect();
        let added: Vec<&String> = new.difference(&old).collect();
        assert!(old.is_subset(&new), "type names shifted when `Tag` was added {place}: {old:?} -> {new:?}");
        assert_eq!(added, ["Tag", "TagColor"], "added {place}");
        // Inline types keep the names and the relative order they had.
        let kept: Vec<String> = type_names(&after).into_iter().filter(|n| old.contains(n)).collect();
        assert_eq!(kept, type_names(&before), "added {place}");
    }
}

#[test]
fn an_added_optional_parameter_touches_only_its_builder() {
    let edited = edit(
        &base(),
        "        - {name: limit, in: query, schema: {type: integer, format: int32}}\n",
        "        - {name: limit, in: query, schema: {type: integer, format: int32}}\n        - {name: sort, in: query, schema: {type: string}}\n",
    );
    let (_, _, delta) = regenerate(&edited);
    // Initialiser in the method, builder field, setter (7 lines) and the
    // `.query_opt` call. Nothing else: in particular the doc of the inline
    // enum of the next parameter (`status`) must not change.
    delta.assert_within("optional parameter `sort`", 11, 0, 4);
}

#[test]
fn an_added_component_named_like_an_inline_type_leaves_the_inline_type_its_name() {
    // `Pet.species` is an inline enum named `PetSpecies`; a new component of
    // that name must not take it over (users already write `PetSpecies`).
    let component = "    PetSpecies:\n      type: object\n      properties:\n        latin: {type: string}\n";
    for (place, anchor) in [("first", "    Pet:\n"), ("last", "    Problem:\n")] {
        let edited = edit(&base(), anchor, &format!("{component}{anchor}"));
        let (before, after, delta) = regenerate(&edited);
        assert!(type_names(&before).contains(&"PetSpecies".to_string()), "{:?}", type_names(&before));
        let old: BTreeSet<String> = type_names(&before).into_iter().collect();
        let new: BTreeSet<String> = type_names(&after).into_iter().collect();
        assert!(old.is_subset(&new), "type names moved when `PetSpecies` was added {place}: {old:?} -> {new:?}");
        let added: Vec<&String> = new.difference(&old).collect();
        assert_eq!(added, ["PetSpecies2"], "the newcomer takes the suffix ({place})");
        let species = after.api.types.iter().find(|t| t.name == "PetSpecies").map(|t| t.pointer.as_str());
        assert_eq!(species, Some("#/components/schemas/Pet/properties/species"), "{place}");
        // The one struct, inserted: nothing else changes.
        delta.assert_within(&format!("component `PetSpecies` added {place}"), 8, 0, 1);
    }
}
