//! Storage entities for Praetor, their typed IDs, and the only ways to query them.
//!
//! Tenant scope is a capability, not a discipline. A tenant-owned table is read, updated and
//! deleted only through [`TenantScoped`], whose queries all start from a [`Tenant`]: the
//! capability to touch one organization's rows. A `Tenant` comes from authorization
//! (`OrgAccess::tenant()` in the server, after the principal's access to the organization was
//! established) or, for work the system does across organizations, from
//! [`Tenant::housekeeping`] with a [`Housekeeping`] reason naming the job, so every such use
//! is greppable and listed in one enum. A row read either way carries its tenant on
//! ([`Owned`]). Tables that belong to no organization (people, their sessions, project leases,
//! kill switches, which may be instance-wide) are queried through [`Shared`]. `clippy.toml` forbids sea-orm's raw `Entity::find()`, `find_by_id`,
//! `update_many` and `delete_many` and `Tenant::authorized` everywhere else, so an unscoped
//! query does not pass CI's `-D warnings`.

/// The queries of a table keyed by an `id` column: one row, one locked until the
/// transaction ends, several, every row (of a tenant, for tenant tables), and a delete.
macro_rules! keyed_by_id {
    (tenant $id:ty) => {
        /// The tenant's row with this id.
        pub async fn by_id<C: $crate::Conn>(db: &C, tenant: $crate::Tenant, id: $id) -> Result<Option<Model>, DbErr> {
            use sea_orm::QueryFilter as _;
            <Entity as $crate::TenantScoped>::find_in_org(tenant).filter(Column::Id.eq(id)).one(&tenant.on(db)).await
        }

        /// The tenant's row with this id, locked until the transaction `db` ends.
        pub async fn lock<C: $crate::Conn>(db: &C, tenant: $crate::Tenant, id: $id) -> Result<Option<Model>, DbErr> {
            use sea_orm::{QueryFilter as _, QuerySelect as _};
            <Entity as $crate::TenantScoped>::find_in_org(tenant)
                .filter(Column::Id.eq(id))
                .lock_exclusive()
                .one(&tenant.on(db))
                .await
        }

        /// The tenant's rows with these ids (those that exist), in id order.
        pub async fn by_ids<C: $crate::Conn>(
            db: &C,
            tenant: $crate::Tenant,
            ids: impl IntoIterator<Item = $id>,
        ) -> Result<Vec<Model>, DbErr> {
            use sea_orm::{QueryFilter as _, QueryOrder as _};
            <Entity as $crate::TenantScoped>::find_in_org(tenant)
                .filter(Column::Id.is_in(ids))
                .order_by_asc(Column::Id)
                .all(&tenant.on(db))
                .await
        }

        /// Every row of the tenant, in id order.
        pub async fn all<C: $crate::Conn>(db: &C, tenant: $crate::Tenant) -> Result<Vec<Model>, DbErr> {
            use sea_orm::QueryOrder as _;
            <Entity as $crate::TenantScoped>::find_in_org(tenant).order_by_asc(Column::Id).all(&tenant.on(db)).await
        }

        /// Up to `limit` of the tenant's rows after `after`, in id (creation) order.
        pub async fn page<C: $crate::Conn>(
            db: &C,
            tenant: $crate::Tenant,
            after: Option<$id>,
            limit: u64,
        ) -> Result<Vec<Model>, DbErr> {
            use sea_orm::{QueryFilter as _, QueryOrder as _, QuerySelect as _};
            let mut q = <Entity as $crate::TenantScoped>::find_in_org(tenant).order_by_asc(Column::Id);
            if let Some(a) = after {
                q = q.filter(Column::Id.gt(a));
            }
            q.limit(limit).all(&tenant.on(db)).await
        }

        /// The organization the row with this id belongs to, whichever it is (housekeeping:
        /// locating an id a caller names, before entering its organization with the caller's
        /// own access).
        pub async fn org_of<C: $crate::Conn>(db: &C, id: $id) -> Result<Option<OrgId>, DbErr> {
            use sea_orm::{QueryFilter as _, QuerySelect as _};
            <Entity as $crate::TenantScoped>::find_across_orgs($crate::Housekeeping::Locate)
                .select_only()
                .column(<Entity as $crate::TenantScoped>::org_column())
                .filter(Column::Id.eq(id))
                .into_tuple()
                .one(&$crate::Housekeeping::Locate.on(db))
                .await
        }

        /// Deletes the tenant's row with this id; answers how many rows went (0 or 1).
        pub async fn delete<C: $crate::Conn>(db: &C, tenant: $crate::Tenant, id: $id) -> Result<u64, DbErr> {
            use sea_orm::QueryFilter as _;
            Ok(<Entity as $crate::TenantScoped>::delete_in_org(tenant)
                .filter(Column::Id.eq(id))
                .exec(&tenant.on(db))
                .await?
                .rows_affected)
        }
    };
    (shared $id:ty) => {
        /// The row with this id.
        pub async fn by_id<C: $crate::Conn>(db: &C, id: $id) -> Result<Option<Model>, DbErr> {
            use sea_orm::QueryFilter as _;
            <Entity as $crate::Shared>::find_shared().filter(Column::Id.eq(id)).one(&$crate::shared(db)).await
        }

        /// The row with this id, locked until the transaction `db` ends.
        pub async fn lock<C: $crate::Conn>(db: &C, id: $id) -> Result<Option<Model>, DbErr> {
            use sea_orm::{QueryFilter as _, QuerySelect as _};
            <Entity as $crate::Shared>::find_shared()
                .filter(Column::Id.eq(id))
                .lock_exclusive()
                .one(&$crate::shared(db))
                .await
        }

        /// The rows with these ids (those that exist), in id order.
        pub async fn by_ids<C: $crate::Conn>(db: &C, ids: impl IntoIterator<Item = $id>) -> Result<Vec<Model>, DbErr> {
            use sea_orm::{QueryFilter as _, QueryOrder as _};
            <Entity as $crate::Shared>::find_shared()
                .filter(Column::Id.is_in(ids))
                .order_by_asc(Column::Id)
                .all(&$crate::shared(db))
                .await
        }

        /// Deletes the row with this id; answers how many rows went (0 or 1).
        pub async fn delete<C: $crate::Conn>(db: &C, id: $id) -> Result<u64, DbErr> {
            use sea_orm::QueryFilter as _;
            Ok(<Entity as $crate::Shared>::delete_shared()
                .filter(Column::Id.eq(id))
                .exec(&$crate::shared(db))
                .await?
                .rows_affected)
        }
    };
}

