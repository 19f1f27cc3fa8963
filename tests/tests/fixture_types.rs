//! The fixture types round-trip their examples through serde, and behave
//! as the generator promises (open enums, nullable vs absent, boxing,
//! discriminated unions with a fallback).

use serde::{Serialize, de::DeserializeOwned};
use serde_json::{Value, json};
use tests::fixtures::*;

/// Decodes `example`, encodes it back and compares as JSON.
fn round_trip<T: DeserializeOwned + Serialize + std::fmt::Debug>(example: Value) -> T {
    let decoded: T =
        serde_json::from_value(example.clone()).unwrap_or_else(|e| panic!("{example} does not decode: {e}"));
    let encoded = serde_json::to_value(&decoded).unwrap();
    assert_eq!(encoded, example, "round trip of {decoded:?}");
    decoded
}

#[test]
fn objects_required_optional_nullable() {
    let thing: objects::Thing = round_trip(
        json!({"id": "t1", "name": "Rex", "nickname": null, "legs": 4, "created_at": "2024-01-02T03:04:05Z"}),
    );
    assert_eq!(thing.nickname, None);
    assert_eq!(thing.legs, Some(4));
    // A required nullable field must be present.
    assert!(serde_json::from_value::<objects::Thing>(json!({"id": "t1", "name": "Rex"})).is_err());
    // Optional + nullable: absent, null and a value are three different things.
    let absent: objects::ThingPatch = round_trip(json!({}));
    assert_eq!(absent.nickname, None);
    let cleared: objects::ThingPatch = round_trip(json!({"nickname": null}));
    assert_eq!(cleared.nickname, Some(None));
    let set: objects::ThingPatch = round_trip(json!({"nickname": "R"}));
    assert_eq!(set.nickname, Some(Some("R".to_string())));
    assert_eq!(objects::ThingPatch::default(), absent);
}

#[test]
fn primitives_and_formats() {
    let p: primitives::Primitives = round_trip(json!({
        "i32": 1, "i64": 9007199254740993i64, "f32": 1.5, "f64": 2.25, "flag": true,
        "at": "2024-01-02T03:04:05+02:00", "day": "2024-01-02", "id": "0c6b9c1e-3c1d-4a8b-9a55-2f4a5f0d7e11",
        "email": "a@b.c", "link": "https://x.y"
    }));
    assert_eq!(p.i64, 9007199254740993);
    assert_eq!(p.at.unwrap().offset().local_minus_utc(), 7200);
    assert_eq!(p.day.unwrap().to_string(), "2024-01-02");
    assert_eq!(p.id.unwrap().to_string(), "0c6b9c1e-3c1d-4a8b-9a55-2f4a5f0d7e11");
}

#[test]
fn enums_keep_wire_names_and_stay_open() {
    use enums::{Priority, Status};
    assert_eq!(round_trip::<Status>(json!("in-progress")), Status::InProgress);
    assert_eq!(round_trip::<Status>(json!("archived")), Status::Archived);
    assert_eq!(round_trip::<Status>(json!("ARCHIVED")), Status::Archived2);
    assert_eq!(round_trip::<Status>(json!("2021-07-28")), Status::V20210728);
    assert_eq!(round_trip::<Status>(json!("-created_at")), Status::MinusCreatedAt);
    assert_eq!(round_trip::<Status>(json!("")), Status::Empty);
    assert_eq!(round_trip::<Status>(json!("self")), Status::SelfValue);
    assert_eq!(round_trip::<Status>(json!("unknown")), Status::Unknown2);
    assert_eq!(round_trip::<Status>(json!("brand-new")), Status::Unknown("brand-new".into()));
    assert_eq!(Status::InProgress.to_string(), "in-progress");
    assert_eq!(round_trip::<Priority>(json!(2)), Priority::V2);
    assert_eq!(round_trip::<Priority>(json!(-1)), Priority::Minus1);
    assert_eq!(round_trip::<Priority>(json!(99)), Priority::Unknown(99));
    let response: enums::ListItemsResponse = round_trip(json!({"status": "in-progress", "priority": 2}));
    assert_eq!(response.status, Some(Status::InProgress));
}

