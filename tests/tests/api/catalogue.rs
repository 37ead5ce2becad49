//! The public catalogue, driven through HTTP against the seeded demo store.

use std::collections::HashSet;

use beeget_tests::{TestApp, assert_problem, problem_fields};
use reqwest::StatusCode;
use serde_json::Value;

fn slugs(items: &[Value]) -> Vec<String> {
    items.iter().map(|p| p["slug"].as_str().unwrap().to_owned()).collect()
}

/// What lists filter and sort on: the price after automatic promotions.
fn prices(items: &[Value]) -> Vec<i64> {
    items.iter().map(|p| p["calculatedPrice"].as_i64().unwrap()).collect()
}

#[tokio::test]
async fn product_list_uses_the_envelope_and_pages_through_everything() {
    let app = TestApp::spawn().await;
    let first = app.ok_json("/products").await;
    assert_eq!(first["page"], 1);
    assert_eq!(first["limit"], 20);
    let total = first["total"].as_u64().unwrap();
    assert!(total >= 150, "seeded catalogue has at least 150 products, got {total}");
    let item = &first["items"][0];
    for field in [
        "id",
        "title",
        "slug",
        "price",
        "effectivePrice",
        "calculatedPrice",
        "currency",
        "inStock",
    ] {
        assert!(!item[field].is_null(), "item lacks {field}: {item}");
    }
    assert!(item.get("salePrice").is_some() && item.get("image").is_some(), "{item}");
    assert_eq!(item["currency"], "USD");
    assert!(item["image"].as_str().unwrap().starts_with("/media/"), "{item}");

    let all = app.all_products("").await;
    assert_eq!(all.len() as u64, total);
    let unique: HashSet<_> = slugs(&all).into_iter().collect();
    assert_eq!(unique.len() as u64, total, "pages overlap or repeat");

    let page2 = app.ok_json("/products?page=2&limit=7").await;
    assert_eq!(page2["items"].as_array().unwrap().len(), 7);
    assert_eq!(slugs(page2["items"].as_array().unwrap()), slugs(&all[7..14]));
    let past_end = app.ok_json("/products?page=500&limit=100").await;
    assert_eq!(past_end["items"].as_array().unwrap().len(), 0);
    assert_eq!(past_end["total"].as_u64().unwrap(), total);
}

