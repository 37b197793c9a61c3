//! The alias planner, case by case: defaults, quoting, case and whitespace, typed parameters
//! and their limits, unknown text, ambiguity, partial phrasings, help.

use praetor_planner::{AliasPlanner, ClarifyReason, EntryKind, Memory, Outcome};
use serde_json::{Value, json};

use crate::fixture::catalog;

enum Want {
    Plan(&'static str, Value),
    Template(&'static str, Value),
    /// The parameter, and a piece of the message.
    Missing(&'static str, &'static str),
    Invalid(&'static str, &'static str),
    Unexpected(&'static str, &'static str),
    /// The first suggestion (none: no suggestions at all).
    NoMatch(Option<&'static str>),
    Ambiguous(&'static [&'static str]),
    NothingToRepeat,
    Empty,
    /// The help topic, and how many entries it lists.
    Help(Option<&'static str>, usize),
}

fn cases() -> Vec<(&'static str, Want)> {
    use Want::*;
    vec![
        // Defaults from the alias and from the schema.
        ("deploy web", Plan("deploy.web", json!({"service": "web", "env": "staging", "version": 1}))),
        ("deploy web to prod", Plan("deploy.web", json!({"service": "web", "env": "prod", "version": 1}))),
        ("ship api", Plan("deploy.web", json!({"service": "api", "env": "staging", "version": 1}))),
        ("ship api to prod", Plan("deploy.web", json!({"service": "api", "env": "prod", "version": 1}))),
        ("ship api to prod at version 7", Plan("deploy.web", json!({"service": "api", "env": "prod", "version": 7}))),
        ("roll back web", Plan("rollback.web", json!({"service": "web", "env": "staging"}))),
        ("roll back web in eu-prod", Plan("rollback.web", json!({"service": "web", "env": "eu-prod"}))),
        ("enable dark-mode", Plan("flag.set", json!({"flag": "dark-mode", "enabled": true}))),
        ("disable dark-mode", Plan("flag.set", json!({"flag": "dark-mode", "enabled": false}))),
        // Case, whitespace, punctuation, quoting.
        ("DEPLOY   Web   TO   Prod", Plan("deploy.web", json!({"service": "web", "env": "prod", "version": 1}))),
        ("  deploy api to staging.  ", Plan("deploy.web", json!({"service": "api", "env": "staging", "version": 1}))),
        ("deploy 'worker' to \"prod\"", Plan("deploy.web", json!({"service": "worker", "env": "prod", "version": 1}))),
        ("Restart   payments!", Plan("service.restart", json!({"service": "payments"}))),
        ("bounce payments-api", Plan("service.restart", json!({"service": "payments-api"}))),
        ("restart \"billing worker\"", Plan("service.restart", json!({"service": "billing worker"}))),
        ("restart \u{201c}it\u{201d}", Plan("service.restart", json!({"service": "it"}))),
        ("open a ticket \"disk is full\"", Plan("ticket.open", json!({"title": "disk is full", "priority": "low"}))),
        ("open a HIGH ticket 'db down'", Plan("ticket.open", json!({"title": "db down", "priority": "high"}))),
        // Typed parameters.
        ("scale web to 10", Plan("scale.service", json!({"service": "web", "replicas": 10}))),
        ("scale web to 50", Plan("scale.service", json!({"service": "web", "replicas": 50}))),
        ("scale web to \"3\"", Plan("scale.service", json!({"service": "web", "replicas": 3}))),
        ("set flag beta to off", Plan("flag.set", json!({"flag": "beta", "enabled": false}))),
        ("set flag beta to Yes", Plan("flag.set", json!({"flag": "beta", "enabled": true}))),
        ("scale web to 80", Invalid("replicas", "`replicas` must be at most 50, got 80")),
        ("scale web to 0", Invalid("replicas", "`replicas` must be at least 1, got 0")),
        ("scale web to lots", Invalid("replicas", "`replicas` must be an integer, got \"lots\"")),
        ("scale web to 2.5", Invalid("replicas", "`replicas` must be an integer, got \"2.5\"")),
        ("ship api to prod at version 0", Invalid("version", "`version` must be at least 1, got 0")),
        ("ship api to prod at version seven", Invalid("version", "`version` must be an integer, got \"seven\"")),
        ("set flag beta to maybe", Invalid("enabled", "`enabled` must be true or false, got \"maybe\"")),
        ("enable Dark_Mode", Invalid("flag", "`flag` must match `^[a-z0-9-]+$`, got \"Dark_Mode\"")),
        ("deploy db", Invalid("service", "`service` must be one of web, api, worker; got \"db\"")),
        ("deploy web to qa", Invalid("env", "`env` must be one of staging, prod; got \"qa\"")),
        ("deploy web to prd", Invalid("env", "(did you mean `prod`?)")),
        ("open a urgent ticket x", Invalid("priority", "`priority` must be one of low, high; got \"urgent\"")),
        (
            "open a ticket \"a title that is far too long\"",
            Invalid("title", "`title` must be at most 20 characters long"),
        ),
        ("release mainframe", Invalid("service", "one of web, api, worker")),
        // Templates.
        ("release web", Template("release", json!({"service": "web", "version": 1}))),
        ("release api at version 3", Template("release", json!({"service": "api", "version": 3}))),
        // Partial phrasings.
        ("deploy", Missing("service", "deploy.web needs `service`: one of web, api, worker.")),
        ("deploy web to", Missing("env", "deploy.web needs `env`: one of staging, prod.")),
        ("scale web to", Missing("replicas", "needs `replicas`: an integer from 1 to 50.")),
        (
            "deploy web to prod tonight",
            Unexpected("tonight", "I understood \"deploy web to prod\" (deploy.web) but not \"tonight\""),
        ),
        ("open a ticket disk is full", Unexpected("is full", "Put values that contain spaces in quotes")),
        // Unknown and ambiguous.
        ("deplyo web to prod", NoMatch(Some("deploy web to prod"))),
        ("scael web to 3", NoMatch(Some("scale web to 3"))),
        ("restrat web", NoMatch(Some("restart web"))),
        ("make me a sandwich", NoMatch(None)),
        ("flush orders", Ambiguous(&["cache.flush", "queue.flush"])),
        ("restart it", NothingToRepeat),
        ("   ", Empty),
        ("?!", Empty),
        // Help.
        ("help", Help(None, 9)),
        ("help deploy", Help(Some("deploy"), 2)),
        ("what can you do?", Help(None, 9)),
        ("help nothing-like-this", Help(None, 9)),
    ]
}

#[test]
fn alias_table() {
    let catalog = catalog();
    assert!(catalog.problems().is_empty(), "{:?}", catalog.problems());
    let planner = AliasPlanner::new();
    let memory = Memory::new();
    let cases = cases();
    assert!(cases.len() >= 40, "{} cases", cases.len());
    for (text, want) in cases {
        let got = planner.plan_text(text, &catalog, &memory);
        let fail = || format!("{text:?} gave {got:#?}");
        // Every chip is a whole request that plans on its own: never a bare value or a brace.
        for chip in got.clarification().map(|c| c.suggestions.clone()).unwrap_or_default() {
            assert!(!chip.contains('{'), "chip {chip:?}: {}", fail());
            let again = planner.plan_text(&chip, &catalog, &memory);
            assert!(again.plan().is_some(), "chip {chip:?} gave {again:#?}: {}", fail());
        }
        match want {
            Want::Plan(action, params) => {
                let plan = got.plan().unwrap_or_else(|| panic!("{}", fail()));
                assert!(plan.template.is_none(), "{}", fail());
                assert_eq!(plan.steps.len(), 1, "{}", fail());
                assert_eq!(plan.steps[0].id, "step-1");
                assert_eq!(plan.steps[0].action, action, "{}", fail());
                assert_eq!(plan.steps[0].params, params, "{}", fail());
                assert!(plan.explanation.contains(action), "{}", fail());
            }
            Want::Template(name, args) => {
                let plan = got.plan().unwrap_or_else(|| panic!("{}", fail()));
                let t = plan.template.as_ref().unwrap_or_else(|| panic!("{}", fail()));
                assert_eq!((t.name.as_str(), &t.args), (name, &args), "{}", fail());
                assert!(plan.steps.is_empty(), "{}", fail());
            }
            Want::Missing(param, message) => {
                let c = got.clarification().unwrap_or_else(|| panic!("{}", fail()));
                assert!(matches!(&c.reason, ClarifyReason::MissingParam { param: p, .. } if p == param), "{}", fail());
                assert!(c.message.contains(message), "{}", fail());
                // A parameter that lists its values offers one chip for each.
                if let Some(values) = missing_values(param) {
                    assert_eq!(c.suggestions.len(), values, "{}", fail());
                }
            }
            Want::Invalid(param, message) => {
                let c = got.clarification().unwrap_or_else(|| panic!("{}", fail()));
                assert!(matches!(&c.reason, ClarifyReason::InvalidParam { param: p, .. } if p == param), "{}", fail());
                assert!(c.message.contains(message), "{}", fail());
            }
            Want::Unexpected(words, message) => {
                let c = got.clarification().unwrap_or_else(|| panic!("{}", fail()));
                assert!(
                    matches!(&c.reason, ClarifyReason::UnexpectedWords { words: w, .. } if w == words),
                    "{}",
                    fail()
                );
                assert!(c.message.contains(message), "{}", fail());
            }
            Want::NoMatch(first) => {
                let c = got.clarification().unwrap_or_else(|| panic!("{}", fail()));
                assert_eq!(c.reason, ClarifyReason::NoMatch, "{}", fail());
                assert_eq!(c.suggestions.first().map(String::as_str), first, "{}", fail());
                match first {
                    Some(s) => assert!(c.message.contains(&format!("Did you mean: {s}")), "{}", fail()),
                    None => assert!(c.message.contains("Say \"help\""), "{}", fail()),
                }
            }
            Want::Ambiguous(candidates) => {
                let c = got.clarification().unwrap_or_else(|| panic!("{}", fail()));
                let want: Vec<String> = candidates.iter().map(|c| (*c).to_string()).collect();
                assert_eq!(c.reason, ClarifyReason::Ambiguous { candidates: want }, "{}", fail());
                // No chips: each would send the same words again.
                assert!(c.suggestions.is_empty(), "{}", fail());
            }
            Want::NothingToRepeat => {
                let c = got.clarification().unwrap_or_else(|| panic!("{}", fail()));
                assert_eq!(c.reason, ClarifyReason::NothingToRepeat, "{}", fail());
            }
            Want::Empty => {
                let c = got.clarification().unwrap_or_else(|| panic!("{}", fail()));
                assert_eq!(c.reason, ClarifyReason::Empty, "{}", fail());
            }
            Want::Help(topic, entries) => {
                let Outcome::Help(h) = &got else { panic!("{}", fail()) };
                assert_eq!(h.topic.as_deref(), topic, "{}", fail());
                assert_eq!(h.entries.len(), entries, "{}", fail());
                assert!(h.commands.iter().any(|c| c == "approve"), "{}", fail());
            }
        }
    }
}

#[test]
fn help_lists_phrasings_in_catalog_order() {
    let catalog = catalog();
    let Outcome::Help(help) = AliasPlanner::new().plan_text("help deploy", &catalog, &Memory::new()) else {
        panic!("no help")
    };
    let names: Vec<(EntryKind, &str)> = help.entries.iter().map(|e| (e.kind, e.name.as_str())).collect();
    assert_eq!(names, vec![(EntryKind::Action, "deploy.web"), (EntryKind::Template, "release")]);
    assert_eq!(help.entries[0].phrasings[0], "deploy {service} to {env=staging}");
    assert_eq!(help.entries[0].examples[0], "deploy web to staging");
    let text = help.text();
    // Help shows what to say, with values, not the phrasing's syntax.
    assert!(text.contains("- deploy.web (Deploy a service)\n    \"deploy web to staging\""), "{text}");
    assert!(!text.contains('{'), "{text}");
    assert!(text.contains("approve, reject, run it"), "{text}");
}

#[test]
fn same_text_same_answer() {
    // Determinism: suggestions, ambiguity and plans do not depend on anything but the input.
    let catalog = catalog();
    let memory = Memory::new();
    for text in ["deplyo web", "flush orders", "deploy web to prod", "open a ticket disk is full"] {
        let a = AliasPlanner::new().plan_text(text, &catalog, &memory);
        let b = AliasPlanner::new().plan_text(text, &catalog.clone(), &memory);
        assert_eq!(a, b, "{text}");
    }
}

#[tokio::test]
async fn the_trait_gives_the_same_answer() {
    use praetor_planner::{Discard, PlanRequest, Planner};
    let catalog = catalog();
    let memory = Memory::new();
    let planner = AliasPlanner::new();
    let got = planner
        .plan(PlanRequest { text: "scale web to 80", catalog: &catalog, memory: &memory, api_key: None }, &Discard)
        .await
        .unwrap();
    assert_eq!(got, planner.plan_text("scale web to 80", &catalog, &memory));
    assert_eq!(planner.kind(), "alias");
}

/// How many values a parameter of the test catalog lists (its question offers a chip for each).
fn missing_values(param: &str) -> Option<usize> {
    match param {
        "service" => Some(3),
        "env" => Some(2),
        _ => None,
    }
}
