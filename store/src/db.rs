//! Connections: SQLite (a file created on first open) or PostgreSQL, the migrations, and write
//! transactions. [`begin_write`] makes SQLite take its write lock up front instead of failing
//! a read-then-write upgrade under concurrency.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use praetor_migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, SqliteTransactionMode,
    SqlxSqliteConnector, Statement, TransactionOptions, TransactionTrait,
};

/// Why a database could not be opened or migrated, in words for the operator.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The URL itself is wrong.
    #[error("{0}")]
    Url(String),
    #[error("{0}")]
    Failed(String),
}

/// The pool's size and how long a caller waits for a connection.
#[derive(Debug, Clone, Copy)]
pub struct PoolSize {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
}

/// Opens `url` (`sqlite:…` or `postgres://…`) without migrating.
pub async fn open(url: &str, pool: PoolSize) -> Result<DatabaseConnection, OpenError> {
    if url.starts_with("sqlite:") {
        let opts = SqliteConnectOptions::from_str(url)
            .map_err(|e| OpenError::Url(e.to_string()))?
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
                .map_err(|e| OpenError::Failed(format!("cannot create database folder {}: {e}", parent.display())))?;
        }
        let sqlite = SqlitePoolOptions::new()
            .max_connections(pool.max_connections)
            .acquire_timeout(pool.acquire_timeout)
            .connect_with(opts)
            .await
            .map_err(|e| OpenError::Failed(format!("cannot open SQLite database {url}: {e}")))?;
        Ok(SqlxSqliteConnector::from_sqlx_sqlite_pool(sqlite))
    } else {
        let mut opts = ConnectOptions::new(url.to_string());
        opts.max_connections(pool.max_connections).acquire_timeout(pool.acquire_timeout).sqlx_logging(false);
        Database::connect(opts).await.map_err(|e| OpenError::Failed(format!("cannot connect to PostgreSQL: {e}")))
    }
}

/// Key of the PostgreSQL advisory lock that serialises migrations across nodes.
const MIGRATION_LOCK: i64 = 0x5052_4145_544f_5201; // "PRAETOR" + 1

/// Applies pending migrations. On PostgreSQL several nodes may start at once: they queue on an
/// advisory lock held on a connection of its own (to `url`), so exactly one migrates and the
/// rest find nothing left to do. With `grant`, `db` is the tables' owner and, under the same
/// lock (concurrent grants on one table conflict), gives that role its rights
/// ([`grant_runtime`]).
pub async fn migrate(db: &DatabaseConnection, url: &str, grant: Option<&str>) -> Result<(), DbErr> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Migrator::up(db, None).await;
    }
    // Nothing to do: no lock, and nothing a role that may not create tables cannot do.
    if grant.is_none() && !migrations_pending(db).await {
        return Ok(());
    }
    let mut opts = ConnectOptions::new(url.to_string());
    opts.max_connections(1).min_connections(1).sqlx_logging(false);
    let lock = Database::connect(opts).await?;
    let sql = |s: String| Statement::from_string(DbBackend::Postgres, s);
    lock.execute_raw(sql(format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))).await?;
    let mut result = Migrator::up(db, None).await;
    if let (Ok(()), Some(role)) = (&result, grant) {
        result = grant_runtime(db, role).await;
    }
    let unlocked = lock.execute_raw(sql(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))).await;
    let _ = lock.close().await;
    result?;
    unlocked?;
    Ok(())
}

/// Whether migrations are waiting to be applied: a read of the migrations table only (which a
/// role without the right to create tables may do); a database without one has them all.
pub async fn migrations_pending(db: &DatabaseConnection) -> bool {
    Migrator::get_pending_migrations_read_only(db).await.map_or(true, |p| !p.is_empty())
}

/// Tables the server appends to and never changes: the audit chain, its signed checkpoints and
/// the plans' event logs. The server's own role may not update, delete or truncate them.
pub const APPEND_ONLY: [&str; 3] = ["audit_events", "audit_checkpoints", "plan_events"];

