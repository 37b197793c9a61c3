//! One slot of a scheduled job on this database: the node that claimed it, until when (a node
//! that dies lets the lease lapse and another takes the slot over), and how it ended. Jobs are
//! the instance's own (housekeeping across organizations), so the rows belong to no
//! organization. Unique on `(job, slot)`.
use sea_orm::entity::prelude::*;

#[allow(unused_imports)]
use crate::ids::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "scheduled_runs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: ScheduledRunId,
    /// The job's key: its name, under the scheduler's namespace (and organization, for a node
    /// dedicated to one).
    pub job: String,
    /// The instant the job was due, by its schedule.
    pub slot: DateTimeUtc,
    pub node: String,
    /// `running`, `succeeded`, `failed` or `skipped`.
    pub status: String,
    /// Claims of this slot: more than one when a node's lease lapsed and another took it over.
    pub attempts: i32,
    /// Slots due since the previous recorded one that did not run on their own (nodes were
    /// down); this run covers them, or, skipped, records them.
    pub missed_slots: i64,
    pub claimed_at: DateTimeUtc,
    pub lease_until: Option<DateTimeUtc>,
    pub finished_at: Option<DateTimeUtc>,
    pub duration_ms: Option<i64>,
    /// What the run did ("3 expired"), or why it failed or was skipped.
    #[sea_orm(column_type = "Text")]
    pub detail: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

keyed_by_id!(shared ScheduledRunId);

// Queries.

/// The status of a job's slot, if it was claimed.
pub async fn status_of<C: crate::Conn>(db: &C, job: &str, slot: DateTimeUtc) -> Result<Option<String>, DbErr> {
    use crate::Shared;
    use sea_orm::QuerySelect;
    Entity::find_shared()
        .select_only()
        .column(Column::Status)
        .filter(Column::Job.eq(job))
        .filter(Column::Slot.eq(slot))
        .into_tuple()
        .one(&crate::shared(db))
        .await
}

/// Inserts the claim of a job's slot unless the slot is claimed already; answers whether it
/// was inserted.
pub async fn claim<C: crate::Conn>(db: &C, row: Model) -> Result<bool, DbErr> {
    use sea_orm::IntoActiveModel;
    use sea_orm::sea_query::OnConflict;
    let inserted = Entity::insert(row.into_active_model().reset_all())
        .on_conflict(OnConflict::columns([Column::Job, Column::Slot]).do_nothing().to_owned())
        .exec_without_returning(&crate::shared(db))
        .await?;
    Ok(inserted == 1)
}

/// Makes `node` the runner of a job's slot, one attempt more, if its status is `running` and
/// its lease ended before `now`; answers the row when it did.
pub async fn take_over<C: crate::Conn>(
    db: &C,
    job: &str,
    slot: DateTimeUtc,
    running: &str,
    node: &str,
    now: DateTimeUtc,
    lease_until: DateTimeUtc,
) -> Result<Option<Model>, DbErr> {
    use crate::Shared;
    use sea_orm::sea_query::{Expr, ExprTrait};
    let lapsed = Entity::update_shared()
        .col_expr(Column::Node, Expr::value(node))
        .col_expr(Column::Attempts, Expr::col(Column::Attempts).add(1))
        .col_expr(Column::ClaimedAt, Expr::value(now))
        .col_expr(Column::LeaseUntil, Expr::value(Some(lease_until)))
        .filter(Column::Job.eq(job))
        .filter(Column::Slot.eq(slot))
        .filter(Column::Status.eq(running))
        .filter(Column::LeaseUntil.lt(now))
        .exec(&crate::shared(db))
        .await?;
    if lapsed.rows_affected == 0 {
        return Ok(None);
    }
    Entity::find_shared().filter(Column::Job.eq(job)).filter(Column::Slot.eq(slot)).one(&crate::shared(db)).await
}

/// How a run ended.
#[derive(Debug, Clone)]
pub struct Finished {
    pub status: &'static str,
    pub detail: String,
    pub at: DateTimeUtc,
    pub duration_ms: i64,
}

