//! Every error status the spec declares is one the server really gives. The statuses any
//! operation can give are swept here over every operation that declares them, read from the
//! served spec: 401 without a token, 403 to a shopper, 400/413/415/422 for a bad body or
//! query, 404 for an unknown id or slug, 429 over the rate limit and 503 with the database
//! gone. The operation-specific ones (409, 402, …) come from the feature suites, and CI's
//! `status-coverage` step checks that together they produce every declared status.

use std::collections::BTreeSet;

use beeget_tests::{Backend, TEST_PASSWORD, TestApp, TestUser};
use futures_util::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::orders::{WEBHOOK_SECRET, signed, stripe_event};

/// One operation of the served spec.
pub(crate) struct Operation {
    pub(crate) id: String,
    pub(crate) method: Method,
    pub(crate) template: String,
    pub(crate) secured: bool,
    pub(crate) json_body: bool,
    /// The body is `multipart/form-data` (an upload), not JSON.
    pub(crate) multipart: bool,
    pub(crate) query: Vec<String>,
    pub(crate) declared: BTreeSet<u16>,
    /// The JSON body's schema, `$ref`s resolved.
    pub(crate) body_schema: Option<Value>,
}

impl Operation {
    pub(crate) fn declares(&self, status: u16) -> bool {
        self.declared.contains(&status)
    }

    /// The path with every parameter filled by something that exists nowhere: a fresh UUID
    /// for ids, an unused slug for slugs.
    pub(crate) fn unknown_path(&self) -> String {
        self.template
            .split('/')
            .map(
                |segment| match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    Some(name) if name.to_lowercase().ends_with("slug") => "no-such-thing".to_owned(),
                    Some(_) => uuid::Uuid::now_v7().to_string(),
                    None => segment.to_owned(),
                },
            )
            .collect::<Vec<_>>()
            .join("/")
    }
}

pub(crate) async fn operations(app: &TestApp) -> Vec<Operation> {
    let spec = app.ok_json("/openapi.json").await;
    let mut operations = Vec::new();
    for (template, item) in spec["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            let declared = op["responses"]
                .as_object()
                .expect("responses")
                .keys()
                .filter_map(|status| status.parse().ok())
                .collect();
            let query = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "query")
                .filter_map(|p| p["name"].as_str().map(str::to_owned))
                .collect();
            operations.push(Operation {
                id: op["operationId"].as_str().expect("operationId").to_owned(),
                method: Method::from_bytes(method.to_uppercase().as_bytes()).expect("method"),
                template: template.clone(),
                secured: op["security"].as_array().is_some_and(|s| !s.is_empty()),
                json_body: op.pointer("/requestBody/content").is_some(),
                multipart: op.pointer("/requestBody/content/multipart~1form-data").is_some(),
                body_schema: op
                    .pointer("/requestBody/content")
                    .and_then(Value::as_object)
                    .and_then(|content| content.values().next())
                    .map(|media| resolve(&spec, &media["schema"])),
                query,
                declared,
            });
        }
    }
    assert!(operations.len() > 30, "the spec lists the operations");
    operations
}

/// `schema` with every `$ref` replaced by what it names (the spec's schemas hold no cycles
/// in request bodies).
fn resolve(spec: &Value, schema: &Value) -> Value {
    match schema {
        Value::Object(map) => match map.get("$ref").and_then(Value::as_str) {
            Some(reference) => {
                let name = reference.trim_start_matches("#/components/schemas/");
                resolve(spec, &spec["components"]["schemas"][name])
            }
            None => Value::Object(map.iter().map(|(k, v)| (k.clone(), resolve(spec, v))).collect()),
        },
        Value::Array(items) => Value::Array(items.iter().map(|v| resolve(spec, v)).collect()),
        other => other.clone(),
    }
}

