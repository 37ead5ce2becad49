//! Hostile or broken clients: a request sent in part and abandoned is closed after
//! `server.idle_timeout_secs` while others are served, and connections past
//! `server.max_connections` wait until one closes.

use std::time::{Duration, Instant};

use beeget_tests::{Backend, TestApp};
use reqwest::StatusCode;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

async fn connect(app: &TestApp) -> TcpStream {
    let port = app.address.rsplit(':').next().expect("port").to_owned();
    TcpStream::connect(format!("127.0.0.1:{port}")).await.expect("connect")
}

/// Waits for the server to close `stream` (end of stream or reset); how long it took.
async fn closed_by_server(stream: &mut TcpStream, within: Duration) -> Duration {
    let started = Instant::now();
    let mut buf = [0_u8; 1024];
    loop {
        match tokio::time::timeout(within, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return started.elapsed(),
            // A 408 or similar answer before the close is fine; keep reading to the close.
            Ok(Ok(_)) => continue,
            Err(_) => panic!("the connection was still open after {within:?}"),
        }
    }
}

#[tokio::test]
async fn requests_sent_in_part_are_closed_after_the_idle_timeout_while_others_are_served() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| c.server.idle_timeout_secs = 1)
        .await
        .expect("SQLite always runs");
    let mut half_line = connect(&app).await;
    half_line.write_all(b"GET /prod").await.unwrap();
    let mut half_headers = connect(&app).await;
    half_headers
        .write_all(b"GET /products HTTP/1.1\r\nhost: localhost\r\n")
        .await
        .unwrap();
    let mut half_body = connect(&app).await;
    half_body
        .write_all(b"POST /cms/contact HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"name\":")
        .await
        .unwrap();

    // Everyone else is served meanwhile.
    for _ in 0..5 {
        assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
    }
    for stream in [&mut half_line, &mut half_headers, &mut half_body] {
        let took = closed_by_server(stream, Duration::from_secs(5)).await;
        assert!(took < Duration::from_secs(5), "closed after {took:?}");
    }
    // On a new connection: the pooled one above sat idle past the 1 s timeout too, and the
    // server may close it just as the client reuses it.
    let fresh = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    let served = fresh.get(app.url("/products")).send().await.unwrap();
    assert_eq!(served.status(), StatusCode::OK);
}

#[tokio::test]
async fn connections_past_the_cap_wait_until_one_closes() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| c.server.max_connections = 2)
        .await
        .expect("SQLite always runs");
    let first = connect(&app).await;
    let second = connect(&app).await;
    // Both held open and silent: a third client waits.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let fresh = || reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    let waiting = fresh()
        .get(app.url("/healthz"))
        .timeout(Duration::from_millis(700))
        .send()
        .await;
    assert!(waiting.is_err(), "served past the cap: {waiting:?}");
    drop(first);
    let served = fresh()
        .get(app.url("/healthz"))
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .expect("served once a connection closed");
    assert_eq!(served.status(), StatusCode::OK);
    drop(second);
}
