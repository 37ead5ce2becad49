//! Staff stock adjustments over HTTP: relative, atomic, never below zero, recorded as
//! movements and in the audit log, shown by the storefront at once; and 50 at once on one
//! variant add up exactly on SQLite and PostgreSQL.

use beeget_tests::{Backend, TestApp, assert_problem, problem_fields};
use futures_util::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{
    audit::audit_entries,
    orders::{buyable, get, set_stock, stock, uuid},
};

fn stock_path(product: &Value, variant: &Value) -> String {
    format!(
        "/admin/products/{}/variants/{}/stock",
        product["id"].as_str().unwrap(),
        variant["id"].as_str().unwrap()
    )
}

async fn adjust(app: &TestApp, token: &str, path: &str, delta: i64, reason: &str) -> reqwest::Response {
    app.call(
        Method::POST,
        path,
        Some(token),
        Some(&json!({"delta": delta, "reason": reason})),
    )
    .await
}

#[tokio::test]
async fn adjustments_move_stock_relatively_with_history_and_audit() {
    let app = TestApp::spawn().await;
    let staff = app.with_admin("stock-keeper@example.com").await;
    let (product, variant) = buyable(&app, 1).await;
    let variant_id = uuid(&variant["id"]);
    set_stock(&app, variant_id, 4).await;
    let path = stock_path(&product, &variant);

    let resp = adjust(&app, &staff.access_token, &path, 5, " delivery from the mill ").await;
    assert_eq!(resp.status(), StatusCode::CREATED, "{}", resp.text().await.unwrap());
    let first: Value = resp.json().await.unwrap();
    assert_eq!(
        (first["delta"].as_i64(), first["stockAfter"].as_i64()),
        (Some(5), Some(9))
    );
    assert_eq!(first["reason"], "delivery from the mill");
    assert_eq!(first["actorId"], staff.id.to_string());
    let resp = adjust(&app, &staff.access_token, &path, -3, "damaged").await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    assert_eq!(stock(&app, variant_id).await, 6);
    // The storefront shows it on the next read, with no wait.
    let shown = app.product(product["slug"].as_str().unwrap()).await;
    let shown_variant = shown["variants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == variant["id"])
        .unwrap()
        .clone();
    assert_eq!(shown_variant["inventoryCount"], 6);

    // More than it holds: refused, nothing written.
    let resp = adjust(&app, &staff.access_token, &path, -7, "oops").await;
    let problem = assert_problem(resp, StatusCode::CONFLICT, "insufficient_stock").await;
    assert!(
        problem["detail"].as_str().unwrap().contains("holds 6 units"),
        "{problem}"
    );
    assert_eq!(stock(&app, variant_id).await, 6);
    // Bad input names its field.
    let resp = adjust(&app, &staff.access_token, &path, 0, " ").await;
    let problem = assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem_fields(&problem), ["delta", "reason"]);
    let resp = adjust(&app, &staff.access_token, &path, 2_000_000, "x").await;
    let problem = assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem_fields(&problem), ["delta"]);
    // A variant that is not this product's, and an unknown one.
    let (other, _) = crate::orders::buyable_other_than(&app, &product).await;
    let wrong = stock_path(&other, &variant);
    let resp = adjust(&app, &staff.access_token, &wrong, 1, "x").await;
    assert_problem(resp, StatusCode::NOT_FOUND, "not_found").await;
    let unknown = format!(
        "/admin/products/{}/variants/{}/stock",
        product["id"].as_str().unwrap(),
        uuid::Uuid::now_v7()
    );
    let resp = adjust(&app, &staff.access_token, &unknown, 1, "x").await;
    assert_problem(resp, StatusCode::NOT_FOUND, "not_found").await;
    let resp = get(&app, &staff.access_token, &wrong).await;
    assert_problem(resp, StatusCode::NOT_FOUND, "not_found").await;

    // The history, newest first.
    let history: Value = get(&app, &staff.access_token, &path).await.json().await.unwrap();
    assert_eq!(history["total"], 2);
    let moves: Vec<(i64, i64, &str)> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["delta"].as_i64().unwrap(),
                m["stockAfter"].as_i64().unwrap(),
                m["reason"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(moves, [(-3, 6, "damaged"), (5, 9, "delivery from the mill")]);

    // Each adjustment audited once, with the stock before and after.
    let entries = audit_entries(
        &app,
        &staff.access_token,
        &format!("targetType=variant&targetId={variant_id}"),
    )
    .await;
    assert_eq!(entries.len(), 2, "{entries:#?}");
    assert_eq!(entries[0]["action"], "variant.stock_adjusted");
    assert_eq!(
        entries[0]["changes"],
        json!([
            {"field": "inventoryCount", "before": 9, "after": 6},
            {"field": "reason", "after": "damaged"},
        ])
    );
    assert_eq!(
        entries[1]["changes"][0],
        json!({"field": "inventoryCount", "before": 4, "after": 9})
    );
}

/// 50 adjustments at once on one variant, adding 1 or 3 units each, add up exactly and each
/// sees the stock the one before it left; then 150 taking 1 unit each from the 130 there
/// leave exactly zero, the other 20 refused.
async fn concurrent_adjustments_add_up(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |_| {}).await else {
        return;
    };
    let staff = app.with_admin("stock-rush@example.com").await;
    let (product, variant) = buyable(&app, 1).await;
    let variant_id = uuid(&variant["id"]);
    set_stock(&app, variant_id, 30).await;
    let path = stock_path(&product, &variant);
    let statuses = join_all((0..50).map(|i| {
        let (app, path, token) = (&app, &path, &staff.access_token);
        async move {
            let delta = if i % 2 == 0 { 3 } else { 1 };
            adjust(app, token, path, delta, &format!("rush {i}")).await.status()
        }
    }))
    .await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::CREATED),
        "{backend:?}: {statuses:?}"
    );
    assert_eq!(stock(&app, variant_id).await, 30 + 25 * 3 + 25);
    let history: Value = get(&app, &staff.access_token, &format!("{path}?limit=100"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(history["total"], 50);
    // Stock only rose, so if every movement saw the one before it, no two saw the same.
    let mut afters: Vec<i64> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["stockAfter"].as_i64().unwrap())
        .collect();
    afters.sort_unstable();
    afters.dedup();
    assert_eq!(afters.len(), 50, "{backend:?}: two movements saw the same stock");
    assert_eq!(afters.last(), Some(&130));

    let statuses = join_all((0..150).map(|i| {
        let (app, path, token) = (&app, &path, &staff.access_token);
        async move { adjust(app, token, path, -1, &format!("drain {i}")).await.status() }
    }))
    .await;
    let taken = statuses.iter().filter(|s| **s == StatusCode::CREATED).count();
    let refused = statuses.iter().filter(|s| **s == StatusCode::CONFLICT).count();
    assert_eq!((taken, refused), (130, 20), "{backend:?}: {statuses:?}");
    assert_eq!(stock(&app, variant_id).await, 0);
}

#[tokio::test]
async fn fifty_concurrent_adjustments_add_up_on_sqlite() {
    concurrent_adjustments_add_up(Backend::Sqlite).await;
}

#[tokio::test]
async fn fifty_concurrent_adjustments_add_up_on_postgres() {
    concurrent_adjustments_add_up(Backend::Postgres).await;
}