/// A body the operation accepts as well-formed, for sweeps that must get past the contract
/// check to reach the rule under test. A new operation with a body needs an entry here.
pub(crate) fn valid_body(id: &str, shopper: &TestUser) -> Value {
    let address = json!({"label": "Home", "line1": "1 Main St", "city": "Oslo", "zip": "0150", "country": "NO"});
    match id {
        "adminSetOrderStatus" | "setOrderStatus" => json!({"status": "processing"}),
        "forgotPassword" | "resendVerification" => json!({"email": "someone@example.com"}),
        "login" => json!({"email": shopper.email, "password": TEST_PASSWORD}),
        "logout" | "refreshTokens" => json!({"refreshToken": shopper.refresh_token}),
        "register" => json!({
            "name": "Ada Lovelace",
            "email": format!("ada-{}@example.com", uuid::Uuid::now_v7().simple()),
            "password": TEST_PASSWORD,
        }),
        "resetPassword" => json!({"token": "no-such-token", "password": TEST_PASSWORD}),
        "verifyEmail" => json!({"token": "no-such-token"}),
        "addToCart" => json!({"productId": uuid::Uuid::now_v7(), "qty": 1}),
        "applyPromoCode" => json!({"code": "WELCOME10"}),
        "updateCartItem" => json!({"qty": 1}),
        "submitContact" => json!({
            "name": "Ada Lovelace",
            "email": "ada@example.com",
            "subject": "Sizes",
            "message": "Does the linen shirt run small?",
        }),
        "placeOrder" => json!({
            "paymentMethod": "pm_card_visa",
            "shippingAddress": {"line1": "1 Main St", "city": "Oslo", "zip": "0150", "country": "NO"},
        }),
        "updateMe" => json!({"name": "Ada King"}),
        "eraseMe" => json!({"password": "not-the-password-at-all"}),
        "adminAdjustStock" => json!({"delta": 1, "reason": "recount"}),
        "adminCreateProduct" => json!({"title": "Sweep shirt", "price": 1000}),
        "adminUpdateProduct" => json!({"title": "Sweep shirt"}),
        "adminCreateVariant" => {
            json!({"sku": format!("SWEEP-{}", uuid::Uuid::now_v7().simple()), "size": "M", "color": "Blue"})
        }
        "adminUpdateVariant" => json!({"size": "L"}),
        "adminSetUserRole" => json!({"role": "user"}),
        "adminUpdateContactMessage" => json!({"handled": true}),
        "adminCreatePromotion" => json!({
            "name": format!("Sweep {}", uuid::Uuid::now_v7()), "discountType": "percent", "discountValue": 10,
            "startDate": "2026-01-01T00:00:00Z", "endDate": "2026-02-01T00:00:00Z", "scope": {"kind": "all"}
        }),
        "adminUpdatePromotion" => json!({"position": 2}),
        "adminCreatePage" => json!({
            "title": "Sweep page",
            "contentBlocks": [{"type": "heading", "data": {"level": 2, "text": "Sweep"}}]
        }),
        "adminUpdatePage" => json!({"published": false}),
        // `send` sends a multipart body with a small PNG in its place.
        "adminUploadProductImage" => json!({"file": "tiny.png"}),
        "adminReorderProductImages" => json!({"imageIds": []}),
        "adminCreateCategory" | "adminCreateCollection" => json!({"name": format!("Sweep {}", uuid::Uuid::now_v7())}),
        "adminUpdateCategory" | "adminUpdateCollection" => json!({"position": 3}),
        "createAddress" => address,
        "updateAddress" => json!({"city": "Bergen"}),
        "stripeWebhook" => serde_json::from_slice(&stripe_event(
            "evt_declared_statuses",
            "payment_intent.succeeded",
            json!({"id": "pi_unknown", "object": "payment_intent"}),
        ))
        .expect("an event"),
        other => panic!("add a valid example body for {other}"),
    }
}

