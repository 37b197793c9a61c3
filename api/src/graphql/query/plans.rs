//! `plan(id)` and `approvalRequests(org)`.

use async_graphql::{Context, ID, Object, Result, SimpleObject};
use praetor_store::PlanId;

use crate::engine::replay;

use crate::graphql::object::PlanObject;
use crate::graphql::{app, principal};
use crate::services::locate::NodeId;
use crate::services::{orgs, plans, validate};

/// The result of a replay: identical, or where and how it diverged.
#[derive(SimpleObject)]
pub struct ReplayReport {
    pub identical: bool,
    pub events: u64,
    pub state_hash: Option<String>,
    pub decisions_checked: u64,
    /// The 1-based event position where the replay diverged.
    pub diverged_at: Option<i64>,
    pub reason: Option<String>,
    pub recorded: Option<String>,
    pub recomputed: Option<String>,
}

impl From<replay::Report> for ReplayReport {
    fn from(r: replay::Report) -> Self {
        Self {
            identical: r.identical(),
            events: r.events as u64,
            state_hash: r.state_hash.clone(),
            decisions_checked: r.decisions_checked as u64,
            diverged_at: r.divergence.as_ref().map(|d| d.at_event),
            reason: r.divergence.as_ref().map(|d| d.reason.clone()),
            recorded: r.divergence.as_ref().and_then(|d| d.recorded.clone()),
            recomputed: r.divergence.as_ref().and_then(|d| d.recomputed.clone()),
        }
    }
}

#[derive(Default)]
pub struct PlanQuery;

#[Object]
impl PlanQuery {
    /// A plan the caller may read; NOT_FOUND otherwise.
    async fn plan(&self, ctx: &Context<'_>, id: ID) -> Result<PlanObject> {
        let app = app(ctx)?;
        let id: PlanId = validate::id("id", &id)?;
        let access = NodeId::Plan(id).enter(app, principal(ctx)?).await?;
        let p = plans::find(app, &access, id).await?;
        Ok(PlanObject::new(access, p))
    }

    /// Folds the plan's recorded events again (calling no handler), checks every state hash and
    /// re-decides every executed step. Needs `plan.read`. Expensive: at most once per operation.
    #[graphql(complexity = "100 + child_complexity")]
    async fn replay_plan(&self, ctx: &Context<'_>, id: ID) -> Result<ReplayReport> {
        let app = app(ctx)?;
        let id: PlanId = validate::id("id", &id)?;
        let access = NodeId::Plan(id).enter(app, principal(ctx)?).await?;
        Ok(plans::replay(app, &access, id).await?.into())
    }

    /// Replays every state change of a project from empty state and compares with the stored
    /// state. Needs `state.read`. Expensive: at most once per operation.
    #[graphql(complexity = "1000 + child_complexity")]
    async fn replay_project(&self, ctx: &Context<'_>, org: String, slug: String) -> Result<ReplayReport> {
        let app = app(ctx)?;
        let access = orgs::enter_by_slug(app, principal(ctx)?, &org).await?;
        Ok(plans::replay_project(app, &access, &slug).await?.into())
    }

    /// Plans in `org` waiting for an approval stage the caller can give now.
    async fn approval_requests(&self, ctx: &Context<'_>, org: String) -> Result<Vec<PlanObject>> {
        let app = app(ctx)?;
        let access = orgs::enter_by_slug(app, principal(ctx)?, &org).await?;
        Ok(plans::approval_requests(app, &access)
            .await?
            .into_iter()
            .map(|p| PlanObject::new(access.clone(), p))
            .collect())
    }
}
