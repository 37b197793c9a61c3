//! Inbound triggers: create (the secret shown once), enable or disable, rotate the secret,
//! delete. All need `trigger.manage` in the organization.

use async_graphql::{Context, ID, InputObject, Json, Object, Result};
use praetor_store::TriggerId;

use crate::authz::{Domain, OrgAccess, Permit, ops};
use crate::graphql::object::{TriggerObject, TriggerWithSecret};
use crate::graphql::{app, principal};
use crate::services::locate::NodeId;
use crate::services::{orgs, projects, triggers, validate};

#[derive(InputObject)]
pub struct CreateTriggerInput {
    pub org: String,
    pub project: String,
    /// A slug, unique in the project.
    pub name: String,
    /// The plan template each request proposes.
    pub template: String,
    /// Fixed arguments; the request's JSON object is laid over them.
    pub args: Option<Json<serde_json::Value>>,
    /// The service account's name: requests propose as it.
    pub service_account: String,
}

async fn trigger_permit(ctx: &Context<'_>, id: &ID) -> Result<(OrgAccess, Permit<ops::TriggerManage>, TriggerId)> {
    let id: TriggerId = validate::id("id", id)?;
    let access = NodeId::Trigger(id).enter(app(ctx)?, principal(ctx)?).await?;
    let permit = access.permit::<ops::TriggerManage>(Domain::Org)?;
    Ok((access, permit, id))
}

#[derive(Default)]
pub struct TriggerMutation;

#[Object]
impl TriggerMutation {
    /// Creates a trigger at `/hooks/<id>`. The answer carries its secret, shown this once.
    async fn create_trigger(&self, ctx: &Context<'_>, input: CreateTriggerInput) -> Result<TriggerWithSecret> {
        let app = app(ctx)?;
        let access = orgs::enter_by_slug(app, principal(ctx)?, &input.org).await?;
        let permit = access.permit::<ops::TriggerManage>(Domain::Org)?;
        let project = projects::find_by_slug(app, &access, &input.project).await?;
        let args = input.args.map(|j| j.0).unwrap_or_else(|| serde_json::json!({}));
        let (model, secret) =
            triggers::create(app, &permit, &project, &input.name, &input.template, args, &input.service_account)
                .await?;
        Ok(TriggerWithSecret { trigger: TriggerObject { access, model }, secret: secret.expose().to_string() })
    }

    /// Enables or disables a trigger; a disabled one refuses every request.
    async fn set_trigger_enabled(&self, ctx: &Context<'_>, id: ID, enabled: bool) -> Result<TriggerObject> {
        let (access, permit, id) = trigger_permit(ctx, &id).await?;
        let model = triggers::set_enabled(app(ctx)?, &permit, id, enabled).await?;
        Ok(TriggerObject { access, model })
    }

    /// A new secret, shown this once; the old one stops working at once.
    async fn rotate_trigger_secret(&self, ctx: &Context<'_>, id: ID) -> Result<TriggerWithSecret> {
        let (access, permit, id) = trigger_permit(ctx, &id).await?;
        let (model, secret) = triggers::rotate_secret(app(ctx)?, &permit, id).await?;
        Ok(TriggerWithSecret { trigger: TriggerObject { access, model }, secret: secret.expose().to_string() })
    }

    async fn delete_trigger(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        let (_, permit, id) = trigger_permit(ctx, &id).await?;
        triggers::delete(app(ctx)?, &permit, id).await?;
        Ok(true)
    }
}
