//! Rollups: an organization's activity folded from its audit chain equals a recount of what
//! happened (plans by final status and origin, steps, refusals by code, approvals and their
//! latency, chat sessions, kill switches); folding again or rebuilding from a day changes
//! nothing; other organizations and members without `audit.read` see none of it; instance
//! administrators see every organization's totals.

use praetor_store::{Housekeeping, OrgId, Tenant};
use praetor_tests::*;
use serde_json::{Value, json};

const POLICY: &str = r#"apiVersion: praetor.dev/v1
kind: Policy
metadata: { name: rollup-test, org: ORG }
spec:
  rules:
    - { name: no-deletes, actions: ["state.delete"], effect: deny, reason: "deletes are not allowed" }
    - { name: reviewed, actions: ["state.increment"], effect: require_approval, approvals: [{ group: leads }] }
"#;

const ROLLUPS: &str = "query($o: String!, $from: DateTime!, $to: DateTime!, $p: String) { org(slug: $o) { rollups(from: $from, to: $to, granularity: DAY, project: $p) { start plansProposed plansSucceeded plansFailed plansRejected byHumans byAgents byIntegrations stepsRun stepsFailed spend refusals { code count } approvals approvalLatencyP50Seconds chatSessions killSwitchesEngaged killSwitchSeconds } } }";

fn tenant(app: &TestApp) -> Tenant {
    Tenant::housekeeping(app.org_id.parse::<OrgId>().unwrap(), Housekeeping::Rollups)
}

async fn rollups(app: &TestApp, key: &str, project: Option<&str>) -> Value {
    let from = now().date_naive().and_hms_opt(0, 0, 0).unwrap().and_utc();
    let to = from + chrono::Duration::days(1);
    app.gql(Some(key), ROLLUPS, json!({"o": app.org, "from": from, "to": to, "p": project})).await
}

/// Today's single point.
async fn today(app: &TestApp, project: Option<&str>) -> Value {
    let d = ok(rollups(app, &app.admin_key, project).await);
    let points = d["org"]["rollups"].as_array().unwrap();
    assert_eq!(points.len(), 1, "one day: {d}");
    points[0].clone()
}

