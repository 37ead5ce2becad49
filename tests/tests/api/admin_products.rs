//! Staff catalogue management over HTTP: products of every status, slugs from titles, field
//! errors, variants, delete-or-archive, the audit trail, and that a draft or archived product
//! never reaches the storefront, a cart or an order.

use beeget_tests::{TestApp, assert_problem, problem_fields};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{
    audit::audit_entries,
    orders::{add_to_cart, buyable, checkout, get, place, placed, shopper},
};

async fn send(app: &TestApp, token: &str, method: Method, path: &str, body: Option<Value>) -> reqwest::Response {
    app.call(method, path, Some(token), body.as_ref()).await
}

/// Creates a product, expecting 201.
async fn created(app: &TestApp, token: &str, body: Value) -> Value {
    let resp = send(app, token, Method::POST, "/admin/products", Some(body)).await;
    assert_eq!(resp.status(), StatusCode::CREATED, "{}", resp.text().await.unwrap());
    resp.json().await.unwrap()
}

fn shirt(title: &str, sku: &str) -> Value {
    json!({
        "title": title, "description": "Washed linen.", "price": 4500, "tags": ["Linen", "linen", "summer"],
        "variants": [{"sku": sku, "size": "M", "color": "Sand", "inventoryCount": 7}]
    })
}

async fn patch(app: &TestApp, token: &str, id: &str, body: Value) -> reqwest::Response {
    send(app, token, Method::PATCH, &format!("/admin/products/{id}"), Some(body)).await
}