/// Sends `op` at `path` with the token and body given; the Idempotency-Key and the Stripe
/// signature are added where the operation needs them.
pub(crate) async fn send(
    app: &TestApp,
    op: &Operation,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> reqwest::Response {
    let mut request = app.client.request(op.method.clone(), app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if op.id == "placeOrder" {
        request = request.header("Idempotency-Key", uuid::Uuid::now_v7().to_string());
    }
    if op.multipart && body.is_some() {
        let png = crate::admin_images::fixture("tiny.png");
        let (content_type, bytes) = crate::admin_images::multipart("file", "tiny.png", "image/png", &png);
        return request
            .header("content-type", content_type)
            .body(bytes)
            .send()
            .await
            .expect("request");
    }
    if let Some(body) = body {
        let bytes = serde_json::to_vec(body).expect("JSON");
        if op.id == "stripeWebhook" {
            request = request.header("Stripe-Signature", signed(&bytes));
        }
        request = request.header("content-type", "application/json").body(bytes);
    }
    request.send().await.expect("request")
}

/// The caller an operation needs to get past authorisation: staff for staff operations.
pub(crate) fn caller<'a>(op: &Operation, shopper: &'a TestUser, admin: &'a TestUser) -> Option<&'a str> {
    if !op.secured {
        None
    } else if op.declares(403) {
        Some(&admin.access_token)
    } else {
        Some(&shopper.access_token)
    }
}

/// Checks `status` and that the answer is a problem; collects a line per mismatch so one
/// run names every operation that disagrees with its spec.
async fn expect(resp: reqwest::Response, op: &Operation, status: u16, what: &str, failures: &mut Vec<String>) {
    let got = resp.status().as_u16();
    let is_problem = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/problem+json"));
    if got != status || !is_problem {
        let body = resp.text().await.unwrap_or_default();
        failures.push(format!("{} ({what}): expected {status}, got {got}: {body}", op.id));
    }
}

fn assert_none(failures: Vec<String>) {
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn secured_operations_answer_401_without_a_token_and_403_to_a_shopper() {
    let app = TestApp::spawn().await;
    let shopper = app.with_user("sweep-shopper@example.com").await;
    let mut failures = Vec::new();
    for op in operations(&app).await {
        if op.secured {
            assert!(op.declares(401), "{} is secured but does not declare 401", op.id);
            let body = op.json_body.then(|| valid_body(&op.id, &shopper));
            let resp = send(&app, &op, &op.unknown_path(), None, body.as_ref()).await;
            expect(resp, &op, 401, "no token", &mut failures).await;
            let resp = send(&app, &op, &op.unknown_path(), Some("not-a-token"), body.as_ref()).await;
            expect(resp, &op, 401, "a malformed token", &mut failures).await;
        }
        if op.declares(403) {
            let body = op.json_body.then(|| valid_body(&op.id, &shopper));
            let resp = send(
                &app,
                &op,
                &op.unknown_path(),
                Some(&shopper.access_token),
                body.as_ref(),
            )
            .await;
            expect(resp, &op, 403, "a shopper's token", &mut failures).await;
        }
    }
    assert_none(failures);
}

#[tokio::test]
async fn bodies_that_are_malformed_too_large_of_another_type_or_off_schema_are_refused() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.payments.stripe.webhook_secret = beeget_api::config::Secret::new(WEBHOOK_SECRET);
    })
    .await
    .expect("SQLite always runs");
    let shopper = app.with_user("sweep-bodies@example.com").await;
    let admin = app.with_admin("sweep-bodies-admin@example.com").await;
    let too_large = format!("{{\"name\": \"{}\"}}", "x".repeat(app.config.server.max_body_bytes));
    let mut failures = Vec::new();
    for op in operations(&app).await.into_iter().filter(|op| op.json_body) {
        let token = caller(&op, &shopper, &admin);
        let raw = |content_type: &'static str, body: String| {
            let mut request = app
                .client
                .request(op.method.clone(), app.url(&op.unknown_path()))
                .header("content-type", content_type)
                .body(body);
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            if op.id == "placeOrder" {
                request = request.header("Idempotency-Key", uuid::Uuid::now_v7().to_string());
            }
            request.send()
        };
        for status in [400, 413, 415] {
            assert!(
                op.declares(status),
                "{} takes a body but does not declare {status}",
                op.id
            );
        }
        if op.multipart {
            // An upload's 413 is over `media.max_upload_bytes` (admin_images sends one).
            let form = "multipart/form-data; boundary=sweep";
            let resp = raw(form, "--sweep\r\nnot a part".into()).await.expect("request");
            expect(resp, &op, 400, "a malformed multipart body", &mut failures).await;
            let resp = raw("application/json", "{}".into()).await.expect("request");
            expect(resp, &op, 415, "JSON instead of a form", &mut failures).await;
            continue;
        }
        let resp = raw("application/json", "{\"name\": ".into()).await.expect("request");
        expect(resp, &op, 400, "malformed JSON", &mut failures).await;
        let resp = raw("application/json", too_large.clone()).await.expect("request");
        expect(resp, &op, 413, "a body over server.max_body_bytes", &mut failures).await;
        let resp = raw("text/plain", "{}".into()).await.expect("request");
        expect(resp, &op, 415, "text/plain", &mut failures).await;
        if op.declares(422) {
            let resp = raw("application/json", "{\"undeclaredField\": true}".into())
                .await
                .expect("request");
            expect(resp, &op, 422, "a field the schema does not have", &mut failures).await;
        }
    }
    assert_none(failures);
}

