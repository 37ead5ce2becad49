//! A NUL character is bad input, never a server error: sent through every string field of
//! every request body and every parameter of every operation in the spec, on SQLite and on
//! PostgreSQL (whose `text` cannot hold it), it gets 422 naming the field (400 for a query
//! or path parameter).

use beeget_tests::{Backend, TestApp, problem_fields};
use serde_json::{Value, json};

use crate::declared_statuses::{caller, operations, send, valid_body};

/// The dotted paths of the string properties a body schema declares (through `oneOf` arms
/// and nested objects).
fn string_fields(schema: &Value, prefix: &str, out: &mut Vec<String>) {
    for arm in schema.get("oneOf").and_then(Value::as_array).into_iter().flatten() {
        string_fields(arm, prefix, out);
    }
    for (name, property) in schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let path = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        match property.get("type").and_then(Value::as_str) {
            Some("string") if property.get("enum").is_none() => out.push(path),
            Some("object") | None => string_fields(property, &path, out),
            _ => {}
        }
    }
}

/// `body` with the value at the dotted `path` set to `value` (missing objects made).
fn set_path(body: &mut Value, path: &str, value: Value) {
    let mut target = body;
    let parts: Vec<&str> = path.split('.').collect();
    for part in &parts[..parts.len() - 1] {
        if !target[*part].is_object() {
            target[*part] = json!({});
        }
        target = &mut target[*part];
    }
    target[parts[parts.len() - 1]] = value;
}

async fn nul_is_refused_everywhere(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |_| {}).await else {
        return;
    };
    let shopper = app.with_user("nul-shopper@example.com").await;
    let admin = app.with_admin("nul-admin@example.com").await;
    let mut failures = Vec::new();
    let mut sent = 0;
    for op in operations(&app).await {
        let token = caller(&op, &shopper, &admin);
        let body = op.json_body.then(|| valid_body(&op.id, &shopper));
        for name in &op.query {
            let path = format!("{}?{name}=a%00b", op.unknown_path());
            let resp = send(&app, &op, &path, token, body.as_ref()).await;
            sent += 1;
            check(resp, &op.id, name, 400, &mut failures).await;
        }
        let segments: Vec<String> = op.unknown_path().split('/').map(str::to_owned).collect();
        for (i, segment) in op.template.split('/').enumerate() {
            let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else {
                continue;
            };
            let mut parts = segments.clone();
            parts[i] = "a%00b".into();
            let resp = send(&app, &op, &parts.join("/"), token, body.as_ref()).await;
            sent += 1;
            check(resp, &op.id, name, 400, &mut failures).await;
        }
        // An upload's file is bytes, where a NUL is as good as any other byte.
        let (Some(schema), Some(valid), false) = (&op.body_schema, &body, op.multipart) else {
            continue;
        };
        let mut fields = Vec::new();
        string_fields(schema, "", &mut fields);
        for field in fields {
            let mut bad = valid.clone();
            set_path(&mut bad, &field, json!("a\u{0}b"));
            let resp = send(&app, &op, &op.unknown_path(), token, Some(&bad)).await;
            sent += 1;
            check(resp, &op.id, &field, 422, &mut failures).await;
        }
    }
    assert!(sent > 60, "the sweep reached the API's strings ({sent} requests)");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Expects `status` naming `field`; collects a line per mismatch.
async fn check(resp: reqwest::Response, op: &str, field: &str, status: u16, failures: &mut Vec<String>) {
    let got = resp.status().as_u16();
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    if got != status || !problem_fields(&body).iter().any(|f| f == field) {
        failures.push(format!("{op} {field}: expected {status} naming it, got {got}: {body}"));
    }
}

#[tokio::test]
async fn nul_is_refused_in_every_field_and_parameter_on_sqlite() {
    nul_is_refused_everywhere(Backend::Sqlite).await;
}

#[tokio::test]
async fn nul_is_refused_in_every_field_and_parameter_on_postgres() {
    nul_is_refused_everywhere(Backend::Postgres).await;
}
