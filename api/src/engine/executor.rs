//! The executor: runs a claimed plan job step by step.
//!
//! Every step is re-decided through the pipeline first (policy or rights may have changed since
//! the plan was approved). Steps whose handlers touch nothing outside Praetor (state changes,
//! chat posts, timers, gates) run in memory and their events are committed together — one
//! transaction for a run of such steps (group commit). Before a handler that reaches outside
//! (HTTP, external handlers) the batch is committed and `StepStarted` is made durable, and the
//! outcome is committed right after the call; a step that started but never recorded an
//! outcome is called again on resume with the same idempotency key, which external systems use
//! to drop the duplicate. A crash loses at most an uncommitted batch, which then simply runs
//! again: nothing of it was ever visible.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use praetor_store::{Owned, ProjectId, decision, job, plan};
use serde_json::{Value, json};

use super::{queue, store};
use crate::AppState;
use crate::actions::{self, HandlerCtx, HandlerError, Outcome, ResolvedAction, net::Egress};
use crate::auth::ActorRef;
use crate::authz::OrgAccess;
use crate::authz::proposer;
use crate::error::{Error, Result};
use crate::governance::load;
use crate::governance::pipeline::{self, DecisionContext, Verdict};
use crate::governance::policy::Loaded;
use crate::governance::rate;
use praetor_domain::plan::{OnFailure, PlanEvent, PlanStatus, Stage, Step};
use praetor_domain::reducer::{self, PlanView, StepStatus};
use praetor_domain::snapshot::{KillInfo, Phase};
use praetor_domain::state;

/// What the worker should do with the job afterwards.
#[derive(Debug, Clone, PartialEq)]
pub enum JobResult {
    Done,
    RunAt(DateTime<Utc>),
}

/// The actor recorded for what the engine does on a plan's behalf: the proposer's chain, then
/// the engine itself.
fn engine_actor(plan: &plan::Model) -> Result<Vec<ActorRef>> {
    let mut chain: Vec<ActorRef> =
        crate::error::stored(format_args!("the proposer of plan {}", plan.id), &plan.proposer)?;
    chain.push(ActorRef::engine());
    Ok(chain)
}

/// Runs (or resumes) the plan of `job` until it finishes, waits, or must come back later, then
/// settles the job (finished, or to run again) and gives back the project's lease together.
pub async fn run_job(app: &Arc<AppState>, job: &job::Model, worker: &str) -> Result<()> {
    let (result, leased) = run(app, job, worker).await;
    let how = match result {
        Ok(JobResult::Done) => queue::Settled::Done,
        Ok(JobResult::RunAt(at)) => queue::Settled::RunAt(at, None),
        Err(e) => {
            tracing::warn!(plan = %job.plan_id, "plan run failed, will retry: {e}");
            let delay = Duration::seconds(i64::from(job.attempts.clamp(1, 30)));
            queue::Settled::RunAt(app.clock.now() + delay, Some(e.to_string()))
        }
    };
    queue::settle(app, job.id, leased.map(|p| (p, worker)), how).await
}

/// Runs `job`'s plan; with the project whose lease it took for that.
async fn run(app: &Arc<AppState>, job: &job::Model, worker: &str) -> (Result<JobResult>, Option<ProjectId>) {
    let now = app.clock.now();
    let plan = match plan_and_lease(app, job, worker, now).await {
        Ok(Some((plan, true))) => plan,
        Ok(Some((_, false))) => return (Ok(JobResult::RunAt(now + Duration::milliseconds(250))), None),
        Ok(None) => return (Ok(JobResult::Done), None),
        Err(e) => return (Err(e), None),
    };
    let project = plan.project_id;
    let result = match Run::load(app, plan).await {
        Ok(mut run) => run.go(job, worker).await,
        Err(e) => Err(e),
    };
    (result, Some(project))
}

