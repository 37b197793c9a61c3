//! Adaptive budgets: a project's daily limit recommended from a seeded 30-day history of its
//! budget ledger, with the evidence; bounded by the organization's limit; nothing with too little
//! history; applied only by someone with `policy.write`, only as shown, as a new policy version
//! that takes effect and can be rolled back; refused when another document of the project sets a
//! lower limit; invisible to other organizations; and applied by Praetor itself only where the
//! organization's policy says so, within its bounds.

use chrono::Duration;
use praetor_store::{BudgetDayId, OrgId, ProjectId, budget_day};
use praetor_tests::*;
use sea_orm::ActiveModelTrait;
use serde_json::{Value, json};

const RECOMMENDATION: &str = "query($o: String!, $p: String!) { project(org: $o, slug: $p) { budget { limit } budgetRecommendation { recommended reason historyDays p50 p95 max headroom orgLimit budget { limit unit } daily { day spent } } } }";
const APPLY: &str = "mutation($in: ApplyBudgetRecommendationInput!) { applyBudgetRecommendation(input: $in) { versions { version project comment } } }";

/// The organization's policy: a daily budget of `org_limit` (in `usd`) over all its projects.
async fn org_budget(app: &TestApp, org_limit: f64) {
    let doc = format!(
        "apiVersion: praetor.dev/v1\nkind: Policy\nmetadata: {{ name: org-budget, org: {} }}\nspec:\n  budget: {{ daily: {org_limit}, unit: usd, alertAt: [0.8] }}\n",
        app.org
    );
    apply(app, None, "org.yaml", &doc).await;
}

/// Applies one document as the organization's policy, or as `project`'s.
async fn apply(app: &TestApp, project: Option<&str>, name: &str, text: &str) {
    app.admin(
        "mutation($in: ApplyPolicyInput!) { applyPolicy(input: $in) { versions { version } } }",
        json!({"in": {"org": app.org, "project": project, "sources": [{"name": name, "text": text}]}}),
    )
    .await;
}

/// The project's ledger for each of the `spends.len()` days before today (oldest first).
async fn seed(app: &TestApp, project: &str, spends: &[f64]) {
    let org: OrgId = app.org_id.parse().unwrap();
    let project: ProjectId = project.parse().unwrap();
    let today = now().date_naive();
    for (i, spent) in spends.iter().enumerate() {
        let day = today - Duration::days((spends.len() - i) as i64);
        budget_day::ActiveModel::from(budget_day::Model {
            id: BudgetDayId::generate(),
            org_id: org,
            scope: project.to_string(),
            project_id: Some(project),
            day: day.format("%Y-%m-%d").to_string(),
            spent: *spent,
            reserved: 0.0,
            alerts: "[]".into(),
            forecast_alert: String::new(),
            updated_at: now(),
        })
        .insert(&praetor_store::Tenant::housekeeping(org, praetor_store::Housekeeping::Cli).on(&app.app.db))
        .await
        .unwrap();
    }
}

/// 28 ordinary days of 40 to 67 and two spikes: p95 79.65, so 96 with 20% headroom.
fn thirty_days() -> Vec<f64> {
    let mut days: Vec<f64> = (0..28).map(|i| 40.0 + i as f64).collect();
    days.extend([150.0, 90.0]);
    days
}

async fn recommendation(app: &TestApp, key: &str, project: &str) -> Value {
    app.gql(Some(key), RECOMMENDATION, json!({"o": app.org, "p": project})).await
}

