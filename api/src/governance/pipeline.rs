//! The decision pipeline. For a plan and each of its steps: RBAC -> action and parameters ->
//! kill switch -> execution window -> rate limit -> preconditions -> approvals; then for the
//! whole plan: budget -> autonomy -> verdict. Preview, simulation, execution and replay all call
//! [`decide_plan`], so they can never disagree; every check records what decided it. Governance
//! state (kill switches, rate-limit hits, budget ledgers) comes in as a [`Snapshot`] read before
//! the decision, so the decision itself is a pure function of its inputs.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use praetor_entities::ProjectId;
use praetor_policy::decide::{DecisionInput, WindowStatus};
use praetor_policy::document::Effect;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::policy::Loaded;
use super::snapshot::{Phase, Snapshot};
use super::{autonomy, budget, rate};
use crate::actions::{self, HandlerCtx, Outcome, ResolvedAction, net::Egress};
use crate::authz::{Domain, OrgAccess};
use crate::engine::model::{Stage, Step};
use crate::engine::state::{self, StateChange};

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
    /// When a refusal that passes with time (a rate limit, a closed window) would pass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_at: Option<DateTime<Utc>>,
}

impl Check {
    fn pass(name: &str, message: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            verdict: Verdict::Allowed,
            code: "OK".into(),
            message: message.into(),
            rule: None,
            retry_at: None,
        }
    }

    fn deny(name: &str, code: &str, message: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            verdict: Verdict::Denied,
            code: code.into(),
            message: message.into(),
            rule: None,
            retry_at: None,
        }
    }

    fn ask(name: &str, code: &str, message: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            verdict: Verdict::NeedsApproval,
            code: code.into(),
            message: message.into(),
            rule: None,
            retry_at: None,
        }
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
    /// The step's `when` condition is false: it will be skipped.
    #[serde(default)]
    pub skipped: bool,
    /// The governance state this step was decided on (kill switch, rate-limit hits), recorded
    /// with the decision so replay can decide again; not part of the preview.
    #[serde(skip)]
    pub gov_input: Value,
    /// Rate limits that refused this step on stored hits alone: (key, period, max, frees at).
    #[serde(skip)]
    pub rate_refusals: Vec<(String, &'static str, u32, DateTime<Utc>)>,
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
    /// Checks of the plan as a whole: budget and autonomy.
    #[serde(default)]
    pub checks: Vec<Check>,
    /// Proposed with no person in the principal chain.
    #[serde(default)]
    pub unattended: bool,
    /// Autonomy lets the plan start by itself once proposed.
    #[serde(default)]
    pub auto_run: bool,
    /// The budget the plan's cost does not fit, if any (the body of `BUDGET_EXCEEDED`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_exceeded: Option<budget::Exceeded>,
    /// The kill switch that stopped the plan, if one is engaged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kill_switch: Option<super::snapshot::KillInfo>,
}

impl PlanDecision {
    /// Every check of the plan: each step's, then the plan's own.
    pub fn all_checks(&self) -> impl Iterator<Item = &Check> {
        self.steps.iter().flat_map(|s| s.checks.iter()).chain(self.checks.iter())
    }

    /// The refusal that passes with time or a release — a kill switch, a rate limit, a budget —
    /// as the error a proposal answers with, if the plan met one.
    pub fn refusal(&self, now: DateTime<Utc>) -> Option<crate::error::Error> {
        use crate::error::Error;
        if let Some(k) = &self.kill_switch {
            return Some(Error::KillSwitch(Box::new(k.clone())));
        }
        if let Some(c) = self.all_checks().find(|c| c.code == "RATE_LIMITED") {
            let retry = c.retry_at.map(|t| rate::retry_after_seconds(t, now)).unwrap_or(3600);
            return Some(Error::RateLimited { message: c.message.clone(), retry_after_seconds: retry });
        }
        self.budget_exceeded.as_ref().map(|x| x.error())
    }
}

/// Everything a decision depends on. Nothing else may influence it.
pub struct DecisionContext<'a> {
    pub access: &'a OrgAccess,
    pub project: ProjectId,
    pub state: &'a Value,
    pub now: DateTime<Utc>,
    pub policy: Arc<Loaded>,
    /// `{id, kind, name, groups, chain}` of the principal the plan acts for.
    pub principal: Value,
    /// Governance state read before deciding: kill switches, rate-limit hits, budgets, autonomy.
    pub gov: &'a Snapshot,
}