/// `job`'s plan, unless it is gone or finished, and whether `worker` took its project's lease:
/// one transaction.
async fn plan_and_lease(
    app: &AppState,
    job: &job::Model,
    worker: &str,
    now: DateTime<Utc>,
) -> Result<Option<(plan::Model, bool)>> {
    let txn = crate::db::begin_write(&app.db).await?;
    let plan = match plan::by_id(&txn, job.tenant(), job.plan_id).await? {
        Some(plan) if PlanStatus::parse(&plan.status).is_some_and(|s| !s.is_terminal()) => plan,
        _ => return Ok(None),
    };
    let leased = queue::take_lease(app, &txn, plan.project_id, worker, now).await?;
    txn.commit().await?;
    Ok(Some((plan, leased)))
}

/// One run of a plan: what is committed, and what is pending in memory.
struct Run<'a> {
    app: &'a Arc<AppState>,
    plan: plan::Model,
    steps: Vec<Step>,
    /// The view including pending events.
    view: PlanView,
    /// The view of what is committed.
    committed: PlanView,
    /// The project state including pending changes (we hold the project lease).
    state: Value,
    /// The project's state-change count including pending changes.
    project_seq: i64,
    pending: Vec<PlanEvent>,
    decisions: Vec<decision::Model>,
    access: Option<OrgAccess>,
    /// The proposer as conditions see it.
    principal: Value,
    policy: Arc<Loaded>,
    egress: Egress,
}

enum Next {
    Continue,
    Stop(JobResult),
}

/// What the execution-time decision says about a step.
enum Decided {
    /// Run it, once these rate limits admit it.
    Go(Vec<rate::Applicable>),
    Skip(String),
    Deny(String),
    /// Not yet: a rate limit or a closed window; try again `until`.
    Defer {
        code: String,
        reason: String,
        until: DateTime<Utc>,
    },
    Kill(KillInfo),
}

/// How often a running handler looks at the kill switch.
const KILL_POLL: StdDuration = StdDuration::from_millis(200);
/// How long a queued plan held by a kill switch waits before the worker looks again (a release
/// wakes it at once).
const HELD_FOR_SECS: i64 = 60;

impl<'a> Run<'a> {
    async fn load(app: &'a Arc<AppState>, plan: plan::Model) -> Result<Self> {
        let steps = store::steps_of(&plan)?;
        // The proposer's rights as they are now (for an agent's plan: the person it acted for,
        // through the agent's current role).
        let access = proposer::proposer_access(&app.authz, &app.db, &plan).await?;
        // The plan's log, the project's state, the proposer's groups and the policy's versions
        // in one snapshot.
        let reads = crate::db::begin_reads(&app.db).await?;
        let view = store::view(&reads, &plan).await?;
        let (state, project_seq) = store::current_state_at(&reads, plan.tenant(), plan.project_id).await?;
        let principal = match &access {
            Some(a) => pipeline::principal_value(a.principal(), &proposer::groups_of(&reads, a, a.principal()).await?),
            None => Value::Null,
        };
        // Execution follows the policy in force now, not the one the plan was proposed under.
        let policy = app.policies.effective(&reads, plan.tenant(), Some(plan.project_id)).await?;
        reads.end().await?;
        let egress = Egress::with_lists(policy.effective.egress_lists(), app.config.actions.allow_private_networks);
        Ok(Self {
            app,
            plan,
            steps,
            committed: view.clone(),
            view,
            state,
            project_seq,
            pending: Vec::new(),
            decisions: Vec::new(),
            access,
            principal,
            policy,
            egress,
        })
    }

    fn push(&mut self, event: PlanEvent) -> Result<()> {
        reducer::apply(&mut self.view, &event)
            .map_err(|why| Error::Conflict(format!("plan {}: {why}", self.plan.id)))?;
        self.pending.push(event);
        Ok(())
    }

    /// A state change: applied to the in-memory state, recorded with the resulting hash.
    fn push_state(&mut self, index: usize, step: &str, ops: Vec<state::StateOp>) -> Result<()> {
        if ops.is_empty() {
            return Ok(());
        }
        state::apply(&mut self.state, &ops);
        self.project_seq += 1;
        let state_hash = state::hash(&self.state);
        self.push(PlanEvent::StateChanged { index, step: step.to_string(), ops, state_hash })
    }

