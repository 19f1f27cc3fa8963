//! A deterministic synthetic OpenAPI 3.0 family for the benchmarks.
//!
//! `spec(n)` describes `n / 10` resources with ten operations each (list,
//! create, get, replace, update, delete, list/add/get items, archive), so
//! that `n` is the operation count. The shapes are the ones real CRM and
//! SaaS specs use: objects with a dozen or more fields, per-resource and
//! shared enums, nested arrays (of objects, of arrays), maps, nullable
//! fields, date-times and UUIDs, `$ref`s shared between operations
//! (parameters, responses, schemas), path/query/header parameters, request
//! bodies and several error responses per operation. The same `n` always
//! gives byte-identical text.
//!
//! `crud_spec(n)` is the operation-heavy family: five CRUD operations per
//! resource over one 12-field schema and its page, each with a `400`.

use std::fmt::Write;

const NOUNS: &[&str] = &[
    "account",
    "invoice",
    "shipment",
    "contact",
    "ticket",
    "campaign",
    "product",
    "order",
    "payment",
    "lead",
    "project",
    "task",
    "document",
    "warehouse",
    "vendor",
    "contract",
    "subscription",
    "meeting",
    "note",
    "asset",
];

/// Resource `i`: (`snake` singular, `PascalCase`, path segment).
fn resource(i: usize) -> (String, String, String) {
    let noun = NOUNS[i % NOUNS.len()];
    let round = i / NOUNS.len();
    let snake = if round == 0 { noun.to_string() } else { format!("{noun}{round}") };
    let mut pascal = String::new();
    let mut chars = snake.chars();
    if let Some(c) = chars.next() {
        pascal.push(c.to_ascii_uppercase());
    }
    pascal.extend(chars);
    let path = format!("{snake}s");
    (snake, pascal, path)
}

/// The operation count `spec(n)` really has (rounded up to ten per resource).
pub fn operations(n: usize) -> usize {
    n.div_ceil(10).max(1) * 10
}

/// The synthetic spec with `n` operations (rounded up to a multiple of ten), as YAML.
pub fn spec(n: usize) -> String {
    let resources = n.div_ceil(10).max(1);
    let mut s = String::with_capacity(resources * 9_000);
    let w = &mut s;
    let _ = write!(
        w,
        "openapi: 3.0.3
info:
  title: Synthetic API ({ops} operations)
  version: 1.0.0
  description: >-
    A generated benchmark spec: {resources} resources with ten operations
    each, shared parameters, responses and schemas.
servers:
  - url: https://api.example.com/v1
security:
  - bearer: []
paths:
",
        ops = resources * 10
    );
    for i in 0..resources {
        paths(w, i);
    }
    shared_components(w);
    for i in 0..resources {
        schemas(w, i);
    }
    s
}