/// Gives `role` (the server's, not the owner of the tables) what the server needs on every
/// table the migrations made, run by the owner after migrating: rows read and written, the
/// append-only tables appended to only, the migrations table read only. Nothing of the schema
/// itself (creating, altering, dropping) is given. `role` is a PostgreSQL identifier the caller
/// checked (letters, digits, `_`).
pub async fn grant_runtime(owner: &DatabaseConnection, role: &str) -> Result<(), DbErr> {
    let role = format!("\"{role}\"");
    let append_only = APPEND_ONLY.join(", ");
    for sql in [
        format!("GRANT USAGE ON SCHEMA public TO {role}"),
        format!("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}"),
        format!("REVOKE UPDATE, DELETE, TRUNCATE ON {append_only} FROM {role}"),
        format!("REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON seaql_migrations FROM {role}"),
        format!("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}"),
    ] {
        owner.execute_raw(Statement::from_string(DbBackend::Postgres, sql)).await?;
    }
    Ok(())
}

/// Whether the connection's role is a PostgreSQL superuser (grants do not bind one).
pub async fn is_superuser(db: &DatabaseConnection) -> Result<bool, DbErr> {
    let row = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user",
        ))
        .await?;
    Ok(row.map(|r| r.try_get_by_index::<bool>(0)).transpose()?.unwrap_or(false))
}

/// Calls `each(failed, elapsed)` after every statement `db` runs from now on (transactions
/// begun from it included).
pub fn on_statement(db: &mut DatabaseConnection, each: impl Fn(bool, Duration) + Send + Sync + 'static) {
    db.set_metric_callback(move |info| each(info.failed, info.elapsed));
}

/// Begins a transaction that will write. On SQLite it is `BEGIN IMMEDIATE`, so concurrent
/// writers queue on the busy timeout rather than failing when a reader upgrades.
pub async fn begin_write(db: &DatabaseConnection) -> Result<crate::Txn, DbErr> {
    let options =
        TransactionOptions { sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate), ..Default::default() };
    Ok(crate::Txn::new(db.begin_with_options(options).await?))
}

/// Begins reads made together (see [`crate::Reads`]): a transaction on PostgreSQL, the pool
/// on SQLite (a plain read there takes no lock and sets no scope).
pub async fn begin_reads(db: &DatabaseConnection) -> Result<crate::Reads<'_>, DbErr> {
    if is_postgres(db) { Ok(crate::Reads::Txn(crate::Txn::new(db.begin().await?))) } else { Ok(crate::Reads::Pool(db)) }
}

/// `true` when the database answers a trivial query.
pub async fn ping(db: &DatabaseConnection) -> bool {
    db.execute_raw(Statement::from_string(db.get_database_backend(), "SELECT 1")).await.is_ok()
}

/// `true` on PostgreSQL (SQLite otherwise).
pub fn is_postgres<C: crate::Conn + ?Sized>(db: &C) -> bool {
    crate::shared(db).get_database_backend() == DbBackend::Postgres
}

pub fn backend_name<C: crate::Conn + ?Sized>(db: &C) -> &'static str {
    match crate::shared(db).get_database_backend() {
        DbBackend::Postgres => "postgres",
        DbBackend::Sqlite => "sqlite",
        _ => "other",
    }
}

/// Runs one statement on the PostgreSQL server at `url` on a connection of its own, closed
/// after: creating and dropping the databases benchmarks and tests run in.
pub async fn postgres_admin(url: &str, sql: &str) -> Result<(), DbErr> {
    let admin = Database::connect(url).await?;
    let result = admin.execute_raw(Statement::from_string(DbBackend::Postgres, sql.to_string())).await;
    let _ = admin.close().await;
    result.map(|_| ())
}

/// Sends each payload on a PostgreSQL notification `channel` (inside the caller's transaction
/// when `db` is one, so they go out with its commit). Nothing on SQLite.
pub async fn notify<C: crate::Conn + ?Sized>(
    db: &C,
    channel: &str,
    payloads: impl IntoIterator<Item = String>,
) -> Result<(), DbErr> {
    if !is_postgres(db) {
        return Ok(());
    }
    let db = crate::shared(db);
    for payload in payloads {
        db.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_notify($1, $2)",
            [channel.into(), payload.into()],
        ))
        .await?;
    }
    Ok(())
}

