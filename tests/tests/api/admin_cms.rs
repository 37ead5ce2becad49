//! Staff work on CMS pages over HTTP: typed blocks checked against their type and named when
//! wrong, Markdown rendered to sanitised HTML, drafts hidden from shoppers but previewed by
//! staff, slugs made from titles, every write audited.

use beeget_tests::{Backend, TestApp, assert_problem, problem_fields};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{audit::audit_entries, orders::shopper};

async fn send(app: &TestApp, token: &str, method: Method, path: &str, body: Option<Value>) -> reqwest::Response {
    app.call(method, path, Some(token), body.as_ref()).await
}

fn lookbook_blocks() -> Value {
    json!([
        {"type": "heading", "data": {"level": 2, "text": "Autumn layers"}},
        {"type": "paragraph", "data": {"markdown": "Our **wool** [edit](/collections/wool).\n\n<script>alert(1)</script> <img src=x onerror=alert(1)>"}},
        {"type": "image", "data": {"url": "/media/collections/autumn.svg", "alt": "A wool coat", "caption": "The Harbour coat"}},
        {"type": "list", "data": {"style": "numbered", "items": ["Pick a base", "Add a knit"]}},
        {"type": "faq", "data": {"items": [{"question": "Does wool itch?", "answer": "Merino does not."}]}},
        {"type": "callToAction", "data": {"label": "Shop wool", "url": "https://beeget.example/wool"}}
    ])
}

