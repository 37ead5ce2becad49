//! Every screen rendered at 100×30 and at 80×24 (the smallest terminal the console supports),
//! against the fake API's data, compared with the committed snapshots in `tests/snapshots/`.

mod support;

use support::{goto, render, signed_in};

async fn snapshot(line: &str, name: &str) {
    let (mut app, api) = signed_in().await;
    if !line.is_empty() {
        goto(&mut app, &api, line).await;
    }
    insta::assert_snapshot!(format!("{name}_100x30"), render(&app, 100, 30));
    insta::assert_snapshot!(format!("{name}_80x24"), render(&app, 80, 24));
}

#[tokio::test]
async fn login_screen() {
    let app = beeget_admin::app::App::new();
    insta::assert_snapshot!("login_100x30", render(&app, 100, 30));
    insta::assert_snapshot!("login_80x24", render(&app, 80, 24));
}

#[tokio::test]
async fn dashboard_screen() {
    snapshot("", "dashboard").await;
}

#[tokio::test]
async fn orders_screen() {
    snapshot("orders", "orders").await;
}

#[tokio::test]
async fn products_screen() {
    snapshot("products", "products").await;
}

#[tokio::test]
async fn users_screen() {
    snapshot("users", "users").await;
}

#[tokio::test]
async fn contact_screen() {
    snapshot("contact", "contact").await;
}

#[tokio::test]
async fn jobs_screen() {
    snapshot("jobs", "jobs").await;
}

#[tokio::test]
async fn audit_screen() {
    snapshot("audit", "audit").await;
}

#[tokio::test]
async fn categories_screen() {
    snapshot("categories", "categories").await;
}

#[tokio::test]
async fn collections_screen() {
    snapshot("collections", "collections").await;
}

#[tokio::test]
async fn promotions_screen() {
    snapshot("promotions", "promotions").await;
}

#[tokio::test]
async fn category_form() {
    let (mut app, api) = signed_in().await;
    goto(&mut app, &api, "categories").await;
    support::press(&mut app, &api, support::key(crossterm::event::KeyCode::Char('n'))).await;
    insta::assert_snapshot!("category_form_100x30", render(&app, 100, 30));
    insta::assert_snapshot!("category_form_80x24", render(&app, 80, 24));
}

#[tokio::test]
async fn reports_screen() {
    snapshot("reports 2026-11-28 2026-11-30", "reports").await;
}

#[tokio::test]
async fn cms_screen() {
    snapshot("cms", "cms").await;
}

#[tokio::test]
async fn cms_page_screen() {
    let (mut app, api) = signed_in().await;
    goto(&mut app, &api, "cms").await;
    // The second page holds a block of every kind.
    support::press(&mut app, &api, support::key(crossterm::event::KeyCode::Down)).await;
    support::press(&mut app, &api, support::key(crossterm::event::KeyCode::Enter)).await;
    insta::assert_snapshot!("cms_page_100x30", render(&app, 100, 30));
    insta::assert_snapshot!("cms_page_80x24", render(&app, 80, 24));
}
