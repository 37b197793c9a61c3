//! A browser session (the cookie holds a random token; only its hash is stored).
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "user_sessions")]
pub struct Model {
    /// SHA-256 of the cookie value; the cookie itself is never stored.
    #[sea_orm(primary_key, auto_increment = false)]
    pub token_hash: String,
    pub user_id: UserId,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    /// Set when the session began at an organization's identity provider: it enters that
    /// organization only.
    pub org_id: Option<OrgId>,
    pub provider_id: Option<IdentityProviderId>,
    /// How it began: `password`, `provider` or `demo`.
    pub method: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
