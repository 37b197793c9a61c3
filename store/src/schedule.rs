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

keyed_by_id!(tenant ScheduleId);

// Queries.

use crate::{Conn, Housekeeping, Tenant, TenantScoped};
use sea_orm::sea_query::Expr;
use sea_orm::{QueryOrder, QuerySelect};

/// A project's schedules, by name.
pub async fn of_project<C: Conn>(db: &C, tenant: Tenant, project: ProjectId) -> Result<Vec<Model>, DbErr> {
    Entity::find_in_org(tenant)
        .filter(Column::ProjectId.eq(project))
        .order_by_asc(Column::Name)
        .all(&tenant.on(db))
        .await
}

/// Up to `limit` unpaused schedules with a slot due at `now`, oldest slot first, across
/// organizations or in `only` one (housekeeping: the scheduler).
pub async fn due<C: Conn>(db: &C, now: DateTimeUtc, only: Option<OrgId>, limit: u64) -> Result<Vec<Model>, DbErr> {
    let mut q = Entity::find_across_orgs(Housekeeping::Schedules)
        .filter(Column::Paused.eq(false))
        .filter(Column::NextRunAt.lte(now));
    if let Some(org) = only {
        q = q.filter(Column::OrgId.eq(org));
    }
    q.order_by_asc(Column::NextRunAt).limit(limit).all(&Housekeeping::Schedules.on(db)).await
}

/// Moves the schedule's next slot to `next` if it is unpaused and still due at `slot` or
/// before (no one else moved it).
pub async fn advance<C: Conn>(
    db: &C,
    tenant: Tenant,
    id: ScheduleId,
    slot: DateTimeUtc,
    next: Option<DateTimeUtc>,
) -> Result<(), DbErr> {
    Entity::update_in_org(tenant)
        .col_expr(Column::NextRunAt, Expr::value(next))
        .filter(Column::Id.eq(id))
        .filter(Column::Paused.eq(false))
        .filter(Column::NextRunAt.lte(slot))
        .exec(&tenant.on(db))
        .await
        .map(|_| ())
}

/// Keeps what a slot came to on the schedule: the slot, its outcome and the plan it proposed
/// (left as it was when `None`).
pub async fn record_slot<C: Conn>(
    db: &C,
    tenant: Tenant,
    id: ScheduleId,
    slot: DateTimeUtc,
    outcome: &str,
    plan: Option<PlanId>,
) -> Result<(), DbErr> {
    let mut update = Entity::update_in_org(tenant)
        .col_expr(Column::LastSlot, Expr::value(Some(slot)))
        .col_expr(Column::LastOutcome, Expr::value(outcome))
        .filter(Column::Id.eq(id));
    if let Some(plan) = plan {
        update = update.col_expr(Column::LastPlanId, Expr::value(Some(plan)));
    }
    update.exec(&tenant.on(db)).await.map(|_| ())
}
