//! Human control over running work: kill switches (project, org, global), autonomous mode and
//! its fallbacks, and time-boxed role grants that end by themselves mid-session.

use std::sync::Arc;

use chrono::Duration;
use praetor::clock::ManualClock;
use praetor_tests::*;
use serde_json::{Value, json};

use crate::governance::{WORK, apply, audit_kinds, plan_status, utc, wait_for_event};

const SET_KILL: &str = "mutation($in: SetKillSwitchInput!) { setKillSwitch(input: $in) { scope engaged reason changedBy releaseMode plansAffected } }";

const DEPLOYS: &str = r#"
apiVersion: praetor.dev/v1
kind: Action
metadata: { name: thing.deploy, org: "{org}" }
spec:
  params: { type: object, required: [name], properties: { name: { type: string } } }
  handler: { builtin: state.set, with: { key: "deployed.{{ params.name }}", value: true } }
  compensation: { action: thing.undeploy, params: { name: "{{ params.name }}" } }
---
apiVersion: praetor.dev/v1
kind: Action
metadata: { name: thing.undeploy, org: "{org}" }
spec:
  params: { type: object, required: [name], properties: { name: { type: string } } }
  handler: { builtin: state.delete, with: { key: "deployed.{{ params.name }}" } }
---
apiVersion: praetor.dev/v1
kind: Policy
metadata: { name: reviewed, org: "{org}" }
spec:
  rules:
    - name: counters-are-reviewed
      actions: ["state.increment"]
      effect: require_approval
      approvals: [{ group: leads }]
"#;

async fn state(app: &TestApp) -> Value {
    app.admin("query($o: String!) { project(org: $o, slug: \"web\") { state } }", json!({"o": app.org})).await["project"]
        ["state"]
        .clone()
}

/// A plan needing the `leads` approval, queued by itself once approved.
async fn reviewed_plan(app: &TestApp) -> String {
    let p = propose(
        app,
        &app.admin_key,
        "web",
        json!([{"action": "state.increment", "params": {"key": "count"}}]),
        json!({"runWhenApproved": true}),
    )
    .await;
    assert_eq!(p["status"], "PENDING_APPROVAL");
    p["id"].as_str().unwrap().to_string()
}

async fn approve(app: &TestApp, key: &str, id: &str) -> Value {
    let hash = app.admin("query($id: ID!) { plan(id: $id) { planHash } }", json!({"id": id})).await["plan"]["planHash"]
        .clone();
    app.gql(
        Some(key),
        "mutation($id: ID!, $h: String!) { approvePlan(input: {planId: $id, planHash: $h}) { status } }",
        json!({"id": id, "h": hash}),
    )
    .await
}