fn paths(w: &mut String, i: usize) {
    let (snake, pascal, path) = resource(i);
    let _ = write!(
        w,
        r##"  /{path}:
    get:
      operationId: list_{snake}s
      summary: List {snake}s
      description: Lists {snake}s, newest first, a page at a time.
      tags: [{pascal}]
      parameters:
        - $ref: '#/components/parameters/Limit'
        - $ref: '#/components/parameters/Cursor'
        - name: kind
          in: query
          description: Only {snake}s of this kind.
          schema:
            $ref: '#/components/schemas/{pascal}Kind'
        - name: sort
          in: query
          schema:
            type: string
            enum: [created_at, -created_at, name, -name]
        - name: q
          in: query
          description: Free-text search.
          schema:
            type: string
      responses:
        '200':
          description: A page of {snake}s.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/{pascal}List'
        '400':
          $ref: '#/components/responses/BadRequest'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '429':
          $ref: '#/components/responses/RateLimited'
    post:
      operationId: create_{snake}
      summary: Create a {snake}
      tags: [{pascal}]
      parameters:
        - $ref: '#/components/parameters/IdempotencyKey'
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/{pascal}Create'
      responses:
        '201':
          description: The created {snake}.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/{pascal}'
        '400':
          $ref: '#/components/responses/BadRequest'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '422':
          $ref: '#/components/responses/Unprocessable'
  /{path}/{{id}}:
    parameters:
      - $ref: '#/components/parameters/Id'
    get:
      operationId: get_{snake}
      summary: Get a {snake}
      tags: [{pascal}]
      parameters:
        - name: expand
          in: query
          description: Related objects to include.
          style: form
          explode: false
          schema:
            type: array
            items:
              type: string
              enum: [owner, items, history]
        - $ref: '#/components/parameters/RequestId'
      responses:
        '200':
          description: The {snake}.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/{pascal}'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '404':
          $ref: '#/components/responses/NotFound'
    put:
      operationId: replace_{snake}
      summary: Replace a {snake}
      tags: [{pascal}]
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/{pascal}Create'
      responses:
        '200':
          description: The replaced {snake}.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/{pascal}'
        '404':
          $ref: '#/components/responses/NotFound'
        '422':
          $ref: '#/components/responses/Unprocessable'
    patch:
      operationId: update_{snake}
      summary: Update a {snake}
      tags: [{pascal}]
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/{pascal}Update'
      responses:
        '200':
          description: The updated {snake}.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/{pascal}'
        '404':
          $ref: '#/components/responses/NotFound'
        '422':
          $ref: '#/components/responses/Unprocessable'
    delete:
      operationId: delete_{snake}
      summary: Delete a {snake}
      tags: [{pascal}]
      responses:
        '204':
          description: Deleted.
        '404':
          $ref: '#/components/responses/NotFound'
        '409':
          $ref: '#/components/responses/Conflict'
  /{path}/{{id}}/items:
    parameters:
      - $ref: '#/components/parameters/Id'
    get:
      operationId: list_{snake}_items
      summary: List the items of a {snake}
      tags: [{pascal}]
      parameters:
        - $ref: '#/components/parameters/Limit'
        - name: offset
          in: query
          schema:
            type: integer
            format: int32
            minimum: 0
      responses:
        '200':
          description: The items.
          content:
            application/json:
              schema:
                type: array
                items:
                  $ref: '#/components/schemas/{pascal}Item'
        '404':
          $ref: '#/components/responses/NotFound'
    post:
      operationId: add_{snake}_item
      summary: Add an item to a {snake}
      tags: [{pascal}]
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/{pascal}Item'
      responses:
        '201':
          description: The added item.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/{pascal}Item'
        '404':
          $ref: '#/components/responses/NotFound'
        '422':
          $ref: '#/components/responses/Unprocessable'
  /{path}/{{id}}/items/{{item_id}}:
    parameters:
      - $ref: '#/components/parameters/Id'
      - $ref: '#/components/parameters/ItemId'
    get:
      operationId: get_{snake}_item
      summary: Get one item of a {snake}
      tags: [{pascal}]
      responses:
        '200':
          description: The item.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/{pascal}Item'
        '404':
          $ref: '#/components/responses/NotFound'
  /{path}/{{id}}/archive:
    parameters:
      - $ref: '#/components/parameters/Id'
    post:
      operationId: archive_{snake}
      summary: Archive a {snake}
      tags: [{pascal}]
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [reason]
              properties:
                reason:
                  type: string
                  enum: [duplicate, obsolete, requested]
                comment:
                  type: string
                notify:
                  type: boolean
      responses:
        '200':
          description: The archived {snake}.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/{pascal}'
        '404':
          $ref: '#/components/responses/NotFound'
        '409':
          $ref: '#/components/responses/Conflict'
"##
    );
}

