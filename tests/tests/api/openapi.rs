//! The committed spec is what the server serves, and every operation is fully described.

use beeget_tests::TestApp;
use serde_json::Value;

fn committed_spec() -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../openapi/openapi.json");
    serde_json::from_str(&std::fs::read_to_string(&path).expect("openapi/openapi.json is committed"))
        .expect("committed spec is JSON")
}

#[tokio::test]
async fn served_spec_matches_the_committed_file() {
    let app = TestApp::spawn().await;
    let served = app.ok_json("/openapi.json").await;
    assert!(
        served == committed_spec(),
        "openapi/openapi.json is stale: regenerate it with `just openapi` (cargo run -p beeget-api -- openapi --output openapi/openapi.json) and commit it"
    );
}

#[tokio::test]
async fn every_operation_is_documented_with_problem_errors() {
    let spec = committed_spec();
    assert!(spec["openapi"].as_str().unwrap().starts_with("3."));
    let mut ids = std::collections::HashSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path} lacks operationId"));
            assert!(ids.insert(id.to_owned()), "duplicate operationId {id}");
            assert!(
                op["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{id} lacks a summary"
            );
            assert!(op["tags"].as_array().is_some_and(|t| !t.is_empty()), "{id} lacks a tag");
            let responses = op["responses"].as_object().unwrap();
            assert!(
                responses.keys().any(|k| k.starts_with('2')),
                "{id} lacks a success response"
            );
            for (status, response) in responses.iter().filter(|(s, _)| !s.starts_with('2')) {
                let schema = &response["content"]["application/problem+json"]["schema"]["$ref"];
                assert_eq!(schema, "#/components/schemas/Problem", "{id} {status} is not a problem");
            }
            if op["tags"][0] == "Operations" {
                continue;
            }
            // Exactly what the operation can answer: derived from what it takes.
            let declares = |status: &str| responses.contains_key(status);
            let has_body = op.get("requestBody").is_some();
            let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
            // Any query value can be malformed: a number that is not one, or text with a NUL.
            let takes_query = op["parameters"]
                .as_array()
                .is_some_and(|ps| ps.iter().any(|p| p["in"] == "query"));
            assert!(declares("500"), "{id} declares 500");
            assert!(declares("503"), "{id} declares 503");
            for status in ["413", "415"] {
                assert_eq!(
                    declares(status),
                    has_body,
                    "{id}: {status} exactly when it takes a body"
                );
            }
            // A multipart form's schema is inline (poem-openapi gives it no name) but typed all
            // the same: its parts are checked (an upload's `file` is a 422 when not an image).
            let typed_body = op["requestBody"]["content"].as_object().is_some_and(|c| {
                c.contains_key("multipart/form-data") || c.values().any(|m| m["schema"].get("$ref").is_some())
            });
            if has_body {
                assert!(declares("400"), "{id}: a body can be malformed");
            }
            let cross_checked = [
                "listProducts",
                "listCategoryCollectionProducts",
                "adminListOrders",
                "adminListAudit",
                "adminListProducts",
                "adminDeleteCategory",
                "adminDeleteCollection",
                "adminInventoryReport",
                "adminSalesReport",
            ]
            .contains(&id);
            assert_eq!(
                declares("422"),
                typed_body || cross_checked,
                "{id}: 422 for a typed body or filters checked together"
            );
            if takes_query {
                assert!(declares("400"), "{id}: a query value can be of the wrong type");
            }
            if !has_body && !takes_query {
                assert!(!declares("400"), "{id}: nothing it takes can be malformed");
            }
            let signs_in = ["login", "refreshTokens"].contains(&id);
            assert_eq!(
                declares("401"),
                secured || signs_in,
                "{id}: 401 exactly when it needs a token or checks credentials"
            );
            // Everything under /admin is staff only, whatever its tag (Reports, CMS…).
            let staff = path.starts_with("/admin/") || op["tags"].as_array().unwrap().iter().any(|t| t == "Admin");
            assert_eq!(declares("403"), staff, "{id}: 403 exactly for staff operations");
            assert_eq!(
                declares("429"),
                id != "stripeWebhook",
                "{id}: every route but the webhook is rate-limited"
            );
            if method == "get" {
                assert!(!declares("409"), "{id}: a read declares no conflict");
            }
        }
    }
    assert!(ids.len() >= 10);
    let readyz = &spec["paths"]["/readyz"]["get"]["responses"];
    assert!(readyz.get("503").is_some(), "readiness declares 503");
}

