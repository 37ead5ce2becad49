//! Builds the application from configuration; used by `beeget serve` and by the test harness.

use std::{path::PathBuf, sync::Arc, time::Duration};

use anyhow::Context;
use poem::{
    Endpoint, EndpointExt, Route, Server,
    endpoint::StaticFilesEndpoint,
    listener::{Acceptor, Listener, TcpListener},
    middleware::Cors,
};
use sea_orm::DatabaseConnection;

use crate::{
    config::{Config, Environment},
    crypto::FieldCipher,
    http::{
        body_limit, connections,
        contract::{self, Contract},
        foreign_origin, framework_errors, metrics, rate_limit, request_id, security_headers,
    },
    infra::rate_limit::{FallbackCounter, MemoryCounter, RateCounter, RateLimiter, RedisRateCounter},
    jobs::{self, JobContext, JobQueue, JobRegistry, JobRunner, JobSender, Scheduler},
    repos::{AccessDenylist, Repos, redis::RedisDenylist, sea},
    routes::{AppState, openapi_service},
    services::{
        auth::AuthService, cart::CartService, catalogue::CatalogueService, catalogue_read_model::CatalogueReadModel,
        content::ContentService, profile::ProfileService,
    },
    tasks::{accounts, seed},
};

/// Connects to the configured database and brings its schema up to date.
pub async fn open_database(config: &Config) -> anyhow::Result<(DatabaseConnection, Repos)> {
    let db = sea::connect(&config.database).await?;
    sea::migrate(&db).await?;
    let repos = sea::repos(db.clone(), Arc::new(FieldCipher::from_config(&config.encryption)));
    // Names stored before their blind index existed get one (SQL cannot: it needs the key).
    while repos.users.index_names(500).await? > 0 {}
    Ok((db, repos))
}

pub fn seed_source(config: &Config) -> seed::SeedSource {
    seed::SeedSource {
        dir: PathBuf::from(&config.seed.dir),
        media_dir: PathBuf::from(&config.media.dir),
        media_url_prefix: format!("{}{}", config.server.base_path, config.media.url_prefix),
    }
}

/// First-run conveniences: the demo catalogue into an empty database and, in development only,
/// the demo accounts. Production never creates accounts implicitly.
pub async fn prepare_first_run(config: &Config, repos: &Repos) -> anyhow::Result<()> {
    if config.seed.on_empty_database && repos.products.count().await? == 0 {
        let report = seed::load(repos, &seed_source(config))
            .await
            .context("loading the demo catalogue")?;
        tracing::info!(?report, "empty database: demo catalogue loaded");
    }
    if config.env == Environment::Development
        && let Some(lines) =
            accounts::create_demo_accounts(repos, std::path::Path::new(&config.seed.demo_accounts_file)).await?
    {
        println!(
            "Created demo accounts (also written to {}):\n{lines}",
            config.seed.demo_accounts_file
        );
    }
    Ok(())
}

/// Revoked access tokens: shared in Redis when configured, else in the database.
pub async fn access_denylist(config: &Config, db: &DatabaseConnection) -> anyhow::Result<Arc<dyn AccessDenylist>> {
    if config.redis.url.is_empty() {
        return Ok(Arc::new(sea::SeaDenylist::new(db.clone())));
    }
    Ok(Arc::new(RedisDenylist::new(
        redis_connection(config).await?,
        &config.redis.key_prefix,
    )))
}

async fn redis_connection(config: &Config) -> anyhow::Result<redis::aio::ConnectionManager> {
    crate::repos::redis::connect(&config.redis).await
}

