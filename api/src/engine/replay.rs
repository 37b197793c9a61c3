//! Replay: fold a plan's recorded events again — never calling a handler — check every state
//! hash they recorded, and re-decide every step that ran under the policy version it recorded,
//! comparing with the decision recorded at execution. Either the replay is identical, or it
//! names the first event where it diverged and how.
//!
//! State hashes are per project: a plan's `StateChanged` event records the project state after
//! it, which may fold other plans' changes that ran before it. So replaying one plan folds the
//! project's state changes, in project order, up to the plan's last one.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use praetor_store::{Owned, PlanId, ProjectId, Tenant, decision, plan, plan_event, project_state};
use serde::Serialize;
use serde_json::Value;

use super::store;
use crate::error::{Error, Result};
use crate::governance::pipeline::{read_recorded, recorded_checks};
use crate::governance::policy::{Loaded, PolicyStore};
use praetor_domain::decide::Recorded;
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

/// Where a project's fold broke: the position to report, the plan whose event it is, why, and
/// the recorded and recomputed values.
type FoldError = (i64, PlanId, String, Option<String>, String);

/// A project's state changes folded once, in project order.
struct Fold {
    /// The hash after each verified change: index `k - 1` holds the hash after change `k`.
    hashes: Vec<String>,
    /// The state after the last change folded (verified unless the fold broke).
    state: Value,
    /// Where the fold broke, if it did: nothing after it is verified.
    broken: Option<FoldError>,
    /// The operations of each verified change, parsed once.
    ops: Vec<Vec<state::StateOp>>,
}

impl Fold {
    /// Folds change `k` (`row`), checking its recorded hash.
    fn push(&mut self, k: i64, row: &plan_event::Model) -> std::result::Result<(), FoldError> {
        let broken = |at: i64, why: String, recorded: Option<String>, recomputed: String| {
            (at, row.plan_id, why, recorded, recomputed)
        };
        if row.project_seq != Some(k) {
            return Err(broken(k, format!("state change {k} is missing"), None, String::new()));
        }
        let event: PlanEvent = serde_json::from_str(&row.data)
            .map_err(|e| broken(row.seq, format!("unreadable event: {e}"), None, String::new()))?;
        let PlanEvent::StateChanged { ops, state_hash, .. } = event else {
            let why = "a state-changing position holds another kind of event".to_string();
            return Err(broken(row.seq, why, None, String::new()));
        };
        state::apply(&mut self.state, &ops);
        let h = state::hash(&self.state);
        if h != state_hash || row.state_hash.as_deref() != Some(h.as_str()) {
            let why = "the state after this change does not match its recorded hash".to_string();
            return Err(broken(row.seq, why, Some(state_hash), h));
        }
        self.hashes.push(h);
        self.ops.push(ops);
        Ok(())
    }

    /// The state after each of the `wanted` numbers of verified changes (0 is the empty
    /// state), from the parsed operations. A number past the verified changes is left out: a
    /// plan whose decisions want it reports the break.
    fn states_at(&self, wanted: &BTreeSet<i64>) -> HashMap<i64, Value> {
        states_after(&self.ops, wanted)
    }
}

/// Folds project state changes, checking each recorded hash, until the first one that does not
/// fold.
fn fold_changes(rows: &[plan_event::Model]) -> Fold {
    let mut fold = Fold {
        hashes: Vec::with_capacity(rows.len()),
        state: state::empty(),
        broken: None,
        ops: Vec::with_capacity(rows.len()),
    };
    for (i, row) in rows.iter().enumerate() {
        if let Err(e) = fold.push(i as i64 + 1, row) {
            fold.broken = Some(e);
            break;
        }
    }
    fold
}

/// Runs CPU-heavy replay work on the blocking pool: a fold costs CPU in proportion to the
/// project's history, which must not stall the async threads.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    joined(tokio::task::spawn_blocking(f)).await
}

