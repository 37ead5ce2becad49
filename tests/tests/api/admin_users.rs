//! Staff work on accounts over HTTP: search by email or by the words of an encrypted name,
//! role filter and sort; role changes that take effect on the next request, are audited, and
//! never leave the store without an admin, even when two admins demote each other at once.

use beeget_api::repos::entities::users;
use beeget_tests::{Backend, TestApp, assert_problem};
use futures_util::future::join;
use reqwest::{Method, StatusCode};
use sea_orm::{EntityTrait, sea_query::Expr};
use serde_json::{Value, json};

use crate::{audit::audit_entries, orders::get};

async fn register(app: &TestApp, name: &str, email: &str) {
    let resp = app
        .post_json(
            "/auth/register",
            &json!({"name": name, "email": email, "password": beeget_tests::TEST_PASSWORD}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
}

async fn emails(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    let resp = get(app, token, &format!("/admin/users?limit=100&{query}")).await;
    assert_eq!(resp.status(), StatusCode::OK, "{query}");
    let page: Value = resp.json().await.unwrap();
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn accounts_are_found_by_email_or_name_words_and_filtered_by_role() {
    let app = TestApp::spawn().await;
    let staff = app.with_admin("desk@example.com").await;
    register(&app, "Zoë Ann-Marie Quist", "zq@example.com").await;
    register(&app, "Ada Lovelace", "ada@analytical.example").await;
    register(&app, "Annabel Lee", "poe_fan@example.com").await;

    assert_eq!(
        emails(&app, &staff.access_token, "search=analytical").await,
        ["ada@analytical.example"]
    );
    assert_eq!(
        emails(&app, &staff.access_token, "search=zoe%20QUIST").await,
        ["zq@example.com"]
    );
    assert_eq!(
        emails(&app, &staff.access_token, "search=marie").await,
        ["zq@example.com"]
    );
    // Whole words: "ann" is a word of the first name only, not a prefix of "Annabel".
    assert_eq!(
        emails(&app, &staff.access_token, "search=ann").await,
        ["zq@example.com"]
    );
    assert!(
        emails(&app, &staff.access_token, "search=lovelace%20quist")
            .await
            .is_empty()
    );
    // LIKE wildcards are literal.
    assert_eq!(
        emails(&app, &staff.access_token, "search=poe_").await,
        ["poe_fan@example.com"]
    );
    assert!(emails(&app, &staff.access_token, "search=%25").await.is_empty());
    assert_eq!(
        emails(&app, &staff.access_token, "role=admin").await,
        ["desk@example.com"]
    );
    let sorted = emails(&app, &staff.access_token, "sort=email_asc").await;
    let mut expected = sorted.clone();
    expected.sort();
    assert_eq!(sorted, expected);
    assert_eq!(sorted.len(), 4);
    // Storage holds no readable name, only the keyed word hashes.
    let id = app
        .repos
        .users
        .find_by_email("zq@example.com")
        .await
        .unwrap()
        .unwrap()
        .id;
    let row = users::Entity::find_by_id(id).one(&app.db).await.unwrap().unwrap();
    assert!(!row.name.contains("Quist"), "{}", row.name);
    assert!(!row.name_index.to_lowercase().contains("quist"));
    assert_eq!(row.name_index.split_whitespace().count(), 4);
}

#[tokio::test]
async fn a_role_change_takes_effect_on_the_next_request_and_is_audited() {
    let app = TestApp::spawn().await;
    let staff = app.with_admin("owner@example.com").await;
    let clerk = app.with_user("clerk@example.com").await;
    let path = format!("/admin/users/{}/role", clerk.id);
    let resp = get(&app, &clerk.access_token, "/admin/users").await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let resp = app
        .call(
            Method::PATCH,
            &path,
            Some(&staff.access_token),
            Some(&json!({"role": "admin"})),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.json::<Value>().await.unwrap()["role"], "admin");
    // The same token, next request: the role is read from storage.
    assert_eq!(
        get(&app, &clerk.access_token, "/admin/users").await.status(),
        StatusCode::OK
    );
    let resp = app
        .call(
            Method::PATCH,
            &path,
            Some(&staff.access_token),
            Some(&json!({"role": "user"})),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        get(&app, &clerk.access_token, "/admin/users").await.status(),
        StatusCode::FORBIDDEN
    );

    let entries = audit_entries(
        &app,
        &staff.access_token,
        &format!("targetType=user&targetId={}", clerk.id),
    )
    .await;
    let changes: Vec<&Value> = entries.iter().map(|e| &e["changes"][0]).collect();
    assert_eq!(
        changes,
        [
            &json!({"field": "role", "before": "admin", "after": "user"}),
            &json!({"field": "role", "before": "user", "after": "admin"}),
        ]
    );
    assert!(entries.iter().all(|e| e["action"] == "user.role_changed"));

    // The last admin cannot step down; bad input and unknown accounts are refused.
    let own = format!("/admin/users/{}/role", staff.id);
    let resp = app
        .call(
            Method::PATCH,
            &own,
            Some(&staff.access_token),
            Some(&json!({"role": "user"})),
        )
        .await;
    assert_problem(resp, StatusCode::CONFLICT, "last_admin").await;
    let resp = app
        .call(
            Method::PATCH,
            &own,
            Some(&staff.access_token),
            Some(&json!({"role": "owner"})),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let ghost = format!("/admin/users/{}/role", uuid::Uuid::now_v7());
    let resp = app
        .call(
            Method::PATCH,
            &ghost,
            Some(&staff.access_token),
            Some(&json!({"role": "user"})),
        )
        .await;
    assert_problem(resp, StatusCode::NOT_FOUND, "not_found").await;
}

/// Two admins demote each other at the same moment: one wins, the store keeps an admin.
async fn mutual_demotion_keeps_an_admin(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |_| {}).await else {
        return;
    };
    for round in 0..5 {
        // Only the two made below are admins this round.
        users::Entity::update_many()
            .col_expr(users::Column::Role, Expr::value("user"))
            .exec(&app.db)
            .await
            .unwrap();
        let a = app.with_admin(&format!("a{round}@example.com")).await;
        let b = app.with_admin(&format!("b{round}@example.com")).await;
        let demote = |actor: &str, target: uuid::Uuid| {
            let (app, actor) = (&app, actor.to_owned());
            async move {
                app.call(
                    Method::PATCH,
                    &format!("/admin/users/{target}/role"),
                    Some(&actor),
                    Some(&json!({"role": "user"})),
                )
                .await
                .status()
            }
        };
        let (ab, ba) = join(demote(&a.access_token, b.id), demote(&b.access_token, a.id)).await;
        let wins = [ab, ba].iter().filter(|s| **s == StatusCode::OK).count();
        assert_eq!(wins, 1, "{backend:?} round {round}: {ab} {ba}");
        assert!(
            [ab, ba]
                .iter()
                .all(|s| [StatusCode::OK, StatusCode::CONFLICT, StatusCode::FORBIDDEN].contains(s))
        );
        let admins = app
            .repos
            .users
            .list(
                &beeget_api::domain::user::UserQuery {
                    role: Some(beeget_api::domain::user::Role::Admin),
                    ..Default::default()
                },
                Default::default(),
            )
            .await
            .unwrap();
        assert_eq!(admins.total, 1, "{backend:?} round {round}");
    }
}

#[tokio::test]
async fn two_admins_demoting_each_other_leave_one_admin_on_sqlite() {
    mutual_demotion_keeps_an_admin(Backend::Sqlite).await;
}

#[tokio::test]
async fn two_admins_demoting_each_other_leave_one_admin_on_postgres() {
    mutual_demotion_keeps_an_admin(Backend::Postgres).await;
}
