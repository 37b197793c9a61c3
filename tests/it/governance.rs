//! Governance limits through the API: rate limits at proposal and execution (exact window
//! boundaries on an injected clock), executions deferred by a closed window, daily budgets
//! (reservation races, settlement, alerts, the org capping its projects) and explanations.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use praetor::clock::ManualClock;
use praetor_tests::*;
use serde_json::{Value, json};

pub fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

/// Applies policy documents (YAML with `{org}` standing for the test org) as the admin.
pub async fn apply(app: &TestApp, docs: &[(&str, &str)]) {
    let sources: Vec<Value> =
        docs.iter().map(|(name, text)| json!({"name": name, "text": text.replace("{org}", &app.org)})).collect();
    app.admin(APPLY, json!({"in": {"org": app.org, "sources": sources, "comment": "test"}})).await;
}

/// An action costing `cost` credits that counts in the project state.
pub const WORK: &str = r#"
apiVersion: praetor.dev/v1
kind: Action
metadata: { name: work.unit, org: "{org}" }
spec:
  description: One unit of paid work
  params: { type: object, properties: { n: { type: integer, default: 1 } } }
  handler: { builtin: state.increment, with: { key: work.done } }
  cost: 10
  risk: low
"#;

pub async fn audit_kinds(app: &TestApp, prefix: &str) -> Vec<Value> {
    let d = app
        .admin(
            "query($o: String!, $k: String) { org(slug: $o) { auditLog(first: 100, kind: $k) { edges { node { kind subject payload } } } } }",
            json!({"o": app.org, "k": prefix}),
        )
        .await;
    d["org"]["auditLog"]["edges"].as_array().unwrap().iter().map(|e| e["node"].clone()).collect()
}