/// The effective policy under each recorded label, as far as it could be read. A label that
/// failed keeps its error until a decision needs it (a decision that cannot be made again
/// does not).
type Policies = HashMap<String, Result<Arc<Loaded>>>;

async fn policies_of<C: praetor_store::Conn>(
    db: &C,
    store: &PolicyStore,
    tenant: Tenant,
    project: ProjectId,
    decisions: &[decision::Model],
    into: &mut Policies,
) {
    for d in decisions {
        if !into.contains_key(&d.policy_version) {
            let loaded = store.at_label(db, tenant, project, &d.policy_version).await;
            into.insert(d.policy_version.clone(), loaded);
        }
    }
}

/// Replays one plan: its log, its state changes and its recorded decisions are read, then
/// checked on the blocking pool.
pub async fn replay_plan<C: praetor_store::Conn>(db: &C, policies: &PolicyStore, plan: &plan::Model) -> Result<Report> {
    let tenant = plan.tenant();
    let rows = store::load(db, tenant, plan.id).await?;
    let changes = match state_until(&rows) {
        Some(until) => project_changes(db, tenant, plan.project_id, Some(until)).await?,
        None => Vec::new(),
    };
    let recorded = decision::of_plan_in_phase(db, tenant, plan.id, "execute").await?;
    let mut loaded = Policies::new();
    policies_of(db, policies, tenant, plan.project_id, &recorded, &mut loaded).await;
    let plan = plan.clone();
    blocking(move || {
        let fold = fold_changes(&changes);
        let (recorded, states) = with_inputs(recorded, &fold)?;
        check_plan(&plan, &rows, &fold, &recorded, &states, &mut loaded)
    })
    .await?
}

/// Each recorded decision with its inputs (`None`: recorded before decisions carried them), and
/// the project states they were made at, as far as `fold` verified them.
#[allow(clippy::type_complexity)]
fn with_inputs(
    recorded: Vec<decision::Model>,
    fold: &Fold,
) -> Result<(Vec<(decision::Model, Option<Recorded>)>, HashMap<i64, Value>)> {
    let mut out = Vec::with_capacity(recorded.len());
    for d in recorded {
        let input = read_recorded(&d)?;
        out.push((d, input));
    }
    let wanted: BTreeSet<i64> = out.iter().filter_map(|(_, i)| i.as_ref().map(|r| r.project_seq)).collect();
    Ok((out, fold.states_at(&wanted)))
}

/// How many of the project's state changes a plan's final state folds: the project position
/// its `Succeeded` event records, or else its own last change (`None`: it changed nothing).
fn state_until(rows: &[plan_event::Model]) -> Option<i64> {
    let finish = rows.iter().find(|r| r.kind == "Succeeded").and_then(|row| {
        match serde_json::from_str::<PlanEvent>(&row.data) {
            Ok(PlanEvent::Succeeded { project_seq, .. }) => Some(project_seq),
            _ => None,
        }
    });
    finish.or_else(|| rows.iter().filter_map(|r| r.project_seq).max())
}

