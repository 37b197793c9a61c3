//! `IdentityProvider`: an organization's OIDC provider as its admins see it (the client secret
//! only as a fingerprint), with its group mappings and client bindings.

use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use praetor_store::identity_provider;

use super::{GroupObject, ServiceAccountObject};
use crate::authz::OrgAccess;
use crate::graphql::app;
use crate::services::identity;

pub struct IdentityProviderObject {
    pub access: OrgAccess,
    pub model: identity_provider::Model,
}

#[Object(name = "IdentityProvider")]
impl IdentityProviderObject {
    pub async fn id(&self) -> ID {
        ID(self.model.id.to_string())
    }

    /// Shown on the sign-in page.
    async fn name(&self) -> &str {
        &self.model.name
    }

    async fn issuer(&self) -> &str {
        &self.model.issuer
    }

    async fn client_id(&self) -> &str {
        &self.model.client_id
    }

    /// Scopes asked for beside `openid`.
    async fn scopes(&self) -> Result<Vec<String>> {
        Ok(identity::scopes(&self.model)?)
    }

    /// The claim that lists a person's groups at the provider.
    async fn groups_claim(&self) -> &str {
        &self.model.groups_claim
    }

    /// E-mail domains that may sign in (empty: any).
    async fn allowed_domains(&self) -> Result<Vec<String>> {
        Ok(identity::allowed_domains(&self.model)?)
    }

    /// Whether people unknown to Praetor are created at their first sign-in.
    async fn create_users(&self) -> bool {
        self.model.create_users
    }

    /// The audience API tokens from this provider must name; none: no API tokens accepted.
    async fn api_audience(&self) -> Option<&str> {
        self.model.api_audience.as_deref()
    }

    /// The public client `praetor login` signs in with (the device authorization grant).
    async fn device_client_id(&self) -> Option<&str> {
        self.model.device_client_id.as_deref()
    }

    async fn enabled(&self) -> bool {
        self.model.enabled
    }

    /// The path to register at the provider as the redirect URI, under this server's address.
    async fn callback_path(&self) -> &'static str {
        identity::CALLBACK_PATH
    }

    /// The path to register at the provider as where to come back to after signing out there
    /// (RP-initiated logout), under this server's address.
    async fn sign_out_return_path(&self) -> &'static str {
        "/"
    }

    async fn secret_fingerprint(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        Ok(identity::secret_fingerprint(app(ctx)?, &self.model).await?)
    }

    /// Provider groups mapped onto Praetor groups.
    async fn group_mappings(&self, ctx: &Context<'_>) -> Result<Vec<GroupMapping>> {
        Ok(identity::mappings(app(ctx)?, &self.model)
            .await?
            .into_iter()
            .map(|m| GroupMapping { claim_value: m.claim_value, group: GroupObject::new(self.access.clone(), m.group) })
            .collect())
    }

    /// Provider clients whose own tokens act as service accounts.
    async fn client_bindings(&self, ctx: &Context<'_>) -> Result<Vec<ClientBinding>> {
        Ok(identity::client_bindings(app(ctx)?, &self.model)
            .await?
            .into_iter()
            .map(|b| ClientBinding { client_id: b.client_id, service_account: ServiceAccountObject(b.service_account) })
            .collect())
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.model.updated_at
    }
}

/// People whose groups claim carries `claimValue` are members of `group`.
#[derive(SimpleObject)]
pub struct GroupMapping {
    pub claim_value: String,
    pub group: GroupObject,
}

/// Tokens the provider issues to client `clientId` for itself act as `serviceAccount`.
#[derive(SimpleObject)]
pub struct ClientBinding {
    pub client_id: String,
    pub service_account: ServiceAccountObject,
}
