//! Background jobs for staff over HTTP: a job that failed for good is listed with its error,
//! retried by hand (audited), and runs again.

use std::time::Duration;

use beeget_api::{jobs::QueueName, repos::NewDeferredJob};
use beeget_tests::{TestApp, assert_problem};
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::{audit::audit_entries, orders::get};

/// Polls `GET /admin/jobs?{query}` until `done` holds for it (10 s at most).
async fn wait_for_jobs(app: &TestApp, token: &str, query: &str, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..100 {
        let page: Value = get(app, token, &format!("/admin/jobs?{query}"))
            .await
            .json()
            .await
            .unwrap();
        if done(&page) {
            return page;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("jobs never matched for {query}");
}

#[tokio::test]
async fn a_failed_job_is_listed_retried_by_hand_and_runs_again() {
    let app = TestApp::spawn().await;
    let staff = app.with_admin("night-shift@example.com").await;
    let t = &staff.access_token;
    // A job no handler knows fails for good on its first run.
    app.repos
        .job_outbox
        .defer(NewDeferredJob {
            queue: QueueName::Mail.as_str().to_owned(),
            name: "noSuchJob".into(),
            payload: "{}".into(),
            idempotency_key: None,
        })
        .await
        .unwrap();
    let failed = wait_for_jobs(&app, t, "status=failed", |p| p["total"] == 1).await;
    let job = failed["items"][0].clone();
    assert_eq!(job["name"], "noSuchJob");
    assert_eq!(job["status"], "failed");
    assert!(job["lastError"].as_str().unwrap().contains("noSuchJob"), "{job}");
    let all: Value = get(&app, t, "/admin/jobs?limit=1").await.json().await.unwrap();
    assert_eq!(all["limit"], 1);
    assert!(all["total"].as_u64().unwrap() >= 1);
    let id = job["id"].as_str().unwrap();

    let runs = || {
        let text = beeget_api::http::metrics::handle().render();
        text.lines()
            .filter(|l| l.starts_with("jobs_finished_total") && l.contains("noSuchJob"))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum::<f64>()
    };
    let before = runs();
    assert!(before >= 1.0, "the first run is counted");
    let resp = app
        .call(Method::POST, &format!("/admin/jobs/{id}/retry"), Some(t), None)
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.json::<Value>().await.unwrap()["status"], "queued");
    // It ran again (and, still unknown, failed again): the retry put it back in the queue.
    for _ in 0..100 {
        if runs() > before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(runs() > before, "the retried job ran again");
    let again = wait_for_jobs(&app, t, "status=failed", |p| p["total"] == 1).await;
    assert_eq!(again["items"][0]["id"], id);
    let entries = audit_entries(&app, t, "targetType=job").await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["action"], "job.retried");
    assert_eq!(entries[0]["changes"][0]["after"], id, "{entries:#?}");

    let resp = app
        .call(
            Method::POST,
            "/admin/jobs/01JNOSUCHJOB0000000000000/retry",
            Some(t),
            None,
        )
        .await;
    assert_problem(resp, StatusCode::NOT_FOUND, "not_found").await;
}
