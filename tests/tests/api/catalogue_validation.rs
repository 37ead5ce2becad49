//! Bad catalogue queries get problem+json naming the parameter, never a 500.

use beeget_tests::{TestApp, assert_problem, problem_fields};
use reqwest::StatusCode;

#[tokio::test]
async fn bad_list_parameters_name_the_parameter() {
    let app = TestApp::spawn().await;
    let cases = [
        ("/products?limit=1000", StatusCode::BAD_REQUEST, "bad_request", "limit"),
        ("/products?limit=0", StatusCode::BAD_REQUEST, "bad_request", "limit"),
        ("/products?page=0", StatusCode::BAD_REQUEST, "bad_request", "page"),
        ("/products?limit=ten", StatusCode::BAD_REQUEST, "bad_request", "limit"),
        (
            "/products?minPrice=-1",
            StatusCode::BAD_REQUEST,
            "bad_request",
            "minPrice",
        ),
        (
            "/products?maxPrice=-5",
            StatusCode::BAD_REQUEST,
            "bad_request",
            "maxPrice",
        ),
        (
            "/products?sort=cheapest",
            StatusCode::BAD_REQUEST,
            "bad_request",
            "sort",
        ),
        (
            "/products?inStock=maybe",
            StatusCode::BAD_REQUEST,
            "bad_request",
            "inStock",
        ),
        (
            "/products?minPrice=9000&maxPrice=100",
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "minPrice",
        ),
        (
            "/categories/women/collections/summer-linen/products?minPrice=9000&maxPrice=100",
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "minPrice",
        ),
        (
            "/products?facets=category,brand",
            StatusCode::BAD_REQUEST,
            "bad_request",
            "facets",
        ),
        (
            "/products?size=1&size=2&size=3&size=4&size=5&size=6&size=7&size=8&size=9&size=10&size=11\
             &size=12&size=13&size=14&size=15&size=16&size=17&size=18&size=19&size=20&size=21",
            StatusCode::BAD_REQUEST,
            "bad_request",
            "size",
        ),
        (
            "/categories/women/collections/summer-linen/products?limit=1000",
            StatusCode::BAD_REQUEST,
            "bad_request",
            "limit",
        ),
    ];
    for (path, status, code, field) in cases {
        let resp = app.get(path).await;
        let body = assert_problem(resp, status, code).await;
        assert!(problem_fields(&body).contains(&field.to_owned()), "{path}: {body}");
        assert!(body["detail"].as_str().unwrap().contains(field), "{path}: {body}");
    }
    let long = "a".repeat(201);
    let resp = app.get(&format!("/products?search={long}")).await;
    let body = assert_problem(resp, StatusCode::BAD_REQUEST, "bad_request").await;
    assert_eq!(problem_fields(&body), ["search"]);
    let long = "M".repeat(51);
    let resp = app.get(&format!("/products?color=Black&color={long}")).await;
    let body = assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem_fields(&body), ["color"]);
}
