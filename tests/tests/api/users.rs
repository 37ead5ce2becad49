//! The signed-in shopper's profile and address book, the admin guard, and what is stored at
//! rest: no user reaches another's data, no client sets a field it may not.

use beeget_api::{config::Secret, crypto::FieldCipher, domain::user::Role, repos::sea};
use beeget_tests::{Backend, TestApp, assert_problem, problem_fields};
use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

use crate::auth::{PASSWORD, access, login, signed_up};

fn address(label: &str) -> Value {
    json!({
        "label": label, "line1": "12 Rue de Rivoli", "line2": "Apt 4B", "city": "Paris",
        "zip": "75001", "country": "FR", "phone": "+33 1 23 45 67 89"
    })
}

async fn post(app: &TestApp, token: &str, path: &str, body: &Value) -> reqwest::Response {
    app.call(Method::POST, path, Some(token), Some(body)).await
}

async fn patch(app: &TestApp, token: &str, path: &str, body: &Value) -> reqwest::Response {
    app.call(Method::PATCH, path, Some(token), Some(body)).await
}

async fn get(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.call(Method::GET, path, Some(token), None).await
}

#[tokio::test]
async fn profile_changes_and_refused_fields() {
    let app = TestApp::spawn().await;
    let pair = signed_up(&app, "ada@example.com").await;
    let token = access(&pair);
    let resp = patch(&app, token, "/users/me", &json!({"name": "Ada King"})).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let me: Value = resp.json().await.unwrap();
    assert_eq!(me["name"], "Ada King");

    for (field, value) in [
        ("role", json!("admin")),
        ("email", json!("boss@example.com")),
        ("emailVerifiedAt", json!("2020-01-01T00:00:00Z")),
        ("id", json!("00000000-0000-0000-0000-000000000000")),
    ] {
        let mut body = json!({"name": "Ada"});
        body[field] = value;
        let resp = patch(&app, token, "/users/me", &body).await;
        let problem = assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(problem_fields(&problem), vec![field.to_owned()], "{problem}");
    }
    let me: Value = get(&app, token, "/users/me").await.json().await.unwrap();
    assert_eq!(
        (me["role"].as_str(), me["email"].as_str()),
        (Some("user"), Some("ada@example.com"))
    );
    assert_eq!(me["name"], "Ada King", "a refused request changes nothing");
}

#[tokio::test]
async fn a_password_change_needs_the_current_one_and_ends_other_sessions() {
    let app = TestApp::spawn().await;
    let this = signed_up(&app, "grace@example.com").await;
    let other = login(&app, "grace@example.com", PASSWORD).await;
    let token = access(&this);
    let new_password = "cashmere-jumper-in-navy";

    let resp = patch(&app, token, "/users/me", &json!({"newPassword": new_password})).await;
    let problem = assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem_fields(&problem), vec!["currentPassword".to_owned()]);
    let resp = patch(
        &app,
        token,
        "/users/me",
        &json!({"currentPassword": "a-wrong-password", "newPassword": new_password}),
    )
    .await;
    let problem = assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem_fields(&problem), vec!["currentPassword".to_owned()]);
    let resp = patch(
        &app,
        token,
        "/users/me",
        &json!({"currentPassword": PASSWORD, "newPassword": new_password}),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);

    let (this_body, other_body) = (
        json!({"refreshToken": this["refreshToken"]}),
        json!({"refreshToken": other["refreshToken"]}),
    );
    // The other session's access token ends with it, at once.
    let resp = get(&app, access(&other), "/users/me").await;
    assert_problem(resp, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    assert_eq!(
        get(&app, token, "/users/me").await.status(),
        StatusCode::OK,
        "this session stays"
    );
    let resp = app.post_json("/auth/refresh", &this_body).await;
    assert_eq!(resp.status(), StatusCode::OK, "this session stays");
    let resp = app.post_json("/auth/refresh", &other_body).await;
    assert_problem(resp, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    login(&app, "grace@example.com", new_password).await;
}

#[tokio::test]
async fn the_address_book() {
    let app = TestApp::spawn().await;
    let pair = signed_up(&app, "lin@example.com").await;
    let token = access(&pair);
    let resp = post(&app, token, "/users/me/addresses", &address("Home")).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let home: Value = resp.json().await.unwrap();
    assert_eq!(home["country"], "FR");
    assert_eq!(home["isDefault"], true, "the first address is the default");
    let mut work = address("Work");
    work["isDefault"] = json!(true);
    let work: Value = post(&app, token, "/users/me/addresses", &work)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(work["isDefault"], true);

    let list: Value = get(&app, token, "/users/me/addresses").await.json().await.unwrap();
    assert_eq!(list["total"], 2);
    assert_eq!(list["items"][0]["id"], work["id"], "default first");
    assert_eq!(list["items"][1]["isDefault"], false, "one default only");

    let path = format!("/users/me/addresses/{}", home["id"].as_str().unwrap());
    let resp = patch(
        &app,
        token,
        &path,
        &json!({"city": "Lyon", "line2": null, "isDefault": true}),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let changed: Value = resp.json().await.unwrap();
    assert_eq!(
        (changed["city"].as_str(), changed["isDefault"].as_bool()),
        (Some("Lyon"), Some(true))
    );
    assert!(changed.get("line2").is_none(), "null clears: {changed}");
    assert_eq!(changed["line1"], "12 Rue de Rivoli", "untouched fields stay");

    let mut bad = address("Bad");
    bad["country"] = json!("XX");
    bad["zip"] = json!("75<001>");
    let resp = post(&app, token, "/users/me/addresses", &bad).await;
    let problem = assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let mut fields = problem_fields(&problem);
    fields.sort();
    assert_eq!(fields, vec!["country".to_owned(), "zip".to_owned()]);
    // Country codes are ISO 3166-1 alpha-2 in capitals, as the spec's enum lists them.
    let mut lower = address("Lower");
    lower["country"] = json!("fr");
    let resp = post(&app, token, "/users/me/addresses", &lower).await;
    let problem = assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem_fields(&problem), ["country"]);

    // Deleting the default promotes the oldest remaining one.
    let resp = app.call(Method::DELETE, &path, Some(token), None).await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let list: Value = get(&app, token, "/users/me/addresses").await.json().await.unwrap();
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["isDefault"], true);

    // At most 20.
    for i in 0..19 {
        let resp = post(&app, token, "/users/me/addresses", &address(&format!("Place {i}"))).await;
        assert_eq!(resp.status(), StatusCode::CREATED);
    }
    let resp = post(&app, token, "/users/me/addresses", &address("One too many")).await;
    assert_problem(resp, StatusCode::CONFLICT, "address_limit").await;
}