#[tokio::test]
async fn unknown_ids_and_slugs_answer_404_and_bad_query_values_400() {
    let app = TestApp::spawn().await;
    let shopper = app.with_user("sweep-unknown@example.com").await;
    let admin = app.with_admin("sweep-unknown-admin@example.com").await;
    let mut failures = Vec::new();
    for op in operations(&app).await {
        let token = caller(&op, &shopper, &admin);
        if op.declares(404) && op.template.contains('{') {
            let body = op.json_body.then(|| valid_body(&op.id, &shopper));
            let resp = send(&app, &op, &op.unknown_path(), token, body.as_ref()).await;
            expect(resp, &op, 404, "an unknown id or slug", &mut failures).await;
        }
        if op.query.iter().any(|name| name == "page") {
            assert!(op.declares(400), "{} pages but does not declare 400", op.id);
            let resp = send(&app, &op, &format!("{}?page=0", op.unknown_path()), token, None).await;
            expect(resp, &op, 400, "page=0", &mut failures).await;
        }
    }
    // The webhook of a store that has no Stripe webhook secret does not exist.
    let webhook = operations(&app)
        .await
        .into_iter()
        .find(|op| op.id == "stripeWebhook")
        .expect("webhook");
    let body = valid_body("stripeWebhook", &shopper);
    let resp = send(&app, &webhook, &webhook.template, None, Some(&body)).await;
    expect(resp, &webhook, 404, "no webhook secret configured", &mut failures).await;
    assert_none(failures);
}

#[tokio::test]
async fn every_rate_limited_operation_answers_429_over_the_limit() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.rate_limit.enabled = true;
        // One request to read the spec, one to spend: every later one is over.
        c.rate_limit.per_ip_per_minute = 2;
    })
    .await
    .expect("SQLite always runs");
    let operations = operations(&app).await;
    let spent = app.get("/categories").await;
    assert_eq!(spent.status(), StatusCode::OK, "the minute's last request");
    let mut failures = Vec::new();
    for op in operations.iter().filter(|op| op.declares(429)) {
        let body = op.json_body.then(|| json!({}));
        let resp = send(&app, op, &op.unknown_path(), None, body.as_ref()).await;
        let retry_after = resp.headers().contains_key("retry-after");
        expect(resp, op, 429, "over the per-IP limit", &mut failures).await;
        if !retry_after {
            failures.push(format!("{}: 429 without Retry-After", op.id));
        }
    }
    assert_none(failures);
}

/// Operations this process answers from its catalogue index, which needs no database (and no
/// write can change the catalogue while the database is gone), with what they answer for the
/// sweep's request: the whole list, and an unknown product.
const FROM_THE_INDEX: [(&str, u16); 2] = [("listProducts", 200), ("getProduct", 404)];

#[tokio::test]
async fn every_operation_that_reads_storage_answers_503_while_the_database_is_gone_and_recovers() {
    let Some((app, proxy)) = TestApp::spawn_behind_postgres_proxy(|c| {
        c.payments.stripe.webhook_secret = beeget_api::config::Secret::new(WEBHOOK_SECRET);
    })
    .await
    else {
        return;
    };
    let shopper = app.with_user("sweep-outage@example.com").await;
    let admin = app.with_admin("sweep-outage-admin@example.com").await;
    let operations = operations(&app).await;

    proxy.cut();
    let app = &app;
    let answers = join_all(operations.iter().filter(|op| op.declares(503)).map(|op| {
        let body = op.json_body.then(|| valid_body(&op.id, &shopper));
        let token = caller(op, &shopper, &admin).map(str::to_owned);
        async move {
            let resp = send(app, op, &op.unknown_path(), token.as_deref(), body.as_ref()).await;
            (op, resp)
        }
    }))
    .await;
    let mut failures = Vec::new();
    for (op, resp) in answers {
        let body_leaks = |text: &str| text.contains("127.0.0.1") || text.contains("beeget_test_");
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        if let Some((_, expected)) = FROM_THE_INDEX.iter().find(|(id, _)| *id == op.id) {
            if status != *expected {
                failures.push(format!(
                    "{}: answers from the catalogue index, expected {expected} with the database gone, got {status}: {text}",
                    op.id
                ));
            }
        } else if status != 503 {
            failures.push(format!(
                "{}: expected 503 with the database gone, got {status}: {text}",
                op.id
            ));
        } else if body_leaks(&text) {
            failures.push(format!("{}: the 503 names the database: {text}", op.id));
        }
    }
    assert_none(failures);
    assert_eq!(
        app.ok_json("/healthz").await["status"],
        "ok",
        "liveness does not need the database"
    );

    proxy.restore();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while app.get("/readyz").await.status() != StatusCode::OK {
        assert!(
            std::time::Instant::now() < deadline,
            "not ready again after the database came back"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let resp = app
        .call(Method::GET, "/users/me", Some(&shopper.access_token), None)
        .await;
    assert_eq!(resp.status(), StatusCode::OK, "sessions survive the outage");
    assert_eq!(
        app.get("/categories").await.status(),
        StatusCode::OK,
        "the catalogue reads again"
    );
}
