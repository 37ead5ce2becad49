//! Product images on the S3 backend, against a real S3-compatible server (moto) of the test's
//! own: the object lands in the bucket with its type and long cache lifetime, the image URL
//! is the public base URL and key, a delete removes the object, and a store that is gone
//! answers 503 within the configured timeout.
//!
//! `BEEGET_TEST_MOTO_SERVER` names the `moto_server` program (`.ci/run` installs it). Without
//! it the suite is skipped, except in CI (`CI` set), where that is a failure.

use std::time::{Duration, Instant};

use beeget_tests::{Backend, TestApp, assert_problem};
use reqwest::{Method, StatusCode};

use crate::admin_images::{fixture, upload_as, uploaded};

const MOTO_VAR: &str = "BEEGET_TEST_MOTO_SERVER";
const BUCKET: &str = "beeget-images";
const TIMEOUT_MS: u64 = 3_000;

/// A moto S3 server on a free port, stopped on drop.
struct MotoServer {
    child: std::process::Child,
    url: String,
}

impl MotoServer {
    fn start() -> Option<Self> {
        let Ok(program) = std::env::var(MOTO_VAR) else {
            assert!(
                std::env::var_os("CI").is_none(),
                "{MOTO_VAR} must name moto_server in CI: the S3 suite may not be skipped"
            );
            eprintln!("skipping: {MOTO_VAR} is not set");
            return None;
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("free port")
            .local_addr()
            .expect("address")
            .port();
        let child = std::process::Command::new(&program)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{MOTO_VAR}={program}: {e}"));
        let server = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "moto_server did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(server)
    }
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The app on SQLite with `backend = "s3"` against `endpoint`, whose bucket is created.
async fn app_on_s3(endpoint: &str) -> TestApp {
    beeget_api::tls::install_crypto_provider();
    // moto checks no signature: a plain PUT creates the bucket.
    let resp = reqwest::Client::new()
        .put(format!("{endpoint}/{BUCKET}"))
        .send()
        .await
        .expect("create bucket");
    assert!(resp.status().is_success(), "create bucket: {}", resp.status());
    let endpoint = endpoint.to_owned();
    TestApp::spawn_with(Backend::Sqlite, move |c| {
        c.media.backend = beeget_api::config::MediaBackend::S3;
        c.media.s3.bucket = BUCKET.into();
        c.media.s3.region = "us-east-1".into();
        c.media.s3.endpoint = endpoint.clone();
        c.media.s3.force_path_style = true;
        c.media.s3.public_base_url = format!("{endpoint}/{BUCKET}");
        c.media.s3.timeout_ms = TIMEOUT_MS;
        c.media.s3.access_key_id = beeget_api::config::Secret::new("testing");
        c.media.s3.secret_access_key = beeget_api::config::Secret::new("testing");
    })
    .await
    .expect("SQLite always runs")
}

async fn product_id(app: &TestApp) -> String {
    app.product("linen-wrap-midi-dress").await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn an_upload_lands_in_the_bucket_with_its_type_and_cache_lifetime_and_a_delete_removes_it() {
    let Some(moto) = MotoServer::start() else { return };
    let app = app_on_s3(&moto.url).await;
    let staff = app.with_admin("merch@example.com").await;
    let id = product_id(&app).await;
    let bytes = fixture("tiny.webp");
    let image = uploaded(&app, &staff.access_token, &id, "photo.webp", &bytes).await;
    let url = image["url"].as_str().unwrap().to_owned();
    let prefix = format!("{}/{BUCKET}/products/", moto.url);
    assert!(url.starts_with(&prefix) && url.ends_with(".webp"), "{url}");
    assert_eq!(
        (image["width"].clone(), image["contentType"].clone()),
        (3.into(), "image/webp".into())
    );

    // The bucket is private here (as a bucket behind a CDN is): read it with credentials.
    let store = beeget_api::media::S3Store::new(&app.config.media.s3, Duration::from_secs(5)).await;
    let (client, bucket) = store.client();
    let key = url.strip_prefix(&format!("{}/{BUCKET}/", moto.url)).unwrap();
    let object = client
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .expect("the object");
    assert_eq!(object.content_type(), Some("image/webp"));
    assert_eq!(object.cache_control(), Some("public, max-age=31536000, immutable"));
    let stored = object.body.collect().await.unwrap().into_bytes();
    assert_eq!(stored.as_ref(), bytes.as_slice());
    let shown = app.product("linen-wrap-midi-dress").await["images"].clone();
    assert_eq!(shown.as_array().unwrap().last().unwrap(), url.as_str());

    let path = format!("/admin/products/{id}/images/{}", image["id"].as_str().unwrap());
    let resp = app.call(Method::DELETE, &path, Some(&staff.access_token), None).await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let gone = client.head_object().bucket(bucket).key(key).send().await;
    assert!(gone.is_err(), "the object is deleted: {gone:?}");
}

#[tokio::test]
async fn a_store_that_is_gone_answers_503_within_the_timeout_and_stores_no_row() {
    let Some(moto) = MotoServer::start() else { return };
    let app = app_on_s3(&moto.url).await;
    let staff = app.with_admin("merch@example.com").await;
    let id = product_id(&app).await;
    drop(moto);
    let started = Instant::now();
    let resp = upload_as(
        &app,
        Some(&staff.access_token),
        &id,
        "p.png",
        "image/png",
        &fixture("tiny.png"),
    )
    .await;
    let took = started.elapsed();
    assert_problem(resp, StatusCode::SERVICE_UNAVAILABLE, "unavailable").await;
    assert!(took < Duration::from_millis(TIMEOUT_MS + 2_000), "took {took:?}");
    assert_eq!(
        app.product("linen-wrap-midi-dress").await["images"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}
