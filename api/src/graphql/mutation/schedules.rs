//! Scheduled plans: create, pause, resume, delete. All need `schedule.manage` in the project.

use async_graphql::{Context, ID, InputObject, Json, Object, Result};
use praetor_store::ScheduleId;

use crate::authz::{Domain, OrgAccess, Permit, ops};
use crate::graphql::object::{OverlapGql, ScheduleObject};
use crate::graphql::{app, principal};
use crate::services::locate::NodeId;
use crate::services::schedules::{self, NewSchedule};
use crate::services::{orgs, projects, validate};

#[derive(InputObject)]
pub struct CreateScheduleInput {
    pub org: String,
    pub project: String,
    /// A slug, unique in the project.
    pub name: String,
    /// Cron with seconds optional: `30 9 * * MON-FRI` or `0 30 9 * * MON-FRI`.
    pub cron: String,
    /// The IANA time zone the cron's times are read in (DST-correct). Default UTC.
    #[graphql(default_with = "String::from(\"UTC\")")]
    pub timezone: String,
    /// The plan template each slot proposes.
    pub template: String,
    pub args: Option<Json<serde_json::Value>>,
    /// While the last run's plan is unfinished. Default SKIP.
    #[graphql(default_with = "OverlapGql::Skip")]
    pub overlap: OverlapGql,
    /// Run a slot missed while no node ran when one comes back (within the catch-up window).
    #[graphql(default = true)]
    pub catch_up: bool,
    /// The service account's name: each slot proposes as it.
    pub service_account: String,
}

async fn schedule_permit(ctx: &Context<'_>, id: &ID) -> Result<(OrgAccess, Permit<ops::ScheduleManage>, ScheduleId)> {
    let id: ScheduleId = validate::id("id", id)?;
    let app = app(ctx)?;
    let access = NodeId::Schedule(id).enter(app, principal(ctx)?).await?;
    let (_, permit) = schedules::manage(app, &access, id).await?;
    Ok((access, permit, id))
}

#[derive(Default)]
pub struct ScheduleMutation;

#[Object]
impl ScheduleMutation {
    /// Schedules a plan template; its first slot is the next one after now.
    async fn create_schedule(&self, ctx: &Context<'_>, input: CreateScheduleInput) -> Result<ScheduleObject> {
        let app = app(ctx)?;
        let access = orgs::enter_by_slug(app, principal(ctx)?, &input.org).await?;
        let project = projects::find_by_slug(app, &access, &input.project).await?;
        let permit = access.permit::<ops::ScheduleManage>(Domain::Project(project.id))?;
        let new = NewSchedule {
            name: input.name,
            cron: input.cron,
            timezone: input.timezone,
            template: input.template,
            args: input.args.map(|j| j.0).unwrap_or_else(|| serde_json::json!({})),
            overlap: input.overlap.into(),
            catch_up: input.catch_up,
            service_account: input.service_account,
        };
        let model = schedules::create(app, &permit, &project, new).await?;
        Ok(ScheduleObject { access, model })
    }

    /// Pauses a schedule: no slot runs until it is resumed.
    async fn pause_schedule(&self, ctx: &Context<'_>, id: ID) -> Result<ScheduleObject> {
        let (access, permit, id) = schedule_permit(ctx, &id).await?;
        let model = schedules::set_paused(app(ctx)?, &permit, id, true).await?;
        Ok(ScheduleObject { access, model })
    }

    /// Resumes a schedule from its next slot after now (slots that passed while it was paused
    /// do not run).
    async fn resume_schedule(&self, ctx: &Context<'_>, id: ID) -> Result<ScheduleObject> {
        let (access, permit, id) = schedule_permit(ctx, &id).await?;
        let model = schedules::set_paused(app(ctx)?, &permit, id, false).await?;
        Ok(ScheduleObject { access, model })
    }

    async fn delete_schedule(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        let (_, permit, id) = schedule_permit(ctx, &id).await?;
        schedules::delete(app(ctx)?, &permit, id).await?;
        Ok(true)
    }
}
