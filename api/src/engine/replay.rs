//! Replay: fold a plan's recorded events again — never calling a handler — check every state
//! hash they recorded, and re-decide every step that ran under the policy version it recorded,
//! comparing with the decision recorded at execution. Either the replay is identical, or it
//! names the first event where it diverged and how.
//!
//! State hashes are per project: a plan's `StateChanged` event records the project state after
//! it, which may fold other plans' changes that ran before it. So replaying one plan folds the
//! project's state changes, in project order, up to the plan's last one.

use std::collections::HashMap;

use praetor_store::{Owned, PlanId, ProjectId, Tenant, decision, plan, plan_event, project_state};
use serde::Serialize;
use serde_json::Value;

use super::store;
use crate::error::{Error, Result};
use crate::governance::pipeline::{read_recorded, recorded_checks};
use crate::governance::policy::PolicyStore;
use praetor_domain::plan::PlanEvent;
use praetor_domain::{reducer, state};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Divergence {
    /// The 1-based position of the event in the plan's log (or the project's state order, for a
    /// project replay).
    pub at_event: i64,
    pub reason: String,
    pub recorded: Option<String>,
    pub recomputed: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub subject: String,
    pub events: usize,
    pub state_hash: Option<String>,
    pub decisions_checked: usize,
    pub divergence: Option<Divergence>,
}

impl Report {
    pub fn identical(&self) -> bool {
        self.divergence.is_none()
    }
}

fn diverged(
    subject: String,
    events: usize,
    at: i64,
    reason: impl Into<String>,
    recorded: Option<String>,
    recomputed: Option<String>,
) -> Report {
    Report {
        subject,
        events,
        state_hash: None,
        decisions_checked: 0,
        divergence: Some(Divergence { at_event: at, reason: reason.into(), recorded, recomputed }),
    }
}

/// The project's state-changing events, in project order, up to and including `until`.
pub async fn project_changes<C: praetor_store::Conn>(
    db: &C,
    tenant: Tenant,
    project: ProjectId,
    until: Option<i64>,
) -> Result<Vec<plan_event::Model>> {
    Ok(plan_event::project_changes(db, tenant, project, until).await?)
}

type FoldError = (i64, PlanId, String, Option<String>, String);

/// Folds project state changes, checking each recorded hash. Returns the final state and the
/// hash after each change (index `k - 1` holds the hash after change `k`). `Err` names the
/// offending event.
fn fold_changes(rows: &[plan_event::Model]) -> std::result::Result<(Value, Vec<String>), FoldError> {
    let mut s = state::empty();
    let mut hashes = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let expected_seq = i as i64 + 1;
        if row.project_seq != Some(expected_seq) {
            return Err((
                expected_seq,
                row.plan_id,
                format!("state change {expected_seq} is missing"),
                None,
                String::new(),
            ));
        }
        let event: PlanEvent = serde_json::from_str(&row.data)
            .map_err(|e| (row.seq, row.plan_id, format!("unreadable event: {e}"), None, String::new()))?;
        let PlanEvent::StateChanged { ops, state_hash, .. } = event else {
            return Err((
                row.seq,
                row.plan_id,
                "a state-changing position holds another kind of event".into(),
                None,
                String::new(),
            ));
        };
        state::apply(&mut s, &ops);
        let h = state::hash(&s);
        if h != state_hash || row.state_hash.as_deref() != Some(h.as_str()) {
            return Err((
                row.seq,
                row.plan_id,
                "the state after this change does not match its recorded hash".into(),
                Some(state_hash),
                h,
            ));
        }
        hashes.push(h);
    }
    Ok((s, hashes))
}

type Folded = std::result::Result<(Value, Vec<String>), FoldError>;

/// [`fold_changes`] on the blocking pool: a fold costs CPU in proportion to the project's
/// history, which must not stall the async threads. The rows come back with the result.
async fn fold_blocking(changes: Vec<plan_event::Model>) -> Result<(Vec<plan_event::Model>, Folded)> {
    tokio::task::spawn_blocking(move || {
        let folded = fold_changes(&changes);
        (changes, folded)
    })
    .await
    .map_err(|e| Error::internal(format!("replay fold task: {e}")))
}

/// Replays one plan.
pub async fn replay_plan<C: praetor_store::Conn>(db: &C, policies: &PolicyStore, plan: &plan::Model) -> Result<Report> {
    replay_plan_with(db, policies, plan, None, None).await
}

