//! An organization's data key: 32 random bytes that encrypt its secrets, stored only wrapped
//! (AES-256-GCM) by the instance's master key named by `kek_id`.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "data_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: DataKeyId,
    pub org_id: OrgId,
    /// A fingerprint of the master key that wraps it.
    pub kek_id: String,
    /// base64(nonce || ciphertext).
    pub wrapped: String,
    pub created_at: DateTimeUtc,
    /// When it was last wrapped (rotation rewraps it under the newest master key).
    pub wrapped_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

keyed_by_id!(tenant DataKeyId);

// Queries.

/// Every organization's data keys (housekeeping: rotating and verifying them all).
pub async fn everywhere<C: crate::Conn>(db: &C, why: crate::Housekeeping) -> Result<Vec<Model>, DbErr> {
    use crate::TenantScoped;
    Entity::find_across_orgs(why).all(&why.on(db)).await
}

/// The tenant's newest data key.
pub async fn newest<C: crate::Conn>(db: &C, tenant: crate::Tenant) -> Result<Option<Model>, DbErr> {
    use crate::TenantScoped;
    use sea_orm::QueryOrder;
    Entity::find_in_org(tenant).order_by_desc(Column::CreatedAt).one(&tenant.on(db)).await
}
