//! A scheduled plan: a project's plan template, proposed on a cron schedule (in a time zone)
//! as a service account, through the one decision pipeline like any proposal. `next_run_at` is
//! the slot due next (none while paused); each slot is claimed once in `scheduled_runs`.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "schedules")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: ScheduleId,
    pub org_id: OrgId,
    pub project_id: ProjectId,
    pub name: String,
    /// With seconds: `sec min hour day-of-month month day-of-week`.
    pub cron: String,
    /// An IANA zone the schedule's times are read in (`Europe/Berlin`).
    pub timezone: String,
    pub template: String,
    /// The template's arguments (a JSON object).
    #[sea_orm(column_type = "Text")]
    pub args: String,
    /// `skip`, `queue` or `cancel_previous`: what a slot does while the last run is unfinished.
    pub overlap: String,
    /// Whether a slot missed while no node ran is run on return (within the catch-up window).
    pub catch_up: bool,
    pub service_account_id: ServiceAccountId,
    pub paused: bool,
    pub next_run_at: Option<DateTimeUtc>,
    pub last_slot: Option<DateTimeUtc>,
    pub last_plan_id: Option<PlanId>,
    /// What the last slot came to, in words (empty before the first).
    #[sea_orm(column_type = "Text")]
    pub last_outcome: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