#[tokio::test]
async fn a_draft_is_invisible_and_unbuyable_until_it_is_active() {
    let app = TestApp::spawn().await;
    let staff = app.with_admin("merch@example.com").await;
    let token = shopper(&app, "early-bird@example.com").await;
    let product = created(&app, &staff.access_token, shirt("Harbour Linen Shirt", "HARBOUR-M")).await;
    assert_eq!(product["status"], "draft");
    assert_eq!(product["slug"], "harbour-linen-shirt");
    assert_eq!(product["tags"], json!(["linen", "summer"]));
    let (id, slug) = (product["id"].as_str().unwrap(), "harbour-linen-shirt");
    let variant = product["variants"][0].clone();

    let (status, _) = app.get_json(&format!("/products/{slug}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(app.all_products("search=harbour").await.is_empty());
    let resp = app
        .call(
            Method::POST,
            "/cart",
            Some(&token),
            Some(&json!({"productId": id, "variantId": variant["id"], "qty": 1})),
        )
        .await;
    assert_problem(resp, StatusCode::NOT_FOUND, "not_found").await;

    // Active: on the storefront at the next read, and buyable.
    let resp = patch(&app, &staff.access_token, id, json!({"status": "active"})).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let shown = app.product(slug).await;
    assert_eq!(shown["variants"][0]["inventoryCount"], 7);
    assert_eq!(app.all_products("search=harbour").await.len(), 1);
    add_to_cart(&app, &token, &shown, &variant, 1).await;

    // Archived while in a cart: the line is flagged and checkout refuses it.
    let resp = patch(&app, &staff.access_token, id, json!({"status": "archived"})).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let (status, _) = app.get_json(&format!("/products/{slug}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let cart: Value = get(&app, &token, "/cart").await.json().await.unwrap();
    assert_eq!(cart["items"][0]["problem"], "unavailable", "{cart}");
    let resp = place(&app, &token, "archived-1", &checkout("pm_card_visa")).await;
    assert_problem(resp, StatusCode::CONFLICT, "cart_has_unavailable_items").await;
}

#[tokio::test]
async fn slugs_come_from_titles_stay_on_rename_and_collide_with_a_field_error() {
    let app = TestApp::spawn().await;
    let staff = app.with_admin("slugs@example.com").await;
    let first = created(&app, &staff.access_token, shirt("Café Crème Shirt", "CREME-1")).await;
    let second = created(&app, &staff.access_token, shirt("Café Crème Shirt", "CREME-2")).await;
    assert_eq!(first["slug"], "cafe-creme-shirt");
    assert_eq!(second["slug"], "cafe-creme-shirt-2");
    let id = first["id"].as_str().unwrap();
    let renamed: Value = patch(&app, &staff.access_token, id, json!({"title": "Crème Shirt, washed"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(renamed["title"], "Crème Shirt, washed");
    assert_eq!(renamed["slug"], "cafe-creme-shirt");
    let resp = patch(&app, &staff.access_token, id, json!({"slug": "cafe-creme-shirt-2"})).await;
    let problem = assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem_fields(&problem), ["slug"]);
    let resp = patch(&app, &staff.access_token, id, json!({"slug": "creme-shirt"})).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let mut body = shirt("Another", "CREME-3");
    body["slug"] = json!("creme-shirt");
    let resp = send(&app, &staff.access_token, Method::POST, "/admin/products", Some(body)).await;
    let problem = assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem_fields(&problem), ["slug"]);
    // A SKU another variant holds.
    let resp = send(
        &app,
        &staff.access_token,
        Method::POST,
        "/admin/products",
        Some(shirt("Third", "CREME-1")),
    )
    .await;
    let problem = assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem_fields(&problem), ["variants"]);
}

#[tokio::test]
async fn bad_products_name_every_field_that_failed() {
    let app = TestApp::spawn().await;
    let staff = app.with_admin("fields@example.com").await;
    let body = json!({
        "title": "Dress", "price": 3000, "salePrice": 3000, "status": "active",
        "categoryIds": [uuid::Uuid::now_v7().to_string()],
        "variants": [{"sku": "D-1", "size": "S", "color": "Red"}, {"sku": "d-1", "size": "M", "color": "Red"}]
    });
    let resp = send(&app, &staff.access_token, Method::POST, "/admin/products", Some(body)).await;
    let problem = assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem_fields(&problem), ["salePrice", "categoryIds[0]", "variants"]);
    let body = json!({"title": "Bare", "price": 3000, "status": "active"});
    let resp = send(&app, &staff.access_token, Method::POST, "/admin/products", Some(body)).await;
    let problem = assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem_fields(&problem), ["status"]);
    // The declared rules answer first, naming the field.
    let body = json!({"title": "X", "price": -1, "variants": [{"sku": "has space", "size": "S", "color": "Red"}]});
    let resp = send(&app, &staff.access_token, Method::POST, "/admin/products", Some(body)).await;
    let problem = assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem_fields(&problem), ["price", "variants[0].sku"]);
    // A sale at or above the price the product already has.
    let product = created(&app, &staff.access_token, shirt("Price Check", "PC-1")).await;
    let resp = patch(
        &app,
        &staff.access_token,
        product["id"].as_str().unwrap(),
        json!({"salePrice": 4500}),
    )
    .await;
    let problem = assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem_fields(&problem), ["salePrice"]);
    let resp = patch(
        &app,
        &staff.access_token,
        &uuid::Uuid::now_v7().to_string(),
        json!({"title": "Ghost"}),
    )
    .await;
    assert_problem(resp, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn deleting_an_ordered_product_archives_it_and_orders_keep_their_snapshot() {
    let app = TestApp::spawn().await;
    let staff = app.with_admin("clearance@example.com").await;
    let token = shopper(&app, "loyal@example.com").await;
    let (product, variant) = buyable(&app, 1).await;
    add_to_cart(&app, &token, &product, &variant, 1).await;
    let order = placed(&app, &token, "snap", "pm_card_visa").await;
    let path = format!("/admin/products/{}", product["id"].as_str().unwrap());
    let resp = send(&app, &staff.access_token, Method::DELETE, &path, None).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.json::<Value>().await.unwrap(), json!({"outcome": "archived"}));
    let archived: Value = get(&app, &staff.access_token, &path).await.json().await.unwrap();
    assert_eq!(archived["status"], "archived");
    let (status, _) = app
        .get_json(&format!("/products/{}", product["slug"].as_str().unwrap()))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let mine: Value = get(&app, &token, &format!("/orders/{}", order["id"].as_str().unwrap()))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["items"][0]["title"], product["title"], "{mine}");

    // Never ordered: gone, and its audit entry keeps what it was.
    let fresh = created(&app, &staff.access_token, shirt("Short Lived", "SHORT-1")).await;
    let path = format!("/admin/products/{}", fresh["id"].as_str().unwrap());
    let resp = send(&app, &staff.access_token, Method::DELETE, &path, None).await;
    assert_eq!(resp.json::<Value>().await.unwrap(), json!({"outcome": "deleted"}));
    let resp = get(&app, &staff.access_token, &path).await;
    assert_problem(resp, StatusCode::NOT_FOUND, "not_found").await;
    let resp = send(&app, &staff.access_token, Method::DELETE, &path, None).await;
    assert_problem(resp, StatusCode::NOT_FOUND, "not_found").await;
    let entries = audit_entries(
        &app,
        &staff.access_token,
        &format!("targetType=product&targetId={}", fresh["id"].as_str().unwrap()),
    )
    .await;
    let actions: Vec<&str> = entries.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["product.deleted", "product.created"]);
    let title = entries[0]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["field"] == "title")
        .unwrap()
        .clone();
    assert_eq!(title, json!({"field": "title", "before": "Short Lived"}));
}

