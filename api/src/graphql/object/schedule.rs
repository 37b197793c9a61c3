//! `Schedule`: a scheduled plan as the API shows it, with its next slots and what its last
//! slot came to.

use async_graphql::{Context, Enum, ID, Object, Result};
use chrono::{DateTime, Utc};
use praetor_store::schedule;

use crate::authz::OrgAccess;
use crate::graphql::app;
use crate::services::{projects, schedules};

/// What a schedule's slot does while the plan of its last run is unfinished.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "ScheduleOverlap", remote = "praetor_domain::Overlap")]
pub enum OverlapGql {
    /// Nothing: the slot is recorded as skipped.
    Skip,
    /// Propose anyway; the new plan queues behind the unfinished one.
    Queue,
    /// Cancel the unfinished plan, then propose.
    CancelPrevious,
}

pub struct ScheduleObject {
    pub access: OrgAccess,
    pub model: schedule::Model,
}

#[Object(name = "Schedule")]
impl ScheduleObject {
    pub async fn id(&self) -> ID {
        ID(self.model.id.to_string())
    }

    async fn name(&self) -> &str {
        &self.model.name
    }

    async fn project_slug(&self, ctx: &Context<'_>) -> Result<String> {
        Ok(projects::find_by_id(app(ctx)?, &self.access, self.model.project_id).await?.slug)
    }

    /// Cron, seconds optional (`0 30 9 * * MON-FRI` or `30 9 * * MON-FRI`).
    async fn cron(&self) -> &str {
        &self.model.cron
    }

    /// The IANA time zone the cron's times are read in.
    async fn timezone(&self) -> &str {
        &self.model.timezone
    }

    /// The plan template each slot proposes.
    async fn template(&self) -> &str {
        &self.model.template
    }

    async fn args(&self) -> Result<async_graphql::Json<serde_json::Value>> {
        let what = format_args!("the arguments of schedule {}", self.model.id);
        Ok(async_graphql::Json(crate::error::stored(what, &self.model.args)?))
    }

    async fn overlap(&self) -> Result<OverlapGql> {
        Ok(schedules::overlap(&self.model)?.into())
    }

    /// Whether a slot missed while no node ran is run on return (within the instance's
    /// catch-up window) rather than recorded as skipped.
    async fn catch_up(&self) -> bool {
        self.model.catch_up
    }

    /// The service account each slot proposes as (its roles decide what the runs may do).
    async fn service_account(&self, ctx: &Context<'_>) -> Result<String> {
        Ok(schedules::service_account_of(app(ctx)?, &self.model).await?.name)
    }

    async fn paused(&self) -> bool {
        self.model.paused
    }

    /// The slot due next (none while paused).
    async fn next_run_at(&self) -> Option<DateTime<Utc>> {
        self.model.next_run_at
    }

    /// The next `count` slots (at most 20), from the slot due next or, while paused, from now.
    async fn upcoming(&self, ctx: &Context<'_>, #[graphql(default = 5)] count: i32) -> Result<Vec<DateTime<Utc>>> {
        let timing = schedules::timing(&self.model)?;
        let n = count.clamp(0, 20) as usize;
        let now = app(ctx)?.clock.now();
        let Some(first) = self.model.next_run_at.or_else(|| timing.next_after(now)) else {
            return Ok(Vec::new());
        };
        let mut out = vec![first];
        out.extend(timing.upcoming(first, n.saturating_sub(1)));
        out.truncate(n);
        Ok(out)
    }

    /// The last slot that came, and what it came to (`proposed pln_… (queued)`, `skipped: …`,
    /// `refused: RATE_LIMITED …`).
    async fn last_slot(&self) -> Option<DateTime<Utc>> {
        self.model.last_slot
    }

    async fn last_outcome(&self) -> Option<&str> {
        Some(self.model.last_outcome.as_str()).filter(|s| !s.is_empty())
    }

    /// The plan the last run proposed.
    async fn last_plan_id(&self) -> Option<ID> {
        self.model.last_plan_id.map(|p| ID(p.to_string()))
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }
}