/// The state every operation reaches, with the payment provider to use.
async fn state_with_payments(
    config: Config,
    db: &DatabaseConnection,
    repos: Repos,
    jobs: JobQueue,
    payments: Arc<dyn crate::payments::PaymentProvider>,
) -> anyhow::Result<Arc<AppState>> {
    let sender = JobSender::new(
        jobs.clone(),
        repos.job_outbox.clone(),
        Duration::from_millis(config.jobs.enqueue_timeout_ms),
    );
    let auth = AuthService::new(
        repos.clone(),
        sender.clone(),
        access_denylist(&config, db).await?,
        &config.auth,
    );
    let counter: Box<dyn RateCounter> = if config.redis.url.is_empty() {
        Box::<MemoryCounter>::default()
    } else {
        Box::new(FallbackCounter::new(
            RedisRateCounter::new(redis_connection(&config).await?, &config.redis.key_prefix),
            Duration::from_millis(config.rate_limit.redis_timeout_ms),
        ))
    };
    let products = Arc::new(CatalogueReadModel::new(
        &repos,
        config.pricing.promotions_apply_to.into(),
        &config.catalogue,
    )?);
    let catalogue = CatalogueService::new(repos.clone(), products.clone(), &config.cache);
    let cart = CartService::new(repos.clone(), catalogue.clone(), &config);
    let product_images = crate::services::product_images::ProductImages::new(
        repos.clone(),
        crate::media::from_config(&config).await?,
        catalogue.clone(),
    );
    Ok(Arc::new(AppState {
        catalogue_admin: crate::services::catalogue_admin::CatalogueAdmin::new(
            repos.clone(),
            catalogue.clone(),
            product_images.clone(),
        ),
        product_images,
        taxonomy_admin: crate::services::taxonomy_admin::TaxonomyAdmin::new(repos.clone(), catalogue.clone()),
        promotion_admin: crate::services::promotion_admin::PromotionAdmin::new(repos.clone(), catalogue.clone()),
        page_admin: crate::services::page_admin::PageAdmin::new(repos.clone()),
        orders: crate::services::orders::OrderService::new(
            repos.clone(),
            cart.clone(),
            payments,
            sender.clone(),
            products,
        ),
        gdpr: crate::services::gdpr::GdprService::new(
            repos.clone(),
            cart.clone(),
            auth.clone(),
            crate::email::from_config(&config.email)?,
        ),
        cart,
        catalogue,
        content: ContentService::new(repos.clone(), sender),
        profile: ProfileService::new(repos.clone(), auth.clone()),
        auth,
        limiter: Arc::new(RateLimiter::new(counter, &config.rate_limit)),
        config: Arc::new(config),
        repos,
        jobs,
        workers: crate::jobs::WorkerHealth::default(),
    }))
}

/// A shutdown signal several tasks can wait for: the server, the workers and the scheduler.
#[derive(Clone)]
pub struct ShutdownSignal(tokio::sync::watch::Receiver<bool>);

impl ShutdownSignal {
    /// The signal, and the function that fires it.
    pub fn new() -> (Self, impl FnOnce()) {
        let (tx, rx) = tokio::sync::watch::channel(false);
        (Self(rx), move || {
            let _ = tx.send(true);
        })
    }

    pub async fn wait(mut self) {
        let _ = self.0.wait_for(|fired| *fired).await;
    }
}

/// The job workers and the scheduler, prepared before they run so that a bad schedule or mail
/// setting stops start-up instead of a background task.
pub struct BackgroundJobs {
    queue: JobQueue,
    runner: Arc<JobRunner>,
    scheduler: Scheduler,
    health: crate::jobs::WorkerHealth,
    outbox: Arc<dyn crate::repos::JobOutboxRepo>,
    relay_interval: Duration,
    settings: Arc<crate::config::JobsConfig>,
}

impl BackgroundJobs {
    /// `health` is where the workers report whether they run (the readiness check reads it).
    pub fn prepare(
        config: Arc<Config>,
        repos: Repos,
        queue: JobQueue,
        registry: JobRegistry,
        health: crate::jobs::WorkerHealth,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            scheduler: Scheduler::new(queue.clone(), &config.jobs, config.timezone())?,
            outbox: repos.job_outbox.clone(),
            relay_interval: Duration::from_millis(config.jobs.outbox_relay_interval_ms),
            settings: Arc::new(config.jobs.clone()),
            runner: Arc::new(JobRunner::new(registry, JobContext::from_config(config, repos)?)),
            queue,
            health,
        })
    }

    /// Runs until `shutdown` fires, then lets running jobs finish (bounded). The queue
    /// workers, the scheduler and the outbox relay each run under a supervisor that starts
    /// them again when they stop, and report whether they run in `health`.
    pub async fn run(self, shutdown: ShutdownSignal) -> anyhow::Result<()> {
        use futures_util::FutureExt;
        let stop = shutdown.clone().wait().boxed().shared();
        let settings = self.settings.clone();
        let scheduling = (!self.scheduler.is_idle()).then(|| {
            let scheduler = Arc::new(self.scheduler);
            tokio::spawn(jobs::supervise_task(
                "scheduler",
                self.health.clone(),
                settings.clone(),
                stop.clone(),
                move || scheduler.clone().run(),
            ))
        });
        let (queue, outbox, interval) = (self.queue.clone(), self.outbox.clone(), self.relay_interval);
        let relaying = tokio::spawn(jobs::supervise_task(
            "outbox-relay",
            self.health.clone(),
            settings,
            stop,
            move || jobs::relay_outbox(queue.clone(), outbox.clone(), interval),
        ));
        let result = jobs::run_workers(&self.queue, self.runner, self.health, shutdown.wait()).await;
        if let Some(scheduling) = scheduling {
            let _ = scheduling.await;
        }
        let _ = relaying.await;
        result
    }
}

