//! Several stores (or test runs) share one Redis: everything a store writes there (rate-limit
//! windows, revoked tokens, its job queues) lives under its `redis.key_prefix`.

use beeget_tests::{TestApp, TestRedis};
use reqwest::{Method, StatusCode};
use serde_json::json;

/// Where apalis-redis 1.0 itself keeps its registry of queue names, outside any prefix; the
/// queue's connection moves it under ours.
const APALIS_QUEUE_REGISTRY: &str = "core:apalis:queues:list";

#[tokio::test]
async fn every_key_a_store_writes_in_redis_is_under_its_prefix() {
    let Some(redis) = TestRedis::create() else {
        return;
    };
    let (url, prefix) = (redis.url.clone(), redis.prefix.clone());
    let app = TestApp::spawn_with(beeget_tests::Backend::Sqlite, |c| {
        c.redis.url = beeget_api::config::Secret::new(url.clone());
        c.redis.key_prefix = prefix.clone();
        c.rate_limit.enabled = true;
    })
    .await
    .expect("SQLite app");

    // A rate-limited read, a sign-up (its verification email queued), a logout (a revoked token).
    assert_eq!(app.get("/categories").await.status(), StatusCode::OK);
    let user = app.with_user("keys@example.com").await;
    app.wait_for_email("keys@example.com", "/verify-email?token=").await;
    let resp = app
        .call(
            Method::POST,
            "/auth/logout",
            Some(&user.access_token),
            Some(&json!({"refreshToken": user.refresh_token})),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);

    let client = redis::Client::open(url.as_str()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let ours: Vec<String> = redis::cmd("KEYS")
        .arg(format!("*{prefix}*"))
        .query_async(&mut conn)
        .await
        .unwrap();
    let outside: Vec<&String> = ours.iter().filter(|k| !k.starts_with(&format!("{prefix}:"))).collect();
    assert!(outside.is_empty(), "keys outside the prefix: {outside:?}");
    for kind in ["rate", "denied", "mail"] {
        assert!(
            ours.iter().any(|k| k.contains(kind)),
            "no {kind} key under the prefix: {ours:?}"
        );
    }
    let registry = |key: String| {
        let mut conn = conn.clone();
        async move {
            redis::cmd("ZRANGE")
                .arg(key)
                .arg(0)
                .arg(-1)
                .query_async::<Vec<String>>(&mut conn)
                .await
                .unwrap()
        }
    };
    let unprefixed = registry(APALIS_QUEUE_REGISTRY.to_owned()).await;
    assert!(
        !unprefixed.iter().any(|q| q.contains(&prefix)),
        "our queues in apalis's own registry: {unprefixed:?}"
    );
    let registered = registry(format!("{prefix}:apalis:queues:list")).await;
    assert!(
        registered.iter().any(|q| q.starts_with(&format!("{prefix}:jobs:mail"))),
        "the mail queue is registered under the prefix: {registered:?}"
    );
    drop(redis);
}