/// Checks one plan against its project's fold: its log folds to its stored status, its final
/// state hash is the project's at that point, and every recorded execution decision comes out
/// the same under the policy version it names, with the principal, plan and state it recorded.
fn check_plan(
    plan: &plan::Model,
    rows: &[plan_event::Model],
    fold: &Fold,
    recorded: &[(decision::Model, Option<Recorded>)],
    states: &HashMap<i64, Value>,
    policies: &mut Policies,
) -> Result<Report> {
    let subject = plan.id.to_string();
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

    // State: the project's hash after this plan's last change (or its finish).
    let mut state_hash = None;
    if let Some(until) = state_until(rows) {
        let h = match fold.hashes.get((until.max(1) - 1) as usize) {
            Some(h) => h.clone(),
            None => {
                let Some((at, other_plan, why, recorded, recomputed)) = fold.broken.clone() else {
                    let why = format!("the project has fewer than {until} state changes");
                    return Ok(diverged(subject, rows.len(), rows.len() as i64, why, None, None));
                };
                let reason =
                    if other_plan == plan.id { why } else { format!("{why} (in plan {other_plan}, before this one)") };
                return Ok(diverged(subject, rows.len(), at, reason, recorded, Some(recomputed)));
            }
        };
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

    // Re-decide what ran: every recorded execution decision must come out the same under
    // the policy version it names, with the principal, plan and state it recorded.
    let mut checked = 0;
    let empty = state::empty();
    for (d, input) in recorded {
        // A decision recorded before decisions carried their inputs cannot be made again.
        let (Some(step), Some(input)) = (steps.iter().find(|s| s.id == d.step_id), input) else { continue };
        let policy = match policies.get(&d.policy_version) {
            Some(Ok(p)) => p.clone(),
            _ => match policies.remove(&d.policy_version) {
                Some(Err(e)) => return Err(e),
                _ => return Err(Error::internal(format!("policy version {} was not read", d.policy_version))),
            },
        };
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
pub fn states_at(changes: &[plan_event::Model], wanted: &BTreeSet<i64>) -> Result<HashMap<i64, Value>> {
    // Only as far as the last state wanted: later changes are not read.
    let needed = wanted.iter().max().map_or(0, |m| (*m).max(0) as usize);
    let mut ops = Vec::with_capacity(needed.min(changes.len()));
    for (i, row) in changes.iter().take(needed).enumerate() {
        match crate::error::stored(format_args!("event {} of plan {}", row.seq, row.plan_id), &row.data)? {
            PlanEvent::StateChanged { ops: these, .. } => ops.push(these),
            other => {
                return Err(Error::internal(format!(
                    "state change {} of the project is a {} event",
                    i + 1,
                    other.kind()
                )));
            }
        }
    }
    Ok(states_after(&ops, wanted))
}

/// The state after each of the `wanted` numbers of changes whose operations `ops` holds, in
/// order (0 is the empty state; a number past them is left out).
fn states_after(ops: &[Vec<state::StateOp>], wanted: &BTreeSet<i64>) -> HashMap<i64, Value> {
    let mut out = HashMap::new();
    let mut s = state::empty();
    if wanted.contains(&0) {
        out.insert(0, s.clone());
    }
    let needed = wanted.iter().max().map_or(0, |m| (*m).max(0) as usize);
    for (i, these) in ops.iter().take(needed).enumerate() {
        state::apply(&mut s, these);
        if wanted.contains(&(i as i64 + 1)) {
            out.insert(i as i64 + 1, s.clone());
        }
    }
    out
}

/// The report on a project's whole fold: every state change checked against its recorded hash,
/// and the result against the stored state.
fn project_report(project: ProjectId, changes: usize, fold: &Fold, stored: Option<&project_state::Model>) -> Report {
    let subject = project.to_string();
    if let Some((at, plan, why, recorded, recomputed)) = &fold.broken {
        return diverged(
            subject,
            changes,
            *at,
            format!("{why} (plan {plan})"),
            recorded.clone(),
            Some(recomputed.clone()),
        );
    }
    let h = state::hash(&fold.state);
    let stored_hash = stored.map(|r| r.state_hash.clone()).unwrap_or_else(|| state::hash(&state::empty()));
    if stored_hash != h {
        return diverged(
            subject,
            changes,
            changes as i64,
            "the stored project state differs from the replayed one",
            Some(stored_hash),
            Some(h),
        );
    }
    Report { subject, events: changes, state_hash: Some(h), decisions_checked: 0, divergence: None }
}

/// Replays every state change of a project from empty state and compares the result with the
/// stored state.
pub async fn replay_project<C: praetor_store::Conn>(db: &C, tenant: Tenant, project: ProjectId) -> Result<Report> {
    let changes = project_changes(db, tenant, project, None).await?;
    let stored = project_state::of(db, tenant, project).await?;
    blocking(move || project_report(project, changes.len(), &fold_changes(&changes), stored.as_ref())).await
}

/// How many plans' logs and decisions a project replay reads at once.
pub const PLANS_PER_BATCH: usize = 100;

/// Every plan of a project, plus the project's state. The project's state changes are read and
/// folded once; the plans' logs and recorded decisions are read a batch of plans at a time
/// (one statement each) and checked on the blocking pool, each batch while the next is read.
pub async fn replay_project_plans<C: praetor_store::Conn>(
    db: &C,
    policies: &PolicyStore,
    tenant: Tenant,
    project: ProjectId,
) -> Result<Vec<Report>> {
    replay_project_in_batches(db, policies, tenant, project, PLANS_PER_BATCH).await
}

/// [`replay_project_plans`], reading `batch` plans at a time.
pub async fn replay_project_in_batches<C: praetor_store::Conn>(
    db: &C,
    policies: &PolicyStore,
    tenant: Tenant,
    project: ProjectId,
    batch: usize,
) -> Result<Vec<Report>> {
    let changes = project_changes(db, tenant, project, None).await?;
    let changed = changes.len();
    // Folded while the plans are read.
    let folding = tokio::task::spawn_blocking(move || fold_changes(&changes));
    let (plans, stored) =
        tokio::try_join!(plan::of_project(db, tenant, project), project_state::of(db, tenant, project))?;
    let fold = Arc::new(joined(folding).await?);
    let mut out = Vec::with_capacity(plans.len() + 1);
    let mut checking: Option<tokio::task::JoinHandle<Result<Vec<Result<Report>>>>> = None;
    for batch in plans.chunks(batch.max(1)) {
        let ids = batch.iter().map(|p| p.id);
        // Both at once: outside a transaction each runs on a connection of its own.
        let (rows, recorded) = tokio::try_join!(
            plan_event::of_plans(db, tenant, ids.clone()),
            decision::of_plans_in_phase(db, tenant, ids, "execute"),
        )?;
        let mut loaded = Policies::new();
        policies_of(db, policies, tenant, project, &recorded, &mut loaded).await;
        if let Some(previous) = checking.take() {
            out.extend(joined(previous).await??);
        }
        let (fold, batch) = (fold.clone(), batch.to_vec());
        checking = Some(tokio::task::spawn_blocking(move || {
            // The states the whole batch's decisions were made at, folded in one pass.
            let (recorded, states) = with_inputs(recorded, &fold)?;
            let rows = by_plan(&rows, |r| r.plan_id);
            let recorded = by_plan(&recorded, |(d, _)| d.plan_id);
            Ok(batch
                .iter()
                .map(|p| {
                    let rows = rows.get(&p.id).copied().unwrap_or_default();
                    let recorded = recorded.get(&Some(p.id)).copied().unwrap_or_default();
                    check_plan(p, rows, &fold, recorded, &states, &mut loaded)
                })
                .collect())
        }));
    }
    if let Some(last) = checking {
        out.extend(joined(last).await??);
    }
    let reports: Result<Vec<Report>> = out.into_iter().collect();
    let mut reports = reports?;
    reports.push(project_report(project, changed, &fold, stored.as_ref()));
    Ok(reports)
}

/// A blocking task's result.
async fn joined<T>(task: tokio::task::JoinHandle<T>) -> Result<T> {
    task.await.map_err(|e| Error::internal(format!("replay task: {e}")))
}

/// Rows sorted by plan, as slices keyed by plan.
fn by_plan<T, K: Eq + std::hash::Hash>(rows: &[T], plan: impl Fn(&T) -> K) -> HashMap<K, &[T]> {
    let mut out = HashMap::new();
    let mut start = 0;
    for i in 1..=rows.len() {
        if i == rows.len() || plan(&rows[i]) != plan(&rows[start]) {
            out.insert(plan(&rows[start]), &rows[start..i]);
            start = i;
        }
    }
    out
}

pub fn not_found() -> Error {
    Error::not_found("plan")
}
