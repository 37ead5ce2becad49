//! The sea-orm implementation of the repositories, for SQLite and PostgreSQL.

use std::{sync::Arc, time::Duration};

use std::str::FromStr;

use chrono::Utc;
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ConnectOptions, ConnectionTrait, Database, DatabaseConnection,
    DatabaseTransaction, DbBackend, DbErr, EntityTrait, IntoActiveModel, RuntimeErr, SqlErr, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};
use sea_orm_migration::MigratorTrait;
use uuid::Uuid;

use super::{RepoError, Repos, migrations::Migrator};
use crate::{config::DatabaseConfig, crypto::FieldCipher};

mod addresses;
mod audit;
mod carts;
mod catalogue_changes;
mod categories;
mod collections;
mod contact;
mod health;
mod job_outbox;
mod job_receipts;
mod order_import;
mod orders;
mod pages;
mod product_edits;
mod product_images;
mod products;
mod promotions;
mod reports;
mod sales_rollups;
mod sessions;
mod stock;
mod taxonomy_edits;
mod users;

/// Opens the pool described by the config. SQLite files get their folder created, WAL mode,
/// `synchronous = NORMAL` (safe with WAL) and a busy timeout so writers queue instead of failing.
pub async fn connect(config: &DatabaseConfig) -> anyhow::Result<DatabaseConnection> {
    if let Some(path) = sqlite_file_path(&config.url)
        && let Some(dir) = std::path::Path::new(&path).parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)
            .map_err(|e| anyhow::anyhow!("database.url: cannot create folder {}: {e}", dir.display()))?;
    }
    let mut options = ConnectOptions::new(config.url.clone());
    let busy_timeout = Duration::from_millis(config.sqlite_busy_timeout_ms);
    options
        .max_connections(config.max_connections)
        .min_connections(config.min_connections)
        .connect_timeout(Duration::from_secs(config.connect_timeout_secs))
        .acquire_timeout(Duration::from_secs(config.acquire_timeout_secs))
        .statement_timeout(Duration::from_secs(config.statement_timeout_secs))
        .sqlx_logging(config.log_statements)
        .sqlx_logging_level(tracing::log::LevelFilter::Debug)
        .map_sqlx_sqlite_opts(move |opts| {
            opts.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(busy_timeout)
                .foreign_keys(true)
        });
    let mut db = Database::connect(options)
        .await
        .map_err(|e| anyhow::anyhow!("database.url: cannot connect: {e}"))?;
    db.set_metric_callback(|info| crate::telemetry::record_db_query(info.elapsed, info.failed));
    Ok(db)
}

/// Brings the schema up to date.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None)
        .await
        .map_err(|e| anyhow::anyhow!("migration failed: {e}"))
}

pub use sessions::SeaDenylist;

/// The repositories over one connection pool; `cipher` seals personal data at rest.
pub fn repos(db: DatabaseConnection, cipher: Arc<FieldCipher>) -> Repos {
    Repos {
        categories: Arc::new(categories::SeaCategoryRepo::new(db.clone())),
        collections: Arc::new(collections::SeaCollectionRepo::new(db.clone())),
        promotions: Arc::new(promotions::SeaPromotionRepo::new(db.clone())),
        products: Arc::new(products::SeaProductRepo::new(db.clone())),
        pages: Arc::new(pages::SeaPageRepo::new(db.clone())),
        users: Arc::new(users::SeaUserRepo::new(db.clone(), cipher.clone())),
        contact: Arc::new(contact::SeaContactRepo::new(db.clone())),
        carts: Arc::new(carts::SeaCartRepo::new(db.clone())),
        orders: Arc::new(orders::SeaOrderRepo::new(db.clone(), cipher.clone())),
        job_receipts: Arc::new(job_receipts::SeaJobReceiptRepo::new(db.clone())),
        job_outbox: Arc::new(job_outbox::SeaJobOutboxRepo::new(db.clone())),
        sessions: Arc::new(sessions::SeaSessionRepo::new(db.clone())),
        addresses: Arc::new(addresses::SeaAddressRepo::new(db.clone(), cipher)),
        audit: Arc::new(audit::SeaAuditRepo::new(db.clone())),
        stock: Arc::new(stock::SeaStockRepo::new(db.clone())),
        catalogue_edits: Arc::new(product_edits::SeaCatalogueEditRepo::new(db.clone())),
        product_images: Arc::new(product_images::SeaProductImageRepo::new(db.clone())),
        taxonomy_edits: Arc::new(taxonomy_edits::SeaTaxonomyEditRepo::new(db.clone())),
        reports: Arc::new(reports::SeaReportRepo::new(db.clone())),
        health: Arc::new(health::SeaHealth::new(db)),
    }
}

fn sqlite_file_path(url: &str) -> Option<String> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| path.to_owned())
}

/// Inserts `rows` with multi-row statements of at most 1,000 rows each (under SQLite's 32,766
/// and PostgreSQL's 65,535 bound parameters for tables of up to 32 columns).
pub(super) async fn insert_chunked<A>(txn: &DatabaseTransaction, rows: Vec<A>) -> Result<(), RepoError>
where
    A: ActiveModelTrait + Send,
{
    const ROWS_PER_STATEMENT: usize = 1_000;
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(ROWS_PER_STATEMENT).collect();
        A::Entity::insert_many(chunk).exec(txn).await.map_err(db_err)?;
    }
    Ok(())
}

