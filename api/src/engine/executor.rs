//! The executor: runs a claimed plan job step by step.
//!
//! Every step is re-decided through the pipeline first (policy or rights may have changed since
//! the plan was approved). A handler's outcome and the state changes it makes are recorded in
//! one transaction, so a crash either keeps both or neither; a step that started but never
//! recorded an outcome is called again on resume with the same idempotency key, which external
//! systems use to drop the duplicate. Nothing here reads the wall clock except through
//! `app.clock`.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use praetor_entities::{OrgId, PlanId, TenantScoped, job, plan};
use sea_orm::{ColumnTrait, QueryFilter, QuerySelect};
use serde_json::{Value, json};

use super::model::{OnFailure, PlanEvent, PlanStatus, Stage, Step};
use super::reducer::{PlanView, StepStatus};
use super::{queue, state, store};
use crate::AppState;
use crate::actions::{HandlerCtx, Outcome, net::Egress};
use crate::auth::{ActorRef, principal_for_subject};
use crate::error::{Error, Result};
use crate::governance::pipeline::{self, DecisionContext, Verdict};

/// What the worker should do with the job afterwards.
#[derive(Debug, Clone, PartialEq)]
pub enum JobResult {
    Done,
    RunAt(DateTime<Utc>),
}

/// The actor recorded for what the engine does on a plan's behalf: the proposer's chain, then
/// the engine itself.
fn engine_actor(plan: &plan::Model) -> Vec<ActorRef> {
    let mut chain: Vec<ActorRef> = serde_json::from_str(&plan.proposer).unwrap_or_default();
    chain.push(ActorRef {
        kind: "system".into(),
        id: "engine".into(),
        name: "praetor engine".into(),
    });
    chain
}

async fn load_plan(app: &AppState, org: OrgId, id: PlanId) -> Result<Option<plan::Model>> {
    Ok(plan::Entity::find_in_org(org)
        .filter(plan::Column::Id.eq(id))
        .one(&app.db)
        .await?)
}

/// Appends events under the plan's row lock. If another writer (a cancel, an approval) got
/// there first, the view is refreshed from the log and the events are re-checked against it;
/// `Ok(false)` means they no longer apply.
async fn commit(
    app: &AppState,
    plan: &mut plan::Model,
    view: &mut PlanView,
    events: Vec<PlanEvent>,
) -> Result<bool> {
    let mut w = app.write(engine_actor(plan)).await?;
    let fresh = plan::Entity::find_in_org(plan.org_id)
        .filter(plan::Column::Id.eq(plan.id))
        .lock_exclusive()
        .one(w.txn())
        .await?
        .ok_or_else(|| Error::not_found("plan"))?;
    if fresh.event_count != plan.event_count {
        *plan = fresh;
        *view = store::view(w.txn(), plan).await?;
    }
    let mut trial = view.clone();
    for e in &events {
        if super::reducer::apply(&mut trial, e).is_err() {
            return Ok(false);
        }
    }
    store::append(&mut w, plan, view, events).await?;
    w.commit().await?;
    Ok(true)
}

/// Runs (or resumes) the plan of `job` until it finishes, waits, or must come back later.
pub async fn run_job(app: &Arc<AppState>, job: &job::Model, worker: &str) -> Result<JobResult> {
    let Some(mut plan) = load_plan(app, job.org_id, job.plan_id).await? else {
        return Ok(JobResult::Done);
    };
    let now = app.clock.now();
    if PlanStatus::parse(&plan.status).is_none_or(|s| s.is_terminal()) {
        return Ok(JobResult::Done);
    }
    if !queue::acquire_lease(&app.db, plan.project_id, worker, now).await? {
        return Ok(JobResult::RunAt(now + Duration::milliseconds(250)));
    }
    let result = run_locked(app, &mut plan, job, worker).await;
    if let Err(e) = queue::release_lease(&app.db, plan.project_id, worker).await {
        tracing::warn!(plan = %plan.id, "could not release project lease: {e}");
    }
    result
}

