//! The fault suite: PostgreSQL or Redis taken away from a running app (a TCP proxy between
//! them is cut, the shared servers are untouched) and given back. The app reports it in
//! `/readyz` within a second or two, its job workers come back by themselves, and a job
//! enqueued after the outage runs.

use std::time::{Duration, Instant};

use beeget_tests::{Backend, TEST_PASSWORD, TestApp, outage::CutProxy, problem_fields};
use reqwest::StatusCode;
use serde_json::json;

use crate::orders::{
    WEBHOOK_SECRET, add_to_cart, buyable, checkout, payment_reference, place, shopper, signed, stripe_event, webhook,
};

/// Quick supervision for tests: a stopped worker is restarted within a second.
fn quick_restarts(config: &mut beeget_api::config::Config) {
    config.jobs.restart_backoff_initial_ms = 100;
    config.jobs.restart_backoff_max_ms = 1_000;
    config.server.readiness_timeout_ms = 500;
}

/// `quick_restarts`, and the scheduler enqueueing `releaseUnpaidOrders` every second.
fn quick_restarts_and_a_schedule(config: &mut beeget_api::config::Config) {
    quick_restarts(config);
    config
        .jobs
        .schedule
        .insert("releaseUnpaidOrders".into(), "* * * * * *".into());
}