#[tokio::test]
async fn a_kill_switch_stops_a_long_timer_compensates_and_holds_queued_plans() {
    // The clock never moves: a plan waiting an hour ends only because the switch ends it.
    let clock = Arc::new(ManualClock::new(utc("2026-11-24T10:00:00Z")));
    let app = spawn_with(SpawnOptions { clock: Some(clock.clone()), ..Default::default() }).await;
    app.project("web").await;
    apply(&app, &[("deploys.yaml", DEPLOYS)]).await;
    let (carol, carol_email) = app.user_with_role("approver", None).await;
    app.group("leads", &[carol_email.as_str()]).await;

    // Plans waiting for approval before the switch; approved while it is engaged.
    let held = reviewed_plan(&app).await;
    let cancelled = reviewed_plan(&app).await;
    let p = propose(
        &app,
        &app.admin_key,
        "web",
        json!([
            {"id": "deploy", "action": "thing.deploy", "params": {"name": "a"}},
            {"id": "soak", "action": "delay", "params": {"seconds": 3600}, "onFailure": "COMPENSATE"},
            {"id": "after", "action": "state.set", "params": {"key": "after", "value": true}},
        ]),
        json!({"runWhenApproved": true}),
    )
    .await;
    let id = p["id"].as_str().unwrap();
    wait_for_event(&app, id, "StepWaiting").await;
    assert_eq!(state(&app).await["deployed"]["a"], true);

    let started = std::time::Instant::now();
    let engaged = app
        .admin(SET_KILL, json!({"in": {"scope": "PROJECT", "org": app.org, "project": "web", "engaged": true, "reason": "bad deploy spreading"}}))
        .await;
    assert_eq!(engaged["setKillSwitch"]["engaged"], true);
    assert_eq!(engaged["setKillSwitch"]["plansAffected"], 1, "the running plan was woken");
    let killed = wait_for_status(&app, &app.admin_key, id, "KILLED").await;
    println!("kill switch to killed plan: {:?}", started.elapsed());
    let progress = killed["progress"].as_array().unwrap();
    assert_eq!(progress[0]["status"], "COMPENSATED", "{progress:#?}");
    assert_eq!(progress[1]["status"], "FAILED");
    assert!(progress[1]["error"].as_str().unwrap().contains("bad deploy spreading"));
    assert_eq!(progress[2]["status"], "PENDING", "nothing starts after the switch");
    assert_eq!(state(&app).await["deployed"], json!({}), "the completed deploy was compensated");

    // While engaged: proposals are refused naming the scope and reason; approvals still work
    // and the approved plan is held in the queue.
    let input = json!({"in": {"org": app.org, "project": "web", "steps": [{"action": "state.set", "params": {"key": "x", "value": 1}}]}});
    let refused = app.gql(Some(&app.admin_key), PROPOSE, input).await;
    assert_eq!(code(&refused), "KILL_SWITCH");
    let ext = &refused["errors"][0]["extensions"];
    assert_eq!((ext["scope"].as_str(), ext["reason"].as_str()), (Some("project"), Some("bad deploy spreading")));
    let d = app
        .admin(
            "query($o: String!) { project(org: $o, slug: \"web\") { killSwitch { scope reason engagedBy } } }",
            json!({"o": app.org}),
        )
        .await;
    assert_eq!(d["project"]["killSwitch"]["reason"], "bad deploy spreading");
    assert_eq!(d["project"]["killSwitch"]["engagedBy"], app.admin_email.as_str());

    assert_eq!(approve(&app, &carol, &held).await["data"]["approvePlan"]["status"], "QUEUED");
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    assert_eq!(plan_status(&app, &held).await, "QUEUED", "held while the switch is engaged");

    // Release, resuming: the held plan runs.
    let released = app
        .admin(SET_KILL, json!({"in": {"scope": "PROJECT", "org": app.org, "project": "web", "engaged": false, "onRelease": "RESUME"}}))
        .await;
    assert_eq!(released["setKillSwitch"]["releaseMode"], "resume");
    assert_eq!(released["setKillSwitch"]["plansAffected"], 1);
    wait_for_status(&app, &app.admin_key, &held, "SUCCEEDED").await;
    assert_eq!(state(&app).await["count"], 1);

    // Engage again, hold one, release cancelling it.
    app.admin(SET_KILL, json!({"in": {"scope": "PROJECT", "org": app.org, "project": "web", "engaged": true, "reason": "second incident"}}))
        .await;
    approve(&app, &carol, &cancelled).await;
    app.admin(
        SET_KILL,
        json!({"in": {"scope": "PROJECT", "org": app.org, "project": "web", "engaged": false, "onRelease": "CANCEL"}}),
    )
    .await;
    wait_for_status(&app, &app.admin_key, &cancelled, "CANCELLED").await;
    assert_eq!(state(&app).await["count"], 1);
    let d = app
        .admin("query($o: String!) { project(org: $o, slug: \"web\") { killSwitch { scope } } }", json!({"o": app.org}))
        .await;
    assert_eq!(d["project"]["killSwitch"], Value::Null);

    // Who, why and when are audited; the killed plan replays identically.
    let log = audit_kinds(&app, "killswitch.").await;
    let kinds: Vec<&str> = log.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["killswitch.released", "killswitch.engaged", "killswitch.released", "killswitch.engaged"]);
    assert_eq!(log[3]["payload"]["reason"], "bad deploy spreading");
    assert_eq!(log[0]["payload"]["onRelease"], "cancel");
    let r = app.admin("query($id: ID!) { replayPlan(id: $id) { identical } }", json!({"id": id})).await;
    assert_eq!(r["replayPlan"]["identical"], true);
}

