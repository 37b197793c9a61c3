//! `createServiceAccount`, `setServiceAccountKeyPolicy`, `createApiKey`, `revokeApiKey`.

use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};
use praetor_store::{ApiKeyId, ServiceAccountId};

use crate::authz::Domain;
use crate::authz::ops;
use crate::graphql::object::{ApiKeyObject, CreatedApiKey, ServiceAccountObject};
use crate::graphql::{app, principal};
use crate::services::api_keys::KeyOwner;
use crate::services::locate::NodeId;
use crate::services::{api_keys, orgs, service_accounts, validate};

#[derive(InputObject)]
pub struct CreateServiceAccountInput {
    pub org: String,
    pub name: String,
    #[graphql(default)]
    pub description: String,
    /// The account's key policy: its keys expire within this many days of their creation
    /// (1 to 3650). Omit to let its keys live until revoked.
    pub max_key_lifetime_days: Option<i32>,
}

#[derive(InputObject)]
pub struct SetServiceAccountKeyPolicyInput {
    pub service_account_id: ID,
    /// Null: keys may live until revoked.
    pub max_key_lifetime_days: Option<i32>,
}

#[derive(InputObject)]
pub struct CreateApiKeyInput {
    pub org: String,
    pub name: String,
    /// The service account the key is for; omit for a personal key of the caller.
    pub service_account_id: Option<ID>,
    /// No later than the credential you create it with (personal keys), or than the account's
    /// key policy allows (service accounts). Omitted: the latest allowed, or never.
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Default)]
pub struct ApiKeyMutation;

#[Object]
impl ApiKeyMutation {
    /// Needs `service_account.create` in the organization.
    async fn create_service_account(
        &self,
        ctx: &Context<'_>,
        input: CreateServiceAccountInput,
    ) -> Result<ServiceAccountObject> {
        let app = app(ctx)?;
        let access = orgs::enter_by_slug(app, principal(ctx)?, &input.org).await?;
        let permit = access.permit::<ops::ServiceAccountCreate>(Domain::Org)?;
        let sa = service_accounts::create(app, &permit, &input.name, &input.description, input.max_key_lifetime_days)
            .await?;
        Ok(ServiceAccountObject(sa))
    }

    /// Sets the longest a service account's keys may live. Keys that exist keep their expiry.
    /// Needs `service_account.manage` in the organization.
    async fn set_service_account_key_policy(
        &self,
        ctx: &Context<'_>,
        input: SetServiceAccountKeyPolicyInput,
    ) -> Result<ServiceAccountObject> {
        let app = app(ctx)?;
        let id: ServiceAccountId = validate::id("serviceAccountId", &input.service_account_id)?;
        let access = NodeId::ServiceAccount(id).enter(app, principal(ctx)?).await?;
        let permit = access.permit::<ops::ServiceAccountManage>(Domain::Org)?;
        Ok(ServiceAccountObject(service_accounts::set_key_policy(app, &permit, id, input.max_key_lifetime_days).await?))
    }

    /// Creates an API key. The secret is in the answer and never shown again. A personal key
    /// needs only membership; a service account's key needs `api_key.create`.
    async fn create_api_key(&self, ctx: &Context<'_>, input: CreateApiKeyInput) -> Result<CreatedApiKey> {
        let app = app(ctx)?;
        let access = orgs::enter_by_slug(app, principal(ctx)?, &input.org).await?;
        let owner = match input.service_account_id {
            Some(id) => KeyOwner::ServiceAccount(validate::id("serviceAccountId", &id)?),
            None => KeyOwner::Caller,
        };
        let (key, secret) = api_keys::create(app, &access, owner, &input.name, input.expires_at).await?;
        Ok(CreatedApiKey { api_key: ApiKeyObject(key), secret })
    }

    /// Revokes a key: your own, or any with `api_key.revoke`.
    async fn revoke_api_key(&self, ctx: &Context<'_>, id: ID) -> Result<ApiKeyObject> {
        let app = app(ctx)?;
        let id: ApiKeyId = validate::id("id", &id)?;
        let access = NodeId::ApiKey(id).enter(app, principal(ctx)?).await?;
        Ok(ApiKeyObject(api_keys::revoke(app, &access, id).await?))
    }
}