/// The whole HTTP application: API, spec, docs, media and the cross-cutting middleware.
pub fn router(state: Arc<AppState>) -> impl Endpoint + 'static {
    let config = state.config.clone();
    let state_limiter = state.limiter.clone();
    let api = openapi_service(&config.server.base_path);
    let contract = Arc::new(Contract::new(&api.spec()));
    let served = contract.clone();
    let spec = poem::endpoint::make_sync(move |_| {
        poem::Response::builder()
            .content_type("application/json; charset=utf-8")
            .body(served.spec().to_owned())
    });
    let docs = api.swagger_ui();
    let inner = Route::new()
        .nest("/", api.data(state))
        .at("/openapi.json", spec)
        .nest("/docs", docs)
        .nest(
            &config.media.url_prefix,
            StaticFilesEndpoint::new(&config.media.dir).around(crate::http::media_cache::middleware),
        );
    let base = config.server.base_path.clone();
    let app = if base.is_empty() {
        inner
    } else {
        Route::new().nest(&base, inner)
    };

    let max_body = config.server.max_body_bytes;
    let body_limits = body_limit::BodyLimits {
        base_path: base.clone(),
        default: max_body,
        uploads: config.media.max_upload_bytes,
    };
    let limiter = state_limiter;
    let limit_base = base.clone();
    let docs_path = format!("{base}/docs");
    let origins = config.server.cors_origins.clone();
    let cors = Cors::new()
        .allow_origins(origins.iter().map(String::as_str))
        .allow_methods(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
        .allow_headers(["authorization", "content-type", "idempotency-key", request_id::HEADER])
        .expose_headers([
            request_id::HEADER,
            "retry-after",
            "ratelimit-limit",
            "ratelimit-remaining",
            "ratelimit-reset",
        ])
        .max_age(600);
    let contract_base = base.clone();
    let metrics_contract = contract.clone();
    app.around(move |ep, req| {
        let (contract, base) = (contract.clone(), contract_base.clone());
        async move { contract::middleware(ep, req, &contract, &base).await }
    })
    .around(move |ep, req| {
        let limits = body_limits.clone();
        async move { body_limit::limit(ep, req, &limits).await }
    })
    .around(move |ep, req| {
        let (limiter, base) = (limiter.clone(), limit_base.clone());
        async move { rate_limit::middleware(ep, req, &limiter, &base, max_body).await }
    })
    .around(framework_errors::ensure_problem)
    // An empty origin list would make poem's Cors allow every origin: no CORS at all instead.
    .with_if(!origins.is_empty(), cors)
    .around(move |ep, req| {
        let origins = origins.clone();
        async move { foreign_origin::middleware(ep, req, &origins).await }
    })
    .around(move |ep, req| {
        let docs_path = docs_path.clone();
        async move { security_headers::middleware(ep, req, &docs_path).await }
    })
    .around(move |ep, req| {
        let (contract, base) = (metrics_contract.clone(), base.clone());
        async move { metrics::middleware(ep, req, &contract, &base).await }
    })
    .around(request_id::middleware)
}

/// A bound server, ready to run.
pub struct Application {
    acceptor: connections::LimitedAcceptor<poem::listener::TcpAcceptor>,
    port: u16,
    state: Arc<AppState>,
}

