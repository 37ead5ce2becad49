//! The `beeget` command line.

use std::{io::Read, path::PathBuf, process::ExitCode, sync::Arc};

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};

use crate::{
    config::Config,
    domain::{
        sales::{Grouping, SalesRange},
        user::Role,
    },
    email::{self, templates::EmailTemplates},
    jobs::{self, DailySalesReport, Enqueued, Job, JobContext, JobQueue, JobRunner, JobStatus},
    services::{ServiceError, sales_report},
    startup,
    tasks::{accounts, seed, synthetic, synthetic_orders},
    telemetry,
};

#[derive(Parser)]
#[command(name = "beeget", version, about = "Beeget Fashion store backend")]
struct Cli {
    /// Configuration file; defaults to ./config.toml when present. BEEGET_* variables override it.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP API (migrates, and seeds an empty database first).
    Serve,
    /// Apply pending database migrations.
    Migrate,
    /// Load the demo catalogue (idempotent: upsert by slug).
    Seed {
        /// Also add N deterministic synthetic products, for benchmarks.
        #[arg(long, value_name = "N")]
        synthetic: Option<usize>,
        /// Also add N deterministic orders spread over the last two years (history: no stock
        /// taken, no email sent), for report benchmarks and demos.
        #[arg(long, value_name = "N")]
        synthetic_orders: Option<usize>,
    },
    /// Print the OpenAPI document.
    Openapi {
        /// Write to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Outgoing email.
    Mail {
        #[command(subcommand)]
        command: MailCommand,
    },
    /// Run the job workers and the scheduler alone (pair with `jobs.run_in_server = false`).
    Worker,
    /// Inspect and steer background jobs.
    Jobs {
        #[command(subcommand)]
        command: JobsCommand,
    },
    /// A shopper's rights over their data (GDPR): export it, erase it.
    Gdpr {
        #[command(subcommand)]
        command: GdprCommand,
    },
    /// Sales reports and the rollups they read.
    Reports {
        #[command(subcommand)]
        command: ReportsCommand,
    },
    /// Encryption keys of personal data at rest.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
}

#[derive(Subcommand)]
enum GdprCommand {
    /// Print everything stored about the account as JSON (what `GET /users/me/export` answers).
    Export {
        email: String,
        /// Write to this file (created with mode 0600) instead of standard output.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Erase the account's personal data (what `DELETE /users/me` does) and print the receipt.
    Erase {
        email: String,
        /// Do not ask: erase at once (scripts, `just gdpr-delete`).
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Subcommand)]
enum ReportsCommand {
    /// Print the sales report as CSV (what `GET /admin/reports/sales?format=csv` answers):
    /// dates inclusive, in `store.timezone`.
    Sales {
        #[arg(long, value_name = "YYYY-MM-DD")]
        start: chrono::NaiveDate,
        #[arg(long, value_name = "YYYY-MM-DD")]
        end: chrono::NaiveDate,
        #[arg(long, value_enum, default_value_t = GroupByArg::Day)]
        group_by: GroupByArg,
    },
    /// Sum the sales rollups again from the orders. The server keeps them as orders move;
    /// run this after changing orders by hand in the database.
    Rebuild,
}

#[derive(Clone, Copy, ValueEnum)]
enum GroupByArg {
    Day,
    Week,
    Month,
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Re-encrypt every stored name, address line and phone with `encryption.current_key`.
    /// Run after adding a new key and making it current; then the old key can be removed.
    Rotate,
}

#[derive(Subcommand)]
enum JobsCommand {
    /// Jobs, newest first.
    List {
        #[arg(long, value_enum)]
        status: Option<StatusArg>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// One JSON object per line instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Queue a failed job again with a fresh set of attempts.
    Retry { id: String },
    /// Queue a scheduled job now (`--inline`: perform it in this process instead).
    Run {
        name: String,
        #[arg(long)]
        inline: bool,
        /// dailySalesReport only: the day to report (YYYY-MM-DD, store time zone) instead of
        /// yesterday.
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Option<chrono::NaiveDate>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum StatusArg {
    Queued,
    Running,
    Failed,
    Done,
}

impl From<StatusArg> for JobStatus {
    fn from(status: StatusArg) -> Self {
        match status {
            StatusArg::Queued => JobStatus::Queued,
            StatusArg::Running => JobStatus::Running,
            StatusArg::Failed => JobStatus::Failed,
            StatusArg::Done => JobStatus::Done,
        }
    }
}

#[derive(Subcommand)]
enum MailCommand {
    /// Send a test message through the configured transport.
    Test {
        /// Recipient address.
        #[arg(long)]
        to: String,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account (e.g. staff) with a verified email.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_enum, default_value_t = RoleArg::User)]
        role: RoleArg,
        /// Read the password from standard input (one line).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    User,
    Admin,
}

pub fn main() -> ExitCode {
    crate::tls::install_crypto_provider();
    let cli = Cli::parse();
    let config = match Config::load(cli.config.as_deref()) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("beeget: {e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&config.log);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("beeget: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command, config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("beeget: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Mail {
            command: MailCommand::Test { to },
        } => {
            let mailer = email::from_config(&config.email)?;
            let message = EmailTemplates::new(&config.store)?.mail_test(&to, mailer.transport())?;
            mailer.send(&message).await?;
            println!(
                "sent a test message to {to} through the {} transport",
                mailer.transport()
            );
        }
        Command::Worker => {
            let app = startup::App::build(config).await?;
            let (shutdown, fire) = startup::ShutdownSignal::new();
            tokio::spawn(async move {
                startup::shutdown_signal().await;
                fire();
            });
            let backend = app.queue.backend_name();
            let background = app.background_jobs()?;
            println!("Beeget job worker on the {backend} queue");
            background.run(shutdown).await?;
        }
        Command::Jobs { command } => run_jobs_command(command, config).await?,
        Command::Gdpr { command } => run_gdpr_command(command, config).await?,
        Command::Reports { command } => run_reports_command(command, config).await?,
        Command::Keys {
            command: KeysCommand::Rotate,
        } => {
            let (_db, repos) = startup::open_database(&config).await?;
            let (mut users, mut addresses, mut orders) = (0, 0, 0);
            loop {
                let n = repos.users.reencrypt(500).await?;
                users += n;
                if n == 0 {
                    break;
                }
            }
            loop {
                let n = repos.addresses.reencrypt(500).await?;
                addresses += n;
                if n == 0 {
                    break;
                }
            }
            loop {
                let n = repos.orders.reencrypt(500).await?;
                orders += n;
                if n == 0 {
                    break;
                }
            }
            println!(
                "re-encrypted {users} user names, {addresses} addresses and {orders} order addresses with key {}",
                config.encryption.current_key
            );
        }
        Command::Serve => {
            let built = startup::App::build(config.clone()).await?;
            built.prepare_first_run().await?;
            let (shutdown, fire) = startup::ShutdownSignal::new();
            let background = if config.jobs.run_in_server {
                Some(tokio::spawn(built.background_jobs()?.run(shutdown.clone())))
            } else {
                None
            };
            let app = built.bind().await?;
            let base = &config.server.base_path;
            let host = config.server.addr.rsplit_once(':').map_or("127.0.0.1", |(h, _)| h);
            tracing::info!(port = app.port(), "listening");
            println!(
                "Beeget API on http://{host}:{}{base}/ — Swagger UI at http://{host}:{}{base}/docs",
                app.port(),
                app.port()
            );
            app.run_until(async move {
                startup::shutdown_signal().await;
                fire();
            })
            .await?;
            if let Some(background) = background {
                background.await??;
            }
            tracing::info!("stopped");
        }
        Command::Migrate => {
            startup::open_database(&config).await?;
            println!("migrations applied");
        }
        Command::Seed {
            synthetic: extra,
            synthetic_orders,
        } => {
            let (_db, repos) = startup::open_database(&config).await?;
            let report = seed::load(&repos, &startup::seed_source(&config)).await?;
            println!(
                "seeded {} categories, {} collections, {} promotions, {} products, {} pages, {} images",
                report.categories, report.collections, report.promotions, report.products, report.pages, report.images
            );
            if let Some(n) = extra {
                let images = product_images(&config)?;
                synthetic::load(&repos, n, &images, true).await?;
                println!("added {n} synthetic products");
            }
            if let Some(n) = synthetic_orders {
                let today = chrono::Utc::now().date_naive();
                let added = synthetic_orders::load(
                    &repos,
                    n,
                    today,
                    &config.store.currency,
                    &config.shipping,
                    std::io::IsTerminal::is_terminal(&std::io::stderr()),
                )
                .await?;
                println!("added {added} synthetic orders");
            }
        }
        Command::Openapi { output } => {
            let spec = startup::openapi_spec(&config);
            match output {
                Some(path) => {
                    std::fs::write(&path, format!("{spec}\n")).with_context(|| format!("writing {}", path.display()))?
                }
                None => println!("{spec}"),
            }
        }
        Command::User {
            command:
                UserCommand::Create {
                    email,
                    name,
                    role,
                    password_stdin: _,
                },
        } => {
            let mut password = String::new();
            std::io::stdin()
                .read_to_string(&mut password)
                .context("reading the password from stdin")?;
            let password = password.lines().next().unwrap_or_default().to_owned();
            let (_db, repos) = startup::open_database(&config).await?;
            let role = match role {
                RoleArg::User => Role::User,
                RoleArg::Admin => Role::Admin,
            };
            let account = accounts::NewAccount {
                email: &email,
                name: &name,
                password: &password,
                role,
            };
            match accounts::create_account(&repos, account).await {
                Ok(user) => println!("created {} {} ({})", user.role.as_str(), user.email, user.id),
                Err(ServiceError::Invalid(errors)) => {
                    let list: Vec<String> = errors.iter().map(ToString::to_string).collect();
                    anyhow::bail!("invalid account: {}", list.join("; "));
                }
                Err(ServiceError::Conflict { .. }) => anyhow::bail!("an account with email {email} already exists"),
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(())
}

async fn run_gdpr_command(command: GdprCommand, config: Config) -> anyhow::Result<()> {
    use poem_openapi::types::ToJSON;

    use crate::routes::{personal_data::PersonalDataExport, users::ErasureReceiptView};

    let app = startup::App::build(config).await?;
    let gdpr = &app.state.gdpr;
    let account = |e: ServiceError, email: &str| match e {
        ServiceError::NotFound(_) => anyhow::anyhow!("no account with email {email}"),
        other => other.into(),
    };
    match command {
        GdprCommand::Export { email, output } => {
            let user = gdpr.find_by_email(&email).await.map_err(|e| account(e, &email))?;
            let data = gdpr.export(user.id).await?;
            let document = PersonalDataExport::from(data).to_json_string();
            match output {
                Some(path) => accounts::write_private(&path, &format!("{document}\n"))
                    .with_context(|| format!("writing {}", path.display()))?,
                None => println!("{document}"),
            }
        }
        GdprCommand::Erase { email, yes } => {
            let user = gdpr.find_by_email(&email).await.map_err(|e| account(e, &email))?;
            if !yes {
                eprint!(
                    "Erase the account {email} ({})? This cannot be undone. Type the email to confirm: ",
                    user.id
                );
                let mut answer = String::new();
                std::io::stdin()
                    .read_line(&mut answer)
                    .context("reading the confirmation")?;
                if !answer.trim().eq_ignore_ascii_case(&email) {
                    anyhow::bail!("not confirmed; nothing erased");
                }
            }
            let receipt = match gdpr.erase_by_operator(user.id).await {
                Err(ServiceError::Conflict { detail, .. }) => anyhow::bail!("{detail}"),
                other => other.map_err(|e| account(e, &email))?,
            };
            println!("{}", ErasureReceiptView::from(receipt).to_json_string());
        }
    }
    Ok(())
}

async fn run_reports_command(command: ReportsCommand, config: Config) -> anyhow::Result<()> {
    let (_db, repos) = startup::open_database(&config).await?;
    match command {
        ReportsCommand::Sales { start, end, group_by } => {
            let range = SalesRange::new(start, end).map_err(|e| anyhow::anyhow!("--{}: {}", e.field, e.message))?;
            let grouping = match group_by {
                GroupByArg::Day => Grouping::Day,
                GroupByArg::Week => Grouping::Week,
                GroupByArg::Month => Grouping::Month,
            };
            let report = sales_report::sales(&repos, config.timezone(), range, grouping).await?;
            print!("{}", report.csv());
        }
        ReportsCommand::Rebuild => {
            repos.reports.rebuild_sales_rollups().await?;
            println!("sales rollups rebuilt from the orders");
        }
    }
    Ok(())
}

async fn run_jobs_command(command: JobsCommand, config: Config) -> anyhow::Result<()> {
    let (db, repos) = startup::open_database(&config).await?;
    let queue = JobQueue::connect(&config, &db).await?;
    match command {
        JobsCommand::List { status, limit, json } => {
            let records = queue.list(status.map(Into::into), limit).await?;
            for r in &records {
                if json {
                    println!("{}", serde_json::to_string(r)?);
                } else {
                    println!(
                        "{}  {:<8} {:<12} {:<24} attempts {}/{}{}",
                        r.id,
                        r.status.as_str(),
                        r.queue,
                        r.name,
                        r.attempts,
                        r.max_attempts,
                        r.last_error
                            .as_deref()
                            .map(|e| format!("  error: {e}"))
                            .unwrap_or_default()
                    );
                }
            }
            if !json && records.is_empty() {
                println!("no jobs");
            }
        }
        JobsCommand::Retry { id } => {
            if !queue.retry(&id).await? {
                anyhow::bail!("no failed job with id {id}");
            }
            println!("job {id} queued again");
        }
        JobsCommand::Run { name, inline, date } => {
            let Some((name, queue_name)) = jobs::schedulable(&name) else {
                anyhow::bail!(
                    "{name} is not a job that can be run by name (known: {})",
                    jobs::schedulable_names().join(", ")
                );
            };
            let mut job = jobs::payloadless_job(name, None);
            if let Some(date) = date {
                if name != DailySalesReport::NAME {
                    anyhow::bail!("--date applies to {} only", DailySalesReport::NAME);
                }
                job.payload = serde_json::to_value(DailySalesReport {
                    date: Some(date),
                    scheduled_at: None,
                })?;
            }
            if inline {
                let runner = JobRunner::new(
                    jobs::builtin_registry(),
                    JobContext::from_config(Arc::new(config), repos)?,
                );
                runner.perform(job).await?;
                println!("{name} done");
            } else {
                match queue.enqueue_envelope(queue_name, job).await? {
                    Enqueued::Queued(id) => println!("{name} queued as {id}"),
                    Enqueued::Duplicate => println!("{name} is already queued"),
                }
            }
        }
    }
    Ok(())
}

/// Image URLs of the seeded product pictures in the media folder, for synthetic products.
fn product_images(config: &Config) -> anyhow::Result<Vec<String>> {
    let dir = PathBuf::from(&config.media.dir).join("products");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    names.sort();
    let prefix = format!("{}{}", config.server.base_path, config.media.url_prefix);
    Ok(names.into_iter().map(|n| format!("{prefix}/products/{n}")).collect())
}