    /// Commits pending events and decisions under the plan's row lock. If someone else
    /// appended in the meantime (a cancel), the batch is dropped and `false` returned: nothing
    /// of it was ever visible, and the next run starts from the log.
    async fn flush(&mut self) -> Result<bool> {
        if self.pending.is_empty() && self.decisions.is_empty() {
            return Ok(true);
        }
        let events = std::mem::take(&mut self.pending);
        let decisions = std::mem::take(&mut self.decisions);
        let mut w = self.app.write(engine_actor(&self.plan)?).await?;
        let fresh =
            plan::lock(w.txn(), self.plan.tenant(), self.plan.id).await?.ok_or_else(|| Error::not_found("plan"))?;
        if fresh.event_count != self.plan.event_count {
            return Ok(false);
        }
        let mut committed = self.committed.clone();
        store::append(&mut w, &mut self.plan, &mut committed, events).await?;
        if !decisions.is_empty() {
            praetor_store::insert_many(w.txn(), decisions).await?;
        }
        w.commit().await?;
        self.committed = committed;
        Ok(true)
    }

    /// The kill switch in force for the plan's project (cached for a fraction of a second).
    async fn kill_switch(&self) -> Result<Option<KillInfo>> {
        self.app.kills.get(&self.app.db, self.plan.org_id, Some(self.plan.project_id)).await
    }

    async fn go(&mut self, job: &job::Model, worker: &str) -> Result<JobResult> {
        match self.view.status {
            PlanStatus::Queued => {
                // A kill switch holds queued plans; its release resumes or cancels them.
                if self.kill_switch().await?.is_some() {
                    return Ok(JobResult::RunAt(self.app.clock.now() + Duration::seconds(HELD_FOR_SECS)));
                }
                self.push(PlanEvent::Started)?
            }
            PlanStatus::Running => {}
            // Waiting for approval, or finished: nothing to run.
            _ => return Ok(JobResult::Done),
        }
        loop {
            if self.view.status != PlanStatus::Running {
                self.flush().await?;
                return Ok(JobResult::Done);
            }
            if let Some(k) = self.kill_switch().await? {
                self.kill(k).await?;
                self.flush().await?;
                return Ok(JobResult::Done);
            }
            let index = self.view.next_step;
            let Some(step) = self.steps.get(index).cloned() else {
                let finish = if self.view.failed {
                    PlanEvent::Failed { error: "a step failed".into() }
                } else {
                    PlanEvent::Succeeded { state_hash: state::hash(&self.state), project_seq: self.project_seq }
                };
                self.push(finish)?;
                self.flush().await?;
                return Ok(JobResult::Done);
            };
            let span = tracing::info_span!("step", step = %step.id, action = %step.action, index);
            match tracing::Instrument::instrument(self.step(index, &step, job, worker), span).await? {
                Next::Continue => continue,
                Next::Stop(result) => {
                    if !self.flush().await? {
                        return Ok(JobResult::Done);
                    }
                    return Ok(result);
                }
            }
        }
    }