/// Modules of this crate that are not tables.
#[cfg(test)]
const NOT_TABLES: &[&str] = &["db", "scope"];

pub mod db;
pub mod scope;

pub mod agent;
pub mod api_key;
pub mod approval;
pub mod audit_checkpoint;
pub mod audit_event;
pub mod audit_head;
pub mod budget_day;
pub mod budget_reservation;
pub mod chat_event;
pub mod chat_session;
pub mod chat_setting;
pub mod data_key;
pub mod decision;
pub mod email;
pub mod external_identity;
pub mod group;
pub mod group_member;
pub mod identity_provider;
pub mod idp_client_binding;
pub mod idp_group_mapping;
pub mod instance_key;
pub mod invitation;
pub mod job;
pub mod kill_switch;
pub mod local_credential;
pub mod notification;
pub mod notification_cursor;
pub mod notification_setting;
pub mod oidc_login;
pub mod org;
pub mod org_parent;
pub mod plan;
pub mod plan_event;
pub mod policy_change;
pub mod policy_pack;
pub mod policy_pack_subscription;
pub mod policy_pack_version;
pub mod policy_version;
pub mod project;
pub mod project_agent;
pub mod project_lease;
pub mod project_state;
pub mod rate_hit;
pub mod role_binding;
pub mod role_grant;
pub mod rollup;
pub mod rollup_mark;
pub mod schedule;
pub mod scheduled_run;
pub mod secret;
pub mod service_account;
pub mod trigger;
pub mod user;
pub mod user_session;
pub mod webhook_attempt;
pub mod webhook_cursor;
pub mod webhook_delivery;
pub mod webhook_endpoint;

pub use praetor_domain::ids::{self, *};

use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, DeleteMany, EntityTrait, IntoActiveModel, ModelTrait,
    QueryFilter, Select, UpdateMany,
};

pub use scope::{Conn, On, Reads, Txn, shared};
/// The server names the connection types; it never builds a query.
pub use sea_orm::{DatabaseConnection, DbErr};

