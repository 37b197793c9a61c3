//! Requests in plain words against the demo organization's catalog: polite and filler words,
//! synonyms declared on parameter values (`x-synonyms`), case and punctuation. Each phrasing
//! goes through [`parse_intent`] first, as chat does, and must give exactly the plan (action and
//! parameters) or the question written beside it.

use praetor_planner::{AliasPlanner, Catalog, CatalogEntry, ClarifyReason, Intent, Memory, Outcome, parse_intent};
use serde_json::{Value, json};

use crate::fixture::demo_catalog;

/// What a phrasing must give.
enum Want {
    Plan(&'static str, Value),
    Template(&'static str, Value),
    /// A question about the parameter that is missing.
    Missing(&'static str),
    /// A question about the parameter that is wrong, and a piece of the message.
    Invalid(&'static str, &'static str),
    /// A question about the words left over.
    Unexpected(&'static str),
    Ambiguous(&'static [&'static str]),
    NoMatch,
    NothingToRepeat,
}

/// The demo catalog plus what it lacks for these cases: two actions with the same phrasing, a
/// phrasing that spells plain words ("the", "now"), and a version that is text.
fn catalog() -> Catalog {
    let one = |param: &str| json!({"type": "object", "required": [param], "properties": {param: {"type": "string"}}});
    demo_catalog()
        .with(CatalogEntry::action("cache.flush", "Flush a cache", one("target")).with_aliases(["flush {target}"]))
        .with(CatalogEntry::action("queue.flush", "Drain a queue", one("queue")).with_aliases(["flush {queue}"]))
        .with(
            CatalogEntry::action("backup.run", "Back up now", json!({"type": "object", "properties": {}}))
                .with_aliases(["run the backup now"]),
        )
        .with(
            CatalogEntry::action(
                "app.upgrade",
                "Upgrade an app",
                json!({
                    "type": "object",
                    "required": ["app", "version"],
                    "properties": {
                        "app": {"type": "string"},
                        "version": {"type": "string", "pattern": "^[vV]?[0-9]+(\\.[0-9]+)*$"}
                    }
                }),
            )
            .with_aliases(["upgrade {app} to {version}"]),
        )
}

/// The memory every phrasing is planned with: "deploy api to staging" was proposed before.
fn memory(catalog: &Catalog) -> Memory {
    let mut memory = Memory::new();
    let first = AliasPlanner::new().plan_text("deploy api to staging", catalog, &memory);
    assert!(first.plan().is_some(), "{first:#?}");
    memory.record("deploy api to staging", &first);
    memory
}

fn deploy(service: &str, env: &str, version: i64) -> Want {
    Want::Plan("deploy.web", json!({"service": service, "env": env, "version": version}))
}

fn restart(service: &str) -> Want {
    Want::Plan("service.restart", json!({"service": service}))
}

fn cases() -> Vec<(&'static str, Want)> {
    use Want::*;
    vec![
        // Polite words, articles, case and punctuation.
        ("restart the api", restart("api")),
        ("restart api", restart("api")),
        ("Restart the API!", restart("api")),
        ("please restart the api", restart("api")),
        ("Could you please restart the API for me, thanks!", restart("api")),
        ("can you bounce the worker?", restart("worker")),
        ("restart payments please", restart("payments")),
        ("kindly restart the billing service", Unexpected("service")),
        ("please deploy web v1 to production", deploy("web", "prod", 1)),
        ("Can you deploy web v1 to prod?", deploy("web", "prod", 1)),
        ("deploy the web v1 to PROD please", deploy("web", "prod", 1)),
        ("DEPLOY WEB V3 TO PRODUCTION", deploy("web", "prod", 3)),
        ("deploy web v2 to stage", deploy("web", "staging", 2)),
        ("deploy api to Prod.", deploy("api", "prod", 1)),
        ("please deploy the api", deploy("api", "staging", 1)),
        ("deploy web to prod now", deploy("web", "prod", 1)),
        ("deploy web to prod right now", deploy("web", "prod", 1)),
        ("deploy web to prod, thank you", deploy("web", "prod", 1)),
        ("would you deploy worker to staging for me", deploy("worker", "staging", 1)),
        ("pls deploy the workers to stg", deploy("worker", "staging", 1)),
        ("scale the api to 3 please", Plan("scale.service", json!({"service": "api", "replicas": 3}))),
        ("scale web to 10 now", Plan("scale.service", json!({"service": "web", "replicas": 10}))),
        ("please release the api", Template("release", json!({"service": "api", "version": 1}))),
        // Synonyms declared on the parameter (`x-synonyms`); the plan carries the value.
        ("deploy web to production", deploy("web", "prod", 1)),
        ("could you deploy the backend to live", deploy("api", "prod", 1)),
        ("ship the website to production now", deploy("web", "prod", 1)),
        ("deploy 'frontend' to \"Production\"", deploy("web", "prod", 1)),
        ("release the frontend", Template("release", json!({"service": "web", "version": 1}))),
        ("roll back web in production", Plan("rollback.web", json!({"service": "web", "env": "prod"}))),
        ("please roll back the api in stage", Plan("rollback.web", json!({"service": "api", "env": "staging"}))),
        ("roll back web in PROD", Plan("rollback.web", json!({"service": "web", "env": "prod"}))),
        // Not changed by the plain words: literal words of a phrasing, quoted values, the case
        // of values that are text.
        ("open a ticket 'Disk Full'", Plan("ticket.open", json!({"title": "Disk Full", "priority": "low"}))),
        (
            "please open a ticket \"db is down\", thanks",
            Plan("ticket.open", json!({"title": "db is down", "priority": "low"})),
        ),
        ("open a ticket \"the api\"", Plan("ticket.open", json!({"title": "the api", "priority": "low"}))),
        ("restart \"the\"", restart("the")),
        ("restart Payments-API", restart("Payments-API")),
        ("roll back web in eu-prod", Plan("rollback.web", json!({"service": "web", "env": "eu-prod"}))),
        ("run the backup now", Plan("backup.run", json!({}))),
        ("please run the backup now", Plan("backup.run", json!({}))),
        ("could you run the backup now, thanks", Plan("backup.run", json!({}))),
        ("upgrade billing to v1.2.3", Plan("app.upgrade", json!({"app": "billing", "version": "v1.2.3"}))),
        ("upgrade Billing to V1.2.3 please", Plan("app.upgrade", json!({"app": "Billing", "version": "V1.2.3"}))),
        ("now deploy api", deploy("api", "staging", 1)),
        // Pronouns: the service last named is `api`.
        ("restart it please", restart("api")),
        ("could you bounce that for me", restart("api")),
        ("scale it to 3", Plan("scale.service", json!({"service": "api", "replicas": 3}))),
        ("deploy it to production", deploy("api", "prod", 1)),
        ("please do it again", deploy("api", "staging", 1)),
        ("same but in production, thanks", deploy("api", "prod", 1)),
        ("now production please", deploy("api", "prod", 1)),
        ("open a ticket it", NothingToRepeat),
        // Still asked: something is missing.
        ("please deploy", Missing("service")),
        ("deploy the", Missing("service")),
        ("deploy web to", Missing("env")),
        ("deploy web v1", Missing("env")),
        ("deploy the web v1 to", Missing("env")),
        ("could you upgrade billing, thanks", Missing("version")),
        ("upgrade the billing to", Missing("version")),
        ("enable the dark-mode please", Plan("flag.set", json!({"flag": "dark-mode", "enabled": true}))),
        ("turn on beta now", Plan("flag.set", json!({"flag": "beta", "enabled": true}))),
        ("please turn off the beta", Plan("flag.set", json!({"flag": "beta", "enabled": false}))),
        // Still asked: something is wrong.
        ("deploy web to qa please", Invalid("env", "one of staging, prod; got \"qa\"")),
        ("deploy web to prodution", Invalid("env", "(did you mean `production`?)")),
        ("deploy the moon", Invalid("service", "one of web, api, worker; got \"moon\"")),
        ("deploy web v0 to prod", Invalid("version", "`version` must be at least 1, got 0")),
        ("deploy web vx to prod", Invalid("version", "`version` must be an integer, got \"vx\"")),
        ("scale the api to 80 please", Invalid("replicas", "`replicas` must be at most 50, got 80")),
        ("upgrade billing to latest", Invalid("version", "must match")),
        // Still asked: which one, what else, what at all.
        ("flush the orders", Ambiguous(&["cache.flush", "queue.flush"])),
        ("please flush orders now", Ambiguous(&["cache.flush", "queue.flush"])),
        ("deploy web to prod tonight please", Unexpected("tonight")),
        ("open a ticket disk is full, thanks", Unexpected("is full")),
        ("make me a sandwich please", NoMatch),
        ("thanks", NoMatch),
        ("please", NoMatch),
    ]
}

fn check(text: &str, got: &Outcome, want: &Want) {
    let fail = || format!("{text:?} gave {got:#?}");
    let question = || got.clarification().unwrap_or_else(|| panic!("{}", fail())).reason.clone();
    match want {
        Want::Plan(action, params) => {
            let plan = got.plan().unwrap_or_else(|| panic!("{}", fail()));
            assert!(plan.template.is_none(), "{}", fail());
            assert_eq!(plan.steps.len(), 1, "{}", fail());
            assert_eq!((plan.steps[0].action.as_str(), &plan.steps[0].params), (*action, params), "{}", fail());
        }
        Want::Template(name, args) => {
            let plan = got.plan().unwrap_or_else(|| panic!("{}", fail()));
            let t = plan.template.as_ref().unwrap_or_else(|| panic!("{}", fail()));
            assert_eq!((t.name.as_str(), &t.args), (*name, args), "{}", fail());
        }
        Want::Missing(param) => {
            assert!(matches!(question(), ClarifyReason::MissingParam { param: p, .. } if p == *param), "{}", fail());
        }
        Want::Invalid(param, message) => {
            assert!(matches!(question(), ClarifyReason::InvalidParam { param: p, .. } if p == *param), "{}", fail());
            assert!(got.clarification().is_some_and(|c| c.message.contains(message)), "{}", fail());
        }
        Want::Unexpected(words) => {
            assert!(matches!(question(), ClarifyReason::UnexpectedWords { words: w, .. } if w == *words), "{}", fail());
        }
        Want::Ambiguous(candidates) => {
            let want: Vec<String> = candidates.iter().map(|c| (*c).to_string()).collect();
            assert_eq!(question(), ClarifyReason::Ambiguous { candidates: want }, "{}", fail());
        }
        Want::NoMatch => assert_eq!(question(), ClarifyReason::NoMatch, "{}", fail()),
        Want::NothingToRepeat => assert_eq!(question(), ClarifyReason::NothingToRepeat, "{}", fail()),
    }
}

#[test]
fn plain_words_table() {
    let catalog = catalog();
    assert!(catalog.problems().is_empty(), "{:?}", catalog.problems());
    let memory = memory(&catalog);
    let cases = cases();
    assert!(cases.len() >= 50, "{} cases", cases.len());
    for (text, want) in &cases {
        // As chat does: commands first, then the planner gets the request's text.
        let Intent::Request { text: request } = parse_intent(text) else {
            panic!("{text:?} was read as a command: {:?}", parse_intent(text))
        };
        let got = AliasPlanner::new().plan_text(&request, &catalog, &memory);
        check(text, &got, want);
        // A question's chips resend the whole corrected request: each plans on its own.
        for chip in got.clarification().map(|c| c.suggestions.clone()).unwrap_or_default() {
            assert!(!chip.contains('{'), "{text:?}: chip {chip:?}");
            let again = AliasPlanner::new().plan_text(&chip, &catalog, &memory);
            assert!(again.plan().is_some(), "{text:?}: chip {chip:?} gave {again:#?}");
        }
    }
}

#[test]
fn a_missing_value_is_asked_for_with_the_whole_request_on_each_chip() {
    let catalog = catalog();
    let got = AliasPlanner::new().plan_text("please deploy api to", &catalog, &Memory::new());
    let c = got.clarification().unwrap_or_else(|| panic!("{got:#?}"));
    assert_eq!(c.suggestions, ["deploy api to staging", "deploy api to prod"]);
}

#[test]
fn a_question_names_the_words_understood_without_the_polite_ones() {
    let catalog = catalog();
    let got = AliasPlanner::new().plan_text("please deploy web to prod tonight, thanks", &catalog, &Memory::new());
    let message = &got.clarification().unwrap().message;
    assert!(message.starts_with("I understood \"deploy web to prod\" (deploy.web) but not \"tonight\""), "{message}");
}

#[test]
fn the_demo_policies_declare_synonyms_that_the_catalog_accepts() {
    let catalog = demo_catalog();
    assert!(catalog.problems().is_empty(), "{:?}", catalog.problems());
    let env = catalog.action("deploy.web").unwrap().param_schema("env").unwrap();
    assert_eq!(env["x-synonyms"]["production"], "prod");
    // A synonym that names no value of its parameter is reported, not silently used.
    let bad = catalog.with(
        CatalogEntry::action(
            "x.y",
            "",
            json!({"type": "object", "properties": {"env": {"enum": ["a", "b"], "x-synonyms": {"c": "d"}}}}),
        )
        .with_aliases(["x {env}"]),
    );
    assert_eq!(
        bad.problems(),
        ["x.y: properties.env.x-synonyms.c: `c` stands for \"d\", which `env` does not accept (one of a, b)"]
    );
}
