//! Timed jobs, each slot run once however many nodes are up. Every node's `tokio-cron-scheduler`
//! says when a job is due; the slot it is due for (the instant its cron schedule names, so
//! nodes whose ticks differ by a moment agree on it) is claimed with a row of `scheduled_runs`,
//! unique on job and slot: the node whose insert lands runs it, the others see the row and
//! leave it. The claim holds a lease (`scheduler.lease_seconds`); a node that dies mid-run lets
//! it lapse, and the next node to tick the job after that (a slot later, or the same slot's
//! claim) finds the slot still running past its lease and takes it over: one attempt more.
//!
//! At start a node also looks at the slot due last: if no node ran it (all were down), it runs
//! now when it is at most `scheduler.catch_up_seconds` old and is recorded as skipped when
//! older. Every run records the slots before it that nobody ran (`missed_slots`): housekeeping
//! done once covers them all.
//!
//! The jobs are in [`jobs`]; `scheduledJobs` in GraphQL shows each one's last run and next slot.
//! Scheduled plans ([`schedules`]) are claimed the same way, slot by slot, from a tick every
//! second.

pub mod jobs;
pub mod schedules;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use croner::Cron;
use croner::parser::{CronParser, Seconds};
use praetor_domain::schedule::whole_second;
use praetor_store::{ScheduledRunId, scheduled_run};
use tokio::task::JoinHandle;
use tokio_cron_scheduler::{Job, JobScheduler};
use tokio_util::sync::CancellationToken;

use crate::AppState;
use crate::clock::Clock;
use crate::error::{Error, Result};

pub use jobs::{JOBS, JobSpec};

pub const RUNNING: &str = "running";
pub const SUCCEEDED: &str = "succeeded";
pub const FAILED: &str = "failed";
pub const SKIPPED: &str = "skipped";

/// Most missed slots counted between two runs (a job every few seconds, down for days).
const COUNT_AT_MOST: i64 = 100_000;

/// The time slots are counted in: the wall clock that ticks them. (The jobs themselves decide
/// what is due by the server's clock, which tests may move.)
fn wall() -> DateTime<Utc> {
    crate::clock::SystemClock.now()
}

/// A cron schedule with seconds (`sec min hour day-of-month month day-of-week`).
pub fn parse(schedule: &str) -> Result<Cron> {
    CronParser::builder()
        .seconds(Seconds::Required)
        .dom_and_dow(true)
        .build()
        .parse(schedule)
        .map_err(|e| Error::validation("cron", format!("`{schedule}` is not a cron schedule with seconds: {e}")))
}

/// The slot due last at `now` (inclusive).
pub fn slot_at(cron: &Cron, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
    cron.find_previous_occurrence(&whole_second(now), true)
        .map_err(|e| Error::internal(format!("no slot before {now}: {e}")))
}

/// The slot due next after `now`.
pub fn next_slot(cron: &Cron, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>> {
    Ok(cron.find_next_occurrence(&whole_second(now), false).ok())
}

/// Slots strictly between `after` and `before`, at most [`COUNT_AT_MOST`].
pub fn slots_between(cron: &Cron, after: DateTime<Utc>, before: DateTime<Utc>) -> i64 {
    cron.iter_after(after).take_while(|t| *t < before).take(COUNT_AT_MOST as usize).count() as i64
}

/// A job's key in `scheduled_runs`: its name under the namespace, and the organization of a
/// node dedicated to one (whose housekeeping keeps to it).
pub fn key(app: &AppState, job: &JobSpec) -> String {
    let namespace = &app.config.scheduler.namespace;
    match app.config.worker.only_org() {
        Some(org) => format!("{namespace}/{}@{org}", job.name),
        None => format!("{namespace}/{}", job.name),
    }
}

/// This node, as runs and job claims name it: host, process, and one scheduler or worker of it.
pub fn node_name() -> String {
    let host = std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty()).unwrap_or_else(|| "node".into());
    format!("{host}-{}-{}", std::process::id(), &uuid::Uuid::new_v4().simple().to_string()[..6])
}

/// What a claim came to.
#[derive(Debug, PartialEq, Eq)]
enum Claim {
    /// This node runs the slot.
    Mine(ScheduledRunId),
    /// Another node has it (or had it).
    Taken,
}

