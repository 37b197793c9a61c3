//! The decision pipeline. For a plan and each of its steps: RBAC -> action and parameters ->
//! kill switch -> execution window -> rate limit -> preconditions -> approvals; then for the
//! whole plan: budget -> autonomy -> verdict.
//!
//! [`decide_plan`] is a pure function of a [`DecisionContext`]: the principal and what RBAC
//! answered for it ([`Rights`]), the project state, the effective policy, the governance
//! [`Snapshot`] (kill switch, rate-limit hits, budget ledgers, autonomy) and the instant. It
//! does no I/O: callers read its inputs first. Preview, simulation, execution, policy impact
//! and replay all call it — replay ([`redecide`]) with the inputs recorded beside each decision
//! — so they can never disagree; every check records what decided it.

pub mod actions;
pub mod autonomy;
pub mod budget;
pub mod rate;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use praetor_policy::Level;
use praetor_policy::decide::{DecisionInput, Effective, WindowStatus};
use praetor_policy::document::{Effect, Risk};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub use crate::Verdict;
use crate::ids::{OrgId, ProjectId};
use crate::plan::{Stage, Step};
use crate::snapshot::{Exceeded, KillInfo, Phase, Snapshot};
use crate::state::{self, StateChange};
use actions::ResolvedAction;

/// The effective policy of a project with its version label (`org@3+web@2`, or `none`).
#[derive(Clone)]
pub struct Loaded {
    pub effective: Effective,
    pub label: String,
}

/// Where a decision came from: a rule of a policy version, with its source location.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleRef {
    pub policy: String,
    pub rule: String,
    pub level: Level,
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
    pub risk: Risk,
    /// Predicted changes to the project state (state-changing steps only).
    pub state_diff: Vec<StateChange>,
    /// The step's `when` condition is false: it will be skipped.
    #[serde(default)]
    pub skipped: bool,
    /// Every policy rule consulted and the one that decided (for explanations); not recorded.
    #[serde(skip)]
    pub rules: Option<praetor_policy::decide::Decision>,
    /// Rate limits that refused this step on stored hits alone, each with its refusing check:
    /// (key, period, max, check). Such a refusal holds until the check's `retry_at`.
    #[serde(skip)]
    pub rate_refusals: Vec<(String, &'static str, u32, Check)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanDecision {
    pub verdict: Verdict,
    pub steps: Vec<StepDecision>,
    pub cost: f64,
    pub risk: Risk,
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
    pub budget_exceeded: Option<Exceeded>,
    /// The kill switch that stopped the plan, if one is engaged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kill_switch: Option<KillInfo>,
}

impl PlanDecision {
    /// Every check of the plan: each step's, then the plan's own.
    pub fn all_checks(&self) -> impl Iterator<Item = &Check> {
        self.steps.iter().flat_map(|s| s.checks.iter()).chain(self.checks.iter())
    }

    /// The refusal that passes with time or a release — a kill switch, a rate limit, a budget —
    /// that a proposal answers with, if the plan met one.
    pub fn refusal(&self, now: DateTime<Utc>) -> Option<Refusal> {
        if let Some(k) = &self.kill_switch {
            return Some(Refusal::KillSwitch(Box::new(k.clone())));
        }
        if let Some(c) = self.all_checks().find(|c| c.code == "RATE_LIMITED") {
            return Some(rate_limited(c, now));
        }
        self.budget_exceeded.as_ref().map(|x| Refusal::BudgetExceeded(Box::new(x.clone())))
    }
}

/// A refusal that passes with time or a release: the error a proposal answers with.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    KillSwitch(Box<KillInfo>),
    RateLimited { message: String, retry_after_seconds: u64 },
    BudgetExceeded(Box<Exceeded>),
}

impl Refusal {
    /// The reason code it answers with.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::KillSwitch(_) => "KILL_SWITCH",
            Refusal::RateLimited { .. } => "RATE_LIMITED",
            Refusal::BudgetExceeded(_) => "BUDGET_EXCEEDED",
        }
    }
}

/// What RBAC answered for the principal: whether it may invoke each action of the plan
/// (`action.invoke:<action>` in the project). Read before deciding and recorded with it.
/// (The server asks RBAC: `governance::pipeline::rights_of`.)
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rights {
    pub invoke: BTreeMap<String, bool>,
}

impl Rights {
    fn may_invoke(&self, action: &str) -> bool {
        self.invoke.get(action).copied().unwrap_or(false)
    }

    /// The answer for one action, as recorded with that step's decision.
    pub fn only(&self, action: &str) -> Rights {
        Rights { invoke: BTreeMap::from([(action.to_string(), self.may_invoke(action))]) }
    }
}

/// The refusal a refusing rate-limit check answers with at `now`.
pub fn rate_limited(check: &Check, now: DateTime<Utc>) -> Refusal {
    let retry = check.retry_at.map(|t| rate::retry_after_seconds(t, now)).unwrap_or(3600);
    Refusal::RateLimited { message: check.message.clone(), retry_after_seconds: retry }
}