    async fn step(&mut self, index: usize, step: &Step, job: &job::Model, worker: &str) -> Result<Next> {
        let now = self.app.clock.now();
        let progress = self.view.steps.get(index).cloned().ok_or_else(|| Error::internal("step index out of range"))?;
        // A durable timer that has run out, or a gate that was approved: the step is done.
        if progress.status == StepStatus::Waiting {
            if let Some(until) = self.view.waiting_until
                && now < until
            {
                return Ok(Next::Stop(JobResult::RunAt(until)));
            }
            let output =
                if self.view.waiting_until.is_some() { json!({"waited": true}) } else { json!({"approved": true}) };
            self.push(PlanEvent::StepSucceeded { index, step: step.id.clone(), output, cost: 0.0 })?;
            return Ok(Next::Continue);
        }

        let attempt = progress.attempts + 1;
        let key = format!("{}:{}", self.plan.id, step.id);
        let denial = match self.decide(step, now).await? {
            Decided::Skip(reason) => {
                self.push(PlanEvent::StepSkipped { index, step: step.id.clone(), reason })?;
                return Ok(Next::Continue);
            }
            Decided::Deny(reason) => Some(reason),
            Decided::Defer { code, reason, until } => {
                self.push(PlanEvent::StepDeferred { index, step: step.id.clone(), code, reason, until })?;
                return Ok(Next::Stop(JobResult::RunAt(until)));
            }
            Decided::Kill(k) => {
                self.kill(k).await?;
                return Ok(Next::Stop(JobResult::Done));
            }
            Decided::Go(limits) => {
                if let Some((reason, until)) = self.admit(&limits, now).await? {
                    let code = "RATE_LIMITED".to_string();
                    self.push(PlanEvent::StepDeferred { index, step: step.id.clone(), code, reason, until })?;
                    return Ok(Next::Stop(JobResult::RunAt(until)));
                }
                None
            }
        };
        if let Some(reason) = denial {
            self.push(PlanEvent::StepStarted { index, step: step.id.clone(), attempt, idempotency_key: key })?;
            self.push(PlanEvent::StepFailed {
                index,
                step: step.id.clone(),
                attempt,
                error: format!("denied at execution: {reason}"),
                retry_at: None,
            })?;
            return self.after_failure(step).await;
        }
        let action = actions::resolve(&step.action, &self.policy.effective)
            .ok_or_else(|| Error::internal(format!("action {} vanished", step.action)))?;
        let cost = action.cost_for(&step.params, &self.policy.effective, now).unwrap_or(0.0);
        self.push(PlanEvent::StepStarted { index, step: step.id.clone(), attempt, idempotency_key: key.clone() })?;
        if action.reaches_outside() {
            // Make StepStarted durable before the world can see the call.
            if !self.flush().await? {
                return Ok(Next::Stop(JobResult::Done));
            }
            queue::renew(self.app, job.id, worker, now).await?;
            queue::acquire_lease(self.app, self.plan.project_id, worker, now).await?;
        }
        let started = std::time::Instant::now();
        let handler = match &action.handler {
            crate::actions::HandlerSpec::Builtin { name, .. } => *name,
            crate::actions::HandlerSpec::External { .. } => "external",
        };
        let span = tracing::info_span!("handler", action = %step.action, handler);
        let outcome = tracing::Instrument::instrument(self.call(&action, step, &key, now, true), span).await;
        match &outcome {
            Ok(Outcome::Done { .. }) => crate::metrics::step(&step.action, true, started.elapsed()),
            Err(_) => crate::metrics::step(&step.action, false, started.elapsed()),
            Ok(_) => {}
        }
        if outcome.is_err()
            && let Some(k) = self.kill_switch().await?
        {
            // Cancelled by the kill switch (or failed while one was engaged): no retry.
            let error = outcome.err().map(|e| e.message).unwrap_or_default();
            self.push(PlanEvent::StepFailed { index, step: step.id.clone(), attempt, error, retry_at: None })?;
            self.kill(k).await?;
            return Ok(Next::Stop(JobResult::Done));
        }
        match outcome {
            Ok(Outcome::Done { output, ops }) => {
                self.push_state(index, &step.id, ops)?;
                self.push(PlanEvent::StepSucceeded { index, step: step.id.clone(), output, cost })?;
                if action.reaches_outside() && !self.flush().await? {
                    return Ok(Next::Stop(JobResult::Done));
                }
                Ok(Next::Continue)
            }
            Ok(Outcome::Wait { until }) => {
                self.push(PlanEvent::StepWaiting { index, step: step.id.clone(), until })?;
                Ok(Next::Stop(JobResult::RunAt(until)))
            }
            Ok(Outcome::Gate { stage }) => {
                self.open_gate(index, step, stage).await?;
                Ok(Next::Stop(JobResult::Done))
            }
            Err(e) => {
                let retry = e.retryable && attempt < action.max_attempts;
                let retry_at =
                    retry.then(|| now + Duration::seconds((action.backoff_secs << (attempt - 1).min(10)) as i64));
                self.push(PlanEvent::StepFailed { index, step: step.id.clone(), attempt, error: e.message, retry_at })?;
                match retry_at {
                    Some(t) => Ok(Next::Stop(JobResult::RunAt(t))),
                    None => self.after_failure(step).await,
                }
            }
        }
    }

