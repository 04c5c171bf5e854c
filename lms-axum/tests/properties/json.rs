//! Random JSON: any value, strings an API meets (addresses, URLs, slugs, ids of the world,
//! blanks, long text), and objects shaped by a schema of the served OpenAPI document — the
//! route's field names, nested, with random values of mostly the right type.

use proptest::prelude::*;
use proptest::strategy::Union;
use serde_json::{Map, Value};

/// A character of any sort, often a plain or tricky one. (Not a regex strategy: they are
/// slow to build and to run in an unoptimised build.)
fn any_char() -> impl Strategy<Value = char> + Clone {
    prop_oneof![
        4 => prop::char::range('a', 'z'),
        1 => prop::char::range('0', '9'),
        1 => prop::sample::select(vec![
            ' ', '\t', '\n', '-', '_', '.', '@', '/', ':', '%', '"', '\\', '\u{0}', '\u{a0}',
            '\u{202e}', 'é', 'ß', '😀',
        ]),
        1 => any::<char>(),
    ]
}

pub fn text(max: usize) -> impl Strategy<Value = String> + Clone {
    prop::collection::vec(any_char(), 0..=max).prop_map(String::from_iter)
}

/// Strings an API meets. `{lesson}`, `{user_id}`… are filled with the world's ids when the
/// request is sent (see [`crate::harness::Harness::fill`]).
pub fn any_string() -> BoxedStrategy<String> {
    let known = prop::sample::select(vec![
        "",
        " ",
        "\t\n",
        "acme",
        "c",
        "paid",
        "fresh-slug",
        "-x-",
        "learner",
        "instructor",
        "admin",
        "owner",
        "usd",
        "eur",
        "month",
        "year",
        "published",
        "draft",
        "archived",
        "completed",
        "in_progress",
        "text",
        "video",
        "quiz",
        "q1",
        "q2",
        "a",
        "b",
        "someone@example.test",
        "learner@acme.test",
        "built.in@example.test",
        "not an address",
        "https://app.test/ok",
        "https://cdn.test/a.png",
        "http://app.test/",
        "javascript:alert(1)",
        "https://evil.test/",
        "../../etc/passwd",
        "00000000-0000-0000-0000-000000000000",
        "{course}",
        "{module}",
        "{lesson}",
        "{user_id}",
        "{post}",
        "{id}",
        crate::harness::PASSWORD,
    ]);
    prop_oneof![
        4 => known.prop_map(String::from),
        4 => text(12),
        1 => any::<u128>().prop_map(|u| uuid::Uuid::from_u128(u).to_string()),
        1 => (0usize..12_000, any_char()).prop_map(|(n, c)| c.to_string().repeat(n)),
    ]
    .boxed()
}

pub fn any_number() -> BoxedStrategy<Value> {
    prop_oneof![
        4 => (-2i64..=202).prop_map(Value::from),
        1 => prop::sample::select(vec![
            i64::MIN, -1, 0, 1, 100, 101, 1_000, 10_001, 100_000_000, i64::from(i32::MAX),
            i64::from(u32::MAX), i64::MAX,
        ])
        .prop_map(Value::from),
        1 => any::<u64>().prop_map(Value::from),
        1 => any::<f64>().prop_map(Value::from),
        1 => (-2.0f64..200.0).prop_map(Value::from),
    ]
    .boxed()
}

/// Any JSON value, up to three levels deep.
pub fn any_json() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any_number(),
        any_string().prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(any_string(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
    .boxed()
}

/// `schema` with its `$ref` followed, in `document`.
fn resolve<'a>(document: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference.trim_start_matches("#/components/schemas/");
            resolve(document, &document["components"]["schemas"][name])
        }
        None => schema,
    }
}