/// Claims `slot` of `job`: a new row, or one whose lease lapsed on a running claim.
async fn claim(
    app: &AppState,
    job: &str,
    slot: DateTime<Utc>,
    node: &str,
    missed: i64,
    status: &str,
    detail: &str,
) -> Result<Claim> {
    let now = wall();
    let lease = (status == RUNNING).then(|| now + Duration::seconds(app.config.scheduler.lease_seconds as i64));
    let id = ScheduledRunId::generate();
    let row = scheduled_run::Model {
        id,
        job: job.to_string(),
        slot,
        node: node.to_string(),
        status: status.to_string(),
        attempts: 1,
        missed_slots: missed,
        claimed_at: now,
        lease_until: lease,
        finished_at: (status != RUNNING).then_some(now),
        duration_ms: None,
        detail: detail.to_string(),
    };
    if scheduled_run::claim(&app.db, row).await? {
        return Ok(Claim::Mine(id));
    }
    if status != RUNNING {
        return Ok(Claim::Taken);
    }
    // Taken: by a node that may have died mid-run.
    take_over(app, job, slot, node).await
}

/// Takes `slot` of `job` over if it is still running past its lease (its node stopped holding
/// it): the update that lands makes this node its runner, one attempt more.
async fn take_over(app: &AppState, job: &str, slot: DateTime<Utc>, node: &str) -> Result<Claim> {
    let now = wall();
    let lease = now + Duration::seconds(app.config.scheduler.lease_seconds as i64);
    let Some(row) = scheduled_run::take_over(&app.db, job, slot, RUNNING, node, now, lease).await? else {
        return Ok(Claim::Taken);
    };
    tracing::warn!(job, %slot, attempt = row.attempts, "took over a scheduled slot whose node stopped holding it");
    Ok(Claim::Mine(row.id))
}

/// The slot recorded last for `job` before `slot`.
async fn previous_slot(app: &AppState, job: &str, slot: DateTime<Utc>) -> Result<Option<DateTime<Utc>>> {
    Ok(scheduled_run::last_slot(&app.db, job, Some(slot)).await?)
}

/// Records how the run of `id` ended.
async fn finish(app: &AppState, id: ScheduledRunId, outcome: &Result<String>, took: std::time::Duration) -> Result<()> {
    let (status, detail) = match outcome {
        Ok(d) => (SUCCEEDED, d.clone()),
        Err(e) => (FAILED, e.to_string()),
    };
    let end = scheduled_run::Finished { status, detail, at: wall(), duration_ms: took.as_millis() as i64 };
    scheduled_run::finish(&app.db, id, end).await?;
    Ok(())
}

/// One job on this node: its schedule, and whether a run of it is in hand here.
struct Local {
    spec: &'static JobSpec,
    cron: Cron,
    key: String,
    busy: AtomicBool,
}

/// Runs the slot due last for `job`, unless another node has it. `starting`: the node has just
/// come up, and a slot older than the catch-up window is recorded as skipped, not run.
async fn tick(app: &Arc<AppState>, job: &Local, node: &str, starting: bool) -> Result<()> {
    if job.busy.swap(true, Ordering::SeqCst) {
        // The previous run here is still going: the next tick finds its slot.
        return Ok(());
    }
    let outcome = tick_inner(app, job, node, starting).await;
    job.busy.store(false, Ordering::SeqCst);
    outcome
}

async fn tick_inner(app: &Arc<AppState>, job: &Local, node: &str, starting: bool) -> Result<()> {
    let now = wall();
    let slot = slot_at(&job.cron, now)?;
    let previous = previous_slot(app, &job.key, slot).await?;
    let missed = previous.map(|p| slots_between(&job.cron, p, slot)).unwrap_or(0);
    let catch_up = Duration::seconds(app.config.scheduler.catch_up_seconds as i64);
    // A job never run before runs at once; one that was runs a slot found at start only if it
    // is recent enough.
    if starting && previous.is_some() && now - slot > catch_up {
        let detail = format!(
            "due at {} while no node was running; older than the catch-up window ({} s), so not run",
            slot.to_rfc3339(),
            catch_up.num_seconds()
        );
        if claim(app, &job.key, slot, node, missed, SKIPPED, &detail).await? != Claim::Taken {
            tracing::warn!(job = %job.key, %slot, "{detail}");
            crate::metrics::scheduler_slot(job.spec.name, "skipped", Some(lateness(now, slot)));
        }
        return Ok(());
    }
    // An earlier slot whose node died mid-run is run again first (the current one is taken
    // over in its claim).
    if let Some(lapsed) = lapsed_slot(app, &job.key, slot).await?
        && let Claim::Mine(id) = take_over(app, &job.key, lapsed, node).await?
    {
        run_slot(app, job, id, lapsed, Some(lateness(now, lapsed))).await?;
    }
    let Claim::Mine(id) = claim(app, &job.key, slot, node, missed, RUNNING, "").await? else {
        return Ok(());
    };
    run_slot(app, job, id, slot, previous.map(|_| lateness(now, slot))).await
}

