//! Test harness: starts the real application on a free port with a throwaway database and
//! talks to it over HTTP, as a client would.
//!
//! SQLite databases live in a temporary folder removed on drop. PostgreSQL tests run when
//! `BEEGET_TEST_POSTGRES_URL` points at a server (any database on it): each app gets its own
//! freshly created database, dropped afterwards, so runs never collide.

use std::{path::PathBuf, sync::Arc};

use beeget_api::{
    config::{Config, Environment},
    repos::Repos,
    startup,
};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Database};
use serde_json::Value;
use tempfile::TempDir;
use tokio::sync::oneshot;

pub mod outage;

pub const POSTGRES_URL_VAR: &str = "BEEGET_TEST_POSTGRES_URL";
pub const REDIS_URL_VAR: &str = "BEEGET_TEST_REDIS_URL";

/// A Redis key prefix of its own for one test; its keys are deleted on drop.
pub struct TestRedis {
    pub url: String,
    pub prefix: String,
}

impl TestRedis {
    /// `None` when `BEEGET_TEST_REDIS_URL` is unset outside CI; in CI that is an error, so the
    /// Redis suite can never be skipped silently.
    pub fn create() -> Option<Self> {
        let Ok(url) = std::env::var(REDIS_URL_VAR) else {
            assert!(
                std::env::var_os("CI").is_none(),
                "{REDIS_URL_VAR} must be set in CI: the Redis suite may not be skipped"
            );
            eprintln!("skipping: {REDIS_URL_VAR} is not set");
            return None;
        };
        Some(Self {
            url,
            prefix: format!("beeget-test-{}", uuid::Uuid::now_v7().simple()),
        })
    }
}

impl Drop for TestRedis {
    fn drop(&mut self) {
        let (url, pattern) = (self.url.clone(), format!("{}:*", self.prefix));
        let _ = std::thread::spawn(move || {
            let Ok(client) = redis::Client::open(url) else { return };
            let Ok(mut conn) = client.get_connection() else { return };
            let keys: Vec<String> = redis::cmd("KEYS").arg(&pattern).query(&mut conn).unwrap_or_default();
            if !keys.is_empty() {
                let _: redis::RedisResult<()> = redis::cmd("DEL").arg(keys).query(&mut conn);
            }
        })
        .join();
    }
}

pub const LOCALSTRIPE_VAR: &str = "BEEGET_TEST_LOCALSTRIPE";

/// A localstripe server (a stateful fake of Stripe's API, from PyPI) of one test's own, on a
/// free port; stopped on drop.
pub struct LocalStripe {
    child: std::process::Child,
    pub url: String,
}

impl LocalStripe {
    /// Runs `BEEGET_TEST_LOCALSTRIPE` (or `localstripe` on the PATH). `None` when there is none
    /// outside CI; in CI that is an error, so the Stripe suite is never skipped silently.
    pub fn start() -> Option<Self> {
        let program = std::env::var(LOCALSTRIPE_VAR).unwrap_or_else(|_| "localstripe".into());
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("free port")
            .local_addr()
            .expect("address")
            .port();
        let child = match std::process::Command::new(&program)
            .args(["--port", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
        {
            Ok(child) => child,
            Err(e) => {
                assert!(
                    std::env::var_os("CI").is_none(),
                    "{LOCALSTRIPE_VAR} must name a localstripe in CI: the Stripe suite may not be skipped ({e})"
                );
                eprintln!("skipping: no localstripe ({LOCALSTRIPE_VAR}): {e}");
                return None;
            }
        };
        let server = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(std::time::Instant::now() < deadline, "localstripe did not start");
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        Some(server)
    }
}

impl Drop for LocalStripe {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The demo catalogue shipped in the repository.
pub fn seeds_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../seeds")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database made for one test and removed when dropped.
pub struct TestDatabase {
    pub url: String,
    _dir: Option<TempDir>,
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    /// `None` when the backend is PostgreSQL and no server is configured. In CI (`CI` set) a
    /// missing server is an error, so the PostgreSQL suite can never be skipped silently.
    pub async fn create(backend: Backend) -> Option<Self> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}?mode=rwc", dir.path().join("beeget.db").display());
                Some(Self {
                    url,
                    _dir: Some(dir),
                    postgres: None,
                })
            }
            Backend::Postgres => {
                let Ok(admin_url) = std::env::var(POSTGRES_URL_VAR) else {
                    assert!(
                        std::env::var_os("CI").is_none(),
                        "{POSTGRES_URL_VAR} must be set in CI: the PostgreSQL suite may not be skipped"
                    );
                    eprintln!("skipping: {POSTGRES_URL_VAR} is not set");
                    return None;
                };
                let name = format!("beeget_test_{}", uuid::Uuid::now_v7().simple());
                let admin = Database::connect(&admin_url)
                    .await
                    .expect("connect to the PostgreSQL test server");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create test database");
                drop(admin);
                Some(Self {
                    url: replace_database(&admin_url, &name),
                    _dir: None,
                    postgres: Some((admin_url, name)),
                })
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some((admin_url, name)) = self.postgres.take() else {
            return;
        };
        // Drop runs outside async context; a short-lived runtime on its own thread removes the database.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                if let Ok(admin) = Database::connect(&admin_url).await {
                    let _ = admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                }
            });
        })
        .join();
    }
}

fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let (server, _) = base.rsplit_once('/').expect("database URL has a path");
    match query {
        Some(q) => format!("{server}/{name}?{q}"),
        None => format!("{server}/{name}"),
    }
}

/// A config for tests: free port, test environment, temporary media folder, repository seeds.
pub fn test_config(database_url: &str, media_dir: &std::path::Path) -> Config {
    let mut config = Config {
        env: Environment::Test,
        ..Config::default()
    };
    config.server.addr = "127.0.0.1:0".into();
    config.server.shutdown_grace_secs = 5;
    config.database.url = database_url.to_owned();
    config.database.max_connections = 8;
    config.media.dir = media_dir.display().to_string();
    config.seed.dir = seeds_dir().display().to_string();
    config.seed.demo_accounts_file = media_dir.join("demo-accounts.txt").display().to_string();
    config.email.outbox_dir = media_dir.join("outbox").display().to_string();
    // Quick jobs: workers poll often, retry soon, and notice a dead peer within seconds.
    config.jobs.poll_interval_ms = 100;
    config.jobs.backoff_initial_ms = 100;
    config.jobs.backoff_max_ms = 2_000;
    config.jobs.heartbeat_secs = 1;
    config.jobs.missed_heartbeats = 2;
    config.jobs.shutdown_timeout_secs = 5;
    // No schedules: a tick landing mid-test would add jobs the test did not queue. Tests of
    // the scheduler set their own.
    config.jobs.schedule.clear();
    // Suites send far more than 100 requests a minute from one address; the rate-limit
    // tests turn limits back on.
    config.rate_limit.enabled = false;
    // Cheap hashes keep tests quick; production uses the OWASP parameters.
    config.auth.argon2_memory_kib = 1024;
    config.auth.argon2_iterations = 1;
    config
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub repos: Repos,
    /// The raw connection, for checks a client cannot make (what is stored at rest).
    pub db: sea_orm::DatabaseConnection,
    pub config: Arc<Config>,
    /// The app's fake payment provider (when it uses the fake), to count charges and refunds.
    pub payments: Arc<beeget_api::payments::fake::FakeProvider>,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    stop_jobs: Option<Box<dyn FnOnce() + Send>>,
    jobs: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    /// The app's catalogue index (its read model), to wait for it in tests.
    pub catalogue: Arc<beeget_api::services::catalogue_read_model::CatalogueReadModel>,
    _media: Option<TempDir>,
    _database: Option<TestDatabase>,
}

/// The password every `TestUser` signs in with.
pub const TEST_PASSWORD: &str = "velvet-trench-coat-42";

/// An account a test made through the API, signed in.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub id: uuid::Uuid,
    pub email: String,
    pub access_token: String,
    pub refresh_token: String,
}

impl TestApp {
    /// The app on SQLite with the demo catalogue loaded.
    pub async fn spawn() -> Self {
        Self::spawn_with(Backend::Sqlite, |_| {})
            .await
            .expect("SQLite always runs")
    }

    /// The app on `backend` with the demo catalogue, after `adjust` edits the config.
    /// `None` when the backend is not available outside CI.
    pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> Option<Self> {
        let database = TestDatabase::create(backend).await?;
        let media = tempfile::tempdir().expect("temp dir");
        let mut config = test_config(&database.url, media.path());
        adjust(&mut config);
        Some(Self::start(config, Some(database), Some(media)).await)
    }