fn shared_components(w: &mut String) {
    w.push_str(
        r##"components:
  securitySchemes:
    bearer:
      type: http
      scheme: bearer
  parameters:
    Id:
      name: id
      in: path
      required: true
      description: The object's identifier.
      schema:
        type: string
        format: uuid
    ItemId:
      name: item_id
      in: path
      required: true
      schema:
        type: string
    Limit:
      name: limit
      in: query
      description: Page size.
      schema:
        type: integer
        format: int32
        minimum: 1
        maximum: 100
    Cursor:
      name: cursor
      in: query
      description: Where the page starts (from `next_cursor`).
      schema:
        type: string
    RequestId:
      name: X-Request-Id
      in: header
      description: A caller-chosen id echoed in logs.
      schema:
        type: string
    IdempotencyKey:
      name: Idempotency-Key
      in: header
      schema:
        type: string
  responses:
    BadRequest:
      description: The request is malformed.
      content:
        application/json:
          schema:
            $ref: '#/components/schemas/Error'
    Unauthorized:
      description: Missing or invalid credentials.
      content:
        application/json:
          schema:
            $ref: '#/components/schemas/Error'
    NotFound:
      description: No such object.
      content:
        application/json:
          schema:
            $ref: '#/components/schemas/Error'
    Conflict:
      description: The object's state forbids this.
      content:
        application/json:
          schema:
            $ref: '#/components/schemas/Error'
    Unprocessable:
      description: The body failed validation.
      content:
        application/json:
          schema:
            $ref: '#/components/schemas/Error'
    RateLimited:
      description: Too many requests.
      content:
        application/json:
          schema:
            $ref: '#/components/schemas/Error'
  schemas:
    Error:
      type: object
      required: [code, message]
      properties:
        code:
          type: string
        message:
          type: string
        request_id:
          type: string
        fields:
          type: array
          items:
            $ref: '#/components/schemas/FieldError'
    FieldError:
      type: object
      required: [field, problem]
      properties:
        field:
          type: string
        problem:
          type: string
          enum: [missing, invalid, too_long, duplicate]
    Pagination:
      type: object
      required: [has_more]
      properties:
        has_more:
          type: boolean
        next_cursor:
          type: string
          nullable: true
        total:
          type: integer
          format: int64
    Money:
      type: object
      required: [amount, currency]
      properties:
        amount:
          type: string
          description: Decimal amount as a string.
        currency:
          $ref: '#/components/schemas/Currency'
    Currency:
      type: string
      enum: [USD, EUR, GBP, JPY, CHF, INR]
    Address:
      type: object
      properties:
        line1:
          type: string
        line2:
          type: string
          nullable: true
        city:
          type: string
        postal_code:
          type: string
        country:
          type: string
          minLength: 2
          maxLength: 2
    UserRef:
      type: object
      required: [id]
      properties:
        id:
          type: string
          format: uuid
        name:
          type: string
        email:
          type: string
          format: email
"##,
    );
}

