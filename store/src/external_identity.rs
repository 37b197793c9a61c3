//! A person as an identity provider knows them (its `sub`), linked to their Praetor user.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "external_identities")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub provider_id: IdentityProviderId,
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub subject: String,
    pub org_id: OrgId,
    pub user_id: UserId,
    pub created_at: DateTimeUtc,
    pub last_seen_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

// Queries.

use crate::{Conn, Tenant, TenantScoped};

/// The person the provider knows as `subject`, as linked to their Praetor user.
pub async fn by_subject<C: Conn>(
    db: &C,
    tenant: Tenant,
    provider: IdentityProviderId,
    subject: &str,
) -> Result<Option<Model>, DbErr> {
    Entity::find_in_org(tenant)
        .filter(Column::ProviderId.eq(provider))
        .filter(Column::Subject.eq(subject))
        .one(&tenant.on(db))
        .await
}

/// Deletes every identity the provider vouched for (the people stay); answers how many went.
pub async fn delete_of_provider<C: Conn>(db: &C, tenant: Tenant, provider: IdentityProviderId) -> Result<u64, DbErr> {
    Ok(Entity::delete_in_org(tenant).filter(Column::ProviderId.eq(provider)).exec(&tenant.on(db)).await?.rows_affected)
}
