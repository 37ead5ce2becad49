//! Facet counts and the size and colour filters on `GET /products`, through HTTP against the
//! seeded demo store: every count is what choosing that value would list, and a size with a
//! colour means one variant with both.

use std::collections::{BTreeMap, BTreeSet};

use beeget_tests::TestApp;
use serde_json::Value;

const ALL_FACETS: &str = "facets=category,collection,size,color,price";

fn values(facet: &Value) -> Vec<(String, u64)> {
    facet
        .as_array()
        .unwrap_or_else(|| panic!("facet values: {facet}"))
        .iter()
        .map(|v| (v["value"].as_str().unwrap().to_owned(), v["count"].as_u64().unwrap()))
        .collect()
}

async fn total(app: &TestApp, query: &str) -> u64 {
    app.ok_json(&format!("/products?{query}&limit=1")).await["total"]
        .as_u64()
        .unwrap()
}

#[tokio::test]
async fn each_facet_count_is_what_choosing_that_value_would_list() {
    let app = TestApp::spawn().await;
    let plain = app.ok_json("/products?category=women&inStock=true").await;
    assert!(plain.get("facets").is_none(), "facets only when asked: {plain}");

    // A shopper looking at what is in stock, who has picked size M.
    let chosen = "inStock=true&size=M";
    let body = app.ok_json(&format!("/products?{chosen}&{ALL_FACETS}")).await;
    let facets = &body["facets"];
    let listed = body["total"].as_u64().unwrap();
    assert!(listed > 0, "{body}");

    let categories = values(&facets["category"]);
    assert!(categories.len() >= 2, "top-level categories: {facets}");
    for (slug, count) in &categories {
        assert_eq!(
            *count,
            total(&app, &format!("category={slug}&inStock=true&size=M")).await,
            "category {slug}"
        );
        assert!(*count > 0);
    }
    for (slug, count) in values(&facets["collection"]) {
        assert_eq!(
            count,
            total(&app, &format!("{chosen}&collection={slug}")).await,
            "collection {slug}"
        );
    }
    // Sizes leave the size choice out, so the other sizes show what switching would list.
    let sizes = values(&facets["size"]);
    assert!(
        sizes.iter().any(|(size, _)| size == "M") && sizes.len() > 1,
        "{sizes:?}"
    );
    for (size, count) in &sizes {
        let query = format!("inStock=true&size={}", urlencoding(size));
        assert_eq!(*count, total(&app, &query).await, "size {size}");
    }
    // Subcategories when a category is chosen: each counts its own subtree.
    let women = app.ok_json("/products?category=women&facets=category").await;
    for (slug, count) in values(&women["facets"]["category"]) {
        assert_eq!(count, total(&app, &format!("category={slug}")).await, "category {slug}");
    }
    assert!(
        sizes.windows(2).all(|w| w[0].1 >= w[1].1),
        "most products first: {sizes:?}"
    );
    for (color, count) in values(&facets["color"]) {
        let query = format!("{chosen}&color={}", urlencoding(&color));
        assert_eq!(count, total(&app, &query).await, "color {color}");
    }
    // Price bands partition the products: their counts add up to the list's total.
    let bands = facets["price"].as_array().unwrap();
    let mut sum = 0;
    let mut previous_max = -1;
    for band in bands {
        let (min, max, count) = (
            band["min"].as_i64().unwrap(),
            band["max"].as_i64().unwrap(),
            band["count"].as_u64().unwrap(),
        );
        assert!(min > previous_max && max >= min, "{band}");
        assert_eq!(band["currency"], "USD");
        previous_max = max;
        assert_eq!(
            count,
            total(&app, &format!("{chosen}&minPrice={min}&maxPrice={max}")).await,
            "{band}"
        );
        sum += count;
    }
    assert_eq!(sum, listed);

    // An empty list asks for none.
    let none = app.ok_json("/products?facets=").await;
    assert!(none.get("facets").is_none(), "{none}");
    // Only the facets asked for.
    let body = app.ok_json("/products?facets=size").await;
    let keys: Vec<&String> = body["facets"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["size"]);
}

/// Percent-encodes what a colour name may hold.
fn urlencoding(value: &str) -> String {
    value.replace(' ', "%20")
}

#[tokio::test]
async fn a_size_with_a_colour_lists_products_with_one_variant_of_both() {
    let app = TestApp::spawn().await;
    // Every product's (size, colour) variants, from its page.
    let mut kinds: BTreeMap<String, BTreeSet<(String, String)>> = BTreeMap::new();
    for item in app.all_products("").await {
        let slug = item["slug"].as_str().unwrap().to_owned();
        let page = app.product(&slug).await;
        let variants = page["variants"].as_array().unwrap();
        let pairs = variants
            .iter()
            .map(|v| {
                (
                    v["size"].as_str().unwrap().to_owned(),
                    v["color"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        kinds.insert(slug, pairs);
    }
    let facets = app.ok_json(&format!("/products?{ALL_FACETS}")).await["facets"].clone();
    let sizes: Vec<String> = values(&facets["size"]).into_iter().map(|(v, _)| v).take(2).collect();
    let colors: Vec<String> = values(&facets["color"]).into_iter().map(|(v, _)| v).take(2).collect();
    assert_eq!((sizes.len(), colors.len()), (2, 2), "{facets}");

    let query = format!(
        "size={}&size={}&color={}&color={}",
        sizes[0],
        sizes[1],
        urlencoding(&colors[0]),
        urlencoding(&colors[1])
    );
    let listed: BTreeSet<String> = app
        .all_products(&query)
        .await
        .iter()
        .map(|p| p["slug"].as_str().unwrap().to_owned())
        .collect();
    let expected: BTreeSet<String> = kinds
        .iter()
        .filter(|(_, pairs)| pairs.iter().any(|(s, c)| sizes.contains(s) && colors.contains(c)))
        .map(|(slug, _)| slug.clone())
        .collect();
    assert_eq!(listed, expected, "{query}");
    // Every demo product has every pairing of its sizes and colours, so "both in one variant"
    // is driven where that case is built: the index's unit test
    // `a_size_and_a_colour_must_meet_in_one_variant`.

    // With colours chosen, each size counts the products with that size in one of them.
    let body = app
        .ok_json(&format!(
            "/products?color={}&color={}&facets=size",
            urlencoding(&colors[0]),
            urlencoding(&colors[1])
        ))
        .await;
    for (size, count) in values(&body["facets"]["size"]) {
        let expected = kinds
            .values()
            .filter(|pairs| pairs.iter().any(|(s, c)| *s == size && colors.contains(c)))
            .count() as u64;
        assert_eq!(count, expected, "size {size}");
    }
}