/// Replays one plan. `folded` is the project's already verified fold (the hash after each state
/// change), so replaying every plan of a project folds the project's state once, not per plan.
async fn replay_plan_with<C: praetor_store::Conn>(
    db: &C,
    policies: &PolicyStore,
    plan: &plan::Model,
    folded: Option<&[String]>,
    changes: Option<&[plan_event::Model]>,
) -> Result<Report> {
    let subject = plan.id.to_string();
    let rows = store::load(db, plan.tenant(), plan.id).await?;
    let mut events = Vec::with_capacity(rows.len());
    for (i, r) in rows.iter().enumerate() {
        if r.seq != i as i64 + 1 {
            return Ok(diverged(
                subject,
                rows.len(),
                i as i64 + 1,
                format!("event {} is missing from the log", i + 1),
                None,
                None,
            ));
        }
        match serde_json::from_str::<PlanEvent>(&r.data) {
            Ok(e) => {
                if e.kind() != r.kind {
                    return Ok(diverged(
                        subject,
                        rows.len(),
                        r.seq,
                        "the event's kind does not match its data",
                        Some(r.kind.clone()),
                        Some(e.kind().into()),
                    ));
                }
                events.push(e)
            }
            Err(e) => {
                return Ok(diverged(subject, rows.len(), r.seq, format!("unreadable event: {e}"), None, None));
            }
        }
    }
    let steps = store::steps_of(plan)?;
    let view = match reducer::fold(steps.len(), &events) {
        Ok(v) => v,
        Err((at, why)) => return Ok(diverged(subject, rows.len(), at as i64, why, None, None)),
    };
    if view.status.as_str() != plan.status {
        return Ok(diverged(
            subject,
            rows.len(),
            rows.len() as i64,
            "the folded status differs from the stored one",
            Some(plan.status.clone()),
            Some(view.status.as_str().into()),
        ));
    }

    // State: fold the project's changes up to this plan's last one (or its finish).
    let last_change = rows.iter().filter_map(|r| r.project_seq).max();
    let finish_seq = events.iter().find_map(|e| match e {
        PlanEvent::Succeeded { project_seq, .. } => Some(*project_seq),
        _ => None,
    });
    let until = finish_seq.or(last_change);
    let mut state_hash = None;
    if let Some(until) = until {
        let fold = match folded {
            Some(hashes) => match hashes.get((until.max(1) - 1) as usize) {
                Some(h) => Ok(h.clone()),
                None => {
                    let why = format!("the project has fewer than {until} state changes");
                    return Ok(diverged(subject, rows.len(), rows.len() as i64, why, None, None));
                }
            },
            None => {
                let changes = project_changes(db, plan.tenant(), plan.project_id, Some(until)).await?;
                fold_blocking(changes).await?.1.map(|(s, _)| state::hash(&s))
            }
        };
        match fold {
            Ok(h) => {
                if let Some(PlanEvent::Succeeded { state_hash: recorded, .. }) =
                    events.iter().find(|e| matches!(e, PlanEvent::Succeeded { .. }))
                    && *recorded != h
                {
                    let at = rows.iter().find(|r| r.kind == "Succeeded").map(|r| r.seq).unwrap_or(0);
                    return Ok(diverged(
                        subject,
                        rows.len(),
                        at,
                        "the final state differs from the recorded one",
                        Some(recorded.clone()),
                        Some(h),
                    ));
                }
                state_hash = Some(h);
            }
            Err((at, other_plan, why, recorded, recomputed)) => {
                let reason =
                    if other_plan == plan.id { why } else { format!("{why} (in plan {other_plan}, before this one)") };
                return Ok(diverged(subject, rows.len(), at, reason, recorded, Some(recomputed)));
            }
        }
    }

    // Re-decide what ran: every recorded execution decision must come out the same under
    // the policy version it names, with the principal, plan and state it recorded.
    let recorded = decision::of_plan_in_phase(db, plan.tenant(), plan.id, "execute").await?;
    let inputs = recorded.iter().map(read_recorded).collect::<Result<Vec<_>>>()?;
    let wanted: std::collections::BTreeSet<i64> = inputs.iter().flatten().map(|r| r.project_seq).collect();
    let states = match (changes, wanted.iter().max()) {
        (_, None) => HashMap::new(),
        (Some(all), Some(_)) => states_at(all, &wanted)?,
        (None, Some(max)) => {
            let changes = project_changes(db, plan.tenant(), plan.project_id, Some(*max)).await?;
            let wanted = wanted.clone();
            tokio::task::spawn_blocking(move || states_at(&changes, &wanted))
                .await
                .map_err(|e| Error::internal(format!("replay fold task: {e}")))??
        }
    };
    let mut checked = 0;
    let empty = state::empty();
    for (d, input) in recorded.iter().zip(&inputs) {
        // A decision recorded before decisions carried their inputs cannot be made again.
        let (Some(step), Some(input)) = (steps.iter().find(|s| s.id == d.step_id), input) else { continue };
        let policy = policies.at_label(db, plan.tenant(), plan.project_id, &d.policy_version).await?;
        let at_state = states.get(&input.project_seq).unwrap_or(&empty);
        let again = input.decide_again(d.org_id, d.project_id, policy, at_state);
        checked += 1;
        let checks = recorded_checks(&again)?;
        if again.verdict.as_str() == d.verdict && checks == d.reasons {
            continue;
        }
        let at = events
            .iter()
            .position(|e| matches!(e, PlanEvent::StepStarted { step: s, .. } if *s == step.id))
            .map(|i| i as i64 + 1)
            .unwrap_or(0);
        let (reason, was, now) = if again.verdict.as_str() != d.verdict {
            ("decides differently", d.verdict.clone(), again.verdict.as_str().to_string())
        } else {
            ("is decided with different checks", d.reasons.clone(), checks)
        };
        return Ok(diverged(
            subject,
            rows.len(),
            at,
            format!("step {} {reason} under policy version {}", step.id, d.policy_version),
            Some(was),
            Some(now),
        ));
    }
    Ok(Report { subject, events: rows.len(), state_hash, decisions_checked: checked, divergence: None })
}

