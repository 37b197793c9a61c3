//! Budget forecasts with a manual clock: two weeks of office-hours spend in the rollups and
//! today's spend so far give the day's projection and the hour the budget runs out; the alert
//! is raised once, and cleared once when a higher limit makes the forecast fall back.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use praetor::clock::ManualClock;
use praetor_domain::rollup::{Bucket, Fact, Granularity};
use praetor_store::{RollupId, rollup};
use praetor_tests::*;
use sea_orm::{EntityTrait, Set};
use serde_json::{Value, json};

const POLICY: &str = r#"apiVersion: praetor.dev/v1
kind: Policy
metadata: { name: spend, org: ORG, project: web }
spec:
  budget: { daily: LIMIT, unit: credits, timezone: UTC }
---
apiVersion: praetor.dev/v1
kind: Action
metadata: { name: work.unit, org: ORG }
spec:
  params: { type: object, properties: { n: { type: integer } } }
  handler: { builtin: state.set, with: { key: "work", value: "{{ params.n }}" } }
  cost: 10
"#;

const FORECAST: &str = "query($o: String!) { project(org: $o, slug: \"web\") { budgetForecast { projected exhaustsAt confidence method historyDays backtestError message budget { limit spent reserved resetsAt } } } org(slug: $o) { budgetForecast { projected exhaustsAt method budget { limit } } } }";

async fn apply(app: &TestApp, limit: u32) {
    let text = POLICY.replace("ORG", &app.org).replace("LIMIT", &limit.to_string());
    app.admin(
        APPLY,
        json!({"in": {"org": app.org, "sources": [{"name": "spend.yaml", "text": text}], "comment": "budget"}}),
    )
    .await;
}

/// Fourteen past days that each spent 10 an hour from 09:00 to 17:00 UTC in `project`.
async fn office_history(app: &TestApp, project: &str, today: DateTime<Utc>) {
    let mut hour = Bucket::default();
    hour.add(&Fact::Step { failed: false, cost: 10.0 });
    let data = serde_json::to_string(&hour).unwrap();
    let mut rows = Vec::new();
    for k in 1..=14 {
        for h in 9..17 {
            rows.push(rollup::ActiveModel {
                id: Set(RollupId::generate()),
                org_id: Set(app.org_id.parse().unwrap()),
                scope: Set(project.to_string()),
                granularity: Set(Granularity::Hour.as_str().to_string()),
                bucket_start: Set(today - Duration::days(k) + Duration::hours(h)),
                data: Set(data.clone()),
                updated_at: Set(today),
            });
        }
    }
    let tenant = praetor_store::Tenant::housekeeping(app.org_id.parse().unwrap(), praetor_store::Housekeeping::Cli);
    rollup::Entity::insert_many(rows).exec_without_returning(&tenant.on(&app.app.db)).await.unwrap();
}

async fn alerts(app: &TestApp) -> Vec<Value> {
    let d = app
        .admin(
            "query($o: String!) { org(slug: $o) { auditLog(first: 20, kind: \"budget.forecast\") { edges { node { kind payload actor { name } } } } } }",
            json!({"o": app.org}),
        )
        .await;
    d["org"]["auditLog"]["edges"].as_array().unwrap().iter().map(|e| e["node"].clone()).collect()
}

