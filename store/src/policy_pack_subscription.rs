//! An organization's subscription to a policy pack: pinned to a version, or following the
//! latest (moved on by the scheduler when a newer version takes effect). The version in force
//! is the pack layer above the organization's own policy. Primary key `(org_id, pack_id)`.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "policy_pack_subscriptions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub org_id: OrgId,
    #[sea_orm(primary_key, auto_increment = false)]
    pub pack_id: PolicyPackId,
    /// The pack's name (names do not change), so the policy in force is assembled from this
    /// row alone.
    pub pack_name: String,
    /// The version the organization chose to stay on; none: it follows the latest.
    pub pinned_version: Option<i64>,
    /// The version the organization's decisions are made under now.
    pub version_in_force: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

// Queries.

use crate::{Conn, Housekeeping, Tenant, TenantScoped};
use sea_orm::QueryOrder;

/// The tenant's subscriptions, by pack name.
pub async fn of_org<C: Conn>(db: &C, tenant: Tenant) -> Result<Vec<Model>, DbErr> {
    Entity::find_in_org(tenant).order_by_asc(Column::PackName).all(&tenant.on(db)).await
}

/// The tenant's subscription to `pack`.
pub async fn one<C: Conn>(db: &C, tenant: Tenant, pack: PolicyPackId) -> Result<Option<Model>, DbErr> {
    Entity::find_in_org(tenant).filter(Column::PackId.eq(pack)).one(&tenant.on(db)).await
}

/// Ends the tenant's subscription to `pack`; answers whether there was one.
pub async fn delete<C: Conn>(db: &C, tenant: Tenant, pack: PolicyPackId) -> Result<bool, DbErr> {
    Ok(Entity::delete_in_org(tenant).filter(Column::PackId.eq(pack)).exec(&tenant.on(db)).await?.rows_affected > 0)
}

/// Every organization's subscription to `pack` (housekeeping: telling each subscriber of a
/// new version, moving followers on when it takes effect).
pub async fn of_pack<C: Conn>(db: &C, pack: PolicyPackId) -> Result<Vec<Model>, DbErr> {
    Entity::find_across_orgs(Housekeeping::PolicyPacks)
        .filter(Column::PackId.eq(pack))
        .order_by_asc(Column::OrgId)
        .all(&Housekeeping::PolicyPacks.on(db))
        .await
}

/// Subscriptions to `pack` that follow its latest version and are behind `version`.
pub async fn followers_behind<C: Conn>(db: &C, pack: PolicyPackId, version: i64) -> Result<Vec<Model>, DbErr> {
    Entity::find_across_orgs(Housekeeping::PolicyPacks)
        .filter(Column::PackId.eq(pack))
        .filter(Column::PinnedVersion.is_null())
        .filter(Column::VersionInForce.lt(version))
        .order_by_asc(Column::OrgId)
        .all(&Housekeeping::PolicyPacks.on(db))
        .await
}