fn schemas(w: &mut String, i: usize) {
    let (snake, pascal, _) = resource(i);
    // Every third resource points at the previous one: `$ref`s between resources.
    let parent = if i > 0 && i.is_multiple_of(3) {
        let (_, prev, _) = resource(i - 1);
        format!(
            "        parent:
          $ref: '#/components/schemas/{prev}Summary'
"
        )
    } else {
        String::new()
    };
    let _ = write!(
        w,
        r##"    {pascal}Kind:
      type: string
      description: What kind of {snake} this is.
      enum: [standard, premium, internal, trial, legacy]
    {pascal}Summary:
      type: object
      required: [id, name]
      properties:
        id:
          type: string
          format: uuid
        name:
          type: string
        kind:
          $ref: '#/components/schemas/{pascal}Kind'
    {pascal}:
      type: object
      description: A {snake}.
      required: [id, name, kind, active, created_at]
      properties:
        id:
          type: string
          format: uuid
        name:
          type: string
          maxLength: 200
        description:
          type: string
          nullable: true
        kind:
          $ref: '#/components/schemas/{pascal}Kind'
        amount:
          $ref: '#/components/schemas/Money'
        quantity:
          type: integer
          format: int32
          minimum: 0
        score:
          type: number
          format: double
        active:
          type: boolean
        tags:
          type: array
          items:
            type: string
        owner:
          $ref: '#/components/schemas/UserRef'
        address:
          $ref: '#/components/schemas/Address'
        items:
          type: array
          items:
            $ref: '#/components/schemas/{pascal}Item'
        history:
          type: array
          items:
            type: object
            required: [at, event]
            properties:
              at:
                type: string
                format: date-time
              event:
                type: string
                enum: [created, updated, archived]
              actor:
                $ref: '#/components/schemas/UserRef'
        metadata:
          type: object
          additionalProperties:
            type: string
{parent}        created_at:
          type: string
          format: date-time
        updated_at:
          type: string
          format: date-time
    {pascal}Item:
      type: object
      required: [sku, quantity]
      properties:
        id:
          type: string
        sku:
          type: string
        quantity:
          type: integer
          format: int32
        unit_price:
          $ref: '#/components/schemas/Money'
        dimensions:
          type: array
          items:
            type: array
            items:
              type: number
        notes:
          type: string
          nullable: true
    {pascal}Create:
      type: object
      required: [name, kind]
      properties:
        name:
          type: string
        description:
          type: string
        kind:
          $ref: '#/components/schemas/{pascal}Kind'
        amount:
          $ref: '#/components/schemas/Money'
        quantity:
          type: integer
          format: int32
        tags:
          type: array
          items:
            type: string
        owner_id:
          type: string
          format: uuid
        address:
          $ref: '#/components/schemas/Address'
        items:
          type: array
          items:
            $ref: '#/components/schemas/{pascal}Item'
        metadata:
          type: object
          additionalProperties:
            type: string
    {pascal}Update:
      type: object
      properties:
        name:
          type: string
        description:
          type: string
          nullable: true
        kind:
          $ref: '#/components/schemas/{pascal}Kind'
        quantity:
          type: integer
          format: int32
        active:
          type: boolean
        tags:
          type: array
          items:
            type: string
    {pascal}List:
      type: object
      required: [data, pagination]
      properties:
        data:
          type: array
          items:
            $ref: '#/components/schemas/{pascal}'
        pagination:
          $ref: '#/components/schemas/Pagination'
"##
    );
}

/// The operation count `crud_spec(n)` really has (rounded up to five per resource).
pub fn crud_operations(n: usize) -> usize {
    n.div_ceil(5).max(1) * 5
}

/// The operation-heavy CRUD family: `n / 5` resources (rounded up), each
/// with five operations (list with `limit`/`cursor` query parameters,
/// create, get, update, delete), a 12-field schema and a page schema; every
/// operation declares a `400` with the shared `Error` JSON body. Few types
/// per operation, so per-operation code dominates what is generated.
pub fn crud_spec(n: usize) -> String {
    let resources = n.div_ceil(5).max(1);
    let mut s = String::with_capacity(resources * 3_500);
    let w = &mut s;
    let _ = write!(
        w,
        "openapi: 3.0.3
info:
  title: Synthetic CRUD API ({ops} operations)
  version: 1.0.0
  description: >-
    A generated benchmark spec: {resources} resources with five CRUD
    operations each and a shared error body.
servers:
  - url: https://api.example.com/v1
security:
  - bearer: []
paths:
",
        ops = resources * 5
    );
    for i in 0..resources {
        crud_paths(w, i);
    }
    w.push_str(
        r##"components:
  securitySchemes:
    bearer:
      type: http
      scheme: bearer
  responses:
    BadRequest:
      description: The request is malformed.
      content:
        application/json:
          schema:
            $ref: '#/components/schemas/Error'
  schemas:
    Error:
      type: object
      required: [code, message]
      properties:
        code:
          type: string
        message:
          type: string
"##,
    );
    for i in 0..resources {
        crud_schemas(w, i);
    }
    s
}