    /// Re-decides a step under today's policy and rights, against the state as it is now.
    /// The decision is recorded whatever it is.
    async fn decide(&mut self, step: &Step, now: DateTime<Utc>) -> Result<Decided> {
        let Some(access) = self.access.clone() else {
            return Ok(Decided::Deny(
                "the proposer no longer belongs to the organization (or its agent was disabled)".into(),
            ));
        };
        let steps = std::slice::from_ref(step);
        let request = load::For {
            tenant: self.plan.tenant(),
            project: self.plan.project_id,
            effective: &self.policy.effective,
            principal: &self.principal,
            steps,
            phase: Phase::Execute,
            now,
        };
        let gov = load::snapshot(&self.app.db, Some(&self.app.kills), &request).await?;
        let rights = pipeline::rights_of(&access, self.plan.project_id, steps);
        // Conditions on `plan.*` see the whole plan, as when it was proposed.
        let plan_value = json!({"cost": self.plan.cost, "risk": self.plan.risk, "steps": self.steps.len()});
        let ctx = DecisionContext {
            org: self.plan.org_id,
            project: self.plan.project_id,
            state: &self.state,
            now,
            policy: self.policy.clone(),
            principal: self.principal.clone(),
            rights: &rights,
            gov: &gov,
            plan: Some(plan_value.clone()),
        };
        let d = pipeline::decide(crate::metrics::Stage::Execution, &ctx, steps);
        let Some(sd) = d.steps.first() else { return Ok(Decided::Deny("no decision".into())) };
        let row = pipeline::decision_row(&ctx, Some(self.plan.id), "execute", step, sd, &plan_value, self.project_seq)?;
        self.decisions.push(row);
        if sd.skipped {
            return Ok(Decided::Skip(sd.checks.first().map(|c| c.message.clone()).unwrap_or_default()));
        }
        if let Some(k) = d.kill_switch {
            return Ok(Decided::Kill(k));
        }
        let limits = rate::applicable(
            &self.policy.effective,
            &step.action,
            self.plan.org_id,
            self.plan.project_id,
            &self.principal,
        );
        // Refusals that pass with time hold the step until then instead of failing the plan.
        let denied: Vec<&pipeline::Check> = sd.checks.iter().filter(|c| c.verdict == Verdict::Denied).collect();
        let passes_with_time = !denied.is_empty()
            && denied.iter().all(|c| (c.code == "RATE_LIMITED" || c.code == "OUTSIDE_WINDOW") && c.retry_at.is_some());
        if passes_with_time {
            let until = denied.iter().filter_map(|c| c.retry_at).max().unwrap_or(now);
            let code = denied.first().map(|c| c.code.clone()).unwrap_or_default();
            let reason = denied.iter().map(|c| c.message.clone()).collect::<Vec<_>>().join("; ");
            return Ok(Decided::Defer { code, reason, until });
        }
        match d.verdict {
            Verdict::Denied => Ok(Decided::Deny(
                sd.checks
                    .iter()
                    .filter(|c| c.verdict == Verdict::Denied)
                    .map(|c| format!("{}: {}", c.code, c.message))
                    .collect::<Vec<_>>()
                    .join("; "),
            )),
            // Approvals the plan did not get (policy tightened since) stop it here.
            Verdict::NeedsApproval => {
                let granted = crate::engine::store::stages_of(&self.plan)?;
                let missing: Vec<String> = sd
                    .approvals
                    .iter()
                    .filter(|need| {
                        !granted.iter().any(|g| {
                            g.groups == need.groups
                                && g.count >= need.count
                                && (!g.allow_earlier_approvers || need.allow_earlier_approvers)
                        })
                    })
                    .map(|need| need.groups.join("|"))
                    .collect();
                if missing.is_empty() {
                    Ok(Decided::Go(limits))
                } else {
                    Ok(Decided::Deny(format!(
                        "APPROVAL_REQUIRED: policy now needs approval from {} that this plan did not get",
                        missing.join(", ")
                    )))
                }
            }
            Verdict::Allowed => Ok(Decided::Go(limits)),
        }
    }

