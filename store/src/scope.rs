//! Row-level security, the application's half. On PostgreSQL every tenant table has a policy
//! (migration `row_level_security`) that shows a statement only the rows of the organization
//! set in its transaction (`praetor.org_id`), or every organization's when the transaction
//! names the housekeeping job that crosses them (`praetor.across`). A statement without
//! either sees nothing and may write nothing.
//!
//! The store's queries run on an [`On`]: the caller's connection or transaction with the
//! scope the query was built for ([`Tenant::on`], [`Housekeeping::on`], [`shared`]). A
//! [`Conn`] is not a sea-orm connection, so a query cannot be run on it directly: each must
//! say which scope it runs in. In a transaction the scope is set (`set_config(…, true)`, which
//! is `SET LOCAL`) before a statement whose scope differs from the last one set there: a
//! [`Txn`] (the server's transactions) remembers it, so a transaction of one organization
//! sets it once; one may serve several organizations in turn. Outside a transaction the
//! statement runs in a transaction of its own that sets it. On SQLite, which has no row
//! security, the statement runs as it is.

use std::sync::atomic::{AtomicU64, Ordering};

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, ExecResult, QueryResult, Statement,
    TransactionTrait,
};

use crate::{Housekeeping, OrgId, Tenant};

/// A connection or a transaction: every store function takes one, so a caller runs it
/// inside its own transaction or outside any. Its queries run on it through an [`On`].
pub trait Conn: Sync {
    /// The connection underneath (`clippy.toml` allows it in the store only).
    #[doc(hidden)]
    fn raw(&self) -> Raw<'_>;
}

/// A pool or a transaction, as the store sees it underneath a [`Conn`].
#[doc(hidden)]
#[derive(Clone, Copy)]
pub enum Raw<'a> {
    Pool(&'a DatabaseConnection),
    /// A transaction and the scope last set in it.
    Txn(&'a DatabaseTransaction, &'a tokio::sync::Mutex<Option<Scope>>),
}

/// A transaction that remembers the scope last set in it, so that statements of one scope in a
/// row set it once. Made by [`crate::db::begin_write`].
pub struct Txn {
    inner: DatabaseTransaction,
    scope: tokio::sync::Mutex<Option<Scope>>,
}

impl Txn {
    pub(crate) fn new(inner: DatabaseTransaction) -> Txn {
        Txn { inner, scope: tokio::sync::Mutex::new(None) }
    }

    pub async fn commit(self) -> Result<(), DbErr> {
        self.inner.commit().await
    }

    pub async fn rollback(self) -> Result<(), DbErr> {
        self.inner.rollback().await
    }
}

impl Conn for Txn {
    fn raw(&self) -> Raw<'_> {
        Raw::Txn(&self.inner, &self.scope)
    }
}

/// Reads made together, from [`crate::db::begin_reads`]. On PostgreSQL they share one
/// transaction: one snapshot, and the row scope set once for all of them, where each read on
/// the pool is a transaction of its own (`BEGIN`, the scope, the statement, `COMMIT`: four
/// round trips). On SQLite, which has no scope to set, each read runs on the pool as it would
/// alone. Hold one only over reads of this connection: a task holding it that waited for
/// another connection of the same pool could wait for the pool's last one.
pub enum Reads<'a> {
    Pool(&'a DatabaseConnection),
    Txn(Txn),
}

impl Reads<'_> {
    /// Ends the reads (commits the transaction: it wrote nothing).
    pub async fn end(self) -> Result<(), DbErr> {
        match self {
            Reads::Pool(_) => Ok(()),
            Reads::Txn(t) => t.commit().await,
        }
    }
}

impl Conn for Reads<'_> {
    fn raw(&self) -> Raw<'_> {
        match self {
            Reads::Pool(c) => Raw::Pool(c),
            Reads::Txn(t) => Raw::Txn(&t.inner, &t.scope),
        }
    }
}

impl Conn for DatabaseConnection {
    fn raw(&self) -> Raw<'_> {
        Raw::Pool(self)
    }
}

