//! The scheduler: with three nodes on one database every slot of a job runs once and none is
//! lost; a slot whose node stopped holding it is taken over after its lease, also among server
//! processes of their own with one killed in the middle of a job; a slot missed
//! while no node ran is run at start within the catch-up window, and recorded as skipped
//! beyond it; instance administrators see every job's last run and next slot.

use chrono::{DateTime, Duration, DurationRound, Utc};
use praetor_store::{ScheduledRunId, Shared, scheduled_run};
use praetor_tests::*;
use sea_orm::{ActiveModelTrait, ColumnTrait, QueryFilter, QueryOrder};
use serde_json::json;

fn key(app: &TestApp, job: &str) -> String {
    format!("praetor/{job}@{}", app.org_id)
}

async fn runs(app: &TestApp, job: &str) -> Vec<scheduled_run::Model> {
    scheduled_run::Entity::find_shared()
        .filter(scheduled_run::Column::Job.eq(key(app, job)))
        .order_by_asc(scheduled_run::Column::Slot)
        .all(&app.app.db)
        .await
        .unwrap()
}

fn wall() -> DateTime<Utc> {
    use praetor::clock::Clock;
    praetor::clock::SystemClock.now()
}

async fn record(app: &TestApp, job: &str, slot: DateTime<Utc>, status: &str, lease: Option<DateTime<Utc>>) {
    scheduled_run::ActiveModel::from(scheduled_run::Model {
        id: ScheduledRunId::generate(),
        job: key(app, job),
        slot,
        node: "gone".into(),
        status: status.into(),
        attempts: 1,
        missed_slots: 0,
        claimed_at: slot,
        lease_until: lease,
        finished_at: None,
        duration_ms: None,
        detail: String::new(),
    })
    .insert(&app.app.db)
    .await
    .unwrap();
}