/// Everything a decision depends on. Nothing else may influence it.
pub struct DecisionContext<'a> {
    pub org: OrgId,
    pub project: ProjectId,
    pub state: &'a Value,
    pub now: DateTime<Utc>,
    pub policy: Arc<Loaded>,
    /// `{id, kind, name, groups, chain}` of the principal the plan acts for.
    pub principal: Value,
    pub rights: &'a Rights,
    /// Governance state read before deciding: kill switches, rate-limit hits, budgets, autonomy.
    pub gov: &'a Snapshot,
    /// `{cost, risk, steps}` of the whole plan, as conditions see it (`plan.*`). `None`: the
    /// steps decided are the whole plan, and it is computed from them.
    pub plan: Option<Value>,
}

impl DecisionContext<'_> {
    /// Today's usage (spend, counts) for conditions that look at it.
    pub fn usage(&self) -> Value {
        self.gov.usage()
    }
}

/// Decides a whole plan, step by step, simulating state changes in order so later steps are
/// judged (and previewed) against the state earlier steps would leave.
pub fn decide_plan(ctx: &DecisionContext<'_>, steps: &[Step]) -> PlanDecision {
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
    let risk = resolved.iter().flatten().map(|a| a.risk).max().unwrap_or(Risk::Low);
    let plan_value = ctx.plan.clone().unwrap_or_else(|| json!({"cost": total, "risk": risk, "steps": steps.len()}));
    let usage = ctx.usage();

    let mut sim_state = ctx.state.clone();
    let mut out = Vec::with_capacity(steps.len());
    // Invocations earlier in this plan count against the same rate limits.
    let mut pending: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
    for ((step, action), cost) in steps.iter().zip(&resolved).zip(&costs) {
        let d = decide_step(ctx, &sim_state, step, action.as_ref(), cost, &plan_value, &usage, &mut pending);
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

    // The plan as a whole: whether its approvals can be given, its cost against the budgets,
    // then autonomy.
    let mut plan_checks = Vec::new();
    if ctx.gov.phase == Phase::Propose
        && verdict != Verdict::Denied
        && let Some(approvers) = &ctx.gov.approvers
        && let Some(why) = unsatisfiable(&approvals, approvers, &ctx.principal)
    {
        plan_checks.push(Check::ask("approval", "APPROVAL_UNSATISFIABLE", why));
    }
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
        match autonomy::decide(&settings, effective.autonomy_configured(), ctx.gov, total, risk, ctx.now) {
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

/// Why the approval stages cannot all be given with the groups as they are, if they cannot
/// (PV106 for one plan; a warning: the plan still waits, and approvers added to the groups
/// before its request expires can approve it): a
/// stage whose groups have fewer members than it needs once the person proposing (or the
/// person an agent proposes for) is left out, since nobody approves their own plan; or stages
/// that each need different people (a person's approval counts for one stage unless the policy
/// lets earlier approvers approve again) needing more people than they have together. Stages
/// anyone who may approve can give (autonomy's fallback) are never unsatisfiable.
fn unsatisfiable(stages: &[Stage], approvers: &crate::snapshot::Approvers, principal: &Value) -> Option<String> {
    let mut own: Vec<&str> = Vec::new();
    if principal["kind"] == "user"
        && let Some(id) = principal["id"].as_str()
    {
        own.push(id);
    }
    for a in principal["chain"].as_array().into_iter().flatten() {
        if a["kind"] == "user"
            && let Some(id) = a["id"].as_str()
        {
            own.push(id);
        }
    }
    let names = |people: &BTreeMap<&String, &String>| -> String {
        let names: Vec<&str> = people.values().map(|n| n.as_str()).collect();
        match names.as_slice() {
            [] => "nobody".to_string(),
            [one] => one.to_string(),
            [init @ .., last] => format!("{} and {last}", init.join(", ")),
        }
    };
    let mut needed = 0u32;
    let mut pool: BTreeMap<&String, &String> = BTreeMap::new();
    for stage in stages {
        if stage.groups.iter().any(|g| g == autonomy::FALLBACK_GROUP) {
            continue;
        }
        let members: BTreeMap<&String, &String> =
            stage.groups.iter().filter_map(|g| approvers.get(g)).flatten().collect();
        let eligible: BTreeMap<&String, &String> =
            members.iter().filter(|(id, _)| !own.contains(&id.as_str())).map(|(id, n)| (*id, *n)).collect();
        if (eligible.len() as u32) < stage.count {
            let only = if eligible.is_empty() { String::new() } else { "only ".to_string() };
            let own_left_out = if eligible.len() < members.len() {
                " (nobody approves a plan proposed by them or for them)"
            } else {
                ""
            };
            return Some(format!(
                "stage `{}` needs {} approval{} from {}, but {only}{} can give one{own_left_out}: nobody can approve this plan unless an administrator adds approvers to the group before its request expires",
                stage.name,
                stage.count,
                if stage.count == 1 { "" } else { "s" },
                stage.groups.join(" or "),
                names(&eligible),
            ));
        }
        if !stage.allow_earlier_approvers {
            needed += stage.count;
            pool.extend(eligible);
        }
    }
    (needed as usize > pool.len()).then(|| {
        format!(
            "the approval stages need {needed} different people (each person's approval counts for one stage), but only {} can approve ({}): nobody can approve this plan unless an administrator adds approvers to the groups before its request expires",
            pool.len(),
            names(&pool)
        )
    })
}

fn rule_ref(t: &praetor_policy::decide::RuleTrace) -> RuleRef {
    RuleRef {
        policy: t.policy.clone(),
        rule: t.rule.clone(),
        level: t.level,
        version: t.version.clone(),
        file: t.file.clone(),
        line: t.line,
    }
}

#[allow(clippy::too_many_arguments)]
fn decide_step(
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
        risk: action.map(|a| a.risk).unwrap_or(Risk::Low),
        state_diff: Vec::new(),
        skipped: false,
        rules: None,
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
    if ctx.rights.may_invoke(&step.action) {
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
        Err(e) => checks.push(Check::deny("params", "VALIDATION", e.message)),
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
            c.rule = Some(RuleRef { policy, rule: rule_name, level, version: ctx.policy.label.clone(), file, line });
            checks.push(c);
        }
    }

    // Rate limits: each limit that counts this invocation, each of its periods.
    for limit in rate::applicable(effective, &step.action, ctx.org, ctx.project, &ctx.principal) {
        let key = limit.key(ctx.gov.phase);
        let hits = ctx.gov.rates.get(&key).map(Vec::as_slice).unwrap_or(&[]);
        let before = pending.get(&key).copied().unwrap_or(0);
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
                // An absolute time: the message stays true for as long as the refusal holds,
                // so a refusal answered again from memory repeats it word for word.
                let when = match c.retry_at {
                    Some(t) => format!("; room again at {}", t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
                    None => "; this plan alone asks for more".into(),
                };
                let mut check = Check::deny(
                    "rate_limit",
                    "RATE_LIMITED",
                    format!("`{}` allows {} per {period}; {} already counted{when}", limit.name, c.max, c.used),
                );
                check.retry_at = c.retry_at;
                if before == 0 && c.retry_at.is_some() {
                    d.rate_refusals.push((key.clone(), period, c.max, check.clone()));
                }
                checks.push(check);
            }
        }
        *pending.entry(key).or_default() += 1;
    }

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

    d.rules = Some(decision);
    if action.changes_state && checks.iter().all(|c| c.verdict != Verdict::Denied) {
        d.state_diff = predict(action, sim_state, step, ctx);
    }
    d.verdict = checks.iter().fold(Verdict::Allowed, |v, c| v.max(c.verdict));
    d.checks = checks;
    d
}

/// Predicts a step's changes to the project state. Built-in state actions are pure functions
/// of state and parameters ([`actions::state_change`]), so the prediction is exact;
/// other actions are not run (their changes are known only when they answer).
fn predict(action: &ResolvedAction, sim_state: &Value, step: &Step, ctx: &DecisionContext<'_>) -> Vec<StateChange> {
    if action.reaches_outside() {
        return Vec::new();
    }
    let actions::HandlerSpec::Builtin { name, .. } = &action.handler else { return Vec::new() };
    let Ok(params) = action.handler_params(&step.params, &ctx.policy.effective, ctx.now) else { return Vec::new() };
    match actions::state_change(name, sim_state, &params) {
        Some(Ok((_, ops))) => state::diff(sim_state, &ops),
        _ => Vec::new(),
    }
}

/// Everything a step's decision was made on, recorded with it: replay feeds it back to
/// [`decide_plan`] and must get the recorded decision again, byte for byte.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Recorded {
    /// The step as decided: action, parameters, condition.
    pub step: Step,
    pub principal: Value,
    pub plan: Value,
    /// The project's state was the one after this many state changes.
    #[serde(rename = "projectSeq")]
    pub project_seq: i64,
    pub at: DateTime<Utc>,
    pub rights: Rights,
    pub snapshot: Snapshot,
}

impl Recorded {
    /// The decision made again from these recorded inputs (of a decision in `org`'s `project`)
    /// under `policy` and `state`: the recorded version for replay, another one for the impact
    /// of a policy change.
    pub fn decide_again(&self, org: OrgId, project: ProjectId, policy: Arc<Loaded>, state: &Value) -> StepDecision {
        let ctx = DecisionContext {
            org,
            project,
            state,
            now: self.at,
            policy,
            principal: self.principal.clone(),
            rights: &self.rights,
            gov: &self.snapshot,
            plan: Some(self.plan.clone()),
        };
        let mut steps = decide_plan(&ctx, std::slice::from_ref(&self.step)).steps;
        // One step in, one decision out.
        steps.swap_remove(0)
    }
}