    /// Takes this execution's slot in each rate limit, atomically across every process sharing
    /// the database. `Some((why, until))` when another execution took the last slot first.
    async fn admit(&self, limits: &[rate::Applicable], now: DateTime<Utc>) -> Result<Option<(String, DateTime<Utc>)>> {
        if limits.is_empty() {
            return Ok(None);
        }
        let keys: Vec<String> = limits.iter().map(|l| l.key(Phase::Execute)).collect();
        let txn = crate::db::begin_write(&self.app.db).await?;
        rate::lock(&txn, &keys).await?;
        let hits = rate::load(&txn, self.plan.tenant(), &keys, now).await?;
        for (limit, key) in limits.iter().zip(&keys) {
            let mine = hits.get(key).map(Vec::as_slice).unwrap_or(&[]);
            for (period, length, max) in limit.periods() {
                let c = rate::count(mine, 0, max, length, now);
                if !c.admitted() {
                    let until = c.retry_at.unwrap_or(now + length);
                    let why = format!("`{}` allows {max} per {period}; {} already counted", limit.name, c.used);
                    return Ok(Some((why, until)));
                }
            }
        }
        rate::record(&txn, self.plan.org_id, &keys, now).await?;
        txn.commit().await?;
        Ok(None)
    }

    /// The kill switch stops the plan: a step in progress is cancelled, completed steps are
    /// compensated where their action defines how, and the plan ends as killed.
    async fn kill(&mut self, k: KillInfo) -> Result<()> {
        let in_progress =
            self.view.steps.iter().position(|s| matches!(s.status, StepStatus::Running | StepStatus::Waiting));
        if let Some(index) = in_progress {
            let step = self.steps.get(index).map(|s| s.id.clone()).unwrap_or_default();
            let attempt = self.view.steps.get(index).map(|s| s.attempts.max(1)).unwrap_or(1);
            self.push(PlanEvent::StepFailed {
                index,
                step,
                attempt,
                error: format!("cancelled: {}", k.message()),
                retry_at: None,
            })?;
        }
        self.compensate().await?;
        self.push(PlanEvent::Killed { reason: k.message() })
    }

    async fn call(
        &self,
        action: &ResolvedAction,
        step: &Step,
        key: &str,
        now: DateTime<Utc>,
        watch_kill: bool,
    ) -> std::result::Result<Outcome, HandlerError> {
        // An organization's own signing secret signs its calls to external handlers; the
        // instance's otherwise.
        let org_signer = match &action.handler {
            crate::actions::HandlerSpec::External { .. } => {
                let secret = crate::secrets::get(
                    &self.app.db,
                    &self.app.secrets,
                    self.plan.tenant(),
                    crate::secrets::EXTERNAL_SIGNING_SECRET,
                )
                .await
                .map_err(|e| {
                    HandlerError::permanent(format!("the signing secret: {}", crate::secrets::describe(&e)))
                })?;
                secret.map(|s| crate::actions::external::Signer::new(s.expose().as_bytes()))
            }
            _ => None,
        };
        let handler = crate::actions::handler_of(action, org_signer.as_ref().or(self.app.signer.as_ref()))
            .ok_or_else(|| HandlerError::permanent(format!("no handler for {}", step.action)))?;
        let params =
            action.handler_params(&step.params, &self.policy.effective, now).map_err(HandlerError::permanent)?;
        let plan_id = self.plan.id.to_string();
        let ctx = HandlerCtx {
            state: &self.state,
            now,
            idempotency_key: key,
            egress: &self.egress,
            plan: &plan_id,
            step: &step.id,
        };
        let run = async {
            match tokio::time::timeout(StdDuration::from_secs(action.timeout_secs), handler.run(&ctx, &params)).await {
                Ok(r) => r,
                Err(_) => Err(HandlerError::transient(format!("timed out after {}s", action.timeout_secs))),
            }
        };
        if !watch_kill {
            return run.await;
        }
        // A handler in flight is abandoned as soon as a kill switch covers the project.
        let (app, org, project) = (self.app, self.plan.org_id, self.plan.project_id);
        let watch = async move {
            loop {
                tokio::time::sleep(KILL_POLL).await;
                if let Ok(Some(k)) = app.kills.get(&app.db, org, Some(project)).await {
                    return k;
                }
            }
        };
        tokio::select! {
            r = run => r,
            k = watch => Err(HandlerError::permanent(format!("cancelled: {}", k.message()))),
        }
    }