fn check<'a>(plan: &'a Value, name: &str) -> &'a Value {
    plan["preview"]["steps"][0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no {name} check in {plan:#}"))
}

const RATE_POLICY: &str = r#"
apiVersion: praetor.dev/v1
kind: Policy
metadata: { name: rates, org: "{org}" }
spec:
  limits:
    - { name: sets, actions: ["state.set"], perMinute: 3, perHour: 5, scope: project }
    - { name: mine, actions: ["state.delete"], perMinute: 1, scope: principal }
"#;

#[tokio::test]
async fn rate_limits_refuse_at_exact_window_boundaries() {
    let clock = Arc::new(ManualClock::new(utc("2026-11-24T10:00:00Z")));
    let app = spawn_with(SpawnOptions { clock: Some(clock.clone()), ..Default::default() }).await;
    app.project("web").await;
    apply(&app, &[("rates.yaml", RATE_POLICY)]).await;
    let set = json!([{"action": "state.set", "params": {"key": "a", "value": 1}}]);
    // Three per minute: proposals at :00, :20 and :40 pass, the fourth is refused.
    for secs in [0, 20, 40] {
        clock.set(utc("2026-11-24T10:00:00Z") + Duration::seconds(secs));
        propose(&app, &app.admin_key, "web", set.clone(), json!({})).await;
    }
    clock.set(utc("2026-11-24T10:00:59Z"));
    let input = json!({"in": {"org": app.org, "project": "web", "steps": set}});
    let refused = app.gql(Some(&app.admin_key), PROPOSE, input.clone()).await;
    assert_eq!(code(&refused), "RATE_LIMITED");
    assert_eq!(refused["errors"][0]["extensions"]["retryAfterSeconds"], 1, "{refused:#}");
    assert!(refused["errors"][0]["message"].as_str().unwrap().contains("`org:sets` allows 3 per minute"));
    // The first proposal stops counting exactly one minute after it was made.
    clock.set(utc("2026-11-24T10:01:00Z"));
    let p4 = ok(app.gql(Some(&app.admin_key), PROPOSE, input.clone()).await);
    assert_eq!(p4["proposePlan"]["preview"]["verdict"], "ALLOWED");
    // Five per hour: the fifth passes a minute later, the sixth is refused until 11:00:00.
    clock.set(utc("2026-11-24T10:02:00Z"));
    ok(app.gql(Some(&app.admin_key), PROPOSE, input.clone()).await);
    clock.set(utc("2026-11-24T10:30:00Z"));
    let hourly = app.gql(Some(&app.admin_key), PROPOSE, input.clone()).await;
    assert_eq!(code(&hourly), "RATE_LIMITED");
    assert_eq!(hourly["errors"][0]["extensions"]["retryAfterSeconds"], 30 * 60);
    assert!(hourly["errors"][0]["message"].as_str().unwrap().contains("5 per hour"));
    assert!(hourly["errors"][0]["message"].as_str().unwrap().ends_with("room again at 2026-11-24T11:00:00Z"));
    // Known to this process until 11:00: answered from memory, the same refusal, with the
    // time left.
    clock.set(utc("2026-11-24T10:59:59Z"));
    let cached = app.gql(Some(&app.admin_key), PROPOSE, input.clone()).await;
    assert_eq!(code(&cached), "RATE_LIMITED");
    assert_eq!(cached["errors"][0]["extensions"]["retryAfterSeconds"], 1);
    assert_eq!(cached["errors"][0]["message"], hourly["errors"][0]["message"], "{cached:#}");
    clock.set(utc("2026-11-24T11:00:00Z"));
    ok(app.gql(Some(&app.admin_key), PROPOSE, input.clone()).await);
    // The dashboard view: 10:00:00 has just stopped counting, 10:00:20 still counts.
    let d = app
        .admin("query($o: String!) { project(org: $o, slug: \"web\") { rateLimits { name scope proposalsLastMinute proposalsLastHour executionsLastHour proposalsFreeAt executionsFreeAt perMinute perHour } } }", json!({"o": app.org}))
        .await;
    let sets = d["project"]["rateLimits"].as_array().unwrap().iter().find(|l| l["name"] == "org:sets").unwrap().clone();
    assert_eq!(sets["scope"], "PROJECT");
    assert_eq!((sets["perMinute"].as_i64(), sets["perHour"].as_i64()), (Some(3), Some(5)));
    assert_eq!((sets["proposalsLastMinute"].as_i64(), sets["proposalsLastHour"].as_i64()), (Some(1), Some(5)));
    assert_eq!(sets["executionsLastHour"], 0);
    assert_eq!(sets["executionsFreeAt"], Value::Null);
    // Five this hour: the next proposal fits when 10:00:20 stops counting.
    assert_eq!(sets["proposalsFreeAt"], "2026-11-24T11:00:20+00:00");

    // A plan that alone asks for more than the limit never fits.
    let four = json!([
        {"action": "state.set", "params": {"key": "a", "value": 1}},
        {"action": "state.set", "params": {"key": "b", "value": 1}},
        {"action": "state.set", "params": {"key": "c", "value": 1}},
        {"action": "state.set", "params": {"key": "d", "value": 1}},
    ]);
    clock.set(utc("2026-11-24T13:00:00Z"));
    let big =
        app.gql(Some(&app.admin_key), PROPOSE, json!({"in": {"org": app.org, "project": "web", "steps": four}})).await;
    assert_eq!(code(&big), "RATE_LIMITED");
    assert!(big["errors"][0]["message"].as_str().unwrap().contains("this plan alone"), "{big:#}");

    // Per-principal limits count each principal separately.
    let (bob, _) = app.user_with_role("operator", None).await;
    let del = json!({"in": {"org": app.org, "project": "web", "steps": [{"action": "state.delete", "params": {"key": "a"}}]}});
    ok(app.gql(Some(&app.admin_key), PROPOSE, del.clone()).await);
    assert_eq!(code(&app.gql(Some(&app.admin_key), PROPOSE, del.clone()).await), "RATE_LIMITED");
    ok(app.gql(Some(&bob), PROPOSE, del.clone()).await);

    // Refusals are audited; nothing of the refused plans is kept.
    let refusals = audit_kinds(&app, "plan.refused").await;
    assert_eq!(refusals.len(), 5, "{refusals:#?}");
    assert_eq!(refusals[0]["payload"]["code"], "RATE_LIMITED");
    let d = app
        .admin(
            "query($o: String!) { project(org: $o, slug: \"web\") { plans(first: 50) { edges { cursor } } } }",
            json!({"o": app.org}),
        )
        .await;
    assert_eq!(d["project"]["plans"]["edges"].as_array().unwrap().len(), 8);
}

const WINDOW_POLICY: &str = r#"
apiVersion: praetor.dev/v1
kind: Policy
metadata: { name: hours, org: "{org}" }
spec:
  windows:
    - { name: office, actions: ["state.increment"], days: [mon, tue, wed, thu, fri], from: "09:00", to: "17:00", timezone: Europe/Berlin }
  limits:
    - { name: ticks, actions: ["state.increment"], perMinute: 1, scope: project }
"#;

#[tokio::test]
async fn executions_wait_for_their_window_and_their_rate_limit() {
    // Friday 16:59:50 in Berlin (UTC+1 in November).
    let clock = Arc::new(ManualClock::new(utc("2026-11-27T15:59:50Z")));
    let app = spawn_with(SpawnOptions { clock: Some(clock.clone()), ..Default::default() }).await;
    app.project("web").await;
    apply(&app, &[("hours.yaml", WINDOW_POLICY)]).await;
    let steps = json!([
        {"id": "wait", "action": "delay", "params": {"seconds": 30}},
        {"id": "tick", "action": "state.increment", "params": {"key": "ticks"}},
    ]);
    // Proposed inside the window; its increment comes up after 17:00 and must wait for Monday.
    let plan = propose(&app, &app.admin_key, "web", steps, json!({"runWhenApproved": true})).await;
    assert_eq!(plan["preview"]["verdict"], "ALLOWED");
    let id = plan["id"].as_str().unwrap();
    wait_for_event(&app, id, "StepWaiting").await;
    clock.set(utc("2026-11-27T16:00:30Z"));
    let deferred = wait_for_event(&app, id, "StepDeferred").await;
    assert_eq!(deferred["code"], "OUTSIDE_WINDOW");
    assert_eq!(deferred["until"], "2026-11-30T08:00:00Z", "Monday 09:00 in Berlin");
    // Saturday: still waiting; Monday 09:00: it runs.
    clock.set(utc("2026-11-28T12:00:00Z"));
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    assert_eq!(plan_status(&app, id).await, "RUNNING");
    clock.set(utc("2026-11-30T08:00:00Z"));
    wait_for_status(&app, &app.admin_key, id, "SUCCEEDED").await;

    // The first plan ticked at 08:00:00: another tick must wait for that minute to pass.
    let one = json!([{"action": "state.increment", "params": {"key": "ticks"}}]);
    let b = propose(&app, &app.admin_key, "web", one, json!({})).await;
    let b = b["id"].as_str().unwrap();
    clock.advance(Duration::seconds(30));
    app.admin("mutation($id: ID!) { executePlan(planId: $id) { status } }", json!({"id": b})).await;
    let d = wait_for_event(&app, b, "StepDeferred").await;
    assert_eq!(d["code"], "RATE_LIMITED");
    assert_eq!(d["until"], "2026-11-30T08:01:00Z");
    clock.set(utc("2026-11-30T08:01:00Z"));
    wait_for_status(&app, &app.admin_key, b, "SUCCEEDED").await;
    let state =
        app.admin("query($o: String!) { project(org: $o, slug: \"web\") { state } }", json!({"o": app.org})).await;
    assert_eq!(state["project"]["state"]["ticks"], 2);
    // Replay agrees with what ran, deferrals included.
    let r = app.admin("query($id: ID!) { replayPlan(id: $id) { identical } }", json!({"id": id})).await;
    assert_eq!(r["replayPlan"]["identical"], true);
}

pub async fn plan_status(app: &TestApp, id: &str) -> String {
    let d = app.admin("query($id: ID!) { plan(id: $id) { status } }", json!({"id": id})).await;
    d["plan"]["status"].as_str().unwrap().to_string()
}

/// Waits for the plan's first event of `kind` (20 s at most) and returns its data.
pub async fn wait_for_event(app: &TestApp, id: &str, kind: &str) -> Value {
    let q = "query($id: ID!) { plan(id: $id) { events(first: 100) { edges { node { kind data } } } } }";
    for _ in 0..400 {
        let d = app.admin(q, json!({"id": id})).await;
        let events = d["plan"]["events"]["edges"].as_array().unwrap().clone();
        if let Some(e) = events.iter().find(|e| e["node"]["kind"] == kind) {
            return e["node"]["data"].clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("plan {id} never recorded {kind}");
}

const BUDGET_POLICY: &str = r#"
apiVersion: praetor.dev/v1
kind: Policy
metadata: { name: spend, org: "{org}", project: web }
spec:
  budget: { daily: 100, unit: credits, timezone: Europe/Berlin, alertAt: [0.8] }
"#;

#[tokio::test]
async fn fifty_plans_racing_never_overspend_a_budget() {
    let app = spawn_app().await;
    app.project("web").await;
    apply(&app, &[("work.yaml", WORK), ("spend.yaml", BUDGET_POLICY)]).await;
    // Fifty approved plans of 10 credits each; the budget has room for ten.
    let mut ids = Vec::new();
    for _ in 0..50 {
        let p = propose(&app, &app.admin_key, "web", json!([{"action": "work.unit"}]), json!({})).await;
        assert_eq!(p["status"], "APPROVED");
        ids.push(p["id"].as_str().unwrap().to_string());
    }
    let budget_q = "query($o: String!) { project(org: $o, slug: \"web\") { budget { limit spent reserved remaining unit timezone } } }";
    let watcher = {
        let client = app.client.clone();
        let url = app.url("/graphql");
        let key = app.admin_key.clone();
        let vars = json!({"o": app.org});
        tokio::spawn(async move {
            let mut worst: f64 = 0.0;
            for _ in 0..200 {
                let r: Value = client
                    .post(&url)
                    .bearer_auth(&key)
                    .json(&json!({"query": budget_q, "variables": vars}))
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                let b = &r["data"]["project"]["budget"];
                worst = worst.max(b["spent"].as_f64().unwrap() + b["reserved"].as_f64().unwrap());
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
            worst
        })
    };
    let runs = ids.iter().map(|id| {
        let app = &app;
        async move {
            app.gql(
                Some(&app.admin_key),
                "mutation($id: ID!) { executePlan(planId: $id) { status } }",
                json!({"id": id}),
            )
            .await
        }
    });
    let results = futures_util::future::join_all(runs).await;
    let queued: Vec<&String> =
        ids.iter().zip(&results).filter(|(_, r)| r.get("errors").is_none()).map(|(id, _)| id).collect();
    let refused: Vec<&Value> = results.iter().filter(|r| r.get("errors").is_some()).collect();
    assert_eq!(queued.len(), 10, "exactly the ten that fit are queued");
    assert_eq!(refused.len(), 40);
    for r in &refused {
        assert_eq!(code(r), "BUDGET_EXCEEDED");
        let ext = &r["errors"][0]["extensions"];
        assert_eq!(
            (ext["limit"].as_f64(), ext["cost"].as_f64(), ext["level"].as_str()),
            (Some(100.0), Some(10.0), Some("project"))
        );
        assert!(ext["spent"].as_f64().unwrap() + ext["reserved"].as_f64().unwrap() > 90.0, "{ext}");
    }
    for id in &queued {
        wait_for_status(&app, &app.admin_key, id, "SUCCEEDED").await;
    }
    let worst = watcher.await.unwrap();
    assert!(worst <= 100.0, "spent + reserved reached {worst}");
    let b = app.admin(budget_q, json!({"o": app.org})).await["project"]["budget"].clone();
    assert_eq!(
        (b["limit"].as_f64(), b["spent"].as_f64(), b["reserved"].as_f64(), b["remaining"].as_f64()),
        (Some(100.0), Some(100.0), Some(0.0), Some(0.0))
    );
    assert_eq!(b["timezone"], "Europe/Berlin");
    // The organization's ledger follows the sum of its projects.
    let org = app
        .admin("query($o: String!) { org(slug: $o) { budget { limit spent reserved } } }", json!({"o": app.org}))
        .await;
    assert_eq!((org["org"]["budget"]["limit"].as_f64(), org["org"]["budget"]["spent"].as_f64()), (None, Some(100.0)));
    // Crossing 80 % raised exactly one alert.
    let alerts = audit_kinds(&app, "budget.threshold_crossed").await;
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    assert_eq!(alerts[0]["payload"]["threshold"], 0.8);
    // With the day spent, the preview refuses more work and names the figures.
    let input = json!({"in": {"org": app.org, "project": "web", "steps": [{"action": "work.unit"}]}});
    let r = app.gql(Some(&app.admin_key), PROPOSE, input).await;
    assert_eq!(code(&r), "BUDGET_EXCEEDED");
    assert_eq!(r["errors"][0]["extensions"]["spent"], 100.0);
}

const ORG_CAP: &str = r#"
apiVersion: praetor.dev/v1
kind: Policy
metadata: { name: org-cap, org: "{org}" }
spec:
  budget: { daily: 25, unit: credits }
"#;

#[tokio::test]
async fn the_org_budget_caps_its_projects_and_failed_plans_release() {
    let app = spawn_app().await;
    app.project("web").await;
    app.project("api").await;
    apply(&app, &[("work.yaml", WORK), ("cap.yaml", ORG_CAP)]).await;
    let run = |project: &'static str| {
        let app = &app;
        async move {
            propose(app, &app.admin_key, project, json!([{"action": "work.unit"}]), json!({"runWhenApproved": true}))
                .await
        }
    };
    let a = run("web").await;
    wait_for_status(&app, &app.admin_key, a["id"].as_str().unwrap(), "SUCCEEDED").await;
    let b = run("api").await;
    wait_for_status(&app, &app.admin_key, b["id"].as_str().unwrap(), "SUCCEEDED").await;
    // 20 of 25 spent across both projects: a third plan anywhere does not fit.
    let input = json!({"in": {"org": app.org, "project": "web", "steps": [{"action": "work.unit"}]}});
    let r = app.gql(Some(&app.admin_key), PROPOSE, input).await;
    assert_eq!(code(&r), "BUDGET_EXCEEDED");
    assert_eq!(r["errors"][0]["extensions"]["level"], "org");
    let d = app.admin("query($o: String!) { org(slug: $o) { budget { limit spent remaining } } project(org: $o, slug: \"api\") { budget { limit spent } } }", json!({"o": app.org})).await;
    assert_eq!(
        (d["org"]["budget"]["spent"].as_f64(), d["org"]["budget"]["remaining"].as_f64()),
        (Some(20.0), Some(5.0))
    );
    assert_eq!(
        (d["project"]["budget"]["limit"].as_f64(), d["project"]["budget"]["spent"].as_f64()),
        (None, Some(10.0))
    );

    // A plan that fails after its paid step keeps what it spent and releases the rest.
    let cheap = r#"
apiVersion: praetor.dev/v1
kind: Action
metadata: { name: work.half, org: "{org}" }
spec:
  params: { type: object }
  handler: { builtin: state.increment, with: { key: work.half } }
  cost: 2
"#;
    apply(&app, &[("work.yaml", WORK), ("cap.yaml", ORG_CAP), ("half.yaml", cheap)]).await;
    let failing = propose(
        &app,
        &app.admin_key,
        "api",
        json!([{"action": "work.half"}, {"action": "state.increment", "params": {"key": "work.half.nope"}}, {"action": "work.half"}]),
        json!({"runWhenApproved": true}),
    )
    .await;
    let id = failing["id"].as_str().unwrap();
    assert_eq!(failing["preview"]["cost"], 4.0);
    wait_for_status(&app, &app.admin_key, id, "FAILED").await;
    let d =
        app.admin("query($o: String!) { org(slug: $o) { budget { spent reserved } } }", json!({"o": app.org})).await;
    assert_eq!(
        (d["org"]["budget"]["spent"].as_f64(), d["org"]["budget"]["reserved"].as_f64()),
        (Some(22.0), Some(0.0))
    );
}

const EXPLAIN: &str = "query($o: String!, $a: String!) { explainDecision(org: $o, project: \"web\", action: $a) { verdict checks { name verdict code message } } }";

#[tokio::test]
async fn explanations_name_every_governance_check() {
    let app = spawn_app().await;
    app.project("web").await;
    apply(&app, &[("work.yaml", WORK), ("spend.yaml", BUDGET_POLICY), ("rates.yaml", RATE_POLICY)]).await;
    let d = app.admin(EXPLAIN, json!({"o": app.org, "a": "work.unit"})).await;
    let names: Vec<&str> =
        d["explainDecision"]["checks"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    for n in ["rbac", "params", "kill_switch", "window", "policy", "budget"] {
        assert!(names.contains(&n), "{n} missing from {names:?}");
    }
    let p = propose(
        &app,
        &app.admin_key,
        "web",
        json!([{"action": "state.set", "params": {"key": "k", "value": 1}}]),
        json!({}),
    )
    .await;
    assert_eq!(check(&p, "rate_limit")["code"], "OK");
    let d = app.admin(EXPLAIN, json!({"o": app.org, "a": "state.set"})).await;
    let rate =
        d["explainDecision"]["checks"].as_array().unwrap().iter().find(|c| c["name"] == "rate_limit").unwrap().clone();
    assert_eq!(rate["code"], "OK");
    assert!(rate["message"].as_str().unwrap().contains("org:sets"));
}

/// A GraphQL request to a given server.
async fn gql_at(app: &TestApp, url: &str, query: &str, variables: Value) -> Value {
    let req = app.client.post(url).bearer_auth(&app.admin_key).json(&json!({"query": query, "variables": variables}));
    req.send().await.unwrap().json().await.unwrap()
}

#[tokio::test]
async fn limits_and_budgets_hold_across_server_processes() {
    let app = spawn_app().await;
    app.project("web").await;
    let small = BUDGET_POLICY.replace("daily: 100", "daily: 30");
    apply(&app, &[("work.yaml", WORK), ("spend.yaml", small.as_str()), ("rates.yaml", RATE_POLICY)]).await;
    let here = app.url("/graphql");
    let peer = app.spawn_peer().await;
    // Three state.set proposals a minute, whichever node takes them.
    let set = json!({"in": {"org": app.org, "project": "web", "steps": [{"action": "state.set", "params": {"key": "a", "value": 1}}]}});
    for url in [&here, &peer, &here] {
        ok(gql_at(&app, url, PROPOSE, set.clone()).await);
    }
    assert_eq!(code(&gql_at(&app, &peer, PROPOSE, set.clone()).await), "RATE_LIMITED");
    assert_eq!(code(&gql_at(&app, &here, PROPOSE, set.clone()).await), "RATE_LIMITED");

    // Ten plans of 10 credits against a budget of 30, executed through both nodes at once.
    let mut ids = Vec::new();
    for _ in 0..10 {
        ids.push(
            propose(&app, &app.admin_key, "web", json!([{"action": "work.unit"}]), json!({})).await["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let runs = ids.iter().enumerate().map(|(i, id)| {
        let url = if i % 2 == 0 { here.clone() } else { peer.clone() };
        let app = &app;
        async move {
            gql_at(app, &url, "mutation($id: ID!) { executePlan(planId: $id) { status } }", json!({"id": id})).await
        }
    });
    let results = futures_util::future::join_all(runs).await;
    let queued: Vec<&String> =
        ids.iter().zip(&results).filter(|(_, r)| r.get("errors").is_none()).map(|(id, _)| id).collect();
    assert_eq!(queued.len(), 3, "{results:#?}");
    assert!(results.iter().filter(|r| r.get("errors").is_some()).all(|r| code(r) == "BUDGET_EXCEEDED"));
    for id in queued {
        wait_for_status(&app, &app.admin_key, id, "SUCCEEDED").await;
    }
    let b = app
        .admin(
            "query($o: String!) { project(org: $o, slug: \"web\") { budget { spent reserved } } }",
            json!({"o": app.org}),
        )
        .await;
    assert_eq!(
        (b["project"]["budget"]["spent"].as_f64(), b["project"]["budget"]["reserved"].as_f64()),
        (Some(30.0), Some(0.0))
    );
}
