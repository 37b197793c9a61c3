//! `setSecret`, `deleteSecret`: an organization's secrets go in and never come out.

use async_graphql::{Context, InputObject, Object, Result};

use crate::authz::{Domain, ops};
use crate::graphql::object::SecretObject;
use crate::graphql::{app, principal};
use crate::secrets::SecretValue;
use crate::services::{orgs, secrets};

#[derive(InputObject)]
pub struct SetSecretInput {
    pub org: String,
    /// 1 to 64 of a-z, 0-9, '.', '_' and '-'. `llm.api_key` is the key the chat's LLM planner
    /// sends for this organization.
    pub name: String,
    /// Never returned, logged or audited; only its fingerprint is shown.
    #[graphql(secret)]
    pub value: String,
}

#[derive(Default)]
pub struct SecretMutation;

#[Object]
impl SecretMutation {
    /// Sets (or replaces) a secret. Needs `secret.manage` in the organization.
    async fn set_secret(&self, ctx: &Context<'_>, input: SetSecretInput) -> Result<SecretObject> {
        let app = app(ctx)?;
        let access = orgs::enter_by_slug(app, principal(ctx)?, &input.org).await?;
        let permit = access.permit::<ops::SecretManage>(Domain::Org)?;
        Ok(SecretObject(secrets::set(app, &permit, &input.name, SecretValue::new(input.value)).await?))
    }

    /// Deletes a secret. Needs `secret.manage` in the organization.
    async fn delete_secret(&self, ctx: &Context<'_>, org: String, name: String) -> Result<bool> {
        let app = app(ctx)?;
        let access = orgs::enter_by_slug(app, principal(ctx)?, &org).await?;
        let permit = access.permit::<ops::SecretManage>(Domain::Org)?;
        secrets::delete(app, &permit, &name).await?;
        Ok(true)
    }
}