async fn run_locked(
    app: &Arc<AppState>,
    plan: &mut plan::Model,
    job: &job::Model,
    worker: &str,
) -> Result<JobResult> {
    let steps = store::steps_of(plan)?;
    let mut view = store::view(&app.db, plan).await?;
    match view.status {
        PlanStatus::Queued => {
            if !commit(app, plan, &mut view, vec![PlanEvent::Started]).await? {
                return Ok(JobResult::Done);
            }
        }
        PlanStatus::Running => {}
        // Waiting for approval, or already finished: nothing to run.
        _ => return Ok(JobResult::Done),
    }
    loop {
        if view.status != PlanStatus::Running {
            return Ok(JobResult::Done);
        }
        let now = app.clock.now();
        queue::renew(&app.db, job.id, worker, now).await?;
        queue::acquire_lease(&app.db, plan.project_id, worker, now).await?;
        let index = view.next_step;
        let Some(step) = steps.get(index) else {
            let finish = if view.failed {
                PlanEvent::Failed {
                    error: "a step failed".into(),
                }
            } else {
                let (s, project_seq) =
                    store::current_state_at(&app.db, plan.org_id, plan.project_id).await?;
                PlanEvent::Succeeded {
                    state_hash: state::hash(&s),
                    project_seq,
                }
            };
            commit(app, plan, &mut view, vec![finish]).await?;
            return Ok(JobResult::Done);
        };
        match run_step(app, plan, &mut view, index, step, &steps).await? {
            StepResult::Continue => continue,
            StepResult::Come(back) => return Ok(back),
        }
    }
}

enum StepResult {
    Continue,
    Come(JobResult),
}