#[tokio::test]
async fn kill_switches_need_rights_and_a_reason() {
    let app = spawn_app().await;
    app.project("web").await;
    let (operator, _) = app.user_with_role("operator", None).await;
    let project = |engaged: bool, reason: &str| json!({"in": {"scope": "PROJECT", "org": app.org, "project": "web", "engaged": engaged, "reason": reason}});
    assert_eq!(code(&app.gql(Some(&operator), SET_KILL, project(true, "x")).await), "FORBIDDEN");
    let global = json!({"in": {"scope": "GLOBAL", "engaged": true, "reason": "x"}});
    assert_eq!(code(&app.gql(Some(&operator), SET_KILL, global).await), "FORBIDDEN");
    assert_eq!(code(&app.gql(Some(&app.admin_key), SET_KILL, project(true, " ")).await), "VALIDATION");
    assert_eq!(code(&app.gql(Some(&app.admin_key), SET_KILL, project(false, "")).await), "CONFLICT");
    let (other, other_key) = other_org(&app).await;
    let theirs = json!({"in": {"scope": "ORG", "org": other, "engaged": true, "reason": "x"}});
    assert_eq!(code(&app.gql(Some(&app.admin_key), SET_KILL, theirs).await), "NOT_FOUND");
    let no_project = json!({"in": {"scope": "ORG", "org": app.org, "project": "web", "engaged": true, "reason": "x"}});
    assert_eq!(code(&app.gql(Some(&app.admin_key), SET_KILL, no_project).await), "VALIDATION");
    // The org switch stops every project of the org, and no other org.
    app.admin(SET_KILL, json!({"in": {"scope": "ORG", "org": app.org, "engaged": true, "reason": "org freeze"}})).await;
    let input = json!({"in": {"org": app.org, "project": "web", "steps": [{"action": "state.set", "params": {"key": "x", "value": 1}}]}});
    let r = app.gql(Some(&app.admin_key), PROPOSE, input).await;
    assert_eq!((code(&r), r["errors"][0]["extensions"]["scope"].as_str()), ("KILL_SWITCH".to_string(), Some("org")));
    let d = app
        .gql(Some(&other_key), "query($o: String!) { org(slug: $o) { killSwitch { scope } } }", json!({"o": other}))
        .await;
    assert_eq!(ok(d)["org"]["killSwitch"], Value::Null);
}

#[tokio::test]
async fn the_global_kill_switch_is_for_instance_administrators() {
    // A global switch stops every organization: it gets a database of its own.
    let app = spawn_with(SpawnOptions { database_url: own_database().await, ..Default::default() }).await;
    app.project("web").await;
    let (other, other_key) = other_org(&app).await;
    app.gql(
        Some(&other_key),
        "mutation($o: String!) { createProject(input: {org: $o, slug: \"web\", name: \"web\"}) { id } }",
        json!({"o": other}),
    )
    .await;
    // The harness's administrator is the instance administrator (they bootstrapped it), but
    // an organization's API key never carries instance-wide powers: it takes a session.
    let global = json!({"in": {"scope": "GLOBAL", "engaged": true, "reason": "datacenter fire"}});
    assert_eq!(code(&app.gql(Some(&app.admin_key), SET_KILL, global.clone()).await), "FORBIDDEN");
    let session = app.session_cookie(&app.admin_email).await;
    let engaged = ok(app.gql_cookie(&session, SET_KILL, global).await);
    assert_eq!(engaged["setKillSwitch"]["scope"], "GLOBAL");
    let step = json!([{"action": "state.set", "params": {"key": "x", "value": 1}}]);
    for (org, key) in [(app.org.clone(), app.admin_key.clone()), (other.clone(), other_key.clone())] {
        let r = app.gql(Some(&key), PROPOSE, json!({"in": {"org": org, "project": "web", "steps": step}})).await;
        assert_eq!(code(&r), "KILL_SWITCH");
        assert_eq!(r["errors"][0]["extensions"]["scope"], "global");
    }
    // Both organizations' chains record it.
    let theirs = app
        .gql(Some(&other_key), "query($o: String!) { org(slug: $o) { auditLog(first: 5, kind: \"killswitch.\") { edges { node { kind } } } } }", json!({"o": other}))
        .await;
    assert_eq!(ok(theirs)["org"]["auditLog"]["edges"][0]["node"]["kind"], "killswitch.engaged");
    ok(app.gql_cookie(&session, SET_KILL, json!({"in": {"scope": "GLOBAL", "engaged": false}})).await);
    propose(&app, &app.admin_key, "web", step, json!({})).await;
}

