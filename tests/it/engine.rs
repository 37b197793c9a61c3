//! The engine under stress: random plans replay identically, tampering is caught, and a server
//! killed mid-plan resumes without repeating a completed step.

use praetor_tests::*;
use serde_json::{Value, json};

/// A small deterministic generator, so a failing case can be reproduced from its seed.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn random_step(rng: &mut XorShift) -> Value {
    let keys = ["a", "b", "c.d", "c.e", "f.g.h", "counter"];
    let key = keys[rng.below(keys.len() as u64) as usize];
    let value = match rng.below(4) {
        0 => json!(rng.below(1000)),
        1 => json!(format!("v{}", rng.below(50))),
        2 => json!({"n": rng.below(10), "tags": ["x", rng.below(3)]}),
        _ => json!(rng.below(2) == 1),
    };
    match rng.below(4) {
        0 => json!({"action": "state.set", "params": {"key": key, "value": value}}),
        1 => {
            json!({"action": "state.increment", "params": {"key": key, "by": rng.below(5)}, "onFailure": "CONTINUE"})
        }
        2 => json!({"action": "state.delete", "params": {"key": key}}),
        _ => {
            json!({"action": "state.patch", "params": {"key": "c", "patch": {"d": value, "z": null}}})
        }
    }
}

#[tokio::test]
async fn two_hundred_random_plans_replay_identically() {
    let app = spawn_app().await;
    app.project("fuzz").await;
    let seed = 0x5eed_1234_u64;
    let mut rng = XorShift(seed);
    let mut ids = Vec::new();
    for _ in 0..200 {
        let n = 1 + rng.below(5) as usize;
        let steps: Vec<Value> = (0..n).map(|_| random_step(&mut rng)).collect();
        let plan = propose(&app, &app.admin_key, "fuzz", json!(steps), json!({"runWhenApproved": true})).await;
        ids.push(plan["id"].as_str().unwrap().to_string());
    }
    // Wait for the engine to finish all of them.
    let q = "query($o: String!) { project(org: $o, slug: \"fuzz\") { queued: plans(first: 1, status: QUEUED) { edges { cursor } } running: plans(first: 1, status: RUNNING) { edges { cursor } } } }";
    for _ in 0..1200 {
        let d = app.admin(q, json!({"o": app.org})).await;
        if d["project"]["queued"]["edges"].as_array().unwrap().is_empty()
            && d["project"]["running"]["edges"].as_array().unwrap().is_empty()
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let project =
        praetor_store::ProjectId(
            uuid::Uuid::parse_str(
                &app.admin("query($o: String!) { project(org: $o, slug: \"fuzz\") { id } }", json!({"o": app.org}))
                    .await["project"]["id"]
                    .as_str()
                    .unwrap()[4..],
            )
            .unwrap(),
        );
    let org = praetor::services::orgs::enter_by_slug(&app.app, &admin_principal(&app).await, &app.org)
        .await
        .unwrap()
        .tenant();
    let reports =
        praetor::engine::replay::replay_project_plans(&app.app.db, &app.app.policies, org, project).await.unwrap();
    assert_eq!(reports.len(), 201, "200 plans and the project");
    // Read 7 plans at a time, the same reports: no plan's events or decisions are lost or
    // given to another at a batch's edge.
    let batched = praetor::engine::replay::replay_project_in_batches(&app.app.db, &app.app.policies, org, project, 7)
        .await
        .unwrap();
    assert_eq!(batched, reports);
    for r in &reports {
        assert!(r.identical(), "seed {seed:#x}: {r:#?}");
    }
    let finished: Vec<_> = reports.iter().filter(|r| r.state_hash.is_some()).collect();
    assert!(finished.len() > 150, "most plans changed state");
}

async fn admin_principal(app: &TestApp) -> praetor::auth::Principal {
    let u = praetor::services::users::find_by_email(&app.app.db, &app.admin_email).await.unwrap().unwrap();
    praetor::auth::Principal::new(praetor::auth::Subject::User(u))
}

#[tokio::test]
async fn a_tampered_event_is_caught_by_replay_and_by_audit_verify() {
    let app = spawn_app().await;
    app.project("web").await;
    let plan = propose(&app, &app.admin_key, "web", json!([{"action": "state.set", "params": {"key": "version", "value": 3}}, {"action": "state.set", "params": {"key": "done", "value": true}}]), json!({"runWhenApproved": true})).await;
    let id = plan["id"].as_str().unwrap().to_string();
    wait_for_status(&app, &app.admin_key, &id, "SUCCEEDED").await;
    let replay = "query($id: ID!) { replayPlan(id: $id) { identical divergedAt reason } }";
    assert_eq!(app.admin(replay, json!({"id": id})).await["replayPlan"]["identical"], true);

    let lit = uuid_literal(&id);
    app.execute_sql(&format!(
        "UPDATE plan_events SET data = REPLACE(data, '\"value\":3', '\"value\":4') WHERE plan_id = {lit} AND kind = 'StateChanged'"
    ))
    .await;

    let r = app.admin(replay, json!({"id": id})).await;
    assert_eq!(r["replayPlan"]["identical"], false);
    assert_eq!(r["replayPlan"]["divergedAt"], 5, "StateChanged is the 5th event: {r:#}");
    assert!(r["replayPlan"]["reason"].as_str().unwrap().contains("hash"), "{r:#}");

    let out = praetor_command()
        .args(["audit", "verify", "--org", &app.org])
        .env("PRAETOR_DATABASE_URL", &app.database_url)
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{text}");
    assert!(text.contains("BROKEN") && text.contains("differs from the copy anchored"), "{text}");

    let out = praetor_command()
        .args(["replay", "plan", &id])
        .env("PRAETOR_DATABASE_URL", &app.database_url)
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success());
    assert!(text.contains("DIVERGED at event 5"), "{text}");
}