impl DecisionContext<'_> {
    /// Today's usage (spend, counts) for conditions that look at it.
    pub fn usage(&self) -> Value {
        self.gov.usage()
    }
}

/// The `principal` value conditions see.
pub fn principal_value(p: &crate::auth::Principal, groups: &[String]) -> Value {
    let a = p.actor();
    json!({"id": a.id, "kind": a.kind, "name": a.name, "groups": groups, "chain": p.chain()})
}

const RISKS: [&str; 4] = ["low", "medium", "high", "critical"];

fn risk_rank(r: &str) -> usize {
    RISKS.iter().position(|x| *x == r).unwrap_or(RISKS.len() - 1)
}

/// Decides a whole plan, step by step, simulating state changes in order so later steps are
/// judged (and previewed) against the state earlier steps would leave.
pub async fn decide_plan(ctx: &DecisionContext<'_>, steps: &[Step]) -> PlanDecision {
    let effective = &ctx.policy.effective;
    // Costs and risks first: conditions may look at the whole plan (`plan.cost`, `plan.risk`).
    let resolved: Vec<Option<ResolvedAction>> = steps.iter().map(|s| actions::resolve(&s.action, effective)).collect();
    let costs: Vec<Result<f64, String>> = steps
        .iter()
        .zip(&resolved)
        .map(|(s, r)| match r {
            Some(a) => a.cost_for(&s.params, effective, ctx.now),
            None => Ok(0.0),
        })
        .collect();
    let total: f64 = costs.iter().filter_map(|c| c.as_ref().ok()).fold(0.0, |a, b| a + b);
    let risk =
        resolved.iter().flatten().map(|a| a.risk.as_str()).max_by_key(|r| risk_rank(r)).unwrap_or("low").to_string();
    let plan_value = json!({"cost": total, "risk": risk, "steps": steps.len()});
    let usage = ctx.usage();

    let mut sim_state = ctx.state.clone();
    let mut out = Vec::with_capacity(steps.len());
    // Invocations earlier in this plan count against the same rate limits.
    let mut pending: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
    for ((step, action), cost) in steps.iter().zip(&resolved).zip(&costs) {
        let d = decide_step(ctx, &sim_state, step, action.as_ref(), cost, &plan_value, &usage, &mut pending).await;
        for change in &d.state_diff {
            match &change.after {
                Some(v) => {
                    state::apply(&mut sim_state, &[state::StateOp::Set { path: change.path.clone(), value: v.clone() }])
                }
                None => state::apply(&mut sim_state, &[state::StateOp::Delete { path: change.path.clone() }]),
            }
        }
        out.push(d);
    }
    let mut verdict = out.iter().fold(Verdict::Allowed, |v, s| v.max(s.verdict));
    let mut approvals: Vec<Stage> = Vec::new();
    for s in &out {
        for stage in &s.approvals {
            if !approvals.iter().any(|a| a.groups == stage.groups && a.count == stage.count && a.name == stage.name) {
                approvals.push(stage.clone());
            }
        }
    }

    // The plan as a whole: its cost against the budgets, then autonomy.
    let mut plan_checks = Vec::new();
    let mut budget_exceeded = None;
    if ctx.gov.phase == Phase::Propose && !ctx.gov.budgets.is_empty() {
        match budget::check(&ctx.gov.budgets, total) {
            None => {
                let left: Vec<String> = ctx
                    .gov
                    .budgets
                    .iter()
                    .map(|b| format!("{} {} left of {}", b.remaining(), b.unit, b.level))
                    .collect();
                plan_checks.push(Check::pass("budget", format!("the cost of {total} fits ({})", left.join(", "))));
            }
            Some(x) => {
                plan_checks.push(Check::deny("budget", "BUDGET_EXCEEDED", x.message()));
                budget_exceeded = Some(x);
            }
        }
    }
    let unattended = ctx.gov.autonomy.unattended;
    let mut auto_run = false;
    if ctx.gov.phase == Phase::Propose {
        let settings = effective.autonomy();
        match autonomy::decide(&settings, effective.autonomy_configured(), ctx.gov, total, &risk, ctx.now) {
            autonomy::Outcome::NotApplicable => {}
            autonomy::Outcome::Within { run, message } => {
                auto_run = run;
                plan_checks.push(Check::pass("autonomy", message));
            }
            autonomy::Outcome::Fallback { code, message } => {
                plan_checks.push(Check::ask("autonomy", code, message));
                if verdict != Verdict::Denied {
                    approvals.push(autonomy::Outcome::stage());
                }
            }
        }
    }
    verdict = plan_checks.iter().fold(verdict, |v, c| v.max(c.verdict));
    if verdict != Verdict::Allowed {
        auto_run = false;
    }
    let mut reason_codes: Vec<String> = out
        .iter()
        .flat_map(|s| s.checks.iter())
        .chain(plan_checks.iter())
        .filter(|c| c.verdict != Verdict::Allowed)
        .map(|c| c.code.clone())
        .collect();
    reason_codes.sort();
    reason_codes.dedup();
    PlanDecision {
        verdict,
        cost: total,
        steps: out,
        risk,
        approvals,
        reason_codes,
        policy_version: ctx.policy.label.clone(),
        checks: plan_checks,
        unattended,
        auto_run,
        budget_exceeded,
        kill_switch: ctx.gov.kill.clone(),
    }
}

