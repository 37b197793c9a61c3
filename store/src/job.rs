//! A durable job: run (or resume) a plan at or after run_at.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "jobs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: JobId,
    pub org_id: OrgId,
    pub plan_id: PlanId,
    pub kind: String,
    pub run_at: DateTimeUtc,
    pub locked_by: Option<String>,
    pub locked_until: Option<DateTimeUtc>,
    pub attempts: i32,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

keyed_by_id!(tenant JobId);

// Queries.

/// Moves the jobs of these plans to run at `at` (a kill switch released, plans woken).
pub async fn run_plans_at<C: crate::Conn>(
    db: &C,
    tenant: crate::Tenant,
    plans: impl IntoIterator<Item = PlanId>,
    at: DateTimeUtc,
) -> Result<(), DbErr> {
    use crate::TenantScoped;
    use sea_orm::sea_query::Expr;
    Entity::update_in_org(tenant)
        .col_expr(Column::RunAt, Expr::value(at))
        .filter(Column::PlanId.is_in(plans))
        .exec(&tenant.on(db))
        .await
        .map(|_| ())
}

/// How many jobs are due by `now` and not held by a live worker, and since when the oldest
/// is due (housekeeping: metrics).
pub async fn due_stats<C: crate::Conn>(db: &C, now: DateTimeUtc) -> Result<Option<(i64, Option<DateTimeUtc>)>, DbErr> {
    use crate::TenantScoped;
    use sea_orm::QuerySelect;
    use sea_orm::sea_query::{Expr, ExprTrait};
    Entity::find_across_orgs(crate::Housekeeping::Metrics)
        .filter(Column::RunAt.lte(now))
        .filter(Column::LockedUntil.is_null().or(Column::LockedUntil.lt(now)))
        .select_only()
        .column_as(Expr::col(Column::Id).count(), "n")
        .column_as(Expr::col(Column::RunAt).min(), "oldest")
        .into_tuple()
        .one(&crate::Housekeeping::Metrics.on(db))
        .await
}

/// Writes `row` as its plan's one job; a plan already queued keeps its job, moved to the new
/// `run_at` and unclaimed.
pub async fn put<C: crate::Conn>(db: &C, row: Model) -> Result<(), DbErr> {
    use sea_orm::IntoActiveModel;
    use sea_orm::sea_query::OnConflict;
    let on = crate::on_row(db, &row);
    Entity::insert(row.into_active_model().reset_all())
        .on_conflict(
            OnConflict::column(Column::PlanId)
                .update_columns([Column::RunAt, Column::LockedBy, Column::LockedUntil])
                .to_owned(),
        )
        .exec_without_returning(&on)
        .await
        .map(|_| ())
}

/// Jobs due by `now` and not held by a live claim, in any organization or only `only_org`'s.
fn due(now: DateTimeUtc, only_org: Option<OrgId>) -> sea_orm::Select<Entity> {
    use crate::TenantScoped;
    use sea_orm::Condition;
    let mut q = Entity::find_across_orgs(crate::Housekeeping::Engine)
        .filter(Column::RunAt.lte(now))
        .filter(Condition::any().add(Column::LockedUntil.is_null()).add(Column::LockedUntil.lt(now)));
    if let Some(org) = only_org {
        q = q.filter(Column::OrgId.eq(org));
    }
    q
}

/// Whether any job is due (a plain read: an idle worker's poll takes no write lock).
pub async fn any_due<C: crate::Conn>(db: &C, now: DateTimeUtc, only_org: Option<OrgId>) -> Result<bool, DbErr> {
    Ok(due(now, only_org).one(&crate::Housekeeping::Engine.on(db)).await?.is_some())
}

/// The due job that has waited longest, locked for the transaction `db`; jobs other workers
/// hold locked are skipped (`SKIP LOCKED` on PostgreSQL), so two workers never take the same.
pub async fn lock_next_due<C: crate::Conn>(
    db: &C,
    now: DateTimeUtc,
    only_org: Option<OrgId>,
) -> Result<Option<Model>, DbErr> {
    use sea_orm::sea_query::{LockBehavior, LockType};
    use sea_orm::{QueryOrder, QuerySelect};
    due(now, only_org)
        .order_by_asc(Column::RunAt)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .one(&crate::Housekeeping::Engine.on(db))
        .await
}

/// The oldest due job of the first organization, in id order after `after` (from the first
/// when `None`), that has one, locked for the transaction `db` (`SKIP LOCKED` as in
/// [`lock_next_due`]): a claim that goes round the organizations in turn.
pub async fn lock_next_due_after<C: crate::Conn>(
    db: &C,
    now: DateTimeUtc,
    only_org: Option<OrgId>,
    after: Option<OrgId>,
) -> Result<Option<Model>, DbErr> {
    use sea_orm::sea_query::{LockBehavior, LockType};
    use sea_orm::{QueryOrder, QuerySelect};
    let mut q = due(now, only_org);
    if let Some(org) = after {
        q = q.filter(Column::OrgId.gt(org));
    }
    q.order_by_asc(Column::OrgId)
        .order_by_asc(Column::RunAt)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .one(&crate::Housekeeping::Engine.on(db))
        .await
}

/// Finishes a job (engine: the job it claimed).
pub async fn finish<C: crate::Conn>(db: &C, id: JobId) -> Result<(), DbErr> {
    use crate::TenantScoped;
    Entity::delete_across_orgs(crate::Housekeeping::Engine)
        .filter(Column::Id.eq(id))
        .exec(&crate::Housekeeping::Engine.on(db))
        .await
        .map(|_| ())
}

/// Unclaims a job and sets it to run again at `run_at`, noting the error it last met.
pub async fn release_until<C: crate::Conn>(
    db: &C,
    id: JobId,
    run_at: DateTimeUtc,
    error: Option<String>,
) -> Result<(), DbErr> {
    use crate::TenantScoped;
    use sea_orm::sea_query::Expr;
    Entity::update_across_orgs(crate::Housekeeping::Engine)
        .col_expr(Column::RunAt, Expr::value(run_at))
        .col_expr(Column::LockedBy, Expr::value(Option::<String>::None))
        .col_expr(Column::LockedUntil, Expr::value(Option::<DateTimeUtc>::None))
        .col_expr(Column::LastError, Expr::value(error))
        .filter(Column::Id.eq(id))
        .exec(&crate::Housekeeping::Engine.on(db))
        .await
        .map(|_| ())
}

/// Extends `worker`'s claim on a job to `until`; `false` when the worker no longer holds it.
pub async fn extend_claim<C: crate::Conn>(db: &C, id: JobId, worker: &str, until: DateTimeUtc) -> Result<bool, DbErr> {
    use crate::TenantScoped;
    use sea_orm::sea_query::Expr;
    let res = Entity::update_across_orgs(crate::Housekeeping::Engine)
        .col_expr(Column::LockedUntil, Expr::value(Some(until)))
        .filter(Column::Id.eq(id))
        .filter(Column::LockedBy.eq(worker))
        .exec(&crate::Housekeeping::Engine.on(db))
        .await?;
    Ok(res.rows_affected == 1)
}
