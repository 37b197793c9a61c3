//! Plans end to end: propose with a preview, approve, run in the engine, replay.

use praetor_tests::*;
use serde_json::{Value, json};

const EXECUTE: &str = "mutation($id: ID!) { executePlan(planId: $id) { id status } }";
const APPROVE: &str = "mutation($in: ApprovePlanInput!) { approvePlan(input: $in) { id status } }";
const REPLAY: &str =
    "query($id: ID!) { replayPlan(id: $id) { identical events stateHash decisionsChecked divergedAt reason } }";

fn state_steps() -> Value {
    json!([
        {"id": "set", "action": "state.set", "params": {"key": "deployments.web", "value": {"env": "staging", "version": 3}}},
        {"id": "count", "action": "state.increment", "params": {"key": "counters.deploys"}},
        {"id": "patch", "action": "state.patch", "params": {"key": "flags", "patch": {"beta": true}}},
    ])
}

#[tokio::test]
async fn an_allowed_plan_previews_runs_and_replays_identically() {
    let app = spawn_app().await;
    app.project("web").await;
    let plan = propose(&app, &app.admin_key, "web", state_steps(), json!({})).await;
    assert_eq!(plan["status"], "APPROVED");
    assert_eq!(plan["verdict"], "ALLOWED");
    let preview = &plan["preview"];
    assert_eq!(preview["verdict"], "ALLOWED");
    assert_eq!(
        preview["steps"][0]["stateDiff"],
        json!([{"path": "deployments.web", "before": null, "after": {"env": "staging", "version": 3}}])
    );
    assert_eq!(preview["steps"][1]["stateDiff"][0]["after"], 1);
    assert_eq!(preview["steps"][0]["checks"][0]["name"], "rbac");

    let id = plan["id"].as_str().unwrap();
    let queued = ok(app.gql(Some(&app.admin_key), EXECUTE, json!({"id": id})).await);
    assert_eq!(queued["executePlan"]["status"], "QUEUED");
    let done = wait_for_status(&app, &app.admin_key, id, "SUCCEEDED").await;
    assert!(done["progress"].as_array().unwrap().iter().all(|s| s["status"] == "SUCCEEDED"));

    let state = app
        .admin("query($o: String!) { project(org: $o, slug: \"web\") { state stateHash } }", json!({"o": app.org}))
        .await;
    assert_eq!(
        state["project"]["state"],
        json!({"counters": {"deploys": 1}, "deployments": {"web": {"env": "staging", "version": 3}}, "flags": {"beta": true}})
    );
    assert_eq!(state["project"]["stateHash"], done["stateHash"]);

    let replay = app.admin(REPLAY, json!({"id": id})).await;
    assert_eq!(replay["replayPlan"]["identical"], true, "{replay:#}");
    assert_eq!(replay["replayPlan"]["stateHash"], done["stateHash"]);
    assert_eq!(replay["replayPlan"]["decisionsChecked"], 3);

    // Executing twice is refused.
    assert_eq!(code(&app.gql(Some(&app.admin_key), EXECUTE, json!({"id": id})).await), "CONFLICT");
}

#[tokio::test]
async fn idempotency_keys_return_the_same_plan() {
    let app = spawn_app().await;
    app.project("web").await;
    let extra = json!({"idempotencyKey": "deploy-42"});
    let a = propose(&app, &app.admin_key, "web", state_steps(), extra.clone()).await;
    let b = propose(&app, &app.admin_key, "web", state_steps(), extra.clone()).await;
    assert_eq!(a["id"], b["id"]);
    assert_eq!(a["planHash"], b["planHash"]);
    let other = app
        .gql(Some(&app.admin_key), PROPOSE, json!({"in": {"org": app.org, "project": "web", "steps": [{"action": "state.delete", "params": {"key": "x"}}], "idempotencyKey": "deploy-42"}}))
        .await;
    assert_eq!(code(&other), "CONFLICT");
}