/// The active model of a row type.
type ActiveOf<M> = <<M as ModelTrait>::Entity as EntityTrait>::ActiveModel;

/// A row, and the organization that owns it if any: what a write of it is scoped to.
pub trait Row {
    fn owner(&self) -> Option<OrgId>;
}

/// `db` in the scope a write of `row` runs in.
pub(crate) fn on_row<'c, C: Conn + ?Sized>(db: &'c C, row: &impl Row) -> On<'c> {
    match row.owner() {
        Some(org) => Tenant { org }.on(db),
        None => shared(db),
    }
}

/// Inserts a whole row and returns it as stored.
pub async fn insert<C, M>(db: &C, row: M) -> Result<M, DbErr>
where
    C: Conn,
    M: ModelTrait + IntoActiveModel<ActiveOf<M>> + Row,
    M::Entity: EntityTrait<Model = M>,
    ActiveOf<M>: ActiveModelTrait<Entity = M::Entity> + ActiveModelBehavior + Send,
{
    let on = on_row(db, &row);
    row.into_active_model().reset_all().insert(&on).await
}

/// Inserts rows of one table, one statement for each organization that owns some (nothing
/// when there are none).
pub async fn insert_many<C, M>(db: &C, rows: Vec<M>) -> Result<(), DbErr>
where
    C: Conn,
    M: ModelTrait + IntoActiveModel<ActiveOf<M>> + Row,
    M::Entity: EntityTrait<Model = M>,
    ActiveOf<M>: ActiveModelTrait<Entity = M::Entity> + ActiveModelBehavior + Send,
{
    let mut by_owner: std::collections::BTreeMap<Option<OrgId>, Vec<M>> = std::collections::BTreeMap::new();
    for row in rows {
        by_owner.entry(row.owner()).or_default().push(row);
    }
    for rows in by_owner.into_values() {
        let on = on_row(db, &rows[0]);
        let rows: Vec<ActiveOf<M>> = rows.into_iter().map(|r| r.into_active_model().reset_all()).collect();
        M::Entity::insert_many(rows).exec_without_returning(&on).await?;
    }
    Ok(())
}

/// Writes the columns in which `after` differs from `before` (the row as read), by its primary
/// key, and returns the row as stored; with no difference it writes nothing. Columns another
/// writer changed meanwhile are left as that writer left them.
pub async fn update<C, M>(db: &C, before: &M, after: M) -> Result<M, DbErr>
where
    C: Conn,
    M: ModelTrait + IntoActiveModel<ActiveOf<M>> + Row,
    M::Entity: EntityTrait<Model = M>,
    ActiveOf<M>: ActiveModelTrait<Entity = M::Entity> + ActiveModelBehavior + Send,
{
    use sea_orm::Iterable;
    let changed: Vec<_> =
        <M::Entity as EntityTrait>::Column::iter().filter(|c| before.get(*c) != after.get(*c)).collect();
    if changed.is_empty() {
        return Ok(after);
    }
    let on = on_row(db, before);
    let mut row = after.into_active_model();
    for c in changed {
        row.reset(c);
    }
    row.update(&on).await
}

/// The capability to read and write one organization's rows. Copyable, and only made by
/// authorization ([`Tenant::authorized`]) or named housekeeping ([`Tenant::housekeeping`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tenant {
    org: OrgId,
}

impl Tenant {
    /// The organization whose rows this capability reaches.
    pub fn org(self) -> OrgId {
        self.org
    }

    /// Made by authorization once a principal's access to `org` is established (the server's
    /// `OrgAccess::tenant()`). `clippy.toml` forbids calling it anywhere else.
    pub fn authorized(org: OrgId) -> Tenant {
        Tenant { org }
    }

    /// Work the system does for an organization without a principal asking for it: `why`
    /// names the job.
    pub fn housekeeping(org: OrgId, why: Housekeeping) -> Tenant {
        let _ = why;
        Tenant { org }
    }
}

