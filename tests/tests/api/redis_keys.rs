//! Several stores (or test runs) share one Redis: everything a store writes there (rate-limit
//! windows, revoked tokens, its job queues) lives under its `redis.key_prefix`.

use beeget_tests::{TestApp, TestRedis};
use reqwest::{Method, StatusCode};
use serde_json::json;

/// apalis-redis 1.0 keeps one registry of queue names at this fixed key (its Lua scripts name
/// it; no setting moves it). Its members are our queues' prefixed names, so stores that share
/// the server still never touch each other's entries.
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
    let registered: Vec<String> = redis::cmd("ZRANGE")
        .arg(APALIS_QUEUE_REGISTRY)
        .arg(0)
        .arg(-1)
        .query_async(&mut conn)
        .await
        .unwrap();
    let mine: Vec<&String> = registered.iter().filter(|q| q.contains(&prefix)).collect();
    assert!(!mine.is_empty(), "our queues are registered");
    assert!(mine.iter().all(|q| q.starts_with(&format!("{prefix}:"))), "{mine:?}");
    drop(redis);
}