/// Values for a field the document gives no schema (free-form JSON), by its name: lesson
/// content of each kind, quiz answers; anything else is any JSON.
fn free_form(document: &Value, name: Option<&str>, depth: u32) -> BoxedStrategy<Value> {
    match name {
        Some("content") => {
            let kinds = ["TextContent", "VideoContent", "Quiz", "AssignmentContent"];
            let mut options: Vec<(u32, BoxedStrategy<Value>)> = kinds
                .iter()
                .filter(|k| !document["components"]["schemas"][**k].is_null())
                .map(|k| {
                    let schema = serde_json::json!({"$ref": format!("#/components/schemas/{k}")});
                    (2, shaped(document, &schema, None, depth))
                })
                .collect();
            options.push((1, any_json()));
            Union::new_weighted(options).boxed()
        }
        Some("answers") => {
            let key = prop_oneof![3 => prop::sample::select(vec!["q1", "q2"]).prop_map(String::from), 1 => any_string()];
            let answer = prop_oneof![
                3 => prop::sample::select(vec![
                    Value::from("a"), Value::from("b"), Value::from(true), Value::from(false),
                ]),
                2 => any_json(),
            ];
            let answers = prop::collection::btree_map(key, answer, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect()));
            prop_oneof![4 => answers, 1 => any_json()].boxed()
        }
        _ => any_json(),
    }
}

/// Values for `schema` (of the field `name`, if it is one): mostly of the schema's type and
/// shape, with the fields of objects each often present, and now and then any JSON at all.
pub fn shaped(
    document: &Value,
    schema: &Value,
    name: Option<&str>,
    depth: u32,
) -> BoxedStrategy<Value> {
    let schema = resolve(document, schema);
    let mut options: Vec<(u32, BoxedStrategy<Value>)> = vec![(1, any_json())];
    if let Some(values) = schema["enum"].as_array().filter(|v| !v.is_empty()) {
        options.push((6, prop::sample::select(values.clone()).boxed()));
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        for alternative in schema[key].as_array().into_iter().flatten() {
            options.push((3, shaped(document, alternative, name, depth)));
        }
    }
    if let Some(properties) = schema["properties"].as_object().filter(|_| depth > 0) {
        let required = schema["required"].as_array();
        let fields: Vec<BoxedStrategy<Option<(String, Value)>>> = properties
            .iter()
            .map(|(field, sub)| {
                let present = match required.is_some_and(|r| r.iter().any(|n| n == field)) {
                    true => 0.95,
                    false => 0.7,
                };
                let field = field.clone();
                let value = shaped(document, sub, Some(&field), depth - 1);
                prop::option::weighted(present, value.prop_map(move |v| (field.clone(), v))).boxed()
            })
            .collect();
        let extra = prop::option::weighted(0.1, (any_string(), any_json()));
        let object = (fields, extra).prop_map(|(fields, extra)| {
            let mut object: Map<String, Value> = fields.into_iter().flatten().collect();
            if let Some((key, value)) = extra {
                object.insert(key, value);
            }
            Value::Object(object)
        });
        options.push((8, object.boxed()));
    }
    if let Some(items) = schema.get("items").filter(|_| depth > 0) {
        let items = prop::collection::vec(shaped(document, items, name, depth - 1), 0..4);
        options.push((4, items.prop_map(Value::Array).boxed()));
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    for t in &types {
        let typed = match *t {
            "string" if schema["format"] == "uuid" => prop_oneof![
                3 => prop::sample::select(vec!["{course}", "{module}", "{lesson}", "{user_id}", "{post}", "{id}"])
                    .prop_map(Value::from),
                1 => any_string().prop_map(Value::from),
            ]
            .boxed(),
            "string" => any_string().prop_map(Value::from).boxed(),
            "integer" | "number" => any_number(),
            "boolean" => any::<bool>().prop_map(Value::from).boxed(),
            "null" => Just(Value::Null).boxed(),
            _ => continue,
        };
        options.push((if *t == "null" { 1 } else { 4 }, typed));
    }
    let free = types.is_empty()
        && schema.get("properties").is_none()
        && schema.get("enum").is_none()
        && ["oneOf", "anyOf", "allOf"]
            .iter()
            .all(|k| schema.get(k).is_none());
    if free && depth > 0 {
        options.push((6, free_form(document, name, depth - 1)));
    }
    Union::new_weighted(options).boxed()
}