#[tokio::test]
async fn pages_are_typed_blocks_drafts_are_previewed_and_published_pages_served() {
    let app = TestApp::spawn().await;
    let staff = app.with_admin("editor@example.com").await;
    let t = &staff.access_token;

    let resp = send(
        &app,
        t,
        Method::POST,
        "/admin/cms/pages",
        Some(json!({"title": "Autumn Lookbook", "contentBlocks": lookbook_blocks()})),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let page: Value = resp.json().await.unwrap();
    let id = page["id"].as_str().unwrap().to_owned();
    assert_eq!(page["slug"], "autumn-lookbook", "made from the title");
    assert_eq!(page["published"], false, "a draft unless published");
    let blocks = page["contentBlocks"].as_array().unwrap();
    let types: Vec<&str> = blocks.iter().map(|b| b["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["heading", "paragraph", "image", "list", "faq", "callToAction"]);
    let html = blocks[1]["data"]["html"].as_str().unwrap();
    assert!(html.contains("<strong>wool</strong>"), "{html}");
    assert!(
        html.contains(r#"<a href="/collections/wool" rel="noopener noreferrer">edit</a>"#),
        "{html}"
    );
    assert!(
        !html.contains("<script") && !html.contains("onerror"),
        "sanitised: {html}"
    );
    assert_eq!(
        blocks[1]["data"]["markdown"].as_str().unwrap().lines().count(),
        3,
        "the source kept"
    );
    assert_eq!(blocks[3]["data"]["style"], "numbered");
    assert_eq!(blocks[4]["data"]["items"][0]["answer"], "Merino does not.");

    // A draft: shoppers see nothing, staff preview it as it will be served.
    let resp = app.get("/cms/pages/autumn-lookbook").await;
    assert_problem(resp, StatusCode::NOT_FOUND, "not_found").await;
    let resp = send(&app, t, Method::GET, &format!("/admin/cms/pages/{id}/preview"), None).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let preview: Value = resp.json().await.unwrap();
    assert_eq!(preview["contentBlocks"], page["contentBlocks"]);
    assert!(preview.get("published").is_none(), "the storefront's shape");

    // The same title again gets the next free slug.
    let resp = send(
        &app,
        t,
        Method::POST,
        "/admin/cms/pages",
        Some(json!({"title": "Autumn Lookbook", "published": true, "contentBlocks": []})),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let second: Value = resp.json().await.unwrap();
    assert_eq!(second["slug"], "autumn-lookbook-2");

    let resp = send(
        &app,
        t,
        Method::PATCH,
        &format!("/admin/cms/pages/{id}"),
        Some(json!({"published": true})),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let served = app.ok_json("/cms/pages/autumn-lookbook").await;
    assert_eq!(served["contentBlocks"], page["contentBlocks"]);
    assert_eq!(served["title"], "Autumn Lookbook");

    // Wrong blocks are named down to the field; nothing is written.
    let mut bad = lookbook_blocks();
    bad[3] = json!({"type": "callToAction", "data": {"label": "Click", "url": "javascript:alert(1)"}});
    let resp = send(
        &app,
        t,
        Method::PATCH,
        &format!("/admin/cms/pages/{id}"),
        Some(json!({"contentBlocks": bad})),
    )
    .await;
    let problem = assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem_fields(&problem), ["contentBlocks[3].data.url"]);
    for (block, field) in [
        (
            json!({"type": "callToAction", "data": {"label": "Shop"}}),
            "contentBlocks[0].data.url",
        ),
        (
            json!({"type": "video", "data": {"url": "/v.mp4"}}),
            "contentBlocks[0].type",
        ),
        (
            json!({"type": "heading", "data": {"level": 7, "text": "Too deep"}}),
            "contentBlocks[0].data.level",
        ),
        (
            json!({"type": "heading", "data": {"level": 2, "text": "Hi", "colour": "red"}}),
            "contentBlocks[0].data.colour",
        ),
        (
            json!({"type": "list", "data": {"style": "bulleted", "items": []}}),
            "contentBlocks[0].data.items",
        ),
        (
            json!({"type": "image", "data": {"url": "//evil.example/x.png", "alt": "x"}}),
            "contentBlocks[0].data.url",
        ),
    ] {
        let resp = send(
            &app,
            t,
            Method::POST,
            "/admin/cms/pages",
            Some(json!({"title": "Broken", "contentBlocks": [block]})),
        )
        .await;
        let problem = assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(problem_fields(&problem), [field], "{block}");
    }
    let resp = send(
        &app,
        t,
        Method::PATCH,
        &format!("/admin/cms/pages/{id}"),
        Some(json!({"slug": "about"})),
    )
    .await;
    let problem = assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem_fields(&problem), ["slug"], "taken by the seeded page");
    assert_eq!(
        app.ok_json("/cms/pages/autumn-lookbook").await["contentBlocks"],
        page["contentBlocks"],
        "refused changes write nothing"
    );

    // The staff list: drafts and published pages, narrowed and counted.
    let resp = send(&app, t, Method::GET, "/admin/cms/pages?search=LOOKBOOK", None).await;
    let list: Value = resp.json().await.unwrap();
    assert_eq!(list["total"], 2);
    assert_eq!(list["items"][0]["slug"], "autumn-lookbook");
    assert_eq!(list["items"][0]["blockCount"], 6);
    let resp = send(&app, t, Method::GET, "/admin/cms/pages?published=false", None).await;
    let drafts: Value = resp.json().await.unwrap();
    assert_eq!(drafts["total"], 0, "every seeded page is published");

    // Shoppers cannot reach any of it.
    let token = shopper(&app, "curious@example.com").await;
    let resp = send(
        &app,
        &token,
        Method::GET,
        &format!("/admin/cms/pages/{id}/preview"),
        None,
    )
    .await;
    assert_problem(resp, StatusCode::FORBIDDEN, "forbidden").await;

    let resp = send(&app, t, Method::DELETE, &format!("/admin/cms/pages/{id}"), None).await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let resp = app.get("/cms/pages/autumn-lookbook").await;
    assert_problem(resp, StatusCode::NOT_FOUND, "not_found").await;
    let resp = send(&app, t, Method::GET, &format!("/admin/cms/pages/{id}"), None).await;
    assert_problem(resp, StatusCode::NOT_FOUND, "not_found").await;

    let entries = audit_entries(&app, t, &format!("targetType=cms_page&targetId={id}")).await;
    let actions: Vec<&str> = entries.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["cms_page.deleted", "cms_page.updated", "cms_page.created"]);
    assert_eq!(
        entries[1]["changes"],
        json!([{"field": "published", "before": false, "after": true}])
    );
}

/// Two staff members create a page with the same title at the same moment: both pages are
/// made, with distinct slugs, as one after the other would be.
async fn same_title_at_once_gets_two_slugs(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |_| {}).await else {
        return;
    };
    let staff = app.with_admin("twin-editor@example.com").await;
    let t = &staff.access_token;
    let body =
        json!({"title": "Gift Guide", "contentBlocks": [{"type": "heading", "data": {"level": 2, "text": "Gifts"}}]});
    let (a, b) = tokio::join!(
        send(&app, t, Method::POST, "/admin/cms/pages", Some(body.clone())),
        send(&app, t, Method::POST, "/admin/cms/pages", Some(body.clone())),
    );
    assert_eq!((a.status(), b.status()), (StatusCode::CREATED, StatusCode::CREATED));
    let mut slugs = vec![
        a.json::<Value>().await.unwrap()["slug"].as_str().unwrap().to_owned(),
        b.json::<Value>().await.unwrap()["slug"].as_str().unwrap().to_owned(),
    ];
    slugs.sort();
    assert_eq!(slugs, ["gift-guide", "gift-guide-2"]);
}

#[tokio::test]
async fn same_title_at_once_gets_two_slugs_on_sqlite() {
    same_title_at_once_gets_two_slugs(Backend::Sqlite).await;
}

#[tokio::test]
async fn same_title_at_once_gets_two_slugs_on_postgres() {
    same_title_at_once_gets_two_slugs(Backend::Postgres).await;
}
