//! The decision pipeline on its own: no server, no database. Every verdict and reason code,
//! the order of the checks, and a recorded decision made again byte for byte.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use praetor_policy::decide::{Effective, Layer, Level};
use praetor_policy::{CompileContext, PolicySet, Source};
use serde_json::{Value, json};

use super::*;
use crate::ids::{OrgId, ProjectId};
use crate::plan::Step;
use crate::snapshot::{BudgetState, KillInfo, Phase, Snapshot};

const POLICY: &str = r#"apiVersion: praetor.dev/v1
kind: Policy
metadata: { name: p, org: t }
spec:
  rules:
    - name: frozen
      actions: ["**"]
      when: 'has(state.freeze) && state.freeze == true'
      effect: deny
      reason: frozen
    - name: big-needs-approval
      actions: ["state.increment"]
      when: 'params.by > 10'
      effect: require_approval
      approvals:
        - { group: leads, count: 1 }
  limits:
    - { name: sets, actions: ["state.set"], perMinute: 2 }
  windows:
    - { name: office, actions: ["state.delete"], days: [mon, tue, wed, thu, fri], from: "09:00", to: "17:00", timezone: UTC }
---
apiVersion: praetor.dev/v1
kind: Action
metadata: { name: deploy.app, org: t }
spec:
  params: { type: object, properties: { version: { type: integer } } }
  handler: { builtin: state.set, with: { key: "app", value: "{{ params.version }}" } }
  cost: 5
"#;

fn loaded() -> Arc<Loaded> {
    let ctx = CompileContext { builtins: actions::compiler_builtins(), org: Some("t".into()), ..Default::default() };
    let set = PolicySet::compile(&[Source::new("p.yaml", POLICY)], &ctx).expect("the test policy compiles");
    let effective = Effective::new(vec![Layer { level: Level::Org, set: Arc::new(set), version: "org@1".into() }]);
    Arc::new(Loaded { effective, label: "org@1".into() })
}

/// Tuesday 2026-11-24 10:00 UTC: inside the office window.
fn tuesday() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).single().expect("a valid time")
}

fn step(action: &str, params: Value) -> Step {
    Step { id: "s1".into(), action: action.into(), params, when: None, on_failure: Default::default() }
}

struct World {
    org: OrgId,
    project: ProjectId,
    state: Value,
    now: DateTime<Utc>,
    rights: Rights,
    gov: Snapshot,
    policy: Arc<Loaded>,
}

impl World {
    fn new() -> Self {
        Self {
            org: OrgId::generate(),
            project: ProjectId::generate(),
            state: json!({}),
            now: tuesday(),
            rights: Rights::default(),
            gov: Snapshot::empty(Phase::Propose),
            policy: loaded(),
        }
    }

    /// May invoke every action named.
    fn may(mut self, actions: &[&str]) -> Self {
        self.rights = Rights { invoke: actions.iter().map(|a| (a.to_string(), true)).collect() };
        self
    }

    fn ctx(&self) -> DecisionContext<'_> {
        DecisionContext {
            org: self.org,
            project: self.project,
            state: &self.state,
            now: self.now,
            policy: self.policy.clone(),
            principal: json!({"id": "usr_1", "kind": "user", "name": "bob@t", "groups": [], "chain": []}),
            rights: &self.rights,
            gov: &self.gov,
            plan: None,
        }
    }

    fn decide(&self, steps: &[Step]) -> PlanDecision {
        decide_plan(&self.ctx(), steps)
    }
}

fn codes(d: &StepDecision) -> Vec<(String, String)> {
    d.checks.iter().map(|c| (c.name.clone(), c.code.clone())).collect()
}

#[test]
fn an_allowed_step_passes_every_check_in_order() {
    let w = World::new().may(&["state.set"]);
    let d = w.decide(&[step("state.set", json!({"key": "a", "value": 1}))]);
    assert_eq!(d.verdict, Verdict::Allowed);
    let names: Vec<&str> = d.steps[0].checks.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["rbac", "params", "kill_switch", "window", "rate_limit", "policy"]);
    assert!(d.steps[0].checks.iter().all(|c| c.code == "OK"));
    assert_eq!(d.steps[0].state_diff.len(), 1, "the change is predicted");
    assert!(d.reason_codes.is_empty());
}

