//! Staff work on categories and collections over HTTP: the tree never loops, a category in
//! use is not deleted unless what uses it moves, changes reach the storefront on the next
//! read, and each write is audited.

use beeget_tests::{TestApp, assert_problem, problem_fields};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{audit::audit_entries, orders::get};

async fn send(app: &TestApp, token: &str, method: Method, path: &str, body: Option<Value>) -> reqwest::Response {
    app.call(method, path, Some(token), body.as_ref()).await
}

async fn create(app: &TestApp, token: &str, path: &str, body: Value) -> Value {
    let resp = send(app, token, Method::POST, path, Some(body)).await;
    assert_eq!(resp.status(), StatusCode::CREATED, "{}", resp.text().await.unwrap());
    resp.json().await.unwrap()
}

fn id(v: &Value) -> &str {
    v["id"].as_str().unwrap()
}

#[tokio::test]
async fn the_category_tree_never_loops_and_shows_on_the_next_read() {
    let app = TestApp::spawn().await;
    let staff = app.with_admin("tree@example.com").await;
    let t = &staff.access_token;
    let outer = create(&app, t, "/admin/categories", json!({"name": "Outerwear"})).await;
    assert_eq!(outer["slug"], "outerwear");
    let coats = create(
        &app,
        t,
        "/admin/categories",
        json!({"name": "Coats", "parentId": id(&outer)}),
    )
    .await;
    let trench = create(
        &app,
        t,
        "/admin/categories",
        json!({"name": "Trench Coats", "parentId": id(&coats)}),
    )
    .await;
    // The storefront's tree shows it at once.
    let tree = app.ok_json("/categories").await;
    let top = tree
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["slug"] == "outerwear")
        .unwrap()
        .clone();
    assert_eq!(top["children"][0]["children"][0]["slug"], "trench-coats", "{top}");

    for (moved, under) in [(&outer, &trench), (&outer, &outer), (&coats, &trench)] {
        let resp = send(
            &app,
            t,
            Method::PATCH,
            &format!("/admin/categories/{}", id(moved)),
            Some(json!({"parentId": id(under)})),
        )
        .await;
        assert_problem(resp, StatusCode::CONFLICT, "category_cycle").await;
    }
    // A legal move, then back to the top level with null.
    let resp = send(
        &app,
        t,
        Method::PATCH,
        &format!("/admin/categories/{}", id(&trench)),
        Some(json!({"parentId": id(&outer), "name": "Trenches"})),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let resp = send(
        &app,
        t,
        Method::PATCH,
        &format!("/admin/categories/{}", id(&trench)),
        Some(json!({"parentId": null})),
    )
    .await;
    let moved: Value = resp.json().await.unwrap();
    assert_eq!(
        (moved.get("parentId"), moved["slug"].as_str()),
        (None, Some("trench-coats"))
    );
    let resp = send(
        &app,
        t,
        Method::PATCH,
        &format!("/admin/categories/{}", id(&coats)),
        Some(json!({"parentId": uuid::Uuid::now_v7().to_string(), "slug": "Not A Slug"})),
    )
    .await;
    let problem = assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem_fields(&problem), ["slug"]);
    let resp = send(
        &app,
        t,
        Method::PATCH,
        &format!("/admin/categories/{}", id(&coats)),
        Some(json!({"parentId": uuid::Uuid::now_v7().to_string()})),
    )
    .await;
    let problem = assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem_fields(&problem), ["parentId"]);

    // Audited once per change, with the fields that changed.
    let entries = audit_entries(&app, t, &format!("targetType=category&targetId={}", id(&trench))).await;
    let actions: Vec<&str> = entries.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["category.updated", "category.updated", "category.created"]);
    assert_eq!(
        entries[0]["changes"],
        json!([{"field": "parentId", "before": id(&outer), "after": null}])
    );
}

