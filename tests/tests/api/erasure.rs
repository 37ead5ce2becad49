//! Erasing an account (GDPR art. 17): by the shopper with their password, by staff, never the
//! last admin; what is left at rest afterwards, read from the raw database and the outbox.

use beeget_tests::{Backend, TEST_PASSWORD, TestApp, assert_problem, problem_fields};
use futures_util::future::join;
use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    audit::audit_entries,
    orders::{add_to_cart, buyable, get, place},
};

/// `DELETE /admin/users/{id}` as the holder of `token`.
async fn staff_erase(app: &TestApp, token: &str, id: impl std::fmt::Display) -> reqwest::Response {
    app.call(Method::DELETE, &format!("/admin/users/{id}"), Some(token), None)
        .await
}

/// `DELETE /users/me`, confirmed with `password`.
async fn erase_me(app: &TestApp, token: &str, password: &str) -> reqwest::Response {
    app.call(
        Method::DELETE,
        "/users/me",
        Some(token),
        Some(&json!({ "password": password })),
    )
    .await
}

/// Strings only this test's shopper has: none may be left anywhere after the erasure.
const NAME: &str = "Ada Lovelace-Byron";
const LINE1: &str = "12 Erasure Lane";
const CITY: &str = "Forgetham";
const PHONE: &str = "+44 20 7946 0999";

