//! A sign-in under way at an identity provider: what the callback must find to finish it. The
//! row is taken (deleted) by the first callback that names its state, so a state works once.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "oidc_logins")]
pub struct Model {
    /// SHA-256 of the `state` parameter.
    #[sea_orm(primary_key, auto_increment = false)]
    pub state_hash: String,
    pub org_id: OrgId,
    pub provider_id: IdentityProviderId,
    #[sea_orm(column_type = "Text")]
    pub nonce: String,
    /// The PKCE code verifier, sent with the code; lives as long as the row (minutes).
    #[sea_orm(column_type = "Text")]
    pub pkce_verifier: String,
    /// SHA-256 of the random value in the browser's sign-in cookie: the callback must come from
    /// the browser that started the sign-in.
    pub browser_hash: String,
    /// Where the web app goes once signed in (a path of this server).
    #[sea_orm(column_type = "Text")]
    pub return_to: String,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

// Queries.

use crate::{Conn, Housekeeping, Tenant, TenantScoped};

/// The sign-in under way whose state hashes to `state_hash`, in whichever organization
/// (housekeeping: the provider's callback comes before any access exists).
pub async fn by_state_hash<C: Conn>(db: &C, state_hash: &str) -> Result<Option<Model>, DbErr> {
    Entity::find_across_orgs(Housekeeping::Identity)
        .filter(Column::StateHash.eq(state_hash))
        .one(&Housekeeping::Identity.on(db))
        .await
}

/// Takes (deletes) the tenant's sign-in whose state hashes to `state_hash`; answers how many
/// went (0 or 1): only the caller that took it may finish it.
pub async fn take<C: Conn>(db: &C, tenant: Tenant, state_hash: &str) -> Result<u64, DbErr> {
    Ok(Entity::delete_in_org(tenant).filter(Column::StateHash.eq(state_hash)).exec(&tenant.on(db)).await?.rows_affected)
}

/// Deletes the sign-ins of every organization that lapsed by `now`, never finished
/// (housekeeping: swept as new ones begin); answers how many went.
pub async fn sweep_expired<C: Conn>(db: &C, now: DateTimeUtc) -> Result<u64, DbErr> {
    Ok(Entity::delete_across_orgs(Housekeeping::Identity)
        .filter(Column::ExpiresAt.lte(now))
        .exec(&Housekeeping::Identity.on(db))
        .await?
        .rows_affected)
}

/// Deletes every sign-in under way at the provider; answers how many went.
pub async fn delete_of_provider<C: Conn>(db: &C, tenant: Tenant, provider: IdentityProviderId) -> Result<u64, DbErr> {
    Ok(Entity::delete_in_org(tenant).filter(Column::ProviderId.eq(provider)).exec(&tenant.on(db)).await?.rows_affected)
}
