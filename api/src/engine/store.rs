//! The plan event store. Appending an event runs it through the reducer first (an impossible
//! transition is refused, so the log can only hold histories the reducer accepts), inserts it,
//! updates the plan row's cached status and writes the audit entry, all in the caller's
//! transaction. State-changing events also advance the project's state under its row lock.

use praetor_store::{Owned, PlanEventId, PlanId, ProjectId, Tenant, plan, plan_event, project_state};
use serde_json::Value;

use crate::audit::{Entry, canonical_json};
use crate::error::{Error, Result};
use crate::events::Event;
use crate::write::Write;
use praetor_domain::plan::{PlanEvent, PlanStatus, Stage};
use praetor_domain::reducer::{self, PlanView};
use praetor_domain::state;

pub fn steps_of(plan: &plan::Model) -> Result<Vec<praetor_domain::plan::Step>> {
    serde_json::from_str(&plan.steps)
        .map_err(|e| Error::internal(format!("plan {} has unreadable steps: {e}", plan.id)))
}

pub fn decode(e: &plan_event::Model) -> Result<PlanEvent> {
    serde_json::from_str(&e.data)
        .map_err(|err| Error::internal(format!("event {} of plan {} is unreadable: {err}", e.seq, e.plan_id)))
}

/// The approval stages recorded on a plan. A stored value that does not parse is an error,
/// never "no stages".
pub fn stages_of(plan: &plan::Model) -> Result<Vec<Stage>> {
    serde_json::from_str(&plan.approval_stages)
        .map_err(|e| Error::internal(format!("plan {} has unreadable approval stages: {e}", plan.id)))
}

/// All events of a plan, in order.
pub async fn load<C: praetor_store::Conn>(db: &C, tenant: Tenant, plan: PlanId) -> Result<Vec<plan_event::Model>> {
    Ok(plan_event::of_plan(db, tenant, plan).await?)
}

/// The plan's current view, folded from its log.
pub async fn view<C: praetor_store::Conn>(db: &C, plan: &plan::Model) -> Result<PlanView> {
    let rows = load(db, plan.tenant(), plan.id).await?;
    let events = rows.iter().map(decode).collect::<Result<Vec<_>>>()?;
    let steps = steps_of(plan)?.len();
    reducer::fold(steps, &events)
        .map_err(|(at, why)| Error::internal(format!("plan {} log does not fold at event {at}: {why}", plan.id)))
}