#[test]
fn each_refusal_has_its_code() {
    let set = |params: Value| step("state.set", params);
    // RBAC: no right to invoke.
    let d = World::new().decide(&[set(json!({"key": "a", "value": 1}))]);
    assert_eq!(d.verdict, Verdict::Denied);
    assert!(codes(&d.steps[0]).contains(&("rbac".into(), "FORBIDDEN".into())));
    // An unknown action, and parameters against the schema.
    let w = World::new().may(&["nope.nope", "state.set"]);
    let d = w.decide(&[step("nope.nope", json!({}))]);
    assert_eq!(codes(&d.steps[0]).last(), Some(&("action".into(), "VALIDATION".into())));
    let d = w.decide(&[set(json!({"value": 1}))]);
    assert!(codes(&d.steps[0]).contains(&("params".into(), "VALIDATION".into())));
    // A kill switch.
    let mut w = World::new().may(&["state.set"]);
    w.gov.kill =
        Some(KillInfo { scope: crate::KillScope::Project, reason: "incident".into(), by: "carol".into(), at: None });
    let d = w.decide(&[set(json!({"key": "a", "value": 1}))]);
    assert!(codes(&d.steps[0]).contains(&("kill_switch".into(), "KILL_SWITCH".into())));
    assert!(d.kill_switch.is_some());
    // A closed window names the next opening.
    let mut w = World::new().may(&["state.delete"]);
    w.now = tuesday() + Duration::hours(10);
    let d = w.decide(&[step("state.delete", json!({"key": "a"}))]);
    let window = d.steps[0].checks.iter().find(|c| c.name == "window").expect("a window check");
    assert_eq!(window.code, "OUTSIDE_WINDOW");
    assert_eq!(window.retry_at, Some(tuesday() + Duration::hours(23)));
    // A full rate limit: refused until the oldest hit leaves the window, said in absolute time.
    let mut w = World::new().may(&["state.set"]);
    let hits = vec![tuesday() - Duration::seconds(50), tuesday() - Duration::seconds(10)];
    let limits = rate::applicable(&w.policy.effective, "state.set", w.org, w.project, &json!({}));
    assert_eq!(limits.len(), 1);
    w.gov.rates = BTreeMap::from([(limits[0].key(Phase::Propose), hits)]);
    let d = w.decide(&[set(json!({"key": "a", "value": 1}))]);
    let rate = d.steps[0].checks.iter().find(|c| c.name == "rate_limit").expect("a rate check");
    assert_eq!(rate.code, "RATE_LIMITED");
    assert_eq!(rate.retry_at, Some(tuesday() + Duration::seconds(10)));
    assert!(rate.message.ends_with("room again at 2026-11-24T10:00:10Z"), "{}", rate.message);
    assert_eq!(d.refusal(tuesday()).map(|r| r.code()), Some("RATE_LIMITED"));
    // Policy: denied by a rule, and an approval asked by another.
    let mut w = World::new().may(&["state.increment"]);
    w.state = json!({"freeze": true});
    let d = w.decide(&[step("state.increment", json!({"key": "n"}))]);
    assert!(codes(&d.steps[0]).contains(&("policy".into(), "POLICY_DENIED".into())));
    let w = World::new().may(&["state.increment"]);
    let d = w.decide(&[step("state.increment", json!({"key": "n", "by": 20}))]);
    assert_eq!(d.verdict, Verdict::NeedsApproval);
    assert_eq!(d.approvals.len(), 1);
    assert_eq!(d.approvals[0].groups, ["leads"]);
    assert_eq!(d.reason_codes, ["APPROVAL_REQUIRED"]);
}