#[tokio::test]
async fn a_category_in_use_is_deleted_only_by_reassigning_what_uses_it() {
    let app = TestApp::spawn().await;
    let staff = app.with_admin("reorg@example.com").await;
    let t = &staff.access_token;
    let old = create(&app, t, "/admin/categories", json!({"name": "Old Range"})).await;
    let child = create(
        &app,
        t,
        "/admin/categories",
        json!({"name": "Old Range Tops", "parentId": id(&old)}),
    )
    .await;
    let new = create(&app, t, "/admin/categories", json!({"name": "New Range"})).await;
    let product = send(
        &app,
        t,
        Method::POST,
        "/admin/products",
        Some(json!({
            "title": "Range Shirt", "price": 3000, "status": "active", "categoryIds": [id(&old)],
            "variants": [{"sku": "RANGE-1", "size": "M", "color": "Blue", "inventoryCount": 3}]
        })),
    )
    .await
    .json::<Value>()
    .await
    .unwrap();
    let path = format!("/admin/categories/{}", id(&old));
    let resp = send(&app, t, Method::DELETE, &path, None).await;
    let problem = assert_problem(resp, StatusCode::CONFLICT, "in_use").await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("1 child categories, 1 products"),
        "{problem}"
    );
    let resp = send(
        &app,
        t,
        Method::DELETE,
        &format!("{path}?reassignTo={}", id(&child)),
        None,
    )
    .await;
    assert_problem(resp, StatusCode::CONFLICT, "category_cycle").await;
    let resp = send(
        &app,
        t,
        Method::DELETE,
        &format!("{path}?reassignTo={}", uuid::Uuid::now_v7()),
        None,
    )
    .await;
    let problem = assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem_fields(&problem), ["reassignTo"]);
    let resp = send(
        &app,
        t,
        Method::DELETE,
        &format!("{path}?reassignTo={}", id(&new)),
        None,
    )
    .await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);

    let all: Value = get(&app, t, "/admin/categories").await.json().await.unwrap();
    let moved = all
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == child["id"])
        .unwrap()
        .clone();
    assert_eq!(moved["parentId"], new["id"]);
    assert!(!all.as_array().unwrap().iter().any(|c| c["id"] == old["id"]));
    // The product followed, in storage and on the storefront.
    let admin_view: Value = get(&app, t, &format!("/admin/products/{}", id(&product)))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(admin_view["categoryIds"], json!([id(&new)]));
    let shown = app.product("range-shirt").await;
    assert_eq!(shown["categories"][0]["slug"], "new-range", "{shown}");
    let resp = send(&app, t, Method::DELETE, &path, None).await;
    assert_problem(resp, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn collections_are_created_renamed_switched_and_deleted() {
    let app = TestApp::spawn().await;
    let staff = app.with_admin("curator@example.com").await;
    let t = &staff.access_token;
    let first = create(&app, t, "/admin/collections", json!({"name": "Été Capsule"})).await;
    let second = create(
        &app,
        t,
        "/admin/collections",
        json!({"name": "Ete Capsule", "active": false}),
    )
    .await;
    assert_eq!(
        (first["slug"].as_str(), second["slug"].as_str()),
        (Some("ete-capsule"), Some("ete-capsule-2"))
    );
    let resp = send(
        &app,
        t,
        Method::POST,
        "/admin/collections",
        Some(json!({"name": "X", "slug": "ete-capsule"})),
    )
    .await;
    let problem = assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem_fields(&problem), ["slug"]);
    let listed: Value = app.ok_json("/collections").await;
    let slugs: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["slug"].as_str())
        .collect();
    assert!(
        slugs.contains(&"ete-capsule") && !slugs.contains(&"ete-capsule-2"),
        "{slugs:?}"
    );
    let resp = send(
        &app,
        t,
        Method::PATCH,
        &format!("/admin/collections/{}", id(&second)),
        Some(json!({"active": true, "name": "Summer Capsule", "description": "Light layers"})),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let listed: Value = app.ok_json("/collections").await;
    assert!(
        listed.as_array().unwrap().iter().any(|c| c["name"] == "Summer Capsule"),
        "{listed}"
    );
    // In use by a product: refused, then moved to the other collection.
    let resp = send(
        &app,
        t,
        Method::POST,
        "/admin/products",
        Some(json!({"title": "Capsule Tee", "price": 2000, "collectionIds": [id(&second)]})),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let product: Value = resp.json().await.unwrap();
    let path = format!("/admin/collections/{}", id(&second));
    let resp = send(&app, t, Method::DELETE, &path, None).await;
    let problem = assert_problem(resp, StatusCode::CONFLICT, "in_use").await;
    assert!(problem["detail"].as_str().unwrap().contains("1 products"), "{problem}");
    let resp = send(&app, t, Method::DELETE, &format!("{path}?reassignTo=nope"), None).await;
    let problem = assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem_fields(&problem), ["reassignTo"]);
    let resp = send(
        &app,
        t,
        Method::DELETE,
        &format!("{path}?reassignTo={}", id(&first)),
        None,
    )
    .await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let moved: Value = get(&app, t, &format!("/admin/products/{}", id(&product)))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(moved["collectionIds"], json!([id(&first)]));
    let all: Value = get(&app, t, "/admin/collections").await.json().await.unwrap();
    assert!(!all.as_array().unwrap().iter().any(|c| c["id"] == second["id"]));
}