fn crud_paths(w: &mut String, i: usize) {
    let (snake, pascal, path) = resource(i);
    let _ = write!(
        w,
        r##"  /{path}:
    get:
      operationId: list_{snake}s
      summary: List {snake}s
      tags: [{pascal}]
      parameters:
        - name: limit
          in: query
          description: Page size.
          schema:
            type: integer
            format: int32
            minimum: 1
            maximum: 100
        - name: cursor
          in: query
          description: Where the page starts (from `next_cursor`).
          schema:
            type: string
      responses:
        '200':
          description: A page of {snake}s.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/{pascal}Page'
        '400':
          $ref: '#/components/responses/BadRequest'
    post:
      operationId: create_{snake}
      summary: Create a {snake}
      tags: [{pascal}]
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/{pascal}'
      responses:
        '201':
          description: The created {snake}.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/{pascal}'
        '400':
          $ref: '#/components/responses/BadRequest'
  /{path}/{{id}}:
    parameters:
      - name: id
        in: path
        required: true
        schema:
          type: string
    get:
      operationId: get_{snake}
      summary: Get a {snake}
      tags: [{pascal}]
      responses:
        '200':
          description: The {snake}.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/{pascal}'
        '400':
          $ref: '#/components/responses/BadRequest'
    patch:
      operationId: update_{snake}
      summary: Update a {snake}
      tags: [{pascal}]
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/{pascal}'
      responses:
        '200':
          description: The updated {snake}.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/{pascal}'
        '400':
          $ref: '#/components/responses/BadRequest'
    delete:
      operationId: delete_{snake}
      summary: Delete a {snake}
      tags: [{pascal}]
      responses:
        '204':
          description: Deleted.
        '400':
          $ref: '#/components/responses/BadRequest'
"##
    );
}

fn crud_schemas(w: &mut String, i: usize) {
    let (snake, pascal, _) = resource(i);
    let _ = write!(
        w,
        r##"    {pascal}:
      type: object
      description: A {snake}.
      required: [id, name, created_at]
      properties:
        id:
          type: string
        name:
          type: string
        description:
          type: string
          nullable: true
        email:
          type: string
          format: email
        phone:
          type: string
        status:
          type: string
        priority:
          type: integer
          format: int32
        amount:
          type: number
          format: double
        active:
          type: boolean
        tags:
          type: array
          items:
            type: string
        created_at:
          type: string
          format: date-time
        updated_at:
          type: string
          format: date-time
    {pascal}Page:
      type: object
      required: [data, has_more]
      properties:
        data:
          type: array
          items:
            $ref: '#/components/schemas/{pascal}'
        next_cursor:
          type: string
          nullable: true
        has_more:
          type: boolean
"##
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_sized() {
        assert_eq!(spec(100), spec(100));
        let text = spec(100);
        assert_eq!(text.matches("operationId:").count(), 100);
        assert_eq!(operations(95), 100);
    }

    #[test]
    fn crud_family_is_deterministic_and_sized() {
        assert_eq!(crud_spec(100), crud_spec(100));
        let text = crud_spec(100);
        assert_eq!(text.matches("operationId:").count(), 100);
        // Every operation declares the shared 400.
        assert_eq!(text.matches("$ref: '#/components/responses/BadRequest'").count(), 100);
        assert_eq!(crud_operations(98), 100);
        let doc: openapiv3::OpenAPI = serde_yaml::from_str(&text).expect("the CRUD spec parses");
        assert_eq!(doc.operations().count(), 100);
        let schemas = doc.components.expect("components").schemas;
        // Error, and per resource the 12-field schema and its page.
        assert_eq!(schemas.len(), 1 + 2 * 20);
        let account = schemas["Account"].as_item().expect("inline schema");
        match &account.schema_kind {
            openapiv3::SchemaKind::Type(openapiv3::Type::Object(o)) => assert_eq!(o.properties.len(), 12),
            other => panic!("Account is not an object: {other:?}"),
        }
    }
}