/// A connection of its own listening on a PostgreSQL notification channel.
pub struct Listener(sea_orm::sqlx::postgres::PgListener);

impl Listener {
    /// Connects to `url` and listens on `channel`.
    pub async fn listen(url: &str, channel: &str) -> Result<Listener, String> {
        let mut l = sea_orm::sqlx::postgres::PgListener::connect(url).await.map_err(|e| e.to_string())?;
        l.listen(channel).await.map_err(|e| e.to_string())?;
        Ok(Listener(l))
    }

    /// The next notification's payload; `None` when the connection was lost (what was sent
    /// meanwhile is lost with it).
    pub async fn next(&mut self) -> Result<Option<String>, String> {
        Ok(self.0.try_recv().await.map_err(|e| e.to_string())?.map(|n| n.payload().to_string()))
    }
}

/// What kind of failure a database error is, for the caller to answer it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// A unique constraint refused the write: the client's conflict.
    Unique,
    /// A foreign key refused the write: it names a row that does not exist.
    ForeignKey,
    /// A record that had to exist does not (what it was).
    NotFound(String),
    /// Anything else: the server's fault.
    Other,
}

/// Classifies `err`.
pub fn failure(err: &DbErr) -> Failure {
    use sea_orm::SqlErr;
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => Failure::Unique,
        Some(SqlErr::ForeignKeyConstraintViolation(_)) => Failure::ForeignKey,
        _ => match err {
            DbErr::RecordNotFound(what) => Failure::NotFound(what.clone()),
            _ => Failure::Other,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn database_errors_are_classified() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let pool = PoolSize { max_connections: 1, acquire_timeout: Duration::from_secs(5) };
        let db = open(&url, pool).await.unwrap();
        let run = |sql: &'static str| db.execute_raw(Statement::from_string(DbBackend::Sqlite, sql));
        for sql in [
            "CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT UNIQUE)",
            "CREATE TABLE c (id INTEGER PRIMARY KEY, p INTEGER NOT NULL REFERENCES p(id))",
            "INSERT INTO p (id, name) VALUES (1, 'a')",
        ] {
            run(sql).await.unwrap();
        }
        let dup = run("INSERT INTO p (id, name) VALUES (2, 'a')").await.unwrap_err();
        assert_eq!(failure(&dup), Failure::Unique);
        let fk = run("INSERT INTO c (id, p) VALUES (1, 42)").await.unwrap_err();
        assert_eq!(failure(&fk), Failure::ForeignKey);
        assert_eq!(failure(&DbErr::RecordNotFound("plan".into())), Failure::NotFound("plan".into()));
        let bad = run("SELECT * FROM missing").await.unwrap_err();
        assert_eq!(failure(&bad), Failure::Other);
    }
}

/// A pool's connections: open, idle, and the most it opens.
#[derive(Debug, Clone, Copy)]
pub struct PoolUse {
    pub size: u32,
    pub idle: usize,
    pub max: u32,
}

/// How `db`'s pool is used now.
pub fn pool_use(db: &DatabaseConnection) -> Option<PoolUse> {
    match db.get_database_backend() {
        DbBackend::Postgres => {
            let p = db.get_postgres_connection_pool();
            Some(PoolUse { size: p.size(), idle: p.num_idle(), max: p.options().get_max_connections() })
        }
        DbBackend::Sqlite => {
            let p = db.get_sqlite_connection_pool();
            Some(PoolUse { size: p.size(), idle: p.num_idle(), max: p.options().get_max_connections() })
        }
        _ => None,
    }
}

/// Takes PostgreSQL's transaction-scoped advisory locks `ids`, in the order given, until the
/// transaction `db` ends. Nothing on SQLite, where a write transaction already excludes every
/// other writer.
pub async fn advisory_xact_locks<C: crate::Conn + ?Sized>(db: &C, ids: &[i64]) -> Result<(), DbErr> {
    if !is_postgres(db) {
        return Ok(());
    }
    let db = crate::shared(db);
    for id in ids {
        db.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1)",
            [(*id).into()],
        ))
        .await?;
    }
    Ok(())
}