    /// A second instance of this app: its own server, catalogue index and payment fake, on
    /// the same database, Redis and media folder, as a load balancer's second node (or this
    /// one restarted) would be. `adjust` edits a copy of this app's config.
    pub async fn spawn_peer(&self, adjust: impl FnOnce(&mut Config)) -> Self {
        let mut config = Config::clone(&self.config);
        config.server.addr = "127.0.0.1:0".into();
        adjust(&mut config);
        Self::start(config, None, None).await
    }

    /// Builds, seeds (when empty) and serves `config`, and waits for its catalogue index. The
    /// app owns `database` and `media` when given (they are removed with it).
    async fn start(config: Config, database: Option<TestDatabase>, media: Option<TempDir>) -> Self {
        beeget_api::tls::install_crypto_provider();
        // The fake is shared with the test so it can count charges; other providers as configured.
        let payments = Arc::new(beeget_api::payments::fake::FakeProvider::default());
        let provider: Option<Arc<dyn beeget_api::payments::PaymentProvider>> =
            (config.payments.provider == beeget_api::config::PaymentProviderKind::Fake).then(|| payments.clone() as _);
        let built = startup::App::build_with(config, startup::Overrides { payments: provider })
            .await
            .expect("app");
        built.prepare_first_run().await.expect("seed");
        let (stop_jobs, jobs) = if built.config.jobs.run_in_server {
            let (signal, fire) = startup::ShutdownSignal::new();
            let background = built.background_jobs().expect("background jobs");
            let jobs = tokio::spawn(background.run(signal));
            (Some(Box::new(fire) as Box<dyn FnOnce() + Send>), Some(jobs))
        } else {
            (None, None)
        };
        let app = built.bind().await.expect("bind");
        let (config, repos, db) = (built.config.clone(), built.repos.clone(), built.db.clone());
        let address = format!("http://127.0.0.1:{}{}", app.port(), config.server.base_path);
        let (tx, rx) = oneshot::channel::<()>();
        let server = tokio::spawn(app.run_until(async {
            let _ = rx.await;
        }));
        let catalogue = built.state.catalogue.read_model().clone();
        tokio::time::timeout(std::time::Duration::from_secs(120), catalogue.wait_ready())
            .await
            .expect("the catalogue index is built within 2 minutes");
        Self {
            address,
            client: reqwest::Client::builder().build().expect("client"),
            repos,
            db,
            config,
            payments,
            catalogue,
            shutdown: Some(tx),
            server: Some(server),
            stop_jobs,
            jobs,
            _media: media,
            _database: database,
        }
    }

    /// Brings this app's catalogue index up to every write committed so far (its follower
    /// would within `catalogue.follow_interval_ms`): for tests that write to the database
    /// directly and then read through HTTP.
    pub async fn catalogue_caught_up(&self) {
        self.catalogue.refresh().await.expect("catalogue index refresh");
    }

    /// A new catalogue read model over this app's database and config, not built yet: what a
    /// starting instance has.
    pub fn new_read_model(&self) -> Arc<beeget_api::services::catalogue_read_model::CatalogueReadModel> {
        let model = beeget_api::services::catalogue_read_model::CatalogueReadModel::new(
            &self.repos,
            self.config.pricing.promotions_apply_to.into(),
            &self.config.catalogue,
        );
        Arc::new(model.expect("catalogue read model"))
    }

    /// Switches off the demo's automatic (code-free) promotions and re-prices this app's
    /// index: list prices are then the effective prices, as the storage's own SQL list gives
    /// them, for tests that compare the two.
    pub async fn without_automatic_promotions(&self) {
        use beeget_api::domain::catalogue::NewPromotion;
        for p in self.repos.promotions.list_active().await.expect("promotions") {
            if p.code.is_some() {
                continue;
            }
            let off = NewPromotion {
                name: p.name,
                slug: p.slug,
                description: p.description,
                image: p.image,
                active: false,
                position: p.position,
                discount_type: p.discount_type,
                discount_value: p.discount_value,
                start_date: p.start_date,
                end_date: p.end_date,
                code: None,
                scope: p.scope,
                stackable: p.stackable,
            };
            self.repos.promotions.upsert(off).await.expect("switch a promotion off");
        }
        self.catalogue
            .reload_reference()
            .await
            .expect("re-price the catalogue index");
    }

