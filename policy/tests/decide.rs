//! Decisions over the example policies: precedence across levels, approvals, fail-closed
//! conditions, windows and blackouts.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use chrono::{DateTime, Utc};
use praetor_policy::decide::{DecisionInput, Effective, Layer, Level, WindowStatus};
use praetor_policy::document::Effect;
use praetor_policy::{CompileContext, Source, Tree};
use serde_json::{Value, json};

fn effective(project: Option<&str>) -> Effective {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../policies/examples");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    let sources: Vec<Source> =
        files.iter().map(|f| Source::new(f.display().to_string(), std::fs::read_to_string(f).unwrap())).collect();
    let builtins = ["state.set", "state.patch", "state.delete", "state.increment", "chat.post"]
        .iter()
        .map(|n| (n.to_string(), json!({"type": "object"})))
        .collect();
    let tree =
        Tree::compile(&sources, &CompileContext { builtins, org: Some("demo".into()), ..Default::default() }).unwrap();
    let mut layers = vec![Layer { level: Level::Org, set: Arc::new(tree.base.clone()), version: "org@1".into() }];
    if let Some(p) = project {
        layers.push(Layer {
            level: Level::Project,
            set: Arc::new(tree.projects[p].clone()),
            version: format!("{p}@1"),
        });
    }
    Effective::new(layers)
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn decide(e: &Effective, action: &str, params: Value, state: Value, now: &str) -> praetor_policy::Decision {
    let empty = json!({});
    e.decide(&DecisionInput {
        action,
        params: &params,
        state: &state,
        principal: &empty,
        plan: &empty,
        now: at(now),
        usage: &empty,
    })
}

#[test]
fn staging_is_allowed_prod_needs_two_stages() {
    let e = effective(None);
    let d = decide(&e, "deploy.web", json!({"service": "web", "env": "staging"}), json!({}), "2026-11-24T10:00:00Z");
    assert_eq!(d.effect, Effect::Allow);
    assert_eq!(d.decided_by.as_ref().unwrap().rule, "staging-is-free");
    let d = decide(&e, "deploy.web", json!({"service": "web", "env": "prod"}), json!({}), "2026-11-24T10:00:00Z");
    assert_eq!(d.effect, Effect::RequireApproval);
    assert_eq!(d.approvals.len(), 2);
    assert_eq!(d.approvals[0].groups, vec!["sre-leads"]);
    assert_eq!(d.approvals[1].groups, vec!["change-board", "cto-office"]);
    let by = d.decided_by.unwrap();
    assert_eq!(
        (by.rule.as_str(), by.line > 1, by.file.ends_with("org.yaml")),
        ("prod-deploys-need-approval", true, true)
    );
    // Every rule covering the action was consulted and reported.
    assert!(d.reasons.iter().any(|r| r.rule == "change-freeze" && !r.matched));
}

#[test]
fn deny_beats_everything_and_the_project_only_tightens() {
    let e = effective(Some("payments"));
    let frozen = decide(
        &e,
        "deploy.web",
        json!({"service": "web", "env": "staging"}),
        json!({"freeze": true}),
        "2026-11-24T10:00:00Z",
    );
    assert_eq!(frozen.effect, Effect::Deny);
    assert_eq!(frozen.decided_by.unwrap().rule, "change-freeze");
    // The org allows restarts; the payments project requires a lead.
    let org_only =
        decide(&effective(None), "service.restart", json!({"service": "web"}), json!({}), "2026-11-24T10:00:00Z");
    assert_eq!(org_only.effect, Effect::Allow);
    let with_project = decide(&e, "service.restart", json!({"service": "web"}), json!({}), "2026-11-24T10:00:00Z");
    assert_eq!(with_project.effect, Effect::RequireApproval);
    assert_eq!(with_project.decided_by.unwrap().level, Level::Project);
    // Friday (2026-11-27) flag flips are denied in payments only.
    let friday = decide(&e, "flag.set", json!({"flag": "x", "enabled": true}), json!({}), "2026-11-27T10:00:00Z");
    assert_eq!(friday.effect, Effect::Deny);
    let thursday = decide(&e, "flag.set", json!({"flag": "x", "enabled": true}), json!({}), "2026-11-26T10:00:00Z");
    assert_eq!(thursday.effect, Effect::Allow);
}

#[test]
fn a_condition_that_cannot_be_evaluated_denies() {
    let e = effective(None);
    // `replicas` missing: `params.replicas > 10` errors, which must deny, not allow.
    let d = decide(&e, "scale.service", json!({"service": "web"}), json!({}), "2026-11-24T10:00:00Z");
    assert_eq!(d.effect, Effect::Deny);
    let why = d.decided_by.unwrap();
    assert_eq!(why.rule, "big-scale-needs-approval");
    assert!(why.note.unwrap().contains("could not be evaluated"));
}

#[test]
fn windows_blackouts_and_the_rest() {
    let e = effective(Some("payments"));
    assert_eq!(e.window_status("scale.service", at("2026-11-24T10:00:00Z")), WindowStatus::Open);
    match e.window_status("scale.service", at("2026-11-28T10:00:00Z")) {
        WindowStatus::Closed { next_open, .. } => assert_eq!(next_open, Some(at("2026-11-30T07:00:00Z"))),
        other => panic!("{other:?}"),
    }
    match e.window_status("deploy.web", at("2026-12-25T12:00:00Z")) {
        WindowStatus::Closed { reason, next_open, .. } => {
            assert!(reason.contains("Year-end"));
            assert_eq!(next_open, Some(at("2026-12-26T23:00:00Z")));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(e.limits_for("deploy.web").len(), 3);
    assert_eq!(e.budgets().len(), 2);
    assert_eq!(e.autonomy().mode, praetor_policy::document::AutonomyMode::Off, "the project turns autonomy off");
    assert_eq!(e.approval_ttl(chrono::Duration::hours(1)), chrono::Duration::hours(24));
    assert!(e.egress_allows("tickets.example.com"));
    assert!(e.egress_allows("ci.hooks.example.com"));
    assert!(!e.egress_allows("evil.example.com"));
    assert_eq!(e.version(), "org@1+payments@1");
}

/// `spec.adaptiveBudget` as an org document (`org`) and a project's (`project`, if any).
fn adaptive(org: &str, project: Option<&str>) -> Result<Effective, Vec<praetor_policy::Diagnostic>> {
    let doc = |meta: &str, spec: &str| {
        format!("apiVersion: praetor.dev/v1\nkind: Policy\nmetadata: {{ {meta} }}\nspec:\n  adaptiveBudget: {spec}\n")
    };
    let mut sources = vec![Source::new("org.yaml", doc("name: org, org: demo", org))];
    if let Some(p) = project {
        sources.push(Source::new("web.yaml", doc("name: web, org: demo, project: web", p)));
    }
    let tree = Tree::compile(&sources, &CompileContext { org: Some("demo".into()), ..Default::default() })?;
    let mut layers = vec![Layer { level: Level::Org, set: Arc::new(tree.base.clone()), version: "org@1".into() }];
    if let Some(set) = tree.projects.get("web") {
        layers.push(Layer { level: Level::Project, set: Arc::new(set.clone()), version: "web@1".into() });
    }
    Ok(Effective::new(layers))
}

#[test]
fn adaptive_budgets_apply_by_themselves_only_where_every_layer_says_so_within_the_narrowest_bounds() {
    let auto = "{ apply: automatic, min: 10, max: 500 }";
    assert_eq!(adaptive(auto, None).unwrap().adaptive_budget(), Some((10.0, 500.0)));
    assert_eq!(adaptive("{ apply: manual }", None).unwrap().adaptive_budget(), None, "manual");
    assert_eq!(adaptive("{ min: 10, max: 20 }", None).unwrap().adaptive_budget(), None, "manual by default");
    // A project narrows the bounds, or keeps applying to people.
    let narrowed = adaptive(auto, Some("{ apply: automatic, min: 50, max: 200 }")).unwrap();
    assert_eq!(narrowed.adaptive_budget(), Some((50.0, 200.0)));
    assert_eq!(adaptive(auto, Some("{ apply: manual }")).unwrap().adaptive_budget(), None);
    // A project cannot turn it on when its organization has not.
    assert_eq!(adaptive("{ apply: manual }", Some(auto)).unwrap().adaptive_budget(), None);
    // Bounds that do not meet leave nothing to apply.
    assert_eq!(adaptive(auto, Some("{ apply: automatic, min: 600, max: 700 }")).unwrap().adaptive_budget(), None);

    // Automatic application needs both bounds; they are positive and in order.
    for (spec, said) in [
        ("{ apply: automatic, max: 500 }", "give min and max"),
        ("{ apply: automatic, min: 0, max: 500 }", "must be a positive number"),
        ("{ apply: automatic, min: 600, max: 500 }", "min 600 is above max 500"),
    ] {
        let diags = adaptive(spec, None).err().unwrap_or_else(|| panic!("{spec} refused"));
        assert!(diags.iter().any(|d| d.code == "PV014" && d.message.contains(said)), "{spec}: {diags:?}");
    }
}
