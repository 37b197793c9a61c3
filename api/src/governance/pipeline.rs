//! The decision pipeline. For a plan and each of its steps: RBAC -> action and parameters ->
//! kill switch -> execution window -> rate limit -> preconditions -> budget -> approvals ->
//! verdict. Preview, simulation, execution and replay all call [`decide_plan`], so they can
//! never disagree; every check records what decided it.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::actions::{self, HandlerCtx, Outcome, net::Egress};
use crate::authz::{Domain, OrgAccess};
use crate::engine::model::{Stage, Step};
use crate::engine::state::{self, StateChange};
use praetor_entities::ProjectId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Allowed,
    NeedsApproval,
    Denied,
}

impl Verdict {
    pub fn as_str(&self) -> &'static str {
        match self {
            Verdict::Allowed => "allowed",
            Verdict::NeedsApproval => "needs_approval",
            Verdict::Denied => "denied",
        }
    }

    fn severity(&self) -> u8 {
        match self {
            Verdict::Allowed => 0,
            Verdict::NeedsApproval => 1,
            Verdict::Denied => 2,
        }
    }

    /// The stricter of two verdicts.
    pub fn max(self, other: Verdict) -> Verdict {
        if other.severity() > self.severity() { other } else { self }
    }
}

/// Where a decision came from: a rule of a policy version, with its source location.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleRef {
    pub policy: String,
    pub rule: String,
    pub level: String,
    pub version: String,
    pub file: String,
    pub line: u32,
}

/// One check of the pipeline for one step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    /// rbac, action, params, kill_switch, window, rate_limit, precondition, budget, approval.
    pub name: String,
    pub verdict: Verdict,
    /// A stable reason code: OK, FORBIDDEN, VALIDATION, POLICY_DENIED, APPROVAL_REQUIRED, …
    pub code: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<RuleRef>,
}

impl Check {
    fn pass(name: &str, message: impl Into<String>) -> Self {
        Self { name: name.into(), verdict: Verdict::Allowed, code: "OK".into(), message: message.into(), rule: None }
    }

