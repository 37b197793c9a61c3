//! A time-boxed role grant: just-in-time access from `valid_from` until `valid_until`, possibly
//! waiting for approval first. Enforced at decision time (the org's RBAC reloads when a grant
//! starts or ends), not only by a cleanup job.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "role_grants")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: RoleGrantId,
    pub org_id: OrgId,
    /// `user`, `group` or `service_account`.
    pub subject_kind: String,
    pub subject_id: Uuid,
    /// The subject as people know it (an e-mail, a group or account name).
    pub subject_label: String,
    pub role: String,
    /// `*` for the whole organization, otherwise the prefixed project id.
    pub domain: String,
    pub project_id: Option<ProjectId>,
    pub valid_from: DateTimeUtc,
    pub valid_until: DateTimeUtc,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    /// `pending`, `active`, `rejected` or `revoked` (an active grant past `valid_until` has
    /// expired whatever its status says).
    pub status: String,
    /// Canonical JSON of the requester's principal chain.
    #[sea_orm(column_type = "Text")]
    pub requested_by: String,
    /// RBAC subject of the requester (separation of duties on approval).
    pub requested_by_subject: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

keyed_by_id!(tenant RoleGrantId);

// Queries.

use crate::{Conn, Tenant, TenantScoped};

/// The tenant's approved grants that have not ended by `now` (some may not have begun).
pub async fn in_force_after<C: Conn>(db: &C, tenant: Tenant, now: DateTimeUtc) -> Result<Vec<Model>, DbErr> {
    Entity::find_in_org(tenant)
        .filter(Column::Status.eq("active"))
        .filter(Column::ValidUntil.gt(now))
        .all(&tenant.on(db))
        .await
}

/// Up to `limit` of the tenant's grants, newest first; only those pending or active and not
/// ended by `now` when `open_at` is given.
pub async fn newest<C: Conn>(
    db: &C,
    tenant: Tenant,
    open_at: Option<DateTimeUtc>,
    limit: u64,
) -> Result<Vec<Model>, DbErr> {
    use sea_orm::{QueryOrder, QuerySelect};
    let mut q = Entity::find_in_org(tenant).order_by_desc(Column::Id);
    if let Some(now) = open_at {
        q = q.filter(Column::Status.is_in(["pending", "active"])).filter(Column::ValidUntil.gt(now));
    }
    q.limit(limit).all(&tenant.on(db)).await
}

/// Up to `limit` active grants that ended by `now`, across organizations or in `only` one
/// (housekeeping: the expiry sweep).
pub async fn ended<C: Conn>(db: &C, now: DateTimeUtc, only: Option<OrgId>, limit: u64) -> Result<Vec<Model>, DbErr> {
    use sea_orm::QuerySelect;
    let mut q = Entity::find_across_orgs(crate::Housekeeping::Sweep)
        .filter(Column::Status.eq("active"))
        .filter(Column::ValidUntil.lte(now));
    if let Some(org) = only {
        q = q.filter(Column::OrgId.eq(org));
    }
    q.limit(limit).all(&crate::Housekeeping::Sweep.on(db)).await
}

/// Sets the grant's status to `next` if it is still `was`; answers whether it did.
pub async fn swap_status<C: Conn>(
    db: &C,
    tenant: Tenant,
    id: RoleGrantId,
    was: &str,
    next: &str,
) -> Result<bool, DbErr> {
    use sea_orm::sea_query::Expr;
    let res = Entity::update_in_org(tenant)
        .col_expr(Column::Status, Expr::value(next))
        .filter(Column::Id.eq(id))
        .filter(Column::Status.eq(was))
        .exec(&tenant.on(db))
        .await?;
    Ok(res.rows_affected > 0)
}
