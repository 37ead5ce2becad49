//! The cart over HTTP: lines, stock, quantities, promotion codes, flagged lines, totals, and
//! that one shopper never reaches another's cart.

use beeget_api::domain::catalogue::{DiscountType, NewPromotion, PromotionScope};
use beeget_tests::{TestApp, assert_problem, problem_fields};
use chrono::{Duration, Utc};
use reqwest::{Method, StatusCode};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::auth::{access, signed_up};

/// A product with at least two variants, one of which has `min_stock` or more units.
async fn product_with_variants(app: &TestApp, min_stock: i64) -> (Value, Value) {
    for summary in app.all_products("inStock=true").await {
        let product = app.product(summary["slug"].as_str().unwrap()).await;
        let variants = product["variants"].as_array().unwrap();
        if variants.len() < 2 {
            continue;
        }
        if let Some(v) = variants
            .iter()
            .find(|v| v["inventoryCount"].as_i64().unwrap() >= min_stock)
        {
            let v = v.clone();
            return (product, v);
        }
    }
    panic!("the demo catalogue has a product with several variants and stock");
}

/// An automatic promotion running from yesterday to tomorrow.
fn promotion(
    slug: &str,
    discount_type: DiscountType,
    value: i64,
    scope: PromotionScope,
    stackable: bool,
) -> NewPromotion {
    let now = Utc::now();
    NewPromotion {
        name: slug.into(),
        slug: slug.into(),
        description: None,
        image: None,
        active: true,
        position: 20,
        discount_type,
        discount_value: value,
        start_date: now - Duration::days(1),
        end_date: now + Duration::days(1),
        code: None,
        scope,
        stackable,
    }
}

async fn cart_call(app: &TestApp, token: &str, method: Method, path: &str, body: Option<Value>) -> reqwest::Response {
    app.call(method, path, Some(token), body.as_ref()).await
}

fn assert_totals_add_up(cart: &Value) {
    let items = cart["items"].as_array().unwrap();
    let mut subtotal = 0;
    let mut discount = 0;
    for item in items.iter().filter(|i| i.get("problem").is_none()) {
        let (unit, qty) = (item["unitPrice"].as_i64().unwrap(), item["qty"].as_i64().unwrap());
        let line_discount = item["discount"].as_i64().unwrap();
        assert!(line_discount >= 0 && line_discount <= unit * qty, "{item}");
        assert_eq!(
            item["lineTotal"].as_i64().unwrap(),
            unit * qty - line_discount,
            "{item}"
        );
        subtotal += unit * qty;
        discount += line_discount;
    }
    assert_eq!(cart["subtotal"].as_i64().unwrap(), subtotal, "{cart}");
    assert_eq!(cart["discountTotal"].as_i64().unwrap(), discount, "{cart}");
    let shipping = cart["shippingEstimate"].as_i64().unwrap();
    assert_eq!(
        cart["total"].as_i64().unwrap(),
        subtotal - discount + shipping,
        "{cart}"
    );
    assert_eq!(cart["currency"], "USD");
}