/// The project state after each of the `wanted` numbers of changes (0 is the empty state). A
/// change that does not parse, or is not a state change, is an error.
pub fn states_at(
    changes: &[plan_event::Model],
    wanted: &std::collections::BTreeSet<i64>,
) -> Result<HashMap<i64, Value>> {
    let mut out = HashMap::new();
    let mut s = state::empty();
    if wanted.contains(&0) {
        out.insert(0, s.clone());
    }
    // Only as far as the last state wanted: later changes are not read.
    let needed = wanted.iter().max().map_or(0, |m| (*m).max(0) as usize);
    for (i, row) in changes.iter().take(needed).enumerate() {
        match crate::error::stored(format_args!("event {} of plan {}", row.seq, row.plan_id), &row.data)? {
            PlanEvent::StateChanged { ops, .. } => state::apply(&mut s, &ops),
            other => {
                return Err(Error::internal(format!(
                    "state change {} of the project is a {} event",
                    i + 1,
                    other.kind()
                )));
            }
        }
        let n = i as i64 + 1;
        if wanted.contains(&n) {
            out.insert(n, s.clone());
        }
    }
    Ok(out)
}

/// Replays every state change of a project from empty state and compares the result with the
/// stored state.
pub async fn replay_project<C: praetor_store::Conn>(db: &C, tenant: Tenant, project: ProjectId) -> Result<Report> {
    let _org = tenant.org();
    let subject = project.to_string();
    let changes = project_changes(db, tenant, project, None).await?;
    let stored = project_state::of(db, tenant, project).await?;
    let (changes, folded) = fold_blocking(changes).await?;
    match folded.map(|(s, _)| s) {
        Err((at, plan, why, recorded, recomputed)) => {
            Ok(diverged(subject, changes.len(), at, format!("{why} (plan {plan})"), recorded, Some(recomputed)))
        }
        Ok(s) => {
            let h = state::hash(&s);
            let stored_hash =
                stored.as_ref().map(|r| r.state_hash.clone()).unwrap_or_else(|| state::hash(&state::empty()));
            if stored_hash != h {
                return Ok(diverged(
                    subject,
                    changes.len(),
                    changes.len() as i64,
                    "the stored project state differs from the replayed one",
                    Some(stored_hash),
                    Some(h),
                ));
            }
            Ok(Report { subject, events: changes.len(), state_hash: Some(h), decisions_checked: 0, divergence: None })
        }
    }
}

/// Every plan of a project, plus the project's state.
pub async fn replay_project_plans<C: praetor_store::Conn>(
    db: &C,
    policies: &PolicyStore,
    tenant: Tenant,
    project: ProjectId,
) -> Result<Vec<Report>> {
    let _org = tenant.org();
    let plans = plan::of_project(db, tenant, project).await?;
    let changes = project_changes(db, tenant, project, None).await?;
    // If the project's own fold diverges, each plan folds for itself so the report names where.
    let (changes, folded) = fold_blocking(changes).await?;
    let folded = folded.ok().map(|(_, hashes)| hashes);
    let mut out = Vec::with_capacity(plans.len() + 1);
    for p in &plans {
        out.push(replay_plan_with(db, policies, p, folded.as_deref(), Some(&changes)).await?);
    }
    out.push(replay_project(db, tenant, project).await?);
    Ok(out)
}

pub fn not_found() -> Error {
    Error::not_found("plan")
}
