//! What one request may cost: expensive fields weigh their work and appear at most once in an
//! operation, every query or mutation has a time budget, and policy validation is bounded in
//! size and in how often one caller may ask.

use praetor_tests::*;
use serde_json::json;

/// Appends `n` entries to the org's audit chain directly (what a busy organization's history
/// looks like), in a few transactions.
async fn long_chain(app: &TestApp, n: usize) {
    use praetor_store::{Housekeeping, Tenant};
    // Filling a chain is the operator's tooling, not a principal's request.
    let org = Tenant::housekeeping(app.org_id.parse().unwrap(), Housekeeping::Cli);
    let actor = vec![praetor::auth::ActorRef::system("test", "filler")];
    for chunk in 0..n.div_ceil(2_000) {
        // A write transaction from the start (on SQLite `BEGIN IMMEDIATE`): the server's own
        // writes (its scheduled jobs) may commit while it is open.
        let txn = praetor::db::begin_write(&app.app.db).await.unwrap();
        let mut w = praetor::audit::ChainWriter::default();
        for i in 0..2_000.min(n - chunk * 2_000) {
            let entry = praetor::audit::Entry::new("test.filler", format!("e{i}"), json!({"i": i}));
            w.append(&txn, org, &actor, now(), "filler", entry).await.unwrap();
        }
        w.flush(&txn).await.unwrap();
        txn.commit().await.unwrap();
    }
}

#[tokio::test]
async fn expensive_fields_are_refused_when_repeated_and_weigh_their_work() {
    let app = spawn_app().await;
    let (viewer, _) = app.user_with_role("viewer", None).await;
    // 998 aliases of the chain check: refused before any runs, naming the field.
    let aliases: String = (0..998).map(|i| format!("a{i}: auditChain {{ ok }} ")).collect();
    let q = format!("query($o: String!) {{ org(slug: $o) {{ {aliases} }} }}");
    let r = app.gql(Some(&viewer), &q, json!({"o": app.org})).await;
    assert_eq!(code(&r), "VALIDATION", "{r:#}");
    assert_eq!(r["errors"][0]["extensions"]["field"], "auditChain");
    // Two through a fragment spread twice: still two.
    let spread = "query($o: String!) { org(slug: $o) { ...C ...C } } fragment C on Org { auditChain { ok } auditLog(first: 1) { edges { cursor } } }";
    let r = app.gql(Some(&viewer), spread, json!({"o": app.org})).await;
    assert_eq!(code(&r), "VALIDATION", "{r:#}");
    // Once is fine.
    let once = ok(app
        .gql(Some(&viewer), "query($o: String!) { org(slug: $o) { auditChain { ok } } }", json!({"o": app.org}))
        .await);
    assert_eq!(once["org"]["auditChain"]["ok"], true);
    // A heavy field inside a list costs its weight for every item: over the limit.
    let listed = "query($o: String!) { org(slug: $o) { projects(first: 100) { edges { node { effectivePolicy { version } } } } } }";
    let r = app.gql(Some(&viewer), listed, json!({"o": app.org})).await;
    assert_eq!(code(&r), "VALIDATION", "{r:#}");
    assert!(r["errors"][0]["message"].as_str().unwrap().contains("complex"), "{r:#}");
}

#[tokio::test]
async fn an_operation_past_its_time_budget_is_cancelled_with_timeout() {
    let app = spawn_with(SpawnOptions { operation_timeout_ms: Some(1), ..Default::default() }).await;
    long_chain(&app, 10_000).await;
    let r = app
        .gql(Some(&app.admin_key), "query($o: String!) { org(slug: $o) { auditChain { ok } } }", json!({"o": app.org}))
        .await;
    assert_eq!(code(&r), "TIMEOUT", "{r:#}");
    assert!(r["errors"][0]["message"].as_str().unwrap().contains("time budget of 1 ms"), "{r:#}");
    // A mutation is not cut short between its commit and its answer: it completes.
    let made = app
        .gql(
            Some(&app.admin_key),
            "mutation($o: String!) { createProject(input: {org: $o, slug: \"late\", name: \"late\"}) { slug } }",
            json!({"o": app.org}),
        )
        .await;
    assert_eq!(ok(made)["createProject"]["slug"], "late");
}