#[tokio::test]
async fn each_edit_is_audited_once_with_only_the_changed_fields() {
    let app = TestApp::spawn().await;
    let staff = app.with_admin("editor@example.com").await;
    let product = created(&app, &staff.access_token, shirt("Audit Shirt", "AUDIT-1")).await;
    let id = product["id"].as_str().unwrap();
    let resp = patch(
        &app,
        &staff.access_token,
        id,
        json!({"price": 5200, "salePrice": 3900, "title": "Audit Shirt"}),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    // Nothing changes: nothing recorded.
    let resp = patch(&app, &staff.access_token, id, json!({"price": 5200})).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let resp = patch(&app, &staff.access_token, id, json!({"salePrice": null})).await;
    assert_eq!(resp.json::<Value>().await.unwrap().get("salePrice"), None);
    let entries = audit_entries(&app, &staff.access_token, &format!("targetType=product&targetId={id}")).await;
    let actions: Vec<&str> = entries.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["product.updated", "product.updated", "product.created"]);
    assert_eq!(
        entries[0]["changes"],
        json!([{"field": "salePrice", "before": 3900, "after": null}])
    );
    assert_eq!(
        entries[1]["changes"],
        json!([
            {"field": "price", "before": 4500, "after": 5200},
            {"field": "salePrice", "before": null, "after": 3900},
        ])
    );
    assert_eq!(entries[1]["actorId"], staff.id.to_string());
}