#[tokio::test]
async fn lines_quantities_stock_and_totals() {
    let app = TestApp::spawn().await;
    let token = access(&signed_up(&app, "cart@example.com").await).to_owned();
    let empty: Value = cart_call(&app, &token, Method::GET, "/cart", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (empty["items"].as_array().unwrap().len(), empty["total"].as_i64()),
        (0, Some(0))
    );

    let (product, variant) = product_with_variants(&app, 3).await;
    let stock = variant["inventoryCount"].as_i64().unwrap();
    let add = |variant_id: Option<&Value>, qty: i64| {
        let mut body = json!({"productId": product["id"], "qty": qty});
        if let Some(v) = variant_id {
            body["variantId"] = v.clone();
        }
        body
    };
    let resp = cart_call(&app, &token, Method::POST, "/cart", Some(add(None, 1))).await;
    let problem = assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem_fields(&problem), vec!["variantId".to_owned()]);
    for bad in [0, 100, -1] {
        let resp = cart_call(
            &app,
            &token,
            Method::POST,
            "/cart",
            Some(add(Some(&variant["id"]), bad)),
        )
        .await;
        let problem = assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(problem_fields(&problem), vec!["qty".to_owned()]);
    }
    let resp = cart_call(
        &app,
        &token,
        Method::POST,
        "/cart",
        Some(add(Some(&variant["id"]), stock + 1)),
    )
    .await;
    let problem = assert_problem(resp, StatusCode::CONFLICT, "insufficient_stock").await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains(&format!("only {stock} available")),
        "{problem}"
    );

    let resp = cart_call(&app, &token, Method::POST, "/cart", Some(add(Some(&variant["id"]), 1))).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let cart: Value = cart_call(&app, &token, Method::POST, "/cart", Some(add(Some(&variant["id"]), 2)))
        .await
        .json()
        .await
        .unwrap();
    let items = cart["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "adding the same variant adds to its line");
    let item = &items[0];
    assert_eq!(item["qty"], 3);
    assert_eq!(item["variant"]["sku"], variant["sku"]);
    assert_eq!(item["product"]["slug"], product["slug"]);
    assert_eq!(
        item["unitPrice"], variant["effectivePrice"],
        "the price the product page shows"
    );
    assert_totals_add_up(&cart);

    let path = format!("/cart/{}", item["id"].as_str().unwrap());
    let cart: Value = cart_call(&app, &token, Method::PATCH, &path, Some(json!({"qty": 1})))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cart["items"][0]["qty"], 1);
    let resp = cart_call(&app, &token, Method::PATCH, &path, Some(json!({"qty": stock + 1}))).await;
    assert_problem(resp, StatusCode::CONFLICT, "insufficient_stock").await;

    // Stock that runs out after the line was added flags the line instead of dropping it.
    app.db
        .execute_unprepared(&format!(
            "UPDATE product_variants SET inventory_count = 0 WHERE sku = '{}'",
            variant["sku"].as_str().unwrap()
        ))
        .await
        .unwrap();
    let cart: Value = cart_call(&app, &token, Method::GET, "/cart", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cart["items"][0]["problem"], "out_of_stock");
    assert_eq!(cart["total"], 0, "a line that cannot be bought is not in the totals");

    let cart: Value = cart_call(&app, &token, Method::DELETE, &path, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cart["items"].as_array().unwrap().len(), 0);
    let resp = cart_call(&app, &token, Method::DELETE, &path, None).await;
    assert_problem(resp, StatusCode::NOT_FOUND, "not_found").await;
    let resp = cart_call(
        &app,
        &token,
        Method::POST,
        "/cart",
        Some(json!({"productId": "nope", "qty": 1})),
    )
    .await;
    assert_problem(resp, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn promotion_codes_apply_or_say_why_not() {
    let app = TestApp::spawn().await;
    let now = Utc::now();
    let mut old = promotion("old-deal", DiscountType::Percent, 50, PromotionScope::All, false);
    old.start_date = now - Duration::days(30);
    old.end_date = now - Duration::days(1);
    old.code = Some("OLD50".into());
    app.repos.promotions.upsert(old).await.unwrap();
    let token = access(&signed_up(&app, "codes@example.com").await).to_owned();
    let (product, variant) = product_with_variants(&app, 2).await;
    let before: Value = cart_call(
        &app,
        &token,
        Method::POST,
        "/cart",
        Some(json!({"productId": product["id"], "variantId": variant["id"], "qty": 2})),
    )
    .await
    .json()
    .await
    .unwrap();

    for (code, why) in [
        ("NOPE", "not a known"),
        ("OLD50", "expired"),
        ("autumn15", "not valid yet"),
    ] {
        let resp = cart_call(
            &app,
            &token,
            Method::PUT,
            "/cart/promo-code",
            Some(json!({ "code": code })),
        )
        .await;
        let problem = assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(problem_fields(&problem), vec!["code".to_owned()]);
        assert!(
            problem["errors"][0]["message"].as_str().unwrap().contains(why),
            "{code}: {problem}"
        );
    }

    let with_code: Value = cart_call(
        &app,
        &token,
        Method::PUT,
        "/cart/promo-code",
        Some(json!({"code": " welcome10 "})),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(with_code["promoCode"], "WELCOME10");
    // The best single discount wins (the code's 10 % or whatever applied already), and
    // automatic stackable promotions add to it.
    let line = &with_code["items"][0];
    let unit = line["unitPrice"].as_i64().unwrap();
    let subtotal = unit * 2;
    let ten_percent = (subtotal * 10 + 50) / 100;
    let stacked: i64 = product["promotions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["stackable"] == true && p.get("code").is_none_or(Value::is_null))
        .map(|p| {
            let value = p["discountValue"].as_i64().unwrap();
            match p["discountType"].as_str().unwrap() {
                "fixed" => value.min(unit) * 2,
                _ => (subtotal * value + 50) / 100,
            }
        })
        .sum();
    let best_before = before["items"][0]["discount"].as_i64().unwrap() - stacked;
    let expected = (ten_percent.max(best_before) + stacked).min(subtotal);
    assert_eq!(line["discount"].as_i64().unwrap(), expected, "{with_code}");
    assert_totals_add_up(&with_code);

    let without: Value = cart_call(&app, &token, Method::DELETE, "/cart/promo-code", None)
        .await
        .json()
        .await
        .unwrap();
    assert!(without.get("promoCode").is_none());
    assert_eq!(without["discountTotal"], before["discountTotal"]);
}

#[tokio::test]
async fn another_shoppers_cart_line_is_not_found() {
    let app = TestApp::spawn().await;
    let alice = access(&signed_up(&app, "alice@example.com").await).to_owned();
    let bob = access(&signed_up(&app, "bob@example.com").await).to_owned();
    let (product, variant) = product_with_variants(&app, 1).await;
    let cart: Value = cart_call(
        &app,
        &alice,
        Method::POST,
        "/cart",
        Some(json!({"productId": product["id"], "variantId": variant["id"], "qty": 1})),
    )
    .await
    .json()
    .await
    .unwrap();
    let path = format!("/cart/{}", cart["items"][0]["id"].as_str().unwrap());
    let resp = cart_call(&app, &bob, Method::PATCH, &path, Some(json!({"qty": 1}))).await;
    assert_problem(resp, StatusCode::NOT_FOUND, "not_found").await;
    let resp = cart_call(&app, &bob, Method::DELETE, &path, None).await;
    assert_problem(resp, StatusCode::NOT_FOUND, "not_found").await;
    let resp = app.get("/cart").await;
    assert_problem(resp, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    let hers: Value = cart_call(&app, &alice, Method::GET, "/cart", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(hers["items"].as_array().unwrap().len(), 1, "untouched");
}

#[tokio::test]
async fn abandoned_carts_are_cleaned_up_with_their_lines() {
    use beeget_api::jobs::{self, JobContext, JobRunner};
    let app = TestApp::spawn().await;
    let stale = access(&signed_up(&app, "stale@example.com").await).to_owned();
    let fresh = access(&signed_up(&app, "fresh@example.com").await).to_owned();
    let (product, variant) = product_with_variants(&app, 2).await;
    for token in [&stale, &fresh] {
        let resp = cart_call(
            &app,
            token,
            Method::POST,
            "/cart",
            Some(json!({"productId": product["id"], "variantId": variant["id"], "qty": 1})),
        )
        .await;
        assert_eq!(resp.status(), StatusCode::OK);
    }
    let stale_user = app
        .repos
        .users
        .find_by_email("stale@example.com")
        .await
        .unwrap()
        .unwrap();
    let cart = app.repos.carts.get_or_create(stale_user.id).await.unwrap();
    app.repos
        .carts
        .touch(cart, Utc::now() - Duration::days(31))
        .await
        .unwrap();

    let ctx = JobContext::from_config(app.config.clone(), app.repos.clone()).unwrap();
    let runner = JobRunner::new(jobs::builtin_registry(), ctx);
    runner
        .perform(jobs::payloadless_job("cleanupAbandonedCarts", None))
        .await
        .unwrap();

    assert_eq!(app.repos.carts.count().await.unwrap(), 1, "only the fresh cart is left");
    let gone: Value = cart_call(&app, &stale, Method::GET, "/cart", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(gone["items"].as_array().unwrap().len(), 0, "its lines went with it");
    let kept: Value = cart_call(&app, &fresh, Method::GET, "/cart", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(kept["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn product_promotions_stack_on_the_best_single_one() {
    let app = TestApp::spawn().await;
    // Straight from storage: a page read now would be cached without the promotions below.
    let stored = app
        .repos
        .products
        .find_by_slug("linen-wrap-midi-dress")
        .await
        .unwrap()
        .unwrap();
    let product_id = stored.id;
    for (slug, discount_type, value, stackable) in [
        ("only-this-40", DiscountType::Percent, 40, false),
        ("only-this-plus-5", DiscountType::Percent, 5, true),
        ("only-this-minus-3", DiscountType::Fixed, 300, true),
    ] {
        app.repos
            .promotions
            .upsert(promotion(
                slug,
                discount_type,
                value,
                PromotionScope::Product(product_id),
                stackable,
            ))
            .await
            .unwrap();
    }
    let page = app.product(&stored.slug).await;
    let product = page.clone();
    let variant = page["variants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["inventoryCount"].as_i64().unwrap() >= 2)
        .unwrap()
        .clone();
    let ours: Vec<&Value> = page["promotions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["slug"].as_str().unwrap().starts_with("only-this"))
        .collect();
    assert_eq!(ours.len(), 3, "{page}");
    for p in &ours {
        assert_eq!(p["scope"]["kind"], "product");
        assert_eq!(p["scope"]["productId"], product["id"]);
        assert_eq!(p["stackable"], p["slug"] != "only-this-40");
    }
    let other = app
        .all_products("")
        .await
        .into_iter()
        .find(|p| p["id"] != product["id"])
        .unwrap();
    let other = app.product(other["slug"].as_str().unwrap()).await;
    assert!(!other["promotions"].to_string().contains("only-this"), "{other}");

    let token = access(&signed_up(&app, "stacker@example.com").await).to_owned();
    let cart: Value = cart_call(
        &app,
        &token,
        Method::POST,
        "/cart",
        Some(json!({"productId": product["id"], "variantId": variant["id"], "qty": 2})),
    )
    .await
    .json()
    .await
    .unwrap();
    let line = &cart["items"][0];
    let unit = line["unitPrice"].as_i64().unwrap();
    let subtotal = unit * 2;
    // The oracle: best automatic non-stackable offer, plus every automatic stackable one.
    let amount = |p: &Value| {
        let value = p["discountValue"].as_i64().unwrap();
        match p["discountType"].as_str().unwrap() {
            "fixed" => value.min(unit) * 2,
            _ => (subtotal * value + 50) / 100,
        }
    };
    let automatic: Vec<&Value> = page["promotions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p.get("code").is_none_or(Value::is_null))
        .collect();
    let best = automatic
        .iter()
        .filter(|p| p["stackable"] == false)
        .map(|p| amount(p))
        .max()
        .unwrap_or(0);
    let stacked: i64 = automatic
        .iter()
        .filter(|p| p["stackable"] == true)
        .map(|p| amount(p))
        .sum();
    assert!(best >= (subtotal * 40 + 50) / 100);
    assert!(stacked >= (subtotal * 5 + 50) / 100 + 300.min(unit) * 2);
    assert_eq!(
        line["discount"].as_i64().unwrap(),
        (best + stacked).min(subtotal),
        "{cart}"
    );
    assert_totals_add_up(&cart);
}

#[tokio::test]
async fn shipping_and_the_sale_price_rule_follow_the_config() {
    let app = TestApp::spawn_with(beeget_tests::Backend::Sqlite, |c| {
        c.pricing.promotions_apply_to = beeget_api::config::PromotionsApplyTo::FullPriceOnly;
        c.shipping.flat_rate = 500;
        c.shipping.free_over = 10_000;
    })
    .await
    .unwrap();
    let products = app.all_products("inStock=true").await;
    // An item on sale, and a full-price one with stock enough to pass the free-shipping line.
    let sale = products
        .iter()
        .find(|p| !p["salePrice"].is_null())
        .expect("a product on sale");
    let sale = app.product(sale["slug"].as_str().unwrap()).await;
    let sale_variant = sale["variants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["effectivePrice"] == sale["salePrice"] && v["inventoryCount"].as_i64().unwrap() > 0)
        .expect("a variant at the sale price")
        .clone();
    let mut full = None;
    for p in products.iter().filter(|p| p["salePrice"].is_null()) {
        let page = app.product(p["slug"].as_str().unwrap()).await;
        if let Some(v) = page["variants"].as_array().unwrap().iter().find(|v| {
            let (price, stock) = (
                v["effectivePrice"].as_i64().unwrap(),
                v["inventoryCount"].as_i64().unwrap(),
            );
            price < 10_000 && price * stock.min(99) >= 12_000
        }) {
            full = Some((page.clone(), v.clone()));
            break;
        }
    }
    let (full, full_variant) = full.expect("a full-price variant with stock");
    let token = access(&signed_up(&app, "rules@example.com").await).to_owned();
    let resp = cart_call(
        &app,
        &token,
        Method::PUT,
        "/cart/promo-code",
        Some(json!({"code": "WELCOME10"})),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    for (p, v) in [(&sale, &sale_variant), (&full, &full_variant)] {
        let resp = cart_call(
            &app,
            &token,
            Method::POST,
            "/cart",
            Some(json!({"productId": p["id"], "variantId": v["id"], "qty": 1})),
        )
        .await;
        assert_eq!(resp.status(), StatusCode::OK);
    }
    let cart: Value = cart_call(&app, &token, Method::GET, "/cart", None)
        .await
        .json()
        .await
        .unwrap();
    let line = |v: &Value| {
        cart["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["variant"]["id"] == v["id"])
            .unwrap()
            .clone()
    };
    assert_eq!(line(&sale_variant)["unitPrice"], sale["salePrice"]);
    assert_eq!(
        line(&sale_variant)["discount"],
        0,
        "items on sale get no promotion on top"
    );
    assert!(
        line(&full_variant)["discount"].as_i64().unwrap() > 0,
        "full-price items do: {cart}"
    );
    assert_totals_add_up(&cart);
    let goods = cart["subtotal"].as_i64().unwrap() - cart["discountTotal"].as_i64().unwrap();
    assert_eq!(
        cart["shippingEstimate"],
        if goods >= 10_000 { 0 } else { 500 },
        "{cart}"
    );

    // Enough units to pass the threshold even after the code's 10 %: shipping becomes free.
    let qty = full_variant["inventoryCount"].as_i64().unwrap().min(99);
    let id = line(&full_variant)["id"].as_str().unwrap().to_owned();
    let cart: Value = cart_call(
        &app,
        &token,
        Method::PATCH,
        &format!("/cart/{id}"),
        Some(json!({"qty": qty})),
    )
    .await
    .json()
    .await
    .unwrap();
    let goods = cart["subtotal"].as_i64().unwrap() - cart["discountTotal"].as_i64().unwrap();
    assert!(goods >= 10_000, "{cart}");
    assert_eq!(cart["shippingEstimate"], 0);
    assert_totals_add_up(&cart);
}