#[tokio::test]
async fn a_project_replay_names_the_tampered_plan_and_the_plans_after_it() {
    let app = spawn_app().await;
    app.project("web").await;
    let mut ids = Vec::new();
    for v in 1..=3 {
        let steps = json!([{"action": "state.set", "params": {"key": "version", "value": v}}]);
        let plan = propose(&app, &app.admin_key, "web", steps, json!({"runWhenApproved": true})).await;
        let id = plan["id"].as_str().unwrap().to_string();
        wait_for_status(&app, &app.admin_key, &id, "SUCCEEDED").await;
        ids.push(id);
    }
    let replay = ["replay", "project", "web", "--org", app.org.as_str()];
    let (ok, out) = run_praetor(&replay, &app.database_url, &[]).await;
    assert!(ok, "{out}");
    assert_eq!(out.matches(": identical").count(), 4, "three plans and the project: {out}");

    let lit = uuid_literal(&ids[1]);
    app.execute_sql(&format!(
        "UPDATE plan_events SET data = REPLACE(data, '\"value\":2', '\"value\":7') WHERE plan_id = {lit} AND kind = 'StateChanged'"
    ))
    .await;
    let (ok, out) = run_praetor(&replay, &app.database_url, &[]).await;
    assert!(!ok, "{out}");
    let line =
        |id: &str| out.lines().find(|l| l.starts_with(id)).unwrap_or_else(|| panic!("{id} in {out}")).to_string();
    assert!(line(&ids[0]).contains("identical"), "the plan before is untouched: {out}");
    let tampered = line(&ids[1]);
    assert!(tampered.contains("DIVERGED") && tampered.contains("hash"), "{out}");
    assert!(!tampered.contains("before this one"), "{out}");
    let after = line(&ids[2]);
    assert!(after.contains("DIVERGED") && after.contains(&format!("(in plan {}, before this one)", ids[1])), "{out}");
    assert!(line("prj_").contains("DIVERGED"), "the project too: {out}");
}

async fn start_server(database_url: &str, org_id: &str, port: u16) -> ServeProcess {
    ServeProcess::start(database_url, org_id, port, &[]).await
}