/// Waits until `job` has a finished run for `slot`.
async fn finished(app: &TestApp, job: &str, slot: DateTime<Utc>) -> scheduled_run::Model {
    for _ in 0..400 {
        if let Some(r) = runs(app, job).await.into_iter().find(|r| r.slot == slot && r.status != "running") {
            return r;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{job} did not finish its slot {slot}: {:#?}", runs(app, job).await);
}

#[tokio::test]
async fn every_slot_runs_once_across_three_nodes_and_none_is_lost() {
    let app = spawn_app().await;
    app.spawn_peer().await;
    app.spawn_peer().await;
    // Three slots of a job due every 5 s, after all three nodes are up.
    let first = wall().duration_trunc(Duration::seconds(5)).unwrap() + Duration::seconds(5);
    let last = first + Duration::seconds(10);
    finished(&app, "approvals.expire", last).await;
    let all = runs(&app, "approvals.expire").await;
    let slots: Vec<_> = all.iter().filter(|r| r.slot >= first && r.slot <= last).collect();
    assert_eq!(
        slots.iter().map(|r| r.slot).collect::<Vec<_>>(),
        vec![first, first + Duration::seconds(5), last],
        "each slot once, none lost: {all:#?}"
    );
    for r in &slots {
        assert_eq!((r.status.as_str(), r.attempts, r.missed_slots), ("succeeded", 1, 0), "{r:#?}");
        assert!(r.detail.ends_with("plan(s) expired"), "{r:#?}");
    }

    // Instance administrators see the jobs (failures counted); nobody else does.
    let failed_slot = wall().duration_trunc(Duration::minutes(1)).unwrap() - Duration::days(1);
    record(&app, "rate_limits.prune", failed_slot, "failed", None).await;
    let cookie = app.session_cookie(&app.admin_email).await;
    let jobs = app
        .gql_cookie(
            &cookie,
            "{ scheduledJobs { name key schedule nextRunAt recentFailures lastRun { slot status attempts missedSlots durationMs detail } } }",
            json!({}),
        )
        .await;
    let jobs = ok(jobs)["scheduledJobs"].clone();
    let expire = jobs.as_array().unwrap().iter().find(|j| j["name"] == "approvals.expire").expect("listed").clone();
    assert_eq!(expire["key"], key(&app, "approvals.expire"));
    assert_eq!(expire["schedule"], "*/5 * * * * *");
    assert_eq!(expire["lastRun"]["status"], "SUCCEEDED", "{expire}");
    assert_eq!(expire["recentFailures"], 0);
    let next: DateTime<Utc> = expire["nextRunAt"].as_str().unwrap().parse().unwrap();
    assert!(next > wall() - Duration::seconds(1) && next <= wall() + Duration::seconds(5), "{expire}");
    let prune = jobs.as_array().unwrap().iter().find(|j| j["name"] == "rate_limits.prune").expect("listed");
    assert_eq!(prune["recentFailures"], 1, "{prune}");
    for name in ["grants.expire", "rate_limits.prune", "webhooks.prune", "scheduler.prune"] {
        assert!(jobs.as_array().unwrap().iter().any(|j| j["name"] == name), "{name} listed: {jobs}");
    }
    let refused = app.gql(Some(&app.admin_key), "{ scheduledJobs { name } }", json!({})).await;
    assert_eq!(code(&refused), "FORBIDDEN", "an API key is the org's, not the instance's: {refused}");
}

#[tokio::test]
async fn a_slot_whose_node_stopped_holding_it_is_taken_over_after_its_lease() {
    let app = spawn_app().await;
    // A node claimed a slot still to come and stopped: its lease has lapsed.
    let slot = wall().duration_trunc(Duration::seconds(5)).unwrap() + Duration::seconds(10);
    record(&app, "grants.expire", slot, "running", Some(slot - Duration::seconds(1))).await;
    let run = finished(&app, "grants.expire", slot).await;
    assert_eq!(run.status, "succeeded", "{run:#?}");
    assert_eq!(run.attempts, 2, "claimed again: {run:#?}");
    assert_ne!(run.node, "gone");
    // One whose lease holds is left to its node.
    let held = wall().duration_trunc(Duration::seconds(5)).unwrap() + Duration::seconds(10);
    record(&app, "grants.expire", held, "running", Some(held + Duration::hours(1))).await;
    finished(&app, "grants.expire", held + Duration::seconds(5)).await;
    let kept = runs(&app, "grants.expire").await.into_iter().find(|r| r.slot == held).unwrap();
    assert_eq!((kept.status.as_str(), kept.node.as_str(), kept.attempts), ("running", "gone", 1));
}

/// The slot of `webhooks.prune` (every 10 minutes) due last.
fn last_prune_slot() -> DateTime<Utc> {
    wall().duration_trunc(Duration::minutes(10)).unwrap()
}

#[tokio::test]
async fn a_slot_missed_while_no_node_ran_runs_at_start_within_the_catch_up_window() {
    let app = spawn_app().await;
    // The node ran the job at its start. Pretend instead it last ran two days ago, and a node
    // starts now.
    finished(&app, "webhooks.prune", last_prune_slot()).await;
    scheduled_run::Entity::delete_shared()
        .filter(scheduled_run::Column::Job.eq(key(&app, "webhooks.prune")))
        .exec(&app.app.db)
        .await
        .unwrap();
    let slot = last_prune_slot();
    record(&app, "webhooks.prune", slot - Duration::days(2), "succeeded", None).await;
    app.spawn_peer().await;
    let run = finished(&app, "webhooks.prune", slot).await;
    assert_eq!(run.status, "succeeded", "{run:#?}");
    assert_eq!(run.missed_slots, 2 * 24 * 6 - 1, "the slots between are counted: {run:#?}");
}

#[tokio::test]
async fn a_slot_missed_beyond_the_catch_up_window_is_recorded_as_skipped() {
    let scheduler = praetor::config::SchedulerConfig { catch_up_seconds: 0, ..Default::default() };
    let app = spawn_with(SpawnOptions { scheduler: Some(scheduler), ..Default::default() }).await;
    // A job never run before runs at the first start, whatever the window.
    let slot = last_prune_slot();
    let first = finished(&app, "webhooks.prune", slot).await;
    assert_eq!(first.status, "succeeded", "{first:#?}");
    scheduled_run::Entity::delete_shared()
        .filter(scheduled_run::Column::Job.eq(key(&app, "webhooks.prune")))
        .exec(&app.app.db)
        .await
        .unwrap();
    record(&app, "webhooks.prune", slot - Duration::days(2), "succeeded", None).await;
    app.spawn_peer().await;
    let run = finished(&app, "webhooks.prune", slot).await;
    assert_eq!(run.status, "skipped", "{run:#?}");
    assert_eq!(run.missed_slots, 2 * 24 * 6 - 1);
    assert!(run.detail.contains("older than the catch-up window"), "{run:#?}");
}

#[tokio::test]
async fn a_server_process_killed_mid_job_leaves_its_slot_to_another_after_its_lease() {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    // A database of its own: the test locks a table of it.
    let Some((url, app)) = setup_for_processes().await else { return };
    let envs = [("PRAETOR_SCHEDULER__LEASE_SECONDS", "3".to_string())];
    let mut nodes = Vec::new();
    for _ in 0..3 {
        nodes.push(Some(ServeProcess::start(&url, &app.org_id, free_port(), &envs).await));
    }
    // Every process is up: the next slot of `grants.expire` (every 5 s) is theirs.
    let up = wall();
    let first = up.duration_trunc(Duration::seconds(5)).unwrap() + Duration::seconds(5);
    finished(&app, "grants.expire", first).await;

    // The job reads `role_grants`: with the table locked, the node that claims the next slot
    // is held in the middle of its run. It is killed there, and the lock let go.
    let blocker = app.app.db.begin().await.unwrap();
    blocker.execute_unprepared("LOCK TABLE role_grants IN ACCESS EXCLUSIVE MODE").await.unwrap();
    let locked = wall();
    let stuck = loop {
        let running = runs(&app, "grants.expire").await.into_iter().find(|r| r.status == "running" && r.slot > first);
        if let Some(r) = running {
            break r;
        }
        assert!(
            wall() - locked < Duration::seconds(30),
            "no node claimed a slot: {:#?}",
            runs(&app, "grants.expire").await
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    let victim = nodes
        .iter()
        .position(|n| n.as_ref().is_some_and(|n| stuck.node.contains(&format!("-{}-", n.pid()))))
        .unwrap_or_else(|| panic!("the claiming node {} is one of the processes", stuck.node));
    nodes[victim].as_mut().unwrap().kill();
    nodes[victim] = None;
    blocker.rollback().await.unwrap();

    // After its lease, a surviving process runs the slot again and records it.
    let again = finished(&app, "grants.expire", stuck.slot).await;
    assert_eq!((again.status.as_str(), again.attempts), ("succeeded", 2), "taken over once: {again:#?}");
    assert_ne!(again.node, stuck.node);
    let survivors: Vec<u32> = nodes.iter().flatten().map(|n| n.pid()).collect();
    assert!(survivors.iter().any(|pid| again.node.contains(&format!("-{pid}-"))), "{again:#?} by one of {survivors:?}");

    // Each slot from the first to two after the stuck one is recorded once and run once (the
    // stuck one twice, as said), none lost.
    let last = stuck.slot + Duration::seconds(10);
    finished(&app, "grants.expire", last).await;
    let all = runs(&app, "grants.expire").await;
    let window: Vec<_> = all.iter().filter(|r| r.slot >= first && r.slot <= last).collect();
    let expected: Vec<_> = (0..).map(|k| first + Duration::seconds(5 * k)).take_while(|s| *s <= last).collect();
    assert_eq!(window.iter().map(|r| r.slot).collect::<Vec<_>>(), expected, "every slot once: {all:#?}");
    for r in window {
        let attempts = if r.slot == stuck.slot { 2 } else { 1 };
        assert_eq!((r.status.as_str(), r.attempts, r.missed_slots), ("succeeded", attempts, 0), "{r:#?}");
    }
}
