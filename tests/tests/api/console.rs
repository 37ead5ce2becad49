//! The staff console end to end: its own app code (`beeget_admin`) and the generated client
//! against a real server on a temporary database. Staff sign in, create a product and a
//! variant, adjust the stock, upload an image, and ship an order with tracking, all from the
//! keyboard; each result is then read back through the API.

use beeget_admin::api::ClientApi;
use beeget_admin::app::App;
use beeget_admin::screens::ScreenId;
use beeget_admin::script::{KeyCode, ctrl, goto, key, press, render, sign_in, type_text};
use beeget_tests::{TEST_PASSWORD, TestApp};

use crate::orders::{add_to_cart, buyable, placed, shopper};

#[tokio::test]
async fn staff_run_the_back_office_from_the_console() {
    let app = TestApp::spawn().await;
    let staff = app.with_admin("console-staff@example.com").await;
    let (product, variant) = buyable(&app, 3).await;
    let buyer = shopper(&app, "console-buyer@example.com").await;
    add_to_cart(&app, &buyer, &product, &variant, 1).await;
    let order = placed(&app, &buyer, "console-1", "pm_card_visa").await;
    let (order_id, number) = (order["id"].as_str().unwrap(), order["number"].as_str().unwrap());

    let api = ClientApi::new(app.url("").trim_end_matches('/')).unwrap();
    let mut console = App::new();
    sign_in(&mut console, &api, &staff.email, TEST_PASSWORD).await;
    assert_eq!(console.screen, ScreenId::Dashboard, "{}", render(&console, 100, 30));
    assert!(render(&console, 100, 30).contains("Orders by status"));

    // A product: title, then the price two fields below; saved as a draft.
    goto(&mut console, &api, "products").await;
    press(&mut console, &api, key(KeyCode::Char('n'))).await;
    type_text(&mut console, &api, "Console Parka").await;
    press(&mut console, &api, key(KeyCode::Tab)).await;
    type_text(&mut console, &api, "Waxed cotton.").await;
    press(&mut console, &api, key(KeyCode::Tab)).await;
    type_text(&mut console, &api, "129.50").await;
    press(&mut console, &api, ctrl('s')).await;
    let screen = render(&console, 100, 30);
    assert!(screen.contains("saved \"Console Parka\""), "{screen}");
    let staff_get = |path: String| {
        let token = staff.access_token.clone();
        let app = &app;
        async move {
            let resp = app.call(reqwest::Method::GET, &path, Some(&token), None).await;
            assert_eq!(resp.status(), reqwest::StatusCode::OK, "{path}");
            resp.json::<serde_json::Value>().await.unwrap()
        }
    };
    let found = staff_get("/admin/products?search=Console%20Parka".into()).await;
    let created = &found["items"][0];
    assert_eq!(
        (created["price"].as_i64(), created["status"].as_str()),
        (Some(12950), Some("draft"))
    );
    let product_id = created["id"].as_str().unwrap().to_owned();

    // A variant with 3 in stock, then 7 more delivered.
    press(&mut console, &api, key(KeyCode::Char('v'))).await;
    type_text(&mut console, &api, "PARKA-M-OLIVE").await;
    press(&mut console, &api, key(KeyCode::Tab)).await;
    type_text(&mut console, &api, "M").await;
    press(&mut console, &api, key(KeyCode::Tab)).await;
    type_text(&mut console, &api, "Olive").await;
    press(&mut console, &api, key(KeyCode::Tab)).await;
    press(&mut console, &api, ctrl('u')).await;
    type_text(&mut console, &api, "3").await;
    press(&mut console, &api, ctrl('s')).await;
    assert!(render(&console, 100, 30).contains("variant PARKA-M-OLIVE added"));
    press(&mut console, &api, key(KeyCode::Char('a'))).await;
    type_text(&mut console, &api, "+7").await;
    press(&mut console, &api, key(KeyCode::Tab)).await;
    type_text(&mut console, &api, "delivery from the mill").await;
    press(&mut console, &api, ctrl('s')).await;
    let screen = render(&console, 100, 30);
    assert!(screen.contains("now 10 (delivery from the mill)"), "{screen}");
    let read = staff_get(format!("/admin/products/{product_id}")).await;
    assert_eq!(read["variants"][0]["sku"], "PARKA-M-OLIVE");
    assert_eq!(read["variants"][0]["inventoryCount"], 10);
    let variant_id = read["variants"][0]["id"].as_str().unwrap();
    let moves = staff_get(format!("/admin/products/{product_id}/variants/{variant_id}/stock")).await;
    assert!(
        moves["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["delta"] == 7 && m["reason"] == "delivery from the mill")
    );

    // An image file from disk, through the hand-written multipart upload.
    press(&mut console, &api, key(KeyCode::Char('i'))).await;
    type_text(
        &mut console,
        &api,
        concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/images/tiny.png"),
    )
    .await;
    press(&mut console, &api, ctrl('s')).await;
    assert!(
        render(&console, 100, 30).contains("image added ("),
        "{}",
        render(&console, 100, 30)
    );
    let read = staff_get(format!("/admin/products/{product_id}")).await;
    assert_eq!(read["images"][0]["contentType"], "image/png");

    // The paid order: found by its number, moved to processing, then shipped with tracking.
    goto(&mut console, &api, "orders").await;
    press(&mut console, &api, key(KeyCode::Char('/'))).await;
    type_text(&mut console, &api, number).await;
    press(&mut console, &api, key(KeyCode::Enter)).await;
    press(&mut console, &api, key(KeyCode::Enter)).await;
    let screen = render(&console, 100, 30);
    assert!(
        screen.contains(&format!("Order {number}")) && screen.contains("t: move to processing"),
        "{screen}"
    );
    press(&mut console, &api, key(KeyCode::Char('t'))).await;
    press(&mut console, &api, ctrl('s')).await;
    press(&mut console, &api, key(KeyCode::Char('t'))).await;
    assert!(render(&console, 100, 30).contains("◀ shipped ▶"));
    press(&mut console, &api, key(KeyCode::Tab)).await;
    type_text(&mut console, &api, "DHL").await;
    press(&mut console, &api, key(KeyCode::Tab)).await;
    type_text(&mut console, &api, "JD014600006281").await;
    press(&mut console, &api, ctrl('s')).await;
    let screen = render(&console, 100, 30);
    assert!(screen.contains("Shipped  DHL JD014600006281"), "{screen}");
    let shipped = staff_get(format!("/admin/orders/{order_id}")).await;
    assert_eq!(shipped["orderStatus"], "shipped");
    assert_eq!(
        (shipped["carrier"].as_str(), shipped["trackingNumber"].as_str()),
        (Some("DHL"), Some("JD014600006281"))
    );
    assert_eq!(shipped["nextStatuses"], serde_json::json!(["delivered", "refunded"]));
    let statuses: Vec<&str> = shipped["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].as_str().unwrap())
        .collect();
    assert!(statuses.ends_with(&["processing", "shipped"]), "{statuses:?}");
}

#[tokio::test]
async fn the_console_renews_its_tokens_before_they_expire() {
    // Access tokens live 2 s: every call the console makes is within a minute of expiry, so
    // it renews the pair first; after the first token has expired, it still works.
    let app = TestApp::spawn_with(beeget_tests::Backend::Sqlite, |c| c.auth.access_ttl_secs = 2)
        .await
        .unwrap();
    let staff = app.with_admin("console-renew@example.com").await;
    let api = ClientApi::new(app.url("").trim_end_matches('/')).unwrap();
    let mut console = App::new();
    sign_in(&mut console, &api, &staff.email, TEST_PASSWORD).await;
    assert_eq!(console.screen, ScreenId::Dashboard);
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    goto(&mut console, &api, "users console-renew").await;
    let screen = render(&console, 100, 30);
    assert_eq!(console.screen, ScreenId::Users, "{screen}");
    assert!(
        screen.contains("console-renew@example.com") && screen.contains("1 in all"),
        "{screen}"
    );
    // Signing out (as the binary does on quit) ends the session: nothing more is answered.
    use beeget_admin::api::{AdminApi, Request};
    api.send(Request::Logout).await.unwrap();
    let after = api.send(Request::Dashboard).await.unwrap_err();
    assert_eq!(after.status(), Some(401), "{after}");
}

#[tokio::test]
async fn the_console_clears_what_typed_patches_cannot_carry() {
    use beeget_admin::api::{AdminApi, Clear, Reply, Request, body};
    use serde_json::json;

    let app = TestApp::spawn().await;
    let staff = app.with_admin("console-clear@example.com").await;
    let token = staff.access_token.clone();
    let post = |path: &'static str, value: serde_json::Value| {
        let (app, token) = (&app, token.clone());
        async move {
            let resp = app.call(reqwest::Method::POST, path, Some(&token), Some(&value)).await;
            assert_eq!(resp.status(), reqwest::StatusCode::CREATED, "{path}");
            resp.json::<serde_json::Value>().await.unwrap()
        }
    };
    let parent = post("/admin/categories", json!({"name": "Clear Parent"})).await;
    let child = post(
        "/admin/categories",
        json!({"name": "Clear Child", "parentId": parent["id"]}),
    )
    .await;
    let promotion = post(
        "/admin/promotions",
        json!({"name": "Clear Promo", "code": "CLEARME", "discountType": "percent", "discountValue": 10,
               "startDate": "2026-01-01T00:00:00Z", "endDate": "2027-01-01T00:00:00Z", "scope": {"kind": "all"}}),
    )
    .await;
    let page = post(
        "/admin/cms/pages",
        json!({"title": "Clear Page", "contentBlocks": [{"type": "heading", "data": {"level": 2, "text": "Only block"}}]}),
    )
    .await;

    let api = ClientApi::new(app.url("").trim_end_matches('/')).unwrap();
    api.send(Request::Login {
        email: staff.email.clone(),
        password: TEST_PASSWORD.into(),
    })
    .await
    .unwrap();
    let id = |v: &serde_json::Value| v["id"].as_str().unwrap().to_owned();
    let Reply::Category(moved) = api
        .send(Request::UpdateCategory {
            id: id(&child),
            patch: body(json!({"position": 4})).unwrap(),
            clear: Clear::default().null("parentId"),
        })
        .await
        .unwrap()
    else {
        panic!("a category")
    };
    assert_eq!(
        (moved.parent_id, moved.position),
        (None, 4),
        "back to the top level, and the typed field too"
    );
    let Reply::Promotion(uncoded) = api
        .send(Request::UpdatePromotion {
            id: id(&promotion),
            patch: body(json!({})).unwrap(),
            clear: Clear::default().null("code"),
        })
        .await
        .unwrap()
    else {
        panic!("a promotion")
    };
    assert_eq!(uncoded.code, None);
    let Reply::Page(emptied) = api
        .send(Request::UpdatePage {
            id: id(&page),
            patch: body(json!({})).unwrap(),
            clear: Clear::default().list("contentBlocks"),
        })
        .await
        .unwrap()
    else {
        panic!("a page")
    };
    assert!(emptied.content_blocks.is_empty());
    // A refusal through this path is the same typed problem.
    let refused = api
        .send(Request::UpdateCategory {
            id: id(&child),
            patch: body(json!({"slug": parent["slug"]})).unwrap(),
            clear: Clear::default().null("parentId"),
        })
        .await
        .unwrap_err();
    assert!(
        matches!(refused.status(), Some(409 | 422)) && refused.code().is_some(),
        "{refused}"
    );
    assert!(
        refused.to_string().contains("slug") || refused.fields() == vec!["slug"],
        "{refused}"
    );
}
