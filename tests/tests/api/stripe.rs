//! The Stripe provider against localstripe (a stateful fake of Stripe's API), and against a
//! wiremock stand-in where localstripe does not look: the request's idempotency key, its
//! return URL and the mapping of Stripe's errors.

use beeget_api::config::{PaymentProviderKind, Secret};
use beeget_tests::{Backend, LocalStripe, TestApp, assert_problem, problem_fields};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{body_string_contains, header, method, path},
};

use crate::orders::{
    WEBHOOK_SECRET, add_to_cart, buyable, cart_items, checkout, order_view, payment_reference, place, placed, shopper,
    signed, stock, stripe_event, uuid, webhook,
};

async fn stripe_app(api_base: &str, adjust: impl FnOnce(&mut beeget_api::config::Config)) -> TestApp {
    let base = api_base.to_owned();
    TestApp::spawn_with(Backend::Sqlite, move |c| {
        c.payments.provider = PaymentProviderKind::Stripe;
        c.payments.stripe.api_base = base;
        c.payments.stripe.secret_key = Secret::new("sk_test_beeget");
        c.payments.stripe.webhook_secret = Secret::new(WEBHOOK_SECRET);
        adjust(c);
    })
    .await
    .unwrap()
}

/// GET a Stripe object straight from localstripe.
async fn stripe_get(stripe: &LocalStripe, path: &str) -> Value {
    reqwest::Client::new()
        .get(format!("{}{path}", stripe.url))
        .basic_auth("sk_test_beeget", Some(""))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn checkout_through_stripe_charges_declines_and_refunds() {
    let Some(stripe) = LocalStripe::start() else { return };
    let app = stripe_app(&stripe.url, |_| {}).await;
    let token = shopper(&app, "stripe@example.com").await;
    let (product, variant) = buyable(&app, 3).await;
    let before = stock(&app, uuid(&variant["id"])).await;

    add_to_cart(&app, &token, &product, &variant, 1).await;
    let resp = place(&app, &token, "s-1", &checkout("pm_card_visa")).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let order: Value = resp.json().await.unwrap();
    assert_eq!(order["orderStatus"], "paid");
    assert_eq!(order["payment"]["provider"], "stripe");
    let reference = payment_reference(&app, &order).await;
    assert!(reference.starts_with("pi_"), "{reference}");
    let intent = stripe_get(&stripe, &format!("/v1/payment_intents/{reference}")).await;
    assert_eq!(intent["amount"], order["totalAmount"]);
    assert_eq!(intent["currency"], "usd");
    assert_eq!(intent["metadata"]["order_id"], order["id"]);
    assert_eq!(intent["status"], "succeeded");

    // Declined at the bank: 402, stock back, cart kept.
    add_to_cart(&app, &token, &product, &variant, 1).await;
    let resp = place(&app, &token, "s-2", &checkout("pm_card_chargeCustomerFail")).await;
    let problem = assert_problem(resp, StatusCode::PAYMENT_REQUIRED, "payment_declined").await;
    assert!(
        problem["detail"].as_str().unwrap().contains("card_declined"),
        "{problem}"
    );
    assert_eq!(stock(&app, uuid(&variant["id"])).await, before - 1);
    assert_eq!(cart_items(&app, &token).await, 1);

    // A payment method Stripe does not know is the shopper's input to fix.
    let resp = place(&app, &token, "s-3", &checkout("pm_does_not_exist")).await;
    let problem = assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem_fields(&problem), ["paymentMethod"]);

    // Cancelling the paid order refunds it at Stripe.
    let cancel = format!("/orders/{}/cancel", order["id"].as_str().unwrap());
    let resp = app.call(Method::POST, &cancel, Some(&token), None).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let cancelled: Value = resp.json().await.unwrap();
    assert_eq!(cancelled["paymentStatus"], "refunded");
    let charge = stripe_get(&stripe, &format!("/v1/payment_intents/{reference}")).await["latest_charge"].clone();
    let charge = match charge {
        Value::String(id) => stripe_get(&stripe, &format!("/v1/charges/{id}")).await,
        object => object,
    };
    assert_eq!(charge["refunded"], true, "{charge}");
    assert_eq!(stock(&app, uuid(&variant["id"])).await, before);
}

#[tokio::test]
async fn three_d_secure_through_stripe_completes_by_webhook() {
    let Some(stripe) = LocalStripe::start() else { return };
    let app = stripe_app(&stripe.url, |_| {}).await;
    let token = shopper(&app, "3ds@example.com").await;
    let (product, variant) = buyable(&app, 1).await;
    add_to_cart(&app, &token, &product, &variant, 1).await;
    // A card that always asks for 3-D Secure, made as the storefront's Stripe.js would.
    let method: Value = reqwest::Client::new()
        .post(format!("{}/v1/payment_methods", stripe.url))
        .basic_auth("sk_test_beeget", Some(""))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("type=card&card[number]=4000002500003155&card[exp_month]=12&card[exp_year]=2034&card[cvc]=123")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let resp = place(&app, &token, "3ds", &checkout(method["id"].as_str().unwrap())).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let order: Value = resp.json().await.unwrap();
    assert_eq!(order["orderStatus"], "pending_payment");
    assert_eq!(order["paymentStatus"], "requires_action");
    let secret = order["payment"]["clientSecret"].as_str().unwrap();
    let reference = secret.split("_secret_").next().unwrap().to_owned();
    let intent = stripe_get(&stripe, &format!("/v1/payment_intents/{reference}")).await;
    assert_eq!(intent["status"], "requires_action");
    assert_eq!(intent["client_secret"], secret);

    // Stripe reports the finished authentication by webhook.
    let event = stripe_event(
        "evt_3ds_ok",
        "payment_intent.succeeded",
        json!({"id": reference, "object": "payment_intent", "metadata": {"order_id": order["id"]}}),
    );
    assert_eq!(webhook(&app, &event, &signed(&event)).await.status(), StatusCode::OK);
    let paid: Value = order_view(&app, &token, &order).await;
    assert_eq!(paid["orderStatus"], "paid");
    assert_eq!(cart_items(&app, &token).await, 0);
}