/// Runs `job` for its claimed `slot` (record `id`) and records how it ended.
async fn run_slot(
    app: &Arc<AppState>,
    job: &Local,
    id: ScheduledRunId,
    slot: DateTime<Utc>,
    late: Option<std::time::Duration>,
) -> Result<()> {
    let started = Instant::now();
    let outcome = (job.spec.run)(app.clone()).await;
    if let Err(e) = &outcome {
        tracing::warn!(job = %job.key, %slot, "scheduled job failed: {e}");
    }
    let ran = if outcome.is_ok() { "ran" } else { "failed" };
    crate::metrics::scheduler_slot(job.spec.name, ran, late);
    finish(app, id, &outcome, started.elapsed()).await
}

/// The oldest slot of `job` before `slot` still running past its lease, within the catch-up
/// window (an older one is left as it is: the runs since have done its work).
async fn lapsed_slot(app: &AppState, job: &str, slot: DateTime<Utc>) -> Result<Option<DateTime<Utc>>> {
    let now = wall();
    let catch_up = Duration::seconds(app.config.scheduler.catch_up_seconds as i64);
    Ok(scheduled_run::oldest_lapsed(&app.db, job, now - catch_up, slot, RUNNING, now).await?)
}

/// How late a slot due at `slot` started at `now`.
pub(crate) fn lateness(now: DateTime<Utc>, slot: DateTime<Utc>) -> std::time::Duration {
    (now - slot).to_std().unwrap_or_default()
}

/// Starts the scheduler on this node; it stops when `shutdown` is cancelled, after the runs in
/// hand have finished.
pub fn spawn(app: Arc<AppState>, shutdown: CancellationToken) -> JoinHandle<()> {
    tokio::spawn(async move {
        if let Err(e) = run(app, shutdown).await {
            tracing::error!("the scheduler could not start: {e}");
        }
    })
}

async fn run(app: Arc<AppState>, shutdown: CancellationToken) -> Result<()> {
    let node = node_name();
    let mut locals = Vec::new();
    for spec in JOBS {
        locals.push(Arc::new(Local {
            spec,
            cron: parse(spec.cron)?,
            key: key(&app, spec),
            busy: AtomicBool::new(false),
        }));
    }
    // Slots nobody ran while every node was down.
    for job in &locals {
        if let Err(e) = tick(&app, job, &node, true).await {
            tracing::warn!(job = %job.key, "catching up failed: {e}");
        }
    }
    let mut scheduler = JobScheduler::new().await.map_err(|e| Error::internal(format!("scheduler: {e}")))?;
    for job in &locals {
        let (name, cron) = (job.spec.name, job.spec.cron);
        let (app, job, node, stop) = (app.clone(), job.clone(), node.clone(), shutdown.clone());
        let timed = Job::new_async(cron, move |_, _| {
            let (app, job, node, stop) = (app.clone(), job.clone(), node.clone(), stop.clone());
            Box::pin(async move {
                if stop.is_cancelled() {
                    return;
                }
                if let Err(e) = tick(&app, &job, &node, false).await {
                    tracing::warn!(job = %job.key, "scheduled job: {e}");
                }
            })
        })
        .map_err(|e| Error::internal(format!("scheduling {name}: {e}")))?;
        scheduler.add(timed).await.map_err(|e| Error::internal(format!("scheduling {name}: {e}")))?;
    }
    scheduler.start().await.map_err(|e| Error::internal(format!("scheduler: {e}")))?;
    let plans = {
        let (app, node, stop) = (app.clone(), node.clone(), shutdown.clone());
        tokio::spawn(async move {
            let mut every = tokio::time::interval(std::time::Duration::from_secs(1));
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = stop.cancelled() => break,
                    _ = every.tick() => {
                        if let Err(e) = schedules::tick(&app, &node).await {
                            tracing::warn!("scheduled plans: {e}");
                        }
                    }
                }
            }
        })
    };
    shutdown.cancelled().await;
    // The slot in hand finishes first (it is recorded rather than left to a lease).
    if let Err(e) = plans.await {
        tracing::warn!("scheduled plans stopped: {e}");
    }
    if let Err(e) = scheduler.shutdown().await {
        tracing::warn!("stopping the scheduler: {e}");
    }
    // Runs in hand finish (their slots are recorded rather than left to a lease).
    while locals.iter().any(|j| j.busy.load(Ordering::SeqCst)) {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    Ok(())
}