    /// A step failed for good: go on, stop, or compensate, as the step says.
    async fn after_failure(&mut self, step: &Step) -> Result<Next> {
        match step.on_failure {
            OnFailure::Continue => Ok(Next::Continue),
            OnFailure::Stop => {
                self.push(PlanEvent::Failed { error: format!("step {} failed", step.id) })?;
                Ok(Next::Stop(JobResult::Done))
            }
            OnFailure::Compensate => {
                self.compensate().await?;
                self.push(PlanEvent::Failed {
                    error: format!("step {} failed; completed steps compensated", step.id),
                })?;
                Ok(Next::Stop(JobResult::Done))
            }
        }
    }

    /// Runs the compensation of every succeeded step, newest first. Built-in actions declare no
    /// compensation; actions from policy documents can.
    async fn compensate(&mut self) -> Result<()> {
        let done: Vec<usize> = (0..self.steps.len())
            .rev()
            .filter(|i| self.view.steps.get(*i).is_some_and(|s| s.status == StepStatus::Succeeded))
            .collect();
        for index in done {
            let Some(step) = self.steps.get(index).cloned() else { continue };
            let now = self.app.clock.now();
            let Some(comp) = actions::resolve(&step.action, &self.policy.effective)
                .and_then(|a| a.compensation_for(&step.params, &self.policy.effective, now))
            else {
                continue;
            };
            self.push(PlanEvent::CompensationStarted { index, step: step.id.clone(), action: comp.action.clone() })?;
            let key = format!("{}:compensate:{}", self.plan.id, step.id);
            let comp_step = Step {
                id: step.id.clone(),
                action: comp.action.clone(),
                params: comp.params.clone(),
                when: None,
                on_failure: OnFailure::Stop,
            };
            let result = match actions::resolve(&comp.action, &self.policy.effective) {
                None => Err(format!("compensation action {} is not registered", comp.action)),
                Some(action) => {
                    if action.reaches_outside() && !self.flush().await? {
                        return Ok(());
                    }
                    match self.call(&action, &comp_step, &key, self.app.clock.now(), false).await {
                        Ok(Outcome::Done { ops, .. }) => Ok(ops),
                        Ok(_) => Err("a compensation must finish at once".to_string()),
                        Err(e) => Err(e.message),
                    }
                }
            };
            match result {
                Ok(ops) => {
                    self.push_state(index, &step.id, ops)?;
                    self.push(PlanEvent::CompensationFinished { index, step: step.id.clone(), ok: true, error: None })?;
                }
                Err(e) => self.push(PlanEvent::CompensationFinished {
                    index,
                    step: step.id.clone(),
                    ok: false,
                    error: Some(e),
                })?,
            }
        }
        Ok(())
    }

    /// An `approval.gate` step: the plan waits for a new approval stage, recorded with the
    /// pending batch.
    async fn open_gate(&mut self, index: usize, step: &Step, stage: Stage) -> Result<()> {
        let number = self.view.stages_requested;
        self.push(PlanEvent::GateOpened { index, step: step.id.clone(), stage: number })?;
        self.push(PlanEvent::ApprovalRequested {
            stage: number,
            name: stage.name.clone(),
            groups: stage.groups.clone(),
            count: stage.count,
        })?;
        if !self.flush().await? {
            return Ok(());
        }
        let mut stages = crate::engine::store::stages_of(&self.plan)?;
        stages.push(stage);
        let stages = crate::audit::canonical_json(&serde_json::to_value(&stages).map_err(Error::internal)?);
        self.plan = plan::set_approval_stages(&self.app.db, &self.plan, stages).await?;
        Ok(())
    }
}