#[tokio::test]
async fn denied_plans_say_why_and_never_run() {
    let app = spawn_app().await;
    app.project("web").await;
    let plan = propose(
        &app,
        &app.admin_key,
        "web",
        json!([{"action": "nuke.everything"}, {"action": "state.set", "params": {"key": 7}}]),
        json!({}),
    )
    .await;
    assert_eq!(plan["status"], "REJECTED");
    assert_eq!(plan["preview"]["verdict"], "DENIED");
    assert_eq!(plan["preview"]["reasonCodes"], json!(["VALIDATION"]));
    let checks = &plan["preview"]["steps"][1]["checks"];
    let params = checks.as_array().unwrap().iter().find(|c| c["name"] == "params").unwrap();
    assert!(
        params["message"].as_str().unwrap().contains("params.key")
            || params["message"].as_str().unwrap().contains("key"),
        "{params}"
    );
    assert_eq!(code(&app.gql(Some(&app.admin_key), EXECUTE, json!({"id": plan["id"]})).await), "CONFLICT");

    // Bad input is refused outright, naming the field.
    let bad =
        app.gql(Some(&app.admin_key), PROPOSE, json!({"in": {"org": app.org, "project": "web", "steps": []}})).await;
    assert_eq!(code(&bad), "VALIDATION");
    assert_eq!(bad["errors"][0]["extensions"]["field"], "steps");
    let dup = app
        .gql(Some(&app.admin_key), PROPOSE, json!({"in": {"org": app.org, "project": "web", "steps": [{"id": "a", "action": "delay", "params": {"seconds": 0}}, {"id": "a", "action": "delay", "params": {"seconds": 0}}]}}))
        .await;
    assert_eq!(dup["errors"][0]["extensions"]["field"], "steps[1].id");
}

#[tokio::test]
async fn proposing_needs_the_right_role_and_tenant() {
    let app = spawn_app().await;
    app.project("web").await;
    app.project("pay").await;
    let (approver, _) = app.user_with_role("approver", None).await;
    let resp = app
        .gql(Some(&approver), PROPOSE, json!({"in": {"org": app.org, "project": "web", "steps": state_steps()}}))
        .await;
    assert_eq!(code(&resp), "FORBIDDEN");

    let (operator, _) = app.user_with_role("operator", Some("web")).await;
    let plan = propose(&app, &operator, "web", state_steps(), json!({})).await;
    assert_eq!(plan["verdict"], "ALLOWED");
    let resp = app
        .gql(Some(&operator), PROPOSE, json!({"in": {"org": app.org, "project": "pay", "steps": state_steps()}}))
        .await;
    assert_eq!(code(&resp), "NOT_FOUND");

    let (_, other) = other_org(&app).await;
    let resp =
        app.gql(Some(&other), PROPOSE, json!({"in": {"org": app.org, "project": "web", "steps": state_steps()}})).await;
    assert_eq!(code(&resp), "NOT_FOUND");
    let resp = app.gql(Some(&other), "query($id: ID!) { plan(id: $id) { id } }", json!({"id": plan["id"]})).await;
    assert_eq!(code(&resp), "NOT_FOUND");
    let resp = app.gql(Some(&other), EXECUTE, json!({"id": plan["id"]})).await;
    assert_eq!(code(&resp), "NOT_FOUND");

    // A viewer may read the plan but not run it.
    let (viewer, _) = app.user_with_role("viewer", None).await;
    ok(app.gql(Some(&viewer), "query($id: ID!) { plan(id: $id) { id } }", json!({"id": plan["id"]})).await);
    assert_eq!(code(&app.gql(Some(&viewer), EXECUTE, json!({"id": plan["id"]})).await), "FORBIDDEN");
}