const AUTONOMY: &str = r#"
apiVersion: praetor.dev/v1
kind: Action
metadata: { name: work.risky, org: "{org}" }
spec:
  params: { type: object }
  handler: { builtin: state.increment, with: { key: work.risky } }
  cost: 1
  risk: high
---
apiVersion: praetor.dev/v1
kind: Action
metadata: { name: work.big, org: "{org}" }
spec:
  params: { type: object }
  handler: { builtin: state.increment, with: { key: work.big } }
  cost: 20
---
apiVersion: praetor.dev/v1
kind: Policy
metadata: { name: robots, org: "{org}" }
spec:
  budget: { daily: 100, unit: credits, timezone: UTC }
  autonomy: { mode: autonomous, maxRisk: low, maxCostPerPlan: 15, maxPlansPerHour: 4 }
"#;

/// A service account with `role` org-wide and an API key for it.
async fn robot(app: &TestApp, role: &str) -> String {
    let sa = app
        .admin(
            "mutation($o: String!) { createServiceAccount(input: {org: $o, name: \"robot\"}) { id } }",
            json!({"o": app.org}),
        )
        .await["createServiceAccount"]["id"]
        .clone();
    app.admin(
        "mutation($in: BindRoleInput!) { bindRole(input: $in) { id } }",
        json!({"in": {"org": app.org, "role": role, "subject": {"serviceAccountId": sa}}}),
    )
    .await;
    app.admin(
        "mutation($in: CreateApiKeyInput!) { createApiKey(input: $in) { secret } }",
        json!({"in": {"org": app.org, "name": "robot", "serviceAccountId": sa}}),
    )
    .await["createApiKey"]["secret"]
        .as_str()
        .unwrap()
        .to_string()
}

const PROPOSE_FULL: &str = "mutation($in: ProposePlanInput!) { proposePlan(input: $in) { id status preview { verdict unattended autoRun checks { name verdict code message } } } }";

async fn propose_full(app: &TestApp, key: &str, steps: Value) -> Value {
    let r = app.gql(Some(key), PROPOSE_FULL, json!({"in": {"org": app.org, "project": "web", "steps": steps}})).await;
    ok(r)["proposePlan"].clone()
}

fn autonomy_check(plan: &Value) -> Value {
    plan["preview"]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "autonomy")
        .cloned()
        .unwrap_or(Value::Null)
}

