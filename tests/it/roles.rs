//! Roles over one PostgreSQL database: a `praetor serve --role api` process serves the API and
//! runs no plan; a `praetor worker` serves nothing but its health checks and metrics, and runs
//! the plans the API queued (woken through the fan-out). With SQLite a role other than `all` is
//! refused at start. Workers take organizations in turn: one organization's backlog does not
//! hold back another's next plan.

use praetor_tests::*;
use serde_json::{Value, json};

const STATUS: &str = "query($id: ID!) { plan(id: $id) { status } }";

async fn get(url: String) -> (u16, String) {
    let r = reqwest::get(url).await.expect("request");
    (r.status().as_u16(), r.text().await.expect("body"))
}

async fn status_at(app: &TestApp, addr: std::net::SocketAddr, plan: &str) -> String {
    let d = ok(app.gql_at(addr, &app.admin_key, STATUS, json!({"id": plan})).await);
    d["plan"]["status"].as_str().unwrap_or_default().to_string()
}

#[tokio::test]
async fn an_api_process_runs_no_plan_and_a_worker_process_serves_no_api() {
    if !is_postgres() {
        // One SQLite file belongs to one process: a role that leaves work to others is refused.
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("p.db").display());
        let (started, out) = run_praetor(&["serve", "--role", "api"], &url, &[]).await;
        assert!(!started, "{out}");
        assert!(out.contains("role") && out.contains("PostgreSQL"), "{out}");
        let (started, out) = run_praetor(&["worker"], &url, &[]).await;
        assert!(!started && out.contains("`worker` shares the work"), "{out}");
        return;
    }
    let Some((url, app)) = setup_for_processes().await else { return };
    app.project("web").await;
    let role = |r: &str| [("PRAETOR_ROLE", r.to_string())];
    let api_port = free_port();
    let _api = ServeProcess::start(&url, &app.org_id, api_port, &role("api")).await;
    let api: std::net::SocketAddr = ([127, 0, 0, 1], api_port).into();
    let (code, ready) = get(format!("http://{api}/readyz")).await;
    assert_eq!(code, 200);
    assert_eq!(serde_json::from_str::<Value>(&ready).unwrap()["role"], "api");

    // Proposed and queued through the API process: with no worker anywhere, it waits.
    let steps = json!([{"action": "state.set", "params": {"key": "ran", "value": true}}]);
    let input = json!({"org": app.org, "project": "web", "steps": steps, "runWhenApproved": true});
    let plan = ok(app.gql_at(api, &app.admin_key, PROPOSE, json!({"in": input})).await)["proposePlan"].clone();
    let id = plan["id"].as_str().unwrap().to_string();
    assert_eq!(plan["status"], "QUEUED", "{plan:#}");
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(status_at(&app, api, &id).await, "QUEUED", "an API process runs no plan");

    // A worker process runs it, and the next one, proposed once the worker is up.
    let worker_port = free_port();
    let mut worker = ServeProcess::start(&url, &app.org_id, worker_port, &role("worker")).await;
    wait_for_status(&app, &app.admin_key, &id, "SUCCEEDED").await;
    let input = json!({"org": app.org, "project": "web", "steps": steps, "runWhenApproved": true});
    let next = ok(app.gql_at(api, &app.admin_key, PROPOSE, json!({"in": input})).await)["proposePlan"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    wait_for_status(&app, &app.admin_key, &next, "SUCCEEDED").await;

    // The worker's address answers its health checks and metrics, and nothing else.
    let w = format!("http://127.0.0.1:{worker_port}");
    let (code, ready) = get(format!("{w}/readyz")).await;
    assert_eq!((code, serde_json::from_str::<Value>(&ready).unwrap()["role"].clone()), (200, json!("worker")));
    assert_eq!(get(format!("{w}/healthz")).await.0, 200);
    let (code, metrics) = get(format!("{w}/metrics")).await;
    assert_eq!(code, 200);
    assert!(metrics.lines().any(|l| l.starts_with("praetor_worker_running") && l.ends_with(" 1")), "{metrics}");
    let (_, api_metrics) = get(format!("http://{api}/metrics")).await;
    assert!(api_metrics.lines().any(|l| l.starts_with("praetor_worker_running") && l.ends_with(" 0")));
    for path in ["/graphql", "/", "/auth/config", "/orgs/x"] {
        assert_eq!(get(format!("{w}{path}")).await.0, 404, "{path} on a worker");
    }
    let posted = reqwest::Client::new()
        .post(format!("{w}/graphql"))
        .json(&json!({"query": "{ viewer { name } }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status().as_u16(), 404);
    worker.kill();
}

#[tokio::test]
async fn workers_take_organizations_in_turn() {
    // No workers run in the server: the test claims jobs itself, as a worker does.
    let app =
        spawn_with(SpawnOptions { no_workers: true, database_url: own_database().await, ..Default::default() }).await;
    app.project("web").await;
    let (other, other_key) = other_org(&app).await;
    ok(app
        .gql(
            Some(&other_key),
            "mutation($o: String!) { createProject(input: {org: $o, slug: \"web\", name: \"web\"}) { id } }",
            json!({"o": other}),
        )
        .await);
    let steps = json!([{"action": "state.set", "params": {"key": "k", "value": 1}}]);
    // A backlog of six in the first organization, then one plan in the other.
    let mut busy = Vec::new();
    for _ in 0..6 {
        busy.push(propose(&app, &app.admin_key, "web", steps.clone(), json!({"runWhenApproved": true})).await);
    }
    let input = json!({"org": other, "project": "web", "steps": steps, "runWhenApproved": true});
    let late = ok(app.gql(Some(&other_key), PROPOSE, json!({"in": input})).await)["proposePlan"].clone();
    assert_eq!(late["status"], "QUEUED");

    let mut order = Vec::new();
    let now = praetor::clock::Clock::now(app.app.clock.as_ref());
    while let Some(job) = praetor::engine::queue::claim(&app.app, "test-worker", now).await.unwrap() {
        order.push(job.plan_id.to_string());
    }
    assert_eq!(order.len(), 7, "every job claimed once: {order:?}");
    let at = order.iter().position(|p| p == late["id"].as_str().unwrap()).unwrap();
    // Oldest first would take it seventh, behind the whole backlog.
    assert!(at <= 1, "the other organization's plan is claimed first or second, not at {at}: {order:?}");
    let mut rest: Vec<_> = order.iter().filter(|p| *p != late["id"].as_str().unwrap()).cloned().collect();
    let mut queued: Vec<String> = busy.iter().map(|p| p["id"].as_str().unwrap().to_string()).collect();
    rest.sort();
    queued.sort();
    assert_eq!(rest, queued);
}
