//! `scheduledJobs` and `instanceRollups`: the instance's timed jobs and every organization's
//! rollups, for instance administrators.

use async_graphql::{Context, Object, Result};

use crate::authz::InstanceAdmin;
use chrono::{DateTime, Utc};

use crate::graphql::object::{GranularityGql, InstanceRollups, OrgRollup, RollupPoint, ScheduledJobObject};
use crate::graphql::{app, principal};

#[derive(Default)]
pub struct SchedulerQuery;

#[Object]
impl SchedulerQuery {
    /// Every timed job with its last run and next slot (instance administrators only).
    async fn scheduled_jobs(&self, ctx: &Context<'_>) -> Result<Vec<ScheduledJobObject>> {
        InstanceAdmin::check(principal(ctx)?)?;
        Ok(crate::scheduler::status(app(ctx)?).await?.into_iter().map(ScheduledJobObject).collect())
    }

    /// Every organization's rollups over `[from, to)`: the instance's series (one point per
    /// hour or UTC day) and each organization's total, most plans first (instance
    /// administrators only).
    async fn instance_rollups(
        &self,
        ctx: &Context<'_>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        #[graphql(default_with = "GranularityGql::Day")] granularity: GranularityGql,
    ) -> Result<InstanceRollups> {
        InstanceAdmin::check(principal(ctx)?)?;
        let app = app(ctx)?;
        let granularity = granularity.into();
        let (points, per_org) = crate::services::rollups::of_instance(app, granularity, from, to).await?;
        let mut orgs = Vec::new();
        for (org, totals) in per_org {
            orgs.push(OrgRollup { slug: org.slug, name: org.name, totals: RollupPoint::new(from, &totals) });
        }
        Ok(InstanceRollups { points: RollupPoint::series(granularity, from, to, points), orgs })
    }
}