/// Waits until a tick of the every-second schedule due after `since` has been enqueued and
/// performed (its idempotency key completed): proof the scheduler and the worker both run.
async fn a_scheduled_job_runs_after(app: &TestApp, since: chrono::DateTime<chrono::Utc>) {
    let started = Instant::now();
    loop {
        for second in since.timestamp() + 1..=chrono::Utc::now().timestamp() {
            let key = format!("schedule:releaseUnpaidOrders:{second}");
            if app.repos.job_receipts.is_completed(&key).await.unwrap_or(false) {
                return;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "no scheduled tick after {since} ran"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
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

/// A contact form before `part` is cut, the outage, then a contact form and a scheduled tick
/// after it: the workers and the scheduler came back by themselves.
async fn background_work_survives_an_outage_of(app: &TestApp, proxy: &CutProxy, part: &str) {
    contact_form_reaches_staff(app, "Before the outage").await;
    outage(app, proxy, part, Duration::from_secs(3)).await;
    let restored = chrono::Utc::now();
    // Ready again means every worker of this app runs again (readiness checks them).
    contact_form_reaches_staff(app, "After the outage").await;
    a_scheduled_job_runs_after(app, restored).await;
}

#[tokio::test]
async fn job_workers_and_the_scheduler_come_back_after_postgres_is_cut_and_run_new_jobs() {
    let Some((app, proxy)) = TestApp::spawn_behind_postgres_proxy(quick_restarts_and_a_schedule).await else {
        return;
    };
    background_work_survives_an_outage_of(&app, &proxy, "database").await;
}

#[tokio::test]
async fn job_workers_and_the_scheduler_come_back_after_redis_is_cut_and_run_new_jobs() {
    let Some((app, proxy, _redis)) = TestApp::spawn_behind_redis_proxy(quick_restarts_and_a_schedule).await else {
        return;
    };
    background_work_survives_an_outage_of(&app, &proxy, "redis").await;
}

/// Many writes at once, each with a job in the outbox: the relay rounds they ask for are
/// folded together, and every job still reaches the queue once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_contact_forms_is_forwarded_once_each() {
    let Some((app, _proxy, _redis)) = TestApp::spawn_behind_redis_proxy(quick_restarts).await else {
        return;
    };
    let sends = (0..30).map(|i| {
        let (client, url) = (app.client.clone(), app.url("/cms/contact"));
        async move {
            let body = json!({"name": "Ada", "email": "ada@example.com", "subject": format!("Burst {i:02}."), "message": "Hello"});
            client.post(url).json(&body).send().await.unwrap().status()
        }
    });
    let statuses = futures_util::future::join_all(sends).await;
    assert!(statuses.iter().all(|s| *s == StatusCode::ACCEPTED), "{statuses:?}");
    for i in 0..30 {
        app.wait_for_email("staff@beeget.local", &format!("Burst {i:02}."))
            .await;
    }
    outbox_drains(&app).await;
    let forwards = std::fs::read_dir(app.outbox())
        .unwrap()
        .filter(|e| {
            std::fs::read_to_string(e.as_ref().unwrap().path()).is_ok_and(|mail| mail.contains("Contact form: Burst"))
        })
        .count();
    assert_eq!(forwards, 30, "each message forwarded once");
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
async fn a_redis_that_hangs_costs_requests_its_time_budget_never_a_hang() {
    let Some((app, proxy, _redis)) = TestApp::spawn_behind_redis_proxy(|c| {
        c.rate_limit.enabled = true;
        c.rate_limit.per_ip_per_minute = 1_000;
        c.redis.timeout_ms = 500;
        quick_restarts(c);
    })
    .await
    else {
        return;
    };
    let token = app.with_user("patient@example.com").await.access_token;
    let me = || app.call(reqwest::Method::GET, "/users/me", Some(&token), None);
    assert_eq!(me().await.status(), StatusCode::OK);

    // Connections stay open and nothing answers: only the app's own timeouts can help.
    proxy.stall();
    let mut slowest = Duration::ZERO;
    for page in 1..=40 {
        let started = Instant::now();
        let resp = app.get(&format!("/products?page={page}&limit=5")).await;
        slowest = slowest.max(started.elapsed());
        assert_eq!(resp.status(), StatusCode::OK, "counted in memory");
    }
    // The 50 ms budget once per second of outage, then memory (BENCHMARKS.md has the p99).
    assert!(
        slowest < Duration::from_secs(1),
        "a rate-limited request took {slowest:?}"
    );

    let started = Instant::now();
    let refused = me().await;
    assert_eq!(
        refused.status(),
        StatusCode::SERVICE_UNAVAILABLE,
        "the denylist fails closed"
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "the denylist waited {:?}",
        started.elapsed()
    );

    let started = Instant::now();
    let resp = app.get("/readyz").await;
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "/readyz waited {:?}",
        started.elapsed()
    );
    let body: serde_json::Value = resp.json().await.unwrap();
    assert!(problem_fields(&body).contains(&"redis".to_owned()), "{body}");

    proxy.restore();
    readiness_becomes(&app, StatusCode::OK, Duration::from_secs(15)).await;
    assert_eq!(me().await.status(), StatusCode::OK, "back without a restart");
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
    outbox_still_holds(&app, 1).await;

    proxy.restore();
    app.wait_for_email("staff@beeget.local", "Sent during the cut").await;
    assert_eq!(app.repos.job_outbox.count().await.unwrap(), 0, "relayed and removed");
}

/// A second later the outbox still holds its `jobs`: nothing is relayed while the queue is away.
async fn outbox_still_holds(app: &TestApp, jobs: u64) {
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        app.repos.job_outbox.count().await.unwrap(),
        jobs,
        "nothing relayed while Redis is away"
    );
}

/// The outbox is empty: every job written so far has reached the queue.
async fn outbox_drains(app: &TestApp) {
    let started = Instant::now();
    while app.repos.job_outbox.count().await.unwrap() > 0 {
        assert!(started.elapsed() < Duration::from_secs(10), "the outbox never drained");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_sign_up_and_a_payment_during_a_redis_cut_send_their_emails_after_it_returns() {
    let Some((app, proxy, _redis)) = TestApp::spawn_behind_redis_proxy(|c| {
        c.jobs.enqueue_timeout_ms = 300;
        c.jobs.outbox_relay_interval_ms = 100;
        c.payments.stripe.webhook_secret = beeget_api::config::Secret::new(WEBHOOK_SECRET);
        quick_restarts(c);
    })
    .await
    else {
        return;
    };
    // A 3-D Secure order, placed before the cut: the provider's webhook settles it during it
    // (an authenticated checkout during the cut is refused: the token denylist fails closed).
    let token = shopper(&app, "buyer@example.com").await;
    let (product, variant) = buyable(&app, 1).await;
    add_to_cart(&app, &token, &product, &variant, 1).await;
    let resp = place(&app, &token, "during-cut", &checkout("pm_card_authenticationRequired")).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let order: serde_json::Value = resp.json().await.unwrap();
    let reference = payment_reference(&app, &order).await;
    outbox_drains(&app).await;

    proxy.cut();
    let resp = app
        .post_json(
            "/auth/register",
            &json!({"name": "Newcomer", "email": "newcomer@example.com", "password": TEST_PASSWORD}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED, "the account and its email are kept");
    let succeeded = stripe_event(
        "evt_cut",
        "payment_intent.succeeded",
        json!({"id": reference, "object": "payment_intent", "metadata": {"order_id": order["id"]}}),
    );
    assert_eq!(
        webhook(&app, &succeeded, &signed(&succeeded)).await.status(),
        StatusCode::OK
    );
    let waiting: Vec<String> = app
        .repos
        .job_outbox
        .oldest(10)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.job.name)
        .collect();
    assert_eq!(waiting, ["sendVerificationEmail", "sendOrderConfirmation"]);
    outbox_still_holds(&app, 2).await;

    proxy.restore();
    app.wait_for_email("newcomer@example.com", "/verify-email?token=").await;
    app.wait_for_email("buyer@example.com", order["number"].as_str().unwrap())
        .await;
    outbox_drains(&app).await;
}

/// A statement PostgreSQL cancels at the statement timeout (here one waiting on a lock another
/// session holds) answers 503 like a database that cannot be reached, never a 500.
#[tokio::test]
async fn a_statement_cancelled_at_the_timeout_answers_503() {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let Some(app) = TestApp::spawn_with(Backend::Postgres, |c| c.database.statement_timeout_secs = 1).await else {
        return;
    };
    let staff = app.with_admin("patient-analyst@example.com").await;
    let lock = app.db.begin().await.unwrap();
    // What the sales report reads: the figures rollup and the best sellers' ones.
    lock.execute_unprepared("LOCK TABLE sales_slots, sales_product_months IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    let started = Instant::now();
    let resp = app
        .call(
            reqwest::Method::GET,
            "/admin/reports/sales",
            Some(&staff.access_token),
            None,
        )
        .await;
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "took {:?}",
        started.elapsed()
    );
    lock.rollback().await.unwrap();
    let resp = app
        .call(
            reqwest::Method::GET,
            "/admin/reports/sales",
            Some(&staff.access_token),
            None,
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK, "answers again once the lock is gone");
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
