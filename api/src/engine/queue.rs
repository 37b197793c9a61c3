//! The durable job queue (a table) and the per-project lease.
//!
//! A job says "run or resume plan P at or after `run_at`". Workers claim one due job at a time:
//! on PostgreSQL with `FOR UPDATE SKIP LOCKED`, so many workers on many nodes never claim the
//! same job; on SQLite the write transaction is exclusive anyway. A claim is a lock with an
//! expiry, so the job of a worker that died is claimed again once the lock lapses: that is how
//! a plan resumes after a crash. The project lease serialises state changes of one project
//! across all workers. Claims and leases last `worker.lease_seconds` without renewal.
//!
//! Which job comes next is fair between organizations (`worker.fairness = "round_robin"`, the
//! default): each claim takes the oldest due job of the next organization, in id order after
//! the one this process served last, that has one. An organization with a thousand jobs
//! waiting delays another's next job by one job per worker, not by its backlog.

use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use praetor_store::{JobId, OrgId, PlanId, ProjectId, job, project_lease};

use crate::AppState;
use crate::config::Fairness;
use crate::db::begin_write;
use crate::error::Result;

/// The organization this process's workers claimed a job of last (round-robin fairness).
#[derive(Default)]
pub struct Rotation(Mutex<Option<OrgId>>);

impl Rotation {
    fn last(&self) -> Option<OrgId> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn served(&self, org: OrgId) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(org);
    }
}

/// How long a claim or a lease lasts without renewal (`worker.lease_seconds`).
pub fn lease(app: &AppState) -> Duration {
    Duration::seconds(i64::from(app.config.worker.lease_seconds))
}

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

/// Claims the next due job for `worker`, if any (only of `worker.org_id`'s organization when
/// set), in the order `worker.fairness` says.
pub async fn claim(app: &AppState, worker: &str, now: DateTime<Utc>) -> Result<Option<job::Model>> {
    let db = &app.db;
    let only_org = app.config.worker.only_org();
    // On SQLite an idle worker looks first with a plain read, so polling takes no write lock
    // when there is nothing to do. On PostgreSQL a plain read is a transaction as well (to set
    // its row scope), and `SKIP LOCKED` finding nothing costs the same: it claims at once.
    if !crate::db::is_postgres(db) && !job::any_due(db, now, only_org).await? {
        return Ok(None);
    }
    let txn = begin_write(db).await?;
    let candidate = match app.config.worker.fairness {
        Fairness::OldestFirst => job::lock_next_due(&txn, now, only_org).await?,
        Fairness::RoundRobin => {
            let after = app.queue.last();
            match job::lock_next_due_after(&txn, now, only_org, after).await? {
                // Past the last organization in id order: round again from the first.
                None if after.is_some() => job::lock_next_due_after(&txn, now, only_org, None).await?,
                found => found,
            }
        }
    };
    let Some(job) = candidate else {
        txn.commit().await?;
        return Ok(None);
    };
    let before = job.clone();
    let mut next = job.clone();
    next.locked_by = Some(worker.to_string());
    next.locked_until = Some(now + lease(app));
    next.attempts += 1;
    let claimed = praetor_store::update(&txn, &before, next).await?;
    txn.commit().await?;
    app.queue.served(claimed.org_id);
    Ok(Some(claimed))
}

/// How a run of a job ended.
pub enum Settled {
    /// The plan needs no more work: the job is finished.
    Done,
    /// The job runs again at this time (`error`: why the run failed).
    RunAt(DateTime<Utc>, Option<String>),
}

/// Records how a run of `job` ended and gives back the lease `holder` took on `project` for
/// it, in one transaction.
pub async fn settle(app: &AppState, job: JobId, lease: Option<(ProjectId, &str)>, how: Settled) -> Result<()> {
    let txn = begin_write(&app.db).await?;
    if let Some((project, holder)) = lease {
        project_lease::release(&txn, project, holder).await?;
    }
    match how {
        Settled::Done => job::finish(&txn, job).await?,
        Settled::RunAt(at, error) => job::release_until(&txn, job, at, error).await?,
    }
    txn.commit().await?;
    Ok(())
}

/// Extends the claim on a job that is still being worked on.
pub async fn renew(app: &AppState, job: JobId, worker: &str, now: DateTime<Utc>) -> Result<bool> {
    Ok(job::extend_claim(&app.db, job, worker, now + lease(app)).await?)
}

/// Takes (or renews) the lease on `project` for `holder`. `false` if someone else holds it.
pub async fn acquire_lease(app: &AppState, project: ProjectId, holder: &str, now: DateTime<Utc>) -> Result<bool> {
    let txn = begin_write(&app.db).await?;
    let acquired = take_lease(app, &txn, project, holder, now).await?;
    txn.commit().await?;
    Ok(acquired)
}

/// [`acquire_lease`] in the caller's write transaction (taken when it commits).
pub async fn take_lease(
    app: &AppState,
    txn: &praetor_store::Txn,
    project: ProjectId,
    holder: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let until = now + lease(app);
    let existing = project_lease::lock(txn, project).await?;
    let acquired = match existing {
        None => praetor_store::insert(
            txn,
            project_lease::Model { project_id: project, holder: holder.to_string(), expires_at: until },
        )
        .await
        .is_ok(),
        Some(lease) if lease.holder == holder || lease.expires_at < now => {
            let before = lease.clone();
            let mut next = lease.clone();
            next.holder = holder.to_string();
            next.expires_at = until;
            praetor_store::update(txn, &before, next).await?;
            true
        }
        Some(_) => false,
    };
    Ok(acquired)
}