/// The project's state row, locked for update (created empty on first use).
pub async fn lock_state<C: praetor_store::Conn>(
    db: &C,
    tenant: Tenant,
    project: ProjectId,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<project_state::Model> {
    if let Some(s) = project_state::lock(db, tenant, project).await? {
        return Ok(s);
    }
    let empty = state::empty();
    Ok(praetor_store::insert(
        db,
        project_state::Model {
            project_id: project,
            org_id: tenant.org(),
            state: canonical_json(&empty),
            state_hash: state::hash(&empty),
            project_seq: 0,
            updated_at: now,
        },
    )
    .await?)
}

/// The project's current state (empty if nothing ever changed it).
pub async fn current_state<C: praetor_store::Conn>(db: &C, tenant: Tenant, project: ProjectId) -> Result<Value> {
    Ok(current_state_at(db, tenant, project).await?.0)
}

/// The project's current state and the number of state changes it folds.
pub async fn current_state_at<C: praetor_store::Conn>(
    db: &C,
    tenant: Tenant,
    project: ProjectId,
) -> Result<(Value, i64)> {
    match project_state::of(db, tenant, project).await? {
        Some(s) => Ok((
            serde_json::from_str(&s.state).map_err(|e| Error::internal(format!("project state unreadable: {e}")))?,
            s.project_seq,
        )),
        None => Ok((state::empty(), 0)),
    }
}

fn audit_kind(e: &PlanEvent) -> String {
    let mut out = String::from("plan.");
    for (i, c) in e.kind().chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Appends `events` to `plan`'s log inside `w`, keeping `view` and the plan row in step.
/// `StateChanged` ops are applied to the project state here, in the same transaction, and each
/// recorded hash must match the result. Rows are written in one batch per call.
pub async fn append(
    w: &mut Write<'_>,
    plan: &mut plan::Model,
    view: &mut PlanView,
    events: Vec<PlanEvent>,
) -> Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    // Budget first (its ledgers lock before the audit chain head): steps settle what they
    // cost, and a plan that ends releases what it did not use.
    let spent: f64 = events
        .iter()
        .map(|e| match e {
            PlanEvent::StepSucceeded { cost, .. } => *cost,
            _ => 0.0,
        })
        .sum();
    let finished = events.iter().any(|e| {
        matches!(
            e,
            PlanEvent::Succeeded { .. }
                | PlanEvent::Failed { .. }
                | PlanEvent::Cancelled { .. }
                | PlanEvent::Killed { .. }
        )
    });
    if spent > 0.0 || finished {
        crate::governance::budget::settle(w, plan, spent, finished).await?;
    }
    let mut state_row: Option<(project_state::Model, Value)> = None;
    let mut rows = Vec::with_capacity(events.len());
    // A plan proposed from a chat session is told there, event by event, in this transaction.
    let chat_steps = match plan.chat_session_id {
        Some(_) => Some(steps_of(plan)?),
        None => None,
    };
    let mut chat = Vec::new();
    for event in events {
        reducer::apply(view, &event).map_err(|why| Error::Conflict(format!("plan {}: {why}", plan.id)))?;
        if let Some(steps) = &chat_steps {
            chat.extend(crate::chatlog::derive::echo(plan, steps, &event, view.status)?);
            chat.extend(crate::chatlog::derive::posted(plan, steps, &event));
        }
        let mut project_seq = None;
        let mut state_hash = None;
        if let PlanEvent::StateChanged { ops, state_hash: recorded, .. } = &event {
            if state_row.is_none() {
                let row = lock_state(w.txn(), plan.tenant(), plan.project_id, w.now()).await?;
                let s: Value = serde_json::from_str(&row.state)
                    .map_err(|e| Error::internal(format!("project state unreadable: {e}")))?;
                state_row = Some((row, s));
            }
            if let Some((row, s)) = state_row.as_mut() {
                state::apply(s, ops);
                let h = state::hash(s);
                if &h != recorded {
                    return Err(Error::internal(format!("state hash mismatch applying a change of plan {}", plan.id)));
                }
                row.project_seq += 1;
                row.state_hash = h.clone();
                project_seq = Some(row.project_seq);
                state_hash = Some(h);
            }
        }
        let data = canonical_json(&serde_json::to_value(&event).map_err(Error::internal)?);
        let seq = plan.event_count + 1;
        plan.event_count = seq;
        let row = plan_event::Model {
            id: PlanEventId::generate(),
            org_id: plan.org_id,
            project_id: plan.project_id,
            plan_id: plan.id,
            seq,
            project_seq,
            kind: event.kind().to_string(),
            data,
            state_hash,
            occurred_at: w.now(),
        };
        let payload = serde_json::json!({"plan": plan.id.to_string(), "seq": seq, "event": serde_json::to_value(&event).unwrap_or(Value::Null)});
        w.audit(plan.tenant(), Entry::new(&audit_kind(&event), plan.id, payload).in_project(plan.project_id)).await?;
        w.publish(Event::Plan {
            org: plan.org_id,
            project: plan.project_id,
            plan: plan.id,
            event: row.clone(),
            status: view.status,
        });
        rows.push(row);
    }
    if let Some((mut row, s)) = state_row {
        row.state = canonical_json(&s);
        row.updated_at = w.now();
        project_state::save(w.txn(), row).await?;
    }
    praetor_store::insert_many(w.txn(), rows).await?;
    // After the audit entries above: the session row locks after the chain head.
    if let (Some(session), false) = (plan.chat_session_id, chat.is_empty()) {
        crate::chatlog::store::append(w, plan.tenant(), session, chat, Default::default()).await?;
    }
    plan.status = view.status.as_str().to_string();
    plan.next_step = view.next_step as i32;
    plan.current_stage = view.stages_satisfied as i32;
    plan.updated_at = w.now();
    if view.status == PlanStatus::Succeeded {
        plan.state_hash = view.state_hash.clone();
    }
    *plan = plan::save_progress(w.txn(), plan).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_kinds_are_snake_case() {
        assert_eq!(audit_kind(&PlanEvent::Expired), "plan.expired");
        assert_eq!(audit_kind(&PlanEvent::Started), "plan.started");
        assert_eq!(audit_kind(&PlanEvent::StageSatisfied { stage: 0 }), "plan.stage_satisfied");
    }
}
