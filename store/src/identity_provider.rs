//! An organization's OpenID Connect identity provider: people sign in through it, and tokens it
//! issues are accepted on the API. Its client secret is the organization secret
//! `identity_provider.<id>`.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "identity_providers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: IdentityProviderId,
    pub org_id: OrgId,
    /// Shown on the sign-in page ("Okta", "Corporate SSO"); unique in the organization.
    pub name: String,
    /// The issuer URL, exactly as its tokens' `iss` claim says it.
    #[sea_orm(column_type = "Text")]
    pub issuer: String,
    #[sea_orm(column_type = "Text")]
    pub client_id: String,
    /// Scopes asked for at sign-in, beside `openid` (a JSON array of strings).
    #[sea_orm(column_type = "Text")]
    pub scopes: String,
    /// The claim whose values (strings) are the person's groups at the provider.
    pub groups_claim: String,
    /// E-mail domains allowed to sign in (a JSON array; empty allows any).
    #[sea_orm(column_type = "Text")]
    pub allowed_domains: String,
    /// Whether a person unknown to Praetor is created at their first sign-in.
    pub create_users: bool,
    /// The audience API tokens from this provider must name; none accepts no API tokens.
    #[sea_orm(column_type = "Text", nullable)]
    pub api_audience: Option<String>,
    /// A public client (no secret) at the provider allowed the device authorization grant, for
    /// `praetor login`; none: the command line signs in with an API key instead.
    #[sea_orm(column_type = "Text", nullable)]
    pub device_client_id: Option<String>,
    pub enabled: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

keyed_by_id!(tenant IdentityProviderId);
