//! Outbound webhook endpoints: create (the secret shown once), update, delete, rotate the
//! secret, send a test, redeliver. All need `webhook.manage` in the organization.

use async_graphql::{Context, ID, InputObject, Object, Result};
use praetor_store::{WebhookDeliveryId, WebhookEndpointId};

use crate::authz::{Domain, OrgAccess, Permit, ops};
use crate::graphql::object::{WebhookDeliveryObject, WebhookEndpointObject, WebhookEndpointWithSecret};
use crate::graphql::{app, principal};
use crate::services::locate::NodeId;
use crate::services::webhooks::{self, EndpointChange, EndpointSpec};
use crate::services::{orgs, projects, validate};

#[derive(InputObject)]
pub struct CreateWebhookEndpointInput {
    pub org: String,
    /// A project's slug: only that project's events. Omit for the whole organization's.
    pub project: Option<String>,
    /// http(s); private, loopback and link-local addresses are refused unless the instance
    /// allows them (`webhooks.allow_private_networks`).
    pub url: String,
    /// Event kinds (see `Org.webhookEventKinds`).
    pub events: Vec<String>,
    #[graphql(default)]
    pub description: String,
}

#[derive(InputObject)]
pub struct UpdateWebhookEndpointInput {
    pub id: ID,
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    pub description: Option<String>,
    /// `false` disables it (pending deliveries are given up); `true` enables it again.
    pub enabled: Option<bool>,
}

async fn endpoint_permit(
    ctx: &Context<'_>,
    id: &ID,
) -> Result<(OrgAccess, Permit<ops::WebhookManage>, WebhookEndpointId)> {
    let id: WebhookEndpointId = validate::id("id", id)?;
    let access = NodeId::WebhookEndpoint(id).enter(app(ctx)?, principal(ctx)?).await?;
    let permit = access.permit::<ops::WebhookManage>(Domain::Org)?;
    Ok((access, permit, id))
}

#[derive(Default)]
pub struct WebhookMutation;

#[Object]
impl WebhookMutation {
    /// Subscribes an endpoint to some of the organization's events. The answer carries its
    /// signing secret, shown this once.
    async fn create_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        input: CreateWebhookEndpointInput,
    ) -> Result<WebhookEndpointWithSecret> {
        let app = app(ctx)?;
        let access = orgs::enter_by_slug(app, principal(ctx)?, &input.org).await?;
        let permit = access.permit::<ops::WebhookManage>(Domain::Org)?;
        let project = match &input.project {
            Some(slug) => Some(projects::find_by_slug(app, &access, slug).await?),
            None => None,
        };
        let spec = EndpointSpec { url: input.url, events: input.events, description: input.description };
        let (model, secret) = webhooks::create(app, &permit, project.as_ref(), spec).await?;
        Ok(WebhookEndpointWithSecret {
            endpoint: WebhookEndpointObject { access, model },
            secret: secret.expose().to_string(),
        })
    }

    async fn update_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        input: UpdateWebhookEndpointInput,
    ) -> Result<WebhookEndpointObject> {
        let (access, permit, id) = endpoint_permit(ctx, &input.id).await?;
        let change = EndpointChange {
            url: input.url,
            events: input.events,
            description: input.description,
            enabled: input.enabled,
        };
        let model = webhooks::update(app(ctx)?, &permit, id, change).await?;
        Ok(WebhookEndpointObject { access, model })
    }

    /// Deletes an endpoint with its delivery log and secrets.
    async fn delete_webhook_endpoint(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        let (_, permit, id) = endpoint_permit(ctx, &id).await?;
        webhooks::delete(app(ctx)?, &permit, id).await?;
        Ok(true)
    }

    /// A new signing secret, shown this once; the previous one keeps signing alongside for
    /// `webhooks.previous_secret_hours` (24 by default).
    async fn rotate_webhook_secret(&self, ctx: &Context<'_>, id: ID) -> Result<WebhookEndpointWithSecret> {
        let (access, permit, id) = endpoint_permit(ctx, &id).await?;
        let (model, secret) = webhooks::rotate_secret(app(ctx)?, &permit, id).await?;
        Ok(WebhookEndpointWithSecret {
            endpoint: WebhookEndpointObject { access, model },
            secret: secret.expose().to_string(),
        })
    }

    /// Sends a `webhook.test` event to the endpoint.
    async fn send_test_webhook(&self, ctx: &Context<'_>, id: ID) -> Result<WebhookDeliveryObject> {
        let (_, permit, id) = endpoint_permit(ctx, &id).await?;
        Ok(WebhookDeliveryObject(webhooks::send_test(app(ctx)?, &permit, id).await?))
    }

    /// Sends a delivery again, now, with the same `webhook-id` and a fresh set of retries.
    async fn redeliver_webhook(&self, ctx: &Context<'_>, id: ID) -> Result<WebhookDeliveryObject> {
        let app = app(ctx)?;
        let id: WebhookDeliveryId = validate::id("id", &id)?;
        let access = NodeId::WebhookDelivery(id).enter(app, principal(ctx)?).await?;
        let permit = access.permit::<ops::WebhookManage>(Domain::Org)?;
        Ok(WebhookDeliveryObject(webhooks::redeliver(app, &permit, id).await?))
    }
}
