//! The deliverer that runs inside `serve` on every node: writes the deliveries of new events
//! from each organization's audit chain ([`outbox::stage`]) and claims due ones (on
//! PostgreSQL with `FOR UPDATE SKIP LOCKED`, so nodes never claim the same one; new
//! deliveries are written claimed), sends them concurrently
//! (at most `webhooks.concurrency` per node and `webhooks.endpoint_concurrency` per endpoint),
//! and records the attempts in batches. A claim lapses if its node dies, so another sends the
//! delivery again: each delivery reaches its endpoint at least once, with the same
//! `webhook-id` every time.
//!
//! After an attempt: 2xx delivers; 410 disables the endpoint; anything else is tried again
//! after the next delay of `webhooks.retry_schedule_seconds` (jittered by up to a fifth), and
//! given up once the schedule is spent. An endpoint whose every attempt has failed for
//! `webhooks.disable_after_hours` is disabled, with the reason shown to its administrators.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use praetor_store::{
    OrgId, Owned, WebhookAttemptId, WebhookDeliveryId, WebhookEndpointId, webhook_attempt, webhook_delivery,
    webhook_endpoint,
};
use serde_json::json;
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::AppState;
use crate::audit::Entry;
use crate::auth::ActorRef;
use crate::db::begin_write;
use crate::error::Result;
use crate::secrets::SecretValue;
use crate::webhooks::outbox::{self, DELIVERED, FAILED, PENDING};
use crate::webhooks::send::{Attempt, Outcome};

/// Deliveries claimed per statement.
const CLAIM_BATCH: usize = 100;
/// Attempt results recorded per transaction, at most.
const RECORD_BATCH: usize = 500;
/// How long the recorder waits after an attempt's result for more to record with it. A
/// delivery's status shows this much later; its sending is not delayed.
const RECORD_LINGER: StdDuration = StdDuration::from_millis(20);
/// How long a woken deliverer waits for more commits before claiming: a moment when it has
/// been idle (the first event after a quiet spell goes out at once), longer while commits keep
/// coming, so that under load one claim, one read of the endpoints and one record take tens of
/// deliveries instead of a few each (each round costs the database the same whatever it holds).
const LINGER_IDLE: StdDuration = StdDuration::from_millis(2);
const LINGER_BUSY: StdDuration = StdDuration::from_millis(50);
/// The deliverer counts as busy while its last claim that found work is this recent.
const BUSY_WITHIN: StdDuration = StdDuration::from_millis(250);

struct Done {
    delivery: webhook_delivery::Model,
    endpoint: webhook_endpoint::Model,
    attempt: Attempt,
    at: DateTime<Utc>,
}

/// Starts the deliverer; it stops when `shutdown` is cancelled, after recording what it sent.
pub fn spawn(app: Arc<AppState>, shutdown: CancellationToken) -> JoinHandle<()> {
    let (tx, rx) = mpsc::channel::<Done>(4 * RECORD_BATCH);
    let recorder = tokio::spawn(record_loop(app.clone(), rx));
    tokio::spawn(async move {
        claim_loop(app, tx, shutdown).await;
        // The sender side is gone: the recorder drains what is left and ends.
        if let Err(e) = recorder.await {
            tracing::error!("the webhook recorder ended abnormally: {e}");
        }
    })
}

async fn claim_loop(app: Arc<AppState>, tx: mpsc::Sender<Done>, shutdown: CancellationToken) {
    let cfg = app.config.webhooks.clone();
    let mut tick = tokio::time::interval(StdDuration::from_millis(cfg.poll_ms));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut backoff = StdDuration::ZERO;
    let mut last_work: Option<std::time::Instant> = None;
    let mut sending = Sending {
        slots: Arc::new(Semaphore::new(cfg.concurrency)),
        in_flight: Arc::default(),
        tasks: tokio::task::JoinSet::new(),
        held: VecDeque::new(),
        tx,
    };
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = app.webhooks.wakeup.notified() => {
                let busy = last_work.is_some_and(|at| at.elapsed() < BUSY_WITHIN);
                tokio::time::sleep(if busy { LINGER_BUSY } else { LINGER_IDLE }).await;
            }
            _ = tick.tick() => {}
            Some(_) = sending.tasks.join_next(), if !sending.tasks.is_empty() => {
                // A slot came free: the held deliveries go first, with no statement.
                sending.start(&app);
                if let Err(e) = sending.release_stale(&app).await {
                    tracing::warn!("webhook deliverer: {e}");
                }
                continue;
            }
        }
        if !backoff.is_zero() {
            tokio::time::sleep(backoff).await;
        }
        match claim_and_send(&app, &mut sending).await {
            Ok(claimed) => {
                backoff = StdDuration::ZERO;
                if claimed > 0 {
                    last_work = Some(std::time::Instant::now());
                }
            }
            Err(e) => {
                backoff = (backoff * 2).clamp(StdDuration::from_millis(100), StdDuration::from_secs(5));
                tracing::warn!("webhook deliverer: {e}; backing off {backoff:?}");
            }
        }
    }
    // What is held goes back for any node; the sends in progress finish (each is bounded by
    // the timeout) so their attempts are recorded rather than repeated.
    let held: Vec<_> = sending.held.drain(..).map(|r| r.delivery.id).collect();
    if !held.is_empty()
        && let Err(e) = release(&app, &held).await
    {
        tracing::warn!("webhook deliverer: giving back {} held deliveries: {e}", held.len());
    }
    while sending.tasks.join_next().await.is_some() {}
}