/// Records how the run of `id` ended (its lease goes).
pub async fn finish<C: crate::Conn>(db: &C, id: ScheduledRunId, end: Finished) -> Result<(), DbErr> {
    use crate::Shared;
    use sea_orm::sea_query::Expr;
    Entity::update_shared()
        .col_expr(Column::Status, Expr::value(end.status))
        .col_expr(Column::Detail, Expr::value(end.detail))
        .col_expr(Column::FinishedAt, Expr::value(Some(end.at)))
        .col_expr(Column::DurationMs, Expr::value(Some(end.duration_ms)))
        .col_expr(Column::LeaseUntil, Expr::value(Option::<DateTimeUtc>::None))
        .filter(Column::Id.eq(id))
        .exec(&crate::shared(db))
        .await
        .map(|_| ())
}

/// The latest slot of `job` before `before` (any slot when `None`).
pub async fn last_slot<C: crate::Conn>(
    db: &C,
    job: &str,
    before: Option<DateTimeUtc>,
) -> Result<Option<DateTimeUtc>, DbErr> {
    use crate::Shared;
    use sea_orm::{QueryOrder, QuerySelect};
    let mut q = Entity::find_shared().select_only().column(Column::Slot).filter(Column::Job.eq(job));
    if let Some(b) = before {
        q = q.filter(Column::Slot.lt(b));
    }
    q.order_by_desc(Column::Slot).into_tuple().one(&crate::shared(db)).await
}

/// The latest run of `job`.
pub async fn last_run<C: crate::Conn>(db: &C, job: &str) -> Result<Option<Model>, DbErr> {
    use crate::Shared;
    use sea_orm::QueryOrder;
    Entity::find_shared().filter(Column::Job.eq(job)).order_by_desc(Column::Slot).one(&crate::shared(db)).await
}

/// The oldest slot of `job` in `from..before` whose status is `running` and whose lease ended
/// before `now`.
pub async fn oldest_lapsed<C: crate::Conn>(
    db: &C,
    job: &str,
    from: DateTimeUtc,
    before: DateTimeUtc,
    running: &str,
    now: DateTimeUtc,
) -> Result<Option<DateTimeUtc>, DbErr> {
    use crate::Shared;
    use sea_orm::{QueryOrder, QuerySelect};
    Entity::find_shared()
        .select_only()
        .column(Column::Slot)
        .filter(Column::Job.eq(job))
        .filter(Column::Slot.lt(before))
        .filter(Column::Slot.gte(from))
        .filter(Column::Status.eq(running))
        .filter(Column::LeaseUntil.lt(now))
        .order_by_asc(Column::Slot)
        .into_tuple()
        .one(&crate::shared(db))
        .await
}

/// How many runs of each of `jobs` are in `status`: `(job, n)`.
pub async fn count_by_job<C: crate::Conn>(db: &C, jobs: &[String], status: &str) -> Result<Vec<(String, i64)>, DbErr> {
    use crate::Shared;
    use sea_orm::QuerySelect;
    Entity::find_shared()
        .select_only()
        .column(Column::Job)
        .column_as(Column::Id.count(), "n")
        .filter(Column::Job.is_in(jobs.iter().cloned()))
        .filter(Column::Status.eq(status))
        .group_by(Column::Job)
        .into_tuple()
        .all(&crate::shared(db))
        .await
}

/// Deletes the runs of jobs whose key starts with `prefix` (or of the job `job` exactly),
/// not in status `keep`, with slots before `before`; answers how many went.
pub async fn delete_before<C: crate::Conn>(
    db: &C,
    jobs: JobsNamed<'_>,
    keep: &str,
    before: DateTimeUtc,
) -> Result<u64, DbErr> {
    use crate::Shared;
    let mut q = Entity::delete_shared().filter(Column::Status.ne(keep)).filter(Column::Slot.lt(before));
    q = match jobs {
        JobsNamed::Prefix(p) => q.filter(Column::Job.starts_with(p)),
        JobsNamed::Exactly(j) => q.filter(Column::Job.eq(j)),
    };
    Ok(q.exec(&crate::shared(db)).await?.rows_affected)
}

/// Which jobs' runs.
#[derive(Debug, Clone, Copy)]
pub enum JobsNamed<'a> {
    Prefix(&'a str),
    Exactly(&'a str),
}
