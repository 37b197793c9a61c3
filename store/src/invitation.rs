//! A link an organization sent to a person: to join it with a role and set a password
//! (`join`), or to set a new password (`reset`). Single use, expiring; the link's token is kept
//! only as its hash.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invitations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: InvitationId,
    pub org_id: OrgId,
    pub email: String,
    /// `join` or `reset`.
    pub purpose: String,
    /// The role a `join` grants (org-wide, or in `project_id`).
    pub role: Option<String>,
    pub project_id: Option<ProjectId>,
    pub token_hash: String,
    /// The principal chain that made it (canonical JSON).
    #[sea_orm(column_type = "Text")]
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub used_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

keyed_by_id!(tenant InvitationId);

// Queries.

use crate::{Conn, Housekeeping, Tenant, TenantScoped};
use sea_orm::QueryOrder;
use sea_orm::sea_query::Expr;

/// The tenant's links of these purposes that are neither used nor expired at `now`, newest
/// first.
pub async fn pending<C: Conn>(
    db: &C,
    tenant: Tenant,
    purposes: &[&str],
    now: DateTimeUtc,
) -> Result<Vec<Model>, DbErr> {
    Entity::find_in_org(tenant)
        .filter(Column::Purpose.is_in(purposes.iter().copied()))
        .filter(Column::UsedAt.is_null())
        .filter(Column::ExpiresAt.gt(now))
        .order_by_desc(Column::Id)
        .all(&tenant.on(db))
        .await
}

/// Deletes the tenant's link with this id if it is not used yet and is of one of `purposes`;
/// answers how many went (0 or 1).
pub async fn withdraw<C: Conn>(db: &C, tenant: Tenant, id: InvitationId, purposes: &[&str]) -> Result<u64, DbErr> {
    Ok(Entity::delete_in_org(tenant)
        .filter(Column::Id.eq(id))
        .filter(Column::Purpose.is_in(purposes.iter().copied()))
        .filter(Column::UsedAt.is_null())
        .exec(&tenant.on(db))
        .await?
        .rows_affected)
}

/// The link whose token hashes to `token_hash`, in whichever organization (housekeeping: a
/// link is opened before any access exists), used or not.
pub async fn by_token_hash<C: Conn>(db: &C, token_hash: &str) -> Result<Option<Model>, DbErr> {
    Entity::find_across_orgs(Housekeeping::Identity)
        .filter(Column::TokenHash.eq(token_hash))
        .one(&Housekeeping::Identity.on(db))
        .await
}

/// Marks the tenant's link with this id used at `at`, unless it already is: answers whether
/// this call did (of two answers racing, one wins).
pub async fn use_up<C: Conn>(db: &C, tenant: Tenant, id: InvitationId, at: DateTimeUtc) -> Result<bool, DbErr> {
    let done = Entity::update_in_org(tenant)
        .col_expr(Column::UsedAt, Expr::value(at))
        .filter(Column::Id.eq(id))
        .filter(Column::UsedAt.is_null())
        .exec(&tenant.on(db))
        .await?;
    Ok(done.rows_affected != 0)
}