fn rule_ref(t: &praetor_policy::decide::RuleTrace) -> RuleRef {
    RuleRef {
        policy: t.policy.clone(),
        rule: t.rule.clone(),
        level: t.level.as_str().to_string(),
        version: t.version.clone(),
        file: t.file.clone(),
        line: t.line,
    }
}

#[allow(clippy::too_many_arguments)]
async fn decide_step(
    ctx: &DecisionContext<'_>,
    sim_state: &Value,
    step: &Step,
    action: Option<&ResolvedAction>,
    cost: &Result<f64, String>,
    plan: &Value,
    usage: &Value,
    pending: &mut std::collections::HashMap<String, u32>,
) -> StepDecision {
    let effective = &ctx.policy.effective;
    let mut checks = Vec::new();
    let mut d = StepDecision {
        id: step.id.clone(),
        action: step.action.clone(),
        verdict: Verdict::Allowed,
        checks: Vec::new(),
        approvals: Vec::new(),
        cost: *cost.as_ref().unwrap_or(&0.0),
        risk: action.map(|a| a.risk.clone()).unwrap_or_else(|| "low".into()),
        state_diff: Vec::new(),
        skipped: false,
        gov_input: Value::Null,
        rate_refusals: Vec::new(),
    };
    let input = DecisionInput {
        action: &step.action,
        params: &step.params,
        state: sim_state,
        principal: &ctx.principal,
        plan,
        now: ctx.now,
        usage,
    };

    // A step whose condition is false is skipped, and nothing else about it matters.
    if let Some(when) = &step.when {
        let cel = praetor_policy::expr::Input {
            params: &step.params,
            state: sim_state,
            principal: &ctx.principal,
            plan,
            now: ctx.now,
            usage,
        };
        match effective.expr(when).and_then(|c| praetor_policy::expr::eval_bool(&c, &cel)) {
            Ok(true) => checks.push(Check::pass("condition", format!("`{when}` holds"))),
            Ok(false) => {
                d.skipped = true;
                d.checks = vec![Check {
                    code: "SKIPPED".into(),
                    ..Check::pass("condition", format!("`{when}` is false: the step will be skipped"))
                }];
                return d;
            }
            Err(e) => checks.push(Check::deny(
                "condition",
                "POLICY_DENIED",
                format!("the step's condition could not be evaluated: {e}"),
            )),
        }
    }

    // RBAC: may this principal invoke this action in this project at all?
    let op = format!("action.invoke:{}", step.action);
    if ctx.access.may_invoke(Domain::Project(ctx.project), &step.action) {
        checks.push(Check::pass("rbac", format!("may `{op}` in the project")));
    } else {
        checks.push(Check::deny("rbac", "FORBIDDEN", format!("missing permission `{op}` in the project")));
    }

    // The action and its parameters.
    let Some(action) = action else {
        checks.push(Check::deny("action", "VALIDATION", format!("no action named `{}` is registered", step.action)));
        d.verdict = checks.iter().fold(Verdict::Allowed, |v, c| v.max(c.verdict));
        d.checks = checks;
        return d;
    };
    match actions::validate_params(&step.action, &action.schema, &step.params) {
        Ok(()) => checks.push(Check::pass("params", "parameters match the action's schema")),
        Err(e) => checks.push(Check::deny("params", "VALIDATION", e.to_string())),
    }
    if let Err(e) = cost {
        checks.push(Check::deny("cost", "POLICY_DENIED", format!("the cost could not be computed: {e}")));
    }

    // The kill switch: nothing starts while one covers the project.
    match &ctx.gov.kill {
        None => checks.push(Check::pass("kill_switch", "no kill switch is engaged")),
        Some(k) => checks.push(Check::deny("kill_switch", "KILL_SWITCH", k.message())),
    }

    // Execution windows and blackouts.
    match effective.window_status(&step.action, ctx.now) {
        WindowStatus::Open => checks.push(Check::pass("window", "inside its execution window")),
        WindowStatus::Closed { rule, level, file, line, reason, next_open } => {
            let next = next_open.map(|t| format!("; next opening {}", t.to_rfc3339())).unwrap_or_default();
            let mut c = Check::deny("window", "OUTSIDE_WINDOW", format!("{reason}{next}"));
            c.retry_at = next_open;
            let (policy, rule_name) = rule
                .split_once('/')
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .unwrap_or((rule.clone(), rule.clone()));
            c.rule = Some(RuleRef {
                policy,
                rule: rule_name,
                level: level.as_str().into(),
                version: ctx.policy.label.clone(),
                file,
                line,
            });
            checks.push(c);
        }
    }

    // Rate limits: each limit that counts this invocation, each of its periods.
    let mut rate_inputs = serde_json::Map::new();
    for limit in rate::applicable(effective, &step.action, ctx.access.org_id(), ctx.project, &ctx.principal) {
        let key = limit.key(ctx.gov.phase);
        let hits = ctx.gov.rates.get(&key).map(Vec::as_slice).unwrap_or(&[]);
        let before = pending.get(&key).copied().unwrap_or(0);
        // What replay needs: how many hits counted in each period at this moment.
        let minute = rate::in_window(hits, Duration::seconds(60), ctx.now);
        let hour = rate::in_window(hits, Duration::seconds(rate::LONGEST), ctx.now);
        rate_inputs.insert(key.clone(), json!({"minute": minute, "hour": hour, "pending": before}));
        let mut refused = None;
        for (period, length, max) in limit.periods() {
            let c = rate::count(hits, before, max, length, ctx.now);
            if !c.admitted() {
                refused = Some((period, c));
                break;
            }
        }
        match refused {
            None => checks.push(Check::pass("rate_limit", format!("`{}` has room", limit.name))),
            Some((period, c)) => {
                if before == 0
                    && let Some(t) = c.retry_at
                {
                    d.rate_refusals.push((key.clone(), period, c.max, t));
                }
                let when = match c.retry_at {
                    Some(t) => format!("; retry after {}s", rate::retry_after_seconds(t, ctx.now)),
                    None => "; this plan alone asks for more".into(),
                };
                let mut check = Check::deny(
                    "rate_limit",
                    "RATE_LIMITED",
                    format!("`{}` allows {} per {period}; {} already counted{when}", limit.name, c.max, c.used),
                );
                check.retry_at = c.retry_at;
                checks.push(check);
            }
        }
        *pending.entry(key).or_default() += 1;
    }
    d.gov_input = json!({"phase": ctx.gov.phase, "kill": ctx.gov.kill, "rates": rate_inputs});

    // Preconditions and approvals from policy rules.
    let decision = effective.decide(&input);
    let by = decision.decided_by.as_ref().map(rule_ref);
    match decision.effect {
        Effect::Allow => {
            let message = match &by {
                Some(r) => format!("allowed by rule `{}`", r.rule),
                None => "no policy rule restricts this action".into(),
            };
            checks.push(Check { rule: by, ..Check::pass("policy", message) })
        }
        Effect::Deny => {
            let note =
                decision.decided_by.as_ref().and_then(|t| t.note.clone()).unwrap_or_else(|| "denied by policy".into());
            checks.push(Check { rule: by, ..Check::deny("policy", "POLICY_DENIED", note) });
        }
        Effect::RequireApproval => {
            d.approvals = decision
                .approvals
                .iter()
                .map(|s| Stage {
                    name: s.name.clone(),
                    groups: s.groups.clone(),
                    count: s.count,
                    rule: s.rule.clone(),
                    allow_earlier_approvers: s.allow_earlier_approvers,
                })
                .collect();
            let names: Vec<String> =
                d.approvals.iter().map(|s| format!("{} x{}", s.groups.join("|"), s.count)).collect();
            checks.push(Check {
                rule: by,
                ..Check::ask("approval", "APPROVAL_REQUIRED", format!("needs approval: {}", names.join(", then ")))
            });
        }
    }

    if action.changes_state && checks.iter().all(|c| c.verdict != Verdict::Denied) {
        d.state_diff = predict(action, sim_state, step, ctx).await;
    }
    d.verdict = checks.iter().fold(Verdict::Allowed, |v, c| v.max(c.verdict));
    d.checks = checks;
    d
}