#[tokio::test]
async fn the_forecast_follows_the_days_profile_and_alerts_once_until_it_falls_back() {
    let today = DateTime::parse_from_rfc3339("2027-01-12T00:00:00Z").unwrap().with_timezone(&Utc);
    let clock = Arc::new(ManualClock::new(today + Duration::hours(13)));
    // The scheduler's minute check is run by hand below, so what raises an alert is known.
    let scheduler = praetor::config::SchedulerConfig { enabled: false, ..Default::default() };
    let app =
        spawn_with(SpawnOptions { clock: Some(clock.clone()), scheduler: Some(scheduler), ..Default::default() }).await;
    let web = app.project("web").await;
    apply(&app, 70).await;
    office_history(&app, &web, today).await;
    // `budgetAlerts` subscribers hear the alert (whenever the scheduler or the check below
    // raises it) and nothing else of the audit chain.
    let mut ws = crate::subscriptions::connect(&app).await;
    let ack = crate::subscriptions::init(&mut ws, json!({"authorization": format!("Bearer {}", app.admin_key)})).await;
    assert_eq!(ack.as_ref().map(|a| a["type"].clone()), Some(json!("connection_ack")), "{ack:?}");
    let sub = json!({"id": "1", "type": "subscribe", "payload": {"query": "subscription($o: String!) { budgetAlerts(org: $o) { kind payload } }", "variables": {"o": app.org}}});
    futures_util::SinkExt::send(&mut ws, tokio_tungstenite::tungstenite::Message::Text(sub.to_string().into()))
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    app.project("unrelated").await;
    // 40 spent by 13:00: a typical day so far.
    for n in 0..4 {
        let p = propose(
            &app,
            &app.admin_key,
            "web",
            json!([{"action": "work.unit", "params": {"n": n}}]),
            json!({"runWhenApproved": true}),
        )
        .await;
        wait_for_status(&app, &app.admin_key, p["id"].as_str().unwrap(), "SUCCEEDED").await;
    }

    let d = ok(app.gql(Some(&app.admin_key), FORECAST, json!({"o": app.org})).await);
    let f = &d["project"]["budgetForecast"];
    assert_eq!(f["budget"]["spent"], 40.0, "{f}");
    assert_eq!((f["method"].as_str(), f["historyDays"].as_i64()), (Some("PROFILE"), Some(14)), "{f}");
    assert!((f["projected"].as_f64().unwrap() - 80.0).abs() < 1e-6, "{f}");
    let at: DateTime<Utc> = f["exhaustsAt"].as_str().unwrap().parse().unwrap();
    assert_eq!(at, today + Duration::hours(16), "30 more at 10 an hour: {f}");
    assert_eq!(f["message"], "exhausted at 16:00 UTC, 8 h before the reset");
    assert_eq!(f["backtestError"], 0.0);
    assert_eq!(f["confidence"], 1.0);
    // The organization has no budget and no history: the rate so far, nothing runs out.
    let o = &d["org"]["budgetForecast"];
    assert_eq!(
        (o["method"].as_str(), o["budget"]["limit"].as_f64(), o["exhaustsAt"].as_str()),
        (Some("LINEAR"), None, None),
        "{o}"
    );

    // Another organization learns nothing of this one's budget, not even that the project exists.
    let (_, other_key) = other_org(&app).await;
    let hidden = app.gql(Some(&other_key), FORECAST, json!({"o": app.org})).await;
    assert_eq!(code(&hidden), "NOT_FOUND", "{hidden}");

    // The fourth plan's reservation made the forecast cross the limit: the check that follows
    // each reservation raised the alert.
    let mut raised = alerts(&app).await;
    for _ in 0..100 {
        if !raised.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        raised = alerts(&app).await;
    }
    assert_eq!(raised.len(), 1, "raised after the reservation: {raised:?}");
    assert_eq!(raised[0]["actor"][0]["name"], "praetor budget forecasts", "{raised:?}");

    // Raised once however often the checks run (the scheduler's too), on the server's own
    // state, so its subscribers hear it.
    praetor::services::forecasts::alert(&app.serving).await.unwrap();
    praetor::services::forecasts::alert(&app.serving).await.unwrap();
    let raised = alerts(&app).await;
    assert_eq!(raised.len(), 1, "{raised:?}");
    assert_eq!(raised[0]["kind"], "budget.forecast_exhaustion");
    // Said as the forecast stood when the check ran: with the fourth plan still reserved (30
    // spent, a day three quarters as busy as usual: 17:00), or already settled (40: 16:00).
    let p = &raised[0]["payload"];
    assert_eq!(p["spent"].as_f64().unwrap() + p["reserved"].as_f64().unwrap(), 40.0, "{p}");
    let expected = if p["spent"] == 40.0 {
        "exhausted at 16:00 UTC, 8 h before the reset"
    } else {
        "exhausted at 17:00 UTC, 7 h before the reset"
    };
    assert_eq!(p["message"], expected, "{p}");
    assert_eq!(raised[0]["payload"]["project"], web.as_str());
    let heard = crate::subscriptions::next_json(&mut ws).await.expect("an alert");
    assert_eq!(heard["payload"]["data"]["budgetAlerts"]["kind"], "budget.forecast_exhaustion", "{heard}");

    // A higher limit: the forecast falls back, and that is said once too.
    apply(&app, 200).await;
    praetor::services::forecasts::alert(&app.serving).await.unwrap();
    praetor::services::forecasts::alert(&app.serving).await.unwrap();
    let all = alerts(&app).await;
    let kinds: Vec<&str> = all.iter().map(|a| a["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["budget.forecast_cleared", "budget.forecast_exhaustion"], "newest first: {all:?}");
    let f = ok(app.gql(Some(&app.admin_key), FORECAST, json!({"o": app.org})).await);
    assert_eq!(f["project"]["budgetForecast"]["exhaustsAt"], Value::Null);
    assert_eq!(f["project"]["budgetForecast"]["message"], Value::Null);
}