#[test]
fn collections_and_maps() {
    let c: collections::Collections = round_trip(json!({
        "tags": ["a", "b"], "matrix": [[1, 2], [3]], "nullable_items": ["x", null], "counts": {"a": 1},
        "anything": {"k": [1]}, "free": {}, "untyped": 3, "owners": [{"id": "o1"}]
    }));
    assert_eq!(c.matrix.unwrap()[0], vec![1, 2]);
    assert_eq!(c.nullable_items.unwrap()[1], None);
    assert_eq!(c.counts.unwrap()["a"], 1);
    assert_eq!(c.owners.unwrap()[0].id, "o1");
    let extras: collections::WithExtras = round_trip(json!({"id": "x", "color": "red"}));
    assert_eq!(extras.additional_properties["color"], "red");
}

#[test]
fn composition() {
    use composition::*;
    let e: Extended = round_trip(json!({"id": "a", "extra": 1}));
    assert_eq!((e.id.as_str(), e.extra), ("a", 1));
    match round_trip::<Pet>(json!({"kind": "dog", "barks": 3})) {
        Pet::Dog(d) => assert_eq!(d.barks, 3),
        other => panic!("expected a dog, got {other:?}"),
    }
    assert!(matches!(round_trip::<Pet>(json!({"kind": "cat", "meows": true})), Pet::Cat(_)));
    // An unknown tag is kept, not an error.
    assert!(matches!(round_trip::<Pet>(json!({"kind": "fish", "fins": 2})), Pet::Unknown(_)));
    // A known tag with a wrong body is an error.
    assert!(serde_json::from_value::<Pet>(json!({"kind": "dog", "barks": "loud"})).is_err());
    assert!(matches!(round_trip::<StringOrNumber>(json!(4.5)), StringOrNumber::Number(_)));
    assert!(matches!(round_trip::<StringOrNumber>(json!("x")), StringOrNumber::String(_)));
    assert!(matches!(round_trip::<AnyShape>(json!(["x"])), AnyShape::Array(_)));
}

#[test]
fn recursion_is_boxed() {
    let n: recursion::Node = round_trip(json!({"value": 1, "next": {"value": 2}, "children": [{"value": 3}]}));
    assert_eq!(n.next.unwrap().value, 2);
    let tree: recursion::Tree = round_trip(json!([[], [[]]]));
    assert_eq!(tree.0.len(), 2);
    let forest: recursion::Forest = round_trip(json!({"oak": {"ash": {}}}));
    assert!(forest.0["oak"].0.contains_key("ash"));
    let a: recursion::A = round_trip(json!({"b": {"a": {}}}));
    assert!(a.b.unwrap().a.is_some());
}

