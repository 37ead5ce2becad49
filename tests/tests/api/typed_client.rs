//! The generated Rust client (`beeget-client`) against a running server, as the console will
//! use it: sign in, typed admin reads and writes, the hand-written image upload, and the API's
//! problems surfaced as typed errors with their code and fields.

use beeget_client::{ApiError, Client, authorized, types};
use beeget_tests::{TEST_PASSWORD, TestApp};
use serde_json::json;

fn base(app: &TestApp) -> String {
    app.url("").trim_end_matches('/').to_owned()
}

#[tokio::test]
async fn staff_work_through_the_generated_client() {
    let app = TestApp::spawn().await;
    let staff = app.with_admin("client-staff@example.com").await;
    let anonymous = Client::new(&base(&app));
    let pair = anonymous
        .login()
        .body_map(|b| b.email(staff.email.clone()).password(TEST_PASSWORD.to_owned()))
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(pair.token_type, "Bearer");
    let client = authorized(&base(&app), &pair.access_token).unwrap();

    let new_product: types::NewAdminProduct = serde_json::from_value(json!({
        "title": "Client Linen Shirt", "description": "Made through the typed client.", "price": 5900,
        "variants": [{"sku": "CLIENT-LINEN-M", "size": "M", "color": "Sand", "inventoryCount": 4}]
    }))
    .unwrap();
    let created = client
        .admin_create_product()
        .body(new_product)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(created.slug, "client-linen-shirt");
    assert_eq!((created.price, created.inventory_count), (5900, 4));

    let png = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/images/tiny.png")).unwrap();
    let image = beeget_client::upload::product_image(&client, &created.id, "shirt.png", png)
        .await
        .unwrap();
    assert_eq!(image.content_type.as_deref(), Some("image/png"));
    assert!(image.width.unwrap_or(0) > 0 && image.height.unwrap_or(0) > 0);
    let read = client
        .admin_get_product()
        .id(created.id.clone())
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(read.images.len(), 1);
    assert_eq!(read.images[0].url, image.url);

    // The API's problems, typed: the field that failed, and the refusal of a shopper.
    let bad: types::NewAdminProduct = serde_json::from_value(json!({
        "title": "Client Linen Shirt", "description": "Twice.", "price": 5900, "slug": "client-linen-shirt",
        "variants": [{"sku": "CLIENT-LINEN-L", "size": "L", "color": "Sand", "inventoryCount": 1}]
    }))
    .unwrap();
    let err = ApiError::from_response(client.admin_create_product().body(bad).send().await.unwrap_err()).await;
    assert_eq!((err.status(), err.fields()), (Some(422), vec!["slug"]), "{err}");
    assert_eq!(err.code(), Some("validation_failed"));
    let text = beeget_client::upload::product_image(&client, &created.id, "photo.png", b"not an image".to_vec())
        .await
        .unwrap_err();
    assert_eq!((text.status(), text.fields()), (Some(422), vec!["file"]), "{text}");

    let shopper = app.with_user("client-shopper@example.com").await;
    let shop = authorized(&base(&app), &shopper.access_token).unwrap();
    let refused = ApiError::from_response(shop.admin_list_products().send().await.unwrap_err()).await;
    assert_eq!((refused.status(), refused.code()), (Some(403), Some("forbidden")));
    let ApiError::Problem(problem) = refused else {
        panic!("a problem document")
    };
    assert!(problem.request_id.is_some(), "quotable request id");
}
