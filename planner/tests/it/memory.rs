//! References to session memory: "it", "again", "same but in prod", and what happens when
//! there is nothing to refer to.

use praetor_planner::{AliasPlanner, Catalog, CatalogEntry, ClarifyReason, Memory, Outcome, ProposedPlan};
use serde_json::{Value, json};

use crate::fixture::catalog;

/// Plans `text`, records the outcome like the caller would, and returns it.
fn say(text: &str, catalog: &Catalog, memory: &mut Memory) -> Outcome {
    let outcome = AliasPlanner::new().plan_text(text, catalog, memory);
    memory.record(text, &outcome);
    outcome
}

fn step(outcome: &Outcome) -> (String, Value) {
    let plan = outcome.plan().unwrap_or_else(|| panic!("no plan: {outcome:#?}"));
    assert_eq!(plan.steps.len(), 1, "{plan:#?}");
    (plan.steps[0].action.clone(), plan.steps[0].params.clone())
}

fn reason(outcome: &Outcome) -> ClarifyReason {
    outcome.clarification().unwrap_or_else(|| panic!("no question: {outcome:#?}")).reason.clone()
}

#[test]
fn it_is_the_last_service_named() {
    let cat = catalog();
    let mut m = Memory::new();
    step(&say("deploy api to prod", &cat, &mut m));
    assert_eq!(m.fact("service"), Some(&json!("api")));
    assert_eq!(step(&say("restart it", &cat, &mut m)), ("service.restart".into(), json!({"service": "api"})));
    assert_eq!(step(&say("restart it again", &cat, &mut m)), ("service.restart".into(), json!({"service": "api"})));
    assert_eq!(step(&say("Bounce that!", &cat, &mut m)), ("service.restart".into(), json!({"service": "api"})));
    // A newer name wins.
    step(&say("restart billing", &cat, &mut m));
    assert_eq!(
        step(&say("scale it to 4", &cat, &mut m)),
        ("scale.service".into(), json!({"service": "billing", "replicas": 4}))
    );
    // "it" is still checked against the schema of where it lands.
    let o = say("deploy it", &cat, &mut m);
    assert!(matches!(reason(&o), ClarifyReason::InvalidParam { param, .. } if param == "service"), "{o:#?}");
}

#[test]
fn again_repeats_the_last_plan() {
    let cat = catalog();
    let mut m = Memory::new();
    let first = step(&say("ship web to prod at version 3", &cat, &mut m));
    for text in ["again", "do it again", "Again!", "same again", "once more", "repeat that"] {
        let o = say(text, &cat, &mut m);
        assert_eq!(step(&o), first, "{text}");
        assert!(o.plan().unwrap().explanation.starts_with("Again: "), "{text}");
    }
    // A failed request does not replace the last plan.
    let o = say("scale web to 99", &cat, &mut m);
    assert!(o.clarification().is_some());
    assert_eq!(step(&say("again", &cat, &mut m)), first);
}

#[test]
fn same_but_swaps_one_parameter() {
    let cat = catalog();
    let mut m = Memory::new();
    step(&say("deploy web to staging", &cat, &mut m));
    let base = json!({"service": "web", "env": "prod", "version": 1});
    for text in [
        "same but in prod",
        "same in prod",
        "now prod",
        "Now in PROD.",
        "and now prod",
        "same with env prod",
        "same but env=prod",
    ] {
        let mut fresh = Memory::new();
        step(&say("deploy web to staging", &cat, &mut fresh));
        let o = say(text, &cat, &mut fresh);
        assert_eq!(step(&o), ("deploy.web".into(), base.clone()), "{text}");
        assert!(o.plan().unwrap().explanation.starts_with("Same as before with env = "), "{text}");
    }
    assert_eq!(
        step(&say("same but for api", &cat, &mut m)),
        ("deploy.web".into(), json!({"service": "api", "env": "staging", "version": 1}))
    );
    assert_eq!(
        step(&say("same with version 4", &cat, &mut m)),
        ("deploy.web".into(), json!({"service": "api", "env": "staging", "version": 4}))
    );
    // Parameter names are matched ignoring case.
    assert_eq!(
        step(&say("same with VERSION 5", &cat, &mut m)),
        ("deploy.web".into(), json!({"service": "api", "env": "staging", "version": 5}))
    );
    // Two values at once.
    assert_eq!(
        step(&say("same but worker in prod", &cat, &mut m)),
        ("deploy.web".into(), json!({"service": "worker", "env": "prod", "version": 5}))
    );
    // "now deploy api" is a request of its own, not a change.
    assert_eq!(
        step(&say("now deploy api", &cat, &mut m)),
        ("deploy.web".into(), json!({"service": "api", "env": "staging", "version": 1}))
    );
}

