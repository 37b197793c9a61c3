//! An organization: the tenant. Every tenant-owned row carries its id.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "orgs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: OrgId,
    #[sea_orm(unique)]
    pub slug: String,
    pub name: String,
    /// Bumped in the same transaction as any change to bindings or memberships, so every node can
    /// tell that its cached enforcer for this org is stale.
    pub rbac_version: i64,
    pub created_at: DateTimeUtc,
    /// Whether people may enter with a password (local accounts). Switched off once the
    /// organization signs people in at its identity providers.
    pub local_accounts: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

keyed_by_id!(tenant OrgId);

// Queries.

use crate::{Conn, Housekeeping, Tenant, TenantScoped};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{QueryOrder, QuerySelect};

/// The tenant's own organization row.
pub async fn of<C: Conn>(db: &C, tenant: Tenant) -> Result<Option<Model>, DbErr> {
    Entity::find_in_org(tenant).one(&tenant.on(db)).await
}

/// The tenant's organization row, locked until the transaction `db` ends (by a no-op
/// update, which both databases lock the same way): changes that must see each other queue
/// on it.
pub async fn lock_own<C: Conn>(db: &C, tenant: Tenant) -> Result<Option<Model>, DbErr> {
    Entity::update_in_org(tenant)
        .col_expr(Column::LocalAccounts, Expr::col(Column::LocalAccounts))
        .exec(&tenant.on(db))
        .await?;
    Entity::find_in_org(tenant).one(&tenant.on(db)).await
}

/// Adds one to the organization's RBAC version (every node reloads its enforcer).
pub async fn bump_rbac_version<C: Conn>(db: &C, tenant: Tenant) -> Result<(), DbErr> {
    Entity::update_in_org(tenant)
        .col_expr(Column::RbacVersion, Expr::col(Column::RbacVersion).add(1))
        .exec(&tenant.on(db))
        .await
        .map(|_| ())
}

/// The organization named `slug`, found across organizations for `why` (before any access to
/// it exists: entering it checks that).
pub async fn by_slug<C: Conn>(db: &C, why: Housekeeping, slug: &str) -> Result<Option<Model>, DbErr> {
    Entity::find_across_orgs(why).filter(Column::Slug.eq(slug)).one(&why.on(db)).await
}

/// The organization with this id, found across organizations for `why`.
pub async fn find<C: Conn>(db: &C, why: Housekeeping, id: OrgId) -> Result<Option<Model>, DbErr> {
    Entity::find_across_orgs(why).filter(Column::Id.eq(id)).one(&why.on(db)).await
}

/// Every organization, by slug (for `why`); only the one named `slug` when given.
pub async fn listed<C: Conn>(db: &C, why: Housekeeping, slug: Option<&str>) -> Result<Vec<Model>, DbErr> {
    let mut q = Entity::find_across_orgs(why).order_by_asc(Column::Slug);
    if let Some(s) = slug {
        q = q.filter(Column::Slug.eq(s));
    }
    q.all(&why.on(db)).await
}

/// The organizations with these ids, by slug (for `why`).
pub async fn with_ids<C: Conn>(
    db: &C,
    why: Housekeeping,
    ids: impl IntoIterator<Item = OrgId>,
) -> Result<Vec<Model>, DbErr> {
    Entity::find_across_orgs(why).filter(Column::Id.is_in(ids)).order_by_asc(Column::Slug).all(&why.on(db)).await
}

/// The id of every organization (for `why`), or only `only`'s when given.
pub async fn ids<C: Conn>(db: &C, why: Housekeeping, only: Option<OrgId>) -> Result<Vec<OrgId>, DbErr> {
    let mut q = Entity::find_across_orgs(why).select_only().column(Column::Id);
    if let Some(o) = only {
        q = q.filter(Column::Id.eq(o));
    }
    q.into_tuple().all(&why.on(db)).await
}
