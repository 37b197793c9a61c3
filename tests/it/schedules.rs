//! Scheduled plans: a schedule proposes its template every slot as its service account, through
//! the one decision pipeline; with three nodes each slot proposes once; pausing stops it;
//! overlap rules hold while the last run is unfinished; a slot missed while no node ran is
//! caught up within the window or recorded as skipped; inputs are checked with the field at
//! fault; schedules belong to their organization.

use chrono::{DateTime, Duration, Timelike, Utc};
use praetor_store::{Housekeeping, OrgId, ScheduleId, Shared, Tenant, TenantScoped, schedule, scheduled_run};
use praetor_tests::*;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

const CREATE: &str = "mutation($in: CreateScheduleInput!) { createSchedule(input: $in) { id name cron timezone template overlap catchUp serviceAccount paused nextRunAt upcoming(count: 3) } }";
const SCHEDULE: &str =
    "query($id: ID!) { node(id: $id) { ... on Schedule { id paused nextRunAt lastSlot lastOutcome lastPlanId } } }";

const POLICY: &str = r#"apiVersion: praetor.dev/v1
kind: PlanTemplate
metadata: { name: tick, org: ORG }
spec:
  description: Count one
  steps:
    - { id: count, action: state.increment, params: { key: ticks } }
---
apiVersion: praetor.dev/v1
kind: PlanTemplate
metadata: { name: slow, org: ORG }
spec:
  description: Wait ten minutes
  steps:
    - { id: wait, action: delay, params: { seconds: 600 } }
"#;

/// Project `web` with the two templates, and a service account `cron` that may propose there.
async fn setup(app: &TestApp) {
    app.project("web").await;
    app.admin(
        APPLY,
        json!({"in": {"org": app.org, "sources": [{"name": "schedules.yaml", "text": POLICY.replace("ORG", &app.org)}], "comment": "templates"}}),
    )
    .await;
    app.service_account_with_role("cron", "operator").await;
}

async fn create(app: &TestApp, name: &str, cron: &str, template: &str, extra: Value) -> Value {
    let mut input = json!({"org": app.org, "project": "web", "name": name, "cron": cron, "template": template, "serviceAccount": "cron"});
    input.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    app.admin(CREATE, json!({"in": input})).await["createSchedule"].clone()
}

async fn schedule(app: &TestApp, id: &str) -> Value {
    app.admin(SCHEDULE, json!({"id": id})).await["node"].clone()
}

/// The project's plans, oldest first: (id, status, proposer kind and name).
async fn plans(app: &TestApp) -> Vec<Value> {
    let d = app
        .admin(
            "query($o: String!) { project(org: $o, slug: \"web\") { plans(first: 100) { edges { node { id status proposer { kind name } } } } } }",
            json!({"o": app.org}),
        )
        .await;
    let mut all: Vec<Value> =
        d["project"]["plans"]["edges"].as_array().unwrap().iter().map(|e| e["node"].clone()).collect();
    all.reverse();
    all
}

