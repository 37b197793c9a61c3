//! `scheduledJobs`: the instance's timed jobs, for instance administrators.

use async_graphql::{Context, Object, Result};

use crate::authz::InstanceAdmin;
use crate::graphql::object::ScheduledJobObject;
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
}
