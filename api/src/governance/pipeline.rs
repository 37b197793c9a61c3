//! The decision pipeline, as the server runs it. The pipeline itself — [`decide_plan`], a pure
//! function of a [`DecisionContext`] — lives in `praetor_domain::decide` and is re-exported
//! here; this module adds what touches the server: asking RBAC for the principal's [`Rights`],
//! the `principal` value conditions see, the error a refusal answers with, and the decision
//! row that records every decision with everything it was decided on, which replay and policy
//! impact read back ([`redecide`]) to make the same decision again through `decide_plan`.

use std::sync::Arc;

use praetor_store::{DecisionId, PlanId, ProjectId, decision};
use serde_json::{Value, json};

use crate::authz::{Domain, OrgAccess};
use crate::error::{Error, Result};
pub use praetor_domain::decide::*;

/// [`decide_plan`] as the server runs it for `stage`: in a `decision` span (its verdict
/// recorded) and counted on `/metrics`. Replay calls `decide_plan` itself: re-deciding a
/// recorded decision is not a new one.
pub fn decide(stage: crate::metrics::Stage, ctx: &DecisionContext<'_>, steps: &[Step]) -> PlanDecision {
    let span = tracing::info_span!("decision", stage = stage.as_str(), verdict = tracing::field::Empty);
    let d = span.in_scope(|| decide_plan(ctx, steps));
    span.record("verdict", d.verdict.as_str());
    crate::metrics::decision(stage, &d, ctx.now);
    d
}
use praetor_domain::plan::Step;

/// Asks RBAC about every action of `steps`: what the principal may invoke in `project`.
pub fn rights_of(access: &OrgAccess, project: ProjectId, steps: &[Step]) -> Rights {
    let invoke =
        steps.iter().map(|s| (s.action.clone(), access.may_invoke(Domain::Project(project), &s.action))).collect();
    Rights { invoke }
}

/// The `principal` value conditions see.
pub fn principal_value(p: &crate::auth::Principal, groups: &[String]) -> Value {
    let a = p.actor();
    json!({"id": a.id, "kind": a.kind, "name": a.name, "groups": groups, "chain": p.chain()})
}

impl From<Refusal> for Error {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::KillSwitch(k) => Error::KillSwitch(k),
            Refusal::RateLimited { message, retry_after_seconds } => {
                Error::RateLimited { message, retry_after_seconds }
            }
            Refusal::BudgetExceeded(x) => Error::BudgetExceeded(x),
        }
    }
}

/// What a decision row recorded: `None` for a row made before decisions carried their whole
/// input; an error for one that does not parse.
pub fn read_recorded(row: &decision::Model) -> Result<Option<Recorded>> {
    let input: Value = crate::error::stored(format_args!("the input of decision {}", row.id), &row.input)?;
    if input.get("snapshot").is_none() {
        return Ok(None);
    }
    serde_json::from_value(input)
        .map(Some)
        .map_err(|e| Error::internal(format!("decision {} input is malformed: {e}", row.id)))
}

/// The row that records a step's decision and everything it was decided on.
pub fn decision_row(
    ctx: &DecisionContext<'_>,
    plan: Option<PlanId>,
    phase: &str,
    step: &Step,
    decision: &StepDecision,
    plan_value: &Value,
    project_seq: i64,
) -> Result<decision::Model> {
    let recorded = Recorded {
        step: step.clone(),
        principal: ctx.principal.clone(),
        plan: plan_value.clone(),
        project_seq,
        at: ctx.now,
        rights: ctx.rights.only(&step.action),
        snapshot: ctx.gov.clone(),
    };
    let encode = |v: serde_json::Result<Value>| v.map(|v| crate::audit::canonical_json(&v)).map_err(Error::internal);
    Ok(decision::Model {
        id: DecisionId::generate(),
        org_id: ctx.org,
        project_id: ctx.project,
        plan_id: plan,
        step_id: step.id.clone(),
        action: step.action.clone(),
        input: encode(serde_json::to_value(&recorded))?,
        policy_version: ctx.policy.label.clone(),
        phase: phase.to_string(),
        verdict: decision.verdict.as_str().to_string(),
        reasons: encode(serde_json::to_value(&decision.checks))?,
        decided_at: ctx.now,
    })
}