#[tokio::test]
async fn category_filter_includes_descendants_and_hides_inactive() {
    let app = TestApp::spawn().await;
    let dresses: HashSet<_> = slugs(&app.all_products("category=women-dresses").await)
        .into_iter()
        .collect();
    let clothing: HashSet<_> = slugs(&app.all_products("category=women-clothing").await)
        .into_iter()
        .collect();
    let women: HashSet<_> = slugs(&app.all_products("category=women").await).into_iter().collect();
    assert!(!dresses.is_empty());
    assert!(dresses.is_subset(&clothing) && clothing.len() > dresses.len());
    assert!(clothing.is_subset(&women) && women.len() > clothing.len());
    let men: HashSet<_> = slugs(&app.all_products("category=men").await).into_iter().collect();
    assert!(men.is_disjoint(&dresses));

    for slug in dresses.iter().take(5) {
        let product = app.product(slug).await;
        let cats: Vec<_> = product["categories"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["slug"].clone())
            .collect();
        assert!(cats.contains(&Value::from("women-dresses")), "{slug}: {cats:?}");
    }

    let resp = app.get("/products?category=no-such-category").await;
    let body = assert_problem(resp, StatusCode::NOT_FOUND, "not_found").await;
    assert!(body["detail"].as_str().unwrap().contains("category"));
    // An inactive category is invisible to shoppers.
    let resp = app.get("/products?category=women-swimwear").await;
    assert_problem(resp, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn collection_filter_and_nested_route_agree() {
    let app = TestApp::spawn().await;
    let linen: HashSet<_> = slugs(&app.all_products("collection=summer-linen").await)
        .into_iter()
        .collect();
    let women: HashSet<_> = slugs(&app.all_products("category=women").await).into_iter().collect();
    assert!(linen.len() >= 10);
    let both_expected: HashSet<_> = linen.intersection(&women).cloned().collect();
    assert!(!both_expected.is_empty());

    let nested = app
        .ok_json("/categories/women/collections/summer-linen/products?limit=100")
        .await;
    let nested_slugs: HashSet<_> = slugs(nested["items"].as_array().unwrap()).into_iter().collect();
    assert_eq!(nested_slugs, both_expected);
    assert_eq!(nested["total"].as_u64().unwrap() as usize, both_expected.len());

    let combined = app
        .ok_json("/products?category=women&collection=summer-linen&limit=100")
        .await;
    assert_eq!(combined["total"], nested["total"]);

    // The nested route takes the same filters.
    let cheap = app
        .ok_json("/categories/women/collections/summer-linen/products?maxPrice=6000&sort=price_asc")
        .await;
    let cheap_prices = prices(cheap["items"].as_array().unwrap());
    assert!(cheap_prices.iter().all(|p| *p <= 6000));
    assert!(cheap_prices.windows(2).all(|w| w[0] <= w[1]));

    let resp = app
        .get("/categories/women/collections/no-such-collection/products")
        .await;
    assert_problem(resp, StatusCode::NOT_FOUND, "not_found").await;
    let resp = app.get("/products?collection=holiday-2023").await;
    assert_problem(resp, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn price_filters_use_the_sale_price() {
    let app = TestApp::spawn().await;
    let all = app.all_products("").await;
    // A sale item no automatic promotion covers: it sells at its sale price.
    let on_sale = all
        .iter()
        .find(|p| p["salePrice"].as_i64().is_some() && p["calculatedPrice"] == p["salePrice"])
        .expect("the demo catalogue has sale items");
    let (price, sale) = (
        on_sale["price"].as_i64().unwrap(),
        on_sale["salePrice"].as_i64().unwrap(),
    );
    assert_eq!(on_sale["effectivePrice"].as_i64().unwrap(), sale);

    // Between sale and list price: the sale item is in, because it sells at its sale price.
    let window = app
        .all_products(&format!("minPrice={sale}&maxPrice={}", price - 1))
        .await;
    assert!(slugs(&window).contains(&on_sale["slug"].as_str().unwrap().to_owned()));
    assert!(prices(&window).iter().all(|p| (sale..price).contains(p)));
    let above = app.all_products(&format!("minPrice={}", sale + 1)).await;
    assert!(!slugs(&above).contains(&on_sale["slug"].as_str().unwrap().to_owned()));

    let expected = all
        .iter()
        .filter(|p| (3000..=8000).contains(&p["calculatedPrice"].as_i64().unwrap()))
        .count();
    let ranged = app.ok_json("/products?minPrice=3000&maxPrice=8000").await;
    assert_eq!(ranged["total"].as_u64().unwrap() as usize, expected);
}

#[tokio::test]
async fn sorting_orders_by_price_title_and_newest() {
    let app = TestApp::spawn().await;
    let asc = prices(&app.all_products("sort=price_asc").await);
    assert!(asc.windows(2).all(|w| w[0] <= w[1]), "price_asc not ascending");
    let desc = prices(&app.all_products("sort=price_desc").await);
    assert!(desc.windows(2).all(|w| w[0] >= w[1]), "price_desc not descending");
    let titles: Vec<String> = app
        .all_products("sort=title_asc")
        .await
        .iter()
        .map(|p| p["title"].as_str().unwrap().to_owned())
        .collect();
    assert!(titles.windows(2).all(|w| w[0] <= w[1]), "title_asc not sorted");

    // The seeds list their newest product first.
    let seeds: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(beeget_tests::seeds_dir().join("products.json")).unwrap())
            .unwrap();
    let newest = app.ok_json("/products?sort=newest&limit=3").await;
    let expected: Vec<String> = seeds[..3]
        .iter()
        .map(|p| p["slug"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(slugs(newest["items"].as_array().unwrap()), expected);
    // Without sort and without search, newest is the default.
    let default = app.ok_json("/products?limit=3").await;
    assert_eq!(default["items"], newest["items"]);
}

#[tokio::test]
async fn search_matches_title_description_and_tags_with_relevance() {
    let app = TestApp::spawn().await;
    let results = app.all_products("search=linen").await;
    assert!(!results.is_empty());
    for item in results.iter().take(10) {
        let product = app.product(item["slug"].as_str().unwrap()).await;
        let haystack = format!("{} {} {:?}", product["title"], product["description"], product["tags"]).to_lowercase();
        assert!(haystack.contains("linen"), "{} does not mention linen", item["slug"]);
    }
    // Relevance: a title match outranks products that only mention the word elsewhere.
    let first = &results[0];
    assert!(
        first["title"].as_str().unwrap().to_lowercase().contains("linen"),
        "{first}"
    );

    // Prefix matching and multiple words (all required).
    let prefix = app.ok_json("/products?search=lin").await;
    assert!(prefix["total"].as_u64().unwrap() >= results.len() as u64);
    let two_words = app.all_products("search=linen%20dress").await;
    assert!(!two_words.is_empty() && two_words.len() < results.len());

    // Query syntax from users is treated as plain words, never as an error.
    for tricky in [
        "%22linen",
        "linen%20OR%20*",
        "(dress)",
        "NEAR(a%20b)",
        "-linen",
        "%27%3B%20DROP",
    ] {
        let (status, body) = app.get_json(&format!("/products?search={tricky}")).await;
        assert_eq!(status, StatusCode::OK, "search={tricky}: {body}");
    }
    // Only wildcard-looking characters: refused, never read as "the whole catalogue".
    for symbols in ["%25", "_", "%25_%25", "***", "%20-%20"] {
        let problem = assert_problem(
            app.get(&format!("/products?search={symbols}")).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(problem_fields(&problem), ["search"], "search={symbols}");
    }
    let nothing = app.ok_json("/products?search=zzqxjv").await;
    assert_eq!(nothing["total"], 0);
    assert_eq!(nothing["items"], serde_json::json!([]));

    // Search combines with other filters and sorts.
    let cheap = app.all_products("search=linen&sort=price_asc&maxPrice=5000").await;
    let cheap_prices = prices(&cheap);
    assert!(cheap_prices.iter().all(|p| *p <= 5000));
    assert!(cheap_prices.windows(2).all(|w| w[0] <= w[1]));
}

#[tokio::test]
async fn tag_and_stock_filters() {
    let app = TestApp::spawn().await;
    let tagged = app.all_products("tag=LINEN").await;
    assert!(!tagged.is_empty());
    for item in tagged.iter().take(5) {
        let product = app.product(item["slug"].as_str().unwrap()).await;
        assert!(product["tags"].as_array().unwrap().contains(&Value::from("linen")));
    }

    let total = app.ok_json("/products").await["total"].as_u64().unwrap();
    let in_stock = app.all_products("inStock=true").await;
    let sold_out = app.all_products("inStock=false").await;
    assert!(in_stock.iter().all(|p| p["inStock"] == true));
    assert!(sold_out.iter().all(|p| p["inStock"] == false));
    assert!(!sold_out.is_empty());
    assert_eq!((in_stock.len() + sold_out.len()) as u64, total);
    let product = app.product(sold_out[0]["slug"].as_str().unwrap()).await;
    assert_eq!(product["inventoryCount"], 0);
}

#[tokio::test]
async fn product_page_has_variants_links_and_running_promotions() {
    let app = TestApp::spawn().await;
    let product = app.product("linen-wrap-midi-dress").await;
    let variants = product["variants"].as_array().unwrap();
    assert!(!variants.is_empty());
    let sum: i64 = variants.iter().map(|v| v["inventoryCount"].as_i64().unwrap()).sum();
    assert_eq!(product["inventoryCount"].as_i64().unwrap(), sum);
    assert_eq!(product["inStock"], sum > 0);
    for v in variants {
        for field in [
            "id",
            "sku",
            "size",
            "color",
            "price",
            "effectivePrice",
            "calculatedPrice",
            "inventoryCount",
            "inStock",
        ] {
            assert!(!v[field].is_null(), "variant lacks {field}: {v}");
        }
    }
    assert!(!product["images"].as_array().unwrap().is_empty());
    assert_eq!(product["currency"], "USD");
    assert!(product["createdAt"].as_str().is_some());
    let collections: Vec<_> = product["collections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["slug"].clone())
        .collect();
    assert!(collections.contains(&Value::from("summer-linen")));
    assert!(product["categories"][0]["name"].as_str().is_some());

    // Running promotions that apply: the summer-linen one and the site-wide one; never the
    // expired or future ones.
    let promos: Vec<_> = product["promotions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["slug"].clone())
        .collect();
    assert!(promos.contains(&Value::from("summer-linen-20")), "{promos:?}");
    assert!(promos.contains(&Value::from("welcome-10")), "{promos:?}");
    assert!(!promos.contains(&Value::from("spring-clearance")), "{promos:?}");
    assert!(!promos.contains(&Value::from("autumn-preview")), "{promos:?}");
    // A category-scoped promotion does not leak onto other categories.
    assert!(!promos.contains(&Value::from("knitwear-week")), "{promos:?}");

    let resp = app.get("/products/no-such-product").await;
    assert_problem(resp, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn variant_price_override_shows_on_the_variant() {
    let app = TestApp::spawn().await;
    let seeds: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(beeget_tests::seeds_dir().join("products.json")).unwrap())
            .unwrap();
    let (product, variant) = seeds
        .iter()
        .find_map(|p| {
            p["variants"]
                .as_array()
                .unwrap()
                .iter()
                .find(|v| !v["price"].is_null())
                .map(|v| (p, v))
        })
        .expect("the seeds have a variant with its own price");
    let page = app.product(product["slug"].as_str().unwrap()).await;
    let shown = page["variants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["sku"] == variant["sku"])
        .unwrap();
    assert_eq!(shown["price"], variant["price"]);
    assert_eq!(shown["effectivePrice"], variant["price"]);
}

#[tokio::test]
async fn category_tree_is_active_nested_and_ordered() {
    let app = TestApp::spawn().await;
    let tree = app.ok_json("/categories").await;
    let roots = tree.as_array().unwrap();
    assert!(roots.len() >= 3);
    fn depth(node: &Value) -> usize {
        1 + node["children"]
            .as_array()
            .unwrap()
            .iter()
            .map(depth)
            .max()
            .unwrap_or(0)
    }
    fn walk<'a>(node: &'a Value, out: &mut Vec<&'a Value>) {
        out.push(node);
        for child in node["children"].as_array().unwrap() {
            walk(child, out);
        }
    }
    assert!(roots.iter().map(depth).max().unwrap() >= 3);
    let mut all = Vec::new();
    for root in roots {
        walk(root, &mut all);
    }
    assert!(
        all.iter().all(|n| n["slug"] != "women-swimwear"),
        "inactive category shown"
    );
    for node in &all {
        let orders: Vec<i64> = node["children"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["order"].as_i64().unwrap())
            .collect();
        assert!(
            orders.windows(2).all(|w| w[0] <= w[1]),
            "children of {} out of order",
            node["slug"]
        );
    }
    let root_orders: Vec<i64> = roots.iter().map(|c| c["order"].as_i64().unwrap()).collect();
    assert!(root_orders.windows(2).all(|w| w[0] <= w[1]));
}

#[tokio::test]
async fn collections_are_active_and_ordered() {
    let app = TestApp::spawn().await;
    let collections = app.ok_json("/collections").await;
    let list = collections.as_array().unwrap();
    assert!(list.len() >= 6);
    assert!(
        list.iter().all(|c| c["slug"] != "holiday-2023"),
        "inactive collection shown"
    );
    let orders: Vec<i64> = list.iter().map(|c| c["order"].as_i64().unwrap()).collect();
    assert!(orders.windows(2).all(|w| w[0] <= w[1]));
}

#[tokio::test]
async fn promotions_lists_only_running_ones() {
    let app = TestApp::spawn().await;
    let promotions = app.ok_json("/promotions").await;
    let list = promotions.as_array().unwrap();
    let slugs: Vec<_> = list.iter().map(|p| p["slug"].as_str().unwrap()).collect();
    assert!(
        slugs.contains(&"summer-linen-20") && slugs.contains(&"welcome-10"),
        "{slugs:?}"
    );
    assert!(!slugs.contains(&"spring-clearance"), "expired promotion listed");
    assert!(!slugs.contains(&"autumn-preview"), "future promotion listed");
    let now = chrono::Utc::now();
    for p in list {
        let start: chrono::DateTime<chrono::Utc> = p["startDate"].as_str().unwrap().parse().unwrap();
        let end: chrono::DateTime<chrono::Utc> = p["endDate"].as_str().unwrap().parse().unwrap();
        assert!(start <= now && now < end, "{p}");
        assert!(["percent", "fixed"].contains(&p["discountType"].as_str().unwrap()));
        assert_eq!(p["currency"], "USD");
    }
}

#[tokio::test]
async fn cms_pages_are_served_and_drafts_are_not() {
    let app = TestApp::spawn().await;
    for slug in ["about", "shipping", "returns", "privacy", "faq"] {
        let page = app.ok_json(&format!("/cms/pages/{slug}")).await;
        assert_eq!(page["slug"], slug);
        assert!(!page["contentBlocks"].as_array().unwrap().is_empty());
    }
    let resp = app.get("/cms/pages/no-such-page").await;
    assert_problem(resp, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn the_catalogue_works_the_same_on_postgres() {
    let Some(app) = TestApp::spawn_with(beeget_tests::Backend::Postgres, |_| {}).await else {
        return;
    };
    let ready = app.ok_json("/readyz").await;
    assert_eq!(ready["database"], "postgres");
    let total = app.ok_json("/products").await["total"].as_u64().unwrap();
    assert!(total >= 150);

    let women: HashSet<_> = slugs(&app.all_products("category=women").await).into_iter().collect();
    let dresses: HashSet<_> = slugs(&app.all_products("category=women-dresses").await)
        .into_iter()
        .collect();
    assert!(!dresses.is_empty() && dresses.is_subset(&women));

    let linen = app.all_products("search=linen").await;
    assert!(!linen.is_empty());
    assert!(linen[0]["title"].as_str().unwrap().to_lowercase().contains("linen"));
    let in_stock = app.all_products("inStock=true").await;
    let sold_out = app.all_products("inStock=false").await;
    assert_eq!((in_stock.len() + sold_out.len()) as u64, total);
    let asc = prices(&app.all_products("sort=price_asc&minPrice=2000&maxPrice=9000").await);
    assert!(asc.windows(2).all(|w| w[0] <= w[1]) && asc.iter().all(|p| (2000..=9000).contains(p)));

    let product = app.product("linen-wrap-midi-dress").await;
    let promos: Vec<_> = product["promotions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["slug"].clone())
        .collect();
    assert!(promos.contains(&Value::from("summer-linen-20")), "{promos:?}");
    assert_eq!(app.ok_json("/categories").await.as_array().unwrap().len(), 3);
}