#[tokio::test]
async fn a_gate_in_the_middle_waits_for_an_approver_with_separation_of_duties() {
    let app = spawn_app().await;
    app.project("web").await;
    let (operator, op_email) = app.user_with_role("operator", None).await;
    let (carol, carol_email) = app.user_with_role("approver", None).await;
    let (dave, _) = app.user_with_role("approver", None).await; // approver role, not in the group
    app.group("release-managers", &[&carol_email, &op_email]).await;

    let steps = json!([
        {"id": "before", "action": "state.set", "params": {"key": "phase", "value": "staged"}},
        {"id": "gate", "action": "approval.gate", "params": {"group": "release-managers"}},
        {"id": "after", "action": "state.set", "params": {"key": "phase", "value": "live"}},
    ]);
    let plan = propose(&app, &operator, "web", steps, json!({"runWhenApproved": true})).await;
    let id = plan["id"].as_str().unwrap().to_string();
    let waiting = wait_for_status(&app, &operator, &id, "PENDING_APPROVAL").await;
    let hash = waiting["planHash"].as_str().unwrap().to_string();
    assert_eq!(waiting["progress"][0]["status"], "SUCCEEDED");
    assert_eq!(waiting["progress"][1]["status"], "WAITING");

    // carol sees it in her inbox; the proposer does not, though in the group.
    let inbox = ok(app
        .gql(Some(&carol), "query($o: String!) { approvalRequests(org: $o) { id } }", json!({"o": app.org}))
        .await);
    assert_eq!(inbox["approvalRequests"], json!([{"id": id}]));
    let mine = ok(app
        .gql(Some(&operator), "query($o: String!) { approvalRequests(org: $o) { id } }", json!({"o": app.org}))
        .await);
    assert_eq!(mine["approvalRequests"], json!([]));

    let approve = |hash: &str| json!({"in": {"planId": id, "planHash": hash, "comment": "looks good"}});
    // The proposer may not approve their own plan even as a group member; the operator role
    // lacks plan.approve anyway, so both checks stand in the way.
    assert_eq!(code(&app.gql(Some(&operator), APPROVE, approve(&hash)).await), "FORBIDDEN");
    // An approver outside the stage's group may not.
    let resp = app.gql(Some(&dave), APPROVE, approve(&hash)).await;
    assert_eq!(code(&resp), "FORBIDDEN");
    assert!(resp["errors"][0]["message"].as_str().unwrap().contains("release-managers"));
    // A hash other than the plan's is refused: an approval signs exactly what was reviewed.
    assert_eq!(code(&app.gql(Some(&carol), APPROVE, approve(&"0".repeat(64))).await), "CONFLICT");

    ok(app.gql(Some(&carol), APPROVE, approve(&hash)).await);
    let done = wait_for_status(&app, &operator, &id, "SUCCEEDED").await;
    assert_eq!(done["progress"][1]["status"], "SUCCEEDED");
    let stages = ok(app.gql(Some(&carol), "query($id: ID!) { plan(id: $id) { approvalStages { name satisfied approvals { approver comment decision } } } }", json!({"id": id})).await);
    assert_eq!(stages["plan"]["approvalStages"][0]["approvals"][0]["approver"], carol_email.as_str());
    assert_eq!(stages["plan"]["approvalStages"][0]["satisfied"], true);
    let replay = app.admin(REPLAY, json!({"id": id})).await;
    assert_eq!(replay["replayPlan"]["identical"], true, "{replay:#}");
}

#[tokio::test]
async fn rejection_ends_the_plan_and_cancel_stops_it() {
    let app = spawn_app().await;
    app.project("web").await;
    let (carol, carol_email) = app.user_with_role("approver", None).await;
    app.group("leads", &[&carol_email]).await;
    let steps = json!([
        {"id": "gate", "action": "approval.gate", "params": {"group": "leads"}},
        {"id": "after", "action": "state.set", "params": {"key": "x", "value": 1}},
    ]);
    let plan = propose(&app, &app.admin_key, "web", steps.clone(), json!({"runWhenApproved": true})).await;
    let id = plan["id"].as_str().unwrap().to_string();
    wait_for_status(&app, &app.admin_key, &id, "PENDING_APPROVAL").await;
    ok(app
        .gql(
            Some(&carol),
            "mutation($id: ID!) { rejectPlan(input: {planId: $id, comment: \"not today\"}) { status } }",
            json!({"id": id}),
        )
        .await);
    let done = wait_for_status(&app, &app.admin_key, &id, "REJECTED").await;
    assert_eq!(done["progress"][1]["status"], "PENDING");

    let plan = propose(&app, &app.admin_key, "web", json!([{"action": "delay", "params": {"seconds": 600}}, {"action": "state.set", "params": {"key": "y", "value": 1}}]), json!({"runWhenApproved": true})).await;
    let id = plan["id"].as_str().unwrap().to_string();
    wait_for_status(&app, &app.admin_key, &id, "RUNNING").await;
    ok(app
        .gql(
            Some(&app.admin_key),
            "mutation($id: ID!) { cancelPlan(input: {planId: $id, reason: \"changed my mind\"}) { status } }",
            json!({"id": id}),
        )
        .await);
    wait_for_status(&app, &app.admin_key, &id, "CANCELLED").await;
    let state =
        app.admin("query($o: String!) { project(org: $o, slug: \"web\") { state } }", json!({"o": app.org})).await;
    assert_eq!(state["project"]["state"], json!({}), "neither plan changed anything");
}

