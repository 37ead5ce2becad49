//! Email through the job queue: the contact form's forward end to end, idempotency keys (one
//! message per key however often it is queued or delivered), and a transport error that
//! turns into a retry.

use std::time::{Duration, Instant};

use beeget_api::{
    config::{EmailTransport, Secret},
    jobs::{self, Enqueued, ForwardContactMessage, JobEnvelope, JobStatus},
    repos::NewContactMessage,
};
use beeget_tests::TestApp;
use reqwest::StatusCode;
use serde_json::json;
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{method, path},
};

use crate::jobs::{Harness, QueueBackend};

fn eml_files(dir: &std::path::Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .collect()
}

async fn wait_for_emails(dir: &std::path::Path, n: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let files = eml_files(dir);
        if files.len() >= n {
            return files;
        }
        assert!(Instant::now() < deadline, "{} of {n} emails written", files.len());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A display name with header specials (`,` `:` `;` `@` parentheses) is quoted in Reply-To,
/// so the forward is delivered and staff can answer it.
#[tokio::test]
async fn a_contact_name_with_header_specials_is_forwarded() {
    let app = TestApp::spawn().await;
    let resp = app
        .post_json(
            "/cms/contact",
            &json!({"name": "Doe, Jane (Shop: A; B@C)", "email": "jane@example.com", "subject": "Sizes", "message": "Hi"}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let emails = wait_for_emails(&app.outbox(), 1).await;
    let raw = &emails[0];
    let header = raw
        .lines()
        .find_map(|l| l.strip_prefix("Reply-To: "))
        .unwrap_or_else(|| panic!("no Reply-To in {raw}"));
    let (name, address) = header.rsplit_once(' ').expect("name and address");
    assert_eq!(address, "<jane@example.com>");
    // lettre writes a name with header specials as an RFC 2047 encoded word.
    let encoded = name
        .strip_prefix("=?utf-8?b?")
        .and_then(|n| n.strip_suffix("?="))
        .unwrap_or_else(|| panic!("{header}"));
    use base64::Engine;
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded).unwrap();
    assert_eq!(String::from_utf8(decoded).unwrap(), "Doe, Jane (Shop: A; B@C)");
}

#[tokio::test]
async fn contact_form_is_forwarded_to_staff_by_a_job() {
    let app = TestApp::spawn().await;
    let resp = app
        .post_json(
            "/cms/contact",
            &json!({
                "name": "Ada <script>",
                "email": "ada@example.com",
                "subject": "Where is my parcel?",
                "message": "Ordered last week, no news yet."
            }),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let emails = wait_for_emails(&app.outbox(), 1).await;
    let raw = &emails[0];
    assert!(raw.contains("To: \"Beeget Staff\" <staff@beeget.local>"), "{raw}");
    assert!(raw.contains("Subject: Contact form: Where is my parcel?"), "{raw}");
    assert!(raw.contains("Reply-To:"), "{raw}");
    assert!(raw.contains("Ordered last week"), "{raw}");

    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains("jobs_enqueued_total{job=\"forwardContactMessage\"}"),
        "{metrics}"
    );
    assert!(metrics.contains("jobs_queue_depth{queue=\"mail\"}"), "{metrics}");
    assert!(
        metrics.contains("jobs_finished_total{job=\"forwardContactMessage\",outcome=\"succeeded\"}"),
        "{metrics}"
    );
    app.stop().await;
}

#[tokio::test]
async fn an_idempotency_key_means_one_email_however_often_queued_or_delivered() {
    let h = Harness::new(QueueBackend::Sqlite, |_| {}).await.unwrap();
    let message = h
        .repos
        .contact
        .create(
            uuid::Uuid::now_v7(),
            NewContactMessage {
                name: "Grace".into(),
                email: "grace@example.com".into(),
                subject: "Sizes".into(),
                message: "Do the boots run small?".into(),
            },
            Vec::new(),
        )
        .await
        .unwrap();
    let job = ForwardContactMessage { message_id: message.id };
    let first = h.queue.enqueue(&job).await.unwrap();
    assert!(matches!(first, Enqueued::Queued(_)));
    assert_eq!(h.queue.enqueue(&job).await.unwrap(), Enqueued::Duplicate);

    // A redelivery of a job that already completed (the ack was lost) sends nothing.
    let runner = h.runner(jobs::builtin_registry());
    let envelope = JobEnvelope::of(&job).unwrap();
    runner.perform(envelope.clone()).await.unwrap();
    runner.perform(envelope).await.unwrap();
    let outbox = std::path::PathBuf::from(&h.config.email.outbox_dir);
    assert_eq!(eml_files(&outbox).len(), 1);
}

#[tokio::test]
async fn a_sendgrid_error_is_retried_and_then_delivered() {
    let sendgrid = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v3/mail/send"))
        .respond_with(ResponseTemplate::new(503).set_body_string("try later"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&sendgrid)
        .await;
    Mock::given(method("POST"))
        .and(path("/v3/mail/send"))
        .respond_with(ResponseTemplate::new(202))
        .expect(1)
        .mount(&sendgrid)
        .await;
    let base = sendgrid.uri();
    let h = Harness::new(QueueBackend::Sqlite, move |c| {
        c.email.transport = EmailTransport::Sendgrid;
        c.email.sendgrid.api_key = Secret::new("SG.test-key");
        c.email.sendgrid.base_url = base;
    })
    .await
    .unwrap();
    let message = h
        .repos
        .contact
        .create(
            uuid::Uuid::now_v7(),
            NewContactMessage {
                name: "Lin".into(),
                email: "lin@example.com".into(),
                subject: "Returns".into(),
                message: "How do I return a scarf?".into(),
            },
            Vec::new(),
        )
        .await
        .unwrap();
    let Enqueued::Queued(id) = h
        .queue
        .enqueue(&ForwardContactMessage { message_id: message.id })
        .await
        .unwrap()
    else {
        panic!("queued");
    };
    let workers = h.start_workers(jobs::builtin_registry());
    let done = h.wait_for(&id, JobStatus::Done).await;
    assert_eq!(done.attempts, 2, "{done:?}");
    workers.stop().await;
    // `expect(1)` on each mock is verified when the server drops: one failure, one success.
}
