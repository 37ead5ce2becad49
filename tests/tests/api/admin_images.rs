//! Staff upload, delete and reorder product images over HTTP, on the local store: formats
//! recognised by content with their dimensions, the served file and its caching, refusals
//! (not an image, too large, too many, not staff), the storefront's order after each write,
//! concurrent uploads, the audit trail, and stored files removed once nothing uses them.

use beeget_tests::{Backend, TestApp, assert_problem, problem_fields};
use futures_util::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::audit::audit_entries;

/// The demo product the tests add images to, and the images it ships with.
const SLUG: &str = "linen-wrap-midi-dress";

pub(crate) fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/images")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A PNG of `width` × `height` whose chunks are in order (its pixels are not decodable): a
/// distinct file per size for tests that need many.
pub(crate) fn png(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8], data: &[u8]| {
        bytes.extend((data.len() as u32).to_be_bytes());
        bytes.extend(kind);
        bytes.extend(data);
        bytes.extend([0; 4]);
    };
    let mut header = width.to_be_bytes().to_vec();
    header.extend(height.to_be_bytes());
    header.extend([8, 2, 0, 0, 0]);
    chunk(b"IHDR", &header);
    chunk(b"IDAT", &[0; 12]);
    chunk(b"IEND", &[]);
    bytes
}

/// A multipart body with one part `name`, as a browser sends a file field.
pub(crate) fn multipart(name: &str, file_name: &str, content_type: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "beeget-test-boundary-7d1f";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: {content_type}\r\n\r\n"
    )
    .into_bytes();
    body.extend(bytes);
    body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

pub(crate) async fn upload_as(
    app: &TestApp,
    token: Option<&str>,
    product_id: &str,
    file_name: &str,
    content_type: &str,
    bytes: &[u8],
) -> reqwest::Response {
    let (header, body) = multipart("file", file_name, content_type, bytes);
    let mut request = app
        .client
        .post(app.url(&format!("/admin/products/{product_id}/images")))
        .header("content-type", header)
        .body(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("request")
}

/// Uploads, expecting 201; returns the image.
pub(crate) async fn uploaded(app: &TestApp, token: &str, product_id: &str, name: &str, bytes: &[u8]) -> Value {
    let resp = upload_as(app, Some(token), product_id, name, "application/octet-stream", bytes).await;
    assert_eq!(resp.status(), StatusCode::CREATED, "{}", resp.text().await.unwrap());
    resp.json().await.unwrap()
}

async fn product_id(app: &TestApp, slug: &str) -> String {
    app.product(slug).await["id"].as_str().unwrap().to_owned()
}

fn urls(images: &Value) -> Vec<String> {
    images
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_str().or_else(|| i["url"].as_str()).unwrap().to_owned())
        .collect()
}

async fn admin_images(app: &TestApp, token: &str, id: &str) -> Value {
    let resp = app
        .call(Method::GET, &format!("/admin/products/{id}"), Some(token), None)
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    resp.json::<Value>().await.unwrap()["images"].clone()
}

async fn reorder(app: &TestApp, token: &str, id: &str, ids: Value) -> reqwest::Response {
    app.call(
        Method::PUT,
        &format!("/admin/products/{id}/images/order"),
        Some(token),
        Some(&json!({"imageIds": ids})),
    )
    .await
}

/// The file of a local-store URL (`/media/products/<hash>.<ext>`).
fn stored_file(app: &TestApp, url: &str) -> std::path::PathBuf {
    let key = url.split_once("/media/").unwrap().1;
    std::path::Path::new(&app.config.media.dir).join(key)
}