#[test]
fn same_but_uses_values_known_elsewhere_and_numbers() {
    let cat = catalog();
    let mut m = Memory::new();
    step(&say("restart web", &cat, &mut m));
    // `service` of service.restart is free text; "api" is a known service from deploy.web.
    assert_eq!(step(&say("same for api", &cat, &mut m)), ("service.restart".into(), json!({"service": "api"})));
    step(&say("scale web to 5", &cat, &mut m));
    // The only numeric parameter takes a bare number.
    assert_eq!(
        step(&say("same but 10", &cat, &mut m)),
        ("scale.service".into(), json!({"service": "web", "replicas": 10}))
    );
    let o = say("same but 80", &cat, &mut m);
    assert!(
        matches!(reason(&o), ClarifyReason::InvalidParam { ref param, ref problem, .. } if param == "replicas" && problem == "`replicas` must be at most 50, got 80"),
        "{o:#?}"
    );
    let o = say("same but in qa", &cat, &mut m);
    assert_eq!(reason(&o), ClarifyReason::UnknownReference { word: "qa".into() });
    assert_eq!(
        o.clarification().unwrap().suggestions,
        vec!["same with service qa".to_string()],
        "replicas takes a number: \"same with replicas qa\" would not plan"
    );
}

#[test]
fn same_but_with_a_template() {
    let cat = catalog();
    let mut m = Memory::new();
    say("release web", &cat, &mut m);
    let o = say("same with version 3", &cat, &mut m);
    let t = o.plan().unwrap().template.clone().unwrap();
    assert_eq!((t.name.as_str(), t.args), ("release", json!({"service": "web", "version": 3})));
    let o = say("same for worker", &cat, &mut m);
    assert_eq!(o.plan().unwrap().template.as_ref().unwrap().args, json!({"service": "worker", "version": 3}));
}

#[test]
fn a_value_of_two_parameters_is_ambiguous() {
    let schema = json!({"type": "object", "properties": {
        "from": {"type": "string", "enum": ["staging", "prod"]},
        "to": {"type": "string", "enum": ["staging", "prod"]}
    }});
    let cat = Catalog::new([CatalogEntry::action("db.copy", "", schema).with_aliases(["copy {from} to {to}"])]);
    let mut m = Memory::new();
    step(&say("copy staging to prod", &cat, &mut m));
    let o = say("same but prod", &cat, &mut m);
    assert_eq!(reason(&o), ClarifyReason::Ambiguous { candidates: vec!["from".into(), "to".into()] });
    assert_eq!(
        step(&say("same but from prod", &cat, &mut m)),
        ("db.copy".into(), json!({"from": "prod", "to": "prod"}))
    );
}

#[test]
fn cleared_memory_refers_to_nothing() {
    let cat = catalog();
    let mut m = Memory::new();
    step(&say("deploy web to prod", &cat, &mut m));
    m.clear();
    assert!(m.is_empty());
    for text in ["again", "do it again", "same but in staging", "now prod", "restart it", "restart it again"] {
        let o = say(text, &cat, &mut m);
        assert_eq!(reason(&o), ClarifyReason::NothingToRepeat, "{text}");
    }
    // The question was recorded in the summary, not as a plan.
    assert!(m.last_plan.is_none());
    assert_eq!(m.turns.len(), 6);
}

#[test]
fn memory_is_checked_against_the_catalog_in_force() {
    let cat = catalog();
    let mut m = Memory::new();
    step(&say("deploy web to prod", &cat, &mut m));
    // An agent that may only restart cannot repeat a deploy.
    let narrow = cat.restricted_to(&["service.*"]);
    let o = AliasPlanner::new().plan_text("again", &narrow, &m);
    assert_eq!(reason(&o), ClarifyReason::NotAvailable { target: "deploy.web".into() });
    // A remembered plan that no longer validates is reported, not proposed.
    m.last_plan = Some(ProposedPlan::single("scale.service", json!({"service": "web", "replicas": 500}), ""));
    let o = AliasPlanner::new().plan_text("again", &cat, &m);
    assert!(matches!(reason(&o), ClarifyReason::InvalidParam { param, .. } if param == "replicas"), "{o:#?}");
}