/// What a client generator trusts: a field that can be `null` says so, request bodies refuse
/// unknown fields, and bounded query parameters carry their bounds.
#[tokio::test]
async fn nullable_fields_closed_bodies_and_bounds_are_declared() {
    let spec = committed_spec();
    let schemas = &spec["components"]["schemas"];
    for (schema, field) in [
        ("ProductSummary", "salePrice"),
        ("ProductSummary", "image"),
        ("Product", "salePrice"),
        ("Category", "image"),
        ("Collection", "image"),
        ("Promotion", "image"),
        ("Promotion", "code"),
        ("PromotionScope", "categoryId"),
        ("PromotionScope", "collectionId"),
        ("PromotionScope", "productId"),
    ] {
        assert_eq!(
            schemas[schema]["properties"][field]["nullable"], true,
            "{schema}.{field} is nullable"
        );
    }
    for (name, schema) in schemas.as_object().unwrap() {
        let is_request = name.ends_with("Request") || name.starts_with("New") || name.ends_with("Patch");
        if is_request {
            assert_eq!(schema["additionalProperties"], false, "{name} refuses unknown fields");
        }
    }
    let products = spec["paths"]["/products"]["get"]["parameters"].as_array().unwrap();
    let param = |name: &str| products.iter().find(|p| p["name"] == name).unwrap()["schema"].clone();
    assert_eq!(param("limit")["minimum"], 1);
    assert_eq!(
        param("limit")["maximum"],
        beeget_api::domain::pagination::PageRequest::MAX_LIMIT
    );
    assert_eq!(param("page")["minimum"], 1);
    assert_eq!(
        param("maxPrice")["maximum"],
        beeget_api::domain::money::Money::MAX_MINOR
    );
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if path.starts_with("/payments") {
                continue;
            }
            if let Some(content) = op["requestBody"]["content"].as_object() {
                // Uploads are inline multipart schemas, without a name to check.
                if content.contains_key("multipart/form-data") {
                    continue;
                }
                let schema = &content.values().next().unwrap()["schema"]["$ref"];
                let name = schema.as_str().unwrap().rsplit('/').next().unwrap();
                assert!(
                    name.ends_with("Request") || name.starts_with("New") || name.ends_with("Patch"),
                    "{method} {path}: request body {name} is named New…, …Request or …Patch"
                );
            }
        }
    }
}

/// Request-body fields declare the rules the server checks them with, from the same
/// constants: lengths, patterns, enums, and checkout's "a saved address or a new one".
#[tokio::test]
async fn body_rules_are_declared_from_the_domain_rules() {
    use beeget_api::domain::{address, email::Email, password_policy, text};
    let spec = committed_spec();
    let schemas = &spec["components"]["schemas"];
    let property = |schema: &str, field: &str| schemas[schema]["properties"][field].clone();
    let name = property("RegisterRequest", "name");
    assert_eq!(name["maxLength"], text::PERSON_NAME.max_chars);
    assert_eq!(name["minLength"], 1);
    assert!(name["pattern"].is_string());
    assert_eq!(
        property("RegisterRequest", "password")["minLength"],
        password_policy::MIN_CHARS
    );
    assert_eq!(property("RegisterRequest", "email")["pattern"], Email::pattern());
    assert_eq!(
        property("ContactRequest", "message")["maxLength"],
        text::CONTACT_MESSAGE.max_chars
    );
    assert_eq!(property("NewAddress", "zip")["pattern"], address::ZIP_PATTERN);
    assert_eq!(
        property("NewShippingAddress", "country")["enum"]
            .as_array()
            .unwrap()
            .len(),
        249
    );
    assert_eq!(
        property("CartLinePatch", "qty")["maximum"],
        beeget_api::services::cart::MAX_QUANTITY
    );
    assert_eq!(
        schemas["PlaceOrderRequest"]["oneOf"],
        serde_json::json!([{"required": ["shippingAddressId"]}, {"required": ["shippingAddress"]}])
    );
}

/// What the spec declares, the server enforces, naming the field: a name too long, a blank
/// subject, a malformed email, checkout with both kinds of address.
#[tokio::test]
async fn declared_body_rules_are_enforced() {
    let app = TestApp::spawn().await;
    let contact = |name: &str, subject: &str, email: &str| serde_json::json!({"name": name, "email": email, "subject": subject, "message": "Hello"});
    for (body, field) in [
        (contact(&"n".repeat(101), "Hi", "ada@example.com"), "name"),
        (contact("Ada", " \t ", "ada@example.com"), "subject"),
        (contact("Ada", "Hi", "ada@@example.com"), "email"),
    ] {
        let problem = beeget_tests::assert_problem(
            app.post_json("/cms/contact", &body).await,
            reqwest::StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(beeget_tests::problem_fields(&problem), [field], "{body}");
    }
}