#[test]
fn naming() {
    let k: naming::Keywords = round_trip(json!({
        "type": "t", "ref": "r", "self": "s", "crate": "c", "match": "m", "custom_objects.pet": "p",
        "in-progress": "i", "2fa": true, "camelCase": "a", "camel_case": "b"
    }));
    assert_eq!(k.r#type.as_deref(), Some("t"));
    assert_eq!(k.self_.as_deref(), Some("s"));
    assert_eq!(k.crate_.as_deref(), Some("c"));
    assert_eq!(k.custom_objects_pet.as_deref(), Some("p"));
    assert_eq!(k.n2fa, Some(true));
    assert_eq!((k.camel_case.as_deref(), k.camel_case2.as_deref()), (Some("a"), Some("b")));
    // Two schemas that map to one Rust name are told apart, in spec order.
    let _first = naming::CustomObjectsPet { id: None };
    let _second = naming::CustomObjectsPet2 { key: None };
    let _digit: naming::T2021thing = String::new();
    let r: naming::ListThingsResponse = round_trip(json!({"owner": {"name": "n"}}));
    let _owner: naming::ListThingsResponseOwner = r.owner.unwrap();
}

#[test]
fn openapi_31_documents_are_normalized() {
    let pet: openapi31::Pet = round_trip(
        json!({"id": "p1", "kind": "pet", "nickname": null, "age": 3, "weight": 4.5, "owner": {"name": "Ann"}}),
    );
    assert_eq!(pet.kind, openapi31::PetKind::Pet);
    assert_eq!(pet.nickname, None);
    assert!(matches!(pet.weight, Some(openapi31::PetWeight::Number(w)) if w == 4.5));
    let named: openapi31::Pet = round_trip(json!({"id": "p2", "kind": "pet", "nickname": "Rex", "weight": "heavy"}));
    assert!(matches!(named.weight, Some(openapi31::PetWeight::String(_))));
}

/// A generated multipart form on the wire: an enum and an integer as text,
/// a list as repeated parts, a component as JSON in its `encoding` type,
/// the file in its `encoding` type, thumbnails (whose `encoding` lists
/// alternatives) typed by their names, absent fields left out.
#[tokio::test]
async fn multipart_forms_send_each_field_as_its_part() {
    use multipart::{Client, FilePart, Kind, Meta, UploadDocumentForm};
    use tests::support::{ExpectedPart, boundary, multipart_bytes};
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .and(wiremock::matchers::path("/documents"))
        .respond_with(wiremock::ResponseTemplate::new(201).set_body_json(json!({"id": "d1"})))
        .mount(&server)
        .await;
    let client = Client::builder().base_url(server.uri()).build().unwrap();
    let form = UploadDocumentForm {
        title: "Q3 contract".into(),
        kind: Some(Kind::Contract),
        pages: Some(12),
        tags: Some(vec!["legal".into(), "2026".into()]),
        meta: Some(Meta { author: Some("Ann".into()), version: Some(2) }),
        file: FilePart::from_bytes(&b"%PDF-1.7"[..]).file_name("q3.pdf"),
        thumbnails: Some(vec![FilePart::from_bytes(&b"png"[..]).file_name("p1.png")]),
        nullable_note: None,
    };

    let created = client.upload_document(form).await.unwrap();

    assert_eq!(created.id.as_deref(), Some("d1"));
    let request = &server.received_requests().await.unwrap()[0];
    let b = boundary(request.headers["content-type"].to_str().unwrap()).unwrap();
    let text =
        |name, body: &'static str| ExpectedPart { name, file_name: None, content_type: None, body: body.as_bytes() };
    let want = multipart_bytes(
        b,
        &[
            text("title", "Q3 contract"),
            text("kind", "contract"),
            text("pages", "12"),
            text("tags", "legal"),
            text("tags", "2026"),
            ExpectedPart {
                name: "meta",
                file_name: None,
                content_type: Some("application/vnd.example+json"),
                body: br#"{"author":"Ann","version":2}"#,
            },
            ExpectedPart {
                name: "file",
                file_name: Some("q3.pdf"),
                content_type: Some("application/pdf"),
                body: b"%PDF-1.7",
            },
            ExpectedPart {
                name: "thumbnails",
                file_name: Some("p1.png"),
                content_type: Some("application/octet-stream"),
                body: b"png",
            },
        ],
    );
    assert_eq!(String::from_utf8_lossy(&request.body), String::from_utf8_lossy(&want));
}

#[test]
fn identical_inline_schemas_are_one_type_and_components_stay_apart() {
    use shared::*;
    use std::any::TypeId;
    // A listed order is the body a create takes: one type, so one can be
    // sent where the other was received.
    let page: ListOrdersResponse =
        round_trip(json!({"data": [{"id": "o1", "currency": "EUR", "address": {"country": "DE", "city": "Berlin"}}]}));
    let body: CreateOrderBody = page.data[0].clone();
    assert_eq!(body.currency, Some(CreateOrderBodyCurrency::Eur));
    assert_eq!(TypeId::of::<CreateOrderBodyAddress>(), TypeId::of::<ListOrdersResponseDataItemAddress>());
    assert_eq!(TypeId::of::<CreateOrderResponseState>(), TypeId::of::<OrderState>());
    // Two components of one shape are two types.
    assert_ne!(TypeId::of::<BadRequest>(), TypeId::of::<Conflict>());
    let _: Conflict = round_trip(json!({"message": "taken"}));
}

/// Each status reaches the arm of the operation's response table that
/// declares it: codes before ranges, ranges before `default`, anything
/// undeclared an `UnexpectedStatus` with its body kept.
#[tokio::test]
async fn every_status_is_decoded_by_the_arm_that_declares_it() {
    use responses::{Client, CreateThingError, DeleteThingError, GetThingError, GetThingSuccess, Problem, Thing};
    use tests::runtime::Error;
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    async fn answer(server: &MockServer, verb: &str, status: u16, body: Option<Value>, text: Option<&str>) {
        server.reset().await;
        let mut template = ResponseTemplate::new(status);
        if let Some(body) = body {
            template = template.set_body_json(body);
        }
        if let Some(text) = text {
            template = template.set_body_raw(text.as_bytes().to_vec(), "text/plain");
        }
        let at = if verb == "POST" { "/things" } else { "/things/t1" };
        Mock::given(method(verb)).and(path(at)).respond_with(template).mount(server).await;
    }
    let server = MockServer::start().await;
    let client = Client::builder().base_url(server.uri()).retry(tests::runtime::RetryPolicy::none()).build().unwrap();
    let problem = |code: &str| Problem { code: code.into() };

    answer(&server, "GET", 200, Some(json!({"id": "t1"})), None).await;
    assert_eq!(client.get_thing("t1").await.unwrap().into_body(), GetThingSuccess::Ok(Thing { id: "t1".into() }));
    answer(&server, "GET", 204, None, None).await;
    assert_eq!(client.get_thing("t1").await.unwrap().into_body(), GetThingSuccess::NoContent);

    let api_error = |e: Error<GetThingError>| match e {
        Error::Api(e) => (e.status.as_u16(), e.body),
        other => panic!("not a declared error: {other:?}"),
    };
    // The code is matched before the range that also holds it.
    answer(&server, "GET", 404, None, None).await;
    assert_eq!(api_error(client.get_thing("t1").await.unwrap_err()), (404, GetThingError::NotFound));
    answer(&server, "GET", 422, Some(json!({"code": "invalid"})), None).await;
    assert_eq!(
        api_error(client.get_thing("t1").await.unwrap_err()),
        (422, GetThingError::ClientError(problem("invalid")))
    );
    answer(&server, "GET", 503, None, Some("down for maintenance")).await;
    assert_eq!(
        api_error(client.get_thing("t1").await.unwrap_err()),
        (503, GetThingError::ServerError("down for maintenance".into()))
    );
    answer(&server, "GET", 302, None, Some("elsewhere")).await;
    match client.get_thing("t1").await.unwrap_err() {
        Error::UnexpectedStatus(e) => assert_eq!((e.status.as_u16(), e.body.as_str()), (302, "elsewhere")),
        other => panic!("a 302 is undeclared: {other:?}"),
    }

    // A 2XX range takes any success; `default` takes every other status.
    answer(&server, "DELETE", 202, None, None).await;
    client.delete_thing("t1").await.unwrap();
    answer(&server, "DELETE", 409, Some(json!({"code": "locked"})), None).await;
    match client.delete_thing("t1").await.unwrap_err() {
        Error::Api(e) => assert_eq!((e.status.as_u16(), e.body), (409, DeleteThingError::Default(problem("locked")))),
        other => panic!("default declares every status: {other:?}"),
    }

    // Statuses decoded alike (200 | 201) share an arm and both decode.
    for status in [200, 201] {
        answer(&server, "POST", status, Some(json!({"id": "t2"})), None).await;
        let created = client.create_thing(Thing { id: "t2".into() }).await.unwrap();
        assert_eq!((created.status().as_u16(), created.into_body()), (status, Thing { id: "t2".into() }));
    }
    answer(&server, "POST", 409, Some(json!({"code": "exists"})), None).await;
    match client.create_thing(Thing { id: "t2".into() }).await.unwrap_err() {
        Error::Api(e) => assert_eq!(e.body, CreateThingError::Conflict(problem("exists"))),
        other => panic!("409 is declared: {other:?}"),
    }
}

/// A success status the operation does not declare (201 where the spec
/// says 200) is still a success: decoded with the declared success type
/// when its body fits, an `UndecodedSuccess` that says "accepted" when it
/// does not; never an error a caller would retry.
#[tokio::test]
async fn an_undeclared_success_status_is_an_accepted_request() {
    use responses::{Client, GetThingSuccess, Thing};
    use tests::runtime::Error;
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    async fn answer(server: &MockServer, verb: &str, template: ResponseTemplate) {
        server.reset().await;
        let at = if verb == "POST" { "/things" } else { "/things/t1" };
        Mock::given(method(verb)).and(path(at)).respond_with(template).mount(server).await;
    }
    let server = MockServer::start().await;
    let client = Client::builder().base_url(server.uri()).retry(tests::runtime::RetryPolicy::none()).build().unwrap();

    // GET declares 200 (JSON) and 204: a 203 with the 200's body decodes as the 200, keeping its status.
    answer(&server, "GET", ResponseTemplate::new(203).set_body_json(json!({"id": "t1"}))).await;
    let got = client.get_thing("t1").await.unwrap();
    assert_eq!((got.status().as_u16(), got.into_body()), (203, GetThingSuccess::Ok(Thing { id: "t1".into() })));
    // POST declares 200 and 201: a 202 decodes too.
    answer(&server, "POST", ResponseTemplate::new(202).set_body_json(json!({"id": "t2"}))).await;
    let created = client.create_thing(Thing { id: "t2".into() }).await.unwrap();
    assert_eq!((created.status().as_u16(), created.into_body()), (202, Thing { id: "t2".into() }));

    // A body that fits no declared success: accepted, with the status, the raw body and why it did not decode.
    answer(&server, "POST", ResponseTemplate::new(202).set_body_json(json!({"queued": true}))).await;
    let err = client.create_thing(Thing { id: "t3".into() }).await.unwrap_err();
    assert!(err.was_accepted(), "{err:?}");
    match &err {
        Error::UndecodedSuccess(e) => {
            assert_eq!(e.status.as_u16(), 202);
            assert_eq!(e.body_text(), r#"{"queued":true}"#);
            assert!(e.message.as_deref().is_some_and(|m| m.contains("id")), "{e:?}");
        }
        other => panic!("not an undeclared success: {other:?}"),
    }
    let text = err.to_string();
    assert!(text.contains("accepted the request") && text.contains("do not send it again"), "{text}");

    // A declared 200 whose body does not decode was accepted too, and says so.
    answer(&server, "POST", ResponseTemplate::new(200).set_body_json(json!({"id": 7}))).await;
    let err = client.create_thing(Thing { id: "t4".into() }).await.unwrap_err();
    assert!(matches!(err, Error::Decode(_)) && err.was_accepted(), "{err:?}");
    assert!(err.to_string().contains("accepted the request"), "{err}");
    // A failure is not.
    answer(&server, "POST", ResponseTemplate::new(500)).await;
    assert!(!client.create_thing(Thing { id: "t5".into() }).await.unwrap_err().was_accepted());
}