#[test]
fn the_budget_is_the_plans_and_a_false_condition_skips_a_step() {
    let mut w = World::new().may(&["state.set"]);
    w.gov.budgets = vec![BudgetState {
        level: "project".into(),
        policy: "p".into(),
        limit: 1.0,
        unit: "credits".into(),
        timezone: "UTC".into(),
        day: "2026-11-24".into(),
        spent: 1.0,
        reserved: 0.0,
        alert_at: vec![],
        day_start: tuesday() - Duration::hours(10),
        resets_at: tuesday() + Duration::hours(14),
    }];
    w = w.may(&["state.set", "deploy.app"]);
    // Built-in actions cost nothing: even a spent budget lets them through.
    let d = w.decide(&[step("state.set", json!({"key": "a", "value": 1}))]);
    assert_eq!(d.checks.iter().map(|c| c.code.as_str()).collect::<Vec<_>>(), ["OK"]);
    // A deploy costs 5: the plan does not fit, and the refusal carries the ledger.
    let d = w.decide(&[step("deploy.app", json!({"version": 3}))]);
    assert_eq!(d.verdict, Verdict::Denied);
    assert_eq!(d.checks[0].code, "BUDGET_EXCEEDED");
    let x = d.budget_exceeded.as_ref().expect("the budget refused");
    assert_eq!((x.limit, x.spent, x.cost), (1.0, 1.0, 5.0));
    assert_eq!(d.steps[0].state_diff[0].after, Some(json!(3)), "templated parameters are predicted");
    // At execution the budget was reserved already: it is not checked again.
    w.gov.phase = Phase::Execute;
    assert_eq!(w.decide(&[step("deploy.app", json!({"version": 3}))]).verdict, Verdict::Allowed);
    let w = World::new().may(&["state.set"]);
    let skipped = Step { when: Some("params.value > 5".into()), ..step("state.set", json!({"key": "a", "value": 1})) };
    let d = w.decide(&[skipped]);
    assert!(d.steps[0].skipped);
    assert_eq!(codes(&d.steps[0]), [("condition".to_string(), "SKIPPED".to_string())]);
}

#[test]
fn a_recorded_decision_is_made_again_byte_for_byte() {
    let mut w = World::new().may(&["state.set"]);
    w.gov.phase = Phase::Execute;
    let s = step("state.set", json!({"key": "a", "value": 1}));
    let plan_value = json!({"cost": 0.0, "risk": "low", "steps": 1});
    let ctx = DecisionContext { plan: Some(plan_value.clone()), ..w.ctx() };
    let d = decide_plan(&ctx, std::slice::from_ref(&s));
    let recorded = Recorded {
        step: s.clone(),
        principal: ctx.principal.clone(),
        plan: plan_value,
        project_seq: 0,
        at: ctx.now,
        rights: w.rights.only("state.set"),
        snapshot: w.gov.clone(),
    };
    // Through its stored form, as replay reads it.
    let stored = crate::canonical_json(&serde_json::to_value(&recorded).unwrap());
    let read: Recorded = serde_json::from_str(&stored).unwrap();
    let again = read.decide_again(w.org, w.project, w.policy.clone(), &w.state);
    let checks = |d: &StepDecision| crate::canonical_json(&serde_json::to_value(&d.checks).unwrap());
    assert_eq!(again.verdict, d.steps[0].verdict);
    assert_eq!(checks(&again), checks(&d.steps[0]));
    // A kill switch edited into the record changes the decision: replay would report it.
    let mut input: Value = serde_json::from_str(&stored).unwrap();
    input["snapshot"]["kill"] = json!({"scope": "org", "reason": "x", "by": "y", "at": null});
    let edited: Recorded = serde_json::from_value(input).unwrap();
    assert_eq!(edited.decide_again(w.org, w.project, w.policy.clone(), &w.state).verdict, Verdict::Denied);
}

fn approvers(groups: &[(&str, &[(&str, &str)])]) -> crate::snapshot::Approvers {
    groups
        .iter()
        .map(|(g, people)| (g.to_string(), people.iter().map(|(id, n)| (id.to_string(), n.to_string())).collect()))
        .collect()
}