/// Every job that reaches organizations' rows without a principal's access to them. Each
/// variant is a reason a reviewer can grep for (`Housekeeping::Engine`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Housekeeping {
    /// The engine working a job it claimed from the shared queue: the job's organization.
    Engine,
    /// Timed sweeps: approvals and grants that expire, chat answers that lapse, stale rate hits,
    /// budget forecasts, and the budgets an organization's policy lets Praetor adapt.
    Sweep,
    /// Events one node committed, delivered to subscribers on the others.
    Fanout,
    /// The operator's command line on the database (`praetor audit|replay|policy|admin`).
    Cli,
    /// The demo organization created at first start, and benchmarks' own organizations.
    Setup,
    /// Authentication: finding the credential a request presents, before any access exists.
    Authentication,
    /// Kill switches engaged or released for a whole instance, touching every organization.
    InstanceKill,
    /// Finding which organization an id a caller names belongs to, before entering it with the
    /// caller's own access (refused, without saying whether the id exists, when it has none).
    Locate,
    /// A principal's own memberships, across organizations: where it may enter.
    Memberships,
    /// Webhook deliveries due in any organization, claimed and sent by a worker.
    Webhooks,
    /// An inbound trigger's request, finding the trigger it names before its signature (the
    /// only credential it carries) is checked.
    Trigger,
    /// Scheduled plans due in any organization, found by the scheduler and proposed as each
    /// schedule's service account.
    Schedules,
    /// Rollups folded from each organization's audit chain by the scheduler, and rebuilt by
    /// an operator.
    Rollups,
    /// Signing in at an organization's identity provider, or presenting its token: finding the
    /// provider, the sign-in under way and the person it vouches for, before any access exists.
    Identity,
    /// Instance metrics: counts across organizations for `/metrics`, and the scheduled
    /// verification of every organization's audit chain.
    Metrics,
    /// Notifications: the notifier reading every organization's audit chain, the mailer
    /// sending e-mails due in any, and a person's own notifications across the organizations
    /// they belong to (narrowed to those by the caller).
    Notifications,
    /// Signed checkpoints of every organization's audit chain, made by the scheduler and by
    /// `praetor audit checkpoint`, and checked by `praetor audit verify --checkpoints`.
    Checkpoints,
    /// Policy packs: a new version told to every subscribing organization, followers moved on
    /// to it when it takes effect, and the parent links between organizations.
    PolicyPacks,
}

impl Housekeeping {
    /// Every job, in declaration order (a job's index is its place here).
    pub const ALL: [Housekeeping; 18] = [
        Housekeeping::Engine,
        Housekeeping::Sweep,
        Housekeeping::Fanout,
        Housekeeping::Cli,
        Housekeeping::Setup,
        Housekeeping::Authentication,
        Housekeeping::InstanceKill,
        Housekeeping::Locate,
        Housekeeping::Memberships,
        Housekeeping::Webhooks,
        Housekeeping::Trigger,
        Housekeeping::Schedules,
        Housekeeping::Rollups,
        Housekeeping::Identity,
        Housekeeping::Metrics,
        Housekeeping::Notifications,
        Housekeeping::Checkpoints,
        Housekeeping::PolicyPacks,
    ];

    /// The job's name: in `praetor.across` while its statements run, and in `/metrics`.
    pub fn name(self) -> &'static str {
        match self {
            Housekeeping::Engine => "engine",
            Housekeeping::Sweep => "sweep",
            Housekeeping::Fanout => "fanout",
            Housekeeping::Cli => "cli",
            Housekeeping::Setup => "setup",
            Housekeeping::Authentication => "authentication",
            Housekeeping::InstanceKill => "instance_kill",
            Housekeeping::Locate => "locate",
            Housekeeping::Memberships => "memberships",
            Housekeeping::Webhooks => "webhooks",
            Housekeeping::Trigger => "trigger",
            Housekeeping::Schedules => "schedules",
            Housekeeping::Rollups => "rollups",
            Housekeeping::Identity => "identity",
            Housekeeping::Metrics => "metrics",
            Housekeeping::Notifications => "notifications",
            Housekeeping::Checkpoints => "checkpoints",
            Housekeeping::PolicyPacks => "policy_packs",
        }
    }
}

/// A row of a tenant table. Holding one is holding its organization's capability: rows are
/// only read through a [`Tenant`] (or a named housekeeping read), so the tenant of a row is
/// one the holder was already given. Work on a plan's events, a job's plan, a grant's
/// bindings follows its row this way instead of a bare id.
pub trait Owned {
    fn tenant(&self) -> Tenant;
}

/// An entity whose rows belong to one organization.
pub trait TenantScoped: EntityTrait {
    /// The column that holds the owning organization's id.
    fn org_column() -> Self::Column;