#[tokio::test]
async fn rollups_equal_a_recount_and_stay_equal_when_folded_again() {
    let app = spawn_app().await;
    app.project("web").await;
    app.project("ops").await;
    app.admin(
        APPLY,
        json!({"in": {"org": app.org, "sources": [{"name": "p.yaml", "text": POLICY.replace("ORG", &app.org)}], "comment": "t"}}),
    )
    .await;
    let (carol, carol_email) = app.user_with_role("approver", None).await;
    app.group("leads", &[&carol_email]).await;

    // Two plans that run, one denied by policy, one approved by carol then run, one in `ops`.
    let set = |k: &str| json!([{"action": "state.set", "params": {"key": k, "value": 1}}]);
    let mut ran = Vec::new();
    for k in ["a", "b"] {
        ran.push(propose(&app, &app.admin_key, "web", set(k), json!({"runWhenApproved": true})).await);
    }
    let denied =
        propose(&app, &app.admin_key, "web", json!([{"action": "state.delete", "params": {"key": "a"}}]), json!({}))
            .await;
    assert_eq!(denied["verdict"], "DENIED", "{denied}");
    let reviewed = propose(
        &app,
        &app.admin_key,
        "web",
        json!([{"action": "state.increment", "params": {"key": "n"}}]),
        json!({"runWhenApproved": true}),
    )
    .await;
    assert_eq!(reviewed["status"], "PENDING_APPROVAL");
    ok(app
        .gql(
            Some(&carol),
            "mutation($in: ApprovePlanInput!) { approvePlan(input: $in) { status } }",
            json!({"in": {"planId": reviewed["id"], "planHash": reviewed["planHash"]}}),
        )
        .await);
    ran.push(reviewed);
    ran.push(propose(&app, &app.admin_key, "ops", set("c"), json!({"runWhenApproved": true})).await);
    for p in &ran {
        wait_for_status(&app, &app.admin_key, p["id"].as_str().unwrap(), "SUCCEEDED").await;
    }
    // A kill switch on `web`, engaged and released; a chat session.
    let kill = "mutation($in: SetKillSwitchInput!) { setKillSwitch(input: $in) { engaged } }";
    app.admin(
        kill,
        json!({"in": {"scope": "PROJECT", "org": app.org, "project": "web", "engaged": true, "reason": "drill"}}),
    )
    .await;
    app.admin(
        kill,
        json!({"in": {"scope": "PROJECT", "org": app.org, "project": "web", "engaged": false, "onRelease": "RESUME"}}),
    )
    .await;
    app.admin(
        "mutation($o: String!) { createChatSession(input: {org: $o, project: \"web\"}) { id } }",
        json!({"o": app.org}),
    )
    .await;

    praetor::services::rollups::fold_org(&app.app, tenant(&app)).await.unwrap();
    let all = today(&app, None).await;

    // The recount: the plans as they are.
    let plans = app
        .admin(
            "query($o: String!) { org(slug: $o) { projects(first: 10) { nodes { plans(first: 50) { nodes { status } } } } } }",
            json!({"o": app.org}),
        )
        .await;
    let statuses: Vec<String> = plans["org"]["projects"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["plans"]["nodes"].as_array().unwrap().iter().map(|n| n["status"].as_str().unwrap().to_string()))
        .collect();
    let count = |s: &str| statuses.iter().filter(|x| *x == s).count() as u64;
    assert_eq!(all["plansProposed"], statuses.len() as u64, "{all} {statuses:?}");
    assert_eq!(all["plansSucceeded"], count("SUCCEEDED"), "{all}");
    assert_eq!(all["plansRejected"], count("REJECTED"), "{all}");
    assert_eq!((all["plansSucceeded"].as_u64(), all["plansRejected"].as_u64()), (Some(4), Some(1)), "{all}");
    assert_eq!(all["byHumans"], 5, "every plan was proposed by a person's key: {all}");
    assert_eq!((all["byAgents"].as_u64(), all["byIntegrations"].as_u64()), (Some(0), Some(0)));
    assert_eq!(all["stepsRun"], 4);
    assert_eq!(all["stepsFailed"], 0);
    assert_eq!(all["refusals"], json!([{"code": "POLICY_DENIED", "count": 1}]), "{all}");
    assert_eq!(all["approvals"], 1);
    assert!(all["approvalLatencyP50Seconds"].as_f64().is_some(), "{all}");
    assert_eq!(all["chatSessions"], 1);
    assert_eq!(all["killSwitchesEngaged"], 1);

    // One project alone.
    let ops = today(&app, Some("ops")).await;
    assert_eq!((ops["plansProposed"].as_u64(), ops["plansSucceeded"].as_u64()), (Some(1), Some(1)), "{ops}");
    assert_eq!(ops["killSwitchesEngaged"], 0);
    let web = today(&app, Some("web")).await;
    assert_eq!(web["plansProposed"], 4);
    let by_project = app
        .admin(
            "query($o: String!, $from: DateTime!, $to: DateTime!) { org(slug: $o) { rollupsByProject(from: $from, to: $to) { project { slug } totals { plansProposed } } } }",
            json!({"o": app.org, "from": now() - chrono::Duration::days(1), "to": now() + chrono::Duration::days(1)}),
        )
        .await;
    let rows = by_project["org"]["rollupsByProject"].as_array().unwrap();
    let of =
        |slug: &str| rows.iter().find(|r| r["project"]["slug"] == slug).map(|r| r["totals"]["plansProposed"].clone());
    assert_eq!((of("web"), of("ops")), (Some(json!(4)), Some(json!(1))), "{by_project}");

    // Folding again counts nothing twice; so does a rebuild from today, by the command line.
    assert_eq!(praetor::services::rollups::fold_org(&app.app, tenant(&app)).await.unwrap(), 0);
    assert_eq!(today(&app, None).await, all);
    let day = now().format("%Y-%m-%d").to_string();
    let (done, out) =
        run_praetor(&["rollups", "rebuild", "--org", &app.org, "--from", &day], &app.database_url, &[]).await;
    assert!(done, "{out}");
    assert!(out.contains("audit entries folded"), "{out}");
    assert_eq!(today(&app, None).await, all, "rebuilt from the chain, the same");
    let (done, out) =
        run_praetor(&["rollups", "rebuild", "--org", &app.org, "--from", "yesterday"], &app.database_url, &[]).await;
    assert!(!done && out.contains("YYYY-MM-DD"), "{out}");
}

