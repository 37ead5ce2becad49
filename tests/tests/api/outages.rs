//! The fault suite: PostgreSQL or Redis taken away from a running app (a TCP proxy between
//! them is cut, the shared servers are untouched) and given back. The app reports it in
//! `/readyz` within a second or two, its job workers come back by themselves, and a job
//! enqueued after the outage runs.

use std::time::{Duration, Instant};

use beeget_tests::{Backend, TestApp, outage::CutProxy, problem_fields};
use reqwest::StatusCode;
use serde_json::json;

/// Quick supervision for tests: a stopped worker is restarted within a second.
fn quick_restarts(config: &mut beeget_api::config::Config) {
    config.jobs.restart_backoff_initial_ms = 100;
    config.jobs.restart_backoff_max_ms = 1_000;
    config.server.readiness_timeout_ms = 500;
}

/// Polls `/readyz` until its status is `want`; returns how long that took.
async fn readiness_becomes(app: &TestApp, want: StatusCode, within: Duration) -> Duration {
    let started = Instant::now();
    loop {
        if app.get("/readyz").await.status() == want {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < within,
            "/readyz did not become {want} within {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A contact message sent now is forwarded to staff by a job: proof the mail worker runs.
async fn contact_form_reaches_staff(app: &TestApp, subject: &str) {
    let resp = app
        .post_json(
            "/cms/contact",
            &json!({"name": "Ada", "email": "ada@example.com", "subject": subject, "message": "Still there?"}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    app.wait_for_email("staff@beeget.local", subject).await;
}

/// Cuts the proxy, checks readiness names `part`, waits `outage`, restores, and checks the app
/// is ready again with its workers running.
async fn outage(app: &TestApp, proxy: &CutProxy, part: &str, outage: Duration) {
    proxy.cut();
    readiness_becomes(app, StatusCode::SERVICE_UNAVAILABLE, Duration::from_secs(3)).await;
    let body: serde_json::Value = app.get("/readyz").await.json().await.expect("problem");
    assert!(problem_fields(&body).contains(&part.to_owned()), "{body}");
    tokio::time::sleep(outage).await;
    proxy.restore();
    readiness_becomes(app, StatusCode::OK, Duration::from_secs(15)).await;
}

#[tokio::test]
async fn job_workers_come_back_after_postgres_is_cut_and_run_new_jobs() {
    let Some((app, proxy)) = TestApp::spawn_behind_postgres_proxy(quick_restarts).await else {
        return;
    };
    contact_form_reaches_staff(&app, "Before the outage").await;

    outage(&app, &proxy, "database", Duration::from_secs(3)).await;

    // Ready again means every worker of this app runs again (readiness checks them).
    contact_form_reaches_staff(&app, "After the outage").await;
}

#[tokio::test]
async fn job_workers_come_back_after_redis_is_cut_and_run_new_jobs() {
    let Some((app, proxy, _redis)) = TestApp::spawn_behind_redis_proxy(quick_restarts).await else {
        return;
    };
    contact_form_reaches_staff(&app, "Before the outage").await;

    outage(&app, &proxy, "redis", Duration::from_secs(3)).await;

    // Ready again means every worker of this app runs again (readiness checks them).
    contact_form_reaches_staff(&app, "After the outage").await;
}

#[tokio::test]
async fn rate_limits_are_counted_in_memory_while_redis_is_cut() {
    let Some((app, proxy, _redis)) = TestApp::spawn_behind_redis_proxy(|c| {
        c.rate_limit.enabled = true;
        c.rate_limit.per_ip_per_minute = 5;
        quick_restarts(c);
    })
    .await
    else {
        return;
    };
    assert_eq!(
        app.get("/categories").await.status(),
        StatusCode::OK,
        "counted in Redis"
    );

    proxy.cut();
    let mut slowest = Duration::ZERO;
    for _ in 0..5 {
        let started = Instant::now();
        assert_eq!(app.get("/categories").await.status(), StatusCode::OK);
        slowest = slowest.max(started.elapsed());
    }
    // Never a wait on the dead server: its 50 ms budget once, then memory.
    assert!(slowest < Duration::from_secs(1), "a request took {slowest:?}");
    let refused = app.get("/categories").await;
    assert_eq!(
        refused.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the limit still holds, counted in memory"
    );
    proxy.restore();
}

#[tokio::test]
async fn a_contact_form_sent_while_the_redis_queue_is_cut_is_forwarded_after_it_returns() {
    let Some((app, proxy, _redis)) = TestApp::spawn_behind_redis_proxy(|c| {
        c.jobs.enqueue_timeout_ms = 300;
        c.jobs.outbox_relay_interval_ms = 100;
        quick_restarts(c);
    })
    .await
    else {
        return;
    };

    proxy.cut();
    let resp = app
        .post_json(
            "/cms/contact",
            &json!({"name": "Ada", "email": "ada@example.com", "subject": "Sent during the cut", "message": "Hello?"}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED, "kept in the outbox, so accepted");
    assert_eq!(
        app.repos.job_outbox.count().await.unwrap(),
        1,
        "the forward waits in the outbox"
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        app.repos.job_outbox.count().await.unwrap(),
        1,
        "nothing relayed while Redis is away"
    );

    proxy.restore();
    app.wait_for_email("staff@beeget.local", "Sent during the cut").await;
    assert_eq!(app.repos.job_outbox.count().await.unwrap(), 0, "relayed and removed");
}

#[tokio::test]
async fn postgres_ends_a_statement_that_runs_past_the_statement_timeout() {
    let Some(app) = TestApp::spawn_with(Backend::Postgres, |c| c.database.statement_timeout_secs = 1).await else {
        return;
    };
    let started = Instant::now();
    let result = sea_orm::ConnectionTrait::execute_unprepared(&app.db, "SELECT pg_sleep(5)").await;
    let err = result.expect_err("cancelled by statement_timeout");
    assert!(err.to_string().contains("statement timeout"), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "took {:?}",
        started.elapsed()
    );
}