#[tokio::test]
async fn the_worst_request_a_viewer_can_send_on_a_long_chain_is_answered() {
    let app = spawn_app().await;
    app.with_example_policies().await;
    long_chain(&app, 10_000).await;
    let (viewer, _) = app.user_with_role("viewer", None).await;
    // Every expensive field a viewer may read, once each, within the complexity limit.
    let worst = r#"query($o: String!) {
        org(slug: $o) { auditChain { ok entries } auditLog(first: 100) { edges { node { id kind payload } } } }
        project(org: $o, slug: "web") { effectivePolicy { version rules { rule } } }
        explainDecision(org: $o, project: "web", action: "deploy.web", params: {service: "web", env: "prod"}) { verdict }
    }"#;
    let started = std::time::Instant::now();
    let r = ok(app.gql(Some(&viewer), worst, json!({"o": app.org})).await);
    let first = started.elapsed();
    assert_eq!(r["org"]["auditChain"]["ok"], true);
    assert!(r["org"]["auditChain"]["entries"].as_u64().unwrap() >= 10_000);
    let started = std::time::Instant::now();
    ok(app.gql(Some(&viewer), worst, json!({"o": app.org})).await);
    // Reported, not asserted: timings belong to benchmarks, not tests.
    eprintln!("worst viewer request on a 10,000-entry chain: first {first:?}, again {:?}", started.elapsed());
}

#[tokio::test]
async fn policy_validation_is_bounded_in_size_and_per_caller() {
    let app = spawn_app().await;
    let mut rules = String::new();
    for i in 0..12_000 {
        rules.push_str(&format!("    - {{ name: r{i}, actions: [\"state.set\"], effect: allow }}\n"));
    }
    let big = format!(
        "apiVersion: praetor.dev/v1\nkind: Policy\nmetadata: {{ name: big, org: {} }}\nspec:\n  rules:\n{rules}",
        app.org
    );
    let validate =
        "mutation($in: ApplyPolicyInput!) { validatePolicy(input: $in) { ok diagnostics { code message file line } } }";
    let r = app
        .gql(
            Some(&app.admin_key),
            validate,
            json!({"in": {"org": app.org, "sources": [{"name": "big.yaml", "text": big}]}}),
        )
        .await;
    let d = &ok(r)["validatePolicy"];
    assert_eq!(d["ok"], false);
    assert_eq!(d["diagnostics"][0]["code"], "PV002", "{d:#}");
    assert_eq!(d["diagnostics"][0]["file"], "big.yaml");
    assert!(d["diagnostics"][0]["message"].as_str().unwrap().contains("12000 rules"), "{d:#}");

    let (viewer, _) = app.user_with_role("viewer", None).await;
    let small = format!(
        "apiVersion: praetor.dev/v1\nkind: Policy\nmetadata: {{ name: small, org: {} }}\nspec:\n  rules: []\n",
        app.org
    );
    let input = json!({"in": {"org": app.org, "sources": [{"name": "small.yaml", "text": small}]}});
    for _ in 0..60 {
        ok(app.gql(Some(&viewer), validate, input.clone()).await);
    }
    let limited = app.gql(Some(&viewer), validate, input.clone()).await;
    assert_eq!(code(&limited), "RATE_LIMITED", "{limited:#}");
    assert!(limited["errors"][0]["extensions"]["retryAfterSeconds"].as_u64().unwrap() >= 1);
    // Another caller is not held up by this one.
    ok(app.gql(Some(&app.admin_key), validate, input).await);
}