#[tokio::test]
async fn unattended_plans_run_alone_inside_limits_and_fall_back_to_people() {
    let clock = Arc::new(ManualClock::new(utc("2026-11-24T12:00:00Z")));
    let app = spawn_with(SpawnOptions { clock: Some(clock.clone()), ..Default::default() }).await;
    app.project("web").await;
    apply(&app, &[("work.yaml", WORK), ("autonomy.yaml", AUTONOMY)]).await;
    let bot = robot(&app, "operator").await;
    let (carol, _) = app.user_with_role("approver", None).await;
    let unit = json!([{"action": "work.unit"}]);

    // Inside every limit: it runs without anyone starting it.
    let alone = propose_full(&app, &bot, unit.clone()).await;
    assert_eq!(alone["preview"]["verdict"], "ALLOWED");
    assert_eq!(alone["preview"]["unattended"], true);
    assert_eq!(alone["preview"]["autoRun"], true);
    assert_eq!(autonomy_check(&alone)["code"], "OK");
    wait_for_status(&app, &app.admin_key, alone["id"].as_str().unwrap(), "SUCCEEDED").await;

    // People are not subject to autonomy: the admin spends 50 more today.
    for _ in 0..5 {
        let p = propose_full(&app, &app.admin_key, unit.clone()).await;
        assert_eq!(p["preview"]["unattended"], false);
        assert_eq!(autonomy_check(&p), Value::Null);
        let id = p["id"].as_str().unwrap();
        app.admin("mutation($id: ID!) { executePlan(planId: $id) { status } }", json!({"id": id})).await;
        wait_for_status(&app, &app.admin_key, id, "SUCCEEDED").await;
    }
    // 60 spent by noon forecasts 60 more by midnight: with 10 more that is over 100, although
    // the plan itself fits the budget. It waits for a person.
    let forecast = propose_full(&app, &bot, unit.clone()).await;
    assert_eq!(forecast["status"], "PENDING_APPROVAL");
    assert_eq!(autonomy_check(&forecast)["code"], "FORECAST_OVER_BUDGET");
    assert!(autonomy_check(&forecast)["message"].as_str().unwrap().contains("130.0"));
    let risky = propose_full(&app, &bot, json!([{"action": "work.risky"}])).await;
    assert_eq!(
        (risky["preview"]["verdict"].as_str(), autonomy_check(&risky)["code"].as_str()),
        (Some("NEEDS_APPROVAL"), Some("AUTONOMY_RISK"))
    );
    let big = propose_full(&app, &bot, json!([{"action": "work.big"}])).await;
    assert_eq!(autonomy_check(&big)["code"], "AUTONOMY_COST");
    // Four unattended plans this hour: the fifth waits whatever it is.
    let fifth = propose_full(&app, &bot, json!([{"action": "state.set", "params": {"key": "k", "value": 1}}])).await;
    assert_eq!(autonomy_check(&fifth)["code"], "AUTONOMY_RATE");

    // Any approver may answer a fallback; the robot never approves.
    assert_eq!(code(&approve(&app, &bot, risky["id"].as_str().unwrap()).await), "FORBIDDEN");
    let approved = approve(&app, &carol, risky["id"].as_str().unwrap()).await;
    assert_eq!(approved["data"]["approvePlan"]["status"], "APPROVED");

    // An approver pauses autonomy: even a small plan in a new hour waits, until resumed.
    clock.set(utc("2026-11-24T23:30:00Z"));
    let pause =
        "mutation($in: AutonomyInput!) { pauseAutonomy(input: $in) { autonomy { paused pausedBy pauseReason } } }";
    let (viewer, _) = app.user_with_role("viewer", None).await;
    let input = json!({"in": {"org": app.org, "project": "web", "reason": "investigating"}});
    assert_eq!(code(&app.gql(Some(&viewer), pause, input.clone()).await), "FORBIDDEN");
    let paused = ok(app.gql(Some(&carol), pause, input.clone()).await);
    assert_eq!(paused["pauseAutonomy"]["autonomy"]["paused"], true);
    assert_eq!(paused["pauseAutonomy"]["autonomy"]["pauseReason"], "investigating");
    let set = json!([{"action": "state.set", "params": {"key": "k", "value": 2}}]);
    let waits = propose_full(&app, &bot, set.clone()).await;
    assert_eq!(autonomy_check(&waits)["code"], "AUTONOMY_PAUSED");
    assert!(autonomy_check(&waits)["message"].as_str().unwrap().contains("investigating"));
    ok(app
        .gql(Some(&carol), "mutation($in: AutonomyInput!) { resumeAutonomy(input: $in) { id } }", input.clone())
        .await);
    let runs = propose_full(&app, &bot, set).await;
    assert_eq!(runs["preview"]["autoRun"], true, "{runs:#}");
    let status = app
        .admin("query($o: String!) { project(org: $o, slug: \"web\") { autonomy { configured mode maxRisk maxPlansPerHour paused unattendedPlansLastHour } } }", json!({"o": app.org}))
        .await;
    assert_eq!(
        status["project"]["autonomy"],
        json!({"configured": true, "mode": "AUTONOMOUS", "maxRisk": "LOW", "maxPlansPerHour": 4, "paused": false, "unattendedPlansLastHour": 2})
    );
    let log = audit_kinds(&app, "autonomy.").await;
    assert_eq!(
        log.iter().map(|e| e["kind"].as_str().unwrap()).collect::<Vec<_>>(),
        ["autonomy.resumed", "autonomy.paused"]
    );
}

const GRANTS: &str = r#"
apiVersion: praetor.dev/v1
kind: Policy
metadata: { name: jit, org: "{org}" }
spec:
  grants: { maxDuration: 2h }
"#;

const GRANT: &str = "mutation($in: GrantTemporaryRoleInput!) { grantTemporaryRole(input: $in) { id status role scope project validFrom validUntil requestedBy } }";