#[tokio::test]
async fn variants_are_added_changed_and_removed_and_an_active_product_keeps_one() {
    let app = TestApp::spawn().await;
    let staff = app.with_admin("variants@example.com").await;
    let mut body = shirt("Variant Tee", "VT-M");
    body["status"] = json!("active");
    let product = created(&app, &staff.access_token, body).await;
    let id = product["id"].as_str().unwrap();
    let only = product["variants"][0]["id"].as_str().unwrap().to_owned();
    let variants = format!("/admin/products/{id}/variants");
    let resp = send(
        &app,
        &staff.access_token,
        Method::POST,
        &variants,
        Some(json!({"sku": "VT-L", "size": "L", "color": "Sand", "price": 4800, "inventoryCount": 3})),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let large: Value = resp.json().await.unwrap();
    let large_path = format!("{variants}/{}", large["id"].as_str().unwrap());
    let resp = send(
        &app,
        &staff.access_token,
        Method::POST,
        &variants,
        Some(json!({"sku": "vt-m", "size": "S", "color": "Sand"})),
    )
    .await;
    let problem = assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem_fields(&problem), ["sku"], "SKUs are unique whatever their case");
    let resp = send(
        &app,
        &staff.access_token,
        Method::PATCH,
        &large_path,
        Some(json!({"price": null, "color": "Ink"})),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let changed: Value = resp.json().await.unwrap();
    assert_eq!((changed["color"].as_str(), changed.get("price")), (Some("Ink"), None));
    let shown = app.product("variant-tee").await;
    assert_eq!(shown["variants"].as_array().unwrap().len(), 2);
    assert_eq!(shown["variants"][1]["color"], "Ink");
    // Its initial stock is its first movement.
    let history: Value = get(&app, &staff.access_token, &format!("{large_path}/stock"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(history["items"][0]["reason"], "initial stock");
    assert_eq!(history["items"][0]["stockAfter"], 3);

    let resp = send(&app, &staff.access_token, Method::DELETE, &large_path, None).await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let resp = send(
        &app,
        &staff.access_token,
        Method::DELETE,
        &format!("{variants}/{only}"),
        None,
    )
    .await;
    assert_problem(resp, StatusCode::CONFLICT, "last_variant").await;
    assert_eq!(
        app.product("variant-tee").await["variants"].as_array().unwrap().len(),
        1
    );
    // Each variant write audited once, the refused delete not at all.
    let entries = audit_entries(
        &app,
        &staff.access_token,
        &format!("targetType=variant&targetId={}", large["id"].as_str().unwrap()),
    )
    .await;
    let actions: Vec<&str> = entries.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["variant.deleted", "variant.updated", "variant.created"]);
    assert_eq!(
        entries[1]["changes"],
        json!([
            {"field": "color", "before": "Sand", "after": "Ink"},
            {"field": "price", "before": 4800, "after": null},
        ])
    );
    let only_entries = audit_entries(
        &app,
        &staff.access_token,
        &format!("targetType=variant&targetId={only}"),
    )
    .await;
    assert!(only_entries.is_empty(), "{only_entries:#?}");
}

#[tokio::test]
async fn the_admin_list_filters_by_status_search_low_stock_and_category() {
    let app = TestApp::spawn().await;
    let staff = app.with_admin("lister@example.com").await;
    let categories = app.ok_json("/categories").await;
    let category = categories[0]["id"].as_str().unwrap().to_owned();
    let mut body = shirt("Listed Draft", "LISTED-DRAFT");
    body["variants"][0]["inventoryCount"] = json!(2);
    body["categoryIds"] = json!([category]);
    let draft = created(&app, &staff.access_token, body).await;
    let list = |query: String| {
        let (app, token) = (&app, &staff.access_token);
        async move {
            let resp = get(app, token, &format!("/admin/products?limit=100&{query}")).await;
            assert_eq!(resp.status(), StatusCode::OK, "{query}");
            resp.json::<Value>().await.unwrap()
        }
    };
    let drafts = list("status=draft".into()).await;
    assert_eq!(drafts["total"], 1);
    assert_eq!(drafts["items"][0]["id"], draft["id"]);
    assert_eq!(list("search=listed-draft".into()).await["total"], 1, "by SKU");
    assert_eq!(list("search=LISTED%20dr".into()).await["total"], 1, "by title");
    assert_eq!(list("search=100%25".into()).await["total"], 0, "wildcards are literal");
    let low = list("lowStock=true&limit=100".into()).await;
    assert!(low["items"].as_array().unwrap().iter().any(|p| p["id"] == draft["id"]));
    let in_category = list(format!("category={category}&status=draft")).await;
    assert_eq!(in_category["total"], 1);
    let all = list("sort=title_asc".into()).await;
    let titles: Vec<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["title"].as_str().unwrap())
        .collect();
    let mut sorted = titles.clone();
    sorted.sort_unstable();
    assert_eq!(titles, sorted);
    let resp = get(&app, &staff.access_token, "/admin/products?category=shirts").await;
    let problem = assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem_fields(&problem), ["category"]);
}
