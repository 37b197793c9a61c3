//! Identity providers: add, change (the client secret write-only), delete, map provider groups
//! onto Praetor groups, bind provider clients to service accounts. All need `identity.manage`
//! in the organization.

use async_graphql::{Context, ID, InputObject, Object, Result};
use praetor_store::IdentityProviderId;

use crate::authz::{Domain, OrgAccess, Permit, ops};
use crate::graphql::object::IdentityProviderObject;
use crate::graphql::{app, principal};
use crate::secrets::SecretValue;
use crate::services::identity::{self, ProviderInput};
use crate::services::locate::NodeId;
use crate::services::{orgs, validate};

#[derive(InputObject)]
pub struct CreateIdentityProviderInput {
    pub org: String,
    /// Shown on the sign-in page; unique in the organization.
    pub name: String,
    /// The issuer URL; its `/.well-known/openid-configuration` must answer.
    pub issuer: String,
    pub client_id: String,
    #[graphql(secret)]
    pub client_secret: String,
    /// Scopes beside `openid` (default `email`, `profile`).
    pub scopes: Option<Vec<String>>,
    /// The claim listing a person's groups (default `groups`).
    pub groups_claim: Option<String>,
    /// E-mail domains that may sign in (default: any).
    pub allowed_domains: Option<Vec<String>>,
    /// Create people unknown to Praetor at their first sign-in (default false).
    pub create_users: Option<bool>,
    /// Accept API tokens from this provider that name this audience (default: none accepted).
    pub api_audience: Option<String>,
    /// A public client at the provider allowed the device authorization grant, for `praetor
    /// login` (needs `apiAudience`; default: the command line signs in with an API key).
    pub device_client_id: Option<String>,
}

/// Every field left out stays as it is.
#[derive(InputObject)]
pub struct UpdateIdentityProviderInput {
    pub name: Option<String>,
    pub issuer: Option<String>,
    pub client_id: Option<String>,
    #[graphql(secret)]
    pub client_secret: Option<String>,
    pub scopes: Option<Vec<String>>,
    pub groups_claim: Option<String>,
    pub allowed_domains: Option<Vec<String>>,
    pub create_users: Option<bool>,
    /// An empty string stops accepting API tokens.
    pub api_audience: Option<String>,
    /// An empty string stops offering `praetor login` through this provider.
    pub device_client_id: Option<String>,
    pub enabled: Option<bool>,
}

async fn provider_permit(
    ctx: &Context<'_>,
    id: &ID,
) -> Result<(OrgAccess, Permit<ops::IdentityManage>, IdentityProviderId)> {
    let id: IdentityProviderId = validate::id("id", id)?;
    let access = NodeId::IdentityProvider(id).enter(app(ctx)?, principal(ctx)?).await?;
    let permit = access.permit::<ops::IdentityManage>(Domain::Org)?;
    Ok((access, permit, id))
}

#[derive(Default)]
pub struct IdentityMutation;

#[Object]
impl IdentityMutation {
    /// Adds an identity provider; its discovery document is fetched to check the issuer.
    async fn create_identity_provider(
        &self,
        ctx: &Context<'_>,
        input: CreateIdentityProviderInput,
    ) -> Result<IdentityProviderObject> {
        let app = app(ctx)?;
        let access = orgs::enter_by_slug(app, principal(ctx)?, &input.org).await?;
        let permit = access.permit::<ops::IdentityManage>(Domain::Org)?;
        let model = identity::create(
            app,
            &permit,
            ProviderInput {
                name: Some(input.name),
                issuer: Some(input.issuer),
                client_id: Some(input.client_id),
                client_secret: Some(SecretValue::new(input.client_secret)),
                scopes: input.scopes,
                groups_claim: input.groups_claim,
                allowed_domains: input.allowed_domains,
                create_users: input.create_users,
                api_audience: Some(input.api_audience.filter(|a| !a.trim().is_empty())),
                device_client_id: Some(input.device_client_id.filter(|c| !c.trim().is_empty())),
                enabled: Some(true),
            },
        )
        .await?;
        Ok(IdentityProviderObject { access, model })
    }

    async fn update_identity_provider(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateIdentityProviderInput,
    ) -> Result<IdentityProviderObject> {
        let (access, permit, id) = provider_permit(ctx, &id).await?;
        let model = identity::update(
            app(ctx)?,
            &permit,
            id,
            ProviderInput {
                name: input.name,
                issuer: input.issuer,
                client_id: input.client_id,
                client_secret: input.client_secret.map(SecretValue::new),
                scopes: input.scopes,
                groups_claim: input.groups_claim,
                allowed_domains: input.allowed_domains,
                create_users: input.create_users,
                api_audience: input.api_audience.map(|a| Some(a).filter(|a| !a.trim().is_empty())),
                device_client_id: input.device_client_id.map(|c| Some(c).filter(|c| !c.trim().is_empty())),
                enabled: input.enabled,
            },
        )
        .await?;
        Ok(IdentityProviderObject { access, model })
    }

    /// Deletes a provider: sessions begun at it end, memberships synced from it go.
    async fn delete_identity_provider(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        let (_, permit, id) = provider_permit(ctx, &id).await?;
        identity::delete(app(ctx)?, &permit, id).await?;
        Ok(true)
    }

    /// People whose groups claim carries `claimValue` become members of the group named `group`
    /// at their next sign-in or token.
    async fn map_identity_provider_group(
        &self,
        ctx: &Context<'_>,
        id: ID,
        claim_value: String,
        group: String,
    ) -> Result<IdentityProviderObject> {
        let (access, permit, id) = provider_permit(ctx, &id).await?;
        let model = identity::map_group(app(ctx)?, &permit, id, &claim_value, &group).await?;
        Ok(IdentityProviderObject { access, model })
    }

    async fn unmap_identity_provider_group(
        &self,
        ctx: &Context<'_>,
        id: ID,
        claim_value: String,
        group: String,
    ) -> Result<IdentityProviderObject> {
        let (access, permit, id) = provider_permit(ctx, &id).await?;
        let model = identity::unmap_group(app(ctx)?, &permit, id, &claim_value, &group).await?;
        Ok(IdentityProviderObject { access, model })
    }

    /// Tokens the provider issues to its client `clientId` for itself (client credentials) act
    /// as the service account named `serviceAccount`; null removes the binding.
    async fn bind_identity_provider_client(
        &self,
        ctx: &Context<'_>,
        id: ID,
        client_id: String,
        service_account: Option<String>,
    ) -> Result<IdentityProviderObject> {
        let (access, permit, id) = provider_permit(ctx, &id).await?;
        let model = identity::bind_client(app(ctx)?, &permit, id, &client_id, service_account.as_deref()).await?;
        Ok(IdentityProviderObject { access, model })
    }
}
