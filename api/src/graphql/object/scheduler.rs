//! The scheduler's jobs as instance administrators see them: schedule, last run, next slot.

use async_graphql::{Enum, Object, SimpleObject};
use chrono::{DateTime, Utc};
use praetor_store::scheduled_run;

use crate::scheduler::{self, JobStatus};

/// How a slot of a job went.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "ScheduledRunStatus")]
pub enum ScheduledRunStatusGql {
    /// A node holds it now (or held it, and its lease has not lapsed yet).
    Running,
    Succeeded,
    Failed,
    /// Due while no node was running, and older than the catch-up window at start: not run.
    Skipped,
}

impl ScheduledRunStatusGql {
    fn of(status: &str) -> Self {
        match status {
            scheduler::RUNNING => Self::Running,
            scheduler::SUCCEEDED => Self::Succeeded,
            scheduler::SKIPPED => Self::Skipped,
            _ => Self::Failed,
        }
    }
}

/// One slot of a job.
#[derive(SimpleObject)]
#[graphql(name = "ScheduledRun")]
pub struct ScheduledRunObject {
    /// The instant the job was due.
    slot: DateTime<Utc>,
    status: ScheduledRunStatusGql,
    /// The node that ran it (host and process).
    node: String,
    /// Claims of the slot: more than one when a node stopped mid-run and another took over.
    attempts: i32,
    /// Earlier slots nobody ran (no node was up) that this one covers or records.
    missed_slots: i64,
    claimed_at: DateTime<Utc>,
    finished_at: Option<DateTime<Utc>>,
    duration_ms: Option<i64>,
    /// What it did, or why it failed or was skipped.
    detail: String,
}

impl From<scheduled_run::Model> for ScheduledRunObject {
    fn from(r: scheduled_run::Model) -> Self {
        Self {
            slot: r.slot,
            status: ScheduledRunStatusGql::of(&r.status),
            node: r.node,
            attempts: r.attempts,
            missed_slots: r.missed_slots,
            claimed_at: r.claimed_at,
            finished_at: r.finished_at,
            duration_ms: r.duration_ms,
            detail: r.detail,
        }
    }
}

pub struct ScheduledJobObject(pub JobStatus);

/// A timed job of the instance (housekeeping); each of its slots runs on one node.
#[Object(name = "ScheduledJob")]
impl ScheduledJobObject {
    async fn name(&self) -> &str {
        self.0.spec.name
    }

    /// Its key in the scheduler's records (namespace, name, and the organization of a node
    /// dedicated to one).
    async fn key(&self) -> &str {
        &self.0.key
    }

    /// Its cron schedule, with seconds, in UTC.
    async fn schedule(&self) -> &str {
        self.0.spec.cron
    }

    async fn description(&self) -> &str {
        self.0.spec.description
    }

    /// The slot recorded last: running, finished or skipped.
    async fn last_run(&self) -> Option<ScheduledRunObject> {
        self.0.last.clone().map(Into::into)
    }

    /// Failed runs among those kept (`scheduler.retention_hours`).
    async fn recent_failures(&self) -> u64 {
        self.0.recent_failures
    }

    /// The next instant it is due.
    async fn next_run_at(&self) -> Option<DateTime<Utc>> {
        self.0.next_slot
    }
}