    fn deny(name: &str, code: &str, message: impl Into<String>) -> Self {
        Self { name: name.into(), verdict: Verdict::Denied, code: code.into(), message: message.into(), rule: None }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepDecision {
    pub id: String,
    pub action: String,
    pub verdict: Verdict,
    pub checks: Vec<Check>,
    pub approvals: Vec<Stage>,
    pub cost: f64,
    pub risk: String,
    /// Predicted changes to the project state (state-changing steps only).
    pub state_diff: Vec<StateChange>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanDecision {
    pub verdict: Verdict,
    pub steps: Vec<StepDecision>,
    pub cost: f64,
    pub risk: String,
    /// Every approval stage the plan needs, in order, without duplicates.
    pub approvals: Vec<Stage>,
    /// The codes of every check that did not pass.
    pub reason_codes: Vec<String>,
    pub policy_version: String,
}

/// Everything a decision depends on. Nothing else may influence it.
pub struct DecisionContext<'a> {
    pub access: &'a OrgAccess,
    pub project: ProjectId,
    pub state: &'a Value,
    pub now: chrono::DateTime<chrono::Utc>,
    pub policy_version: String,
}

const RISKS: [&str; 4] = ["low", "medium", "high", "critical"];

fn risk_rank(r: &str) -> usize {
    RISKS.iter().position(|x| *x == r).unwrap_or(RISKS.len() - 1)
}

/// Decides a whole plan, step by step, simulating state changes in order so later steps are
/// judged (and previewed) against the state earlier steps would leave.
pub async fn decide_plan(ctx: &DecisionContext<'_>, steps: &[Step]) -> PlanDecision {
    let mut sim_state = ctx.state.clone();
    let mut out = Vec::with_capacity(steps.len());
    for step in steps {
        let d = decide_step(ctx, &sim_state, step).await;
        let mut next = sim_state.clone();
        for change in &d.state_diff {
            match &change.after {
                Some(v) => {
                    state::apply(&mut next, &[state::StateOp::Set { path: change.path.clone(), value: v.clone() }])
                }
                None => state::apply(&mut next, &[state::StateOp::Delete { path: change.path.clone() }]),
            }
        }
        sim_state = next;
        out.push(d);
    }
    let verdict = out.iter().fold(Verdict::Allowed, |v, s| v.max(s.verdict));
    let mut approvals: Vec<Stage> = Vec::new();
    for s in &out {
        for stage in &s.approvals {
            if !approvals.iter().any(|a| a.groups == stage.groups && a.count == stage.count && a.name == stage.name) {
                approvals.push(stage.clone());
            }
        }
    }
    let mut reason_codes: Vec<String> = out
        .iter()
        .flat_map(|s| s.checks.iter().filter(|c| c.verdict != Verdict::Allowed).map(|c| c.code.clone()))
        .collect();
    reason_codes.sort();
    reason_codes.dedup();
    let risk = out.iter().map(|s| s.risk.as_str()).max_by_key(|r| risk_rank(r)).unwrap_or("low").to_string();
    PlanDecision {
        verdict,
        cost: out.iter().map(|s| s.cost).sum(),
        steps: out,
        risk,
        approvals,
        reason_codes,
        policy_version: ctx.policy_version.clone(),
    }
}

async fn decide_step(ctx: &DecisionContext<'_>, sim_state: &Value, step: &Step) -> StepDecision {
    let mut checks = Vec::new();
    let mut d = StepDecision {
        id: step.id.clone(),
        action: step.action.clone(),
        verdict: Verdict::Allowed,
        checks: Vec::new(),
        approvals: Vec::new(),
        cost: 0.0,
        risk: "low".into(),
        state_diff: Vec::new(),
    };

    // RBAC: may this principal invoke this action in this project at all?
    let op = format!("action.invoke:{}", step.action);
    if ctx.access.allows(Domain::Project(ctx.project), &op) {
        checks.push(Check::pass("rbac", format!("may `{op}` in the project")));
    } else {
        checks.push(Check::deny("rbac", "FORBIDDEN", format!("missing permission `{op}` in the project")));
    }

    // The action and its parameters.
    match actions::resolve(&step.action) {
        None => {
            checks.push(Check::deny("action", "VALIDATION", format!("no action named `{}` is registered", step.action)))
        }
        Some(action) => {
            d.risk = action.risk.clone();
            d.cost = action.cost;
            match actions::validate_params(&step.action, &action.schema, &step.params) {
                Ok(()) => checks.push(Check::pass("params", "parameters match the action's schema")),
                Err(e) => checks.push(Check::deny("params", "VALIDATION", e.to_string())),
            }
            if action.changes_state && checks.iter().all(|c| c.verdict == Verdict::Allowed) {
                d.state_diff = predict(&action, sim_state, step, ctx.now).await;
            }
        }
    }

    d.verdict = checks.iter().fold(Verdict::Allowed, |v, c| v.max(c.verdict));
    d.checks = checks;
    d
}

/// Runs a state handler against a copy of the state to predict its changes. State handlers are
/// pure functions of state and parameters, so the prediction is exact.
async fn predict(
    action: &actions::ResolvedAction,
    sim_state: &Value,
    step: &Step,
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<StateChange> {
    let Some(handler) = action.handler() else {
        return Vec::new();
    };
    let egress = Egress::deny_all();
    let ctx = HandlerCtx {
        state: sim_state,
        now,
        idempotency_key: "preview",
        egress: &egress,
        plan: "preview",
        step: &step.id,
    };
    match handler.run(&ctx, &step.params).await {
        Ok(Outcome::Done { ops, .. }) => state::diff(sim_state, &ops),
        _ => Vec::new(),
    }
}

/// The row that records a step's decision (for replay and for re-deciding under a changed
/// policy).
#[allow(clippy::too_many_arguments)]
pub fn decision_row(
    org: praetor_entities::OrgId,
    project: ProjectId,
    plan: Option<praetor_entities::PlanId>,
    phase: &str,
    step: &Step,
    decision: &StepDecision,
    principal: &str,
    project_seq: i64,
    policy_version: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> praetor_entities::decision::ActiveModel {
    use sea_orm::Set;
    let input = serde_json::json!({
        "params": step.params,
        "principal": principal,
        "projectSeq": project_seq,
        "at": now.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
    });
    praetor_entities::decision::ActiveModel {
        id: Set(praetor_entities::DecisionId::generate()),
        org_id: Set(org),
        project_id: Set(project),
        plan_id: Set(plan),
        step_id: Set(step.id.clone()),
        action: Set(step.action.clone()),
        input: Set(crate::audit::canonical_json(&input)),
        policy_version: Set(policy_version.to_string()),
        phase: Set(phase.to_string()),
        verdict: Set(decision.verdict.as_str().to_string()),
        reasons: Set(crate::audit::canonical_json(&serde_json::to_value(&decision.checks).unwrap_or_default())),
        decided_at: Set(now),
    }
}

/// Re-decides a recorded execution decision from what was recorded: the action and its
/// parameters as they were, under the policy version they were decided with. RBAC is taken as
/// recorded (rights are not versioned; they are audited), so only what the policy and the
/// registry decide is compared.
pub fn redecide_recorded(step: &Step, recorded: &praetor_entities::decision::Model) -> Verdict {
    let rbac_denied = serde_json::from_str::<Vec<Check>>(&recorded.reasons)
        .unwrap_or_default()
        .iter()
        .any(|c| c.name == "rbac" && c.verdict == Verdict::Denied);
    let mut verdict = if rbac_denied { Verdict::Denied } else { Verdict::Allowed };
    match actions::resolve(&step.action) {
        None => verdict = Verdict::Denied,
        Some(action) => {
            if actions::validate_params(&step.action, &action.schema, &step.params).is_err() {
                verdict = Verdict::Denied;
            }
        }
    }
    verdict
}
