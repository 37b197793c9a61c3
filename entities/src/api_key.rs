//! An API key of a user or a service account, valid in one organization.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: ApiKeyId,
    pub org_id: OrgId,
    /// Exactly one of the two owners is set.
    pub owner_user_id: Option<UserId>,
    pub owner_service_account_id: Option<ServiceAccountId>,
    pub name: String,
    /// The first characters of the key, safe to show so people can tell keys apart.
    pub display_prefix: String,
    /// SHA-256 of the whole key; the key itself is shown once and never stored.
    #[sea_orm(unique)]
    pub secret_hash: String,
    pub created_at: DateTimeUtc,
    pub expires_at: Option<DateTimeUtc>,
    pub last_used_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
