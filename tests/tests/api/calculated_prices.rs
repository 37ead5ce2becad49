//! The price a shopper sees is the price they pay: list items and product pages carry
//! `calculatedPrice`, the effective price less the automatic (code-free) promotions running
//! now, equal to what the cart charges for one unit; `minPrice`/`maxPrice` and the price
//! sorts use it; and it changes the moment a promotion starts or ends.

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use beeget_api::{
    domain::{
        catalogue::{DiscountType, NewPromotion, PromotionScope},
        money::Money,
        pagination::PageRequest,
        product_query::ProductSort,
    },
    repos::ProductListQuery,
};
use beeget_tests::TestApp;
use chrono::Utc;
use reqwest::Method;
use serde_json::{Value, json};

use crate::auth::{access, signed_up};

/// The demo's automatic promotions: "Knitwear Week" takes 10.00 off every women's knit, and
/// a feature takes 5.00 off one dress. Coded ones (SUMMER20, WELCOME10) do not count.
fn demo_discount(slug: &str, knits: &[String]) -> i64 {
    if knits.iter().any(|k| k == slug) {
        1000
    } else if slug == "linen-wrap-midi-dress" {
        500
    } else {
        0
    }
}

fn minor(v: &Value) -> i64 {
    v.as_i64().unwrap_or_else(|| panic!("not a number: {v}"))
}

#[tokio::test]
async fn list_items_and_product_pages_carry_the_price_the_cart_charges() {
    let app = TestApp::spawn().await;
    let knits: Vec<String> = app
        .all_products("category=women-knitwear")
        .await
        .iter()
        .map(|p| p["slug"].as_str().unwrap().to_owned())
        .collect();
    assert!(knits.len() >= 3, "the demo has women's knitwear");

    let all = app.all_products("sort=price_asc").await;
    for item in &all {
        let slug = item["slug"].as_str().unwrap();
        let expected = (minor(&item["effectivePrice"]) - demo_discount(slug, &knits)).max(0);
        assert_eq!(minor(&item["calculatedPrice"]), expected, "{item}");
    }
    let calculated: Vec<i64> = all.iter().map(|p| minor(&p["calculatedPrice"])).collect();
    assert!(calculated.windows(2).all(|w| w[0] <= w[1]), "price_asc sorts on it");

    // The jumper: listed at its effective price, found at what it costs.
    let knit = all
        .iter()
        .find(|p| knits.contains(&p["slug"].as_str().unwrap().to_owned()))
        .unwrap();
    let (effective, price) = (minor(&knit["effectivePrice"]), minor(&knit["calculatedPrice"]));
    assert_eq!(price, effective - 1000);
    let slug = knit["slug"].as_str().unwrap();
    let under = app.all_products(&format!("maxPrice={price}")).await;
    assert!(under.iter().any(|p| p["slug"] == slug), "maxPrice={price} finds it");
    let above = app.all_products(&format!("minPrice={}", price + 1)).await;
    assert!(
        above.iter().all(|p| p["slug"] != slug),
        "minPrice above its price leaves it out"
    );

    // Its page says the same, per variant too, and the cart charges it.
    let page = app.product(slug).await;
    assert_eq!(minor(&page["calculatedPrice"]), price);
    for v in page["variants"].as_array().unwrap() {
        assert_eq!(minor(&v["calculatedPrice"]), minor(&v["effectivePrice"]) - 1000, "{v}");
    }
    let variant = page["variants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| minor(&v["inventoryCount"]) > 0)
        .unwrap();
    let token = access(&signed_up(&app, "knitter@example.com").await).to_owned();
    let body = json!({"productId": page["id"], "variantId": variant["id"], "qty": 1});
    let cart: Value = app
        .call(Method::POST, "/cart", Some(&token), Some(&body))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        minor(&cart["items"][0]["lineTotal"]),
        minor(&variant["calculatedPrice"]),
        "{cart}"
    );
}

