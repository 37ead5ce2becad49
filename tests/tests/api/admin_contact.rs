//! The contact form's defences (a honeypot, limits per IP and per email) and the staff inbox
//! (handled or waiting, audited).

use beeget_tests::{Backend, TestApp, assert_problem};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{audit::audit_entries, orders::get};

fn message(email: &str) -> Value {
    json!({"name": "Ada Lovelace", "email": email, "subject": "Sizes", "message": "Does the shirt run small?"})
}

#[tokio::test]
async fn a_filled_honeypot_is_answered_like_anyone_and_dropped() {
    let app = TestApp::spawn().await;
    let mut bot = message("bot@example.com");
    bot["website"] = json!("http://spam.example");
    let resp = app.post_json("/cms/contact", &bot).await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let receipt: Value = resp.json().await.unwrap();
    assert!(receipt["id"].is_string());
    let mut person = message("person@example.com");
    person["website"] = json!("");
    assert_eq!(
        app.post_json("/cms/contact", &person).await.status(),
        StatusCode::ACCEPTED
    );
    let stored = app.repos.contact.list_recent(10).await.unwrap();
    let senders: Vec<&str> = stored.iter().map(|m| m.email.as_str()).collect();
    assert_eq!(senders, ["person@example.com"]);
}

#[tokio::test]
async fn the_contact_form_is_limited_per_email_and_per_ip() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.rate_limit.enabled = true;
        c.rate_limit.contact_per_ip_per_minute = 5;
        c.rate_limit.contact_per_email_per_minute = 2;
    })
    .await
    .expect("SQLite always runs");
    for _ in 0..2 {
        assert_eq!(
            app.post_json("/cms/contact", &message("eager@example.com"))
                .await
                .status(),
            StatusCode::ACCEPTED
        );
    }
    let resp = app.post_json("/cms/contact", &message("EAGER@example.com")).await;
    assert_problem(resp, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    for email in ["other1@example.com", "other2@example.com"] {
        assert_eq!(
            app.post_json("/cms/contact", &message(email)).await.status(),
            StatusCode::ACCEPTED
        );
    }
    // Five from this IP: the next is refused whatever its email.
    let resp = app.post_json("/cms/contact", &message("other3@example.com")).await;
    assert_problem(resp, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    // Signing in is counted apart.
    let resp = app
        .post_json(
            "/auth/login",
            &json!({"email": "eager@example.com", "password": "wrong-password-here"}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn staff_work_through_the_inbox() {
    let app = TestApp::spawn().await;
    let staff = app.with_admin("inbox@example.com").await;
    let t = &staff.access_token;
    for email in ["first@example.com", "second@example.com"] {
        assert_eq!(
            app.post_json("/cms/contact", &message(email)).await.status(),
            StatusCode::ACCEPTED
        );
    }
    let waiting: Value = get(&app, t, "/admin/contact-messages?handled=false")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(waiting["total"], 2);
    assert_eq!(waiting["items"][0]["email"], "second@example.com", "newest first");
    assert_eq!(waiting["items"][0]["handled"], false);
    let id = waiting["items"][1]["id"].as_str().unwrap().to_owned();
    let path = format!("/admin/contact-messages/{id}");
    for _ in 0..2 {
        let resp = app
            .call(Method::PATCH, &path, Some(t), Some(&json!({"handled": true})))
            .await;
        assert_eq!(resp.status(), StatusCode::OK);
        let handled: Value = resp.json().await.unwrap();
        assert_eq!(handled["handled"], true);
        assert!(handled["handledAt"].is_string());
    }
    let done: Value = get(&app, t, "/admin/contact-messages?handled=true")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (done["total"].as_u64(), done["items"][0]["id"].as_str()),
        (Some(1), Some(id.as_str()))
    );
    let all: Value = get(&app, t, "/admin/contact-messages").await.json().await.unwrap();
    assert_eq!(all["total"], 2);
    // Recorded once: the second request changed nothing.
    let entries = audit_entries(&app, t, &format!("targetType=contact_message&targetId={id}")).await;
    assert_eq!(entries.len(), 1);
    assert_eq!(
        entries[0]["changes"],
        json!([{"field": "handled", "before": false, "after": true}])
    );
    let ghost = format!("/admin/contact-messages/{}", uuid::Uuid::now_v7());
    let resp = app
        .call(Method::PATCH, &ghost, Some(t), Some(&json!({"handled": true})))
        .await;
    assert_problem(resp, StatusCode::NOT_FOUND, "not_found").await;
}