/// A job as the admin view shows it.
pub struct JobStatus {
    pub spec: &'static JobSpec,
    pub key: String,
    pub last: Option<scheduled_run::Model>,
    /// Runs in the retention window that failed.
    pub recent_failures: u64,
    pub next_slot: Option<DateTime<Utc>>,
}

/// Every job with its last run and next slot, as this node's configuration keys them.
pub async fn status(app: &AppState) -> Result<Vec<JobStatus>> {
    let now = wall();
    let keys: Vec<String> = JOBS.iter().map(|j| key(app, j)).collect();
    // Counted by the database: a job failing every 5 s leaves thousands of rows a day.
    let failures: HashMap<String, i64> =
        scheduled_run::count_by_job(&app.db, &keys, FAILED).await?.into_iter().collect();
    let mut out = Vec::new();
    for (spec, key) in JOBS.iter().zip(keys) {
        let last = scheduled_run::last_run(&app.db, &key).await?;
        let next_slot = next_slot(&parse(spec.cron)?, now)?;
        let recent_failures = u64::try_from(failures.get(&key).copied().unwrap_or(0)).unwrap_or(0);
        out.push(JobStatus { spec, recent_failures, key, last, next_slot });
    }
    Ok(out)
}

/// Deletes finished runs older than `scheduler.retention_hours`, keeping each job's last (a
/// schedule keeps what its last slot came to on its own row).
pub async fn prune(app: &AppState) -> Result<u64> {
    let cutoff = wall() - Duration::hours(app.config.scheduler.retention_hours as i64);
    let prefix = schedules::prefix(app);
    let mut removed =
        scheduled_run::delete_before(&app.db, scheduled_run::JobsNamed::Prefix(&prefix), RUNNING, cutoff).await?;
    for spec in JOBS {
        let job = key(app, spec);
        let Some(last) = scheduled_run::last_slot(&app.db, &job, None).await? else {
            continue;
        };
        let before = std::cmp::min(cutoff, last);
        removed +=
            scheduled_run::delete_before(&app.db, scheduled_run::JobsNamed::Exactly(&job), RUNNING, before).await?;
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn slots_are_the_instants_the_schedule_names() {
        let every5 = parse("*/5 * * * * *").unwrap();
        assert_eq!(slot_at(&every5, at("2026-12-02T10:00:07.300Z")).unwrap(), at("2026-12-02T10:00:05Z"));
        assert_eq!(slot_at(&every5, at("2026-12-02T10:00:05Z")).unwrap(), at("2026-12-02T10:00:05Z"));
        // Two nodes whose ticks differ by a moment agree on the slot.
        assert_eq!(
            slot_at(&every5, at("2026-12-02T10:00:09.999Z")).unwrap(),
            slot_at(&every5, at("2026-12-02T10:00:05.001Z")).unwrap()
        );
        assert_eq!(slots_between(&every5, at("2026-12-02T10:00:00Z"), at("2026-12-02T10:01:00Z")), 11);
        assert_eq!(slots_between(&every5, at("2026-12-02T10:00:00Z"), at("2026-12-02T10:00:05Z")), 0);
        let ten_minutes = parse("0 */10 * * * *").unwrap();
        assert_eq!(slots_between(&ten_minutes, at("2026-11-30T10:00:00Z"), at("2026-12-02T10:00:00Z")), 287);
        assert!(parse("*/5 * * * *").is_err(), "seconds are required");
        assert!(parse("every minute").is_err());
    }

    #[test]
    fn every_job_has_a_valid_schedule_and_a_unique_name() {
        let mut names = std::collections::BTreeSet::new();
        for job in JOBS {
            parse(job.cron).unwrap();
            assert!(names.insert(job.name), "{} twice", job.name);
        }
    }
}