#[tokio::test]
async fn temporary_grants_end_by_themselves_mid_session() {
    let clock = Arc::new(ManualClock::new(utc("2026-11-24T10:00:00Z")));
    let app = spawn_with(SpawnOptions { clock: Some(clock.clone()), ..Default::default() }).await;
    app.project("web").await;
    apply(&app, &[("jit.yaml", GRANTS)]).await;
    let (_, dana) = app.user_with_role("viewer", None).await;
    let session = app.session_cookie(&dana).await;
    let input = json!({"in": {"org": app.org, "project": "web", "steps": [{"action": "state.set", "params": {"key": "x", "value": 1}}]}});
    assert_eq!(code(&app.gql_cookie(&session, PROPOSE, input.clone()).await), "FORBIDDEN");

    let grant = |until: &str, from: Option<&str>| {
        json!({"in": {"org": app.org, "role": "operator", "subject": {"userEmail": dana}, "project": "web",
                      "from": from, "until": until, "reason": "incident 42"}})
    };
    // Longer than policy allows.
    let r = app.gql(Some(&app.admin_key), GRANT, grant("2026-11-24T12:30:00Z", None)).await;
    assert_eq!(code(&r), "VALIDATION");
    assert!(r["errors"][0]["message"].as_str().unwrap().contains("maxDuration"), "{r:#}");
    assert_eq!(code(&app.gql(Some(&app.admin_key), GRANT, grant("2026-11-24T09:00:00Z", None)).await), "VALIDATION");

    let g = app.admin(GRANT, grant("2026-11-24T11:00:00Z", None)).await["grantTemporaryRole"].clone();
    assert_eq!(
        (g["status"].as_str(), g["scope"].as_str(), g["project"].as_str()),
        (Some("ACTIVE"), Some("PROJECT"), Some("web"))
    );
    ok(app.gql_cookie(&session, PROPOSE, input.clone()).await);
    clock.set(utc("2026-11-24T10:59:59Z"));
    ok(app.gql_cookie(&session, PROPOSE, input.clone()).await);
    // The same session, one second later: the grant is over, before any cleanup has run.
    clock.set(utc("2026-11-24T11:00:00Z"));
    assert_eq!(code(&app.gql_cookie(&session, PROPOSE, input.clone()).await), "FORBIDDEN");
    let listed = app
        .admin(
            "query($o: String!) { org(slug: $o) { roleGrants(open: false) { id status subject reason } } }",
            json!({"o": app.org}),
        )
        .await;
    assert_eq!(listed["org"]["roleGrants"][0]["status"], "EXPIRED");
    assert_eq!(listed["org"]["roleGrants"][0]["reason"], "incident 42");

    // A grant that starts later counts only from then.
    let later = app.admin(GRANT, grant("2026-11-24T13:00:00Z", Some("2026-11-24T12:00:00Z"))).await;
    assert_eq!(later["grantTemporaryRole"]["status"], "SCHEDULED");
    assert_eq!(code(&app.gql_cookie(&session, PROPOSE, input.clone()).await), "FORBIDDEN");
    clock.set(utc("2026-11-24T12:00:00Z"));
    ok(app.gql_cookie(&session, PROPOSE, input.clone()).await);
    // Revoked: gone at once.
    let id = later["grantTemporaryRole"]["id"].clone();
    app.admin("mutation($id: ID!) { revokeRoleGrant(id: $id, reason: \"done early\") { status } }", json!({"id": id}))
        .await;
    assert_eq!(code(&app.gql_cookie(&session, PROPOSE, input.clone()).await), "FORBIDDEN");

    // Asking for oneself: pending until someone else with role.bind approves.
    let mine = app.gql_cookie(&session, GRANT, grant("2026-11-24T13:00:00Z", None)).await;
    let mine = ok(mine)["grantTemporaryRole"].clone();
    assert_eq!((mine["status"].as_str(), mine["requestedBy"].as_str()), (Some("PENDING"), Some(dana.as_str())));
    assert_eq!(code(&app.gql_cookie(&session, PROPOSE, input.clone()).await), "FORBIDDEN");
    // The admin's inbox holds it; dana's does not (she asked for it).
    let open = "query($o: String!) { org(slug: $o) { roleGrants(open: true) { id viewerCanDecide } } }";
    let can_decide = |listed: Value| {
        listed["org"]["roleGrants"].as_array().unwrap().iter().find(|g| g["id"] == mine["id"]).unwrap()["viewerCanDecide"]
            .clone()
    };
    assert_eq!(can_decide(app.admin(open, json!({"o": app.org})).await), true);
    assert_eq!(can_decide(ok(app.gql_cookie(&session, open, json!({"o": app.org})).await)), false);
    let approve = "mutation($id: ID!) { approveRoleGrant(id: $id) { status decidedBy validFrom validUntil } }";
    assert_eq!(code(&app.gql_cookie(&session, approve, json!({"id": mine["id"]})).await), "FORBIDDEN");
    // Approved 20 minutes after it was asked for: the hour starts now, not when it was asked.
    clock.set(utc("2026-11-24T12:20:00Z"));
    let approved = app.admin(approve, json!({"id": mine["id"]})).await;
    assert_eq!(approved["approveRoleGrant"]["status"], "ACTIVE");
    let window = (&approved["approveRoleGrant"]["validFrom"], &approved["approveRoleGrant"]["validUntil"]);
    assert_eq!(window, (&json!("2026-11-24T12:20:00+00:00"), &json!("2026-11-24T13:20:00+00:00")), "{approved:#}");
    ok(app.gql_cookie(&session, PROPOSE, input.clone()).await);
    clock.set(utc("2026-11-24T13:10:00Z"));
    ok(app.gql_cookie(&session, PROPOSE, input.clone()).await);
    assert_eq!(code(&app.gql(Some(&app.admin_key), approve, json!({"id": mine["id"]})).await), "CONFLICT");

    // Asking for someone else without role.bind is refused; other tenants see nothing.
    let for_admin = json!({"in": {"org": app.org, "role": "operator", "subject": {"userEmail": app.admin_email}, "until": "2026-11-24T14:00:00Z", "reason": "x"}});
    assert_eq!(code(&app.gql_cookie(&session, GRANT, for_admin).await), "FORBIDDEN");
    let (_, other_key) = other_org(&app).await;
    assert_eq!(code(&app.gql(Some(&other_key), approve, json!({"id": mine["id"]})).await), "NOT_FOUND");
    let bad_role = json!({"in": {"org": app.org, "role": "root", "subject": {"userEmail": dana}, "until": "2026-11-24T14:00:00Z", "reason": "x"}});
    assert_eq!(code(&app.gql(Some(&app.admin_key), GRANT, bad_role).await), "VALIDATION");

    let log = audit_kinds(&app, "role.grant").await;
    let kinds: Vec<&str> = log.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    for k in ["role.granted_temporarily", "role.grant_revoked", "role.grant_requested", "role.grant_approved"] {
        assert!(kinds.contains(&k), "{k} missing from {kinds:?}");
    }
}

