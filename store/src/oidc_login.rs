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
