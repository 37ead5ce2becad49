//! Checkout benchmark: `POST /cart` and `POST /orders` throughput and latency, and the time
//! 50 concurrent orders for the last 10 units take to settle.
//!
//! `cargo run --release -p beeget-tests --bin orders-bench -- [sqlite|postgres] [SECONDS] [CONNECTIONS]`
//!
//! The server runs in this process on the fake payment provider with its job workers (order
//! emails go to the outbox as in production); the clients share its two cores. PostgreSQL
//! comes from `BEEGET_TEST_POSTGRES_URL`.

// The server's middleware stack is a deep type; release builds need the higher limit.
#![recursion_limit = "256"]

use std::time::{Duration, Instant};

use beeget_api::repos::entities::product_variants;
use beeget_tests::{Backend, TestApp};
use futures_util::future::join_all;
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::{Value, json};

const PASSWORD: &str = "velvet-trench-coat-42";

struct Stats {
    latencies: Vec<Duration>,
    elapsed: Duration,
}

impl Stats {
    fn report(&mut self, what: &str) {
        self.latencies.sort();
        let n = self.latencies.len();
        let pct = |p: f64| self.latencies[((n as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0;
        println!(
            "{what:<14} {n:>6} requests  {:>8.1} req/s  p50 {:>6.1} ms  p99 {:>6.1} ms",
            n as f64 / self.elapsed.as_secs_f64(),
            pct(0.50),
            pct(0.99),
        );
    }
}

async fn shopper(app: &TestApp, email: &str) -> String {
    let resp = app
        .post_json(
            "/auth/register",
            &json!({"name": "Bench Shopper", "email": email, "password": PASSWORD}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let pair: Value = app
        .post_json("/auth/login", &json!({"email": email, "password": PASSWORD}))
        .await
        .json()
        .await
        .unwrap();
    pair["accessToken"].as_str().unwrap().to_owned()
}

async fn set_stock(app: &TestApp, variant: &str, count: i32) {
    product_variants::Entity::update_many()
        .col_expr(product_variants::Column::InventoryCount, Expr::value(count))
        .filter(product_variants::Column::Id.eq(uuid::Uuid::parse_str(variant).unwrap()))
        .exec(&app.db)
        .await
        .unwrap();
}

async fn add(app: &TestApp, token: &str, product: &str, variant: &str) -> Value {
    let resp = app
        .client
        .post(app.url("/cart"))
        .bearer_auth(token)
        .json(&json!({"productId": product, "variantId": variant, "qty": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    resp.json().await.unwrap()
}

async fn order(app: &TestApp, token: &str, key: &str) -> StatusCode {
    app.client
        .post(app.url("/orders"))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(&json!({
            "shippingAddress": {"line1": "1 Bench St", "city": "Leeds", "zip": "LS1 1AA", "country": "GB"},
            "paymentMethod": "pm_card_visa"
        }))
        .send()
        .await
        .unwrap()
        .status()
}

/// Runs `op` on every connection until `seconds` pass; the latencies of its timed part.
async fn run<'a, F, Fut>(tokens: &'a [String], seconds: u64, op: F) -> Stats
where
    F: Fn(&'a str, usize) -> Fut + Copy,
    Fut: std::future::Future<Output = Duration>,
{
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let per_connection = join_all(tokens.iter().map(|token| async move {
        let mut latencies = Vec::new();
        let mut i = 0;
        while Instant::now() < deadline {
            latencies.push(op(token, i).await);
            i += 1;
        }
        latencies
    }))
    .await;
    Stats {
        elapsed: started.elapsed(),
        latencies: per_connection.into_iter().flatten().collect(),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let backend = match args.get(1).map_or("sqlite", String::as_str) {
        "postgres" => Backend::Postgres,
        _ => Backend::Sqlite,
    };
    let seconds: u64 = args.get(2).map_or(Ok(10), |s| s.parse())?;
    let connections: usize = args.get(3).map_or(Ok(16), |s| s.parse())?;
    let app = TestApp::spawn_with(backend, |c| {
        c.database.max_connections = 16;
    })
    .await
    .ok_or_else(|| anyhow::anyhow!("set BEEGET_TEST_POSTGRES_URL"))?;
    let product = app.product("linen-wrap-midi-dress").await;
    let product_id = product["id"].as_str().unwrap().to_owned();
    let variant_id = product["variants"][0]["id"].as_str().unwrap().to_owned();
    set_stock(&app, &variant_id, 1_000_000).await;
    let tokens = join_all((0..connections).map(|i| {
        let app = &app;
        async move { shopper(app, &format!("bench{i}@example.com")).await }
    }))
    .await;
    println!("{backend:?}, {connections} connections, {seconds} s per phase");

    let (app_ref, product, variant) = (&app, product_id.as_str(), variant_id.as_str());
    // POST /cart: add one unit, then remove the line (untimed) so it never reaches 99.
    let mut cart = run(&tokens, seconds, |token, _| async move {
        let started = Instant::now();
        let body = add(app_ref, token, product, variant).await;
        let took = started.elapsed();
        let line = body["items"][0]["id"].as_str().unwrap().to_owned();
        let resp = app_ref
            .client
            .delete(app_ref.url(&format!("/cart/{line}")))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        took
    })
    .await;
    cart.report("POST /cart");

    // POST /orders: a fresh cart line (untimed), then the checkout.
    let mut orders = run(&tokens, seconds, |token, i| async move {
        add(app_ref, token, product, variant).await;
        let started = Instant::now();
        let status = order(app_ref, token, &format!("bench-{i}-{}", uuid::Uuid::now_v7())).await;
        assert_eq!(status, StatusCode::CREATED);
        started.elapsed()
    })
    .await;
    orders.report("POST /orders");

    // The oversell scenario of the test suite, timed: 50 orders race for 10 units.
    let racers = join_all((0..50).map(|i| {
        let app = &app;
        async move { shopper(app, &format!("race{i}@example.com")).await }
    }))
    .await;
    let mut rounds = Vec::new();
    for round in 0..5 {
        set_stock(&app, variant, 1_000).await;
        for token in &racers {
            add(&app, token, product, variant).await;
        }
        set_stock(&app, variant, 10).await;
        let started = Instant::now();
        let statuses = join_all(
            racers
                .iter()
                .enumerate()
                .map(|(i, token)| async move { order(app_ref, token, &format!("race-{round}-{i}")).await }),
        )
        .await;
        rounds.push(started.elapsed());
        let created = statuses.iter().filter(|s| **s == StatusCode::CREATED).count();
        assert_eq!(created, 10, "exactly ten orders");
        // Empty the losers' carts for the next round.
        for token in &racers {
            let cart: Value = app
                .client
                .get(app.url("/cart"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            for line in cart["items"].as_array().unwrap() {
                app.client
                    .delete(app.url(&format!("/cart/{}", line["id"].as_str().unwrap())))
                    .bearer_auth(token)
                    .send()
                    .await
                    .unwrap();
            }
        }
    }
    rounds.sort();
    println!(
        "oversell race  50 orders for 10 units, 5 rounds: median {:.0} ms, slowest {:.0} ms (10 created each time)",
        rounds[2].as_secs_f64() * 1000.0,
        rounds[4].as_secs_f64() * 1000.0
    );
    app.stop().await;
    Ok(())
}