    /// The only way to start a read of tenant data: every query is filtered by the org.
    #[allow(clippy::disallowed_methods)]
    fn find_in_org(tenant: Tenant) -> Select<Self> {
        Self::find().filter(Self::org_column().eq(tenant.org))
    }

    /// An update of rows of this tenant only (add filters to narrow it).
    #[allow(clippy::disallowed_methods)]
    fn update_in_org(tenant: Tenant) -> UpdateMany<Self> {
        Self::update_many().filter(Self::org_column().eq(tenant.org))
    }

    /// A delete of rows of this tenant only (add filters to narrow it).
    #[allow(clippy::disallowed_methods)]
    fn delete_in_org(tenant: Tenant) -> DeleteMany<Self> {
        Self::delete_many().filter(Self::org_column().eq(tenant.org))
    }

    /// A read across every organization, for housekeeping that finds its work there (the rows
    /// it finds name their organization; act on each through a housekeeping [`Tenant`]).
    #[allow(clippy::disallowed_methods)]
    fn find_across_orgs(why: Housekeeping) -> Select<Self> {
        let _ = why;
        Self::find()
    }

    /// An update across every organization (housekeeping: sweeps and instance-wide switches).
    #[allow(clippy::disallowed_methods)]
    fn update_across_orgs(why: Housekeeping) -> UpdateMany<Self> {
        let _ = why;
        Self::update_many()
    }

    /// A delete across every organization (housekeeping: sweeps of expired rows).
    #[allow(clippy::disallowed_methods)]
    fn delete_across_orgs(why: Housekeeping) -> DeleteMany<Self> {
        let _ = why;
        Self::delete_many()
    }
}

/// An entity whose rows belong to no one organization: people and their sessions, project
/// leases (keyed by a project id the caller already holds), kill switches (instance-wide ones
/// have no organization).
pub trait Shared: EntityTrait {
    #[allow(clippy::disallowed_methods)]
    fn find_shared() -> Select<Self> {
        Self::find()
    }

    #[allow(clippy::disallowed_methods)]
    fn update_shared() -> UpdateMany<Self> {
        Self::update_many()
    }

    #[allow(clippy::disallowed_methods)]
    fn delete_shared() -> DeleteMany<Self> {
        Self::delete_many()
    }
}

macro_rules! shared {
    ($($module:ident),* $(,)?) => {
        $(impl Shared for $module::Entity {}

        impl Row for $module::Model {
            fn owner(&self) -> Option<OrgId> {
                None
            }
        })*

        /// The shared tables, by module name (for the test that every table is one or the other).
        #[cfg(test)]
        const SHARED: &[&str] = &[$(stringify!($module)),*];
    };
}

shared!(
    user,
    user_session,
    project_lease,
    kill_switch,
    local_credential,
    scheduled_run,
    notification_setting,
    instance_key,
    policy_pack,
    policy_pack_version
);

macro_rules! tenant_scoped {
    ($($module:ident => $col:ident . $field:ident),* $(,)?) => {
        $(impl TenantScoped for $module::Entity {
            fn org_column() -> Self::Column {
                $module::Column::$col
            }
        }

        impl Owned for $module::Model {
            fn tenant(&self) -> Tenant {
                Tenant { org: self.$field }
            }
        }

        impl Row for $module::Model {
            fn owner(&self) -> Option<OrgId> {
                Some(self.$field)
            }
        })*

        /// Every tenant table and the column naming its organization: the tables row-level
        /// security covers (migration `row_level_security`; its test checks each).
        pub fn tenant_tables() -> Vec<(String, &'static str)> {
            use sea_orm::{EntityName, IdenStatic};
            vec![$(($module::Entity.table_name().to_string(), $module::Column::$col.as_str())),*]
        }

        /// Every tenant table's scoped select, update and delete, built for both databases:
        /// `(module, table, org column, statements)`.
        #[cfg(test)]
        fn scoped_statements(tenant: Tenant) -> Vec<(&'static str, String, String, Vec<String>)> {
            use sea_orm::{DbBackend, EntityName, IdenStatic, QueryTrait};
            let mut out = Vec::new();
            $({
                let mut statements = Vec::new();
                for db in [DbBackend::Postgres, DbBackend::Sqlite] {
                    statements.push($module::Entity::find_in_org(tenant).build(db).to_string());
                    statements.push(
                        $module::Entity::update_in_org(tenant)
                            .col_expr($module::Column::$col, sea_orm::sea_query::Expr::value(tenant.org()))
                            .build(db)
                            .to_string(),
                    );
                    statements.push($module::Entity::delete_in_org(tenant).build(db).to_string());
                }
                let table = $module::Entity.table_name().to_string();
                out.push((stringify!($module), table, $module::Column::$col.as_str().to_string(), statements));
            })*
            out
        }
    };
}