/// Starts a transaction that will write. On SQLite it is `BEGIN IMMEDIATE`: it takes the write
/// lock up front (waiting up to the busy timeout), because a deferred transaction that reads
/// and then writes fails at once with `SQLITE_BUSY_SNAPSHOT` if another connection committed
/// in between — the busy timeout cannot help it. PostgreSQL ignores the mode.
pub(crate) async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, RepoError> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    })
    .await
    .map_err(db_err)
}

/// Whether the error is SQLite refusing for now because another connection held the write
/// lock past the busy timeout (`SQLITE_BUSY`, primary code 5; extended codes such as 517,
/// `SQLITE_BUSY_SNAPSHOT`, keep it in their low byte): the request can be retried, like a
/// pool with no free connection.
fn is_sqlite_busy(err: &DbErr) -> bool {
    let (DbErr::Exec(RuntimeErr::SqlxError(sqlx)) | DbErr::Query(RuntimeErr::SqlxError(sqlx))) = err else {
        return false;
    };
    sqlx.as_database_error()
        .filter(|e| e.try_downcast_ref::<sea_orm::sqlx::sqlite::SqliteError>().is_some())
        .and_then(|e| e.code())
        .and_then(|code| code.parse::<i32>().ok())
        .is_some_and(|code| code & 0xff == 5)
}

/// A statement PostgreSQL cancelled at `database.statement_timeout_secs` (SQLSTATE 57014,
/// `query_canceled`): the database is too slow to answer in time, as when it is unreachable.
fn is_postgres_timeout(err: &DbErr) -> bool {
    let (DbErr::Exec(RuntimeErr::SqlxError(sqlx)) | DbErr::Query(RuntimeErr::SqlxError(sqlx))) = err else {
        return false;
    };
    sqlx.as_database_error()
        .filter(|e| {
            e.try_downcast_ref::<sea_orm::sqlx::postgres::PgDatabaseError>()
                .is_some()
        })
        .and_then(|e| e.code())
        .is_some_and(|code| code == "57014")
}

/// Maps a driver error onto the storage error the services understand.
pub(crate) fn db_err(err: DbErr) -> RepoError {
    if let Some(SqlErr::UniqueConstraintViolation(detail)) = err.sql_err() {
        return RepoError::Conflict(detail);
    }
    if is_sqlite_busy(&err) || is_postgres_timeout(&err) {
        return RepoError::Unavailable(err.to_string());
    }
    match err {
        DbErr::ConnectionAcquire(e) => RepoError::Unavailable(e.to_string()),
        DbErr::Conn(e) => RepoError::Unavailable(e.to_string()),
        other => RepoError::Other(other.to_string()),
    }
}

/// Writes `row` over the record `existing` (keeping its id and creation time) or as a new
/// record with a fresh UUID v7; either way `updated_at` becomes now. The slug-keyed upserts
/// of the catalogue repositories share it.
pub(crate) async fn save_row<A, C>(conn: &C, existing: Option<Uuid>, mut row: A) -> Result<Uuid, RepoError>
where
    C: ConnectionTrait,
    A: ActiveModelTrait + ActiveModelBehavior + Send,
    <A::Entity as EntityTrait>::Model: IntoActiveModel<A>,
{
    let column = |name: &str| {
        <A::Entity as EntityTrait>::Column::from_str(name)
            .map_err(|_| RepoError::Other(format!("table has no column {name}")))
    };
    let now = Utc::now();
    row.set(column("updated_at")?, now.into());
    match existing {
        Some(id) => {
            row.set(column("id")?, id.into());
            row.update(conn).await.map_err(db_err)?;
            Ok(id)
        }
        None => {
            let id = Uuid::now_v7();
            row.set(column("id")?, id.into());
            row.set(column("created_at")?, now.into());
            row.insert(conn).await.map_err(db_err)?;
            Ok(id)
        }
    }
}

/// A `LIKE` pattern matching text that contains `fragment`, its own `%`, `_` and `\\` taken
/// literally (escaped with `\\`), for staff searches.
pub(crate) fn contains(fragment: &str) -> sea_orm::sea_query::LikeExpr {
    let escaped = fragment.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    sea_orm::sea_query::LikeExpr::new(format!("%{escaped}%")).escape('\\')
}

pub(crate) fn is_postgres(db: &DatabaseConnection) -> bool {
    db.get_database_backend() == DbBackend::Postgres
}

/// `?` placeholders as the backend numbers them (`$1`, `$2`… on PostgreSQL).
pub(super) fn placeholders(sql: &str, backend: DbBackend) -> String {
    if backend != DbBackend::Postgres {
        return sql.to_owned();
    }
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            out.push_str(&format!("${n}"));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::sqlite_file_path;

    #[test]
    fn sqlite_paths() {
        assert_eq!(
            sqlite_file_path("sqlite://data/beeget.db?mode=rwc").as_deref(),
            Some("data/beeget.db")
        );
        assert_eq!(sqlite_file_path("sqlite::memory:"), None);
        assert_eq!(sqlite_file_path("postgres://localhost/x"), None);
    }
}
