//! Accounts over HTTP as a shopper's client uses them: registration with the emailed
//! verification link, sign-in, refresh rotation with reuse detection, sign-out, password
//! reset, and every way a token can be wrong.

use beeget_api::config::{DEV_SIGNING_KEY, Secret};
use beeget_tests::{TestApp, assert_problem, link_token, problem_fields};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub const PASSWORD: &str = beeget_tests::TEST_PASSWORD;

/// Registers, verifies through the emailed link and signs in; returns the token pair.
pub async fn signed_up(app: &TestApp, email: &str) -> Value {
    let resp = app
        .post_json(
            "/auth/register",
            &json!({"name": "Ada Lovelace", "email": email, "password": PASSWORD}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let mail = app.wait_for_email(email, "/verify-email?token=").await;
    let token = link_token(&mail, "verify-email");
    let resp = app.post_json("/auth/verify-email", &json!({ "token": token })).await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    login(app, email, PASSWORD).await
}

pub async fn login(app: &TestApp, email: &str, password: &str) -> Value {
    let resp = app
        .post_json("/auth/login", &json!({"email": email, "password": password}))
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    resp.json().await.unwrap()
}

pub fn access(pair: &Value) -> &str {
    pair["accessToken"].as_str().unwrap()
}

async fn refresh(app: &TestApp, refresh_token: &Value) -> reqwest::Response {
    app.post_json("/auth/refresh", &json!({ "refreshToken": refresh_token }))
        .await
}

async fn me(app: &TestApp, token: &str) -> reqwest::Response {
    app.call(Method::GET, "/users/me", Some(token), None).await
}

#[tokio::test]
async fn register_verify_login_refresh_reuse_and_logout() {
    let app = TestApp::spawn().await;
    let resp = app
        .post_json(
            "/auth/register",
            &json!({"name": "  Ada Lovelace ", "email": " Ada@Example.com ", "password": PASSWORD}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let user: Value = resp.json().await.unwrap();
    assert_eq!(user["email"], "ada@example.com");
    assert_eq!(user["name"], "Ada Lovelace");
    assert_eq!(user["role"], "user");
    assert_eq!(user["emailVerified"], false);
    let body = user.to_string();
    assert!(
        !body.contains("argon2") && !body.to_lowercase().contains("password"),
        "{body}"
    );

    let again = app
        .post_json(
            "/auth/register",
            &json!({"name": "Ada", "email": "ADA@example.com", "password": PASSWORD}),
        )
        .await;
    assert_problem(again, StatusCode::CONFLICT, "email_taken").await;

    // The link in the email verifies the address, once.
    let mail = app.wait_for_email("ada@example.com", "/verify-email?token=").await;
    assert!(mail.contains("Subject: "), "{mail}");
    let token = link_token(&mail, "verify-email");
    let resp = app.post_json("/auth/verify-email", &json!({ "token": token })).await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let reused = app.post_json("/auth/verify-email", &json!({ "token": token })).await;
    assert_problem(reused, StatusCode::BAD_REQUEST, "invalid_token").await;

    let pair = login(&app, "ADA@example.com", PASSWORD).await;
    assert_eq!(pair["tokenType"], "Bearer");
    assert_eq!(pair["expiresIn"], 900);
    let profile: Value = me(&app, access(&pair)).await.json().await.unwrap();
    assert_eq!(profile["emailVerified"], true);
    assert_eq!(profile["id"], user["id"]);

    // Rotation: the new pair works, the old refresh token does not, and presenting it again
    // ends the whole session, rotated tokens included.
    let rotated: Value = refresh(&app, &pair["refreshToken"]).await.json().await.unwrap();
    assert_ne!(rotated["refreshToken"], pair["refreshToken"]);
    assert_eq!(me(&app, access(&rotated)).await.status(), StatusCode::OK);
    let replay = refresh(&app, &pair["refreshToken"]).await;
    assert_problem(replay, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    let after_reuse = refresh(&app, &rotated["refreshToken"]).await;
    assert_problem(after_reuse, StatusCode::UNAUTHORIZED, "unauthenticated").await;

    // Logout revokes the session and refuses the access token before it expires.
    let session = login(&app, "ada@example.com", PASSWORD).await;
    let other = login(&app, "ada@example.com", PASSWORD).await;
    let resp = app
        .call(
            Method::POST,
            "/auth/logout",
            Some(access(&session)),
            Some(&json!({"refreshToken": session["refreshToken"]})),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert_problem(
        me(&app, access(&session)).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    assert_problem(
        refresh(&app, &session["refreshToken"]).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    assert_eq!(
        me(&app, access(&other)).await.status(),
        StatusCode::OK,
        "other sessions live on"
    );
    let logout_anonymous = app
        .post_json("/auth/logout", &json!({"refreshToken": other["refreshToken"]}))
        .await;
    assert_problem(logout_anonymous, StatusCode::UNAUTHORIZED, "unauthenticated").await;
}

#[tokio::test]
async fn registration_rules_name_the_field_and_rule() {
    let app = TestApp::spawn().await;
    let cases = [
        (
            json!({"name": "A", "email": "a@example.com", "password": "short"}),
            "password",
            "at least 10",
        ),
        (
            json!({"name": "A", "email": "a@example.com", "password": "password123"}),
            "password",
            "too common",
        ),
        (
            json!({"name": "A", "email": "a@example.com", "password": "A@Example.com"}),
            "password",
            "email",
        ),
        (
            json!({"name": "A", "email": "not-an-email", "password": PASSWORD}),
            "email",
            "",
        ),
        (
            json!({"name": " ", "email": "a@example.com", "password": PASSWORD}),
            "name",
            "",
        ),
    ];
    for (body, field, rule) in cases {
        let resp = app.post_json("/auth/register", &body).await;
        let problem = assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(problem_fields(&problem), vec![field.to_owned()], "{problem}");
        assert!(
            problem["errors"][0]["message"].as_str().unwrap().contains(rule),
            "{problem}"
        );
    }
    let sneaky = app
        .post_json(
            "/auth/register",
            &json!({"name": "A", "email": "b@example.com", "password": PASSWORD, "role": "admin"}),
        )
        .await;
    let problem = assert_problem(sneaky, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem_fields(&problem), vec!["role".to_owned()]);
    assert!(app.repos.users.find_by_email("b@example.com").await.unwrap().is_none());
}

#[tokio::test]
async fn wrong_password_and_unknown_email_look_the_same() {
    let app = TestApp::spawn().await;
    signed_up(&app, "grace@example.com").await;
    let wrong = app
        .post_json(
            "/auth/login",
            &json!({"email": "grace@example.com", "password": "not-her-password"}),
        )
        .await;
    let unknown = app
        .post_json(
            "/auth/login",
            &json!({"email": "nobody@example.com", "password": PASSWORD}),
        )
        .await;
    let mut a = assert_problem(wrong, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    let mut b = assert_problem(unknown, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    a.as_object_mut().unwrap().remove("requestId");
    b.as_object_mut().unwrap().remove("requestId");
    assert_eq!(a, b);
}

#[tokio::test]
async fn forgot_and_reset_password() {
    let app = TestApp::spawn().await;
    let before = signed_up(&app, "lin@example.com").await;
    let resp = app
        .post_json("/auth/forgot-password", &json!({"email": "ghost@example.com"}))
        .await;
    assert_eq!(
        resp.status(),
        StatusCode::ACCEPTED,
        "unknown accounts get the same answer"
    );
    let resp = app
        .post_json("/auth/forgot-password", &json!({"email": "LIN@example.com"}))
        .await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let mail = app.wait_for_email("lin@example.com", "/reset-password?token=").await;
    let token = link_token(&mail, "reset-password");

    // A weak password is refused without using the token up.
    let weak = app
        .post_json(
            "/auth/reset-password",
            &json!({"token": token, "password": "qwerty123456"}),
        )
        .await;
    assert_problem(weak, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let new_password = "linen-scarf-and-boots-7";
    let resp = app
        .post_json(
            "/auth/reset-password",
            &json!({"token": token, "password": new_password}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    // Every session ends at once: the access token issued before the reset is refused now,
    // not when it expires.
    let stale = before["accessToken"].as_str().unwrap();
    assert_problem(me(&app, stale).await, StatusCode::UNAUTHORIZED, "unauthenticated").await;

    let old = app
        .post_json(
            "/auth/login",
            &json!({"email": "lin@example.com", "password": PASSWORD}),
        )
        .await;
    assert_problem(old, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    let fresh = login(&app, "lin@example.com", new_password).await;
    let resp = me(&app, fresh["accessToken"].as_str().unwrap()).await;
    assert_eq!(resp.status(), StatusCode::OK, "a session started after the reset works");
    let again = app
        .post_json(
            "/auth/reset-password",
            &json!({"token": token, "password": "another-fine-pass-9"}),
        )
        .await;
    assert_problem(again, StatusCode::BAD_REQUEST, "invalid_token").await;
    assert_problem(
        refresh(&app, &before["refreshToken"]).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_refreshes_of_one_token_let_exactly_one_through() {
    let app = TestApp::spawn().await;
    let pair = signed_up(&app, "race@example.com").await;
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let (client, url, body) = (
            app.client.clone(),
            app.url("/auth/refresh"),
            json!({"refreshToken": pair["refreshToken"]}),
        );
        set.spawn(async move { client.post(url).json(&body).send().await.unwrap().status() });
    }
    let statuses: Vec<StatusCode> = set.join_all().await;
    let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    assert_eq!(ok, 1, "{statuses:?}");
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::OK || *s == StatusCode::UNAUTHORIZED)
    );
}

fn claims(app: &TestApp, user_id: &str, exp_offset: i64) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({
        "sub": user_id, "role": "user", "iat": now, "nbf": now, "exp": now + exp_offset,
        "jti": uuid::Uuid::now_v7().to_string(),
        "iss": app.config.auth.issuer, "aud": app.config.auth.audience,
    })
}

fn sign(kid: &str, secret: &str, claims: &Value) -> String {
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(kid.into());
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_secret(secret.as_bytes())).unwrap()
}

#[tokio::test]
async fn tampered_expired_unsigned_and_foreign_tokens_are_refused() {
    let app = TestApp::spawn().await;
    let pair = signed_up(&app, "eve@example.com").await;
    let user: Value = me(&app, access(&pair)).await.json().await.unwrap();
    let id = user["id"].as_str().unwrap();
    assert_eq!(
        me(&app, &sign("dev", DEV_SIGNING_KEY, &claims(&app, id, 60)))
            .await
            .status(),
        StatusCode::OK,
        "a well-made token is accepted (the test's signer is right)"
    );

    let token = access(&pair);
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let mut payload = parts[1].clone().into_bytes();
    payload[5] = if payload[5] == b'A' { b'B' } else { b'A' };
    parts[1] = String::from_utf8(payload).unwrap();
    let tampered = parts.join(".");
    let expired = sign("dev", DEV_SIGNING_KEY, &claims(&app, id, -3600));
    let unsigned = {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let header = b64.encode(r#"{"alg":"none","typ":"JWT","kid":"dev"}"#);
        let body = b64.encode(claims(&app, id, 60).to_string());
        format!("{header}.{body}.")
    };
    let wrong_key = sign("dev", "an-attacker-secret-of-at-least-32-bytes!", &claims(&app, id, 60));
    let unknown_kid = sign("old", DEV_SIGNING_KEY, &claims(&app, id, 60));
    let mut foreign = claims(&app, id, 60);
    foreign["aud"] = json!("someone-else");
    let wrong_audience = sign("dev", DEV_SIGNING_KEY, &foreign);
    let mut foreign = claims(&app, id, 60);
    foreign["iss"] = json!("evil");
    let wrong_issuer = sign("dev", DEV_SIGNING_KEY, &foreign);

    assert_problem(me(&app, &expired).await, StatusCode::UNAUTHORIZED, "token_expired").await;
    for (what, token) in [
        ("tampered", tampered),
        ("alg none", unsigned),
        ("wrong key", wrong_key),
        ("unknown kid", unknown_kid),
        ("wrong audience", wrong_audience),
        ("wrong issuer", wrong_issuer),
        ("garbage", "not.a.jwt".to_owned()),
    ] {
        let resp = me(&app, &token).await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{what}");
        assert_problem(resp, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    }
    let none = app.get("/users/me").await;
    assert_problem(none, StatusCode::UNAUTHORIZED, "unauthenticated").await;
}

#[tokio::test]
async fn a_rotated_signing_key_is_accepted_until_removed() {
    const OLD: &str = "the-previous-signing-secret-0123456789abcdef";
    const NEW: &str = "the-current-signing-secret-0123456789abcdef!";
    let rotated = TestApp::spawn_with(beeget_tests::Backend::Sqlite, |c| {
        c.auth.signing_keys = [("k1".to_owned(), Secret::new(OLD)), ("k2".to_owned(), Secret::new(NEW))].into();
        c.auth.current_key = "k2".into();
    })
    .await
    .unwrap();
    let pair = signed_up(&rotated, "kim@example.com").await;
    let user: Value = me(&rotated, access(&pair)).await.json().await.unwrap();
    let id = user["id"].as_str().unwrap();
    let header = jsonwebtoken::decode_header(access(&pair)).unwrap();
    assert_eq!(header.kid.as_deref(), Some("k2"), "new tokens use the current key");
    let from_old_key = sign("k1", OLD, &claims(&rotated, id, 600));
    assert_eq!(me(&rotated, &from_old_key).await.status(), StatusCode::OK);

    let removed = TestApp::spawn_with(beeget_tests::Backend::Sqlite, |c| {
        c.auth.signing_keys = [("k2".to_owned(), Secret::new(NEW))].into();
        c.auth.current_key = "k2".into();
    })
    .await
    .unwrap();
    let pair = signed_up(&removed, "kim@example.com").await;
    let user: Value = me(&removed, access(&pair)).await.json().await.unwrap();
    let from_old_key = sign("k1", OLD, &claims(&removed, user["id"].as_str().unwrap(), 600));
    assert_problem(
        me(&removed, &from_old_key).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
}

async fn login_attempt(app: &TestApp, email: &str, forwarded_for: Option<&str>) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url("/auth/login"))
        .json(&json!({"email": email, "password": "wrong-password-here"}));
    if let Some(ip) = forwarded_for {
        request = request.header("x-forwarded-for", ip);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn rate_limits_in_memory_per_ip_per_email_and_behind_a_trusted_proxy() {
    let app = TestApp::spawn_with(beeget_tests::Backend::Sqlite, |c| {
        c.rate_limit.enabled = true;
        c.rate_limit.per_ip_per_minute = 30;
        c.rate_limit.auth_per_ip_per_minute = 6;
        c.rate_limit.auth_per_email_per_minute = 3;
        c.rate_limit.trusted_proxies = vec!["127.0.0.1".into()];
    })
    .await
    .unwrap();
    // Per email, whatever address the attempts come from.
    for i in 0..3 {
        let resp = login_attempt(&app, "target@example.com", Some(&format!("203.0.113.{i}"))).await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
        assert!(resp.headers().contains_key("ratelimit-remaining"));
    }
    let resp = login_attempt(&app, "TARGET@example.com", Some("203.0.113.99")).await;
    let retry_after: u64 = resp.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after));
    assert_eq!(resp.headers()["ratelimit-remaining"], "0");
    assert_problem(resp, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;

    // Per IP on the credential routes: the forwarded client, since the peer is a trusted proxy.
    for i in 0..6 {
        let resp = login_attempt(&app, &format!("u{i}@example.com"), Some("198.51.100.7")).await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let resp = login_attempt(&app, "u9@example.com", Some("198.51.100.7")).await;
    assert_problem(resp, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    let other_client = login_attempt(&app, "u10@example.com", Some("198.51.100.8")).await;
    assert_eq!(other_client.status(), StatusCode::UNAUTHORIZED);

    // Every route, per IP; the probes are never limited.
    let mut statuses = Vec::new();
    for _ in 0..31 {
        statuses.push(app.get("/categories").await.status());
    }
    assert!(statuses[..30].iter().all(|s| *s == StatusCode::OK), "{statuses:?}");
    assert_eq!(statuses[30], StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_untrusted_peer_cannot_choose_its_address() {
    let app = TestApp::spawn_with(beeget_tests::Backend::Sqlite, |c| {
        c.rate_limit.enabled = true;
        c.rate_limit.auth_per_ip_per_minute = 2;
    })
    .await
    .unwrap();
    for i in 0..2 {
        let resp = login_attempt(&app, &format!("x{i}@example.com"), Some(&format!("192.0.2.{i}"))).await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    }
    let resp = login_attempt(&app, "x3@example.com", Some("192.0.2.200")).await;
    assert_problem(resp, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
}

#[tokio::test]
async fn rate_limits_in_redis_are_shared_by_instances_and_so_is_logout() {
    let Some(redis) = beeget_tests::TestRedis::create() else {
        return;
    };
    let shared = |c: &mut beeget_api::config::Config| {
        c.redis.url = Secret::new(redis.url.clone());
        c.redis.key_prefix = redis.prefix.clone();
        c.rate_limit.enabled = true;
        c.rate_limit.auth_per_email_per_minute = 4;
    };
    let a = TestApp::spawn_with(beeget_tests::Backend::Sqlite, shared)
        .await
        .unwrap();
    // The second instance serves HTTP only: the instances here have separate databases, so
    // only `a` may run jobs from the shared Redis queue.
    let b = TestApp::spawn_with(beeget_tests::Backend::Sqlite, |c| {
        shared(c);
        c.jobs.run_in_server = false;
    })
    .await
    .unwrap();
    for app in [&a, &b, &a, &b] {
        let resp = login_attempt(app, "shared@example.com", None).await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    }
    let resp = login_attempt(&b, "shared@example.com", None).await;
    assert_problem(resp, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;

    // The logout denylist lives in Redis too: and the job queue, whose worker sends the email.
    let pair = signed_up(&a, "redis@example.com").await;
    let resp = a
        .call(
            Method::POST,
            "/auth/logout",
            Some(access(&pair)),
            Some(&json!({"refreshToken": pair["refreshToken"]})),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert_problem(me(&a, access(&pair)).await, StatusCode::UNAUTHORIZED, "unauthenticated").await;
}

#[tokio::test]
async fn a_hash_made_with_other_parameters_is_upgraded_at_login() {
    let app = TestApp::spawn().await;
    // `beeget user create` hashes with the OWASP defaults; this app runs cheaper parameters.
    beeget_api::tasks::accounts::create_account(
        &app.repos,
        beeget_api::tasks::accounts::NewAccount {
            email: "staff@example.com",
            name: "Staff",
            password: PASSWORD,
            role: beeget_api::domain::user::Role::Admin,
        },
    )
    .await
    .unwrap();
    let stored = |app: &TestApp| {
        let repos = app.repos.clone();
        async move {
            repos
                .users
                .credentials_by_email("staff@example.com")
                .await
                .unwrap()
                .unwrap()
                .password_hash
        }
    };
    let before = stored(&app).await;
    assert!(
        before.starts_with("$argon2id$") && before.contains("m=19456"),
        "{before}"
    );
    login(&app, "staff@example.com", PASSWORD).await;
    let after = stored(&app).await;
    assert!(after.contains("m=1024,t=1,p=1"), "{after}");
    login(&app, "staff@example.com", PASSWORD).await;
    assert_eq!(stored(&app).await, after, "an up-to-date hash is left alone");
}

#[tokio::test]
async fn resending_verification_mails_a_fresh_link_that_replaces_the_old_one() {
    let app = TestApp::spawn().await;
    let resp = app
        .post_json(
            "/auth/register",
            &json!({"name": "Noor", "email": "noor@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let first = link_token(
        &app.wait_for_email("noor@example.com", "/verify-email?token=").await,
        "verify-email",
    );
    for email in ["NOOR@example.com", "nobody@example.com"] {
        let resp = app
            .post_json("/auth/resend-verification", &json!({ "email": email }))
            .await;
        assert_eq!(
            resp.status(),
            StatusCode::ACCEPTED,
            "the same answer for unknown accounts"
        );
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let second = loop {
        let token = link_token(
            &app.wait_for_email("noor@example.com", "/verify-email?token=").await,
            "verify-email",
        );
        if token != first {
            break token;
        }
        assert!(std::time::Instant::now() < deadline, "no second verification email");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let stale = app.post_json("/auth/verify-email", &json!({ "token": first })).await;
    assert_problem(stale, StatusCode::BAD_REQUEST, "invalid_token").await;
    let resp = app.post_json("/auth/verify-email", &json!({ "token": second })).await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn an_expired_reset_link_is_refused() {
    use beeget_api::repos::entities::user_tokens;
    use sea_orm::{EntityTrait, sea_query::Expr};
    let app = TestApp::spawn().await;
    signed_up(&app, "late@example.com").await;
    let resp = app
        .post_json("/auth/forgot-password", &json!({"email": "late@example.com"}))
        .await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let token = link_token(
        &app.wait_for_email("late@example.com", "/reset-password?token=").await,
        "reset-password",
    );
    // The link is an hour old.
    user_tokens::Entity::update_many()
        .col_expr(
            user_tokens::Column::ExpiresAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::minutes(1)),
        )
        .exec(&app.db)
        .await
        .unwrap();
    let resp = app
        .post_json(
            "/auth/reset-password",
            &json!({"token": token, "password": "a-perfectly-fine-password"}),
        )
        .await;
    assert_problem(resp, StatusCode::BAD_REQUEST, "invalid_token").await;
    login(&app, "late@example.com", PASSWORD).await;
}
