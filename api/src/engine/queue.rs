//! The durable job queue (a table) and the per-project lease.
//!
//! A job says "run or resume plan P at or after `run_at`". Workers claim one due job at a time:
//! on PostgreSQL with `FOR UPDATE SKIP LOCKED`, so many workers on many nodes never claim the
//! same job; on SQLite the write transaction is exclusive anyway. A claim is a lock with an
//! expiry, so the job of a worker that died is claimed again once the lock lapses: that is how
//! a plan resumes after a crash. The project lease serialises state changes of one project
//! across all workers.

use chrono::{DateTime, Duration, Utc};
use praetor_store::{DatabaseConnection, JobId, OrgId, PlanId, ProjectId, job, project_lease};

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
    let row = job::Model {
        id: JobId::generate(),
        org_id: org,
        plan_id: plan,
        kind: "plan.run".into(),
        run_at,
        locked_by: None,
        locked_until: None,
        attempts: 0,
        last_error: None,
        created_at: now,
    };
    job::put(db, row).await?;
    Ok(())
}

/// Claims the next due job for `worker`, if any.
pub async fn claim(
    db: &DatabaseConnection,
    worker: &str,
    only_org: Option<OrgId>,
    now: DateTime<Utc>,
) -> Result<Option<job::Model>> {
    // An idle worker looks first with a plain read, so polling costs no write transaction
    // (and on SQLite no write lock) when there is nothing to do.
    if !job::any_due(db, now, only_org).await? {
        return Ok(None);
    }
    let txn = begin_write(db).await?;
    let candidate = job::lock_next_due(&txn, now, only_org).await?;
    let Some(job) = candidate else {
        txn.commit().await?;
        return Ok(None);
    };
    let before = job.clone();
    let mut next = job.clone();
    next.locked_by = Some(worker.to_string());
    next.locked_until = Some(now + Duration::seconds(LOCK_SECS));
    next.attempts += 1;
    let claimed = praetor_store::update(&txn, &before, next).await?;
    txn.commit().await?;
    Ok(Some(claimed))
}

/// Finishes a job: the plan needs no more work.
pub async fn complete<C: praetor_store::Conn>(db: &C, job: JobId) -> Result<()> {
    job::finish(db, job).await?;
    Ok(())
}

/// Releases a job to run again at `run_at`.
pub async fn reschedule<C: praetor_store::Conn>(
    db: &C,
    job: JobId,
    run_at: DateTime<Utc>,
    error: Option<String>,
) -> Result<()> {
    job::release_until(db, job, run_at, error).await?;
    Ok(())
}

/// Extends the claim on a job that is still being worked on.
pub async fn renew<C: praetor_store::Conn>(db: &C, job: JobId, worker: &str, now: DateTime<Utc>) -> Result<bool> {
    Ok(job::extend_claim(db, job, worker, now + Duration::seconds(LOCK_SECS)).await?)
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
    let existing = project_lease::lock(&txn, project).await?;
    let acquired = match existing {
        None => praetor_store::insert(
            &txn,
            project_lease::Model { project_id: project, holder: holder.to_string(), expires_at: until },
        )
        .await
        .is_ok(),
        Some(lease) if lease.holder == holder || lease.expires_at < now => {
            let before = lease.clone();
            let mut next = lease.clone();
            next.holder = holder.to_string();
            next.expires_at = until;
            praetor_store::update(&txn, &before, next).await?;
            true
        }
        Some(_) => false,
    };
    txn.commit().await?;
    Ok(acquired)
}

pub async fn release_lease<C: praetor_store::Conn>(db: &C, project: ProjectId, holder: &str) -> Result<()> {
    project_lease::release(db, project, holder).await?;
    Ok(())
}