/// Every stored value of every table, as lower-case text (blobs as hex), with where it is.
async fn stored_values(db: &DatabaseConnection) -> Vec<(String, String, String)> {
    let backend = db.get_database_backend();
    let columns_sql = match backend {
        DbBackend::Postgres => {
            "SELECT table_schema || '.' || table_name, column_name FROM information_schema.columns \
             WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
        }
        _ => {
            "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table'"
        }
    };
    let columns = db
        .query_all_raw(Statement::from_string(backend, columns_sql))
        .await
        .unwrap();
    let mut values = Vec::new();
    for column in columns {
        let table: String = column.try_get_by_index(0).unwrap();
        let name: String = column.try_get_by_index(1).unwrap();
        let sql = match backend {
            DbBackend::Postgres => {
                let (schema, relation) = table.split_once('.').unwrap();
                format!(r#"SELECT "{name}"::text FROM "{schema}"."{relation}""#)
            }
            _ => format!(
                r#"SELECT CASE typeof("{name}") WHEN 'blob' THEN hex("{name}") ELSE CAST("{name}" AS TEXT) END FROM "{table}""#
            ),
        };
        for row in db.query_all_raw(Statement::from_string(backend, sql)).await.unwrap() {
            if let Some(text) = row.try_get_by_index::<Option<String>>(0).unwrap() {
                values.push((table.clone(), name.clone(), text.to_lowercase()));
            }
        }
    }
    values
}

/// The places an erased account's id may stay: its own row (without personal data; its email
/// is `erased-<id>@erased.invalid`), the
/// orders kept for accounting, the receipt, the audit log, and the job tables (jobs name
/// accounts by id only).
fn may_keep_the_id(table: &str, column: &str) -> bool {
    let table = table.rsplit('.').next().unwrap_or(table).to_lowercase();
    matches!(
        (table.as_str(), column),
        ("users", "id" | "email")
            | ("orders", "user_id")
            | ("erasure_receipts", "user_id" | "actor_id")
            | ("audit_log", "target_id" | "actor_id")
    ) || table.contains("job")
}

async fn erasing_my_account_leaves_no_personal_data_at_rest(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |_| {}).await else {
        return;
    };
    let email = "forget-me@example.com";
    let me = app.with_user(email).await;
    let staff = app.with_admin("dpo-erasure@example.com").await;
    let token = &me.access_token;
    let resp = app
        .call(Method::PATCH, "/users/me", Some(token), Some(&json!({"name": NAME})))
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let address = json!({"label": "Home", "line1": LINE1, "city": CITY, "zip": "FG1 2AB",
                         "country": "GB", "phone": PHONE});
    let resp = app
        .call(Method::POST, "/users/me/addresses", Some(token), Some(&address))
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let (product, variant) = buyable(&app, 2).await;
    add_to_cart(&app, token, &product, &variant, 1).await;
    let body = json!({"shippingAddress": {"line1": LINE1, "city": CITY, "zip": "FG1 2AB",
                                          "country": "GB", "phone": PHONE},
                      "paymentMethod": "pm_card_visa"});
    let resp = place(&app, token, "erase-me", &body).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let order: Value = resp.json().await.unwrap();
    add_to_cart(&app, token, &product, &variant, 1).await;
    let resp = app
        .post_json(
            "/cms/contact",
            &json!({"name": NAME, "email": "Forget-Me@example.com", "subject": "Erase me",
                    "message": "Please forget me."}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    app.wait_for_email(email, order["number"].as_str().unwrap()).await;
    let id = me.id.to_string();
    let stored = stored_values(&app.db).await;
    assert!(
        stored.iter().any(|(_, _, v)| v.contains(email)),
        "the scan sees the email before the erasure"
    );
    let addressed = |app: &TestApp| {
        std::fs::read_dir(app.outbox())
            .unwrap()
            .filter_map(|e| std::fs::read_to_string(e.unwrap().path()).ok())
            .filter(|raw| raw.to_lowercase().contains(&format!("<{email}>")))
            .count()
    };
    assert!(addressed(&app) > 0, "the outbox holds mail to the shopper before");

    // The password confirms it; a wrong one is refused naming the field.
    let resp = erase_me(&app, token, "not-it-at-all").await;
    let problem = assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem_fields(&problem), ["password"]);
    let resp = erase_me(&app, token, TEST_PASSWORD).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let receipt: Value = resp.json().await.unwrap();
    assert_eq!(receipt["userId"], id.as_str());
    assert_eq!(receipt["requestedBy"], "shopper");
    assert_eq!(receipt["actorId"], id.as_str());
    assert_eq!(receipt["ordersAnonymised"], 1);
    let text = receipt.to_string().to_lowercase();
    assert!(!text.contains(email) && !text.contains("lovelace"), "{receipt}");

    // Nothing about them is left at rest, in any table or in the outbox.
    for (table, column, value) in stored_values(&app.db).await {
        for needle in [email, "lovelace-byron", "erasure lane", "forgetham", "7946 0999"] {
            assert!(
                !value.contains(needle),
                "{backend:?}: {table}.{column} still holds {needle:?}"
            );
        }
        let hex = me.id.simple().to_string();
        if value.contains(&id) || value.contains(&hex) {
            assert!(
                may_keep_the_id(&table, &column),
                "{backend:?}: {table}.{column} still names the account"
            );
        }
    }
    assert_eq!(addressed(&app), 0, "copies of mail to the shopper are deleted");

    // The account is gone: its tokens, its password, its cart; its email may register anew.
    for path in ["/users/me", "/cart", "/orders"] {
        assert_eq!(
            get(&app, token, path).await.status(),
            StatusCode::UNAUTHORIZED,
            "{path}"
        );
    }
    let resp = app
        .post_json("/auth/refresh", &json!({"refreshToken": me.refresh_token}))
        .await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let resp = app
        .post_json("/auth/login", &json!({"email": email, "password": TEST_PASSWORD}))
        .await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let again = app.with_user(email).await;
    assert_ne!(again.id, me.id);
    let export: Value = get(&app, &again.access_token, "/users/me/export")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(export["orders"], json!([]), "the new account starts empty");

    // Staff still see the order, its totals kept and its customer anonymised.
    let path = format!("/admin/orders/{}", order["id"].as_str().unwrap());
    let kept: Value = get(&app, &staff.access_token, &path).await.json().await.unwrap();
    assert_eq!(kept["totalAmount"], order["totalAmount"]);
    assert_eq!(kept["items"], order["items"]);
    assert!(kept.get("shippingAddress").is_none(), "{kept}");
    assert!(kept.get("customerEmail").is_none(), "{kept}");
    assert!(kept["customerErasedAt"].is_string(), "{kept}");
    let sales: Value = get(&app, &staff.access_token, "/admin/reports/sales")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(sales["totals"]["orders"], 1, "the order still counts in sales: {sales}");
    assert_eq!(sales["totals"]["grossRevenue"], order["subtotal"]);
    let resp = get(&app, &staff.access_token, &format!("/admin/users/{id}")).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let entries = audit_entries(&app, &staff.access_token, &format!("targetType=user&targetId={id}")).await;
    assert_eq!(entries[0]["action"], "user.erased");
    assert_eq!(entries[0]["actorId"], id.as_str());
}

#[tokio::test]
async fn erasing_my_account_leaves_no_personal_data_at_rest_on_sqlite() {
    erasing_my_account_leaves_no_personal_data_at_rest(Backend::Sqlite).await;
}

#[tokio::test]
async fn erasing_my_account_leaves_no_personal_data_at_rest_on_postgres() {
    erasing_my_account_leaves_no_personal_data_at_rest(Backend::Postgres).await;
}

async fn staff_erase_an_account_once_and_never_the_last_admin(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |_| {}).await else {
        return;
    };
    let staff = app.with_admin("erasing-admin@example.com").await;
    let shopper = app.with_user("erased-by-staff@example.com").await;
    let token = &staff.access_token;

    let resp = staff_erase(&app, token, Uuid::now_v7()).await;
    assert_problem(resp, StatusCode::NOT_FOUND, "not_found").await;
    let resp = staff_erase(&app, &shopper.access_token, shopper.id).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);

    // The same erasure twice at once: one receipt, and a 404 as if sent one after another.
    let erase = || staff_erase(&app, token, shopper.id);
    let (a, b) = join(erase(), erase()).await;
    let mut statuses = [a.status(), b.status()];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::NOT_FOUND]);
    let receipt: Value = if a.status() == StatusCode::OK { a } else { b }.json().await.unwrap();
    assert_eq!(receipt["requestedBy"], "staff");
    assert_eq!(receipt["actorId"], staff.id.to_string());
    assert_eq!(receipt["ordersAnonymised"], 0);
    assert_eq!(erase().await.status(), StatusCode::NOT_FOUND);
    let list: Value = get(&app, token, "/admin/users?search=erased-by-staff")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 0, "{list}");
    let entries = audit_entries(&app, token, &format!("targetId={}", shopper.id)).await;
    let actions: Vec<&str> = entries.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["user.erased"]);
    assert_eq!(entries[0]["actorId"], staff.id.to_string());

    // The last admin stays, by either door.
    let resp = staff_erase(&app, token, staff.id).await;
    assert_problem(resp, StatusCode::CONFLICT, "last_admin").await;
    let resp = erase_me(&app, token, TEST_PASSWORD).await;
    assert_problem(resp, StatusCode::CONFLICT, "last_admin").await;
    assert_eq!(get(&app, token, "/users/me").await.status(), StatusCode::OK);

    // With a second admin, one may erase the other.
    let second = app.with_admin("second-admin@example.com").await;
    let resp = staff_erase(&app, &second.access_token, staff.id).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let resp = get(&app, token, "/admin/users").await;
    assert_eq!(
        resp.status(),
        StatusCode::UNAUTHORIZED,
        "the erased admin is signed out"
    );
}

#[tokio::test]
async fn staff_erase_an_account_once_and_never_the_last_admin_on_sqlite() {
    staff_erase_an_account_once_and_never_the_last_admin(Backend::Sqlite).await;
}

#[tokio::test]
async fn staff_erase_an_account_once_and_never_the_last_admin_on_postgres() {
    staff_erase_an_account_once_and_never_the_last_admin(Backend::Postgres).await;
}