async fn run_step(
    app: &Arc<AppState>,
    plan: &mut plan::Model,
    view: &mut PlanView,
    index: usize,
    step: &Step,
    steps: &[Step],
) -> Result<StepResult> {
    let now = app.clock.now();
    let progress = view
        .steps
        .get(index)
        .cloned()
        .ok_or_else(|| Error::internal("step index out of range"))?;
    // A durable timer that has run out, or a gate that was approved: the step is done.
    if progress.status == StepStatus::Waiting {
        if let Some(until) = view.waiting_until
            && now < until
        {
            return Ok(StepResult::Come(JobResult::RunAt(until)));
        }
        let output = if view.waiting_until.is_some() {
            json!({"waited": true})
        } else {
            json!({"approved": true})
        };
        commit(
            app,
            plan,
            view,
            vec![PlanEvent::StepSucceeded {
                index,
                step: step.id.clone(),
                output,
                cost: 0.0,
            }],
        )
        .await?;
        return Ok(StepResult::Continue);
    }

    // Re-decide under today's policy and rights, with the state as it is now.
    let current = store::current_state(&app.db, plan.org_id, plan.project_id).await?;
    let decision = match principal_for_subject(&app.db, &plan.proposer_subject).await? {
        None => None,
        Some(p) => match crate::services::orgs::enter_by_id(app, &p, plan.org_id).await {
            Ok(access) => {
                let ctx = DecisionContext {
                    access: &access,
                    project: plan.project_id,
                    state: &current,
                    now,
                    policy_version: plan.policy_version.clone(),
                };
                Some(pipeline::decide_plan(&ctx, std::slice::from_ref(step)).await)
            }
            Err(_) => None,
        },
    };
    let denial = match &decision {
        None => Some("the proposer no longer belongs to the organization".to_string()),
        Some(d) if d.verdict == Verdict::Denied => Some(
            d.steps
                .iter()
                .flat_map(|s| {
                    s.checks
                        .iter()
                        .filter(|c| c.verdict == Verdict::Denied)
                        .map(|c| format!("{}: {}", c.code, c.message))
                })
                .collect::<Vec<_>>()
                .join("; "),
        ),
        Some(_) => None,
    };
    let attempt = progress.attempts + 1;
    let key = format!("{}:{}", plan.id, step.id);
    if let Some(d) = decision.as_ref().and_then(|d| d.steps.first()) {
        let (_, project_seq) =
            store::current_state_at(&app.db, plan.org_id, plan.project_id).await?;
        pipeline::record(
            &app.db,
            plan.org_id,
            plan.project_id,
            Some(plan.id),
            "execute",
            step,
            d,
            &plan.proposer_subject,
            project_seq,
            &plan.policy_version,
            now,
        )
        .await?;
    }
    if let Some(reason) = denial {
        let events = vec![
            PlanEvent::StepStarted {
                index,
                step: step.id.clone(),
                attempt,
                idempotency_key: key,
            },
            PlanEvent::StepFailed {
                index,
                step: step.id.clone(),
                attempt,
                error: format!("denied at execution: {reason}"),
                retry_at: None,
            },
        ];
        commit(app, plan, view, events).await?;
        return after_failure(app, plan, view, step, steps).await;
    }
    let action = crate::actions::resolve(&step.action)
        .ok_or_else(|| Error::internal(format!("action {} vanished", step.action)))?;
    if !commit(
        app,
        plan,
        view,
        vec![PlanEvent::StepStarted {
            index,
            step: step.id.clone(),
            attempt,
            idempotency_key: key.clone(),
        }],
    )
    .await?
    {
        return Ok(StepResult::Come(JobResult::Done));
    }
    let handler = action
        .handler()
        .ok_or_else(|| Error::internal(format!("no handler for {}", step.action)))?;
    let egress = Egress::new(Vec::new(), app.config.actions.allow_private_networks);
    let plan_id = plan.id.to_string();
    let ctx = HandlerCtx {
        state: &current,
        now,
        idempotency_key: &key,
        egress: &egress,
        plan: &plan_id,
        step: &step.id,
    };
    let outcome = match tokio::time::timeout(
        StdDuration::from_secs(action.timeout_secs),
        handler.run(&ctx, &step.params),
    )
    .await
    {
        Ok(r) => r,
        Err(_) => Err(crate::actions::HandlerError::transient(format!(
            "timed out after {}s",
            action.timeout_secs
        ))),
    };
    match outcome {
        Ok(Outcome::Done { output, ops }) => {
            let mut events = Vec::new();
            if !ops.is_empty() {
                let mut next = current.clone();
                state::apply(&mut next, &ops);
                events.push(PlanEvent::StateChanged {
                    index,
                    step: step.id.clone(),
                    ops,
                    state_hash: state::hash(&next),
                });
            }
            events.push(PlanEvent::StepSucceeded {
                index,
                step: step.id.clone(),
                output,
                cost: action.cost,
            });
            commit(app, plan, view, events).await?;
            Ok(StepResult::Continue)
        }
        Ok(Outcome::Wait { until }) => {
            commit(
                app,
                plan,
                view,
                vec![PlanEvent::StepWaiting {
                    index,
                    step: step.id.clone(),
                    until,
                }],
            )
            .await?;
            Ok(StepResult::Come(JobResult::RunAt(until)))
        }
        Ok(Outcome::Gate { stage }) => {
            open_gate(app, plan, view, index, step, stage).await?;
            Ok(StepResult::Come(JobResult::Done))
        }
        Err(e) => {
            let retry = e.retryable && attempt < action.max_attempts;
            let retry_at = retry.then(|| {
                now + Duration::seconds((action.backoff_secs << (attempt - 1).min(10)) as i64)
            });
            commit(
                app,
                plan,
                view,
                vec![PlanEvent::StepFailed {
                    index,
                    step: step.id.clone(),
                    attempt,
                    error: e.message,
                    retry_at,
                }],
            )
            .await?;
            match retry_at {
                Some(t) => Ok(StepResult::Come(JobResult::RunAt(t))),
                None => after_failure(app, plan, view, step, steps).await,
            }
        }
    }
}

/// A step failed for good: go on, stop, or compensate, as the step says.
async fn after_failure(
    app: &Arc<AppState>,
    plan: &mut plan::Model,
    view: &mut PlanView,
    step: &Step,
    steps: &[Step],
) -> Result<StepResult> {
    match step.on_failure {
        OnFailure::Continue => Ok(StepResult::Continue),
        OnFailure::Stop => {
            commit(
                app,
                plan,
                view,
                vec![PlanEvent::Failed {
                    error: format!("step {} failed", step.id),
                }],
            )
            .await?;
            Ok(StepResult::Come(JobResult::Done))
        }
        OnFailure::Compensate => {
            compensate(app, plan, view, steps).await?;
            commit(
                app,
                plan,
                view,
                vec![PlanEvent::Failed {
                    error: format!("step {} failed; completed steps compensated", step.id),
                }],
            )
            .await?;
            Ok(StepResult::Come(JobResult::Done))
        }
    }
}

