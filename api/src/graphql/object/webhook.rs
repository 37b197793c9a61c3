//! Outbound webhooks as the API shows them: endpoints (never their secrets, only a
//! fingerprint), deliveries with every attempt, and the event kinds one can subscribe to.

use async_graphql::connection::Connection;
use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use praetor_store::{WebhookDeliveryId, webhook_attempt, webhook_delivery, webhook_endpoint};

use super::{connection, page_complexity};
use crate::authz::OrgAccess;
use crate::graphql::app;
use crate::services::page::PageArgs;
use crate::services::{projects, webhooks};
use crate::webhooks::outbox;

/// Where a delivery stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "WebhookDeliveryStatus")]
pub enum WebhookDeliveryStatusGql {
    /// Waiting for its next attempt.
    Pending,
    /// The endpoint answered 2xx.
    Delivered,
    /// Given up: retries spent, or the endpoint disabled.
    Failed,
}

impl WebhookDeliveryStatusGql {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => outbox::PENDING,
            Self::Delivered => outbox::DELIVERED,
            Self::Failed => outbox::FAILED,
        }
    }

    fn of(stored: &str) -> Result<Self> {
        Ok(crate::error::stored_value("a webhook delivery's status", stored, |s| match s {
            outbox::PENDING => Some(Self::Pending),
            outbox::DELIVERED => Some(Self::Delivered),
            outbox::FAILED => Some(Self::Failed),
            _ => None,
        })?)
    }
}

pub struct WebhookEndpointObject {
    pub access: OrgAccess,
    pub model: webhook_endpoint::Model,
}

#[Object(name = "WebhookEndpoint")]
impl WebhookEndpointObject {
    pub async fn id(&self) -> ID {
        ID(self.model.id.to_string())
    }

    async fn url(&self) -> &str {
        &self.model.url
    }

    async fn description(&self) -> &str {
        &self.model.description
    }

    /// The event kinds it receives.
    async fn events(&self) -> Result<Vec<String>> {
        Ok(outbox::events_of(&self.model)?)
    }

    /// The project whose events it receives; null: the whole organization's.
    async fn project_slug(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        match self.model.project_id {
            Some(p) => Ok(Some(projects::find_by_id(app(ctx)?, &self.access, p).await?.slug)),
            None => Ok(None),
        }
    }

    async fn enabled(&self) -> bool {
        self.model.enabled
    }

    /// Why it is disabled: by an administrator, a 410 answer, or failing for too long.
    async fn disabled_reason(&self) -> Option<&str> {
        self.model.disabled_reason.as_deref()
    }

    /// Since when every attempt has failed, if they have.
    async fn failing_since(&self) -> Option<DateTime<Utc>> {
        self.model.failing_since
    }

    /// The fingerprint of the current signing secret (the secret itself is shown only when
    /// made).
    async fn secret_fingerprint(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        Ok(webhooks::secret_fingerprint(app(ctx)?, &self.model).await?)
    }

    /// Until when the previous secret still signs alongside, after a rotation.
    async fn previous_secret_signs_until(&self, ctx: &Context<'_>) -> Result<Option<DateTime<Utc>>> {
        let now = app(ctx)?.clock.now();
        Ok(self.model.previous_secret_until.filter(|t| *t > now))
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.model.updated_at
    }

    /// Its deliveries, newest first.
    #[graphql(complexity = "page_complexity(first, child_complexity)")]
    async fn deliveries(
        &self,
        ctx: &Context<'_>,
        status: Option<WebhookDeliveryStatusGql>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, WebhookDeliveryObject>> {
        let args = PageArgs::<WebhookDeliveryId>::parse(first, after.as_deref())?;
        let page = webhooks::deliveries(app(ctx)?, &self.model, status.map(|s| s.as_str()), args).await?;
        Ok(connection(page, args.after.is_some(), |d| d.id.to_string(), WebhookDeliveryObject))
    }
}

pub struct WebhookDeliveryObject(pub webhook_delivery::Model);

#[Object(name = "WebhookDelivery")]
impl WebhookDeliveryObject {
    /// Also the `webhook-id` header: the same on every attempt.
    pub async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn endpoint_id(&self) -> ID {
        ID(self.0.endpoint_id.to_string())
    }

    async fn event_type(&self) -> &str {
        &self.0.event_type
    }

    async fn status(&self) -> Result<WebhookDeliveryStatusGql> {
        WebhookDeliveryStatusGql::of(&self.0.status)
    }

    /// Attempts made since it was created or last redelivered.
    async fn attempt_count(&self) -> i32 {
        self.0.attempts
    }

    /// When the next attempt is due (pending deliveries).
    async fn next_attempt_at(&self) -> Option<DateTime<Utc>> {
        (self.0.status == outbox::PENDING).then_some(self.0.next_attempt_at)
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn finished_at(&self) -> Option<DateTime<Utc>> {
        self.0.finished_at
    }

    /// The body sent, as JSON text.
    async fn payload(&self) -> &str {
        &self.0.payload
    }

    /// Every attempt, oldest first.
    async fn attempts(&self, ctx: &Context<'_>) -> Result<Vec<WebhookAttemptObject>> {
        Ok(webhooks::attempts(app(ctx)?, &self.0).await?.into_iter().map(WebhookAttemptObject).collect())
    }
}

pub struct WebhookAttemptObject(pub webhook_attempt::Model);

#[Object(name = "WebhookAttempt")]
impl WebhookAttemptObject {
    async fn attempted_at(&self) -> DateTime<Utc> {
        self.0.attempted_at
    }

    /// The HTTP status, if the endpoint answered.
    async fn status_code(&self) -> Option<i32> {
        self.0.status_code
    }

    async fn latency_ms(&self) -> i32 {
        self.0.latency_ms.clamp(0, i64::from(i32::MAX)) as i32
    }

    /// The start of the answer (at most 1 KiB), or why there was none.
    async fn response(&self) -> &str {
        &self.0.response
    }

    async fn succeeded(&self) -> bool {
        self.0.succeeded
    }
}

/// A new endpoint, or one whose secret was rotated: `secret` is shown this once.
#[derive(SimpleObject)]
pub struct WebhookEndpointWithSecret {
    pub endpoint: WebhookEndpointObject,
    /// `whsec_…`: verify signatures with it (Standard Webhooks).
    pub secret: String,
}

/// An event kind endpoints can subscribe to.
#[derive(SimpleObject)]
pub struct WebhookEventKind {
    pub name: String,
    pub description: String,
}

impl WebhookEventKind {
    pub fn all() -> Vec<Self> {
        crate::webhooks::EVENT_TYPES
            .iter()
            .map(|(name, _, about)| Self { name: name.to_string(), description: about.to_string() })
            .collect()
    }
}
