//! The database as the server configures it: the store's connection (`praetor_store::db`) opened
//! with the configured pool and migrated, write transactions timed for `/metrics`, and the
//! statement counter tests and metrics read.

use praetor_store::db::PoolSize;
use praetor_store::{DatabaseConnection, Txn};

pub use praetor_store::db::{backend_name, begin_reads, is_postgres, ping};

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
        praetor_store::db::on_statement(db, move |failed, elapsed| {
            count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            crate::metrics::db_query(failed, elapsed);
        });
    }

    pub fn get(&self) -> u64 {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// Opens the configured database and applies pending migrations: with
/// `database.migration_url`, as the tables' owner, which then grants the server's role what it
/// needs (see `praetor_store::db::grant_runtime`).
pub async fn connect(config: &Config) -> Result<DatabaseConnection> {
    let url = config.effective_database_url();
    let db = open(&url, config).await?;
    match config.migration_url() {
        None => migrate(&db, &url).await?,
        Some(owner_url) => {
            let owner = open(owner_url, config).await?;
            let done = migrate_as_owner(&owner, owner_url, &url).await;
            let _ = owner.close().await;
            done?;
        }
    }
    if is_postgres(&db) && praetor_store::db::is_superuser(&db).await.unwrap_or(false) {
        tracing::warn!(
            "the server signs in to PostgreSQL as a superuser: no grant binds it; give it a role that owns nothing \
             (database_url) and the owner to migrate (database.migration_url)"
        );
    }
    Ok(db)
}

/// Migrates as the owner, then grants the server's role (named in `url`) its rights, unless
/// the two are one role.
async fn migrate_as_owner(owner: &DatabaseConnection, owner_url: &str, url: &str) -> Result<()> {
    let role = crate::config::runtime_role(url)
        .ok_or_else(|| Error::validation("database_url", "name the server's role in it (postgres://ROLE@host/db)"))?;
    let grant = (crate::config::runtime_role(owner_url).as_deref() != Some(role.as_str())).then_some(role.as_str());
    praetor_store::db::migrate(owner, owner_url, grant)
        .await
        .map_err(|e| Error::internal(format!("migrations (as the owner) failed: {e}")))
}

/// Applies pending migrations (on PostgreSQL, one node at a time).
async fn migrate(db: &DatabaseConnection, url: &str) -> Result<()> {
    praetor_store::db::migrate(db, url, None).await.map_err(|e| Error::internal(format!("migrations failed: {e}")))
}

/// Opens without migrating.
async fn open(url: &str, config: &Config) -> Result<DatabaseConnection> {
    let pool = PoolSize {
        max_connections: config.database.max_connections,
        acquire_timeout: std::time::Duration::from_secs(config.database.acquire_timeout_secs),
    };
    praetor_store::db::open(url, pool).await.map_err(|e| match e {
        praetor_store::db::OpenError::Url(m) => Error::validation("database_url", m),
        praetor_store::db::OpenError::Failed(m) => Error::internal(m),
    })
}

/// Begins a transaction that will write (SQLite: `BEGIN IMMEDIATE`), timing the wait for
/// `/metrics`.
pub async fn begin_write(db: &DatabaseConnection) -> Result<Txn> {
    let started = std::time::Instant::now();
    let txn = praetor_store::db::begin_write(db).await?;
    crate::metrics::db_acquired(started.elapsed());
    Ok(txn)
}
