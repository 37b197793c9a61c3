//! Scheduled plans on the scheduler. Every second each node looks for schedules with a slot
//! due (one indexed read), and claims each slot in `scheduled_runs` under the key
//! `<namespace>/schedule/<id>` exactly as the timed jobs do: the node whose claim lands runs
//! it, a node that dies mid-run lets its lease lapse and the next node to find the slot still
//! due takes it over. Only the node that ran a slot (or finds it finished) moves the
//! schedule's next slot on, so a slot is never lost to a node that died holding it.

use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use praetor_domain::schedule::Due;
use praetor_store::{schedule, scheduled_run};

use super::{Claim, RUNNING, SKIPPED, claim, finish};
use crate::AppState;
use crate::error::Result;
use crate::services::schedules;

/// At most this many due schedules are taken up per tick.
const PER_TICK: u64 = 50;

/// The key of a schedule's slots in `scheduled_runs`.
pub fn key(app: &AppState, s: &schedule::Model) -> String {
    format!("{}/schedule/{}", app.config.scheduler.namespace, s.id)
}

/// The prefix of every schedule's key, for pruning.
pub fn prefix(app: &AppState) -> String {
    format!("{}/schedule/", app.config.scheduler.namespace)
}

/// Whether the slot's claim has finished (run, failed or skipped).
async fn finished(app: &AppState, key: &str, slot: DateTime<Utc>) -> Result<bool> {
    let status = scheduled_run::status_of(&app.db, key, slot).await?;
    Ok(status.is_some_and(|s| s != RUNNING))
}

/// Runs every schedule's slot due now, on this node (`node`).
pub async fn tick(app: &Arc<AppState>, node: &str) -> Result<()> {
    let now = app.clock.now();
    let window = Duration::seconds(app.config.scheduler.catch_up_seconds as i64);
    for s in schedules::due(app, now, PER_TICK).await? {
        let Some(next) = s.next_run_at else { continue };
        let key = key(app, &s);
        match praetor_domain::schedule::due(&schedules::timing(&s)?, next, now, s.catch_up, window) {
            Due::NotYet => {}
            Due::Skip { slot, missed, reason } => {
                if let Claim::Mine(_) = claim(app, &key, slot, node, missed as i64, SKIPPED, &reason).await? {
                    tracing::warn!(schedule = %s.id, %slot, "{reason}");
                    crate::metrics::scheduler_slot("schedule", "skipped", Some(super::lateness(now, slot)));
                    schedules::record_skip(app, &s, slot, &reason).await?;
                }
                schedules::advance(app, &s, slot, now).await?;
            }
            Due::Run { slot, missed } => match claim(app, &key, slot, node, missed as i64, RUNNING, "").await? {
                Claim::Mine(id) => {
                    let started = Instant::now();
                    let outcome = schedules::fire(app, &s, slot).await;
                    if let Err(e) = &outcome {
                        tracing::warn!(schedule = %s.id, %slot, "a scheduled plan failed: {e}");
                    }
                    let ran = if outcome.is_ok() { "ran" } else { "failed" };
                    crate::metrics::scheduler_slot("schedule", ran, Some(super::lateness(now, slot)));
                    finish(app, id, &outcome, started.elapsed()).await?;
                    schedules::advance(app, &s, slot, std::cmp::max(now, slot)).await?;
                }
                // Another node has it; move on only once it is done.
                Claim::Taken => {
                    if finished(app, &key, slot).await? {
                        schedules::advance(app, &s, slot, std::cmp::max(now, slot)).await?;
                    }
                }
            },
        }
    }
    Ok(())
}