#[tokio::test]
async fn each_format_is_recognised_sized_stored_and_served_for_good() {
    let app = TestApp::spawn().await;
    let staff = app.with_admin("merch@example.com").await;
    let t = &staff.access_token;
    let id = product_id(&app, SLUG).await;
    let seeded = urls(&app.product(SLUG).await["images"]);
    let mut added = Vec::new();
    // Names and declared types say nothing: the bytes decide.
    for (name, content_type, width, height) in [
        ("tiny.png", "image/png", 3, 2),
        ("tiny.jpg", "image/jpeg", 4, 3),
        ("tiny.webp", "image/webp", 3, 2),
        ("tiny.avif", "image/avif", 6, 5),
    ] {
        let bytes = fixture(name);
        let image = uploaded(&app, t, &id, "photo.bin", &bytes).await;
        assert_eq!(image["contentType"], content_type, "{name}");
        assert_eq!(
            (image["width"].clone(), image["height"].clone()),
            (json!(width), json!(height)),
            "{name}"
        );
        assert_eq!(image["bytes"], bytes.len(), "{name}");
        assert_eq!(image["position"], seeded.len() + added.len(), "{name}");
        let url = image["url"].as_str().unwrap().to_owned();
        assert!(url.starts_with("/media/products/"), "{url}");

        let resp = app.get(&url).await;
        assert_eq!(resp.status(), StatusCode::OK, "{url}");
        assert_eq!(resp.headers()["content-type"], content_type, "{url}");
        assert_eq!(resp.headers()["cache-control"], "public, max-age=31536000, immutable");
        assert_eq!(resp.bytes().await.unwrap().as_ref(), bytes.as_slice(), "{url}");
        // The storefront lists it at the next read, after the ones it had.
        added.push(url);
        let shown = urls(&app.product(SLUG).await["images"]);
        assert_eq!(shown, [seeded.clone(), added.clone()].concat());
    }
    // Seeded files are not content-addressed: cached for a while, not for good.
    let resp = app.get(&seeded[0]).await;
    assert_eq!(resp.headers()["cache-control"], "public, max-age=3600");

    // Staff see every image with what was read from it; the seeded ones have no metadata.
    let images = admin_images(&app, t, &id).await;
    assert_eq!(urls(&images), [seeded.clone(), added.clone()].concat());
    assert_eq!(images[0]["contentType"], Value::Null);
    let last = &images[seeded.len() + 3];
    assert_eq!(
        (last["contentType"].clone(), last["width"].clone()),
        (json!("image/avif"), json!(6))
    );

    // The same bytes again: the same stored file, a second image.
    let again = uploaded(&app, t, &id, "again.png", &fixture("tiny.png")).await;
    assert_eq!(again["url"], added[0].as_str());
    assert_ne!(again["id"], images[seeded.len()]["id"]);

    let entries = audit_entries(&app, t, &format!("targetType=product&targetId={id}")).await;
    let added_entries = entries.iter().filter(|e| e["action"] == "product.image_added").count();
    assert_eq!(added_entries, 5, "{entries:?}");
}