/// Entries read from one organization's audit chain per stage.
const STAGE_ENTRIES: u64 = 500;

/// A claimed delivery ready to send, held until its endpoint has room.
struct Ready {
    delivery: webhook_delivery::Model,
    endpoint: webhook_endpoint::Model,
    secrets: Vec<SecretValue>,
    /// Its claim lasts long enough for an attempt started by then; one still held after is
    /// given back.
    start_by: DateTime<Utc>,
}

/// The deliverer's sends: slots in all (`webhooks.concurrency`) and per endpoint, the sends
/// in progress, and the claimed deliveries waiting for their endpoint's room. Holding them,
/// rather than giving them back to be claimed again, spares two writes of each when one
/// endpoint has more due than it may be sent at once.
struct Sending {
    slots: Arc<Semaphore>,
    in_flight: Arc<Mutex<HashMap<WebhookEndpointId, usize>>>,
    tasks: tokio::task::JoinSet<()>,
    held: VecDeque<Ready>,
    tx: mpsc::Sender<Done>,
}

impl Sending {
    /// How many deliveries each endpoint has sending or held.
    fn per_endpoint(&self) -> HashMap<WebhookEndpointId, usize> {
        let mut n: HashMap<WebhookEndpointId, usize> = self.in_flight.lock().map(|m| m.clone()).unwrap_or_default();
        for r in &self.held {
            *n.entry(r.delivery.endpoint_id).or_default() += 1;
        }
        n
    }

    /// Starts the held deliveries there is room for, oldest first.
    fn start(&mut self, app: &Arc<AppState>) {
        let per_endpoint = app.config.webhooks.endpoint_concurrency;
        let mut kept = VecDeque::new();
        while let Some(r) = self.held.pop_front() {
            let Ok(permit) = self.slots.clone().try_acquire_owned() else {
                kept.push_back(r);
                kept.extend(self.held.drain(..));
                break;
            };
            let admitted = self
                .in_flight
                .lock()
                .map(|mut m| {
                    let n = m.entry(r.delivery.endpoint_id).or_default();
                    if *n >= per_endpoint {
                        false
                    } else {
                        *n += 1;
                        true
                    }
                })
                .unwrap_or(false);
            if !admitted {
                drop(permit);
                kept.push_back(r);
                continue;
            }
            let (app, tx, in_flight) = (app.clone(), self.tx.clone(), self.in_flight.clone());
            self.tasks.spawn(async move {
                let Ready { delivery: d, endpoint, secrets, .. } = r;
                let at = app.clock.now();
                let attempt = app
                    .webhooks
                    .sender
                    .send(&endpoint.url, &d.id.to_string(), at.timestamp(), &d.payload, &secrets)
                    .await;
                if let Ok(mut m) = in_flight.lock()
                    && let Some(n) = m.get_mut(&d.endpoint_id)
                {
                    *n = n.saturating_sub(1);
                    if *n == 0 {
                        m.remove(&d.endpoint_id);
                    }
                }
                drop(permit);
                let _ = tx.send(Done { delivery: d, endpoint, attempt, at }).await;
            });
        }
        self.held = kept;
    }

    /// Gives back the held deliveries whose claims would lapse during an attempt started now.
    async fn release_stale(&mut self, app: &AppState) -> Result<()> {
        let now = app.clock.now();
        if !self.held.iter().any(|r| r.start_by < now) {
            return Ok(());
        }
        let (stale, kept): (VecDeque<Ready>, VecDeque<Ready>) = self.held.drain(..).partition(|r| r.start_by < now);
        self.held = kept;
        release(app, &stale.into_iter().map(|r| r.delivery.id).collect::<Vec<_>>()).await
    }
}