#[tokio::test]
async fn failed_steps_stop_or_continue_and_everything_is_audited() {
    let app = spawn_app().await;
    app.project("web").await;
    // Incrementing a string fails permanently; `continue` goes on, then the plan fails.
    let steps = json!([
        {"id": "text", "action": "state.set", "params": {"key": "name", "value": "web"}},
        {"id": "bad", "action": "state.increment", "params": {"key": "name"}, "onFailure": "CONTINUE"},
        {"id": "more", "action": "state.set", "params": {"key": "after", "value": true}},
    ]);
    let plan = propose(&app, &app.admin_key, "web", steps, json!({"runWhenApproved": true})).await;
    let id = plan["id"].as_str().unwrap().to_string();
    let done = wait_for_status(&app, &app.admin_key, &id, "FAILED").await;
    assert_eq!(done["progress"][1]["status"], "FAILED");
    assert!(done["progress"][1]["error"].as_str().unwrap().contains("not a number"));
    assert_eq!(done["progress"][2]["status"], "SUCCEEDED");

    let log = app.admin("query($o: String!) { org(slug: $o) { auditLog(first: 100, kind: \"plan.\") { edges { node { kind actor { kind name } } } } auditChain { ok } } }", json!({"o": app.org})).await;
    let kinds: Vec<&str> = log["org"]["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["kind"].as_str().unwrap())
        .collect();
    for k in
        ["plan.proposed", "plan.queued", "plan.step_started", "plan.state_changed", "plan.step_failed", "plan.failed"]
    {
        assert!(kinds.contains(&k), "{k} in {kinds:?}");
    }
    let engine_entry = log["org"]["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["kind"] == "plan.step_started")
        .unwrap();
    assert_eq!(engine_entry["node"]["actor"][0]["name"], app.admin_email.as_str());
    assert_eq!(engine_entry["node"]["actor"][1]["kind"], "SYSTEM");
    assert_eq!(log["org"]["auditChain"]["ok"], true);
}

#[tokio::test]
async fn unanswered_approval_requests_expire_after_their_ttl() {
    let clock = std::sync::Arc::new(praetor::clock::ManualClock::new(
        chrono::DateTime::parse_from_rfc3339("2026-11-24T10:00:00Z").unwrap().to_utc(),
    ));
    let app = spawn_with(SpawnOptions { clock: Some(clock.clone()), ..Default::default() }).await;
    app.with_example_policies().await;
    let (carol, carol_email) = app.user_with_role("approver", None).await;
    app.group("sre-leads", &[&carol_email]).await;
    let plan = propose(
        &app,
        &app.admin_key,
        "web",
        json!([{"action": "deploy.web", "params": {"service": "web", "env": "prod"}}]),
        json!({}),
    )
    .await;
    let id = plan["id"].as_str().unwrap().to_string();
    assert_eq!(plan["status"], "PENDING_APPROVAL");
    // The example policy gives approval requests 24 hours.
    let expires =
        ok(app.gql(Some(&app.admin_key), "query($id: ID!) { plan(id: $id) { expiresAt } }", json!({"id": id})).await);
    assert_eq!(expires["plan"]["expiresAt"], "2026-11-25T10:00:00+00:00");
    clock.advance(chrono::Duration::hours(25));
    // Approving a stale request is refused at once, whether or not the sweep ran yet...
    let late = app
        .gql(
            Some(&carol),
            "mutation($in: ApprovePlanInput!) { approvePlan(input: $in) { status } }",
            json!({"in": {"planId": id, "planHash": plan["planHash"]}}),
        )
        .await;
    assert_eq!(code(&late), "CONFLICT");
    // ...and the worker's sweep marks the plan expired.
    wait_for_status(&app, &app.admin_key, &id, "EXPIRED").await;
}

#[tokio::test]
async fn the_bootstrap_command_creates_an_admin_with_a_working_key() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("boot.db").display());
    let out = praetor_command()
        .args(["admin", "bootstrap", "--org", "acme", "--email", "admin@acme.test"])
        .env("PRAETOR_DATABASE_URL", &url)
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let key = text.split_whitespace().find(|w| w.starts_with("prk_")).expect("a key is printed").to_string();
    // A second bootstrap of the same org is refused, naming the conflict.
    let again = praetor_command()
        .args(["admin", "bootstrap", "--org", "acme", "--email", "admin@acme.test"])
        .env("PRAETOR_DATABASE_URL", &url)
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("conflict"), "{}", String::from_utf8_lossy(&again.stderr));
    // The key works against a server on that database.
    let mut config = praetor::config::Config { database_url: url, ..Default::default() };
    config.secrets.master_key = test_master_key();
    let app = praetor::AppState::init(config, std::sync::Arc::new(praetor::clock::SystemClock)).await.unwrap();
    let principal = praetor::auth::api_key::authenticate(&app.db, app.clock.as_ref(), &key).await.unwrap();
    assert!(principal.user().is_some_and(|u| u.email == "admin@acme.test" && u.instance_admin));
}

