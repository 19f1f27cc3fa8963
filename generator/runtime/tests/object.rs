//! `object!` reads and writes JSON as serde's derives with the attributes
//! the emitter used to write: the same values from the same input, the
//! same error messages, the same output.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

crmgen_runtime::object! {
    /// Every mode, a renamed field and a raw identifier.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Lean {
        pub id: String = "id" required,
        pub nickname: Option<String> = "nick-name" required,
        pub r#type: Option<i64> = "type" optional,
        pub deleted_by: Option<Option<String>> = "deleted_by" double_option,
        pub tags: Option<Vec<String>> = "tags" optional,
    }
}

/// What the emitter wrote before `object!`, for the same schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Derived {
    pub id: String,
    #[serde(rename = "nick-name", deserialize_with = "Option::deserialize")]
    pub nickname: Option<String>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "crmgen_runtime::double_option")]
    pub deleted_by: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
}

crmgen_runtime::object! {
    #[derive(Debug, Clone, PartialEq, Default)]
    pub struct LeanOpen {
        pub name: Option<String> = "name" optional,
        ..pub additional_properties: ::serde_json::Map<String, ::serde_json::Value>
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DerivedOpen {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(flatten)]
    pub additional_properties: serde_json::Map<String, serde_json::Value>,
}

crmgen_runtime::object! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct LeanTyped {
        pub name: String = "name" required,
        ..pub extra: BTreeMap<String, i64>
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DerivedTyped {
    pub name: String,
    #[serde(flatten)]
    pub extra: BTreeMap<String, i64>,
}

/// Decodes `json` both ways: the same result (as its `Debug`, the types
/// differing in name) or the same error message.
fn same<L, D>(json: &str) -> String
where
    L: for<'de> Deserialize<'de> + Serialize + std::fmt::Debug,
    D: for<'de> Deserialize<'de> + Serialize + std::fmt::Debug,
{
    let lean = serde_json::from_str::<L>(json).map(|v| serde_json::to_string(&v).unwrap()).map_err(|e| e.to_string());
    let derived =
        serde_json::from_str::<D>(json).map(|v| serde_json::to_string(&v).unwrap()).map_err(|e| e.to_string());
    assert_eq!(lean, derived, "{json}");
    match lean {
        Ok(text) | Err(text) => text,
    }
}

#[test]
fn every_mode_reads_and_writes_as_the_derive_did() {
    let cases = [
        // All present; `null` for the nullable ones.
        (
            r#"{"id":"a","nick-name":null,"type":3,"deleted_by":null,"tags":["x"]}"#,
            r#"{"id":"a","nick-name":null,"type":3,"deleted_by":null,"tags":["x"]}"#,
        ),
        // Optional ones absent: not written back.
        (r#"{"id":"a","nick-name":"b"}"#, r#"{"id":"a","nick-name":"b"}"#),
        // `null` for an optional one is `None`: not written back either.
        (r#"{"id":"a","nick-name":"b","type":null,"tags":null}"#, r#"{"id":"a","nick-name":"b"}"#),
        // A present double option keeps its value.
        (r#"{"deleted_by":"u","id":"a","nick-name":"b"}"#, r#"{"id":"a","nick-name":"b","deleted_by":"u"}"#),
        // Unknown keys are skipped, whatever their value.
        (r#"{"id":"a","zzz":{"deep":[1,2,{"x":null}]},"nick-name":"b"}"#, r#"{"id":"a","nick-name":"b"}"#),
        // An escaped key is matched after unescaping (an owned key).
        (r#"{"\u0069d":"a","nick-name":"b"}"#, r#"{"id":"a","nick-name":"b"}"#),
    ];
    for (input, written) in cases {
        assert_eq!(same::<Lean, Derived>(input), written);
    }
}

#[test]
fn errors_read_as_the_derive_wrote_them() {
    let cases = [
        (r#"{"nick-name":"b"}"#, "missing field `id` at line 1 column 17"),
        // A required nullable field must be there, even as `null`.
        (r#"{"id":"a"}"#, "missing field `nick-name` at line 1 column 10"),
        (r#"{"id":1,"nick-name":"b"}"#, "invalid type: integer `1`, expected a string at line 1 column 7"),
        (r#""text""#, "invalid type: string \"text\", expected struct Lean at line 1 column 6"),
    ];
    for (input, message) in cases {
        let lean = serde_json::from_str::<Lean>(input).unwrap_err().to_string();
        assert_eq!(lean, message, "{input}");
        let derived = serde_json::from_str::<Derived>(input).unwrap_err().to_string();
        assert_eq!(derived.replace("Derived", "Lean"), message, "{input}");
    }
}

#[test]
fn a_key_seen_twice_is_a_duplicate_field() {
    for input in
        [r#"{"id":"a","id":"b","nick-name":"b"}"#, r#"{"id":"a","nick-name":"b","deleted_by":null,"deleted_by":"x"}"#]
    {
        let lean = serde_json::from_str::<Lean>(input).unwrap_err().to_string();
        assert!(lean.starts_with("duplicate field `"), "{lean}");
        assert_eq!(lean, serde_json::from_str::<Derived>(input).unwrap_err().to_string());
    }
}

#[test]
fn an_array_is_not_read_as_a_struct() {
    // The derive took the elements in field order; `object!` reads maps only.
    let err = serde_json::from_str::<Lean>(r#"["a","b"]"#).unwrap_err().to_string();
    assert_eq!(err, "invalid type: sequence, expected struct Lean at line 1 column 0");
}

#[test]
fn additional_properties_are_kept_and_written_after_the_fields() {
    // Keys in sorted order: the map keeps them so with or without serde_json's
    // `preserve_order` (which feature unification turns on in the workspace).
    let input = r#"{"a":{"b":[true]},"name":"n","z":1}"#;
    assert_eq!(same::<LeanOpen, DerivedOpen>(input), r#"{"name":"n","a":{"b":[true]},"z":1}"#);
    let open: LeanOpen = serde_json::from_str(input).unwrap();
    assert_eq!(open.name.as_deref(), Some("n"));
    assert_eq!(open.additional_properties.len(), 2);
    assert_eq!(same::<LeanOpen, DerivedOpen>("{}"), "{}");

    assert_eq!(same::<LeanTyped, DerivedTyped>(r#"{"a":1,"name":"n","b":2}"#), r#"{"name":"n","a":1,"b":2}"#);
    // A value of the wrong type for the map is an error, as with `flatten`.
    let err = serde_json::from_str::<LeanTyped>(r#"{"name":"n","a":"x"}"#).unwrap_err().to_string();
    assert_eq!(err, "invalid type: string \"x\", expected i64 at line 1 column 19");
    assert!(serde_json::from_str::<DerivedTyped>(r#"{"name":"n","a":"x"}"#).is_err());
}

#[test]
fn the_failing_fields_path_is_found_through_object() {
    let json = r#"{"id":"a","nick-name":"b","tags":["x",7]}"#;
    let mut de = serde_json::Deserializer::from_str(json);
    let err = serde_path_to_error::deserialize::<_, Lean>(&mut de).unwrap_err();
    assert_eq!(err.path().to_string(), "tags[1]");
}

#[test]
fn values_decoded_from_a_json_value_and_through_untagged_enums_are_the_same() {
    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(untagged)]
    enum Either {
        Lean(Lean),
        Number(i64),
    }
    let value = serde_json::json!({"id": "a", "nick-name": null, "deleted_by": null});
    let lean: Lean = serde_json::from_value(value.clone()).unwrap();
    assert_eq!(lean.deleted_by, Some(None));
    assert_eq!(lean.nickname, None);
    assert_eq!(serde_json::from_value::<Either>(value).unwrap(), Either::Lean(lean));
    assert_eq!(serde_json::from_str::<Either>("4").unwrap(), Either::Number(4));
}
