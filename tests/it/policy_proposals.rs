//! Policy changes that need a second person: with `spec.policyChanges.requireApproval`, an
//! apply or a rollback is kept as a proposal until someone else with `policy.write` approves it.

use praetor_tests::*;
use serde_json::{Value, json};

const APPLY_P: &str = "mutation($in: ApplyPolicyInput!) { applyPolicy(input: $in) { versions { version } warnings { code } pendingProposal { id status scope comment diff viewerCanApprove viewerCannotApproveReason proposedBy { name } } } }";
const APPROVE: &str = "mutation($id: ID!) { approvePolicyProposal(id: $id, comment: \"looks right\") { proposal { status decisionComment decidedBy { name } } versions { version author { name } comment } } }";
const REJECT: &str = "mutation($id: ID!) { rejectPolicyProposal(id: $id, comment: \"no\") { status decisionComment } }";
const PROPOSALS: &str = "query($o: String!) { org(slug: $o) { policyProposals { id status comment } all: policyProposals(pendingOnly: false) { id status } policyVersions(first: 10) { nodes { version comment } } } }";

/// The organization's policy: reviewed changes, and a daily budget of `daily`.
fn bundle(org: &str, daily: u32) -> Value {
    let text = format!(
        r#"
apiVersion: praetor.dev/v1
kind: Policy
metadata: {{ name: base, org: "{org}" }}
spec:
  policyChanges: {{ requireApproval: true }}
  budget: {{ daily: {daily}, unit: USD }}
"#
    );
    json!([{"name": "base.yaml", "text": text}])
}

async fn apply_as(app: &TestApp, key: &str, sources: Value, comment: &str) -> Value {
    app.gql(Some(key), APPLY_P, json!({"in": {"org": app.org, "sources": sources, "comment": comment}})).await
}