/// Writes the deliveries of new events and claims due ones, and starts their sends, until
/// nothing is new or due or every slot is taken (counting those held). Answers how many
/// deliveries it claimed.
async fn claim_and_send(app: &Arc<AppState>, sending: &mut Sending) -> Result<usize> {
    let per_endpoint = app.config.webhooks.endpoint_concurrency;
    let mut total = 0;
    loop {
        sending.release_stale(app).await?;
        let free = sending.slots.available_permits().min(CLAIM_BATCH).saturating_sub(sending.held.len());
        if free == 0 {
            return Ok(total);
        }
        let now = app.clock.now();
        // Long enough for the attempt and its recording; a node that dies lets it lapse.
        let timeout = Duration::milliseconds(app.config.webhooks.timeout_ms as i64);
        let until = now + timeout + Duration::seconds(15);
        let taking = sending.per_endpoint();
        // Deliveries already due first (retries, and those a stage had no room for), oldest
        // first, so a steady stream of new events never starves them.
        let busy: Vec<WebhookEndpointId> =
            taking.iter().filter(|(_, n)| **n >= per_endpoint).map(|(id, _)| *id).collect();
        let mut claimed = claim(app, free, &busy, now, until).await?;
        // A full claim may have left more due.
        let mut more = claimed.len() == free;
        // Then new events: their deliveries are written already claimed, as many as there is
        // room left for in all, and up to twice an endpoint's room (the surplus is held until
        // it has some, so a slow endpoint cannot take every slot); the rest are left due.
        let mut room: HashMap<WebhookEndpointId, usize> = taking;
        for d in &claimed {
            *room.entry(d.endpoint_id).or_default() += 1;
        }
        let mut taken = claimed.len();
        let mut known = Vec::new();
        if taken < free {
            let only = app.config.worker.only_org();
            let staged = outbox::stage(&app.db, &app.webhooks.endpoints, now, until, only, STAGE_ENTRIES, |d| {
                let n = room.entry(d.endpoint_id).or_default();
                if taken >= free || *n >= 2 * per_endpoint {
                    return false;
                }
                *n += 1;
                taken += 1;
                true
            })
            .await?;
            more |= staged.more;
            known = staged.endpoints;
            claimed.extend(staged.claimed);
        }
        if claimed.is_empty() {
            return Ok(total);
        }
        total += claimed.len();
        let endpoints = endpoints_of(app, &claimed, &known).await?;
        let mut orphans = Vec::new();
        for d in claimed {
            match endpoints.get(&d.endpoint_id).cloned() {
                Some((endpoint, secrets)) => sending.held.push_back(Ready {
                    delivery: d,
                    endpoint,
                    secrets,
                    start_by: until - timeout - Duration::seconds(5),
                }),
                // Its endpoint was disabled (or deleted) after it was written: given up.
                None => orphans.push(d.id),
            }
        }
        if !orphans.is_empty() {
            webhook_delivery::give_up(&app.db, orphans, FAILED, app.clock.now()).await?;
        }
        sending.start(app);
        // Another round only when this one may have left work behind: a round that found
        // everything costs the database as much again to find nothing.
        if !more {
            return Ok(total);
        }
    }
}