tenant_scoped!(
    org => Id.id,
    project => OrgId.org_id,
    group => OrgId.org_id,
    group_member => OrgId.org_id,
    service_account => OrgId.org_id,
    api_key => OrgId.org_id,
    role_binding => OrgId.org_id,
    audit_event => OrgId.org_id,
    audit_head => OrgId.org_id,
    policy_version => OrgId.org_id,
    plan => OrgId.org_id,
    plan_event => OrgId.org_id,
    approval => OrgId.org_id,
    project_state => OrgId.org_id,
    job => OrgId.org_id,
    decision => OrgId.org_id,
    rate_hit => OrgId.org_id,
    budget_day => OrgId.org_id,
    budget_reservation => OrgId.org_id,
    role_grant => OrgId.org_id,
    chat_session => OrgId.org_id,
    chat_event => OrgId.org_id,
    agent => OrgId.org_id,
    project_agent => OrgId.org_id,
    chat_setting => OrgId.org_id,
    identity_provider => OrgId.org_id,
    oidc_login => OrgId.org_id,
    external_identity => OrgId.org_id,
    idp_group_mapping => OrgId.org_id,
    idp_client_binding => OrgId.org_id,
    invitation => OrgId.org_id,
    data_key => OrgId.org_id,
    secret => OrgId.org_id,
    webhook_endpoint => OrgId.org_id,
    webhook_delivery => OrgId.org_id,
    webhook_attempt => OrgId.org_id,
    webhook_cursor => OrgId.org_id,
    trigger => OrgId.org_id,
    schedule => OrgId.org_id,
    rollup => OrgId.org_id,
    rollup_mark => OrgId.org_id,
    notification => OrgId.org_id,
    notification_cursor => OrgId.org_id,
    email => OrgId.org_id,
    policy_change => OrgId.org_id,
    audit_checkpoint => OrgId.org_id,
    policy_pack_subscription => OrgId.org_id,
    org_parent => OrgId.org_id,
);

#[cfg(test)]
mod tests {
    use super::*;

    /// Every statement a tenant table's scoped finders build filters by the tenant's org, on
    /// both databases: reads, updates and deletes.
    #[test]
    fn scoped_queries_always_filter_by_org() {
        let tenant = Tenant::housekeeping(OrgId::generate(), Housekeeping::Setup);
        let uuid = tenant.org().as_uuid().to_string();
        let all = scoped_statements(tenant);
        assert_eq!(all.len(), 48, "tenant tables");
        for (module, table, column, statements) in all {
            for sql in statements {
                let filter = format!("WHERE \"{table}\".\"{column}\" = ");
                let (_, after) = sql.split_once(&filter).unwrap_or_else(|| panic!("{module}: no org filter in {sql}"));
                // PostgreSQL renders the uuid literal; SQLite a blob of its bytes.
                assert!(
                    after.starts_with(&format!("'{uuid}'")) || after.starts_with("x'"),
                    "{module}: filtered by something else: {sql}"
                );
            }
        }
    }

    /// Every entity module is a tenant table or a shared one: a new table must choose.
    #[test]
    fn every_table_is_tenant_scoped_or_shared() {
        let tenant = Tenant::housekeeping(OrgId::generate(), Housekeeping::Setup);
        let scoped: Vec<&str> = scoped_statements(tenant).into_iter().map(|(m, ..)| m).collect();
        let source = include_str!("lib.rs");
        let modules: Vec<&str> =
            source.lines().filter_map(|l| l.strip_prefix("pub mod ").and_then(|m| m.strip_suffix(';'))).collect();
        assert!(modules.len() > 20, "{modules:?}");
        for m in modules.iter().filter(|m| !NOT_TABLES.contains(m)) {
            let tenant = scoped.contains(m);
            let shared = SHARED.contains(m);
            assert!(tenant ^ shared, "{m}: tenant-scoped {tenant}, shared {shared}: exactly one must hold");
        }
    }
}