fn versions(app_data: &Value) -> Vec<i64> {
    app_data["org"]["policyVersions"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn a_policy_change_waits_for_a_second_person_where_policy_asks() {
    let app = spawn_app().await;
    let (second, _) = app.user_with_role("org_admin", None).await;
    let (viewer, _) = app.user_with_role("viewer", None).await;
    let admin = app.admin_key.clone();
    // Switching it on is itself in force at once (nothing asked for approval before).
    let first = ok(apply_as(&app, &admin, bundle(&app.org, 100), "reviewed from now on").await);
    assert_eq!(first["applyPolicy"]["versions"][0]["version"], 1);
    assert_eq!(first["applyPolicy"]["pendingProposal"], Value::Null);

    // Now a change is kept, not applied; its proposer cannot approve it.
    let asked = ok(apply_as(&app, &admin, bundle(&app.org, 200), "more budget").await)["applyPolicy"].clone();
    assert_eq!(asked["versions"], json!([]));
    let p = asked["pendingProposal"].clone();
    assert_eq!(
        (p["status"].as_str(), p["scope"].as_str(), p["comment"].as_str()),
        (Some("PENDING"), Some("ORG"), Some("more budget"))
    );
    let diff = p["diff"].as_str().unwrap();
    assert!(
        diff.contains("-  budget: { daily: 100, unit: USD }") && diff.contains("+  budget: { daily: 200, unit: USD }"),
        "{diff}"
    );
    assert_eq!(p["viewerCanApprove"], false);
    assert!(p["viewerCannotApproveReason"].as_str().unwrap().starts_with("You cannot approve your own policy change"));
    let listed = app.admin(PROPOSALS, json!({"o": app.org})).await;
    assert_eq!(versions(&listed), [1], "nothing is in force yet");
    assert_eq!(listed["org"]["policyProposals"][0]["id"], p["id"]);
    let id = p["id"].clone();
    let own = app.gql(Some(&admin), APPROVE, json!({"id": id})).await;
    assert_eq!(code(&own), "FORBIDDEN");
    assert!(
        own["errors"][0]["message"].as_str().unwrap().contains("You cannot approve your own policy change"),
        "{own}"
    );
    assert_eq!(code(&app.gql(Some(&viewer), APPROVE, json!({"id": id})).await), "FORBIDDEN");
    let (_, other) = other_org(&app).await;
    assert_eq!(code(&app.gql(Some(&other), APPROVE, json!({"id": id})).await), "NOT_FOUND");
    assert_eq!(
        code(&app.gql(Some(&other), APPROVE, json!({"id": "pch_01a23e5e5ed9764eae9659fc61abeb4a"})).await),
        "NOT_FOUND"
    );

    // Someone else approves: the version is stored, authored by the proposer.
    let done = ok(app.gql(Some(&second), APPROVE, json!({"id": id})).await)["approvePolicyProposal"].clone();
    assert_eq!(done["proposal"]["status"], "APPLIED");
    assert_eq!(done["proposal"]["decisionComment"], "looks right");
    assert_eq!(done["versions"][0]["version"], 2);
    assert_eq!(done["versions"][0]["author"][0]["name"], app.admin_email);
    assert_eq!(done["versions"][0]["comment"], "more budget");
    assert_eq!(code(&app.gql(Some(&second), APPROVE, json!({"id": id})).await), "CONFLICT");

    // Two proposals against version 2: once one is in force, the other is superseded.
    let a =
        ok(apply_as(&app, &admin, bundle(&app.org, 300), "a").await)["applyPolicy"]["pendingProposal"]["id"].clone();
    let b =
        ok(apply_as(&app, &admin, bundle(&app.org, 400), "b").await)["applyPolicy"]["pendingProposal"]["id"].clone();
    ok(app.gql(Some(&second), APPROVE, json!({"id": b})).await);
    let stale = app.gql(Some(&second), APPROVE, json!({"id": a})).await;
    assert_eq!(code(&stale), "CONFLICT");
    assert!(stale["errors"][0]["message"].as_str().unwrap().contains("superseded"), "{stale}");

    // Rejected by another, or withdrawn by its proposer.
    let c =
        ok(apply_as(&app, &admin, bundle(&app.org, 500), "c").await)["applyPolicy"]["pendingProposal"]["id"].clone();
    let rejected = ok(app.gql(Some(&second), REJECT, json!({"id": c})).await);
    assert_eq!(rejected["rejectPolicyProposal"], json!({"status": "REJECTED", "decisionComment": "no"}));
    let d =
        ok(apply_as(&app, &admin, bundle(&app.org, 600), "d").await)["applyPolicy"]["pendingProposal"]["id"].clone();
    assert_eq!(
        ok(app.gql(Some(&admin), REJECT, json!({"id": d})).await)["rejectPolicyProposal"]["status"],
        "WITHDRAWN"
    );
    assert_eq!(code(&app.gql(Some(&second), REJECT, json!({"id": d})).await), "CONFLICT");

    // An invalid bundle is refused whole, as ever, and leaves no proposal.
    let broken = json!([{"name": "bad.yaml", "text": "apiVersion: praetor.dev/v1\nkind: Policy\nmetadata: { name: x }\nspec: { nope: 1 }\n"}]);
    assert_eq!(code(&apply_as(&app, &admin, broken, "bad").await), "VALIDATION");

    // A rollback waits the same way, and says so.
    let rollback = app
        .gql(
            Some(&admin),
            "mutation($o: String!) { rollbackPolicy(input: {org: $o, version: 1}) { version } }",
            json!({"o": app.org}),
        )
        .await;
    assert_eq!(code(&rollback), "APPROVAL_REQUIRED", "{rollback}");
    let listed = app.admin(PROPOSALS, json!({"o": app.org})).await;
    let pending = listed["org"]["policyProposals"].as_array().unwrap().clone();
    assert_eq!(pending.len(), 1, "{listed:#}");
    assert_eq!(pending[0]["comment"], "rollback to version 1");
    assert_eq!(versions(&listed), [3, 2, 1]);
    let statuses: Vec<&str> =
        listed["org"]["all"].as_array().unwrap().iter().map(|p| p["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["PENDING", "WITHDRAWN", "REJECTED", "APPLIED", "SUPERSEDED", "APPLIED"]);
    ok(app.gql(Some(&second), APPROVE, json!({"id": pending[0]["id"]})).await);
    assert_eq!(versions(&app.admin(PROPOSALS, json!({"o": app.org})).await), [4, 3, 2, 1]);

    // Every step is in the audit log.
    let log = app
        .admin(
            "query($o: String!) { org(slug: $o) { auditLog(first: 50, kind: \"policy.change_\") { nodes { kind } } } }",
            json!({"o": app.org}),
        )
        .await;
    let kinds: Vec<&str> =
        log["org"]["auditLog"]["nodes"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    for k in ["policy.change_proposed", "policy.change_approved", "policy.change_rejected", "policy.change_withdrawn"] {
        assert!(kinds.contains(&k), "{k} missing from {kinds:?}");
    }
}