/// Claims up to `limit` due deliveries of endpoints not in `busy`.
async fn claim(
    app: &AppState,
    limit: usize,
    busy: &[WebhookEndpointId],
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<webhook_delivery::Model>> {
    // A node dedicated to one organization (`worker.org_id`) delivers only its webhooks.
    let due = webhook_delivery::Due { pending: PENDING, now, busy, only_org: app.config.worker.only_org() };
    // On SQLite a plain read first, so an idle node's polling takes no write lock; on
    // PostgreSQL the locking read that finds nothing costs the same as that read would.
    if !praetor_store::db::is_postgres(&app.db) && !webhook_delivery::any_due(&app.db, due).await? {
        return Ok(Vec::new());
    }
    let txn = begin_write(&app.db).await?;
    let rows = webhook_delivery::claim(&txn, due, limit as u64, until).await?;
    txn.commit().await?;
    Ok(rows)
}

/// Deletes finished deliveries, and attempts, older than `webhooks.retention_days`. Answers
/// how many deliveries went.
pub async fn prune(app: &AppState) -> Result<u64> {
    let cutoff = app.clock.now() - Duration::days(i64::from(app.config.webhooks.retention_days));
    let only_org = app.config.worker.only_org();
    webhook_attempt::delete_before(&app.db, cutoff, only_org).await?;
    Ok(webhook_delivery::delete_finished_before(&app.db, PENDING, cutoff, only_org).await?)
}

/// Gives claimed deliveries back without an attempt.
async fn release(app: &AppState, ids: &[WebhookDeliveryId]) -> Result<()> {
    Ok(webhook_delivery::release(&app.db, ids).await?)
}

/// The enabled endpoints of `deliveries`, each with the secrets that sign for it now: those
/// of `known` organizations as a stage read them, the others' read.
async fn endpoints_of(
    app: &AppState,
    deliveries: &[webhook_delivery::Model],
    known: &[(OrgId, i64, outbox::Endpoints)],
) -> Result<HashMap<WebhookEndpointId, (webhook_endpoint::Model, Vec<SecretValue>)>> {
    let mut by_org: BTreeMap<praetor_store::Tenant, Vec<WebhookEndpointId>> = BTreeMap::new();
    for d in deliveries {
        let ids = by_org.entry(d.tenant()).or_default();
        if !ids.contains(&d.endpoint_id) {
            ids.push(d.endpoint_id);
        }
    }
    let now = app.clock.now();
    let mut out = HashMap::new();
    for (tenant, ids) in by_org {
        let (version, endpoints) = match known.iter().find(|(org, _, _)| *org == tenant.org()) {
            Some((_, version, endpoints)) => {
                (Some(*version), endpoints.iter().filter(|e| ids.contains(&e.id)).cloned().collect())
            }
            None => (None, webhook_endpoint::enabled_of(&app.db, tenant, ids).await?),
        };
        let mut keys = app.webhooks.keys(&app.db, &app.secrets, tenant, version, &endpoints).await?;
        for e in endpoints {
            let secrets = keys.remove(&e.id).unwrap_or_default().signing(&e, now);
            out.insert(e.id, (e, secrets));
        }
    }
    Ok(out)
}

async fn record_loop(app: Arc<AppState>, mut rx: mpsc::Receiver<Done>) {
    while let Some(first) = rx.recv().await {
        // The attempts of sends that finish close together are recorded together: one
        // transaction for a round's deliveries rather than one for every few.
        let by = tokio::time::Instant::now() + RECORD_LINGER;
        let mut batch = vec![first];
        while batch.len() < RECORD_BATCH {
            match tokio::time::timeout_at(by, rx.recv()).await {
                Ok(Some(d)) => batch.push(d),
                Ok(None) | Err(_) => break,
            }
        }
        // A batch that cannot be recorded is sent again once its claims lapse: receivers see
        // the same webhook-id twice, which they are built to expect.
        match record(&app, batch).await {
            Ok(outcomes) => {
                for (ok, delivery) in outcomes {
                    crate::metrics::webhook_attempt(ok);
                    crate::metrics::webhook_delivery(delivery);
                }
            }
            Err(e) => tracing::warn!("recording webhook attempts failed; they will be retried: {e}"),
        }
    }
}

/// The delay before attempt `n + 1` after `n` failed attempts, or `None` when none is left.
pub fn next_delay(schedule: &[u64], failed_attempts: usize) -> Option<Duration> {
    let secs = *schedule.get(failed_attempts)?;
    let jitter = if secs == 0 { 0.0 } else { (rand::random::<f64>() - 0.5) * 0.4 };
    Some(Duration::milliseconds(((secs as f64) * (1.0 + jitter) * 1000.0) as i64))
}

/// Records attempts, moves deliveries on, and disables endpoints that asked or failed too long.
/// Answers each attempt's result and where its delivery went (for `/metrics`).
async fn record(app: &AppState, batch: Vec<Done>) -> Result<Vec<(bool, &'static str)>> {
    let cfg = &app.config.webhooks;
    let mut outcomes = Vec::with_capacity(batch.len());
    let mut w = app.write(vec![ActorRef::system("webhooks", "webhook deliverer")]).await?;
    let now = w.now();
    let attempts: Vec<webhook_attempt::Model> = batch
        .iter()
        .map(|d| webhook_attempt::Model {
            id: WebhookAttemptId::generate(),
            org_id: d.delivery.org_id,
            delivery_id: d.delivery.id,
            endpoint_id: d.delivery.endpoint_id,
            attempted_at: d.at,
            status_code: d.attempt.status.map(i32::from),
            latency_ms: d.attempt.latency_ms,
            response: d.attempt.response.clone(),
            succeeded: d.attempt.outcome == Outcome::Delivered,
        })
        .collect();
    for chunk in attempts.chunks(500) {
        praetor_store::insert_many(w.txn(), chunk.to_vec()).await?;
    }
    let delivered: Vec<_> =
        batch.iter().filter(|d| d.attempt.outcome == Outcome::Delivered).map(|d| d.delivery.id).collect();
    if !delivered.is_empty() {
        webhook_delivery::mark_delivered(w.txn(), delivered, DELIVERED, now).await?;
        // The endpoints a send had may be older than their rows (a stage's, kept by version):
        // the database says which were failing.
        let recovered: BTreeSet<_> =
            batch.iter().filter(|d| d.attempt.outcome == Outcome::Delivered).map(|d| d.endpoint.id).collect();
        webhook_endpoint::clear_failing(w.txn(), recovered).await?;
    }
    // The failing endpoints as they are now (since when they fail), read after the above.
    let mut fresh: HashMap<WebhookEndpointId, webhook_endpoint::Model> = HashMap::new();
    let mut failing: BTreeMap<praetor_store::Tenant, BTreeSet<WebhookEndpointId>> = BTreeMap::new();
    for d in batch.iter().filter(|d| d.attempt.outcome != Outcome::Delivered) {
        failing.entry(d.endpoint.tenant()).or_default().insert(d.endpoint.id);
    }
    for (tenant, ids) in failing {
        fresh.extend(webhook_endpoint::enabled_of(w.txn(), tenant, ids).await?.into_iter().map(|e| (e.id, e)));
    }
    let mut disable: BTreeMap<WebhookEndpointId, (webhook_endpoint::Model, String)> = BTreeMap::new();
    let mut newly_failing: BTreeMap<WebhookEndpointId, DateTime<Utc>> = BTreeMap::new();
    let disable_after = Duration::hours(cfg.disable_after_hours as i64);
    for d in batch.iter().filter(|d| d.attempt.outcome != Outcome::Delivered) {
        let endpoint = fresh.get(&d.endpoint.id).unwrap_or(&d.endpoint);
        let failed = d.delivery.attempts as usize + 1;
        let next =
            if d.attempt.outcome == Outcome::Gone { None } else { next_delay(&cfg.retry_schedule_seconds, failed) };
        outcomes.push((false, if next.is_some() { "failed" } else { "gave_up" }));
        let active_before = d.delivery.clone();
        let mut active = d.delivery.clone();
        active.attempts = failed as i32;
        active.locked_until = None;
        match next {
            Some(delay) => active.next_attempt_at = now + delay,
            None => {
                active.status = FAILED.into();
                active.finished_at = Some(now);
            }
        }
        praetor_store::update(w.txn(), &active_before, active).await?;
        if endpoint.failing_since.is_none() {
            newly_failing.entry(endpoint.id).or_insert(d.at);
        }
        let since = endpoint.failing_since.unwrap_or(d.at);
        if d.attempt.outcome == Outcome::Gone {
            disable.insert(endpoint.id, (endpoint.clone(), "the endpoint answered 410 Gone".into()));
        } else if now - since >= disable_after {
            let why = format!("every delivery attempt has failed since {}", since.to_rfc3339());
            disable.entry(endpoint.id).or_insert((endpoint.clone(), why));
        }
    }
    for (id, at) in newly_failing {
        webhook_endpoint::start_failing(w.txn(), id, at).await?;
    }
    for (endpoint, why) in disable.into_values() {
        if webhook_endpoint::disable(w.txn(), endpoint.tenant(), endpoint.id, &why, now).await? {
            super::webhooks::fail_pending(&w, &endpoint).await?;
            tracing::warn!(endpoint = %endpoint.id, "webhook endpoint disabled: {why}");
            w.audit(
                endpoint.tenant(),
                Entry::new(
                    "webhook.endpoint_disabled",
                    endpoint.id,
                    json!({"url": super::webhooks::redacted_url(&endpoint.url), "reason": why}),
                )
                .in_project(endpoint.project_id),
            )
            .await?;
            w.webhooks_changed(endpoint.tenant())?;
        }
    }
    w.commit().await?;
    outcomes.extend(batch.iter().filter(|d| d.attempt.outcome == Outcome::Delivered).map(|_| (true, "delivered")));
    Ok(outcomes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_follow_the_schedule_with_bounded_jitter() {
        let schedule = [0, 5, 300];
        assert_eq!(next_delay(&schedule, 0), Some(Duration::zero()));
        for _ in 0..100 {
            let d = next_delay(&schedule, 2).unwrap().num_milliseconds();
            assert!((240_000..=360_000).contains(&d), "{d}");
        }
        assert_eq!(next_delay(&schedule, 3), None);
    }
}