#[test]
fn a_stage_nobody_but_the_proposer_can_approve_is_said_at_proposal() {
    let big = step("state.increment", json!({"key": "n", "by": 11}));
    let mut w = World::new().may(&["state.increment"]);
    // Not read (execution, replay): no judgement.
    assert_eq!(w.decide(std::slice::from_ref(&big)).verdict, Verdict::NeedsApproval);
    // bob (usr_1) proposes and is the only lead.
    w.gov.approvers = Some(approvers(&[("leads", &[("usr_1", "bob@t")])]));
    let d = w.decide(std::slice::from_ref(&big));
    assert_eq!(d.verdict, Verdict::NeedsApproval, "a warning: the plan still waits");
    let c = d.checks.iter().find(|c| c.code == "APPROVAL_UNSATISFIABLE").expect("the plan-wide check");
    assert!(c.message.contains("stage `leads` needs 1 approval from leads, but nobody can give one"), "{}", c.message);
    assert!(c.message.contains("proposed by them or for them"), "{}", c.message);
    assert_eq!(c.verdict, Verdict::NeedsApproval);
    assert!(d.reason_codes.contains(&"APPROVAL_UNSATISFIABLE".to_string()));
    // Another lead: satisfiable again, and the check says nothing.
    w.gov.approvers = Some(approvers(&[("leads", &[("usr_1", "bob@t"), ("usr_2", "carol@t")])]));
    let d = w.decide(std::slice::from_ref(&big));
    assert_eq!(d.verdict, Verdict::NeedsApproval);
    assert!(d.checks.iter().all(|c| c.code != "APPROVAL_UNSATISFIABLE"));
    // An agent proposing for carol, the only lead: carol is left out just the same.
    w.gov.approvers = Some(approvers(&[("leads", &[("usr_2", "carol@t")])]));
    let agent = json!({"id": "agt_1", "kind": "agent", "name": "helper", "groups": [], "chain": [{"id": "usr_2", "kind": "user", "name": "carol@t"}, {"id": "agt_1", "kind": "agent", "name": "helper"}]});
    let mut ctx = w.ctx();
    ctx.principal = agent;
    let d = decide_plan(&ctx, std::slice::from_ref(&big));
    assert!(d.checks.iter().any(|c| c.code == "APPROVAL_UNSATISFIABLE"), "{:?}", d.checks);
    // Executing never judges it.
    w.gov.phase = Phase::Execute;
    w.gov.approvers = Some(approvers(&[("leads", &[])]));
    assert!(w.decide(std::slice::from_ref(&big)).checks.iter().all(|c| c.code != "APPROVAL_UNSATISFIABLE"));
}

#[test]
fn stages_needing_different_people_count_them_together() {
    let stages = |earlier: bool| {
        vec![
            Stage {
                name: "a".into(),
                groups: vec!["sre".into()],
                count: 1,
                rule: "r".into(),
                allow_earlier_approvers: false,
            },
            Stage {
                name: "b".into(),
                groups: vec!["sre".into(), "board".into()],
                count: 1,
                rule: "r".into(),
                allow_earlier_approvers: earlier,
            },
        ]
    };
    let one = approvers(&[("sre", &[("usr_9", "carol@t")]), ("board", &[])]);
    let bob = json!({"id": "usr_1", "kind": "user", "chain": []});
    let why = unsatisfiable(&stages(false), &one, &bob).expect("carol cannot give both");
    assert!(why.contains("need 2 different people") && why.contains("only 1 can approve (carol@t)"), "{why}");
    assert_eq!(unsatisfiable(&stages(true), &one, &bob), None, "the policy lets carol approve again");
    let two = approvers(&[("sre", &[("usr_9", "carol@t")]), ("board", &[("usr_8", "alice@t")])]);
    assert_eq!(unsatisfiable(&stages(false), &two, &bob), None);
    let fallback = vec![autonomy::Outcome::stage()];
    assert_eq!(unsatisfiable(&fallback, &approvers(&[]), &bob), None, "anyone who may approve");
}
