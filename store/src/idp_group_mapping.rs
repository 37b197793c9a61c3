//! A provider's group (a value of its groups claim) mapped onto a Praetor group: people whose
//! claim carries it are members, kept in step at each sign-in and token use.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idp_group_mappings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub provider_id: IdentityProviderId,
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub claim_value: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub group_id: GroupId,
    pub org_id: OrgId,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

// Queries.

use crate::{Conn, Tenant, TenantScoped};
use sea_orm::QueryOrder;

/// The provider's group mappings, by claim value.
pub async fn of_provider<C: Conn>(db: &C, tenant: Tenant, provider: IdentityProviderId) -> Result<Vec<Model>, DbErr> {
    Entity::find_in_org(tenant)
        .filter(Column::ProviderId.eq(provider))
        .order_by_asc(Column::ClaimValue)
        .all(&tenant.on(db))
        .await
}

/// Deletes the mapping of the provider group `claim_value` onto `group`; answers how many went
/// (0 or 1).
pub async fn unmap<C: Conn>(
    db: &C,
    tenant: Tenant,
    provider: IdentityProviderId,
    claim_value: &str,
    group: GroupId,
) -> Result<u64, DbErr> {
    Ok(Entity::delete_in_org(tenant)
        .filter(Column::ProviderId.eq(provider))
        .filter(Column::ClaimValue.eq(claim_value))
        .filter(Column::GroupId.eq(group))
        .exec(&tenant.on(db))
        .await?
        .rows_affected)
}

/// Deletes every group mapping of the provider; answers how many went.
pub async fn delete_of_provider<C: Conn>(db: &C, tenant: Tenant, provider: IdentityProviderId) -> Result<u64, DbErr> {
    Ok(Entity::delete_in_org(tenant).filter(Column::ProviderId.eq(provider)).exec(&tenant.on(db)).await?.rows_affected)
}
