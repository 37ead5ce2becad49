//! Latency of rate-limited catalogue reads while Redis is up, cut (connections refused), hung
//! (connections open, nothing answers) and back: the rate limiter's Redis budget
//! (`rate_limit.redis_timeout_ms`) and its in-memory fallback, measured.
//!
//! `cargo run --release -p beeget-tests --bin redis-outage-bench -- [SECONDS_PER_PHASE] [CONNECTIONS]`
//!
//! The server runs in this process on SQLite with its queue, rate limits and denylist in the
//! Redis of `BEEGET_TEST_REDIS_URL` (under a key prefix of its own), reached through a TCP
//! proxy the benchmark cuts and stalls; the clients share its cores. Every request is a
//! different catalogue URL from a rotating set (pages, sorts, filters, product pages), so the
//! catalogue cache does not serve one answer over and over.

// The server's middleware stack is a deep type; release builds need the higher limit.
#![recursion_limit = "256"]

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use beeget_tests::TestApp;
use futures_util::future::join_all;

/// Catalogue URLs a crowd of shoppers would ask for, varied.
fn crowd(slugs: &[String]) -> Vec<String> {
    let mut urls = Vec::new();
    for page in 1..=20 {
        for sort in ["newest", "price_asc", "price_desc", "title_asc"] {
            urls.push(format!("/products?page={page}&limit=12&sort={sort}"));
        }
        urls.push(format!("/products?page={page}&limit=24&inStock=true"));
        urls.push(format!("/products?page={page}&limit=12&minPrice={}", page * 500));
    }
    urls.extend(slugs.iter().map(|s| format!("/products/{s}")));
    urls.extend(["/categories".to_owned(), "/collections".to_owned()]);
    urls
}

/// Sends `urls` round-robin from `connections` clients for `seconds`; prints the latencies.
async fn phase(app: &TestApp, name: &str, urls: &Arc<Vec<String>>, seconds: u64, connections: usize) {
    let next = Arc::new(AtomicUsize::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let clients = (0..connections).map(|_| {
        let (client, base, urls, next) = (app.client.clone(), app.url(""), urls.clone(), next.clone());
        async move {
            let (mut latencies, mut failures) = (Vec::new(), 0_usize);
            while Instant::now() < deadline {
                let url = &urls[next.fetch_add(1, Ordering::Relaxed) % urls.len()];
                let sent = Instant::now();
                let ok = client
                    .get(format!("{base}{url}"))
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success());
                latencies.push(sent.elapsed());
                failures += usize::from(!ok);
            }
            (latencies, failures)
        }
    });
    let results = join_all(clients).await;
    let elapsed = started.elapsed();
    let failures: usize = results.iter().map(|(_, f)| f).sum();
    let mut latencies: Vec<Duration> = results.into_iter().flat_map(|(l, _)| l).collect();
    latencies.sort();
    let n = latencies.len();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let pct = |p: f64| ms(latencies[((n as f64 - 1.0) * p).round() as usize]);
    println!(
        "{name:<16} {n:>7} requests  {:>8.1} req/s  p50 {:>6.1} ms  p99 {:>6.1} ms  max {:>7.1} ms  non-2xx {failures}",
        n as f64 / elapsed.as_secs_f64(),
        pct(0.50),
        pct(0.99),
        ms(latencies[n - 1]),
    );
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let seconds: u64 = args.get(1).map_or(Ok(10), |s| s.parse())?;
    let connections: usize = args.get(2).map_or(Ok(16), |s| s.parse())?;
    let Some((app, proxy, _redis)) = TestApp::spawn_behind_redis_proxy(|c| {
        c.rate_limit.enabled = true;
        // Counted for every request, never reached: the benchmark measures the counting.
        c.rate_limit.per_ip_per_minute = 10_000_000;
    })
    .await
    else {
        anyhow::bail!("set BEEGET_TEST_REDIS_URL to a Redis server");
    };
    let slugs: Vec<String> = app
        .all_products("")
        .await
        .iter()
        .filter_map(|p| p["slug"].as_str().map(str::to_owned))
        .collect();
    let urls = Arc::new(crowd(&slugs));
    println!(
        "{} distinct URLs, {connections} connections, {seconds} s per phase",
        urls.len()
    );

    phase(&app, "redis up", &urls, seconds, connections).await;
    proxy.cut();
    phase(&app, "redis cut", &urls, seconds, connections).await;
    proxy.stall();
    phase(&app, "redis hung", &urls, seconds, connections).await;
    proxy.restore();
    phase(&app, "redis back", &urls, seconds, connections).await;
    Ok(())
}
