//! The plan worker that runs inside `serve`: claims due jobs and runs them. (What time ends —
//! approval requests past their TTL, role grants past their end — the scheduler sweeps.) It
//! never exits the process on error: it logs, backs off and tries again, until shutdown.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;
use tokio_util::sync::CancellationToken;

use crate::AppState;
use crate::engine::executor;
use crate::engine::queue;

/// Starts `worker.concurrency` workers, which stop when `shutdown` is cancelled (each finishing
/// the step in hand). The returned handle finishes when all of them have.
pub fn spawn(app: Arc<AppState>, shutdown: CancellationToken) -> JoinHandle<()> {
    let handles: Vec<_> =
        (0..app.config.worker.concurrency).map(|_| spawn_one(app.clone(), shutdown.clone())).collect();
    tokio::spawn(async move {
        for h in handles {
            if let Err(e) = h.await {
                tracing::error!("a plan worker ended abnormally: {e}");
            }
        }
    })
}

fn spawn_one(app: Arc<AppState>, shutdown: CancellationToken) -> JoinHandle<()> {
    // Host and process first: a job's `locked_by` tells which process holds it.
    let id = format!("worker-{}", crate::scheduler::node_name());
    tokio::spawn(async move {
        tracing::info!(worker = %id, "plan worker started");
        let mut tick = tokio::time::interval(StdDuration::from_millis(app.config.worker.poll_ms));
        tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
        let mut backoff = StdDuration::from_millis(0);
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = app.wakeup.notified() => {}
                _ = tick.tick() => {}
            }
            if !backoff.is_zero() {
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    _ = tokio::time::sleep(backoff) => {}
                }
            }
            match drain(&app, &id, &shutdown).await {
                Ok(()) => backoff = StdDuration::from_millis(0),
                Err(e) => {
                    backoff = (backoff * 2).clamp(StdDuration::from_millis(100), StdDuration::from_secs(5));
                    tracing::warn!(worker = %id, "worker error, backing off {backoff:?}: {e}");
                }
            }
        }
        tracing::info!(worker = %id, "plan worker stopped");
    })
}

/// Runs due jobs until none is left (or shutdown).
async fn drain(app: &Arc<AppState>, id: &str, shutdown: &CancellationToken) -> crate::error::Result<()> {
    while !shutdown.is_cancelled() {
        let now = app.clock.now();
        let Some(job) = queue::claim(app, id, now).await? else {
            return Ok(());
        };
        let span = tracing::info_span!("plan.job", plan = %job.plan_id, org = %job.org_id);
        tracing::Instrument::instrument(executor::run_job(app, &job, id), span).await?;
    }
    Ok(())
}