#[tokio::test]
async fn anything_but_a_whole_image_is_refused_naming_file() {
    let app = TestApp::spawn().await;
    let staff = app.with_admin("merch@example.com").await;
    let t = &staff.access_token;
    let id = product_id(&app, SLUG).await;
    let whole = fixture("tiny.png");
    let mut header_on_garbage = whole[..33].to_vec();
    header_on_garbage.extend(b"and then a shopping list instead of pixels");
    let jpeg = fixture("tiny.jpg");
    let cases: Vec<(&str, &str, Vec<u8>)> = vec![
        ("notes.png", "image/png", b"just some text, honestly".to_vec()),
        ("logo.svg", "image/svg+xml", std::fs::read(beeget_tests::seeds_dir().join("images/products/bag-tan.svg")).unwrap()),
        ("pixel.gif", "image/gif", b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;".to_vec()),
        ("cut.png", "image/png", whole[..whole.len() - 5].to_vec()),
        ("cut.jpg", "image/jpeg", jpeg[..jpeg.len() / 2].to_vec()),
        ("fake.png", "image/png", header_on_garbage),
        ("empty.png", "image/png", Vec::new()),
    ];
    for (name, content_type, bytes) in cases {
        let resp = upload_as(&app, Some(t), &id, name, content_type, &bytes).await;
        let problem = assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(problem_fields(&problem), ["file"], "{name}: {problem}");
    }
    // Not multipart at all, or without a `file` part.
    let resp = app
        .call(
            Method::POST,
            &format!("/admin/products/{id}/images"),
            Some(t),
            Some(&json!({"file": "x"})),
        )
        .await;
    assert_problem(resp, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type").await;
    let (header, body) = multipart("picture", "tiny.png", "image/png", &whole);
    let resp = app
        .client
        .post(app.url(&format!("/admin/products/{id}/images")))
        .bearer_auth(t)
        .header("content-type", header)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    // Nothing was stored, nothing shown.
    assert_eq!(admin_images(&app, t, &id).await.as_array().unwrap().len(), 2);
    let unknown = uuid::Uuid::now_v7();
    let resp = upload_as(&app, Some(t), &unknown.to_string(), "tiny.png", "image/png", &whole).await;
    assert_problem(resp, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn an_upload_over_the_configured_limit_is_413() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| c.media.max_upload_bytes = 4096)
        .await
        .unwrap();
    let staff = app.with_admin("merch@example.com").await;
    let id = product_id(&app, SLUG).await;
    let mut big = png(10, 10);
    let iend = big.split_off(big.len() - 12);
    big.extend(vec![0; 5000]);
    big.extend(iend);
    let resp = upload_as(&app, Some(&staff.access_token), &id, "big.png", "image/png", &big).await;
    assert_problem(resp, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
    // Other bodies keep `server.max_body_bytes`; small files pass.
    uploaded(&app, &staff.access_token, &id, "tiny.png", &fixture("tiny.png")).await;
}

#[tokio::test]
async fn only_staff_may_touch_images() {
    let app = TestApp::spawn().await;
    let id = product_id(&app, SLUG).await;
    let shopper = app.with_user("shopper@example.com").await;
    let image = uuid::Uuid::now_v7();
    for token in [None, Some(shopper.access_token.as_str())] {
        let expected = if token.is_some() {
            (StatusCode::FORBIDDEN, "forbidden")
        } else {
            (StatusCode::UNAUTHORIZED, "unauthenticated")
        };
        let resp = upload_as(&app, token, &id, "tiny.png", "image/png", &fixture("tiny.png")).await;
        assert_problem(resp, expected.0, expected.1).await;
        let path = format!("/admin/products/{id}/images/{image}");
        assert_problem(
            app.call(Method::DELETE, &path, token, None).await,
            expected.0,
            expected.1,
        )
        .await;
        let path = format!("/admin/products/{id}/images/order");
        let body = json!({"imageIds": []});
        assert_problem(
            app.call(Method::PUT, &path, token, Some(&body)).await,
            expected.0,
            expected.1,
        )
        .await;
    }
}

#[tokio::test]
async fn delete_and_reorder_keep_the_storefront_in_step_and_free_unused_files() {
    let app = TestApp::spawn().await;
    let staff = app.with_admin("merch@example.com").await;
    let t = &staff.access_token;
    let id = product_id(&app, SLUG).await;
    let other = product_id(&app, "tiered-cotton-maxi-dress").await;
    let before = admin_images(&app, t, &id).await;
    let (s1, s2) = (before[0]["id"].clone(), before[1]["id"].clone());
    let a = uploaded(&app, t, &id, "a.png", &png(11, 1)).await;
    let b = uploaded(&app, t, &id, "b.png", &png(12, 1)).await;
    let c = uploaded(&app, t, &id, "c.png", &png(13, 1)).await;
    // `c`'s bytes are also another product's image.
    let shared = uploaded(&app, t, &other, "c.png", &png(13, 1)).await;
    assert_eq!(shared["url"], c["url"]);

    let order = json!([c["id"], s2, s1, a["id"], b["id"]]);
    let resp = reorder(&app, t, &id, order.clone()).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let listed: Value = resp.json().await.unwrap();
    let ids: Vec<Value> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].clone())
        .collect();
    assert_eq!(json!(ids), order);
    assert_eq!(listed["items"][4]["position"], 4);
    let shown = urls(&app.product(SLUG).await["images"]);
    assert_eq!(shown[0], c["url"].as_str().unwrap());
    assert_eq!(shown[1], before[1]["url"].as_str().unwrap());
    assert_eq!(shown[4], b["url"].as_str().unwrap());

    // Anything but each current id once is refused whole.
    for bad in [
        json!([c["id"], s2, s1, a["id"]]),
        json!([c["id"], s2, s1, a["id"], b["id"], b["id"]]),
        json!([c["id"], s2, s1, a["id"], shared["id"]]),
        json!([c["id"], s2, s1, a["id"], "not-an-id"]),
    ] {
        let problem = assert_problem(
            reorder(&app, t, &id, bad).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(problem_fields(&problem), ["imageIds"]);
    }
    let resp = reorder(&app, t, &uuid::Uuid::now_v7().to_string(), json!([])).await;
    assert_problem(resp, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(urls(&app.product(SLUG).await["images"]), shown);

    // Another product's image, or none, is not this product's.
    let delete = |product: &str, image: &Value| format!("/admin/products/{product}/images/{}", image.as_str().unwrap());
    let resp = app
        .call(Method::DELETE, &delete(&id, &shared["id"]), Some(t), None)
        .await;
    assert_problem(resp, StatusCode::NOT_FOUND, "not_found").await;
    let resp = app
        .call(Method::DELETE, &delete(&id, &json!("nope")), Some(t), None)
        .await;
    assert_problem(resp, StatusCode::NOT_FOUND, "not_found").await;

    // Deleting `a` closes the gap and removes its file; `c`'s file stays while `other` uses it.
    let resp = app.call(Method::DELETE, &delete(&id, &a["id"]), Some(t), None).await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert!(!stored_file(&app, a["url"].as_str().unwrap()).exists());
    let resp = app.call(Method::DELETE, &delete(&id, &c["id"]), Some(t), None).await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert!(stored_file(&app, c["url"].as_str().unwrap()).exists());
    let images = admin_images(&app, t, &id).await;
    let positions: Vec<Value> = images
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["position"].clone())
        .collect();
    assert_eq!(json!(positions), json!([0, 1, 2]));
    assert_eq!(images[2]["id"], b["id"]);
    assert_eq!(urls(&app.product(SLUG).await["images"]), urls(&images));
    let resp = app
        .call(Method::DELETE, &delete(&other, &shared["id"]), Some(t), None)
        .await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert!(!stored_file(&app, c["url"].as_str().unwrap()).exists());

    let entries = audit_entries(&app, t, &format!("targetType=product&targetId={id}")).await;
    let count = |action: &str| entries.iter().filter(|e| e["action"] == action).count();
    assert_eq!(
        (count("product.image_removed"), count("product.images_reordered")),
        (2, 1)
    );
}

#[tokio::test]
async fn a_product_holds_at_most_twenty_images() {
    let app = TestApp::spawn().await;
    let staff = app.with_admin("merch@example.com").await;
    let id = product_id(&app, SLUG).await;
    // The demo product has 2.
    for i in 0..18 {
        uploaded(&app, &staff.access_token, &id, "p.png", &png(i + 1, 1)).await;
    }
    let resp = upload_as(&app, Some(&staff.access_token), &id, "p.png", "image/png", &png(50, 1)).await;
    assert_problem(resp, StatusCode::CONFLICT, "too_many_images").await;
}

#[tokio::test]
async fn deleting_a_product_deletes_its_images_and_their_files() {
    let app = TestApp::spawn().await;
    let staff = app.with_admin("merch@example.com").await;
    let t = &staff.access_token;
    let body = json!({"title": "Harbour Linen Shirt", "price": 4500});
    let resp = app.call(Method::POST, "/admin/products", Some(t), Some(&body)).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let id = resp.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let image = uploaded(&app, t, &id, "shirt.webp", &fixture("tiny.webp")).await;
    let file = stored_file(&app, image["url"].as_str().unwrap());
    assert!(file.exists());
    let resp = app
        .call(Method::DELETE, &format!("/admin/products/{id}"), Some(t), None)
        .await;
    assert_eq!(resp.json::<Value>().await.unwrap()["outcome"], "deleted");
    assert!(!file.exists());
    use sea_orm::ConnectionTrait;
    let left = app
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM product_images WHERE url = '".to_owned() + image["url"].as_str().unwrap() + "'",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert_eq!(left, 0);
}

/// Uploads at once to one product each get their own place in its list.
async fn concurrent_uploads_get_distinct_positions(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |_| {}).await else {
        return;
    };
    let staff = app.with_admin("merch@example.com").await;
    let id = product_id(&app, SLUG).await;
    let files: Vec<Vec<u8>> = (0..8).map(|i| png(100 + i, 7)).collect();
    let answers = join_all(
        files
            .iter()
            .map(|bytes| uploaded(&app, &staff.access_token, &id, "p.png", bytes)),
    )
    .await;
    let mut positions: Vec<u64> = answers.iter().map(|a| a["position"].as_u64().unwrap()).collect();
    positions.sort_unstable();
    assert_eq!(positions, (2..=9).collect::<Vec<u64>>());
    let images = admin_images(&app, &staff.access_token, &id).await;
    assert_eq!(images.as_array().unwrap().len(), 10);
    assert_eq!(urls(&app.product(SLUG).await["images"]), urls(&images));
}

#[tokio::test]
async fn concurrent_uploads_get_distinct_positions_on_sqlite() {
    concurrent_uploads_get_distinct_positions(Backend::Sqlite).await;
}

#[tokio::test]
async fn concurrent_uploads_get_distinct_positions_on_postgres() {
    concurrent_uploads_get_distinct_positions(Backend::Postgres).await;
}