    /// The app on PostgreSQL reached through a proxy the test can cut (short connect and
    /// acquire timeouts, so an outage shows at once), after `adjust`. `None` when PostgreSQL is
    /// not configured outside CI.
    pub async fn spawn_behind_postgres_proxy(adjust: impl FnOnce(&mut Config)) -> Option<(Self, outage::CutProxy)> {
        let Ok(server) = std::env::var(POSTGRES_URL_VAR) else {
            // In CI a missing server is an error (TestDatabase says so); elsewhere, a skip.
            return TestDatabase::create(Backend::Postgres).await.and(None);
        };
        let proxy = outage::CutProxy::start(&outage::host_port(&server)).await;
        let app = Self::spawn_with(Backend::Postgres, |c| {
            c.database.url = proxy.route(&c.database.url);
            c.database.connect_timeout_secs = 1;
            c.database.acquire_timeout_secs = 1;
            adjust(c);
        })
        .await?;
        Some((app, proxy))
    }

    /// The app on SQLite with its queue, rate limits and denylist in a Redis of the test's own
    /// key prefix, reached through a proxy the test can cut, after `adjust`. `None` when Redis
    /// is not configured outside CI.
    pub async fn spawn_behind_redis_proxy(
        adjust: impl FnOnce(&mut Config),
    ) -> Option<(Self, outage::CutProxy, TestRedis)> {
        let redis = TestRedis::create()?;
        let proxy = outage::CutProxy::start(&outage::host_port(&redis.url)).await;
        let (url, prefix) = (proxy.route(&redis.url), redis.prefix.clone());
        let app = Self::spawn_with(Backend::Sqlite, |c| {
            c.redis.url = beeget_api::config::Secret::new(url);
            c.redis.key_prefix = prefix;
            adjust(c);
        })
        .await?;
        Some((app, proxy, redis))
    }

    /// A shopper registered and signed in over HTTP (without the email round trip), as
    /// `TestUser`: `app.with_user("ada@example.com").await.access_token`.
    pub async fn with_user(&self, email: &str) -> TestUser {
        let resp = self
            .post_json(
                "/auth/register",
                &serde_json::json!({"name": "Grace Hopper", "email": email, "password": TEST_PASSWORD}),
            )
            .await;
        assert_eq!(resp.status(), StatusCode::CREATED, "register {email}");
        let registered: Value = resp.json().await.expect("user");
        let resp = self
            .post_json(
                "/auth/login",
                &serde_json::json!({"email": email, "password": TEST_PASSWORD}),
            )
            .await;
        assert_eq!(resp.status(), StatusCode::OK, "login {email}");
        let pair: Value = resp.json().await.expect("token pair");
        let text = |v: &Value| v.as_str().expect("a string").to_owned();
        TestUser {
            id: uuid::Uuid::parse_str(registered["id"].as_str().expect("id")).expect("a UUID"),
            email: text(&registered["email"]),
            access_token: text(&pair["accessToken"]),
            refresh_token: text(&pair["refreshToken"]),
        }
    }

    /// A signed-in staff member: a shopper promoted in storage (admin rights are read from
    /// storage on every call, so the token already carries them).
    pub async fn with_admin(&self, email: &str) -> TestUser {
        let user = self.with_user(email).await;
        self.db
            .execute_unprepared(&format!(
                "UPDATE users SET role = 'admin' WHERE email = '{}'",
                user.email
            ))
            .await
            .expect("promote");
        user
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("request")
    }

