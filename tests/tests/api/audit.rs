//! The audit log: each staff write recorded once, with its actor, request id and the changed
//! fields before and after; the log's filters and their errors.

use beeget_tests::{TestApp, assert_problem, problem_fields};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::orders::{add_to_cart, buyable, get, placed, shopper};

/// The audit entries matching `query`, newest first.
pub(crate) async fn audit_entries(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let resp = get(app, token, &format!("/admin/audit?limit=100&{query}")).await;
    assert_eq!(resp.status(), StatusCode::OK, "{}", resp.text().await.unwrap());
    let page: Value = resp.json().await.unwrap();
    page["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn each_status_change_is_recorded_once_with_its_request_and_fields() {
    let app = TestApp::spawn().await;
    let token = shopper(&app, "audited@example.com").await;
    let staff = app.with_admin("auditor@example.com").await;
    let (product, variant) = buyable(&app, 1).await;
    add_to_cart(&app, &token, &product, &variant, 1).await;
    let order = placed(&app, &token, "a", "pm_card_visa").await;
    let id = order["id"].as_str().unwrap();
    let path = format!("/admin/orders/{id}/status");

    let resp = app
        .call(
            Method::PATCH,
            &path,
            Some(&staff.access_token),
            Some(&json!({"status": "processing"})),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    // A refused change writes nothing, so it records nothing.
    let resp = app
        .call(
            Method::PATCH,
            &path,
            Some(&staff.access_token),
            Some(&json!({"status": "delivered"})),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    let resp = app
        .client
        .patch(app.url(&path))
        .bearer_auth(&staff.access_token)
        .header("X-Request-Id", "audit-test-ship-1")
        .json(&json!({"status": "shipped", "carrier": "DHL", "trackingNumber": "JD0146", "note": "two boxes"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    // The shopper's own cancellation is not a staff write.
    let entries = audit_entries(&app, &staff.access_token, &format!("targetType=order&targetId={id}")).await;
    assert_eq!(entries.len(), 2, "{entries:#?}");
    let (shipped, processing) = (&entries[0], &entries[1]);
    assert_eq!(processing["action"], "order.status_changed");
    assert_eq!(
        processing["changes"],
        json!([{"field": "status", "before": "paid", "after": "processing"}])
    );
    assert_eq!(shipped["actorId"], staff.id.to_string());
    assert_eq!(shipped["targetType"], "order");
    assert_eq!(shipped["targetId"], id);
    assert_eq!(shipped["requestId"], "audit-test-ship-1");
    assert_eq!(
        shipped["changes"],
        json!([
            {"field": "status", "before": "processing", "after": "shipped"},
            {"field": "carrier", "after": "DHL"},
            {"field": "trackingNumber", "after": "JD0146"},
            {"field": "note", "after": "two boxes"},
        ])
    );

    // Filters: by actor, by time, and nothing for another actor or an empty window.
    let by_actor = audit_entries(&app, &staff.access_token, &format!("actor={}", staff.id)).await;
    assert_eq!(by_actor.len(), 2);
    let other = audit_entries(&app, &staff.access_token, &format!("actor={}", uuid::Uuid::now_v7())).await;
    assert!(other.is_empty());
    let at = shipped["at"].as_str().unwrap();
    let from = urlencoding(at);
    let since = audit_entries(&app, &staff.access_token, &format!("from={from}")).await;
    assert_eq!(since.len(), 1);
    assert_eq!(since[0]["id"], shipped["id"]);
    let before = audit_entries(&app, &staff.access_token, &format!("to={from}")).await;
    assert_eq!(before.len(), 1);
    assert_eq!(before[0]["id"], processing["id"]);
    let users = audit_entries(&app, &staff.access_token, "targetType=user").await;
    assert!(users.is_empty());
}

#[tokio::test]
async fn bad_filters_name_their_parameter_and_shoppers_are_refused() {
    let app = TestApp::spawn().await;
    let staff = app.with_admin("auditor2@example.com").await;
    let resp = get(&app, &staff.access_token, "/admin/audit?actor=nobody&targetId=12").await;
    let problem = assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem_fields(&problem), ["actor", "targetId"]);
    let resp = get(
        &app,
        &staff.access_token,
        "/admin/audit?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z",
    )
    .await;
    let problem = assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem_fields(&problem), ["to"]);
    let resp = get(&app, &staff.access_token, "/admin/audit?targetType=planet").await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let token = shopper(&app, "curious@example.com").await;
    let resp = get(&app, &token, "/admin/audit").await;
    assert_problem(resp, StatusCode::FORBIDDEN, "forbidden").await;
    let resp = app.call(Method::GET, "/admin/audit", None, None).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}

/// An RFC 3339 time as a query value (`+` would read as a space).
fn urlencoding(raw: &str) -> String {
    raw.replace('+', "%2B").replace(':', "%3A")
}