#[tokio::test]
async fn the_request_carries_the_idempotency_key_metadata_and_return_url() {
    let server = MockServer::start().await;
    let app = stripe_app(&server.uri(), |c| {
        c.payments.stripe.return_url = "https://shop.example.com/checkout/done".into();
    })
    .await;
    let token = shopper(&app, "wire@example.com").await;
    let (product, variant) = buyable(&app, 1).await;
    add_to_cart(&app, &token, &product, &variant, 1).await;
    Mock::given(method("POST"))
        .and(path("/v1/payment_intents"))
        .and(header("authorization", "Bearer sk_test_beeget"))
        .and(body_string_contains("confirm=true"))
        .and(body_string_contains("payment_method=pm_card_visa"))
        .and(body_string_contains("currency=usd"))
        .and(body_string_contains(
            "return_url=https://shop.example.com/checkout/done",
        ))
        .and(body_string_contains("metadata[order_id]="))
        .respond_with(ResponseTemplate::new(402).set_body_json(json!({
            "error": {"type": "card_error", "code": "card_declined", "decline_code": "insufficient_funds",
                      "message": "Your card has insufficient funds."}
        })))
        .expect(1)
        .mount(&server)
        .await;
    let resp = place(&app, &token, "wired", &checkout("pm_card_visa")).await;
    let problem = assert_problem(resp, StatusCode::PAYMENT_REQUIRED, "payment_declined").await;
    assert_eq!(problem["errors"][0]["message"], "insufficient_funds");
    let requests = server.received_requests().await.unwrap();
    let key = requests[0].headers.get("idempotency-key").unwrap().to_str().unwrap();
    let order = app
        .repos
        .orders
        .find_by_idempotency_key(
            app.repos
                .users
                .find_by_email("wire@example.com")
                .await
                .unwrap()
                .unwrap()
                .id,
            "wired",
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(key, format!("order:{}", order.id), "the order's key travels to Stripe");
    let body = String::from_utf8_lossy(&requests[0].body).into_owned();
    assert!(body.contains(&format!("metadata[order_id]={}", order.id)), "{body}");
    assert!(body.contains(&format!("amount={}", order.totals.total)), "{body}");

    // Stripe down: 503, the stock still held for a retry with the same key.
    server.reset().await;
    Mock::given(method("POST"))
        .and(path("/v1/payment_intents"))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({"error": {"type": "api_error"}})))
        .mount(&server)
        .await;
    let resp = place(&app, &token, "outage", &checkout("pm_card_visa")).await;
    assert_problem(resp, StatusCode::SERVICE_UNAVAILABLE, "unavailable").await;
}

#[tokio::test]
async fn a_refund_that_fails_is_made_when_the_cancel_is_repeated() {
    let server = MockServer::start().await;
    let app = stripe_app(&server.uri(), |_| {}).await;
    let token = shopper(&app, "retry@example.com").await;
    let (product, variant) = buyable(&app, 1).await;
    let before = stock(&app, uuid(&variant["id"])).await;
    add_to_cart(&app, &token, &product, &variant, 1).await;
    Mock::given(method("POST"))
        .and(path("/v1/payment_intents"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"id": "pi_wired", "object": "payment_intent", "status": "succeeded"})),
        )
        .mount(&server)
        .await;
    let order: Value = placed(&app, &token, "r", "pm_card_visa").await;
    assert_eq!(order["orderStatus"], "paid");
    let cancel = format!("/orders/{}/cancel", order["id"].as_str().unwrap());

    Mock::given(method("POST"))
        .and(path("/v1/refunds"))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({"error": {"type": "api_error"}})))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    let resp = app.call(Method::POST, &cancel, Some(&token), None).await;
    assert_problem(resp, StatusCode::SERVICE_UNAVAILABLE, "unavailable").await;
    let after: Value = order_view(&app, &token, &order).await;
    assert_eq!(after["orderStatus"], "cancelled", "the cancellation stands");
    assert_eq!(after["paymentStatus"], "refund_failed", "the money is still to go back");
    assert_eq!(stock(&app, uuid(&variant["id"])).await, before);

    Mock::given(method("POST"))
        .and(path("/v1/refunds"))
        .and(body_string_contains("payment_intent=pi_wired"))
        .and(header(
            "idempotency-key",
            format!("refund:{}", order["id"].as_str().unwrap()).as_str(),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "re_1", "object": "refund"})))
        .expect(1)
        .mount(&server)
        .await;
    let resp = app.call(Method::POST, &cancel, Some(&token), None).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let done: Value = resp.json().await.unwrap();
    assert_eq!(done["paymentStatus"], "refunded");
    assert_eq!(stock(&app, uuid(&variant["id"])).await, before, "restocked once only");
    let resp = app.call(Method::POST, &cancel, Some(&token), None).await;
    assert_problem(resp, StatusCode::CONFLICT, "invalid_transition").await;
}
