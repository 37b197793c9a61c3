//! A provider's OAuth client whose own tokens (client credentials) act as a service account.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idp_client_bindings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub provider_id: IdentityProviderId,
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub client_id: String,
    pub org_id: OrgId,
    pub service_account_id: ServiceAccountId,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

// Queries.

use crate::{Conn, Tenant, TenantScoped};
use sea_orm::QueryOrder;

/// The provider's client bindings, by client id.
pub async fn of_provider<C: Conn>(db: &C, tenant: Tenant, provider: IdentityProviderId) -> Result<Vec<Model>, DbErr> {
    Entity::find_in_org(tenant)
        .filter(Column::ProviderId.eq(provider))
        .order_by_asc(Column::ClientId)
        .all(&tenant.on(db))
        .await
}

/// The binding of the provider's client `client_id`: the service account its tokens act as.
pub async fn of_client<C: Conn>(
    db: &C,
    tenant: Tenant,
    provider: IdentityProviderId,
    client_id: &str,
) -> Result<Option<Model>, DbErr> {
    Entity::find_in_org(tenant)
        .filter(Column::ProviderId.eq(provider))
        .filter(Column::ClientId.eq(client_id))
        .one(&tenant.on(db))
        .await
}

/// Deletes the binding of the provider's client `client_id`; answers how many went (0 or 1).
pub async fn unbind<C: Conn>(
    db: &C,
    tenant: Tenant,
    provider: IdentityProviderId,
    client_id: &str,
) -> Result<u64, DbErr> {
    Ok(Entity::delete_in_org(tenant)
        .filter(Column::ProviderId.eq(provider))
        .filter(Column::ClientId.eq(client_id))
        .exec(&tenant.on(db))
        .await?
        .rows_affected)
}

/// Deletes every client binding of the provider; answers how many went.
pub async fn delete_of_provider<C: Conn>(db: &C, tenant: Tenant, provider: IdentityProviderId) -> Result<u64, DbErr> {
    Ok(Entity::delete_in_org(tenant).filter(Column::ProviderId.eq(provider)).exec(&tenant.on(db)).await?.rows_affected)
}
