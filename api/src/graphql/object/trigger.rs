//! `Trigger`: an inbound trigger as the API shows it (its secret only as a fingerprint).

use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use praetor_store::trigger;

use crate::authz::OrgAccess;
use crate::graphql::app;
use crate::services::{projects, triggers};

pub struct TriggerObject {
    pub access: OrgAccess,
    pub model: trigger::Model,
}

#[Object(name = "Trigger")]
impl TriggerObject {
    pub async fn id(&self) -> ID {
        ID(self.model.id.to_string())
    }

    async fn name(&self) -> &str {
        &self.model.name
    }

    /// Where to POST: `/hooks/<id>`, relative to the server's address.
    async fn path(&self) -> String {
        format!("/hooks/{}", self.model.id)
    }

    async fn project_slug(&self, ctx: &Context<'_>) -> Result<String> {
        Ok(projects::find_by_id(app(ctx)?, &self.access, self.model.project_id).await?.slug)
    }

    /// The plan template each request proposes.
    async fn template(&self) -> &str {
        &self.model.template
    }

    /// Arguments given to the template; the request's JSON object is laid over them.
    async fn args(&self) -> Result<async_graphql::Json<serde_json::Value>> {
        let what = format_args!("the arguments of trigger {}", self.model.id);
        Ok(async_graphql::Json(crate::error::stored(what, &self.model.args)?))
    }

    /// The service account that proposes (its roles decide what the trigger may do).
    async fn service_account(&self, ctx: &Context<'_>) -> Result<String> {
        Ok(triggers::service_account_of(app(ctx)?, &self.model).await?.name)
    }

    async fn enabled(&self) -> bool {
        self.model.enabled
    }

    async fn secret_fingerprint(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        Ok(triggers::secret_fingerprint(app(ctx)?, &self.model).await?)
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }
}

/// A new trigger, or one whose secret was rotated: `secret` is shown this once.
#[derive(SimpleObject)]
pub struct TriggerWithSecret {
    pub trigger: TriggerObject,
    /// `whsec_…`: sign requests with it (Standard Webhooks).
    pub secret: String,
}
