//! `Project`.

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, Json, Object, Result};
use chrono::{DateTime, Utc};
use praetor_store::{ChatSessionId, PlanId, project};

use super::{OrgObject, PlanObject, connection, page_complexity};
use crate::authz::ops;
use crate::authz::{Domain, OrgAccess};
use crate::chat::sessions as chat;
use crate::engine::store;
use crate::graphql::app;
use crate::services::page::PageArgs;
use crate::services::{agents, governance, plans};

pub struct ProjectObject {
    access: OrgAccess,
    model: project::Model,
}

impl ProjectObject {
    pub fn new(access: OrgAccess, model: project::Model) -> Self {
        Self { access, model }
    }
}

#[Object(name = "Project")]
impl ProjectObject {
    pub async fn id(&self) -> ID {
        ID(self.model.id.to_string())
    }

    async fn slug(&self) -> &str {
        &self.model.slug
    }

    async fn name(&self) -> &str {
        &self.model.name
    }

    async fn description(&self) -> &str {
        &self.model.description
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }

    async fn org(&self) -> OrgObject {
        OrgObject(self.access.clone())
    }

    /// Plans of the project, newest first, optionally only those in `status`.
    #[graphql(complexity = "page_complexity(first, child_complexity)")]
    async fn plans(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        status: Option<super::PlanStatusGql>,
    ) -> Result<Connection<String, PlanObject>> {
        let args = PageArgs::<PlanId>::parse(first, after.as_deref())?;
        let page = plans::list(app(ctx)?, &self.access, self.model.id, status.map(Into::into), args).await?;
        Ok(connection(page, args.after.is_some(), |p| p.id.to_string(), |p| PlanObject::new(self.access.clone(), p)))
    }

    /// The project's scheduled plans, by name. Needs `plan.read`.
    async fn schedules(&self, ctx: &Context<'_>) -> Result<Vec<super::ScheduleObject>> {
        let permit = self.access.permit::<ops::PlanRead>(Domain::Project(self.model.id))?;
        Ok(crate::services::schedules::list(app(ctx)?, &permit)
            .await?
            .into_iter()
            .map(|model| super::ScheduleObject { access: self.access.clone(), model })
            .collect())
    }

    /// The policy in force for this project (instance pack, organization, project), with the
    /// origin of every rule. Needs `policy.read`. At most once per operation.
    #[graphql(complexity = "50 + child_complexity")]
    async fn effective_policy(&self, ctx: &Context<'_>) -> Result<super::EffectivePolicy> {
        self.access.permit::<ops::PolicyRead>(Domain::Project(self.model.id))?;
        let app = app(ctx)?;
        Ok(super::EffectivePolicy(app.policies.effective(&app.db, self.access.tenant(), Some(self.model.id)).await?))
    }

    /// The project's own policy versions, newest first. Needs `policy.read`.
    #[graphql(complexity = "page_complexity(first, child_complexity)")]
    async fn policy_versions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, super::PolicyVersionObject>> {
        let args = PageArgs::<i64>::parse(first, after.as_deref())?;
        let page = crate::services::policies::list(app(ctx)?, &self.access, Some(self.model.id), args).await?;
        Ok(connection(page, args.after.is_some(), |v| v.version.to_string(), super::PolicyVersionObject))
    }

    /// The project's state document. Needs `state.read`.
    async fn state(&self, ctx: &Context<'_>) -> Result<Json<serde_json::Value>> {
        self.access.permit::<ops::StateRead>(Domain::Project(self.model.id))?;
        Ok(Json(store::current_state(&app(ctx)?.db, self.access.tenant(), self.model.id).await?))
    }

    /// Today's budget of the project: its limit (when policy sets one), spent, reserved and
    /// what is left, and when the day turns over.
    async fn budget(&self, ctx: &Context<'_>) -> Result<super::Budget> {
        Ok(governance::budget(app(ctx)?, &self.access, Some(self.model.id)).await?.into())
    }

    /// Today's budget of the project projected to its reset, and when it runs out.
    async fn budget_forecast(&self, ctx: &Context<'_>) -> Result<super::BudgetForecast> {
        let (status, f) =
            crate::services::forecasts::budget_forecast(app(ctx)?, &self.access, Some(self.model.id)).await?;
        Ok(super::BudgetForecast::new(status, f))
    }

    /// A daily limit recommended from the project's spending, with the evidence. Needs
    /// `project.read`; applying it needs `policy.write` (`applyBudgetRecommendation`).
    async fn budget_recommendation(&self, ctx: &Context<'_>) -> Result<super::BudgetRecommendation> {
        Ok(crate::services::budget_advice::of_project(app(ctx)?, &self.access, self.model.id).await?.into())
    }

    /// The kill switch stopping work in the project now (the instance's, the organization's
    /// or the project's own), if any.
    async fn kill_switch(&self, ctx: &Context<'_>) -> Result<Option<super::KillSwitchInForce>> {
        Ok(governance::kill_switch(app(ctx)?, &self.access, Some(self.model.id)).await?.map(Into::into))
    }

    /// Autonomous mode for unattended plans, and whether an approver paused it.
    async fn autonomy(&self, ctx: &Context<'_>) -> Result<super::AutonomyStatus> {
        Ok(governance::autonomy(app(ctx)?, &self.access, &self.model).await?.into())
    }

    /// Every rate limit that applies in the project, with its current use.
    async fn rate_limits(&self, ctx: &Context<'_>) -> Result<Vec<super::RateLimitStatus>> {
        Ok(governance::rate_limits(app(ctx)?, &self.access, self.model.id).await?.into_iter().map(Into::into).collect())
    }

    /// The execution windows that apply in the project, and whether each is open now.
    async fn windows(&self, ctx: &Context<'_>) -> Result<Vec<super::ExecutionWindow>> {
        Ok(governance::windows(app(ctx)?, &self.access, self.model.id).await?.into_iter().map(Into::into).collect())
    }

    /// Chat sessions of the project, newest first; `mine` keeps the caller's own. Needs
    /// `chat.read`.
    #[graphql(complexity = "page_complexity(first, child_complexity)")]
    async fn chat_sessions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(default)] mine: bool,
    ) -> Result<Connection<String, super::ChatSessionObject>> {
        let args = PageArgs::<ChatSessionId>::parse(first, after.as_deref())?;
        let page = chat::list(app(ctx)?, &self.access, self.model.id, mine, args).await?;
        Ok(connection(
            page,
            args.after.is_some(),
            |s| s.id.to_string(),
            |s| super::ChatSessionObject::new(self.access.clone(), s),
        ))
    }

    /// Which agents take part in the project's chat, and how their proposals are arbitrated.
    async fn chat_settings(&self, ctx: &Context<'_>) -> Result<super::ProjectChatSettings> {
        let (list, strategy) = agents::of_project(app(ctx)?, &self.access, self.model.id).await?;
        Ok(super::ProjectChatSettings::new(list, strategy))
    }

    /// SHA-256 of the canonical state document. Needs `state.read`.
    async fn state_hash(&self, ctx: &Context<'_>) -> Result<String> {
        self.access.permit::<ops::StateRead>(Domain::Project(self.model.id))?;
        let s = store::current_state(&app(ctx)?.db, self.access.tenant(), self.model.id).await?;
        Ok(praetor_domain::state::hash(&s))
    }
}