/// Runs a built-in state handler against a copy of the state to predict its changes. State
/// handlers are pure functions of state and parameters, so the prediction is exact; external
/// handlers are not called (their changes are known only when they answer).
async fn predict(
    action: &ResolvedAction,
    sim_state: &Value,
    step: &Step,
    ctx: &DecisionContext<'_>,
) -> Vec<StateChange> {
    if action.reaches_outside() {
        return Vec::new();
    }
    let Some(handler) = action.handler(None) else { return Vec::new() };
    let Ok(params) = action.handler_params(&step.params, &ctx.policy.effective, ctx.now) else { return Vec::new() };
    let egress = Egress::deny_all();
    let hctx = HandlerCtx {
        state: sim_state,
        now: ctx.now,
        idempotency_key: "preview",
        egress: &egress,
        plan: "preview",
        step: &step.id,
    };
    match handler.run(&hctx, &params).await {
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
    principal: &Value,
    plan_value: &Value,
    project_seq: i64,
    policy_version: &str,
    now: chrono::DateTime<chrono::Utc>,
    usage: &Value,
) -> praetor_entities::decision::ActiveModel {
    use sea_orm::Set;
    let input = serde_json::json!({
        "params": step.params,
        "principal": principal,
        "plan": plan_value,
        "projectSeq": project_seq,
        "at": now.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "governance": decision.gov_input,
        "usage": usage,
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

/// Re-decides a recorded execution decision from what was recorded — the action, its
/// parameters, the principal and the state as they were — under the policy version it was
/// decided with. RBAC is taken as recorded (rights are not versioned; they are audited).
pub fn redecide_recorded(
    step: &Step,
    recorded: &praetor_entities::decision::Model,
    policy: &Loaded,
    state: &Value,
) -> Verdict {
    let input: Value = serde_json::from_str(&recorded.input).unwrap_or(Value::Null);
    let checks: Vec<Check> = serde_json::from_str(&recorded.reasons).unwrap_or_default();
    if checks.iter().any(|c| c.code == "SKIPPED") {
        return Verdict::Allowed;
    }
    let mut verdict = if checks.iter().any(|c| c.name == "rbac" && c.verdict == Verdict::Denied) {
        Verdict::Denied
    } else {
        Verdict::Allowed
    };
    let effective = &policy.effective;
    let Some(action) = actions::resolve(&step.action, effective) else { return Verdict::Denied };
    if actions::validate_params(&step.action, &action.schema, &step.params).is_err() {
        verdict = Verdict::Denied;
    }
    let at = input
        .get("at")
        .and_then(Value::as_str)
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(recorded.decided_at);
    let principal = input.get("principal").cloned().unwrap_or(Value::Null);
    let plan = input.get("plan").cloned().unwrap_or(Value::Null);
    let usage = input.get("usage").cloned().unwrap_or(Value::Null);
    if let WindowStatus::Closed { .. } = effective.window_status(&step.action, at) {
        verdict = verdict.max(Verdict::Denied);
    }
    // Governance as it stood: an engaged kill switch, and the rate-limit hits counted then.
    let gov = input.get("governance").cloned().unwrap_or(Value::Null);
    if gov.get("kill").is_some_and(|k| !k.is_null()) {
        verdict = verdict.max(Verdict::Denied);
    }
    let phase: Phase = gov.get("phase").and_then(|p| serde_json::from_value(p.clone()).ok()).unwrap_or_default();
    for limit in rate::applicable(effective, &step.action, recorded.org_id, recorded.project_id, &principal) {
        let key = limit.key(phase);
        let rec = gov.get("rates").and_then(|r| r.get(&key));
        let field = |name: &str| rec.and_then(|r| r.get(name)).and_then(Value::as_u64).unwrap_or(0) as u32;
        let before = field("pending");
        if limit.periods().into_iter().any(|(period, _, max)| field(period) + before >= max) {
            verdict = verdict.max(Verdict::Denied);
        }
    }
    let d = effective.decide(&DecisionInput {
        action: &step.action,
        params: &step.params,
        state,
        principal: &principal,
        plan: &plan,
        now: at,
        usage: &usage,
    });
    verdict.max(match d.effect {
        Effect::Allow => Verdict::Allowed,
        Effect::RequireApproval => Verdict::NeedsApproval,
        Effect::Deny => Verdict::Denied,
    })
}