/// Whose rows a statement may see.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One organization's.
    Org(OrgId),
    /// Every organization's, for the housekeeping job named.
    Across(Housekeeping),
    /// A shared table's (no organization owns its rows).
    Shared,
}

/// A connection with the scope its statements run in: a sea-orm connection the store's
/// queries run on.
pub struct On<'a> {
    raw: Raw<'a>,
    scope: Scope,
}

impl Tenant {
    /// `db`, its statements seeing this organization's rows only.
    #[allow(clippy::disallowed_methods)]
    pub fn on<C: Conn + ?Sized>(self, db: &C) -> On<'_> {
        On { raw: db.raw(), scope: Scope::Org(self.org()) }
    }
}

impl Housekeeping {
    /// `db`, its statements seeing every organization's rows, for this job.
    #[allow(clippy::disallowed_methods)]
    pub fn on<C: Conn + ?Sized>(self, db: &C) -> On<'_> {
        On { raw: db.raw(), scope: Scope::Across(self) }
    }
}

/// `db` for a shared table's statements (they set no scope).
#[allow(clippy::disallowed_methods)]
pub fn shared<C: Conn + ?Sized>(db: &C) -> On<'_> {
    On { raw: db.raw(), scope: Scope::Shared }
}

/// Statements run across organizations since the process started, by job (for `/metrics`:
/// every read or write that crosses tenants is counted under its reason).
pub fn across_counts() -> Vec<(&'static str, u64)> {
    Housekeeping::ALL.iter().map(|h| (h.name(), ACROSS[*h as usize].load(Ordering::Relaxed))).collect()
}

static ACROSS: [AtomicU64; Housekeeping::ALL.len()] = [const { AtomicU64::new(0) }; Housekeeping::ALL.len()];

impl On<'_> {
    fn backend(&self) -> DbBackend {
        match self.raw {
            Raw::Pool(c) => c.get_database_backend(),
            Raw::Txn(t, _) => t.get_database_backend(),
        }
    }

    /// The statement that sets this scope in a PostgreSQL transaction (`None`: nothing to
    /// set). Both settings are set each time, as a transaction may switch between scopes.
    fn setting(&self) -> Option<String> {
        if let Scope::Across(why) = self.scope {
            ACROSS[why as usize].fetch_add(1, Ordering::Relaxed);
        }
        if self.backend() != DbBackend::Postgres {
            return None;
        }
        // Both values are inlined: a uuid's hex digits and a job's fixed name quote nothing.
        let (org, across) = match self.scope {
            Scope::Org(org) => (org.as_uuid().hyphenated().to_string(), ""),
            Scope::Across(why) => (String::new(), why.name()),
            Scope::Shared => return None,
        };
        Some(format!(
            "SELECT set_config('praetor.org_id', '{org}', true), set_config('praetor.across', '{across}', true)"
        ))
    }
}

/// Runs `$method` on the connection underneath, in the scope set first.
macro_rules! in_scope {
    ($self:ident, $method:ident, $arg:expr) => {{
        match ($self.raw, $self.setting()) {
            (Raw::Pool(c), None) => c.$method($arg).await,
            (Raw::Txn(t, _), None) => t.$method($arg).await,
            (Raw::Txn(t, last), Some(set)) => {
                // Held until the statement is sent: another statement of the transaction
                // cannot set its own scope in between.
                let mut last = last.lock().await;
                if *last != Some($self.scope) {
                    *last = None;
                    t.execute_unprepared(&set).await?;
                    *last = Some($self.scope);
                }
                t.$method($arg).await
            }
            (Raw::Pool(c), Some(set)) => {
                let t = c.begin().await?;
                t.execute_unprepared(&set).await?;
                let out = t.$method($arg).await?;
                t.commit().await?;
                Ok(out)
            }
        }
    }};
}

#[async_trait::async_trait]
impl ConnectionTrait for On<'_> {
    fn get_database_backend(&self) -> DbBackend {
        self.backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        in_scope!(self, execute_raw, stmt)
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        in_scope!(self, execute_unprepared, sql)
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        in_scope!(self, query_one_raw, stmt)
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        in_scope!(self, query_all_raw, stmt)
    }
}