impl Application {
    /// Binds `server.addr` (port 0 picks a free port).
    pub async fn bind(state: Arc<AppState>) -> anyhow::Result<Self> {
        metrics::handle();
        let addr = state.config.server.addr.clone();
        let acceptor = TcpListener::bind(addr.clone())
            .into_acceptor()
            .await
            .with_context(|| format!("server.addr: cannot listen on {addr}"))?;
        let port = acceptor
            .local_addr()
            .first()
            .and_then(|a| a.as_socket_addr().map(|s| s.port()))
            .context("listener has no socket address")?;
        let server = &state.config.server;
        let idle = Duration::from_secs(server.idle_timeout_secs);
        let acceptor = connections::LimitedAcceptor::new(acceptor, server.max_connections, idle);
        Ok(Self { acceptor, port, state })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until `shutdown` resolves, then stops accepting and lets in-flight requests
    /// finish for up to `server.shutdown_grace_secs`. Beside the server runs the catalogue
    /// index's follower (supervised as `catalogue-index`): it builds the index, then applies
    /// the database's change feed; catalogue reads and `/readyz` answer 503 until it is built.
    pub async fn run_until(self, shutdown: impl std::future::Future<Output = ()> + Send) -> std::io::Result<()> {
        use futures_util::FutureExt;
        let grace = Duration::from_secs(self.state.config.server.shutdown_grace_secs);
        let (stop_following, stopped) = tokio::sync::oneshot::channel::<()>();
        let stopped = async move {
            let _ = stopped.await;
        }
        .boxed()
        .shared();
        let read_model = self.state.catalogue.read_model().clone();
        let following = tokio::spawn(jobs::supervise_task(
            "catalogue-index",
            self.state.workers.clone(),
            Arc::new(self.state.config.jobs.clone()),
            stopped,
            move || read_model.clone().follow(),
        ));
        let served = Server::new_with_acceptor(self.acceptor)
            .run_with_graceful_shutdown(router(self.state), shutdown, Some(grace))
            .await;
        let _ = stop_following.send(());
        let _ = following.await;
        served
    }
}

/// Resolves on ctrl-c or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received: draining in-flight requests");
}

/// The spec as `beeget openapi` prints it and `/openapi.json` serves it: generated from the
/// operations alone, without opening any database or queue.
pub fn openapi_spec(config: &Config) -> String {
    let generated = openapi_service(&config.server.base_path).spec();
    Contract::new(&generated).spec().to_owned()
}

/// What tests and tools may put in place of the configured parts.
#[derive(Default)]
pub struct Overrides {
    /// A payment provider to use instead of `[payments] provider` (tests count its charges).
    pub payments: Option<Arc<dyn crate::payments::PaymentProvider>>,
}

/// The application assembled from configuration, once for everything that runs it: `serve`,
/// `worker`, the test harness and the benchmarks. Storage is migrated, the queue connected,
/// the services and their shared state built.
pub struct App {
    pub config: Arc<Config>,
    pub db: DatabaseConnection,
    pub repos: Repos,
    pub queue: JobQueue,
    pub state: Arc<AppState>,
}

impl App {
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        Self::build_with(config, Overrides::default()).await
    }

    pub async fn build_with(config: Config, overrides: Overrides) -> anyhow::Result<Self> {
        let (db, repos) = open_database(&config).await?;
        let queue = JobQueue::connect(&config, &db).await?;
        let payments = match overrides.payments {
            Some(provider) => provider,
            None => crate::payments::from_config(&config.payments)?,
        };
        let state = state_with_payments(config, &db, repos.clone(), queue.clone(), payments).await?;
        Ok(Self {
            config: state.config.clone(),
            db,
            repos,
            queue,
            state,
        })
    }

    /// Demo catalogue and demo accounts on an empty database (see [`prepare_first_run`]).
    pub async fn prepare_first_run(&self) -> anyhow::Result<()> {
        prepare_first_run(&self.config, &self.repos).await
    }

    /// The job workers and the scheduler of this application.
    pub fn background_jobs(&self) -> anyhow::Result<BackgroundJobs> {
        BackgroundJobs::prepare(
            self.config.clone(),
            self.repos.clone(),
            self.queue.clone(),
            jobs::builtin_registry(),
            self.state.workers.clone(),
        )
    }

    /// The HTTP server, bound to `server.addr`.
    pub async fn bind(&self) -> anyhow::Result<Application> {
        Application::bind(self.state.clone()).await
    }
}
