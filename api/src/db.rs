//! Database connection: SQLite (default, a file created on first run) or PostgreSQL, with the
//! migrations applied. Write transactions go through [`begin_write`] so SQLite takes its write
//! lock up front instead of failing a read-then-write upgrade under concurrency.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use praetor_migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    SqliteTransactionMode, SqlxSqliteConnector, Statement, TransactionOptions, TransactionTrait,
};

use crate::config::Config;
use crate::error::{Error, Result};

/// Counts the statements a connection runs (for tests that count a request's queries, and
/// for metrics).
#[derive(Clone, Default)]
pub struct QueryCount(std::sync::Arc<std::sync::atomic::AtomicU64>);

impl QueryCount {
    /// Counts every statement `db` runs from now on (transactions begun from it included),
    /// and measures it for `/metrics`.
    pub fn attach(&self, db: &mut DatabaseConnection) {
        let count = self.0.clone();
        db.set_metric_callback(move |info| {
            count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            crate::metrics::db_query(info.failed, info.elapsed);
        });
    }

    pub fn get(&self) -> u64 {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// Opens the configured database and applies pending migrations.
pub async fn connect(config: &Config) -> Result<DatabaseConnection> {
    let url = config.effective_database_url();
    let db = open(&url, config).await?;
    migrate(&db, &url).await?;
    Ok(db)
}

/// Key of the PostgreSQL advisory lock that serialises migrations across nodes.
const MIGRATION_LOCK: i64 = 0x5052_4145_544f_5201; // "PRAETOR" + 1

/// Applies pending migrations. On PostgreSQL several nodes may start at once: they queue on an
/// advisory lock held on a connection of its own, so exactly one migrates and the rest find
/// nothing left to do.
pub async fn migrate(db: &DatabaseConnection, url: &str) -> Result<()> {
    let fail = |e: DbErr| Error::internal(format!("migrations failed: {e}"));
    if db.get_database_backend() != DbBackend::Postgres {
        return Migrator::up(db, None).await.map_err(fail);
    }
    let mut opts = ConnectOptions::new(url.to_string());
    opts.max_connections(1).min_connections(1).sqlx_logging(false);
    let lock = Database::connect(opts).await.map_err(fail)?;
    let sql = |s: String| Statement::from_string(DbBackend::Postgres, s);
    lock.execute_raw(sql(format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))).await.map_err(fail)?;
    let result = Migrator::up(db, None).await.map_err(fail);
    let unlocked = lock.execute_raw(sql(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))).await;
    let _ = lock.close().await;
    result?;
    unlocked.map_err(fail)?;
    Ok(())
}

/// Opens without migrating (used by `praetor migrate --status`-like commands and tests).
pub async fn open(url: &str, config: &Config) -> Result<DatabaseConnection> {
    let max = config.database.max_connections;
    let acquire = Duration::from_secs(config.database.acquire_timeout_secs);
    if url.starts_with("sqlite:") {
        let opts = SqliteConnectOptions::from_str(url)
            .map_err(|e| Error::validation("database_url", e.to_string()))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // Durability is not traded for speed: every commit reaches the disk.
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(30))
            .foreign_keys(true);
        if let Some(parent) = Path::new(opts.get_filename()).parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent)
                .map_err(|e| Error::internal(format!("cannot create database folder {}: {e}", parent.display())))?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(max)
            .acquire_timeout(acquire)
            .connect_with(opts)
            .await
            .map_err(|e| Error::internal(format!("cannot open SQLite database {url}: {e}")))?;
        Ok(SqlxSqliteConnector::from_sqlx_sqlite_pool(pool))
    } else {
        let mut opts = ConnectOptions::new(url.to_string());
        opts.max_connections(max).acquire_timeout(acquire).sqlx_logging(false);
        Database::connect(opts).await.map_err(|e| Error::internal(format!("cannot connect to PostgreSQL: {e}")))
    }
}

/// Begins a transaction that will write. On SQLite it is `BEGIN IMMEDIATE`, so concurrent
/// writers queue on the busy timeout rather than failing when a reader upgrades.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction> {
    let options =
        TransactionOptions { sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate), ..Default::default() };
    let started = std::time::Instant::now();
    let txn = db.begin_with_options(options).await?;
    crate::metrics::db_acquired(started.elapsed());
    Ok(txn)
}

/// `true` when the database answers a trivial query.
pub async fn ping(db: &DatabaseConnection) -> bool {
    db.execute_raw(Statement::from_string(db.get_database_backend(), "SELECT 1")).await.is_ok()
}

pub fn backend_name(db: &DatabaseConnection) -> &'static str {
    match db.get_database_backend() {
        DbBackend::Postgres => "postgres",
        DbBackend::Sqlite => "sqlite",
        _ => "other",
    }
}