/// Runs the compensation of every succeeded step, newest first. Built-in actions declare no
/// compensation; actions from policy documents can.
async fn compensate(
    app: &Arc<AppState>,
    plan: &mut plan::Model,
    view: &mut PlanView,
    steps: &[Step],
) -> Result<()> {
    let done: Vec<usize> = (0..steps.len())
        .rev()
        .filter(|i| {
            view.steps
                .get(*i)
                .is_some_and(|s| s.status == StepStatus::Succeeded)
        })
        .collect();
    for index in done {
        let Some(step) = steps.get(index) else {
            continue;
        };
        let Some(comp) = crate::actions::compensation_for(&step.action, &step.params) else {
            continue;
        };
        commit(
            app,
            plan,
            view,
            vec![PlanEvent::CompensationStarted {
                index,
                step: step.id.clone(),
                action: comp.action.clone(),
            }],
        )
        .await?;
        let result = run_compensation(app, plan, &comp).await;
        let (ok, error, ops) = match result {
            Ok(ops) => (true, None, ops),
            Err(e) => (false, Some(e), Vec::new()),
        };
        let mut events = Vec::new();
        if !ops.is_empty() {
            let mut next = store::current_state(&app.db, plan.org_id, plan.project_id).await?;
            state::apply(&mut next, &ops);
            events.push(PlanEvent::StateChanged {
                index,
                step: step.id.clone(),
                ops,
                state_hash: state::hash(&next),
            });
        }
        events.push(PlanEvent::CompensationFinished {
            index,
            step: step.id.clone(),
            ok,
            error,
        });
        commit(app, plan, view, events).await?;
    }
    Ok(())
}

async fn run_compensation(
    app: &Arc<AppState>,
    plan: &plan::Model,
    comp: &crate::actions::Compensation,
) -> std::result::Result<Vec<state::StateOp>, String> {
    let action = crate::actions::resolve(&comp.action)
        .ok_or_else(|| format!("compensation action {} is not registered", comp.action))?;
    let handler = action
        .handler()
        .ok_or_else(|| format!("no handler for {}", comp.action))?;
    let current = store::current_state(&app.db, plan.org_id, plan.project_id)
        .await
        .map_err(|e| e.to_string())?;
    let egress = Egress::new(Vec::new(), app.config.actions.allow_private_networks);
    let key = format!("{}:compensate:{}", plan.id, comp.action);
    let plan_id = plan.id.to_string();
    let ctx = HandlerCtx {
        state: &current,
        now: app.clock.now(),
        idempotency_key: &key,
        egress: &egress,
        plan: &plan_id,
        step: "compensation",
    };
    match handler.run(&ctx, &comp.params).await {
        Ok(Outcome::Done { ops, .. }) => Ok(ops),
        Ok(_) => Err("a compensation must finish at once".into()),
        Err(e) => Err(e.message),
    }
}

/// An `approval.gate` step: the plan waits for a new approval stage.
async fn open_gate(
    app: &Arc<AppState>,
    plan: &mut plan::Model,
    view: &mut PlanView,
    index: usize,
    step: &Step,
    stage: Stage,
) -> Result<()> {
    let number = view.stages_requested;
    let mut stages: Vec<Stage> = serde_json::from_str(&plan.approval_stages).unwrap_or_default();
    stages.push(stage.clone());
    let events = vec![
        PlanEvent::GateOpened {
            index,
            step: step.id.clone(),
            stage: number,
        },
        PlanEvent::ApprovalRequested {
            stage: number,
            name: stage.name.clone(),
            groups: stage.groups.clone(),
            count: stage.count,
        },
    ];
    let mut w = app.write(engine_actor(plan)).await?;
    store::append(&mut w, plan, view, events).await?;
    use sea_orm::ActiveModelTrait;
    let mut active: plan::ActiveModel = plan.clone().into();
    active.approval_stages = sea_orm::Set(crate::audit::canonical_json(
        &serde_json::to_value(&stages).unwrap_or(Value::Null),
    ));
    *plan = active.update(w.txn()).await?;
    w.commit().await?;
    Ok(())
}