#[tokio::test]
async fn grants_that_policy_reviews_need_a_second_person() {
    let app = spawn_app().await;
    app.project("web").await;
    let reviewed = GRANTS.replace("maxDuration: 2h", "maxDuration: 8h, requireApproval: true");
    apply(&app, &[("jit.yaml", reviewed.as_str())]).await;
    let (_, dana) = app.user_with_role("viewer", None).await;
    let (second_admin, _) = app.user_with_role("org_admin", None).await;
    let until = (praetor::clock::Clock::now(&praetor::clock::SystemClock) + Duration::hours(1)).to_rfc3339();
    let g = app
        .admin(GRANT, json!({"in": {"org": app.org, "role": "operator", "subject": {"userEmail": dana}, "until": until, "reason": "on call"}}))
        .await["grantTemporaryRole"]
        .clone();
    assert_eq!(g["status"], "PENDING");
    let approve = "mutation($id: ID!) { approveRoleGrant(id: $id) { status } }";
    assert_eq!(code(&app.gql(Some(&app.admin_key), approve, json!({"id": g["id"]})).await), "FORBIDDEN");
    let done = ok(app.gql(Some(&second_admin), approve, json!({"id": g["id"]})).await);
    assert_eq!(done["approveRoleGrant"]["status"], "ACTIVE");
}
