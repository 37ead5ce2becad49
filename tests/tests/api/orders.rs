//! Checkout and orders over HTTP: payment outcomes, idempotency, stock under concurrency on
//! both databases, the Stripe webhook, cancellation, staff status changes and their emails,
//! and that shoppers reach only their own orders.

use beeget_api::{jobs::release_unpaid_orders, payments::webhook_signature, repos::entities::product_variants};
use beeget_tests::{Backend, TestApp, assert_problem, problem_fields};
use chrono::{Duration, Utc};
use futures_util::future::join_all;
use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::auth::{access, signed_up};

pub(crate) const WEBHOOK_SECRET: &str = "whsec_test_secret";

/// A shopper without the email round trip: registered and signed in.
pub(crate) async fn shopper(app: &TestApp, email: &str) -> String {
    app.with_user(email).await.access_token
}

/// A product with a variant that has at least `min_stock` units: (product id, variant id).
pub(crate) async fn buyable(app: &TestApp, min_stock: i64) -> (Value, Value) {
    for summary in app.all_products("inStock=true").await {
        let product = app.product(summary["slug"].as_str().unwrap()).await;
        if let Some(v) = product["variants"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["inventoryCount"].as_i64().unwrap() >= min_stock)
        {
            let v = v.clone();
            return (product, v);
        }
    }
    panic!("the demo catalogue has stock");
}

/// A product other than `not`, with a variant in stock.
pub(crate) async fn buyable_other_than(app: &TestApp, not: &Value) -> (Value, Value) {
    for summary in app.all_products("inStock=true").await {
        if summary["id"] == not["id"] {
            continue;
        }
        let product = app.product(summary["slug"].as_str().unwrap()).await;
        let variant = product["variants"][0].clone();
        return (product, variant);
    }
    panic!("the demo catalogue has two products in stock");
}

pub(crate) fn uuid(v: &Value) -> Uuid {
    Uuid::parse_str(v.as_str().unwrap()).unwrap()
}

/// Sets a variant's stock straight in the database (as an operator's fix would), records
/// the change in the catalogue feed and waits for the app's index to show it.
pub(crate) async fn set_stock(app: &TestApp, variant: Uuid, count: i32) {
    product_variants::Entity::update_many()
        .col_expr(product_variants::Column::InventoryCount, Expr::value(count))
        .filter(product_variants::Column::Id.eq(variant))
        .exec(&app.db)
        .await
        .unwrap();
    let product = product_variants::Entity::find_by_id(variant)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .product_id;
    app.repos.products.record_changes(&[product]).await.unwrap();
    app.catalogue_caught_up().await;
}

pub(crate) async fn stock(app: &TestApp, variant: Uuid) -> i32 {
    product_variants::Entity::find_by_id(variant)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .inventory_count
}

pub(crate) async fn add_to_cart(app: &TestApp, token: &str, product: &Value, variant: &Value, qty: i64) {
    let resp = app
        .call(
            Method::POST,
            "/cart",
            Some(token),
            Some(&json!({"productId": product["id"], "variantId": variant["id"], "qty": qty})),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK, "{}", resp.text().await.unwrap());
}

pub(crate) fn checkout(payment_method: &str) -> Value {
    json!({
        "shippingAddress": {
            "line1": "1 Infinite Loop", "city": "Cupertino", "state": "CA",
            "zip": "95014", "country": "US", "phone": "+1 408 555 0100"
        },
        "paymentMethod": payment_method
    })
}