#[tokio::test]
async fn a_list_of_plans_reads_nested_fields_in_batches_not_per_plan() {
    // The count is of the whole server process: nothing in the background may run statements.
    let app = spawn_quiet().await;
    app.project("web").await;
    for i in 0..50 {
        propose(
            &app,
            &app.admin_key,
            "web",
            json!([{"action": "state.set", "params": {"key": "k", "value": i}}]),
            json!({}),
        )
        .await;
    }
    let q = "query($o: String!, $n: Int!) { project(org: $o, slug: \"web\") { plans(first: $n) { edges { node { id status progress { id status } approvalStages { name approvals { approver } } project { slug } } } } } }";
    let count = |n: i64| {
        let app = &app;
        async move {
            // Once to warm what is cached per process (the key, the org's rules), then counted.
            ok(app.gql(Some(&app.admin_key), q, json!({"o": app.org, "n": n})).await);
            let before = app.serving.queries.get();
            let d = ok(app.gql(Some(&app.admin_key), q, json!({"o": app.org, "n": n})).await);
            let after = app.serving.queries.get();
            let edges = d["project"]["plans"]["edges"].as_array().unwrap().clone();
            assert_eq!(edges.len() as i64, n);
            assert!(edges.iter().all(|e| e["node"]["project"]["slug"] == "web" && e["node"]["progress"].is_array()));
            after - before
        }
    };
    // The fewest of three tries each: a timed sweep (chat answers) may still land in one.
    let (mut five, mut fifty) = (u64::MAX, u64::MAX);
    for _ in 0..3 {
        five = five.min(count(5).await);
        fifty = fifty.min(count(50).await);
    }
    // Project, progress and approvals are each read once for the whole list: fifty plans cost
    // what five do (one more allowed: a housekeeping sweep may fall inside the window).
    assert!(fifty <= five + 1, "reading 50 plans took {fifty} statements, 5 took {five}");
    assert!(fifty <= 12, "{fifty} statements for one page of plans");
}