/// An automatic promotion, sitewide, taking `percent` off from `start` to `end`.
fn sitewide(percent: i64, start: chrono::DateTime<Utc>, end: chrono::DateTime<Utc>) -> NewPromotion {
    NewPromotion {
        name: "Flash sale".into(),
        slug: "flash-sale".into(),
        description: None,
        image: None,
        active: true,
        position: 50,
        discount_type: DiscountType::Percent,
        discount_value: percent,
        start_date: start,
        end_date: end,
        code: None,
        scope: PromotionScope::All,
        stackable: false,
    }
}

/// With no follower running (so nothing re-prices in the background), the reads themselves
/// re-price at the promotion's start and end: the first read after each boundary already
/// shows the new prices, in the list, the price filter and the product page.
#[tokio::test]
async fn a_promotion_changes_list_prices_the_moment_it_starts_and_ends() {
    let app = TestApp::spawn().await;
    let start = Utc::now() + chrono::Duration::milliseconds(1_500);
    let end = start + chrono::Duration::milliseconds(1_500);
    app.repos.promotions.upsert(sitewide(50, start, end)).await.unwrap();

    let model = app.new_read_model();
    let following = tokio::spawn(model.clone().follow());
    let started = Instant::now();
    while !model.is_ready() {
        assert!(started.elapsed() < Duration::from_secs(60), "never ready");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    following.abort();

    let everything = ProductListQuery::unfiltered(ProductSort::Newest, PageRequest::new(None, Some(100)).unwrap());
    // Per product: (effective price, calculated price).
    let prices = || async {
        let page = model.list(&everything).await.unwrap();
        page.products
            .iter()
            .map(|p| {
                let priced = (p.product.effective_price().minor(), p.shelf.unit.minor());
                (p.product.slug.clone(), priced)
            })
            .collect::<HashMap<_, _>>()
    };
    let before = prices().await;
    assert!(Utc::now() < start, "the build took too long for this test's window");

    let wait_until = |moment: chrono::DateTime<Utc>| async move {
        let left = (moment - Utc::now()).to_std().unwrap_or_default();
        tokio::time::sleep(left + Duration::from_millis(20)).await;
    };
    wait_until(start).await;
    let during = prices().await;
    assert_eq!(during.len(), before.len());
    let mut uncovered = 0;
    for (slug, (effective, was)) in &before {
        let (_, now) = during[slug];
        if was == effective {
            // Half of what it cost, rounded half up to a minor unit.
            assert_eq!(
                now,
                effective - (effective * 50 + 50) / 100,
                "{slug} once the sale started"
            );
            uncovered += 1;
        } else {
            // Under a demo promotion already: the better of the two applies.
            assert!(now <= *was, "{slug} once the sale started");
        }
    }
    assert!(uncovered > 50);
    // The price filter sees the new price: the dearest product before the sale is found at
    // its sale price, and no longer at its old one.
    let (slug, (_, was)) = before.iter().max_by_key(|(_, (_, p))| *p).unwrap();
    let now = during[slug].1;
    assert!(now < *was);
    let money = |minor: i64| Money::from_minor("price", minor).unwrap();
    let slugs_of = |page: beeget_api::infra::catalogue_index::IndexPage| -> Vec<String> {
        page.products.iter().map(|p| p.product.slug.clone()).collect()
    };
    let at_most = ProductListQuery {
        min_price: Some(money(now)),
        max_price: Some(money(now)),
        ..ProductListQuery::unfiltered(ProductSort::PriceAsc, PageRequest::new(None, Some(100)).unwrap())
    };
    assert!(slugs_of(model.list(&at_most).await.unwrap()).contains(slug));
    let at_old_price = ProductListQuery {
        min_price: Some(money(*was)),
        max_price: Some(money(*was)),
        ..at_most
    };
    assert!(!slugs_of(model.list(&at_old_price).await.unwrap()).contains(slug));
    let page = model.find_by_slug(slug).await.unwrap().unwrap();
    assert_eq!(page.shelf.unit.minor(), now);

    wait_until(end).await;
    assert_eq!(prices().await, before, "back to the prices before, the moment it ended");
}
