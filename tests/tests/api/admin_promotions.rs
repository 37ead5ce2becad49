//! Staff work on promotions over HTTP: dates and values checked, codes unique whatever their
//! case, scope targets that exist, and shelf prices that follow each change at once.

use beeget_tests::{TestApp, assert_problem, problem_fields};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{
    audit::audit_entries,
    orders::{buyable, get},
};

async fn send(app: &TestApp, token: &str, method: Method, path: &str, body: Option<Value>) -> reqwest::Response {
    app.call(method, path, Some(token), body.as_ref()).await
}

fn promotion(name: &str, scope: Value) -> Value {
    json!({
        "name": name, "discountType": "percent", "discountValue": 50,
        "startDate": "2020-01-01T00:00:00Z", "endDate": "2099-01-01T00:00:00Z", "scope": scope
    })
}

#[tokio::test]
async fn promotions_are_checked_and_shelf_prices_follow_each_change() {
    let app = TestApp::spawn().await;
    app.without_automatic_promotions().await;
    let staff = app.with_admin("promo-desk@example.com").await;
    let t = &staff.access_token;
    let (product, _) = buyable(&app, 1).await;
    let slug = product["slug"].as_str().unwrap();
    let before = app.product(slug).await["calculatedPrice"].as_i64().unwrap();

    let resp = send(
        &app,
        t,
        Method::POST,
        "/admin/promotions",
        Some(promotion(
            "Half off one",
            json!({"kind": "product", "id": product["id"]}),
        )),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::CREATED, "{}", resp.text().await.unwrap());
    let created: Value = resp.json().await.unwrap();
    assert_eq!(
        (created["slug"].as_str(), created["active"].as_bool()),
        (Some("half-off-one"), Some(true))
    );
    let id = created["id"].as_str().unwrap().to_owned();
    // The shelf price follows on the next read.
    let discounted = app.product(slug).await["calculatedPrice"].as_i64().unwrap();
    assert_eq!(discounted, before - before / 2, "{before} → {discounted}");

    let path = format!("/admin/promotions/{id}");
    let resp = send(&app, t, Method::PATCH, &path, Some(json!({"active": false}))).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(app.product(slug).await["calculatedPrice"].as_i64().unwrap(), before);

    // Codes: upper-cased, unique whatever their case.
    let mut coded = promotion("Code one", json!({"kind": "all"}));
    coded["code"] = json!("spring25");
    let resp = send(&app, t, Method::POST, "/admin/promotions", Some(coded.clone())).await;
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["code"], "SPRING25", "{body}");
    coded["name"] = json!("Code two");
    coded["code"] = json!("Spring25");
    let resp = send(&app, t, Method::POST, "/admin/promotions", Some(coded)).await;
    let problem = assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem_fields(&problem), ["code"]);

    // Bad windows, values and targets name their fields.
    let mut bad = promotion(
        "Bad",
        json!({"kind": "category", "id": uuid::Uuid::now_v7().to_string()}),
    );
    bad["endDate"] = json!("2019-01-01T00:00:00Z");
    bad["discountValue"] = json!(150);
    let resp = send(&app, t, Method::POST, "/admin/promotions", Some(bad)).await;
    let problem = assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem_fields(&problem), ["scope.id", "endDate", "discountValue"]);
    let resp = send(
        &app,
        t,
        Method::PATCH,
        &path,
        Some(json!({"endDate": "2019-06-01T00:00:00Z"})),
    )
    .await;
    let problem = assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem_fields(&problem), ["endDate"]);
    let resp = send(
        &app,
        t,
        Method::POST,
        "/admin/promotions",
        Some(promotion("No id", json!({"kind": "collection"}))),
    )
    .await;
    let problem = assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem_fields(&problem), ["scope.id"]);

    let listed: Value = get(&app, t, "/admin/promotions").await.json().await.unwrap();
    let off = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == id.as_str())
        .unwrap()
        .clone();
    assert_eq!(off["active"], false);
    let resp = send(&app, t, Method::DELETE, &path, None).await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let resp = send(&app, t, Method::DELETE, &path, None).await;
    assert_problem(resp, StatusCode::NOT_FOUND, "not_found").await;
    let entries = audit_entries(&app, t, &format!("targetType=promotion&targetId={id}")).await;
    let actions: Vec<&str> = entries.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["promotion.deleted", "promotion.updated", "promotion.created"]);
    assert_eq!(
        entries[1]["changes"],
        json!([{"field": "active", "before": true, "after": false}])
    );
}