#[tokio::test]
async fn whether_the_viewer_can_approve_a_list_of_plans_is_read_in_batches() {
    // Nothing else of the server runs statements while they are counted.
    let app = spawn_quiet().await;
    app.project("web").await;
    let (carol, carol_email) = app.user_with_role("approver", None).await;
    app.group("leads", &[&carol_email]).await;
    app.require_leads_for_state_set().await;
    for i in 0..50 {
        let p = propose(
            &app,
            &app.admin_key,
            "web",
            json!([{"action": "state.set", "params": {"key": "k", "value": i}}]),
            json!({}),
        )
        .await;
        assert_eq!(p["status"], "PENDING_APPROVAL");
    }
    let q = "query($o: String!, $n: Int!) { project(org: $o, slug: \"web\") { plans(first: $n) { edges { node { id viewerCanApproveNow { can reason } } } } } }";
    let count = |n: i64| {
        let app = &app;
        let carol = &carol;
        async move {
            ok(app.gql(Some(carol), q, json!({"o": app.org, "n": n})).await);
            let before = app.serving.queries.get();
            let d = ok(app.gql(Some(carol), q, json!({"o": app.org, "n": n})).await);
            let after = app.serving.queries.get();
            let edges = d["project"]["plans"]["edges"].as_array().unwrap().clone();
            assert_eq!(edges.len() as i64, n);
            // Carol leads and proposed none of them: she may approve every one.
            assert!(edges.iter().all(|e| e["node"]["viewerCanApproveNow"] == json!({"can": true, "reason": null})));
            after - before
        }
    };
    // The fewest of three tries each: a timed sweep (chat answers) may still land in one.
    let (mut five, mut fifty) = (u64::MAX, u64::MAX);
    for _ in 0..3 {
        five = five.min(count(5).await);
        fifty = fifty.min(count(50).await);
    }
    // Her groups are read once and the plans' decisions in one batch, however long the list.
    assert!(fifty <= five + 1, "50 plans took {fifty} statements, 5 took {five}");
    // The admin proposed them all: separation of duties answers without reading anything.
    let admin = app.admin(q, json!({"o": app.org, "n": 5})).await;
    let reason = admin["project"]["plans"]["edges"][0]["node"]["viewerCanApproveNow"]["reason"].as_str().unwrap();
    assert!(reason.contains("proposer"), "{reason}");
}

#[tokio::test]
async fn plans_are_titled_by_what_they_do() {
    let app = spawn_app().await;
    app.with_example_policies().await;
    let title = |plan: &Value| plan["id"].as_str().unwrap().to_string();
    let read = |id: String| {
        let app = &app;
        async move {
            let q = "query($id: ID!) { plan(id: $id) { title } }";
            ok(app.gql(Some(&app.admin_key), q, json!({"id": id})).await)["plan"]["title"].as_str().unwrap().to_string()
        }
    };
    // The action's declared title, filled with the step's parameters (defaults included).
    let deploy = json!([{"action": "deploy.web", "params": {"service": "api", "env": "staging"}}]);
    let plan = propose(&app, &app.admin_key, "web", deploy, json!({})).await;
    assert_eq!(read(title(&plan)).await, "Deploy api v1 to staging");
    let restart = json!([{"action": "service.restart", "params": {"service": "api"}}]);
    let plan = propose(&app, &app.admin_key, "web", restart, json!({})).await;
    assert_eq!(read(title(&plan)).await, "Restart api");
    // A template's title counts its steps.
    let plan =
        propose(&app, &app.admin_key, "web", json!([]), json!({"template": "release", "args": {"service": "web"}}))
            .await;
    assert_eq!(read(title(&plan)).await, "Release web (2 steps)");
    // Without a declared title: the first action's name in words, and how many steps follow.
    let plan = propose(&app, &app.admin_key, "web", state_steps(), json!({})).await;
    assert_eq!(read(title(&plan)).await, "State set (+2 more)");
    // A title the proposer gives is kept.
    let plan = propose(&app, &app.admin_key, "web", state_steps(), json!({"title": "Nightly flags"})).await;
    assert_eq!(read(title(&plan)).await, "Nightly flags");
}