#[tokio::test]
async fn rollups_are_their_organizations_and_instance_administrators_see_every_total() {
    let app = spawn_app().await;
    app.project("web").await;
    let p = propose(
        &app,
        &app.admin_key,
        "web",
        json!([{"action": "state.set", "params": {"key": "a", "value": 1}}]),
        json!({"runWhenApproved": true}),
    )
    .await;
    wait_for_status(&app, &app.admin_key, p["id"].as_str().unwrap(), "SUCCEEDED").await;
    praetor::services::rollups::fold_org(&app.app, tenant(&app)).await.unwrap();

    let (_, other_key) = other_org(&app).await;
    let resp = rollups(&app, &other_key, None).await;
    assert_eq!(code(&resp), "NOT_FOUND", "{resp}");
    let (member, _) = app.user_with_role("org_member", None).await;
    let resp = rollups(&app, &member, None).await;
    assert_eq!(code(&resp), "FORBIDDEN", "needs audit.read: {resp}");
    // A range too long, or backwards, is refused with the field at fault.
    let resp = app
        .gql(
            Some(&app.admin_key),
            ROLLUPS,
            json!({"o": app.org, "from": now(), "to": now() - chrono::Duration::days(1)}),
        )
        .await;
    assert_eq!(
        (code(&resp).as_str(), resp["errors"][0]["extensions"]["field"].as_str()),
        ("VALIDATION", Some("to")),
        "{resp}"
    );
    let hourly = "query($o: String!, $from: DateTime!, $to: DateTime!) { org(slug: $o) { rollups(from: $from, to: $to, granularity: HOUR) { start } } }";
    let resp = app
        .gql(
            Some(&app.admin_key),
            hourly,
            json!({"o": app.org, "from": now() - chrono::Duration::days(40), "to": now()}),
        )
        .await;
    assert_eq!(code(&resp), "VALIDATION", "{resp}");
    // By hour, every hour of the range is a point, empty ones included.
    let resp = ok(app
        .gql(
            Some(&app.admin_key),
            hourly,
            json!({"o": app.org, "from": now() - chrono::Duration::hours(5), "to": now()}),
        )
        .await);
    assert_eq!(resp["org"]["rollups"].as_array().unwrap().len(), 6, "{resp}");

    // Instance administrators (signed in, not an organization's key) see each organization.
    let instance = "query($from: DateTime!, $to: DateTime!) { instanceRollups(from: $from, to: $to) { points { plansProposed } orgs { slug totals { plansProposed plansSucceeded } } } }";
    let range = json!({"from": now() - chrono::Duration::days(1), "to": now() + chrono::Duration::days(1)});
    let refused = app.gql(Some(&app.admin_key), instance, range.clone()).await;
    assert_eq!(code(&refused), "FORBIDDEN", "{refused}");
    let cookie = app.session_cookie(&app.admin_email).await;
    let seen = ok(app.gql_cookie(&cookie, instance, range).await);
    let mine =
        seen["instanceRollups"]["orgs"].as_array().unwrap().iter().find(|o| o["slug"] == app.org.as_str()).cloned();
    assert_eq!(mine.map(|o| o["totals"].clone()), Some(json!({"plansProposed": 1, "plansSucceeded": 1})), "{seen}");
    let total: u64 = seen["instanceRollups"]["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["plansProposed"].as_u64().unwrap())
        .sum();
    assert!(total >= 1, "{seen}");
}
