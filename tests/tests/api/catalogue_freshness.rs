//! The catalogue is read from each instance's index, never stale: buying the last unit shows
//! as sold out on the next read of the same instance and, within the follower's bound, on a
//! second instance sharing the database; a restarted instance (a rebuilt index) answers
//! exactly as the running one; deep pages of every sort agree with the database.

use std::time::{Duration, Instant};

use beeget_api::{
    domain::{pagination::PageRequest, product_query::ProductSort},
    infra::readiness,
    repos::{ProductListQuery, RepoError},
    tasks::synthetic,
};
use beeget_tests::{Backend, TestApp};
use reqwest::StatusCode;
use serde_json::Value;

use crate::orders::{add_to_cart, placed, set_stock, shopper, uuid};

/// A product whose only stock is one unit of one variant: (product, that variant).
async fn one_left(app: &TestApp) -> (Value, Value) {
    let (product, variant) = crate::orders::buyable(app, 1).await;
    for v in product["variants"].as_array().unwrap() {
        set_stock(app, uuid(&v["id"]), if v["id"] == variant["id"] { 1 } else { 0 }).await;
    }
    let slug = product["slug"].as_str().unwrap();
    let shown = app.product(slug).await;
    assert_eq!(shown["inventoryCount"], 1, "the index shows the stock just set");
    (product, variant)
}

/// What `app` shows of `slug`: its page's stock, and whether the in-stock and sold-out lists
/// (searched by its title, so the lists are short) hold it.
async fn shown_stock(app: &TestApp, product: &Value) -> (i64, bool, bool) {
    let slug = product["slug"].as_str().unwrap();
    let page = app.product(slug).await;
    let title: String = product["title"]
        .as_str()
        .unwrap()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ')
        .collect();
    let listed = |body: Value| {
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|item| item["slug"] == slug)
    };
    let query = |in_stock: bool| {
        format!(
            "/products?search={}&inStock={in_stock}&limit=100",
            title.replace(' ', "+")
        )
    };
    let in_stock = listed(app.ok_json(&query(true)).await);
    let sold_out = listed(app.ok_json(&query(false)).await);
    (page["inventoryCount"].as_i64().unwrap(), in_stock, sold_out)
}