async fn gql_at(port: u16, key: &str, query: &str, vars: Value) -> Value {
    reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/graphql"))
        .bearer_auth(key)
        .json(&json!({"query": query, "variables": vars}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_server_killed_mid_plan_resumes_without_repeating_a_step() {
    // The in-process server of spawn_app is only used to set the org up; the plan runs in a
    // separate `praetor serve` process that is killed with SIGKILL while the plan waits.
    let app = spawn_app().await;
    app.project("web").await;
    let org_id = app.admin("query($o: String!) { org(slug: $o) { id } }", json!({"o": app.org})).await["org"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let port = free_port();
    let mut server = start_server(&app.database_url, &org_id, port).await;
    let steps = json!([
        {"id": "first", "action": "state.increment", "params": {"key": "first"}},
        {"id": "wait", "action": "delay", "params": {"seconds": 2}},
        {"id": "second", "action": "state.increment", "params": {"key": "second"}},
    ]);
    let q = format!(
        "mutation($s: [StepInput!]!) {{ proposePlan(input: {{org: \"{}\", project: \"web\", steps: $s, runWhenApproved: true}}) {{ id }} }}",
        app.org
    );
    let r = gql_at(port, &app.admin_key, &q, json!({"s": steps})).await;
    let id = r["data"]["proposePlan"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_string();
    let status = "query($id: ID!) { plan(id: $id) { status progress { status } } }";
    let mut waiting = false;
    for _ in 0..200 {
        let p = gql_at(port, &app.admin_key, status, json!({"id": id})).await;
        if p["data"]["plan"]["progress"][1]["status"] == "WAITING" {
            waiting = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert!(waiting, "the plan reached its delay step");
    server.kill(); // SIGKILL: no graceful shutdown

    let port = free_port();
    let _server = start_server(&app.database_url, &org_id, port).await;
    let mut done = Value::Null;
    for _ in 0..400 {
        done = gql_at(port, &app.admin_key, status, json!({"id": id})).await;
        if done["data"]["plan"]["status"] == "SUCCEEDED" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(done["data"]["plan"]["status"], "SUCCEEDED", "{done}");
    let state = gql_at(
        port,
        &app.admin_key,
        &format!("{{ project(org: \"{}\", slug: \"web\") {{ state }} }}", app.org),
        json!({}),
    )
    .await;
    assert_eq!(state["data"]["project"]["state"], json!({"first": 1, "second": 1}), "no step ran twice");
    let events = gql_at(
        port,
        &app.admin_key,
        "query($id: ID!) { plan(id: $id) { events(first: 100) { edges { node { kind data } } } } }",
        json!({"id": id}),
    )
    .await;
    let started_first = events["data"]["plan"]["events"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["node"]["kind"] == "StepStarted" && e["node"]["data"]["step"] == "first")
        .count();
    assert_eq!(started_first, 1);
}

#[tokio::test]
async fn replay_makes_every_recorded_decision_again_from_its_recorded_inputs() {
    let app = spawn_app().await;
    app.project("web").await;
    let plan = propose(
        &app,
        &app.admin_key,
        "web",
        json!([{"action": "state.set", "params": {"key": "version", "value": 3}}]),
        json!({"runWhenApproved": true}),
    )
    .await;
    let id = plan["id"].as_str().unwrap().to_string();
    wait_for_status(&app, &app.admin_key, &id, "SUCCEEDED").await;
    let replay =
        "query($id: ID!) { replayPlan(id: $id) { identical decisionsChecked divergedAt reason recorded recomputed } }";
    let clean = app.admin(replay, json!({"id": id})).await;
    assert_eq!(clean["replayPlan"]["identical"], true, "{clean:#}");
    assert_eq!(clean["replayPlan"]["decisionsChecked"], 1);

    // Someone edits what the execution was decided on: a kill switch that was not engaged.
    let lit = uuid_literal(&id);
    let kill = r#"{"at":null,"by":"mallory","reason":"edited","scope":"org"}"#;
    app.execute_sql(&format!(
        "UPDATE decisions SET input = REPLACE(input, '\"kill\":null', '\"kill\":{kill}') WHERE plan_id = {lit} AND phase = 'execute'"
    ))
    .await;
    let r = app.admin(replay, json!({"id": id})).await;
    assert_eq!(r["replayPlan"]["identical"], false, "{r:#}");
    assert!(r["replayPlan"]["reason"].as_str().unwrap().contains("decides differently"), "{r:#}");
    assert_eq!(
        (r["replayPlan"]["recorded"].as_str(), r["replayPlan"]["recomputed"].as_str()),
        (Some("allowed"), Some("denied"))
    );
    // The StepStarted event of the step names where.
    assert_eq!(r["replayPlan"]["divergedAt"], 4, "{r:#}");
}

#[tokio::test]
async fn corrupt_stored_json_is_an_error_with_a_code_never_a_default() {
    let app = spawn_app().await;
    app.project("web").await;
    let plan = propose(
        &app,
        &app.admin_key,
        "web",
        json!([{"action": "state.set", "params": {"key": "k", "value": 1}}]),
        json!({}),
    )
    .await;
    let id = plan["id"].as_str().unwrap().to_string();
    let lit = uuid_literal(&id);
    app.execute_sql(&format!("UPDATE plan_events SET data = '{{not json' WHERE plan_id = {lit} AND seq = 1")).await;
    let q = "query($id: ID!) { plan(id: $id) { events { edges { node { seq kind data } } } } }";
    let r = app.gql(Some(&app.admin_key), q, json!({"id": id})).await;
    assert_eq!(code(&r), "INTERNAL", "{r:#}");
    // The detail stays in the server log; the client sees a request id.
    assert!(r["errors"][0]["message"].as_str().unwrap().contains("request id"), "{r:#}");
    // What is still readable reads as before.
    let fine = app
        .gql(
            Some(&app.admin_key),
            "query($id: ID!) { plan(id: $id) { events { edges { node { seq kind } } } } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(ok(fine)["plan"]["events"]["edges"][0]["node"]["kind"], "Proposed");
}
