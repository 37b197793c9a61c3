//! The durable job queue (a table) and the per-project lease.
//!
//! A job says "run or resume plan P at or after `run_at`". Workers claim one due job at a time:
//! on PostgreSQL with `FOR UPDATE SKIP LOCKED`, so many workers on many nodes never claim the
//! same job; on SQLite the write transaction is exclusive anyway. A claim is a lock with an
//! expiry, so the job of a worker that died is claimed again once the lock lapses: that is how
//! a plan resumes after a crash. The project lease serialises state changes of one project
//! across all workers.

use chrono::{DateTime, Duration, Utc};
use praetor_store::{Housekeeping, JobId, OrgId, PlanId, ProjectId, Shared, TenantScoped, job, project_lease};
use sea_orm::sea_query::{Expr, LockBehavior, LockType, OnConflict};
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};

use crate::db::begin_write;
use crate::error::Result;

/// How long a claim or a lease lasts without renewal.
pub const LOCK_SECS: i64 = 30;

/// Queues `plan` to run at `run_at` (one job per plan: re-queuing moves it).
pub async fn enqueue<C: praetor_store::Conn>(
    db: &C,
    org: OrgId,
    plan: PlanId,
    run_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<()> {
    let job = job::ActiveModel {
        id: Set(JobId::generate()),
        org_id: Set(org),
        plan_id: Set(plan),
        kind: Set("plan.run".into()),
        run_at: Set(run_at),
        locked_by: Set(None),
        locked_until: Set(None),
        attempts: Set(0),
        last_error: Set(None),
        created_at: Set(now),
    };
    job::Entity::insert(job)
        .on_conflict(
            OnConflict::column(job::Column::PlanId)
                .update_columns([job::Column::RunAt, job::Column::LockedBy, job::Column::LockedUntil])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Claims the next due job for `worker`, if any.
pub async fn claim(
    db: &DatabaseConnection,
    worker: &str,
    only_org: Option<OrgId>,
    now: DateTime<Utc>,
) -> Result<Option<job::Model>> {
    let due = || {
        // The shared queue: a worker finds its next job in any organization it serves.
        let mut q = job::Entity::find_across_orgs(Housekeeping::Engine)
            .filter(job::Column::RunAt.lte(now))
            .filter(Condition::any().add(job::Column::LockedUntil.is_null()).add(job::Column::LockedUntil.lt(now)));
        if let Some(org) = only_org {
            q = q.filter(job::Column::OrgId.eq(org));
        }
        q
    };
    // An idle worker looks first with a plain read, so polling costs no write transaction
    // (and on SQLite no write lock) when there is nothing to do.
    if due().one(db).await?.is_none() {
        return Ok(None);
    }
    let txn = begin_write(db).await?;
    let candidate = due()
        .order_by_asc(job::Column::RunAt)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .one(&txn)
        .await?;
    let Some(job) = candidate else {
        txn.commit().await?;
        return Ok(None);
    };
    let active_before = job.clone();
    let mut active = job.clone();
    active.locked_by = Some(worker.to_string());
    active.locked_until = Some(now + Duration::seconds(LOCK_SECS));
    active.attempts += 1;
    let claimed = praetor_store::update(&txn, &active_before, active).await?;
    txn.commit().await?;
    Ok(Some(claimed))
}

/// Finishes a job: the plan needs no more work.
pub async fn complete<C: praetor_store::Conn>(db: &C, job: JobId) -> Result<()> {
    job::Entity::delete_by_id(job).exec(db).await?;
    Ok(())
}

/// Releases a job to run again at `run_at`.
pub async fn reschedule<C: praetor_store::Conn>(
    db: &C,
    job: JobId,
    run_at: DateTime<Utc>,
    error: Option<String>,
) -> Result<()> {
    job::Entity::update_across_orgs(Housekeeping::Engine)
        .col_expr(job::Column::RunAt, Expr::value(run_at))
        .col_expr(job::Column::LockedBy, Expr::value(Option::<String>::None))
        .col_expr(job::Column::LockedUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(job::Column::LastError, Expr::value(error))
        .filter(job::Column::Id.eq(job))
        .exec(db)
        .await?;
    Ok(())
}

/// Extends the claim on a job that is still being worked on.
pub async fn renew<C: praetor_store::Conn>(db: &C, job: JobId, worker: &str, now: DateTime<Utc>) -> Result<bool> {
    let res = job::Entity::update_across_orgs(Housekeeping::Engine)
        .col_expr(job::Column::LockedUntil, Expr::value(Some(now + Duration::seconds(LOCK_SECS))))
        .filter(job::Column::Id.eq(job))
        .filter(job::Column::LockedBy.eq(worker))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Takes (or renews) the lease on `project` for `holder`. `false` if someone else holds it.
pub async fn acquire_lease(
    db: &DatabaseConnection,
    project: ProjectId,
    holder: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let txn = begin_write(db).await?;
    let until = now + Duration::seconds(LOCK_SECS);
    let existing = project_lease::Entity::find_shared()
        .filter(project_lease::Column::ProjectId.eq(project))
        .lock_exclusive()
        .one(&txn)
        .await?;
    let acquired = match existing {
        None => praetor_store::insert(
            &txn,
            project_lease::Model { project_id: project, holder: holder.to_string(), expires_at: until },
        )
        .await
        .is_ok(),
        Some(lease) if lease.holder == holder || lease.expires_at < now => {
            let active_before = lease.clone();
            let mut active = lease.clone();
            active.holder = holder.to_string();
            active.expires_at = until;
            praetor_store::update(&txn, &active_before, active).await?;
            true
        }
        Some(_) => false,
    };
    txn.commit().await?;
    Ok(acquired)
}

pub async fn release_lease<C: praetor_store::Conn>(db: &C, project: ProjectId, holder: &str) -> Result<()> {
    project_lease::Entity::delete_shared()
        .filter(project_lease::Column::ProjectId.eq(project))
        .filter(project_lease::Column::Holder.eq(holder))
        .exec(db)
        .await?;
    Ok(())
}
