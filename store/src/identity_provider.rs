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

// Queries.

use crate::{Conn, Housekeeping, Tenant, TenantScoped};
use sea_orm::QueryOrder;

/// How many of the tenant's providers are enabled, leaving out `except`.
pub async fn count_enabled<C: Conn>(db: &C, tenant: Tenant, except: Option<IdentityProviderId>) -> Result<u64, DbErr> {
    let mut q = Entity::find_in_org(tenant).filter(Column::Enabled.eq(true));
    if let Some(id) = except {
        q = q.filter(Column::Id.ne(id));
    }
    q.count(&tenant.on(db)).await
}

/// The tenant's enabled providers, by name (what its sign-in page offers).
pub async fn enabled_by_name<C: Conn>(db: &C, tenant: Tenant) -> Result<Vec<Model>, DbErr> {
    Entity::find_in_org(tenant).filter(Column::Enabled.eq(true)).order_by_asc(Column::Name).all(&tenant.on(db)).await
}

/// The provider with this id, in whichever organization, enabled or not (housekeeping:
/// signing out of a session begun at it).
pub async fn find_anywhere<C: Conn>(db: &C, id: IdentityProviderId) -> Result<Option<Model>, DbErr> {
    Entity::find_across_orgs(Housekeeping::Identity).filter(Column::Id.eq(id)).one(&Housekeeping::Identity.on(db)).await
}

/// The provider with this id if it is enabled, in whichever organization (housekeeping:
/// signing in at it, before any access exists).
pub async fn enabled_anywhere<C: Conn>(db: &C, id: IdentityProviderId) -> Result<Option<Model>, DbErr> {
    Entity::find_across_orgs(Housekeeping::Identity)
        .filter(Column::Id.eq(id))
        .filter(Column::Enabled.eq(true))
        .one(&Housekeeping::Identity.on(db))
        .await
}

/// The enabled providers of every organization with this issuer that accept API tokens
/// (housekeeping: finding who vouches for a token presented before any access exists).
pub async fn accepting_tokens_from<C: Conn>(db: &C, issuer: &str) -> Result<Vec<Model>, DbErr> {
    Entity::find_across_orgs(Housekeeping::Identity)
        .filter(Column::Issuer.eq(issuer))
        .filter(Column::Enabled.eq(true))
        .filter(Column::ApiAudience.is_not_null())
        .all(&Housekeeping::Identity.on(db))
        .await
}
