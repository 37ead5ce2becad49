//! The shopper's data export: everything stored about them, decrypted, and nobody else's.

use beeget_tests::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::orders::{add_to_cart, buyable, get, placed, shopper};

#[tokio::test]
async fn the_export_holds_everything_about_the_shopper_and_nothing_else() {
    let app = TestApp::spawn().await;
    let me = app.with_user("portable@example.com").await;
    let other = shopper(&app, "someone-else@example.com").await;
    let staff = app.with_admin("dpo@example.com").await;
    let token = &me.access_token;

    let resp = app
        .call(
            Method::POST,
            "/users/me/addresses",
            Some(token),
            Some(
                &json!({"label": "Home", "line1": "7 Rue des Lilas", "city": "Lyon", "zip": "69001",
                         "country": "FR", "phone": "+33 4 72 00 00 00"}),
            ),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED, "{}", resp.text().await.unwrap());
    let (product, variant) = buyable(&app, 2).await;
    add_to_cart(&app, token, &product, &variant, 1).await;
    let order = placed(&app, token, "mine", "pm_card_visa").await;
    add_to_cart(&app, token, &product, &variant, 1).await;
    add_to_cart(&app, &other, &product, &variant, 1).await;
    placed(&app, &other, "theirs", "pm_card_visa").await;
    let resp = app
        .post_json(
            "/cms/contact",
            &json!({"name": "Grace Hopper", "email": "PORTABLE@example.com", "subject": "My data",
                    "message": "What do you keep about me?"}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    for role in ["admin", "user"] {
        let resp = app
            .call(
                Method::PATCH,
                &format!("/admin/users/{}/role", me.id),
                Some(&staff.access_token),
                Some(&json!({"role": role})),
            )
            .await;
        assert_eq!(resp.status(), StatusCode::OK);
    }

    let resp = get(&app, token, "/users/me/export").await;
    assert_eq!(resp.status(), StatusCode::OK);
    let export: Value = resp.json().await.unwrap();
    assert_eq!(export["profile"]["email"], "portable@example.com");
    assert_eq!(export["profile"]["name"], "Grace Hopper", "decrypted");
    assert_eq!(export["addresses"][0]["line1"], "7 Rue des Lilas");
    assert_eq!(export["addresses"][0]["phone"], "+33 4 72 00 00 00");
    assert_eq!(export["cart"]["items"].as_array().unwrap().len(), 1);
    let orders = export["orders"].as_array().unwrap();
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0]["id"], order["id"]);
    assert!(
        orders[0]["items"].as_array().is_some_and(|i| !i.is_empty()),
        "{}",
        orders[0]
    );
    assert_eq!(export["contactMessages"][0]["subject"], "My data");
    let audit: Vec<&str> = export["auditEntries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["changes"][0]["after"].as_str().unwrap())
        .collect();
    assert_eq!(audit, ["user", "admin"]);
    let text = export.to_string();
    assert!(!text.contains("someone-else@example.com"));
    assert!(!text.contains("dpo@example.com"));
    assert!(!text.contains("password"), "no hash, no secret");
}