pub(crate) async fn place(app: &TestApp, token: &str, key: &str, body: &Value) -> reqwest::Response {
    app.client
        .post(app.url("/orders"))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

/// `POST /orders` from the cart, expecting an order back.
pub(crate) async fn placed(app: &TestApp, token: &str, key: &str, payment_method: &str) -> Value {
    let resp = place(app, token, key, &checkout(payment_method)).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    resp.json().await.unwrap()
}

/// `GET /orders/{id}` as the shopper.
pub(crate) async fn order_view(app: &TestApp, token: &str, order: &Value) -> Value {
    let resp = get(app, token, &format!("/orders/{}", order["id"].as_str().unwrap())).await;
    assert_eq!(resp.status(), StatusCode::OK);
    resp.json().await.unwrap()
}

/// The provider's payment id of an order, as stored.
pub(crate) async fn payment_reference(app: &TestApp, order: &Value) -> String {
    app.repos
        .orders
        .find(uuid(&order["id"]))
        .await
        .unwrap()
        .unwrap()
        .payment
        .reference
        .unwrap()
}

pub(crate) async fn get(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.call(Method::GET, path, Some(token), None).await
}

pub(crate) async fn cart_items(app: &TestApp, token: &str) -> usize {
    let cart: Value = get(app, token, "/cart").await.json().await.unwrap();
    cart["items"].as_array().unwrap().len()
}

async fn admin(app: &TestApp, email: &str) -> String {
    app.with_admin(email).await.access_token
}

async fn set_status(app: &TestApp, token: &str, path: &str, body: Value) -> reqwest::Response {
    app.call(Method::PATCH, path, Some(token), Some(&body)).await
}

#[tokio::test]
async fn checkout_charges_once_snapshots_prices_and_empties_the_cart() {
    let app = TestApp::spawn().await;
    let token = shopper(&app, "buyer@example.com").await;
    let (product, variant) = buyable(&app, 3).await;
    let before = stock(&app, uuid(&variant["id"])).await;
    add_to_cart(&app, &token, &product, &variant, 2).await;
    let cart: Value = get(&app, &token, "/cart").await.json().await.unwrap();

    let resp = place(&app, &token, "checkout-1", &checkout("pm_card_visa")).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let order: Value = resp.json().await.unwrap();
    assert_eq!(order["orderStatus"], "paid");
    assert_eq!(order["paymentStatus"], "succeeded");
    assert!(order["number"].as_str().unwrap().starts_with("BG-"));
    for field in ["subtotal", "discountTotal"] {
        assert_eq!(order[field], cart[field], "{field}");
    }
    assert_eq!(order["totalAmount"], cart["total"]);
    let listed: Value = get(&app, &token, "/orders").await.json().await.unwrap();
    let summary = &listed["items"][0];
    for field in [
        "orderStatus",
        "paymentStatus",
        "subtotal",
        "discountTotal",
        "shippingTotal",
        "totalAmount",
        "createdAt",
        "updatedAt",
    ] {
        assert_eq!(summary[field], order[field], "{field}");
    }
    assert_eq!(order["shippingTotal"], cart["shippingEstimate"]);
    let line = &order["items"][0];
    assert_eq!(line["qty"], 2);
    assert_eq!(line["priceAtPurchase"], cart["items"][0]["unitPrice"]);
    assert_eq!(line["sku"], variant["sku"]);
    assert_eq!(line["title"], product["title"]);
    assert_eq!(order["shippingAddress"]["city"], "Cupertino");
    assert_eq!(order["shippingAddress"]["recipient"], "Grace Hopper");
    let timeline: Vec<&str> = order["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].as_str().unwrap())
        .collect();
    assert_eq!(timeline, ["pending_payment", "paid"]);
    assert!(order["timeline"][0].get("actorId").is_none());

    assert_eq!(stock(&app, uuid(&variant["id"])).await, before - 2);
    assert_eq!(cart_items(&app, &token).await, 0, "the cart is emptied");
    assert_eq!(app.payments.charge_count(), 1);

    // The same key and body: the same order, no second charge, no second decrement.
    let again: Value = placed(&app, &token, "checkout-1", "pm_card_visa").await;
    assert_eq!(again["id"], order["id"]);
    assert_eq!(app.payments.charge_count(), 1);
    assert_eq!(stock(&app, uuid(&variant["id"])).await, before - 2);
    // The same key with another body is refused.
    let resp = place(&app, &token, "checkout-1", &checkout("pm_card_mastercard")).await;
    let problem = assert_problem(resp, StatusCode::CONFLICT, "idempotency_key_reused").await;
    assert!(
        problem["detail"].as_str().unwrap().contains("use a new key"),
        "{problem}"
    );
    // No key: the client is told what is missing.
    let resp = app
        .call(Method::POST, "/orders", Some(&token), Some(&checkout("pm_card_visa")))
        .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    // An empty cart has nothing to order.
    let resp = place(&app, &token, "checkout-2", &checkout("pm_card_visa")).await;
    let problem = assert_problem(resp, StatusCode::CONFLICT, "cart_empty").await;
    assert_eq!(problem["detail"], "the cart is empty");

    let email = app
        .wait_for_email("buyer@example.com", order["number"].as_str().unwrap())
        .await;
    assert!(email.contains(product["title"].as_str().unwrap()), "{email}");
    assert!(email.contains("Cupertino"), "{email}");
    let total = beeget_api::domain::money::display(order["totalAmount"].as_i64().unwrap(), "USD");
    assert!(email.contains(&total), "the total {total} is in the email: {email}");

    let list: Value = get(&app, &token, "/orders").await.json().await.unwrap();
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["id"], order["id"]);
    assert_eq!(list["items"][0]["itemCount"], 2);
    let one: Value = order_view(&app, &token, &order).await;
    assert_eq!(one["id"], order["id"]);
    assert!(
        one.get("customerEmail").is_none(),
        "staff-only fields stay out of shopper views"
    );
}

#[tokio::test]
async fn bad_checkout_input_names_the_field() {
    let app = TestApp::spawn().await;
    let token = shopper(&app, "careful@example.com").await;
    let (product, variant) = buyable(&app, 1).await;
    add_to_cart(&app, &token, &product, &variant, 1).await;
    let mut body = checkout("pm_card_visa");
    body["shippingAddress"]["country"] = json!("Narnia");
    let problem = assert_problem(
        place(&app, &token, "k1", &body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(problem_fields(&problem), ["shippingAddress.country"]);
    let problem = assert_problem(
        place(&app, &token, "k2", &json!({"paymentMethod": "pm_card_visa"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(problem_fields(&problem), ["shippingAddressId"]);
    let problem = assert_problem(
        place(&app, &token, "k3", &checkout("pm_card_bogus")).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(problem_fields(&problem), ["paymentMethod"]);
    let mut with_code = checkout("pm_card_visa");
    with_code["promoCode"] = json!("NOSUCHCODE");
    let problem = assert_problem(
        place(&app, &token, "k4", &with_code).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(problem_fields(&problem), ["promoCode"]);
    let mut sneaky = checkout("pm_card_visa");
    sneaky["total"] = json!(1);
    let resp = place(&app, &token, "k5", &sneaky).await;
    assert!(resp.status().is_client_error(), "a client cannot set the total");
    assert_eq!(cart_items(&app, &token).await, 1, "nothing was bought");
    assert_eq!(app.payments.charge_count(), 0, "nothing was charged");
}

#[tokio::test]
async fn a_declined_card_releases_the_stock_and_keeps_the_cart() {
    let app = TestApp::spawn().await;
    let token = shopper(&app, "declined@example.com").await;
    let (product, variant) = buyable(&app, 1).await;
    let before = stock(&app, uuid(&variant["id"])).await;
    add_to_cart(&app, &token, &product, &variant, 1).await;
    let resp = place(&app, &token, "try-1", &checkout("pm_card_chargeDeclined")).await;
    let problem = assert_problem(resp, StatusCode::PAYMENT_REQUIRED, "payment_declined").await;
    assert!(problem["detail"].as_str().unwrap().contains("card_declined"));
    assert_eq!(stock(&app, uuid(&variant["id"])).await, before);
    assert_eq!(cart_items(&app, &token).await, 1);
    // Retrying the same attempt gives the same answer; a new attempt with a good card works.
    let resp = place(&app, &token, "try-1", &checkout("pm_card_chargeDeclined")).await;
    assert_problem(resp, StatusCode::PAYMENT_REQUIRED, "payment_declined").await;
    let resp = place(&app, &token, "try-2", &checkout("pm_card_visa")).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    assert_eq!(stock(&app, uuid(&variant["id"])).await, before - 1);
    let list: Value = get(&app, &token, "/orders").await.json().await.unwrap();
    let statuses: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["orderStatus"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["paid", "cancelled"], "newest first");
}

pub(crate) fn stripe_event(id: &str, kind: &str, object: Value) -> Vec<u8> {
    json!({"id": id, "object": "event", "type": kind, "data": {"object": object}})
        .to_string()
        .into_bytes()
}

pub(crate) async fn webhook(app: &TestApp, body: &[u8], signature: &str) -> reqwest::Response {
    app.client
        .post(app.url("/payments/stripe/webhook"))
        .header("content-type", "application/json")
        .header("Stripe-Signature", signature)
        .body(body.to_vec())
        .send()
        .await
        .unwrap()
}

pub(crate) fn signed(body: &[u8]) -> String {
    webhook_signature::sign(body, WEBHOOK_SECRET, Utc::now().timestamp())
}

#[tokio::test]
async fn three_d_secure_then_the_webhook_settles_the_order_once() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.payments.stripe.webhook_secret = beeget_api::config::Secret::new(WEBHOOK_SECRET);
    })
    .await
    .unwrap();
    let token = shopper(&app, "secure@example.com").await;
    let (product, variant) = buyable(&app, 1).await;
    let before = stock(&app, uuid(&variant["id"])).await;
    add_to_cart(&app, &token, &product, &variant, 1).await;
    let resp = place(&app, &token, "3ds", &checkout("pm_card_authenticationRequired")).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let order: Value = resp.json().await.unwrap();
    assert_eq!(order["orderStatus"], "pending_payment");
    assert_eq!(order["paymentStatus"], "requires_action");
    assert!(order["payment"]["clientSecret"].as_str().unwrap().contains("_secret_"));
    assert_eq!(
        stock(&app, uuid(&variant["id"])).await,
        before - 1,
        "held while 3-D Secure runs"
    );
    assert_eq!(cart_items(&app, &token).await, 1, "the cart stays until paid");

    let reference = payment_reference(&app, &order).await;
    let succeeded = stripe_event(
        "evt_1",
        "payment_intent.succeeded",
        json!({"id": reference, "object": "payment_intent", "metadata": {"order_id": order["id"]}}),
    );
    // A wrong secret, a tampered body and a stale signature are all refused.
    let wrong = webhook_signature::sign(&succeeded, "whsec_other", Utc::now().timestamp());
    assert_problem(
        webhook(&app, &succeeded, &wrong).await,
        StatusCode::BAD_REQUEST,
        "invalid_signature",
    )
    .await;
    let mut tampered = succeeded.clone();
    tampered.extend_from_slice(b" ");
    assert_problem(
        webhook(&app, &tampered, &signed(&succeeded)).await,
        StatusCode::BAD_REQUEST,
        "invalid_signature",
    )
    .await;
    let stale = webhook_signature::sign(&succeeded, WEBHOOK_SECRET, Utc::now().timestamp() - 3600);
    assert_problem(
        webhook(&app, &succeeded, &stale).await,
        StatusCode::BAD_REQUEST,
        "invalid_signature",
    )
    .await;
    assert_problem(
        webhook(&app, &succeeded, "").await,
        StatusCode::BAD_REQUEST,
        "invalid_signature",
    )
    .await;

    let path = format!("/orders/{}", order["id"].as_str().unwrap());
    let resp = webhook(&app, &succeeded, &signed(&succeeded)).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let paid: Value = get(&app, &token, &path).await.json().await.unwrap();
    assert_eq!(paid["orderStatus"], "paid");
    assert!(
        paid["payment"].get("clientSecret").is_none(),
        "the secret goes once used"
    );
    assert_eq!(cart_items(&app, &token).await, 0);
    app.wait_for_email("secure@example.com", paid["number"].as_str().unwrap())
        .await;

    // A replay changes nothing; a failure arriving late does not undo the success.
    assert_eq!(
        webhook(&app, &succeeded, &signed(&succeeded)).await.status(),
        StatusCode::OK
    );
    let failed = stripe_event(
        "evt_0",
        "payment_intent.payment_failed",
        json!({"id": reference, "object": "payment_intent",
               "last_payment_error": {"code": "card_declined", "decline_code": "insufficient_funds"}}),
    );
    assert_eq!(webhook(&app, &failed, &signed(&failed)).await.status(), StatusCode::OK);
    let after: Value = get(&app, &token, &path).await.json().await.unwrap();
    assert_eq!(after["orderStatus"], "paid");
    assert_eq!(after["paymentStatus"], "succeeded");
    assert_eq!(after["timeline"].as_array().unwrap().len(), 2, "{after}");
    assert_eq!(stock(&app, uuid(&variant["id"])).await, before - 1);

    // A refund made at the provider moves the order to refunded.
    let refunded = stripe_event(
        "evt_2",
        "charge.refunded",
        json!({"id": "ch_1", "object": "charge", "payment_intent": reference}),
    );
    assert_eq!(
        webhook(&app, &refunded, &signed(&refunded)).await.status(),
        StatusCode::OK
    );
    let after: Value = get(&app, &token, &path).await.json().await.unwrap();
    assert_eq!(after["orderStatus"], "refunded");
    assert_eq!(after["paymentStatus"], "refunded");
}

#[tokio::test]
async fn a_refund_that_overtakes_its_success_cancels_and_stays_cancelled() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.payments.stripe.webhook_secret = beeget_api::config::Secret::new(WEBHOOK_SECRET);
    })
    .await
    .unwrap();
    let token = shopper(&app, "early@example.com").await;
    let (product, variant) = buyable(&app, 1).await;
    let before = stock(&app, uuid(&variant["id"])).await;
    add_to_cart(&app, &token, &product, &variant, 1).await;
    let order: Value = placed(&app, &token, "k", "pm_card_authenticationRequired").await;
    let reference = payment_reference(&app, &order).await;
    let refunded = stripe_event(
        "evt_r",
        "charge.refunded",
        json!({"id": "ch_9", "object": "charge", "payment_intent": reference}),
    );
    let succeeded = stripe_event("evt_s", "payment_intent.succeeded", json!({"id": reference}));
    assert_eq!(
        webhook(&app, &refunded, &signed(&refunded)).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        webhook(&app, &succeeded, &signed(&succeeded)).await.status(),
        StatusCode::OK
    );
    let after: Value = order_view(&app, &token, &order).await;
    assert_eq!(after["orderStatus"], "cancelled");
    assert_eq!(after["paymentStatus"], "refunded");
    assert_eq!(stock(&app, uuid(&variant["id"])).await, before, "the stock came back");
    assert_eq!(app.payments.refund_count(), 0, "nothing was refunded twice");
}

async fn no_oversell(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |_| {}).await else {
        return;
    };
    let (product, variant) = buyable(&app, 1).await;
    let variant_id = uuid(&variant["id"]);
    let tokens = join_all((0..50).map(|i| {
        let app = &app;
        async move { shopper(app, &format!("rush{i}@example.com")).await }
    }))
    .await;
    for token in &tokens {
        add_to_cart(&app, token, &product, &variant, 1).await;
    }
    set_stock(&app, variant_id, 10).await;
    let started = std::time::Instant::now();
    let statuses = join_all(tokens.iter().enumerate().map(|(i, token)| {
        let app = &app;
        async move {
            place(app, token, &format!("rush-{i}"), &checkout("pm_card_visa"))
                .await
                .status()
        }
    }))
    .await;
    eprintln!("50 concurrent orders on {backend:?}: {:?}", started.elapsed());
    let created = statuses.iter().filter(|s| **s == StatusCode::CREATED).count();
    let refused = statuses.iter().filter(|s| **s == StatusCode::CONFLICT).count();
    assert_eq!((created, refused), (10, 40), "{statuses:?}");
    assert_eq!(stock(&app, variant_id).await, 0);
    assert_eq!(app.payments.charge_count(), 10);
}

#[tokio::test]
async fn fifty_orders_for_ten_units_make_ten_orders_on_sqlite() {
    no_oversell(Backend::Sqlite).await;
}

#[tokio::test]
async fn fifty_orders_for_ten_units_make_ten_orders_on_postgres() {
    no_oversell(Backend::Postgres).await;
}

#[tokio::test]
async fn shoppers_reach_only_their_own_orders_and_never_set_status() {
    let app = TestApp::spawn().await;
    let owner = shopper(&app, "owner@example.com").await;
    let other = shopper(&app, "other@example.com").await;
    let (product, variant) = buyable(&app, 2).await;
    add_to_cart(&app, &owner, &product, &variant, 1).await;
    let order: Value = placed(&app, &owner, "mine", "pm_card_visa").await;
    let path = format!("/orders/{}", order["id"].as_str().unwrap());
    assert_problem(get(&app, &other, &path).await, StatusCode::NOT_FOUND, "not_found").await;
    // Nor can they ship to the owner's address book.
    let saved: Value = app
        .call(
            Method::POST,
            "/users/me/addresses",
            Some(&owner),
            Some(
                &json!({"label": "Home", "line1": "1 Main St", "city": "Springfield", "zip": "12345", "country": "US"}),
            ),
        )
        .await
        .json()
        .await
        .unwrap();
    add_to_cart(&app, &other, &product, &variant, 1).await;
    let resp = place(
        &app,
        &other,
        "borrowed",
        &json!({"shippingAddressId": saved["id"], "paymentMethod": "pm_card_visa"}),
    )
    .await;
    let problem = assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem_fields(&problem), ["shippingAddressId"]);
    let resp = app
        .call(Method::POST, &format!("{path}/cancel"), Some(&other), None)
        .await;
    assert_problem(resp, StatusCode::NOT_FOUND, "not_found").await;
    let list: Value = get(&app, &other, "/orders").await.json().await.unwrap();
    assert_eq!(list["total"], 0);
    for status_path in [format!("{path}/status"), format!("/admin{path}/status")] {
        let resp = set_status(&app, &owner, &status_path, json!({"status": "delivered"})).await;
        assert_problem(resp, StatusCode::FORBIDDEN, "forbidden").await;
    }
    assert_problem(
        get(&app, &owner, "/admin/orders").await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_problem(
        get(&app, &owner, "/orders/not-a-uuid").await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn the_shopper_cancels_a_paid_order_and_is_refunded() {
    let app = TestApp::spawn().await;
    let token = shopper(&app, "changed-mind@example.com").await;
    let (product, variant) = buyable(&app, 2).await;
    let before = stock(&app, uuid(&variant["id"])).await;
    add_to_cart(&app, &token, &product, &variant, 2).await;
    let order: Value = placed(&app, &token, "c", "pm_card_visa").await;
    let cancel = format!("/orders/{}/cancel", order["id"].as_str().unwrap());
    let resp = app.call(Method::POST, &cancel, Some(&token), None).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let cancelled: Value = resp.json().await.unwrap();
    assert_eq!(cancelled["orderStatus"], "cancelled");
    assert_eq!(cancelled["paymentStatus"], "refunded");
    assert_eq!(app.payments.refund_count(), 1);
    assert_eq!(stock(&app, uuid(&variant["id"])).await, before);
    let resp = app.call(Method::POST, &cancel, Some(&token), None).await;
    let problem = assert_problem(resp, StatusCode::CONFLICT, "invalid_transition").await;
    assert!(problem["detail"].as_str().unwrap().contains("final state"), "{problem}");
    assert_eq!(app.payments.refund_count(), 1);
}

#[tokio::test]
async fn staff_move_orders_along_with_tracking_history_and_emails() {
    let app = TestApp::spawn().await;
    let token = shopper(&app, "parcel@example.com").await;
    let boss = admin(&app, "staff@example.com").await;
    let (product, variant) = buyable(&app, 1).await;
    add_to_cart(&app, &token, &product, &variant, 1).await;
    let order: Value = placed(&app, &token, "p", "pm_card_visa").await;
    let id = order["id"].as_str().unwrap();
    let status_path = format!("/admin/orders/{id}/status");

    let resp = set_status(&app, &boss, &status_path, json!({"status": "delivered"})).await;
    let problem = assert_problem(resp, StatusCode::CONFLICT, "invalid_transition").await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .ends_with("allowed: processing, cancelled, refunded"),
        "{problem}"
    );
    let alias = format!("/orders/{id}/status");
    let resp = set_status(&app, &boss, &alias, json!({"status": "delivered"})).await;
    assert_problem(resp, StatusCode::CONFLICT, "invalid_transition").await;
    let resp = set_status(&app, &boss, &alias, json!({"status": "processing"})).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let resp = set_status(&app, &boss, &status_path, json!({"status": "shipped"})).await;
    let problem = assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem_fields(&problem), ["carrier", "trackingNumber"]);
    let resp = set_status(
        &app,
        &boss,
        &status_path,
        json!({"status": "shipped", "carrier": "UPS", "trackingNumber": "1Z999AA10123456784",
               "trackingUrl": "https://www.ups.com/track?tracknum=1Z999AA10123456784", "note": "left the warehouse"}),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let shipped: Value = resp.json().await.unwrap();
    assert_eq!(shipped["trackingNumber"], "1Z999AA10123456784");
    assert_eq!(shipped["customerEmail"], "parcel@example.com");
    let staff = app
        .repos
        .users
        .find_by_email("staff@example.com")
        .await
        .unwrap()
        .unwrap();
    let last = shipped["timeline"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["actorId"], staff.id.to_string());
    assert_eq!(last["note"], "left the warehouse");
    let mail = app.wait_for_email("parcel@example.com", "1Z999AA10123456784").await;
    assert!(mail.contains("UPS"), "{mail}");

    let resp = set_status(&app, &boss, &status_path, json!({"status": "delivered"})).await;
    assert_eq!(resp.status(), StatusCode::OK);
    app.wait_for_email("parcel@example.com", "delivered").await;

    // The shopper's view: the timeline with tracking, no staff ids.
    let mine: Value = get(&app, &token, &format!("/orders/{id}")).await.json().await.unwrap();
    let statuses: Vec<&str> = mine["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        ["pending_payment", "paid", "processing", "shipped", "delivered"]
    );
    assert_eq!(mine["carrier"], "UPS");
    assert!(!mine.to_string().contains(&staff.id.to_string()));

    // The admin list and its filters.
    let all: Value = get(&app, &boss, "/admin/orders").await.json().await.unwrap();
    assert_eq!(all["total"], 1);
    assert_eq!(all["items"][0]["customerEmail"], "parcel@example.com");
    for (query, expected) in [
        ("status=delivered", 1),
        ("status=paid", 0),
        ("email=PARCEL@example.com", 1),
        ("email=nobody@example.com", 0),
        ("minTotal=1", 1),
        ("minTotal=999999999", 0),
    ] {
        let page: Value = get(&app, &boss, &format!("/admin/orders?{query}"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(page["total"], expected, "{query}");
    }
    let from = (Utc::now() - Duration::hours(1)).to_rfc3339();
    let to = (Utc::now() + Duration::hours(1)).to_rfc3339();
    let range = |from: &str, to: &str| {
        format!(
            "/admin/orders?from={}&to={}",
            from.replace('+', "%2B"),
            to.replace('+', "%2B")
        )
    };
    let page: Value = get(&app, &boss, &range(&from, &to)).await.json().await.unwrap();
    assert_eq!(page["total"], 1);
    let resp = get(&app, &boss, &range(&to, &from)).await;
    assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let one: Value = get(&app, &boss, &format!("/admin/orders/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(one["orderStatus"], "delivered");
}

#[tokio::test]
async fn unpaid_orders_are_released_after_the_timeout() {
    let app = TestApp::spawn().await;
    let token = shopper(&app, "slow@example.com").await;
    let (product, variant) = buyable(&app, 1).await;
    let before = stock(&app, uuid(&variant["id"])).await;
    let slug = product["slug"].as_str().unwrap();
    let shown = product["inventoryCount"].as_i64().unwrap();
    add_to_cart(&app, &token, &product, &variant, 1).await;
    let order: Value = placed(&app, &token, "slow", "pm_card_authenticationRequired").await;
    assert_eq!(stock(&app, uuid(&variant["id"])).await, before - 1);
    assert_eq!(
        app.product(slug).await["inventoryCount"],
        shown - 1,
        "the storefront at once"
    );
    let timeout = app.config.payments.pending_timeout_minutes;
    let early = release_unpaid_orders(&app.repos, Utc::now(), timeout, 10)
        .await
        .unwrap();
    assert_eq!(early, 0, "not yet");
    let later = Utc::now() + Duration::minutes(i64::from(timeout) + 1);
    assert_eq!(release_unpaid_orders(&app.repos, later, timeout, 10).await.unwrap(), 1);
    let after: Value = order_view(&app, &token, &order).await;
    assert_eq!(after["orderStatus"], "cancelled");
    assert_eq!(stock(&app, uuid(&variant["id"])).await, before);
    // The release runs in a job (possibly another process): the index's follower shows it.
    crate::catalogue_freshness::shows_stock(&app, slug, shown).await;
    assert_eq!(release_unpaid_orders(&app.repos, later, timeout, 10).await.unwrap(), 0);
}

#[tokio::test]
async fn a_cart_that_became_an_order_is_cleaned_up_and_the_order_stays() {
    let app = TestApp::spawn().await;
    let token = signed_up(&app, "stale-buyer@example.com").await;
    let token = access(&token);
    let (product, variant) = buyable(&app, 1).await;
    add_to_cart(&app, token, &product, &variant, 1).await;
    let order: Value = placed(&app, token, "old", "pm_card_visa").await;
    let user = app
        .repos
        .users
        .find_by_email("stale-buyer@example.com")
        .await
        .unwrap()
        .unwrap();
    let cart = app.repos.carts.get_or_create(user.id).await.unwrap();
    app.repos
        .carts
        .touch(cart, Utc::now() - Duration::days(60))
        .await
        .unwrap();
    let deleted = beeget_api::services::carts::cleanup_abandoned_carts(&app.repos, Utc::now(), 30, 100)
        .await
        .unwrap();
    assert!(deleted >= 1);
    let mine: Value = order_view(&app, token, &order).await;
    assert_eq!(mine["orderStatus"], "paid");
    assert_eq!(cart_items(&app, token).await, 0);
}

#[tokio::test]
async fn the_webhook_is_not_held_back_by_the_per_ip_limit() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.payments.stripe.webhook_secret = beeget_api::config::Secret::new(WEBHOOK_SECRET);
        c.rate_limit.enabled = true;
        c.rate_limit.per_ip_per_minute = 2;
    })
    .await
    .unwrap();
    // Use up this address's allowance (limits count in one-minute windows).
    let mut limited = false;
    for _ in 0..6 {
        if app.get("/products").await.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = true;
            break;
        }
    }
    assert!(limited, "the per-IP limit is on");
    // More webhooks than the limit allows in any window still get through.
    for i in 0..5 {
        let event = stripe_event(&format!("evt_burst_{i}"), "customer.created", json!({"id": "cus_1"}));
        assert_eq!(webhook(&app, &event, &signed(&event)).await.status(), StatusCode::OK);
    }
}

#[tokio::test]
async fn the_release_job_cancels_an_order_left_unpaid() {
    use beeget_api::{
        jobs::{self, JobContext, JobRunner},
        repos::entities::orders,
    };
    let app = TestApp::spawn().await;
    let token = shopper(&app, "forgetful@example.com").await;
    let (product, variant) = buyable(&app, 1).await;
    let before = stock(&app, uuid(&variant["id"])).await;
    add_to_cart(&app, &token, &product, &variant, 1).await;
    let order: Value = placed(&app, &token, "gone", "pm_card_authenticationRequired").await;
    // Placed longer ago than the timeout.
    let timeout = i64::from(app.config.payments.pending_timeout_minutes);
    orders::Entity::update_many()
        .col_expr(
            orders::Column::CreatedAt,
            Expr::value(Utc::now() - Duration::minutes(timeout + 5)),
        )
        .filter(orders::Column::Id.eq(uuid(&order["id"])))
        .exec(&app.db)
        .await
        .unwrap();
    assert!(
        beeget_api::config::Config::default()
            .jobs
            .schedule
            .contains_key("releaseUnpaidOrders"),
        "it runs on a schedule by default"
    );
    let ctx = JobContext::from_config(app.config.clone(), app.repos.clone()).unwrap();
    JobRunner::new(jobs::builtin_registry(), ctx)
        .perform(jobs::payloadless_job("releaseUnpaidOrders", None))
        .await
        .unwrap();
    let after = order_view(&app, &token, &order).await;
    assert_eq!(after["orderStatus"], "cancelled");
    assert!(
        after["timeline"].as_array().unwrap().last().unwrap()["note"]
            .as_str()
            .unwrap()
            .contains("not paid within"),
        "{after}"
    );
    assert_eq!(stock(&app, uuid(&variant["id"])).await, before);
}

/// Six cancellations of one paid order at once, four by the shopper and two by staff with a
/// note, on fresh orders several times: exactly one wins (200), the others get what they would
/// get after it (409 `invalid_transition`); the stock comes back once, the money goes back once,
/// the history holds one cancellation, and a winning admin's note is in it.
#[tokio::test]
async fn racing_cancellations_have_one_winner_restock_and_refund_once() {
    let app = TestApp::spawn().await;
    let token = shopper(&app, "impatient@example.com").await;
    let boss = admin(&app, "racing-boss@example.com").await;
    let (product, variant) = buyable(&app, 10).await;
    let before = stock(&app, uuid(&variant["id"])).await;
    for round in 0..5 {
        add_to_cart(&app, &token, &product, &variant, 1).await;
        let order = placed(&app, &token, &format!("race-{round}"), "pm_card_visa").await;
        let id = order["id"].as_str().unwrap().to_owned();
        let cancel = format!("/orders/{id}/cancel");
        let status_path = format!("/admin/orders/{id}/status");
        let note = format!("staff cancel {round}");
        let shopper_cancels = (0..4).map(|_| app.call(Method::POST, &cancel, Some(&token), None));
        let staff_cancels =
            (0..2).map(|_| set_status(&app, &boss, &status_path, json!({"status": "cancelled", "note": note})));
        let (by_shopper, by_staff) = futures_util::join!(join_all(shopper_cancels), join_all(staff_cancels));
        let mut winners = 0;
        let mut staff_won = false;
        for (who, resp) in by_shopper
            .into_iter()
            .map(|r| ("shopper", r))
            .chain(by_staff.into_iter().map(|r| ("staff", r)))
        {
            match resp.status() {
                StatusCode::OK => {
                    winners += 1;
                    staff_won |= who == "staff";
                }
                _ => {
                    assert_problem(resp, StatusCode::CONFLICT, "invalid_transition").await;
                }
            }
        }
        assert_eq!(winners, 1, "round {round}: exactly one cancellation wins");
        let after = order_view(&app, &token, &order).await;
        assert_eq!(after["orderStatus"], "cancelled");
        assert_eq!(after["paymentStatus"], "refunded");
        assert_eq!(app.payments.refund_count(), round + 1, "one refund per order");
        assert_eq!(
            stock(&app, uuid(&variant["id"])).await,
            before,
            "round {round}: restocked exactly once"
        );
        let cancellations: Vec<&Value> = after["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["status"] == "cancelled")
            .collect();
        assert_eq!(cancellations.len(), 1, "round {round}: one history entry");
        if staff_won {
            assert_eq!(
                cancellations[0]["note"],
                note.as_str(),
                "the winning admin's note is kept"
            );
        }
    }
}

/// Six copies of one checkout (same key, same body) at once, several times: every copy gets
/// the one order (201) or, while the first is still being processed, 409
/// `idempotency_key_in_use` with `Retry-After`; never an error about the cart its twin
/// emptied. One order, one charge, the stock taken once.
#[tokio::test]
async fn six_copies_of_one_checkout_at_once_get_the_one_order() {
    let app = TestApp::spawn().await;
    let token = shopper(&app, "sextuple@example.com").await;
    let (product, variant) = buyable(&app, 10).await;
    let before = stock(&app, uuid(&variant["id"])).await;
    let body = checkout("pm_card_visa");
    for round in 0..5 {
        add_to_cart(&app, &token, &product, &variant, 1).await;
        let key = format!("six-at-once-{round}");
        let responses = join_all((0..6).map(|_| place(&app, &token, &key, &body))).await;
        let mut ids = std::collections::HashSet::new();
        for resp in responses {
            match resp.status() {
                StatusCode::CREATED => {
                    let order: Value = resp.json().await.unwrap();
                    assert_eq!(order["orderStatus"], "paid");
                    ids.insert(order["id"].as_str().unwrap().to_owned());
                }
                _ => {
                    let retry_after = resp
                        .headers()
                        .get("retry-after")
                        .map(|v| v.to_str().unwrap().to_owned());
                    assert_problem(resp, StatusCode::CONFLICT, "idempotency_key_in_use").await;
                    let secs: u64 = retry_after.expect("Retry-After").parse().unwrap();
                    assert!(secs >= 1);
                }
            }
        }
        assert!(ids.len() <= 1, "round {round}: one order, got {ids:?}");
        // Retrying as told gets the order.
        let again = place(&app, &token, &key, &body).await;
        assert_eq!(again.status(), StatusCode::CREATED);
        let order: Value = again.json().await.unwrap();
        if let Some(id) = ids.iter().next() {
            assert_eq!(order["id"].as_str().unwrap(), id);
        }
        assert_eq!(app.payments.charge_count(), round + 1, "one charge per checkout");
        assert_eq!(stock(&app, uuid(&variant["id"])).await, before - (round as i32 + 1));
    }
    let list: Value = get(&app, &token, "/orders").await.json().await.unwrap();
    assert_eq!(list["total"], 5);
}
