//! Cross-cutting HTTP behaviour: problems for framework errors, limits, request ids, headers,
//! CORS, operations endpoints, docs, media, base path and graceful shutdown.

use beeget_tests::{Backend, TestApp, assert_problem, problem_fields};
use reqwest::StatusCode;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn contact() -> serde_json::Value {
    json!({"name": "Ada", "email": "Ada@Example.com", "subject": "Sizing", "message": "Does the linen dress run large?"})
}

#[tokio::test]
async fn framework_errors_are_problems() {
    let app = TestApp::spawn().await;
    assert_problem(app.get("/no/such/route").await, StatusCode::NOT_FOUND, "not_found").await;

    // A 405 says which methods the path has, read from the spec.
    let resp = app.client.delete(app.url("/products")).send().await.unwrap();
    assert_eq!(resp.headers()["allow"], "GET");
    assert_problem(resp, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
    let resp = app
        .client
        .put(app.url("/users/me/addresses/some-id"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["allow"], "DELETE, PATCH");
    assert_problem(resp, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
    let resp = app.client.patch(app.url("/cart/promo-code")).send().await.unwrap();
    assert_eq!(
        resp.headers()["allow"],
        "DELETE, PUT",
        "the literal path wins over /cart/{{itemId}}"
    );

    let resp = app
        .client
        .post(app.url("/cms/contact"))
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    assert_problem(resp, StatusCode::BAD_REQUEST, "malformed_json").await;

    let resp = app
        .client
        .post(app.url("/cms/contact"))
        .body("name=Ada")
        .send()
        .await
        .unwrap();
    assert_problem(resp, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type").await;
}

/// A JSON `true` or `5` where the spec declares a string is refused (422 naming the field),
/// never stored as the text "true"; so is a null for a field that is not nullable.
#[tokio::test]
async fn wrong_json_types_are_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    let cases = [
        (
            "/auth/register",
            json!({"name": true, "email": "typed@example.com", "password": "a-long-enough-pass"}),
            "name",
        ),
        (
            "/auth/register",
            json!({"name": "Ada", "email": 5, "password": "a-long-enough-pass"}),
            "email",
        ),
        ("/auth/forgot-password", json!({"email": false}), "email"),
        ("/auth/resend-verification", json!({"email": 12}), "email"),
        (
            "/auth/login",
            json!({"email": "a@example.com", "password": null}),
            "password",
        ),
        (
            "/cms/contact",
            json!({"name": "Ada", "email": "ada@example.com", "subject": 1.5, "message": "Hello"}),
            "subject",
        ),
        (
            "/cms/contact",
            json!({"name": "Ada", "email": "ada@example.com", "subject": "Hi", "message": ["Hello"]}),
            "message",
        ),
        ("/cms/contact", json!(["not", "an", "object"]), "body"),
    ];
    for (path, body, field) in cases {
        let problem = assert_problem(
            app.post_json(path, &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(problem_fields(&problem), [field], "{path} {body}");
    }
    assert!(
        app.repos.contact.list_recent(10).await.unwrap().is_empty(),
        "nothing stored"
    );
    assert!(
        app.repos
            .users
            .find_by_email("typed@example.com")
            .await
            .unwrap()
            .is_none(),
        "nobody registered"
    );
    // A signed-in shopper's profile: the same rule.
    let resp = app
        .post_json(
            "/auth/register",
            &json!({"name": "Typed Shopper", "email": "shopper-typed@example.com", "password": "a-long-enough-pass"}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let login: serde_json::Value = app
        .post_json(
            "/auth/login",
            &json!({"email": "shopper-typed@example.com", "password": "a-long-enough-pass"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let token = login["accessToken"].as_str().unwrap();
    let resp = app
        .call(
            reqwest::Method::PATCH,
            "/users/me",
            Some(token),
            Some(&json!({"name": true})),
        )
        .await;
    let problem = assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem_fields(&problem), ["name"]);
    let me: serde_json::Value = app
        .call(reqwest::Method::GET, "/users/me", Some(token), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["name"], "Typed Shopper");
}

#[tokio::test]
async fn contact_form_validates_and_stores() {
    let app = TestApp::spawn().await;
    let resp = app.post_json("/cms/contact", &contact()).await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let receipt: serde_json::Value = resp.json().await.unwrap();
    let stored = app.repos.contact.list_recent(10).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].id.to_string(), receipt["id"].as_str().unwrap());
    assert_eq!(stored[0].email, "ada@example.com");

    let mut bad = contact();
    bad["email"] = json!("not-an-email");
    bad["message"] = json!("   ");
    let body = assert_problem(
        app.post_json("/cms/contact", &bad).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(problem_fields(&body), ["email", "message"]);

    // Fields the client may not send are refused, not silently dropped.
    let mut extra = contact();
    extra["userId"] = json!("someone-else");
    let body = assert_problem(
        app.post_json("/cms/contact", &extra).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(problem_fields(&body), ["userId"]);
    assert_eq!(app.repos.contact.list_recent(10).await.unwrap().len(), 1);
}

#[tokio::test]
async fn oversized_bodies_get_413_declared_or_chunked() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| c.server.max_body_bytes = 2048)
        .await
        .unwrap();
    let mut big = contact();
    big["message"] = json!("x".repeat(4000));
    let resp = app.post_json("/cms/contact", &big).await;
    assert_problem(resp, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;

    // Chunked upload without Content-Length, over raw TCP.
    let port = app.address.rsplit(':').next().unwrap().to_owned();
    let mut stream = tokio::net::TcpStream::connect(format!("127.0.0.1:{port}"))
        .await
        .unwrap();
    let body = serde_json::to_vec(&big).unwrap();
    let mut request = format!(
        "POST /cms/contact HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n{:x}\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(&body);
    request.extend_from_slice(b"\r\n0\r\n\r\n");
    stream.write_all(&request).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 413"), "{response}");
    assert!(response.contains("application/problem+json"), "{response}");

    // A body under the limit still works.
    assert_eq!(
        app.post_json("/cms/contact", &contact()).await.status(),
        StatusCode::ACCEPTED
    );
}

#[tokio::test]
async fn request_ids_are_echoed_or_generated() {
    let app = TestApp::spawn().await;
    let resp = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "trace-abc.123")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["x-request-id"], "trace-abc.123");

    let resp = app.get("/healthz").await;
    let generated = resp.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert!(uuid::Uuid::parse_str(&generated).is_ok(), "{generated}");

    // Unsafe client ids are replaced, never reflected.
    let resp = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "a b<script>")
        .send()
        .await
        .unwrap();
    assert_ne!(resp.headers()["x-request-id"], "a b<script>");

    // Problems carry the same id as the header.
    let resp = app
        .client
        .get(app.url("/products/nope"))
        .header("x-request-id", "find-me-42")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["x-request-id"], "find-me-42");
    let body = assert_problem(resp, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(body["requestId"], "find-me-42");
}

#[tokio::test]
async fn security_headers_on_every_response() {
    let app = TestApp::spawn().await;
    for path in [
        "/products",
        "/no/such/route",
        "/openapi.json",
        "/media/products/dress-sage.svg",
    ] {
        let resp = app.get(path).await;
        let h = resp.headers();
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert!(h.contains_key("referrer-policy"), "{path}");
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(
            csp.starts_with("default-src 'none'") && !csp.contains("unsafe-inline"),
            "{path}: {csp}"
        );
    }
    let docs = app.get("/docs").await;
    assert_eq!(docs.status(), StatusCode::OK);
    let csp = docs.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(
        csp.contains("script-src 'self' 'unsafe-inline'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert!(
        docs.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = docs.text().await.unwrap();
    assert!(html.contains("swagger"), "Swagger UI page expected");
}

#[tokio::test]
async fn cors_allows_configured_origins_only() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.server.cors_origins = vec!["https://shop.example".into()]
    })
    .await
    .unwrap();
    let preflight = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/products"))
        .header("origin", "https://shop.example")
        .header("access-control-request-method", "GET")
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success(), "{}", preflight.status());
    assert_eq!(
        preflight.headers()["access-control-allow-origin"],
        "https://shop.example"
    );

    let simple = app
        .client
        .get(app.url("/products"))
        .header("origin", "https://shop.example")
        .send()
        .await
        .unwrap();
    assert_eq!(simple.headers()["access-control-allow-origin"], "https://shop.example");

    let foreign = app
        .client
        .get(app.url("/products"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(
        foreign.status(),
        StatusCode::OK,
        "answered as without an Origin: the browser, not the server, withholds it"
    );
    assert!(!foreign.headers().contains_key("access-control-allow-origin"));

    let refused = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/products"))
        .header("origin", "https://evil.example")
        .header("access-control-request-method", "GET")
        .send()
        .await
        .unwrap();
    assert!(!refused.headers().contains_key("access-control-allow-origin"));
    assert_eq!(
        refused.headers()["x-content-type-options"],
        "nosniff",
        "refusals carry security headers"
    );
    assert!(refused.headers().contains_key("x-request-id"));
}

#[tokio::test]
async fn operations_endpoints() {
    let app = TestApp::spawn().await;
    assert_eq!(app.ok_json("/healthz").await["status"], "ok");
    let ready = app.ok_json("/readyz").await;
    assert_eq!(ready["status"], "ready");
    assert_eq!(ready["database"], "sqlite");

    app.get("/products?limit=1").await;
    app.get("/products/no-such-product").await;
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.lines().any(|l| l.starts_with("http_requests_total")
            && l.contains("route=\"listProducts\"")
            && l.contains("status=\"200\"")),
        "{metrics}"
    );
    assert!(
        metrics.lines().any(|l| l.starts_with("http_requests_total")
            && l.contains("route=\"getProduct\"")
            && l.contains("status=\"404\"")),
        "{metrics}"
    );
    assert!(
        metrics.contains("http_request_duration_seconds_bucket"),
        "latency histogram missing"
    );
    assert!(
        metrics.contains("db_pool_connections{state=\"open\"}"),
        "pool gauge missing"
    );
}

#[tokio::test]
async fn media_is_served() {
    let app = TestApp::spawn().await;
    let product = app.product("linen-wrap-midi-dress").await;
    let image = product["images"][0].as_str().unwrap();
    let resp = app.get(image).await;
    assert_eq!(resp.status(), StatusCode::OK, "{image}");
    assert_eq!(resp.headers()["content-type"], "image/svg+xml");
    assert!(resp.text().await.unwrap().contains("<svg"));
    assert_problem(
        app.get("/media/products/missing.svg").await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let resp = app.get("/media/../Cargo.toml").await;
    assert!(resp.status().is_client_error(), "path traversal must fail");
    // An encoded traversal is refused without naming where the server keeps its files.
    let media_dir = std::fs::canonicalize(&app.config.media.dir).unwrap();
    for path in [
        "/media/..%2Fbeeget.db",
        "/media/..%2F..%2FCargo.toml",
        "/media/%2Fetc%2Fpasswd",
    ] {
        let resp = app.get(path).await;
        let status = resp.status();
        let body = resp.text().await.unwrap();
        assert!(status.is_client_error(), "{path}: {status}");
        assert!(!body.contains(media_dir.to_str().unwrap()), "{path}: {body}");
        assert!(!body.contains("/tmp") && !body.contains("data/"), "{path}: {body}");
    }
}

#[tokio::test]
async fn base_path_mounts_everything_under_a_prefix() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| c.server.base_path = "/api".into())
        .await
        .unwrap();
    assert!(app.address.ends_with("/api"));
    assert_eq!(app.ok_json("/products?limit=1").await["limit"], 1);
    let spec = app.ok_json("/openapi.json").await;
    assert_eq!(spec["servers"][0]["url"], "/api");
    let image = app.product("linen-wrap-midi-dress").await["images"][0]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(image.starts_with("/api/media/"), "{image}");
    let root = app.url("").replace("/api", "");
    let resp = app.client.get(format!("{root}/products")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn shutdown_drains_in_flight_requests() {
    let mut app = TestApp::spawn().await;
    let port = app.address.rsplit(':').next().unwrap().to_owned();
    let body = serde_json::to_vec(&contact()).unwrap();
    let mut stream = tokio::net::TcpStream::connect(format!("127.0.0.1:{port}"))
        .await
        .unwrap();
    let head = format!(
        "POST /cms/contact HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body[..10]).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;

    app.begin_shutdown();
    // New connections are refused once shutdown began...
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(3);
    while tokio::net::TcpStream::connect(format!("127.0.0.1:{port}"))
        .await
        .is_ok()
    {
        assert!(
            std::time::Instant::now() < deadline,
            "still accepting connections after shutdown began"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    // ...while the request already in flight completes.
    stream.write_all(&body[10..]).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 202"), "{response}");
    app.stop().await;
}

#[tokio::test]
async fn readiness_reports_a_lost_database_as_503() {
    let Some(app) = TestApp::spawn_with(Backend::Postgres, |c| c.database.acquire_timeout_secs = 2).await else {
        return;
    };
    assert_eq!(app.ok_json("/readyz").await["status"], "ready");
    let url = app.config.database.url.clone();
    let name = url.rsplit('/').next().unwrap().split('?').next().unwrap().to_owned();
    let admin = sea_orm::Database::connect(std::env::var(beeget_tests::POSTGRES_URL_VAR).unwrap())
        .await
        .unwrap();
    sea_orm::ConnectionTrait::execute_unprepared(&admin, &format!("DROP DATABASE {name} WITH (FORCE)"))
        .await
        .unwrap();

    let body = assert_problem(app.get("/readyz").await, StatusCode::SERVICE_UNAVAILABLE, "unavailable").await;
    assert!(!body.to_string().contains(&name), "internals leaked: {body}");
    // Data endpoints fail cleanly too: never a 500 with internals, never a hang.
    let resp = app.get("/cms/pages/about").await;
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert!(!body.to_string().contains("SELECT"), "SQL leaked: {body}");
    // The catalogue is this process's index: it still answers, and nothing can change it
    // while the database is gone...
    let listed = app.ok_json("/products?limit=1").await;
    let slug = listed["items"][0]["slug"].as_str().unwrap();
    // ...but what also needs the category tree or the promotions, not read yet, is 503.
    assert_problem(
        app.get("/products?category=women").await,
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
    )
    .await;
    assert_problem(
        app.get(&format!("/products/{slug}")).await,
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
    )
    .await;
    assert!(
        app.ok_json("/healthz").await["status"] == "ok",
        "liveness does not depend on the database"
    );
}