/// The canonical JSON of a step's checks, as recorded.
pub fn recorded_checks(decision: &StepDecision) -> Result<String> {
    serde_json::to_value(&decision.checks).map(|v| crate::audit::canonical_json(&v)).map_err(Error::internal)
}

/// What re-deciding a recorded decision gave.
pub enum Redecided {
    /// The decision, made again from what was recorded (and `policy`).
    Again(Box<StepDecision>),
    /// Recorded before decisions carried their whole input: it cannot be made again.
    Unrecorded,
}

/// Makes a recorded decision again: the same [`decide_plan`], fed the inputs recorded with it
/// (principal, rights, plan, instant, governance snapshot) and `state`, the project state after
/// the recorded number of changes, under `policy` — the recorded version for replay, another
/// one for the impact of a policy change. A record that does not parse is an error.
pub fn redecide(recorded: &decision::Model, policy: Arc<Loaded>, state: &Value) -> Result<Redecided> {
    Ok(match read_recorded(recorded)? {
        None => Redecided::Unrecorded,
        Some(r) => Redecided::Again(Box::new(r.decide_again(recorded.org_id, recorded.project_id, policy, state))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use praetor_domain::snapshot::{Phase, Snapshot};
    use praetor_policy::decide::Effective;
    use praetor_store::OrgId;

    /// A decision recorded in a row is read back and made again to the same verdict and checks;
    /// a row that does not parse is an error, and one older than recorded inputs says so.
    #[test]
    fn a_decision_row_is_read_back_and_made_again() {
        let (org, project) = (OrgId::generate(), ProjectId::generate());
        let now = chrono::Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).single().expect("a valid time");
        let rights = Rights { invoke: [("state.set".to_string(), true)].into() };
        let gov = Snapshot::empty(Phase::Execute);
        let policy = Arc::new(Loaded { effective: Effective::new(Vec::new()), label: "none".into() });
        let state = json!({});
        let s = Step {
            id: "s1".into(),
            action: "state.set".into(),
            params: json!({"key": "a", "value": 1}),
            when: None,
            on_failure: Default::default(),
        };
        let plan_value = json!({"cost": 0.0, "risk": "low", "steps": 1});
        let ctx = DecisionContext {
            org,
            project,
            state: &state,
            now,
            policy: policy.clone(),
            principal: json!({"id": "usr_1", "kind": "user", "name": "bob@t", "groups": [], "chain": []}),
            rights: &rights,
            gov: &gov,
            plan: Some(plan_value.clone()),
        };
        let d = decide_plan(&ctx, std::slice::from_ref(&s));
        let row = decision_row(&ctx, None, "execute", &s, &d.steps[0], &plan_value, 0).expect("a row");
        let model = decision::Model {
            id: DecisionId::generate(),
            org_id: org,
            project_id: project,
            plan_id: None,
            step_id: s.id.clone(),
            action: s.action.clone(),
            input: row.input.clone(),
            policy_version: "none".into(),
            phase: "execute".into(),
            verdict: row.verdict.clone(),
            reasons: row.reasons.clone(),
            decided_at: now,
        };
        let Redecided::Again(again) = redecide(&model, policy.clone(), &state).expect("redecided") else {
            panic!("a decision recorded with its inputs can be made again");
        };
        assert_eq!(again.verdict.as_str(), model.verdict);
        assert_eq!(recorded_checks(&again).unwrap(), model.reasons);
        let corrupt = decision::Model { input: "{".into(), ..model.clone() };
        assert_eq!(redecide(&corrupt, policy.clone(), &state).err().map(|e| e.code()), Some("INTERNAL"));
        let old = decision::Model { input: json!({"params": {}}).to_string(), ..model };
        assert!(matches!(redecide(&old, policy, &state).unwrap(), Redecided::Unrecorded));
    }
}