    /// GET and parse JSON, returning the status too.
    pub async fn get_json(&self, path: &str) -> (StatusCode, Value) {
        let resp = self.get(path).await;
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// GET expecting 200 and JSON.
    pub async fn ok_json(&self, path: &str) -> Value {
        let (status, body) = self.get_json(path).await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        body
    }

    /// `GET /products/{slug}`, expecting 200.
    pub async fn product(&self, slug: &str) -> Value {
        self.ok_json(&format!("/products/{slug}")).await
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("request")
    }

    /// Every product matching `query` (a query string without page/limit), across all pages.
    pub async fn all_products(&self, query: &str) -> Vec<Value> {
        let mut items = Vec::new();
        for page in 1.. {
            let sep = if query.is_empty() { "" } else { "&" };
            let body = self
                .ok_json(&format!("/products?{query}{sep}limit=100&page={page}"))
                .await;
            let batch = body["items"].as_array().expect("items").clone();
            let total = body["total"].as_u64().expect("total") as usize;
            items.extend(batch);
            if items.len() >= total {
                break;
            }
        }
        items
    }

    /// Signals shutdown without waiting: the server stops accepting and drains.
    pub fn begin_shutdown(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }

    /// Stops the server gracefully and waits for it.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.expect("server task").expect("server stopped cleanly");
        }
        if let Some(stop) = self.stop_jobs.take() {
            stop();
        }
        if let Some(jobs) = self.jobs.take() {
            jobs.await.expect("jobs task").expect("job workers stopped cleanly");
        }
    }

    /// A request with an optional bearer token and JSON body.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> reqwest::Response {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.expect("request")
    }

    /// The raw `.eml` of the newest email to `to` whose text contains `needle`, waiting up to
    /// 20 s for the job that sends it.
    pub async fn wait_for_email(&self, to: &str, needle: &str) -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let mut found: Vec<(std::time::SystemTime, String)> = std::fs::read_dir(self.outbox())
                .map(|entries| {
                    entries
                        .filter_map(|e| e.ok())
                        .filter_map(|e| {
                            let modified = e.metadata().ok()?.modified().ok()?;
                            let raw = decode_quoted_printable(&std::fs::read_to_string(e.path()).ok()?);
                            let addressed = raw.contains(&format!("<{to}>")) || raw.contains(&format!("To: {to}"));
                            (addressed && raw.contains(needle)).then_some((modified, raw))
                        })
                        .collect()
                })
                .unwrap_or_default();
            found.sort();
            if let Some((_, raw)) = found.pop() {
                return raw;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no email to {to} containing {needle:?}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// The path of the outbox folder this app's emails are written to.
    pub fn outbox(&self) -> PathBuf {
        PathBuf::from(&self.config.email.outbox_dir)
    }
}

/// A folder where each test process leaves the statuses its apps answered, per operation
/// (`status-coverage` then checks them against the statuses the spec declares).
pub const STATUS_LOG_VAR: &str = "BEEGET_TEST_STATUS_LOG";

/// Writes this process's `http_requests_total` counters (operation, method, status) to
/// `$BEEGET_TEST_STATUS_LOG/<program>-<pid>.prom`. The counters are process-wide and only
/// grow, so the file written last holds everything; a lock keeps an older snapshot from
/// replacing a newer one.
fn record_answered_statuses() {
    static WRITING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let Some(dir) = std::env::var_os(STATUS_LOG_VAR) else {
        return;
    };
    let _writing = WRITING.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let counters: String = beeget_api::http::metrics::handle()
        .render()
        .lines()
        .filter(|line| line.starts_with("http_requests_total{"))
        .map(|line| format!("{line}\n"))
        .collect();
    let program = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "tests".into());
    let dir = PathBuf::from(dir);
    let _ = std::fs::create_dir_all(&dir);
    let file = dir.join(format!("{program}-{}.prom", std::process::id()));
    let partial = file.with_extension("partial");
    if std::fs::write(&partial, counters).is_ok() {
        let _ = std::fs::rename(&partial, &file);
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        record_answered_statuses();
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(stop) = self.stop_jobs.take() {
            stop();
        }
    }
}

/// Undoes quoted-printable soft breaks and escapes, so links in emails can be read whole.
pub fn decode_quoted_printable(raw: &str) -> String {
    let joined = raw.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The `token` query parameter of the first link to `path` in an email.
pub fn link_token(email: &str, path: &str) -> String {
    let start = email
        .find(&format!("/{path}?token="))
        .unwrap_or_else(|| panic!("no /{path} link in {email}"))
        + path.len()
        + 8;
    email[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

/// Asserts a problem+json response with the given status and code; returns the body.
pub async fn assert_problem(resp: reqwest::Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(resp.status(), status, "unexpected status");
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        content_type.starts_with("application/problem+json"),
        "content-type {content_type}"
    );
    let body: Value = resp.json().await.expect("problem body");
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status.as_u16(), "{body}");
    assert!(
        body["type"].as_str().is_some_and(|t| t.starts_with("https://")),
        "{body}"
    );
    assert!(body["requestId"].as_str().is_some_and(|r| !r.is_empty()), "{body}");
    body
}

/// The field names listed in a problem's `errors`.
pub fn problem_fields(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| e["field"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::replace_database;

    #[test]
    fn database_name_is_replaced() {
        assert_eq!(
            replace_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            replace_database("postgres://u@h/db?sslmode=disable", "y"),
            "postgres://u@h/y?sslmode=disable"
        );
    }
}