/// Waits until `check` holds for the schedule, or fails showing it.
async fn until(app: &TestApp, id: &str, what: &str, check: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..150 {
        let s = schedule(app, id).await;
        if check(&s) {
            return s;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{what}: {}", schedule(app, id).await);
}

async fn runs(app: &TestApp, id: &str) -> Vec<scheduled_run::Model> {
    scheduled_run::Entity::find_shared()
        .filter(scheduled_run::Column::Job.eq(format!("praetor/schedule/{id}")))
        .order_by_asc(scheduled_run::Column::Slot)
        .all(&app.app.db)
        .await
        .unwrap()
}

fn outcome(s: &Value) -> &str {
    s["lastOutcome"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn each_slot_proposes_once_as_the_service_account_across_three_nodes_and_pausing_stops_it() {
    let app = spawn_app().await;
    app.spawn_peer().await;
    app.spawn_peer().await;
    setup(&app).await;
    let made =
        create(&app, "every-second", "* * * * * *", "tick", json!({"timezone": "Europe/Berlin", "overlap": "QUEUE"}))
            .await;
    assert_eq!(made["serviceAccount"], "cron");
    assert_eq!(made["overlap"], "QUEUE");
    assert_eq!(made["catchUp"], true);
    let upcoming: Vec<DateTime<Utc>> =
        made["upcoming"].as_array().unwrap().iter().map(|t| t.as_str().unwrap().parse().unwrap()).collect();
    assert_eq!(upcoming.len(), 3);
    assert_eq!(upcoming[1] - upcoming[0], Duration::seconds(1), "{made}");
    let id = made["id"].as_str().unwrap().to_string();

    // Three slots proposed: each a plan of the service account's, through the pipeline (the
    // template's step needs no approval, so it runs).
    let s = until(&app, &id, "three slots", |s| outcome(s).starts_with("proposed")).await;
    assert!(s["lastPlanId"].as_str().is_some(), "{s}");
    for _ in 0..150 {
        if plans(&app).await.len() >= 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let paused =
        app.admin("mutation($id: ID!) { pauseSchedule(id: $id) { paused nextRunAt } }", json!({"id": id})).await;
    assert_eq!(paused["pauseSchedule"], json!({"paused": true, "nextRunAt": null}));
    // A slot in hand when it was paused may still finish; after that nothing more is proposed.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let proposed = plans(&app).await;
    assert!(proposed.len() >= 3, "{proposed:?}");
    for p in &proposed {
        assert_eq!(p["proposer"], json!([{"kind": "SERVICE_ACCOUNT", "name": "cron"}]), "{p}");
    }
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert_eq!(plans(&app).await.len(), proposed.len(), "paused: no more slots");

    // Three nodes, and each slot was claimed once and proposed one plan.
    let all = runs(&app, &id).await;
    let mut slots: Vec<DateTime<Utc>> = all.iter().map(|r| r.slot).collect();
    slots.dedup();
    assert_eq!(slots.len(), all.len(), "no slot twice: {all:#?}");
    assert!(all.iter().all(|r| r.status == "succeeded" && r.detail.starts_with("proposed pln_")), "{all:#?}");
    assert_eq!(all.len(), proposed.len(), "one plan per slot: {all:#?} {proposed:?}");

    // Resumed, it starts again from the next slot; every step was audited.
    let resumed =
        app.admin("mutation($id: ID!) { resumeSchedule(id: $id) { paused nextRunAt } }", json!({"id": id})).await;
    assert_eq!(resumed["resumeSchedule"]["paused"], false);
    assert!(resumed["resumeSchedule"]["nextRunAt"].is_string());
    let audit = app
        .admin(
            "query($o: String!) { org(slug: $o) { auditLog(first: 100, kind: \"schedule.\") { edges { node { kind } } } } }",
            json!({"o": app.org}),
        )
        .await;
    let kinds: Vec<&str> = audit["org"]["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["kind"].as_str().unwrap())
        .collect();
    for k in ["schedule.created", "schedule.fired", "schedule.paused", "schedule.resumed"] {
        assert!(kinds.contains(&k), "{k}: {kinds:?}");
    }
    app.admin("mutation($id: ID!) { deleteSchedule(id: $id) }", json!({"id": id})).await;
    let gone = app.gql(Some(&app.admin_key), SCHEDULE, json!({"id": id})).await;
    assert_eq!(code(&gone), "NOT_FOUND", "{gone}");
}

#[tokio::test]
async fn overlap_skips_while_the_last_run_is_unfinished_or_cancels_it() {
    let app = spawn_app().await;
    setup(&app).await;
    // SKIP: the first run waits ten minutes, so the next slots are skipped.
    let skip = create(&app, "slow-skip", "* * * * * *", "slow", json!({})).await;
    let id = skip["id"].as_str().unwrap().to_string();
    let s =
        until(&app, &id, "a slot skipped for overlap", |s| outcome(s).starts_with("skipped: the previous run")).await;
    let first = s["lastPlanId"].as_str().unwrap().to_string();
    assert!(outcome(&s).contains(&first), "{s}");
    app.admin("mutation($id: ID!) { pauseSchedule(id: $id) { paused } }", json!({"id": id})).await;
    assert_eq!(plans(&app).await.len(), 1, "one run only");

    // CANCEL_PREVIOUS: each slot cancels the unfinished run before it.
    let cancel = create(&app, "slow-cancel", "* * * * * *", "slow", json!({"overlap": "CANCEL_PREVIOUS"})).await;
    let cid = cancel["id"].as_str().unwrap().to_string();
    let s = until(&app, &cid, "a first run", |s| s["lastPlanId"].is_string()).await;
    let earlier = s["lastPlanId"].as_str().unwrap().to_string();
    until(&app, &cid, "a second run", |s| s["lastPlanId"].is_string() && s["lastPlanId"] != earlier.as_str()).await;
    app.admin("mutation($id: ID!) { pauseSchedule(id: $id) { paused } }", json!({"id": cid})).await;
    let status = app.admin("query($id: ID!) { plan(id: $id) { status } }", json!({"id": earlier})).await;
    assert_eq!(status["plan"]["status"], "CANCELLED", "{status}");
    // The SKIP schedule's run is untouched.
    let status = app.admin("query($id: ID!) { plan(id: $id) { status } }", json!({"id": first})).await;
    assert_eq!(status["plan"]["status"], "RUNNING", "{status}");
}

/// Moves schedule `id`'s next slot to `at`, as if every node had been down since.
async fn due_since(app: &TestApp, id: &str, at: DateTime<Utc>) {
    let org: OrgId = app.org_id.parse().unwrap();
    let id: ScheduleId = id.parse().unwrap();
    let tenant = Tenant::housekeeping(org, Housekeeping::Cli);
    schedule::Entity::update_in_org(tenant)
        .col_expr(schedule::Column::NextRunAt, Expr::value(Some(at)))
        .filter(schedule::Column::Id.eq(id))
        .exec(&tenant.on(&app.app.db))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_slot_missed_while_no_node_ran_is_caught_up_within_the_window_or_skipped() {
    let app = spawn_app().await;
    setup(&app).await;
    // Daily schedules whose slot came 30 minutes and 2 hours ago (the window is an hour).
    let daily = |ago: Duration| {
        let t = now() - ago;
        format!("0 {} {} * * *", t.minute(), t.hour())
    };
    let recent = create(&app, "recent", &daily(Duration::minutes(30)), "tick", json!({})).await;
    let no_catch_up =
        create(&app, "no-catch-up", &daily(Duration::minutes(30)), "tick", json!({"catchUp": false})).await;
    let old = create(&app, "old", &daily(Duration::hours(2)), "tick", json!({})).await;
    for s in [&recent, &no_catch_up, &old] {
        // Down since the day before's slot: that one and today's are due.
        let next: DateTime<Utc> = s["upcoming"][0].as_str().unwrap().parse().unwrap();
        due_since(&app, s["id"].as_str().unwrap(), next - Duration::days(2)).await;
    }
    let id = |s: &Value| s["id"].as_str().unwrap().to_string();
    // Proposed, then moved on to tomorrow's slot.
    let moved_on =
        |s: &Value| s["nextRunAt"].as_str().and_then(|t| t.parse::<DateTime<Utc>>().ok()).is_some_and(|t| t > now());
    let s = until(&app, &id(&recent), "caught up", |s| outcome(s).starts_with("proposed") && moved_on(s)).await;
    let r = runs(&app, &id(&recent)).await;
    assert_eq!((r.len(), r[0].status.as_str(), r[0].missed_slots), (1, "succeeded", 1), "{r:#?}");
    assert_eq!(s["lastSlot"].as_str().unwrap().parse::<DateTime<Utc>>().unwrap(), r[0].slot);

    let s = until(&app, &id(&no_catch_up), "skipped", |s| outcome(s).starts_with("skipped")).await;
    assert!(outcome(&s).contains("does not catch up"), "{s}");
    let s = until(&app, &id(&old), "skipped", |s| outcome(s).starts_with("skipped")).await;
    assert!(outcome(&s).contains("catch-up window (3600 s)"), "{s}");
    let r = runs(&app, &id(&old)).await;
    assert_eq!((r.len(), r[0].status.as_str()), (1, "skipped"), "{r:#?}");
    assert_eq!(plans(&app).await.len(), 1, "only the slot within the window proposed");
}

#[tokio::test]
async fn inputs_are_checked_and_schedules_belong_to_their_organization() {
    let app = spawn_app().await;
    setup(&app).await;
    for (field, extra) in [
        ("cron", json!({"cron": "every day"})),
        ("cron", json!({"cron": "0 0 9 * * * *"})),
        ("timezone", json!({"timezone": "Mars/Olympus"})),
        ("template", json!({"template": "nope"})),
        ("serviceAccount", json!({"serviceAccount": "ghost"})),
        ("name", json!({"name": "Not A Slug"})),
    ] {
        let mut input = json!({"org": app.org, "project": "web", "name": "sched", "cron": "0 9 * * *", "template": "tick", "serviceAccount": "cron"});
        input.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        let resp = app.gql(Some(&app.admin_key), CREATE, json!({"in": input})).await;
        assert_eq!(code(&resp), "VALIDATION", "{field}: {resp}");
        assert_eq!(resp["errors"][0]["extensions"]["field"], field, "{resp}");
    }
    let made = create(&app, "nightly", "0 2 * * *", "tick", json!({"timezone": "America/New_York"})).await;
    let again = app
        .gql(
            Some(&app.admin_key),
            CREATE,
            json!({"in": {"org": app.org, "project": "web", "name": "nightly", "cron": "0 3 * * *", "template": "tick", "serviceAccount": "cron"}}),
        )
        .await;
    assert_eq!(code(&again), "CONFLICT", "{again}");
    let id = made["id"].as_str().unwrap();
    // 02:00 in New York is 07:00 UTC in winter.
    let next: DateTime<Utc> = made["nextRunAt"].as_str().unwrap().parse().unwrap();
    assert_eq!((next.hour(), next.minute()), (7, 0), "{made}");

    let (_, other_key) = other_org(&app).await;
    for q in [
        "mutation($id: ID!) { pauseSchedule(id: $id) { paused } }",
        "mutation($id: ID!) { resumeSchedule(id: $id) { paused } }",
        "mutation($id: ID!) { deleteSchedule(id: $id) }",
        "query($id: ID!) { node(id: $id) { id } }",
    ] {
        let resp = app.gql(Some(&other_key), q, json!({"id": id})).await;
        assert_eq!(code(&resp), "NOT_FOUND", "{q}: {resp}");
    }
    let listed = app
        .admin(
            "query($o: String!) { project(org: $o, slug: \"web\") { schedules { name nextRunAt } } }",
            json!({"o": app.org}),
        )
        .await;
    assert_eq!(listed["project"]["schedules"][0]["name"], "nightly", "{listed}");
}

#[tokio::test]
async fn the_command_line_lists_creates_pauses_and_deletes_schedules() {
    let app = spawn_app().await;
    setup(&app).await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("client.yaml");
    let server = app.url("");
    let login = ["login", "--server", server.trim_end_matches('/'), "--org", &app.org, "--api-key-stdin"];
    let (status, _, stderr) = run_client(&config, &login, &format!("{}\n", app.admin_key)).await;
    assert!(status.success(), "{stderr}");

    // Piped, the answer is JSON; the schedule is made as asked.
    let create = [
        "schedule",
        "create",
        "nightly",
        "--project",
        "web",
        "--template",
        "tick",
        "--cron",
        "0 2 * * *",
        "--timezone",
        "Europe/Berlin",
        "--overlap",
        "cancel-previous",
        "--service-account",
        "cron",
    ];
    let (status, stdout, stderr) = run_client(&config, &create, "").await;
    assert!(status.success(), "{stderr}");
    let made: Value = serde_json::from_str(&stdout).expect("JSON when piped");
    assert_eq!((made[0]["name"].as_str(), made[0]["overlap"].as_str()), (Some("nightly"), Some("CANCEL_PREVIOUS")));
    assert_eq!(made[0]["timezone"], "Europe/Berlin");
    let id = made[0]["id"].as_str().unwrap().to_string();

    // Refused input: exit 1, the code and the field at fault on standard error; nothing made.
    let bad = [
        "schedule",
        "create",
        "broken",
        "--project",
        "web",
        "--template",
        "tick",
        "--cron",
        "61 * * * *",
        "--service-account",
        "cron",
    ];
    let (status, _, stderr) = run_client(&config, &bad, "").await;
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("VALIDATION: cron:"), "{stderr}");
    let (status, _, stderr) = run_client(&config, &["schedule", "create", "x", "--project", "web"], "").await;
    assert_eq!(status.code(), Some(2), "usage: {stderr}");
    let (status, _, stderr) = run_client(
        &config,
        &[
            "schedule",
            "create",
            "argsy",
            "--project",
            "web",
            "--template",
            "tick",
            "--cron",
            "0 2 * * *",
            "--service-account",
            "cron",
            "--args",
            "{oops",
        ],
        "",
    )
    .await;
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--args is not JSON"), "{stderr}");

    // A table on request; pause shows it paused.
    let (status, stdout, _) = run_client(&config, &["schedule", "list", "--project", "web", "-o", "table"], "").await;
    assert!(status.success());
    assert!(stdout.lines().next().unwrap().starts_with("ID"), "{stdout}");
    assert!(stdout.contains("nightly") && stdout.contains("0 2 * * * (Europe/Berlin)"), "{stdout}");
    assert!(!stdout.contains("broken"), "{stdout}");
    let (status, stdout, _) = run_client(&config, &["schedule", "pause", &id], "").await;
    assert!(status.success());
    let paused: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(paused[0]["paused"], true, "{stdout}");
    let (status, _, _) = run_client(&config, &["schedule", "delete", &id], "").await;
    assert!(status.success());
    let (status, _, stderr) = run_client(&config, &["schedule", "resume", &id], "").await;
    assert_eq!(status.code(), Some(1));
    assert!(stderr.contains("NOT_FOUND"), "{stderr}");
}