#[tokio::test]
async fn a_limit_is_recommended_from_thirty_days_with_the_evidence_and_applied_as_policy() {
    let app = spawn_app().await;
    org_budget(&app, 500.0).await;
    let id = app.project("web").await;
    seed(&app, &id, &thirty_days()).await;
    // The project's own documents so far (kept beside the generated one).
    let notes = format!(
        "apiVersion: praetor.dev/v1\nkind: Policy\nmetadata: {{ name: notes, org: {}, project: web }}\nspec:\n  rules:\n    - {{ name: no-deletes, actions: [\"state.delete\"], effect: deny, reason: \"no deletes\" }}\n",
        app.org
    );
    apply(&app, Some("web"), "notes.yaml", &notes).await;

    let d = ok(recommendation(&app, &app.admin_key, "web").await);
    let r = &d["project"]["budgetRecommendation"];
    assert_eq!(r["recommended"], 96.0, "{r}");
    assert_eq!(r["historyDays"], 30);
    assert_eq!(r["max"], 150.0);
    assert!((r["p95"].as_f64().unwrap() - 79.65).abs() < 1e-9, "{r}");
    assert_eq!(r["headroom"], 0.2);
    assert_eq!(r["orgLimit"], 500.0);
    assert_eq!(r["budget"], json!({"limit": null, "unit": "usd"}), "no project limit yet: the organization's unit");
    let daily = r["daily"].as_array().unwrap();
    assert_eq!(daily.len(), 30);
    assert_eq!(daily[28]["spent"], 150.0);
    assert!(r["reason"].as_str().unwrap().contains("95th percentile of 30 days"), "{r}");

    // An operator may read it, not apply it.
    let (bob, _) = app.user_with_role("operator", Some("web")).await;
    ok(recommendation(&app, &bob, "web").await);
    let refused = app.gql(Some(&bob), APPLY, json!({"in": {"org": app.org, "project": "web", "daily": 96.0}})).await;
    assert_eq!(code(&refused), "FORBIDDEN", "{refused}");
    // Only as shown: a stale value is refused.
    let stale =
        app.gql(Some(&app.admin_key), APPLY, json!({"in": {"org": app.org, "project": "web", "daily": 90.0}})).await;
    assert_eq!(code(&stale), "CONFLICT", "{stale}");

    let applied = app
        .gql(
            Some(&app.admin_key),
            APPLY,
            json!({"in": {"org": app.org, "project": "web", "daily": 96.0, "comment": "after review"}}),
        )
        .await;
    let applied = ok(applied);
    let v = &applied["applyBudgetRecommendation"]["versions"][0];
    assert!(v.is_object(), "{applied}");
    assert_eq!(v["project"], "web");
    let comment = v["comment"].as_str().unwrap();
    assert!(comment.contains("96") && comment.contains("p95 79.65") && comment.ends_with("after review"), "{comment}");
    let d = ok(recommendation(&app, &app.admin_key, "web").await);
    assert_eq!(d["project"]["budget"]["limit"], 96.0, "the new version is in force");
    let audit = app
        .admin(
            "query($o: String!) { org(slug: $o) { auditLog(first: 1, kind: \"policy.\") { nodes { kind payload } } } }",
            json!({"o": app.org}),
        )
        .await;
    let entry = &audit["org"]["auditLog"]["nodes"][0];
    assert_eq!(entry["kind"], "policy.applied", "{audit}");
    assert_eq!(entry["payload"]["scope"], "web", "{entry}");

    let sources = app
        .admin(
            "query($o: String!) { project(org: $o, slug: \"web\") { policyVersions(first: 1) { edges { node { sources { name } } } } } }",
            json!({"o": app.org}),
        )
        .await;
    let names: Vec<&str> = sources["project"]["policyVersions"]["edges"][0]["node"]["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["notes.yaml", "budget-recommendation.yaml"], "kept beside the project's own");

    // The normal path: rolling back to the version before removes the limit again.
    assert_eq!(v["version"], 2);
    app.admin(
        "mutation($in: RollbackPolicyInput!) { rollbackPolicy(input: $in) { version } }",
        json!({"in": {"org": app.org, "project": "web", "version": 1}}),
    )
    .await;
    let d = ok(recommendation(&app, &app.admin_key, "web").await);
    assert_eq!(d["project"]["budget"]["limit"], Value::Null);
}

#[tokio::test]
async fn the_organization_bounds_it_too_little_history_gives_none_and_a_stricter_document_wins() {
    let app = spawn_app().await;
    org_budget(&app, 90.0).await;
    let web = app.project("web").await;
    seed(&app, &web, &thirty_days()).await;
    let r = ok(recommendation(&app, &app.admin_key, "web").await)["project"]["budgetRecommendation"].clone();
    assert_eq!(r["recommended"], 90.0, "capped by the organization: {r}");
    assert!(r["reason"].as_str().unwrap().contains("organization's daily limit"), "{r}");

    let young = app.project("young").await;
    seed(&app, &young, &[5.0; 10]).await;
    let r = ok(recommendation(&app, &app.admin_key, "young").await)["project"]["budgetRecommendation"].clone();
    assert_eq!(r["recommended"], Value::Null);
    assert_eq!(r["historyDays"], 10);
    assert!(r["reason"].as_str().unwrap().contains("needs 14 days"), "{r}");
    let none =
        app.gql(Some(&app.admin_key), APPLY, json!({"in": {"org": app.org, "project": "young", "daily": 6.0}})).await;
    assert_eq!(code(&none), "CONFLICT", "{none}");

    // Another document of the project sets 50: the strictest wins, so 90 would change nothing.
    let tight = format!(
        "apiVersion: praetor.dev/v1\nkind: Policy\nmetadata: {{ name: tight, org: {}, project: web }}\nspec:\n  budget: {{ daily: 50, unit: usd }}\n",
        app.org
    );
    apply(&app, Some("web"), "tight.yaml", &tight).await;
    let refused =
        app.gql(Some(&app.admin_key), APPLY, json!({"in": {"org": app.org, "project": "web", "daily": 90.0}})).await;
    assert_eq!(code(&refused), "CONFLICT", "{refused}");
    assert!(refused.to_string().contains("`tight`"), "{refused}");

    // Another organization learns nothing of the project.
    let (_, other_key) = other_org(&app).await;
    let hidden = recommendation(&app, &other_key, "web").await;
    assert_eq!(code(&hidden), "NOT_FOUND", "{hidden}");
}

#[tokio::test]
async fn where_the_organization_says_so_praetor_applies_it_by_itself_within_the_bounds() {
    let app = spawn_app().await;
    let web = app.project("web").await;
    let api = app.project("api").await;
    let young = app.project("young").await;
    seed(&app, &web, &thirty_days()).await; // recommends 96
    seed(&app, &api, &[10.0; 20]).await; // recommends 12
    seed(&app, &young, &[5.0; 10]).await; // too little history
    let adapt = || praetor::services::budget_advice::adapt_all(&app.serving);
    let limit = |project: &'static str| {
        let app = &app;
        async move { ok(recommendation(app, &app.admin_key, project).await)["project"]["budget"]["limit"].clone() }
    };

    // Nothing is applied by itself unless the organization's policy says so.
    org_budget(&app, 500.0).await;
    assert_eq!(adapt().await.unwrap(), Default::default());
    assert_eq!(limit("web").await, Value::Null);

    let auto = format!(
        "apiVersion: praetor.dev/v1\nkind: Policy\nmetadata: {{ name: org-budget, org: {} }}\nspec:\n  budget: {{ daily: 500, unit: usd }}\n  adaptiveBudget: {{ apply: automatic, min: 20, max: 80 }}\n",
        app.org
    );
    apply(&app, None, "org.yaml", &auto).await;
    let done = adapt().await.unwrap();
    assert_eq!((done.applied, done.unchanged, done.failed), (2, 0, 0), "{done:?}");
    assert_eq!(limit("web").await, 80.0, "96 recommended, kept to the bounds' top");
    assert_eq!(limit("api").await, 20.0, "12 recommended, raised to the bounds' bottom");
    assert_eq!(limit("young").await, Value::Null);
    let audit = app
        .admin(
            "query($o: String!) { org(slug: $o) { auditLog(first: 2, kind: \"policy.applied\") { nodes { actor { name } payload } } } }",
            json!({"o": app.org}),
        )
        .await;
    for entry in audit["org"]["auditLog"]["nodes"].as_array().unwrap() {
        assert_eq!(entry["actor"][0]["name"], "praetor adaptive budgets", "{entry}");
        let comment = entry["payload"]["comment"].as_str().unwrap();
        assert!(comment.contains("applied by itself, as the policy allows, within 20..80"), "{comment}");
    }

    // Once in force, a run again changes nothing.
    let done = adapt().await.unwrap();
    assert_eq!((done.applied, done.unchanged), (0, 2), "{done:?}");

    // A project may keep it to people: its own documents say `manual`.
    let manual = format!(
        "apiVersion: praetor.dev/v1\nkind: Policy\nmetadata: {{ name: by-hand, org: {}, project: api }}\nspec:\n  adaptiveBudget: {{ apply: manual }}\n",
        app.org
    );
    apply(&app, Some("api"), "by-hand.yaml", &manual).await;
    let done = adapt().await.unwrap();
    assert_eq!((done.applied, done.unchanged), (0, 1), "{done:?}");
    assert_eq!(limit("api").await, Value::Null, "its bundle no longer has the generated document");
}