/// Waits until `app`'s page for `slug` shows `expected` units in all (its follower applies
/// other processes' writes within `catalogue.follow_interval_ms`); returns how long that took.
/// Fails after 5 s.
pub(crate) async fn shows_stock(app: &TestApp, slug: &str, expected: i64) -> Duration {
    let started = Instant::now();
    while app.product(slug).await["inventoryCount"] != expected {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{slug} never showed {expected} in stock"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    started.elapsed()
}

async fn buy(app: &TestApp, product: &Value, variant: &Value, who: &str) {
    let token = shopper(app, who).await;
    add_to_cart(app, &token, product, variant, 1).await;
    placed(app, &token, "last-unit", "pm_card_visa").await;
}

async fn the_last_unit_bought_is_sold_out_on_the_next_read(backend: Backend) {
    // The follower sleeps through the test: only the write's own refresh can show the sale.
    let Some(app) = TestApp::spawn_with(backend, |c| c.catalogue.follow_interval_ms = 600_000).await else {
        return;
    };
    let (product, variant) = one_left(&app).await;
    assert_eq!(shown_stock(&app, &product).await, (1, true, false));
    buy(&app, &product, &variant, "last@example.com").await;
    // The very next reads, with no wait: the page and both lists.
    assert_eq!(shown_stock(&app, &product).await, (0, false, true));
    let page = app.product(product["slug"].as_str().unwrap()).await;
    assert_eq!(page["inStock"], false);
    assert!(
        page["variants"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v["inStock"] == false)
    );
}

#[tokio::test]
async fn the_last_unit_bought_is_sold_out_on_the_next_read_on_sqlite() {
    the_last_unit_bought_is_sold_out_on_the_next_read(Backend::Sqlite).await;
}

#[tokio::test]
async fn the_last_unit_bought_is_sold_out_on_the_next_read_on_postgres() {
    the_last_unit_bought_is_sold_out_on_the_next_read(Backend::Postgres).await;
}

async fn a_second_instance_shows_the_sale_within_the_follow_interval(backend: Backend) {
    let Some(first) = TestApp::spawn_with(backend, |_| {}).await else {
        return;
    };
    let second = first.spawn_peer(|_| {}).await;
    let (product, variant) = one_left(&first).await;
    let slug = product["slug"].as_str().unwrap().to_owned();
    // The second instance follows the stock set above, then the sale.
    shows_stock(&second, &slug, 1).await;
    buy(&first, &product, &variant, "first@example.com").await;
    let delay = shows_stock(&second, &slug, 0).await;
    println!(
        "second instance showed the sale {} ms after it answered",
        delay.as_millis()
    );
    assert_eq!(shown_stock(&second, &product).await, (0, false, true));
    // And the other way round: a cancellation on the second returns the unit on the first.
    let token = shopper(&second, "second@example.com").await;
    set_stock(&second, uuid(&variant["id"]), 1).await;
    add_to_cart(&second, &token, &product, &variant, 1).await;
    let order = placed(&second, &token, "second-order", "pm_card_visa").await;
    let cancelled = second
        .call(
            reqwest::Method::POST,
            &format!("/orders/{}/cancel", order["id"].as_str().unwrap()),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(
        cancelled.status(),
        StatusCode::OK,
        "{}",
        cancelled.text().await.unwrap()
    );
    assert_eq!(
        second.product(&slug).await["inventoryCount"],
        1,
        "restocked on the next read"
    );
    shows_stock(&first, &slug, 1).await;
}

#[tokio::test]
async fn a_second_instance_shows_the_sale_within_the_follow_interval_on_sqlite() {
    a_second_instance_shows_the_sale_within_the_follow_interval(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_second_instance_shows_the_sale_within_the_follow_interval_on_postgres() {
    a_second_instance_shows_the_sale_within_the_follow_interval(Backend::Postgres).await;
}

const SORTS: [&str; 4] = ["newest", "price_asc", "price_desc", "title_asc"];

/// Deep pages and a restart, over a catalogue of about 1,000 products with tied prices.
#[tokio::test]
async fn deep_pages_agree_with_the_database_and_a_restarted_instance_answers_the_same() {
    let app = TestApp::spawn().await;
    // The SQL list prices no promotions: compare at effective prices.
    app.without_automatic_promotions().await;
    synthetic::load(&app.repos, 1_000, &["/media/tee.svg".to_owned()], false)
        .await
        .unwrap();
    app.catalogue_caught_up().await;
    let total = app.ok_json("/products?limit=1").await["total"].as_u64().unwrap();
    assert!(total >= 1_000, "{total}");

    for (name, sort) in SORTS.iter().zip([
        ProductSort::Newest,
        ProductSort::PriceAsc,
        ProductSort::PriceDesc,
        ProductSort::TitleAsc,
    ]) {
        // Page 500 of two: the same items as the database's SQL gives.
        let body = app.ok_json(&format!("/products?sort={name}&page=500&limit=2")).await;
        let served: Vec<String> = body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap().to_owned())
            .collect();
        let q = ProductListQuery::unfiltered(sort, PageRequest::new(Some(500), Some(2)).unwrap());
        let stored: Vec<String> = app
            .repos
            .products
            .list(&q)
            .await
            .unwrap()
            .items
            .iter()
            .map(|p| p.id.to_string())
            .collect();
        assert_eq!(served, stored, "page 500 sorted {name}");
        assert_eq!(served.len(), 2);
        // Every page of 100 walked: each product once, none missing.
        let mut seen: Vec<String> = app
            .all_products(&format!("sort={name}"))
            .await
            .iter()
            .map(|p| p["id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(seen.len() as u64, total, "{name}");
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len() as u64, total, "{name}: a product listed twice");
    }

    // A restarted instance builds its index from the database and answers identically.
    let urls: Vec<String> = SORTS
        .iter()
        .flat_map(|sort| [1, 7, 40].map(|page| format!("/products?sort={sort}&page={page}&limit=25")))
        .chain([
            "/products?search=dress".to_owned(),
            "/products?search=linen+shirt&sort=price_desc".to_owned(),
            "/products?inStock=false&limit=50".to_owned(),
            "/products?minPrice=2000&maxPrice=6000&sort=price_asc&page=3".to_owned(),
        ])
        .collect();
    let mut before = Vec::new();
    for url in &urls {
        before.push(app.ok_json(url).await);
    }
    let slugs: Vec<String> = before[0]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["slug"].as_str().unwrap().to_owned())
        .collect();
    for slug in &slugs {
        before.push(app.product(slug).await);
    }
    let restarted = app.spawn_peer(|_| {}).await;
    let mut after = Vec::new();
    for url in &urls {
        after.push(restarted.ok_json(url).await);
    }
    for slug in &slugs {
        after.push(restarted.product(slug).await);
    }
    for (i, (a, b)) in before.iter().zip(&after).enumerate() {
        assert_eq!(a, b, "answer {i} differs after the restart");
    }
}

#[tokio::test]
async fn until_its_index_is_built_an_instance_is_not_ready_and_reads_answer_503() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/readyz").await.status(), StatusCode::OK);
    // A fresh read model over the same database, as a starting instance has.
    let starting = app.new_read_model();
    assert!(!starting.is_ready());
    let q = ProductListQuery::unfiltered(ProductSort::Newest, PageRequest::default());
    assert!(matches!(starting.list(&q).await, Err(RepoError::Unavailable(_))));
    assert!(matches!(
        starting.find_by_slug("anything").await,
        Err(RepoError::Unavailable(_))
    ));
    let not_ready = readiness::check(
        app.repos.health.as_ref(),
        &beeget_api::jobs::JobQueue::connect(&app.config, &app.db).await.unwrap(),
        &Default::default(),
        starting.is_ready(),
        Duration::from_secs(1),
    )
    .await;
    assert_eq!(
        not_ready.iter().map(|n| n.part.as_str()).collect::<Vec<_>>(),
        ["catalogue"]
    );
    let following = tokio::spawn(starting.clone().follow());
    // Polled, not awaited: readiness must not depend on someone waiting for it.
    let started = Instant::now();
    while !starting.is_ready() {
        assert!(started.elapsed() < Duration::from_secs(60), "never ready");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    following.abort();
    let listed = starting.list(&q).await.unwrap();
    assert_eq!(
        listed.total,
        app.ok_json("/products?limit=1").await["total"].as_u64().unwrap()
    );
    assert_eq!(starting.applied_version().await, app.catalogue.applied_version().await);
}

/// A renamed category or collection shows on the product pages that link to it once the
/// index re-reads its reference lists (every `catalogue.reference_reload_ms`, or at once when
/// the writer asks, as here), without a product write.
#[tokio::test]
async fn a_renamed_category_or_collection_shows_on_its_products_pages() {
    use beeget_api::domain::catalogue::{NewCategory, NewCollection};

    let app = TestApp::spawn().await;
    let page = app.product("linen-wrap-midi-dress").await;
    let category_slug = page["categories"][0]["slug"].as_str().unwrap().to_owned();
    let collection_slug = page["collections"][0]["slug"].as_str().unwrap().to_owned();
    let category = app
        .repos
        .categories
        .list_all()
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.slug == category_slug)
        .unwrap();
    let collection = app
        .repos
        .collections
        .find_by_slug(&collection_slug)
        .await
        .unwrap()
        .unwrap();
    app.repos
        .categories
        .upsert(NewCategory {
            parent_id: category.parent_id,
            name: "Renamed Dresses".into(),
            slug: category.slug,
            description: category.description,
            image: category.image,
            active: category.active,
            position: category.position,
        })
        .await
        .unwrap();
    app.repos
        .collections
        .upsert(NewCollection {
            name: "Renamed Linen".into(),
            slug: collection.slug,
            description: collection.description,
            image: collection.image,
            active: collection.active,
            position: collection.position,
        })
        .await
        .unwrap();
    app.catalogue.reload_reference().await.unwrap();

    let page = app.product("linen-wrap-midi-dress").await;
    let names = |links: &Value| -> Vec<String> {
        links
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(
        names(&page["categories"]).contains(&"Renamed Dresses".to_owned()),
        "{page}"
    );
    assert!(
        names(&page["collections"]).contains(&"Renamed Linen".to_owned()),
        "{page}"
    );
    // Every other product in that collection too.
    for item in app.all_products(&format!("collection={collection_slug}")).await {
        let other = app.product(item["slug"].as_str().unwrap()).await;
        assert!(
            names(&other["collections"]).contains(&"Renamed Linen".to_owned()),
            "{other}"
        );
    }
}

/// A collection switched off and on again: a product read while it was off (the storage leaves
/// out inactive links) shows it again once it is back, without a product write.
#[tokio::test]
async fn a_collection_switched_back_on_shows_again_on_pages_read_while_it_was_off() {
    use beeget_api::domain::catalogue::NewCollection;

    let app = TestApp::spawn().await;
    let slug = "linen-wrap-midi-dress";
    let collections = |page: &Value| -> Vec<String> {
        page["collections"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["slug"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(collections(&app.product(slug).await).contains(&"summer-linen".to_owned()));
    let stored = app
        .repos
        .collections
        .find_by_slug("summer-linen")
        .await
        .unwrap()
        .unwrap();
    let switch = |active: bool| NewCollection {
        name: stored.name.clone(),
        slug: stored.slug.clone(),
        description: stored.description.clone(),
        image: stored.image.clone(),
        active,
        position: stored.position,
    };
    app.repos.collections.upsert(switch(false)).await.unwrap();
    app.catalogue.reload_reference().await.unwrap();
    // The product is written meanwhile: read again, without the switched-off link.
    let product = app.repos.products.find_by_slug(slug).await.unwrap().unwrap();
    app.repos.products.record_changes(&[product.id]).await.unwrap();
    app.catalogue_caught_up().await;
    assert!(!collections(&app.product(slug).await).contains(&"summer-linen".to_owned()));

    app.repos.collections.upsert(switch(true)).await.unwrap();
    app.catalogue.reload_reference().await.unwrap();
    assert!(collections(&app.product(slug).await).contains(&"summer-linen".to_owned()));
}
