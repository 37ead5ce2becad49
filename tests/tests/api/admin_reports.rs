//! Staff reports over HTTP, on SQLite and PostgreSQL: the inventory report's variants, sales
//! pace and order.

use beeget_tests::{Backend, TestApp, assert_problem, problem_fields};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::orders::{add_to_cart, get, placed, shopper};

async fn inventory_report_ranks_by_days_of_stock_left(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |_| {}).await else {
        return;
    };
    let staff = app.with_admin("stockroom@example.com").await;
    let t = &staff.access_token;
    let resp = app
        .call(
            Method::POST,
            "/admin/products",
            Some(t),
            Some(&json!({
                "title": "Report Shirt", "price": 3000, "status": "active",
                "variants": [
                    {"sku": "REP-FAST", "size": "M", "color": "Red", "inventoryCount": 5},
                    {"sku": "REP-IDLE", "size": "L", "color": "Red", "inventoryCount": 1},
                    {"sku": "REP-FULL", "size": "S", "color": "Red", "inventoryCount": 50}
                ]
            })),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let product: Value = resp.json().await.unwrap();
    let fast = product["variants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["sku"] == "REP-FAST")
        .unwrap()
        .clone();
    let token = shopper(&app, "steady-buyer@example.com").await;
    let shown = app.product("report-shirt").await;
    add_to_cart(&app, &token, &shown, &fast, 3).await;
    placed(&app, &token, "report-1", "pm_card_visa").await;
    // An archived product's low stock is not reported.
    let resp = app
        .call(
            Method::POST,
            "/admin/products",
            Some(t),
            Some(
                &json!({"title": "Old Report Shirt", "price": 1000, "status": "archived",
                         "variants": [{"sku": "REP-GONE", "size": "M", "color": "Red"}]}),
            ),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);

    let mut items: Vec<Value> = Vec::new();
    let mut report = Value::Null;
    for page in 1.. {
        report = get(
            &app,
            t,
            &format!("/admin/reports/inventory?threshold=5&limit=100&page={page}"),
        )
        .await
        .json()
        .await
        .unwrap();
        let batch = report["items"].as_array().unwrap().clone();
        let done = batch.len() < 100;
        items.extend(batch);
        if done {
            break;
        }
    }
    assert_eq!(report["threshold"], 5);
    assert_eq!(report["total"].as_u64().unwrap(), items.len() as u64);
    // The only variant that sells comes first: 2 left at 3 a month is 20 days.
    assert_eq!(items[0]["sku"], "REP-FAST", "{report}");
    assert_eq!(items[0]["stock"], 2);
    assert_eq!(items[0]["soldLast30Days"], 3);
    assert_eq!(items[0]["daysOfStockLeft"], 20.0);
    assert_eq!(items[0]["productTitle"], "Report Shirt");
    let idle = items
        .iter()
        .find(|i| i["sku"] == "REP-IDLE")
        .expect("an unsold low variant is listed");
    assert_eq!(
        (idle["soldLast30Days"].as_i64(), idle.get("daysOfStockLeft")),
        (Some(0), None)
    );
    let skus: Vec<&str> = items.iter().filter_map(|i| i["sku"].as_str()).collect();
    assert!(!skus.contains(&"REP-FULL") && !skus.contains(&"REP-GONE"), "{skus:?}");
    // Unsold ones follow, lowest stock first.
    let unsold: Vec<i64> = items[1..].iter().map(|i| i["stock"].as_i64().unwrap()).collect();
    assert!(unsold.windows(2).all(|w| w[0] <= w[1]), "{unsold:?}");
    // Paged in the database: the same total, one item per page.
    let first: Value = get(&app, t, "/admin/reports/inventory?threshold=5&limit=1")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(first["total"], report["total"]);
    assert_eq!(first["items"].as_array().unwrap().len(), 1);
    let resp = get(&app, t, "/admin/reports/inventory?threshold=-1").await;
    let problem = assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem_fields(&problem), ["threshold"]);
}

#[tokio::test]
async fn the_inventory_report_ranks_by_days_of_stock_left_on_sqlite() {
    inventory_report_ranks_by_days_of_stock_left(Backend::Sqlite).await;
}

#[tokio::test]
async fn the_inventory_report_ranks_by_days_of_stock_left_on_postgres() {
    inventory_report_ranks_by_days_of_stock_left(Backend::Postgres).await;
}