#[tokio::test]
async fn another_users_address_is_not_found() {
    let app = TestApp::spawn().await;
    let alice = signed_up(&app, "alice@example.com").await;
    let bob = signed_up(&app, "bob@example.com").await;
    let hers: Value = post(&app, access(&alice), "/users/me/addresses", &address("Home"))
        .await
        .json()
        .await
        .unwrap();
    let path = format!("/users/me/addresses/{}", hers["id"].as_str().unwrap());
    let resp = patch(&app, access(&bob), &path, &json!({"city": "Nice"})).await;
    assert_problem(resp, StatusCode::NOT_FOUND, "not_found").await;
    let resp = app.call(Method::DELETE, &path, Some(access(&bob)), None).await;
    assert_problem(resp, StatusCode::NOT_FOUND, "not_found").await;
    let resp = app
        .call(
            Method::DELETE,
            "/users/me/addresses/not-a-uuid",
            Some(access(&bob)),
            None,
        )
        .await;
    assert_problem(resp, StatusCode::NOT_FOUND, "not_found").await;
    let list: Value = get(&app, access(&bob), "/users/me/addresses")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 0);
    let list: Value = get(&app, access(&alice), "/users/me/addresses")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"][0]["city"], "Paris", "untouched by bob");
}

#[tokio::test]
async fn admin_routes_need_an_admin_now() {
    let app = TestApp::spawn().await;
    let shopper = signed_up(&app, "shopper@example.com").await;
    let resp = app.get("/admin/users").await;
    assert_problem(resp, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    let resp = get(&app, access(&shopper), "/admin/users").await;
    assert_problem(resp, StatusCode::FORBIDDEN, "forbidden").await;

    let boss = signed_up(&app, "boss@example.com").await;
    let set_role = |role: Role| {
        let db = app.db.clone();
        async move {
            let sql = format!(
                "UPDATE users SET role = '{}' WHERE email = 'boss@example.com'",
                role.as_str()
            );
            db.execute_unprepared(&sql).await.unwrap();
        }
    };
    set_role(Role::Admin).await;
    // The token still says "user"; storage says admin, and storage decides.
    let resp = get(&app, access(&boss), "/admin/users?limit=2").await;
    assert_eq!(resp.status(), StatusCode::OK);
    let page: Value = resp.json().await.unwrap();
    assert_eq!(page["limit"], 2);
    assert!(page["total"].as_u64().unwrap() >= 2);
    assert!(!page.to_string().contains("argon2"));
    let resp = get(&app, access(&boss), "/admin/users?limit=500").await;
    assert_problem(resp, StatusCode::BAD_REQUEST, "bad_request").await;

    set_role(Role::User).await;
    let resp = get(&app, access(&boss), "/admin/users").await;
    assert_problem(resp, StatusCode::FORBIDDEN, "forbidden").await;
}

async fn raw_rows(app: &TestApp, sql: &str) -> String {
    let backend = app.db.get_database_backend();
    let rows = app
        .db
        .query_all_raw(Statement::from_string(backend, sql.to_owned()))
        .await
        .unwrap();
    rows.iter()
        .map(|r| {
            (0..4)
                .filter_map(|i| r.try_get_by_index::<Option<String>>(i).ok().flatten())
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

async fn personal_data_is_encrypted_at_rest(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |_| {}).await else {
        return;
    };
    let pair = signed_up(&app, "ines@example.com").await;
    let saved: Value = post(&app, access(&pair), "/users/me/addresses", &address("Home"))
        .await
        .json()
        .await
        .unwrap();
    // An order shipped to it keeps its own copy of the address, sealed the same way.
    let (product, variant) = crate::orders::buyable(&app, 1).await;
    crate::orders::add_to_cart(&app, access(&pair), &product, &variant, 1).await;
    let resp = crate::orders::place(
        &app,
        access(&pair),
        "sealed",
        &json!({"shippingAddressId": saved["id"], "paymentMethod": "pm_card_visa"}),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let order: Value = resp.json().await.unwrap();
    assert_eq!(order["shippingAddress"]["line1"], "12 Rue de Rivoli");
    let sealed = raw_rows(&app, "SELECT CAST(shipping_address AS text) FROM orders").await;
    assert!(sealed.contains("enc:dev:") && !sealed.contains("Rivoli"), "{sealed}");
    let stored = raw_rows(&app, "SELECT line1, line2, phone, key_id FROM addresses").await;
    assert!(
        !stored.contains("Rivoli") && !stored.contains("Apt 4B") && !stored.contains("23 45"),
        "{stored}"
    );
    assert!(stored.contains("enc:dev:"), "{stored}");
    let name = raw_rows(&app, "SELECT name FROM users WHERE email = 'ines@example.com'").await;
    assert!(name.starts_with("enc:dev:") && !name.contains("Ada"), "{name}");

    // Rotation: a new current key, `reencrypt` (what `beeget keys rotate` runs), then the old
    // key can go.
    let old = app.config.encryption.keys["dev"].clone();
    let mut rotated = app.config.encryption.clone();
    rotated
        .keys
        .insert("k2".into(), Secret::new("cm90YXRlZC1lbmNyeXB0aW9uLWtleS0zMi1ieXRlcyE="));
    rotated.current_key = "k2".into();
    let repos = sea::repos(app.db.clone(), std::sync::Arc::new(FieldCipher::from_config(&rotated)));
    assert!(repos.users.reencrypt(1000).await.unwrap() >= 1);
    assert_eq!(repos.addresses.reencrypt(1000).await.unwrap(), 1);
    assert_eq!(repos.addresses.reencrypt(1000).await.unwrap(), 0, "nothing left");
    assert_eq!(repos.orders.reencrypt(1000).await.unwrap(), 1);
    assert_eq!(repos.orders.reencrypt(1000).await.unwrap(), 0);
    let stored = raw_rows(&app, "SELECT line1, line2, phone, key_id FROM addresses").await;
    assert!(stored.contains("enc:k2:") && !stored.contains("enc:dev:"), "{stored}");
    rotated.keys.remove("dev");
    let only_new = sea::repos(app.db.clone(), std::sync::Arc::new(FieldCipher::from_config(&rotated)));
    let user = only_new.users.find_by_email("ines@example.com").await.unwrap().unwrap();
    assert_eq!(user.name, "Ada Lovelace");
    let book = only_new.addresses.list(user.id).await.unwrap();
    assert_eq!(book[0].fields.line1, "12 Rue de Rivoli");
    let order_id = uuid::Uuid::parse_str(order["id"].as_str().unwrap()).unwrap();
    let kept = only_new.orders.find(order_id).await.unwrap().unwrap();
    assert_eq!(kept.shipping_address.as_ref().unwrap().line1, "12 Rue de Rivoli");
    assert_eq!(
        kept.shipping_address.as_ref().unwrap().phone.as_deref(),
        Some("+33 1 23 45 67 89")
    );
    assert!(!old.expose().is_empty());
}

#[tokio::test]
async fn personal_data_is_encrypted_at_rest_on_sqlite() {
    personal_data_is_encrypted_at_rest(Backend::Sqlite).await;
}

#[tokio::test]
async fn personal_data_is_encrypted_at_rest_on_postgres() {
    personal_data_is_encrypted_at_rest(Backend::Postgres).await;
}

async fn the_address_limit_holds_under_concurrency(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |_| {}).await else {
        return;
    };
    let pair = signed_up(&app, "many@example.com").await;
    let mut set = tokio::task::JoinSet::new();
    for i in 0..30 {
        let (client, url, token) = (
            app.client.clone(),
            app.url("/users/me/addresses"),
            access(&pair).to_owned(),
        );
        let body = address(&format!("Place {i}"));
        set.spawn(async move {
            client
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
        });
    }
    let statuses = set.join_all().await;
    let created = statuses.iter().filter(|s| **s == StatusCode::CREATED).count();
    let refused = statuses.iter().filter(|s| **s == StatusCode::CONFLICT).count();
    assert_eq!((created, refused), (20, 10), "{statuses:?}");
    let list: Value = get(&app, access(&pair), "/users/me/addresses")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 20);
    let defaults = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["isDefault"] == true)
        .count();
    assert_eq!(defaults, 1, "exactly one default");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_address_limit_holds_under_concurrency_on_sqlite() {
    the_address_limit_holds_under_concurrency(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_address_limit_holds_under_concurrency_on_postgres() {
    the_address_limit_holds_under_concurrency(Backend::Postgres).await;
}

#[tokio::test]
async fn a_deleted_admin_is_signed_out_of_admin_routes() {
    let app = TestApp::spawn().await;
    let boss = signed_up(&app, "gone@example.com").await;
    app.db
        .execute_unprepared("UPDATE users SET role = 'admin' WHERE email = 'gone@example.com'")
        .await
        .unwrap();
    assert_eq!(get(&app, access(&boss), "/admin/users").await.status(), StatusCode::OK);
    app.db
        .execute_unprepared("DELETE FROM users WHERE email = 'gone@example.com'")
        .await
        .unwrap();
    let resp = get(&app, access(&boss), "/admin/users").await;
    assert_problem(resp, StatusCode::UNAUTHORIZED, "unauthenticated").await;
}

/// Staff see one account with its orders at a glance: the count of every order, what was
/// paid and kept (a cancelled, refunded order does not count), and the newest order.
#[tokio::test]
async fn staff_see_an_account_with_its_order_count_spend_and_newest_order_on_sqlite() {
    account_overview(TestApp::spawn().await).await;
}

#[tokio::test]
async fn staff_see_an_account_with_its_order_count_spend_and_newest_order_on_postgres() {
    // PostgreSQL sums BIGINT totals into NUMERIC: the repository casts back.
    if let Some(app) = TestApp::spawn_with(Backend::Postgres, |_| {}).await {
        account_overview(app).await;
    }
}

async fn account_overview(app: TestApp) {
    use crate::orders::{add_to_cart, buyable, placed};

    let boss = app.with_admin("chief@example.com").await;
    let buyer = app.with_user("regular@example.com").await;
    let path = format!("/admin/users/{}", buyer.id);

    let fresh: Value = get(&app, &boss.access_token, &path).await.json().await.unwrap();
    assert_eq!(fresh["user"]["email"], "regular@example.com");
    assert_eq!(
        (fresh["orderCount"].as_u64(), fresh["totalSpent"].as_i64()),
        (Some(0), Some(0))
    );
    assert!(fresh.get("lastOrder").is_none(), "{fresh}");

    let (product, variant) = buyable(&app, 2).await;
    add_to_cart(&app, &buyer.access_token, &product, &variant, 1).await;
    let kept = placed(&app, &buyer.access_token, "first", "pm_card_visa").await;
    add_to_cart(&app, &buyer.access_token, &product, &variant, 1).await;
    let cancelled = placed(&app, &buyer.access_token, "second", "pm_card_visa").await;
    let cancel = format!("/admin/orders/{}/status", cancelled["id"].as_str().unwrap());
    let resp = app
        .call(
            Method::PATCH,
            &cancel,
            Some(&boss.access_token),
            Some(&json!({"status": "cancelled"})),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);

    let resp = get(&app, &boss.access_token, &path).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let seen: Value = resp.json().await.unwrap();
    assert_eq!(seen["orderCount"], 2, "{seen}");
    assert_eq!(seen["totalSpent"], kept["totalAmount"], "only the kept order: {seen}");
    assert_eq!(seen["currency"], "USD");
    assert_eq!(seen["lastOrder"]["id"], cancelled["id"]);
    assert_eq!(seen["lastOrder"]["orderStatus"], "cancelled");
    assert!(!seen.to_string().contains("argon2"));

    assert_problem(app.get(&path).await, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    let resp = get(&app, &buyer.access_token, &path).await;
    assert_problem(resp, StatusCode::FORBIDDEN, "forbidden").await;
    let unknown = format!("/admin/users/{}", uuid::Uuid::now_v7());
    assert_problem(
        get(&app, &boss.access_token, &unknown).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let resp = get(&app, &boss.access_token, "/admin/users/not-a-uuid").await;
    assert_problem(resp, StatusCode::NOT_FOUND, "not_found").await;
}
